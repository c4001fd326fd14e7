import type { OrderLine, OrderPlaced } from '@retail-backbone/contracts';
import { X2Many, type Many2one, type OdooDomain, type OdooValues } from '@retail-backbone/odoo-client';
import type { Registry } from '@retail-backbone/observability';
import { Histogram } from 'prom-client';
import { asBusinessError, BusinessError } from '../odoo/failures';
import type { OdooGateway } from '../odoo/gateway';
import { XMLID_MODULE, customerReference, sourceDocument, xmlIdName } from '../odoo/references';
import type { AccountingConfig } from '../money/accounting-config';
import type { AccountingRecords } from '../money/accounting-records';
import { createInvoices } from '../money/invoices';
import { moneyValues, planOrderMoney, roundingCorrection, type MoneyIds, type MoneyPlan } from '../money/order-lines';
import type { StockDecision } from './intents';
import type { PartnerResolver } from './partners';
import type { ProductResolver } from './products';

export interface PlacedOrder {
  odooOrderId: number;
  odooOrderName: string | null;
  odooPartnerId: number | null;
  odooState: string;
  attempts: number;
  /** Set for an order the projector refused: what was done instead of a plain confirmation. */
  stockPath?: OversellPath;
  /** The posted customer invoice, for a channel invoiced on confirmation. */
  invoiceId?: number;
}

/** An order the inventory projector refused: kept a quotation for a person, or confirmed waiting for stock. */
export type OversellPath = 'quotation' | 'backorder';

const STOCK_ACTIVITY = 'Stock refused by the inventory projector';

export type ItemResult<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface PlaceRequest {
  order: OrderPlaced;
  /** An earlier attempt may have reached Odoo: look the order up before creating it. */
  lookFirst: boolean;
  /** Attempt number of this placement (1 for the first). */
  attempt: number;
  /** The projector's verdict, when the writer waited for it (STOCK_VERDICT=wait). */
  stock?: StockDecision;
}

/** Test seam: runs after Odoo accepted a write and before anything is committed locally. */
export type AfterOdooWrite = (stage: 'created' | 'confirmed', orderIds: string[]) => Promise<void> | void;

export interface OrderPlacerOptions {
  registry: Registry;
  afterOdooWrite?: AfterOdooWrite;
  /** The accounting table and its Odoo records; without it orders carry their product lines only. */
  accounting?: { config: AccountingConfig; records: AccountingRecords };
  oversellPath?: OversellPath;
}

interface OdooOrder {
  id: number;
  name: string | null;
  state: string;
  partnerId: number | null;
  hasXmlId: boolean;
}

interface SaleOrderRow {
  id: number;
  name: string;
  state: string;
  partner_id: Many2one;
  origin: string | false;
}

const CONFIRMABLE = new Set(['draft', 'sent']);

/** Odoo datetimes are naive UTC 'YYYY-MM-DD HH:MM:SS'. */
function odooDatetime(at: number | Date): string {
  return new Date(at).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * Line values at the Odoo boundary. Odoo's API takes floats; amounts arrive as decimal strings and
 * are converted only here. The channel's line discount (an amount) becomes Odoo's percentage.
 */
function lineValues(line: OrderLine, productId: number): OdooValues {
  const unit = Number(line.unitPrice.amount);
  const gross = unit * line.quantity;
  const discount = Number(line.discount.amount);
  return {
    product_id: productId,
    name: line.name,
    product_uom_qty: line.quantity,
    price_unit: unit,
    discount: gross > 0 && discount > 0 ? Math.round((discount / gross) * 100 * 10_000) / 10_000 : 0,
  };
}

function orderValues(order: OrderPlaced, partnerId: number, products: Map<string, number>, money?: { header: OdooValues; lines: OdooValues[] }): OdooValues {
  return {
    partner_id: partnerId,
    client_order_ref: customerReference(order),
    origin: sourceDocument(order),
    date_order: odooDatetime(order.placedAt),
    ...money?.header,
    order_line: (money?.lines ?? order.lines.map((line) => lineValues(line, products.get(line.sku)!))).map((vals) => X2Many.create(vals)),
  };
}

/**
 * Creates and confirms sale orders, many per Odoo call. The placements claimed together by the
 * effect executor form one batch: SKUs resolved in one search_read, partners upserted together,
 * then one create of all orders, one create of their external ids and one action_confirm, and a
 * final read of names and states. A business failure of one order (bad data) is isolated by
 * retrying that step one order at a time; any other failure fails the batch (the executor
 * retries it, looking the orders up first). No database transaction is open here.
 */
export class OrderPlacer {
  private readonly batchSize: Histogram;

  constructor(
    private readonly odoo: OdooGateway,
    private readonly products: ProductResolver,
    private readonly partners: PartnerResolver,
    private readonly options: OrderPlacerOptions,
  ) {
    const r = options.registry;
    this.batchSize =
      (r.getSingleMetric('odoo_writer_order_batch_size') as Histogram | undefined) ??
      new Histogram({ name: 'odoo_writer_order_batch_size', help: 'Orders per Odoo batch', buckets: [1, 2, 4, 8, 16, 32, 64], registers: [r] });
  }

  /**
   * One result per request, in order: the synced order or its BusinessError. Throws an
   * infrastructure error for the whole batch.
   */
  async placeBatch(requests: PlaceRequest[]): Promise<Array<ItemResult<PlacedOrder>>> {
    this.batchSize.observe(requests.length);
    const failures = new Map<string, BusinessError>();
    const attempts = new Map(requests.map((r) => [r.order.orderId, r.attempt]));
    const looked = requests.filter((r) => r.lookFirst);
    const inOdoo = await this.find(
      looked.map((r) => r.order.orderId),
      new Map(looked.map((r) => [r.order.orderId, sourceDocument(r.order)])),
    );

    const plans = this.plan(requests.map((r) => r.order), failures);
    const toCreate = requests.filter((r) => !inOdoo.has(r.order.orderId) && !failures.has(r.order.orderId)).map((r) => r.order);
    const skus = new Set(toCreate.flatMap((o) => [...o.lines.map((l) => l.sku), ...(plans.get(o.orderId)?.lines.map((l) => l.sku) ?? [])]));
    if (this.options.accounting) skus.add(this.options.accounting.config.products.rounding);
    const products = skus.size > 0 ? await this.products.resolve(skus) : new Map<string, number>();
    const moneyIds = await this.moneyIds(toCreate, plans, products, failures);
    const withProducts = toCreate.filter((order) => {
      if (failures.has(order.orderId)) return false;
      const unknown = [...new Set(order.lines.map((l) => l.sku).filter((sku) => !products.has(sku)))];
      if (unknown.length > 0) failures.set(order.orderId, new BusinessError('product_not_found', `no active product with SKU ${unknown.join(', ')}`));
      return unknown.length === 0;
    });
    const partnerIds = withProducts.length > 0 ? await this.partners.resolve(withProducts) : new Map<string, number | BusinessError>();
    const creatable: Array<{ order: OrderPlaced; partnerId: number }> = [];
    for (const order of withProducts) {
      const partner = partnerIds.get(order.orderId)!;
      if (partner instanceof BusinessError) failures.set(order.orderId, partner);
      else creatable.push({ order, partnerId: partner });
    }

    const created = await this.createOrders(creatable, products, failures, plans, moneyIds);
    for (const [orderId, order] of created) inOdoo.set(orderId, order);
    if (created.size > 0) await this.options.afterOdooWrite?.('created', [...created.keys()]);

    await this.createXmlIds([...inOdoo].filter(([, o]) => !o.hasXmlId));
    const refused = new Map(requests.filter((r) => r.stock?.verdict === 'rejected' && inOdoo.has(r.order.orderId)).map((r) => [r.order.orderId, r]));
    const path = this.options.oversellPath ?? 'quotation';
    await this.noteStockRefusals([...refused.values()], inOdoo, path, new Set(created.keys()));
    // Never confirmed blindly: a refused order stays a quotation unless the path says otherwise.
    const unconfirmed = [...inOdoo].filter(([orderId, o]) => CONFIRMABLE.has(o.state) && !(refused.has(orderId) && path === 'quotation'));
    await this.settleTotals(unconfirmed, plans, products, failures);
    const drafts = unconfirmed.filter(([orderId]) => !failures.has(orderId));
    const confirmFailures = await this.confirm(drafts.map(([, o]) => o.id));
    if (drafts.length > 0) await this.options.afterOdooWrite?.('confirmed', drafts.map(([id]) => id));

    const ids = [...inOdoo.values()].map((o) => o.id);
    const rows = ids.length > 0 ? await this.odoo.searchRead<SaleOrderRow>('sale.order', [['id', 'in', ids]], { fields: ['name', 'state', 'partner_id'] }) : [];
    const byId = new Map(rows.map((row) => [row.id, row]));
    const invoiced = await this.invoice(requests, inOdoo, byId, failures);

    return requests.map(({ order }): ItemResult<PlacedOrder> => {
      const failure = failures.get(order.orderId);
      if (failure) return { ok: false, error: failure };
      const known = inOdoo.get(order.orderId)!;
      const row = byId.get(known.id);
      if (!row) return { ok: false, error: new BusinessError('record_missing', `sale.order ${known.id} disappeared while being written`) };
      const stockPath = refused.has(order.orderId) ? path : undefined;
      if (CONFIRMABLE.has(row.state) && stockPath !== 'quotation') {
        return { ok: false, error: confirmFailures.get(known.id) ?? new BusinessError('validation_error', `sale.order ${row.name} stayed in state ${row.state}`) };
      }
      return {
        ok: true,
        value: {
          odooOrderId: row.id,
          odooOrderName: row.name,
          odooPartnerId: row.partner_id ? row.partner_id[0] : known.partnerId,
          odooState: row.state,
          attempts: attempts.get(order.orderId) ?? 1,
          ...(stockPath ? { stockPath } : {}),
          ...(invoiced.has(order.orderId) ? { invoiceId: invoiced.get(order.orderId)! } : {}),
        },
      };
    });
  }

  /**
   * Orders an earlier attempt may have created: by external id, else (a crash between the create
   * and the external id) by their deterministic origin when the caller knows it.
   */
  async find(orderIds: string[], origins: Map<string, string> = new Map()): Promise<Map<string, OdooOrder>> {
    const found = new Map<string, OdooOrder>();
    if (orderIds.length === 0) return found;
    const names = new Map(orderIds.map((id) => [xmlIdName('order', id), id]));
    const xmlIds = await this.odoo.searchRead<{ name: string; res_id: number }>(
      'ir.model.data',
      [
        ['module', '=', XMLID_MODULE],
        ['model', '=', 'sale.order'],
        ['name', 'in', [...names.keys()]],
      ],
      { fields: ['name', 'res_id'] },
    );
    const resIdOf = new Map(xmlIds.map((x) => [names.get(x.name)!, x.res_id]));
    const unnamed = orderIds.filter((id) => !resIdOf.has(id) && origins.has(id)).map((id) => origins.get(id)!);
    if (resIdOf.size === 0 && unnamed.length === 0) return found;
    const byId: OdooDomain = [['id', 'in', [...resIdOf.values()]]];
    const byRef: OdooDomain = [['origin', 'in', unnamed]];
    const domain: OdooDomain = resIdOf.size && unnamed.length ? ['|', ...byId, ...byRef] : resIdOf.size ? byId : byRef;
    const rows = await this.odoo.searchRead<SaleOrderRow>('sale.order', domain, {
      fields: ['name', 'state', 'partner_id', 'origin'],
      order: 'id asc',
    });
    const toOrder = (row: SaleOrderRow, hasXmlId: boolean): OdooOrder => ({
      id: row.id,
      name: row.name,
      state: row.state,
      partnerId: row.partner_id ? row.partner_id[0] : null,
      hasXmlId,
    });
    for (const orderId of orderIds) {
      const resId = resIdOf.get(orderId);
      // origin is not unique in Odoo: under per-order serialisation the oldest match is ours.
      const row = resId !== undefined ? rows.find((r) => r.id === resId) : rows.find((r) => r.origin === origins.get(orderId));
      if (row) found.set(orderId, toOrder(row, resId !== undefined));
    }
    return found;
  }

  /**
   * The customer invoices of confirmed orders whose channel is invoiced on confirmation: Odoo's
   * "Create invoice" wizard on all of them at once (one invoice per order, with the order's lines,
   * taxes and currency, so its total is the order's), then one action_post. An order found again
   * (an earlier attempt) keeps the invoice it has: invoices are looked up by origin first then.
   * A refusal is isolated by repeating the wizard one order at a time; the order is parked and its
   * retry finds it confirmed and invoices it.
   */
  private async invoice(requests: PlaceRequest[], inOdoo: Map<string, OdooOrder>, rows: Map<number, SaleOrderRow>, failures: Map<string, BusinessError>): Promise<Map<string, number>> {
    const invoices = new Map<string, number>();
    const policy = this.options.accounting?.config.invoicing;
    if (!policy) return invoices;
    const due = requests.filter((r) => {
      const row = inOdoo.has(r.order.orderId) ? rows.get(inOdoo.get(r.order.orderId)!.id) : undefined;
      return row?.state === 'sale' && !failures.has(r.order.orderId) && policy[r.order.channel] === 'confirmation';
    });
    if (due.length === 0) return invoices;
    const nameOf = (r: PlaceRequest) => rows.get(inOdoo.get(r.order.orderId)!.id)!.name;
    const looked = due.filter((r) => r.lookFirst);
    const existing =
      looked.length === 0
        ? []
        : await this.odoo.searchRead<{ id: number; invoice_origin: string; state: string }>(
            'account.move',
            [['move_type', '=', 'out_invoice'], ['invoice_origin', 'in', looked.map(nameOf)], ['state', '!=', 'cancel']],
            { fields: ['invoice_origin', 'state'], order: 'id asc' },
          );
    const drafts: number[] = existing.filter((m) => m.state === 'draft').map((m) => m.id);
    for (const r of due) {
      const found = existing.find((m) => m.invoice_origin === nameOf(r));
      if (found) invoices.set(r.order.orderId, found.id);
    }
    const fresh = due.filter((r) => !invoices.has(r.order.orderId));
    const create = async (subset: PlaceRequest[]) => {
      const ids = await createInvoices(this.odoo, subset.map((r) => inOdoo.get(r.order.orderId)!.id));
      // one invoice per order, in the order of the orders (Odoo's _create_invoices, not grouped)
      subset.forEach((r, i) => ids[i] !== undefined && invoices.set(r.order.orderId, ids[i]!));
      drafts.push(...ids);
    };
    if (fresh.length > 0) {
      try {
        await create(fresh);
      } catch (error) {
        if (!asBusinessError(error)) throw error;
        for (const r of fresh) {
          await create([r]).catch((e: unknown) => {
            const reason = asBusinessError(e);
            if (!reason) throw e;
            failures.set(r.order.orderId, reason);
          });
        }
      }
    }
    if (drafts.length > 0) await this.odoo.callMethod('account.move', 'action_post', drafts);
    return invoices;
  }

  /**
   * An activity on each refused order, for the person who decides (ship later, substitute, cancel):
   * what was short, and what the writer did. An order found again (an earlier attempt reached
   * Odoo) gets one only if it has none yet.
   */
  private async noteStockRefusals(refused: PlaceRequest[], inOdoo: Map<string, OdooOrder>, path: OversellPath, createdNow: Set<string>): Promise<void> {
    if (refused.length === 0) return;
    const found = refused.filter((r) => !createdNow.has(r.order.orderId)).map((r) => inOdoo.get(r.order.orderId)!.id);
    const noted = new Set(
      found.length === 0
        ? []
        : (
            await this.odoo.searchRead<{ res_id: number }>('mail.activity', [['res_model', '=', 'sale.order'], ['res_id', 'in', found], ['summary', '=', STOCK_ACTIVITY]], {
              fields: ['res_id'],
            })
          ).map((a) => a.res_id),
    );
    for (const request of refused) {
      const id = inOdoo.get(request.order.orderId)!.id;
      if (noted.has(id)) continue;
      const short = (request.stock?.shortages ?? []).map((s) => `${s.sku}: ${s.requested} ordered, ${s.available} available`).join('; ');
      const done = path === 'quotation' ? 'Kept as a quotation: confirm it, or cancel it, once decided.' : 'Confirmed anyway: the delivery waits for stock (backorder).';
      await this.odoo.callMethod('sale.order', 'activity_schedule', [id], { act_type_xmlid: 'mail.mail_activity_data_todo', summary: STOCK_ACTIVITY, note: `${short || 'stock short'}. ${done}` });
    }
  }

  /** The money plan of each order when the accounting table is configured; refusals go to `failures`. */
  private plan(orders: OrderPlaced[], failures: Map<string, BusinessError>): Map<string, MoneyPlan> {
    const plans = new Map<string, MoneyPlan>();
    const accounting = this.options.accounting;
    if (!accounting) return plans;
    for (const order of orders) {
      try {
        plans.set(order.orderId, planOrderMoney(order, accounting.config));
      } catch (error) {
        const business = asBusinessError(error);
        if (!business) throw error;
        failures.set(order.orderId, business);
      }
    }
    return plans;
  }

  /** Company, pricelist and tax ids of the orders to create (cached lookups); refusals go to `failures`. */
  private async moneyIds(orders: OrderPlaced[], plans: Map<string, MoneyPlan>, products: Map<string, number>, failures: Map<string, BusinessError>): Promise<Map<string, MoneyIds>> {
    const ids = new Map<string, MoneyIds>();
    const accounting = this.options.accounting;
    const planned = orders.filter((o) => plans.has(o.orderId));
    if (!accounting || planned.length === 0) return ids;
    await accounting.records.load(planned.map((o) => plans.get(o.orderId)!));
    for (const order of planned) {
      const plan = plans.get(order.orderId)!;
      const missing = [...new Set(plan.lines.filter((l) => l.kind !== 'product' && !products.has(l.sku)).map((l) => l.sku))];
      if (missing.length > 0) {
        failures.set(order.orderId, new BusinessError('accounting_not_found', `no active product with internal reference ${missing.join(', ')} (ODOO_ACCOUNTING.products)`));
        continue;
      }
      const found = accounting.records.idsOf(plan);
      if (found instanceof BusinessError) failures.set(order.orderId, found);
      else ids.set(order.orderId, { ...found, productIds: products });
    }
    return ids;
  }

  /**
   * Brings each unconfirmed order's Odoo total to the channel's before it is confirmed: Odoo
   * computes taxes itself, so a cent the channel rounded differently becomes a rounding line (one
   * create for the batch); a larger difference parks the order, left as a quotation. A retried
   * order already carrying its rounding line reads as equal, so nothing is added twice.
   */
  private async settleTotals(orders: Array<[string, OdooOrder]>, plans: Map<string, MoneyPlan>, products: Map<string, number>, failures: Map<string, BusinessError>): Promise<void> {
    const accounting = this.options.accounting;
    const planned = orders.filter(([orderId]) => plans.has(orderId));
    if (!accounting || planned.length === 0) return;
    const rows = await this.odoo.searchRead<{ id: number; amount_total: number }>('sale.order', [['id', 'in', planned.map(([, o]) => o.id)]], { fields: ['amount_total'] });
    const totals = new Map(rows.map((r) => [r.id, r.amount_total]));
    const roundingProduct = products.get(accounting.config.products.rounding);
    const lines: OdooValues[] = [];
    for (const [orderId, order] of planned) {
      const correction = roundingCorrection(plans.get(orderId)!, totals.get(order.id) ?? 0);
      if (correction instanceof BusinessError) failures.set(orderId, correction);
      else if (!correction.eq(0) && roundingProduct === undefined) {
        failures.set(orderId, new BusinessError('accounting_not_found', `no active product with internal reference ${accounting.config.products.rounding} (ODOO_ACCOUNTING.products.rounding)`));
      } else if (!correction.eq(0)) {
        lines.push({ order_id: order.id, product_id: roundingProduct!, name: 'Rounding', product_uom_qty: 1, price_unit: Number(correction), [accounting.config.lineTaxField]: [[6, 0, []]] });
      }
    }
    if (lines.length > 0) await this.odoo.create('sale.order.line', lines);
  }

  private async createOrders(
    items: Array<{ order: OrderPlaced; partnerId: number }>,
    products: Map<string, number>,
    failures: Map<string, BusinessError>,
    plans: Map<string, MoneyPlan> = new Map(),
    moneyIds: Map<string, MoneyIds> = new Map(),
  ): Promise<Map<string, OdooOrder>> {
    const created = new Map<string, OdooOrder>();
    if (items.length === 0) return created;
    const accounting = this.options.accounting;
    const vals = items.map(({ order, partnerId }) => {
      const plan = plans.get(order.orderId);
      const ids = moneyIds.get(order.orderId);
      return orderValues(order, partnerId, products, accounting && plan && ids ? moneyValues(plan, ids, accounting.config) : undefined);
    });
    const record = (ids: number[], subset: typeof items) =>
      subset.forEach(({ order, partnerId }, i) => created.set(order.orderId, { id: ids[i]!, name: null, state: 'draft', partnerId, hasXmlId: false }));
    try {
      record(await this.odoo.create('sale.order', vals), items);
    } catch (error) {
      const business = asBusinessError(error);
      if (!business) throw error;
      if (items.length === 1) {
        failures.set(items[0]!.order.orderId, business);
        return created;
      }
      // One bad order rolls back the whole call: find it by creating them one at a time.
      for (const [i, item] of items.entries()) {
        try {
          record(await this.odoo.create('sale.order', [vals[i]!]), [item]);
        } catch (single) {
          const reason = asBusinessError(single);
          if (!reason) throw single;
          failures.set(item.order.orderId, reason);
        }
      }
    }
    return created;
  }

  private async createXmlIds(orders: Array<[string, OdooOrder]>): Promise<void> {
    if (orders.length === 0) return;
    const vals = orders.map(([orderId, o]) => ({ module: XMLID_MODULE, name: xmlIdName('order', orderId), model: 'sale.order', res_id: o.id, noupdate: true }));
    try {
      await this.odoo.create('ir.model.data', vals);
    } catch (error) {
      if (!asBusinessError(error)) throw error;
      // A duplicate (module, name) means the handle already exists: nothing to do for that one.
      for (const single of vals) await this.odoo.create('ir.model.data', [single]).catch((e: unknown) => {
        if (!asBusinessError(e)) throw e;
      });
    }
    for (const [, o] of orders) o.hasXmlId = true;
  }

  /** Confirms draft orders together; the ones Odoo refuses are reported individually. */
  private async confirm(ids: number[]): Promise<Map<number, BusinessError>> {
    const refused = new Map<number, BusinessError>();
    if (ids.length === 0) return refused;
    try {
      await this.odoo.callMethod('sale.order', 'action_confirm', ids);
    } catch (error) {
      const business = asBusinessError(error);
      if (!business) throw error;
      if (ids.length === 1) refused.set(ids[0]!, business);
      else {
        for (const id of ids) {
          await this.odoo.callMethod('sale.order', 'action_confirm', [id]).catch((e: unknown) => {
            const reason = asBusinessError(e);
            if (!reason) throw e;
            refused.set(id, reason);
          });
        }
      }
    }
    return refused;
  }
}
