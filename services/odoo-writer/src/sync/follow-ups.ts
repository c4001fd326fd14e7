import type { OrderCancelled, ReturnReceived, ShipmentDispatched } from '@retail-backbone/contracts';
import { X2Many, type OdooValues } from '@retail-backbone/odoo-client';
import type { Pool } from 'pg';
import type { WriterStore } from '../db/store';
import { BusinessError } from '../odoo/failures';
import type { OdooGateway } from '../odoo/gateway';
import { orderReference, returnReference } from '../odoo/references';
import { createInvoices } from '../money/invoices';
import type { OrderPlacer } from './orders';
import type { ProductResolver } from './products';

/** What a successful write reports (becomes OrderSyncedToErp). */
export interface SyncOutcome {
  operation: 'create' | 'cancel' | 'return' | 'picking_validate' | 'payment' | 'refund';
  erpOrderId: number;
  erpOrderName: string | null;
  erpPartnerId: number | null;
  erpReference: string;
  attempts: number;
  stockPath?: 'quotation' | 'backorder' | null;
}

/** What the completion transaction records for a follow-up written to Odoo. */
export interface FollowUpResult {
  outcome: SyncOutcome;
  operation: { operation: SyncOutcome['operation']; reference: string; odooResId: number };
  /** Local order status to set with it. */
  status?: 'cancelled';
}

interface OdooOrderRef {
  id: number;
  name: string | null;
  partnerId: number | null;
}

interface PickingRow {
  id: number;
  name: string;
  state: string;
  carrier_tracking_ref: string | false;
}

const CLOSED = new Set(['done', 'cancel']);

/** What a short picking's button_validate returns instead of True. */
interface BackorderWizardAction {
  res_model: 'stock.backorder.confirmation';
  context: Record<string, unknown> & { button_validate_picking_ids?: number[] };
}

function isBackorderWizard(answer: unknown): answer is BackorderWizardAction {
  return typeof answer === 'object' && answer !== null && (answer as { res_model?: unknown }).res_model === 'stock.backorder.confirmation';
}

/** What a partial shipment does with the rest of the picking: keep it in a backorder, or cancel it. */
export type BackorderPolicy = 'create' | 'cancel';

/** Money at the Odoo boundary: Odoo's API takes floats (see lineValues in ./orders). */
const amount = (decimal: string) => Number(decimal);
const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * Writes that follow an order: cancellation, return (as a posted customer credit note) and
 * picking validation with the carrier's tracking number. Each one reads Odoo's state before
 * acting, so a retry after an ambiguous failure or a crash never applies it twice. Called by the
 * effect executor with no transaction open; the local state is read from the pool and the result
 * is recorded by the caller's completion transaction. null: already applied, nothing to emit.
 */
export class FollowUps {
  constructor(
    private readonly odoo: OdooGateway,
    private readonly placer: OrderPlacer,
    private readonly products: ProductResolver,
    private readonly store: WriterStore,
    private readonly pool: Pool,
    private readonly backorders: BackorderPolicy = 'create',
    /** ODOO_ACCOUNTING.invoicing: channels invoiced with their last shipment (`delivery`). */
    private readonly invoicing: Record<string, string> = {},
  ) {}

  async cancel(event: OrderCancelled): Promise<FollowUpResult | null> {
    if (await this.store.hasOperation(this.pool, event.orderId, 'cancel', event.orderId)) return null;
    const order = await this.odooOrder(event.orderId);
    const [row] = await this.odoo.searchRead<{ id: number; state: string }>('sale.order', [['id', '=', order.id]], { fields: ['state'] });
    if (!row) throw new BusinessError('record_missing', `sale.order ${order.id} no longer exists`);
    // without disable_cancel_warning Odoo 17+ answers a confirmed order with the cancel wizard's action
    if (row.state !== 'cancel') await this.odoo.callMethod('sale.order', 'action_cancel', [order.id], { context: { disable_cancel_warning: true } });
    return { ...this.result('cancel', order, orderReference(event.orderId), event.orderId, order.id), status: 'cancelled' };
  }

  /**
   * A return becomes a posted out_refund credit note (ref = deterministic return reference) with one
   * line per returned SKU at its refund amount, plus a line for any remainder of the refund total
   * (shipping). Goods going back to stock are reported by the WMS as stock movements, not here.
   */
  async recordReturn(event: ReturnReceived): Promise<FollowUpResult | null> {
    if (await this.store.hasOperation(this.pool, event.orderId, 'return', event.returnId)) return null;
    const order = await this.odooOrder(event.orderId);
    const ref = returnReference(event.returnId);
    const [existing] = await this.odoo.searchRead<{ id: number; state: string }>(
      'account.move',
      [
        ['move_type', '=', 'out_refund'],
        ['ref', '=', ref],
      ],
      { fields: ['state'], order: 'id asc', limit: 1 },
    );
    let move = existing;
    if (!move) {
      const skus = new Set(event.lines.map((l) => l.sku));
      const products = await this.products.resolve(skus);
      const unknown = [...skus].filter((sku) => !products.has(sku));
      if (unknown.length > 0) throw new BusinessError('product_not_found', `no active product with SKU ${unknown.join(', ')}`);
      if (order.partnerId === null) throw new BusinessError('record_missing', `sale.order ${order.id} has no customer`);
      const lines: OdooValues[] = event.lines.map((line) => ({
        product_id: products.get(line.sku)!,
        quantity: line.quantity,
        price_unit: round2(amount(line.refundAmount.amount) / line.quantity),
      }));
      const remainder = round2(amount(event.refundTotal.amount) - event.lines.reduce((sum, l) => sum + amount(l.refundAmount.amount), 0));
      if (remainder > 0) lines.push({ name: 'Refund of other charges (shipping)', quantity: 1, price_unit: remainder });
      // in the order's currency (a credit note without one would be in the company's)
      const [so] = await this.odoo.searchRead<{ id: number; currency_id: [number, string] | false }>('sale.order', [['id', '=', order.id]], { fields: ['currency_id'] });
      const [id] = await this.odoo.create('account.move', [
        {
          move_type: 'out_refund',
          ...(so?.currency_id ? { currency_id: so.currency_id[0] } : {}),
          partner_id: order.partnerId,
          ref,
          invoice_origin: order.name ?? orderReference(event.orderId),
          invoice_line_ids: lines.map((l) => X2Many.create(l)),
        },
      ]);
      move = { id: id!, state: 'draft' };
    }
    if (move.state === 'draft') await this.odoo.callMethod('account.move', 'action_post', [move.id]);
    return this.result('return', order, ref, event.returnId, move.id);
  }

  /**
   * A shipment validates only what left: its quantities are set on the open picking's moves (one
   * write through the picking's move_ids), the moves it does not name keep nothing picked, then
   * `button_validate`. Odoo answers a short picking with the backorder wizard, which is answered by
   * the policy: `create` keeps the remainder in a backorder picking (the next shipment validates
   * it), `cancel` drops it. The tracking number is written first, so a retry after an ambiguous
   * failure finds the picking it validated; an untracked one adopts a done picking no other
   * shipment of the order claimed.
   */
  async validateShipment(event: ShipmentDispatched): Promise<FollowUpResult | null> {
    if (await this.store.hasOperation(this.pool, event.orderId, 'picking_validate', event.shipmentId)) return null;
    const order = await this.odooOrder(event.orderId);
    const pickings = await this.odoo.searchRead<PickingRow>(
      'stock.picking',
      [
        ['sale_id', '=', order.id],
        ['picking_type_code', '=', 'outgoing'],
      ],
      { fields: ['name', 'state', 'carrier_tracking_ref'], order: 'id asc' },
    );
    const tracking = event.trackingNumber ?? null;
    const claimed = await this.store.operationResIds(this.pool, event.orderId, 'picking_validate');
    const alreadyDone = pickings.find((p) => p.state === 'done' && (tracking === null ? !claimed.has(p.id) : p.carrier_tracking_ref === tracking));
    const requested = event.erpPickingId ? pickings.find((p) => String(p.id) === event.erpPickingId && !CLOSED.has(p.state)) : undefined;
    const target = alreadyDone ? undefined : (requested ?? pickings.find((p) => !CLOSED.has(p.state)));
    if (!alreadyDone && !target) throw new BusinessError('picking_not_found', `sale.order ${order.id} has no open outgoing picking`);
    if (target) {
      const quantities = await this.shippedQuantities(target.id, event);
      await this.odoo.write('stock.picking', [target.id], {
        ...(tracking !== null ? { carrier_tracking_ref: tracking } : {}),
        ...(event.trackingUrl ? { carrier_tracking_url: event.trackingUrl } : {}),
        move_ids: quantities.map(({ moveId, quantity }) => X2Many.update(moveId, { quantity, picked: quantity > 0 })),
      });
      const answer = await this.odoo.callMethod<unknown>('stock.picking', 'button_validate', [target.id]);
      if (isBackorderWizard(answer)) await this.answerBackorderWizard(answer, target.id);
    }
    const channel = (await this.store.order(this.pool, event.orderId))?.channel;
    if (channel && this.invoicing[channel] === 'delivery') await this.invoiceWhenDelivered(order);
    return this.result('picking_validate', order, orderReference(event.orderId), event.shipmentId, (target ?? alreadyDone)!.id);
  }

  /**
   * Invoicing on delivery: once no outgoing picking of the order is left open, its invoice is
   * created (if it has none) and posted. A retry finds the invoice by its origin.
   */
  private async invoiceWhenDelivered(order: OdooOrderRef): Promise<void> {
    const open = await this.odoo.searchRead<{ id: number }>('stock.picking', [['sale_id', '=', order.id], ['picking_type_code', '=', 'outgoing'], ['state', 'not in', ['done', 'cancel']]], { fields: ['state'] });
    if (open.length > 0 || !order.name) return;
    const existing = await this.odoo.searchRead<{ id: number; state: string }>('account.move', [['move_type', '=', 'out_invoice'], ['invoice_origin', '=', order.name], ['state', '!=', 'cancel']], { fields: ['state'] });
    const drafts = existing.length > 0 ? existing.filter((m) => m.state === 'draft').map((m) => m.id) : await createInvoices(this.odoo, [order.id]);
    if (drafts.length > 0) await this.odoo.callMethod('account.move', 'action_post', drafts);
  }

  /**
   * The quantity of each live move of the picking for this shipment: the shipped units of a SKU
   * are spread over its moves in order (more than ordered stays on the last one: Odoo accepts an
   * over-delivery). A SKU the picking does not hold refuses the shipment.
   */
  private async shippedQuantities(pickingId: number, event: ShipmentDispatched): Promise<Array<{ moveId: number; quantity: number }>> {
    const moves = await this.odoo.searchRead<{ id: number; product_id: [number, string] | false; product_uom_qty: number; state: string }>(
      'stock.move',
      [['picking_id', '=', pickingId]],
      { fields: ['product_id', 'product_uom_qty', 'state'], order: 'id asc' },
    );
    const live = moves.filter((m) => !CLOSED.has(m.state));
    const products = await this.products.resolve(new Set(event.lines.map((l) => l.sku)));
    const left = new Map<number, number>();
    for (const line of event.lines) {
      const productId = products.get(line.sku);
      if (productId === undefined || !live.some((m) => m.product_id && m.product_id[0] === productId)) {
        throw new BusinessError('picking_not_found', `the open picking ${pickingId} has no move of SKU ${line.sku}`);
      }
      left.set(productId, (left.get(productId) ?? 0) + line.quantity);
    }
    return live.map((move, i) => {
      const productId = move.product_id ? move.product_id[0] : -1;
      const remaining = left.get(productId) ?? 0;
      const lastOfProduct = !live.slice(i + 1).some((m) => m.product_id && m.product_id[0] === productId);
      const quantity = lastOfProduct ? remaining : Math.min(remaining, move.product_uom_qty);
      left.set(productId, remaining - quantity);
      return { moveId: move.id, quantity };
    });
  }

  /** Odoo's stock.backorder.confirmation, created in the action's context and processed by policy. */
  private async answerBackorderWizard(action: BackorderWizardAction, pickingId: number): Promise<void> {
    const context = { ...action.context, button_validate_picking_ids: action.context.button_validate_picking_ids ?? [pickingId] };
    const [wizard] = await this.odoo.create('stock.backorder.confirmation', [{ pick_ids: [[4, pickingId]] }], { context });
    await this.odoo.callMethod('stock.backorder.confirmation', this.backorders === 'create' ? 'process' : 'process_cancel_backorder', [wizard!], { context });
  }

  /** The Odoo order of a backbone order: from local state, else looked up by its handles. */
  private async odooOrder(orderId: string): Promise<OdooOrderRef> {
    const row = await this.store.order(this.pool, orderId);
    if (row?.odoo_order_id) return { id: row.odoo_order_id, name: row.odoo_order_name, partnerId: row.odoo_partner_id };
    const found = (await this.placer.find([orderId])).get(orderId);
    if (!found) throw new BusinessError('order_not_synced', 'the order is not in Odoo (yet)');
    return { id: found.id, name: found.name, partnerId: found.partnerId };
  }

  private result(operation: SyncOutcome['operation'], order: OdooOrderRef, erpReference: string, reference: string, odooResId: number): FollowUpResult {
    return {
      outcome: { operation, erpOrderId: order.id, erpOrderName: order.name, erpPartnerId: order.partnerId, erpReference, attempts: 1 },
      operation: { operation, reference, odooResId },
    };
  }
}

