import type { OrderPlaced } from '@retail-backbone/contracts';
import { uniqueName } from '@retail-backbone/devstack';
import { parseJsonExact } from '@retail-backbone/observability';
import { createOdooClient, type OdooClient } from '@retail-backbone/odoo-client';
import { mapPosSale } from '@retail-backbone/order-ingest/src/channels/pos';
import { mapShopify } from '@retail-backbone/order-ingest/src/channels/shopify';
import { mapWooCommerce } from '@retail-backbone/order-ingest/src/channels/woocommerce';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { orderPlaced, setUpAccounting, startHarness, TEST_ACCOUNTING, waitFor, type Harness } from './harness';

// the real payloads of ../shared/fixtures, as order-ingest's tests keep them
const FIXTURES = path.resolve(__dirname, '../../order-ingest/test/fixtures');
// Shopify's ids exceed 2^53: read as order-ingest reads a body, with big integers kept exact.
const fixture = (name: string) => parseJsonExact(readFileSync(path.join(FIXTURES, name), 'utf8'));

/** The body of the fact a channel mapper produced, as the writer receives it. */
function placedFrom(mapped: { facts: Array<{ eventType: string; body: unknown }> }): OrderPlaced {
  const placed = mapped.facts.find((f) => f.eventType === 'OrderPlaced');
  if (!placed) throw new Error('no OrderPlaced');
  return placed.body as OrderPlaced;
}

/** A copy with a fresh channel id, so every test's order is its own. */
function fresh(order: OrderPlaced): OrderPlaced {
  const channelId = `${uniqueName('shop')}.example`;
  return { ...order, channelId, orderId: `${order.channel}:${channelId}:${order.channelOrderId}` };
}

describe('odoo-writer: the money of an order, to the cent', () => {
  let h: Harness;
  let odoo: OdooClient;

  beforeAll(async () => {
    h = await startHarness({ config: { accounting: TEST_ACCOUNTING } });
    odoo = createOdooClient({ ...h.config.odoo });
    await setUpAccounting(h.sim, ['SKU2006-001', 'LENS-PROTECT-2YR', 'CASE-LEATHER-PREM', 'SKU2006-020', 'SKU2006-035', 'woocommerce:93', 'Bar3', 'RB-CHEAP']);
    await h.start();
  });

  afterAll(async () => {
    await odoo?.close();
    await h?.close();
  });

  const synced = async (orderId: string) => (await h.outbox('OrderSyncedToErp')).find((e) => e.orderId === orderId);
  const failed = async (orderId: string) => (await h.outbox('ErpSyncFailed')).find((e) => e.orderId === orderId);

  /** The sale order found the way a person finds it: by the channel's number, in Odoo's API. */
  async function byChannelNumber(order: OrderPlaced) {
    const rows = await odoo.searchRead<{ id: number; name: string; amount_total: number; amount_tax: number; currency_id: [number, string]; pricelist_id: [number, string]; company_id: [number, string]; state: string }>(
      'sale.order',
      [['client_order_ref', '=', order.channelOrderNumber ?? order.channelOrderId], ['origin', 'ilike', order.channelId]],
      { fields: ['name', 'amount_total', 'amount_tax', 'currency_id', 'pricelist_id', 'company_id', 'state'] },
    );
    expect(rows).toHaveLength(1);
    return rows[0]!;
  }

  /** The customer invoice of a sale order, found by the channel's number as its reference. */
  async function invoiceOf(order: OrderPlaced, saleOrderName?: string) {
    const rows = await odoo.searchRead<{ id: number; amount_total: number; amount_tax: number; currency_id: [number, string]; state: string; invoice_origin: string; payment_state: string; amount_residual: number }>(
      'account.move',
      [['move_type', '=', 'out_invoice'], ['ref', '=', order.channelOrderNumber ?? order.channelOrderId], ...(saleOrderName ? [['invoice_origin', '=', saleOrderName] as [string, string, string]] : [])],
      { fields: ['amount_total', 'amount_tax', 'currency_id', 'state', 'invoice_origin', 'payment_state', 'amount_residual'] },
    );
    expect(rows).toHaveLength(1);
    return rows[0]!;
  }

  const linesOf = (saleOrderId: number) => h.sim.records('sale.order.line').filter((l) => l.order_id === saleOrderId);
  const sku = (productId: unknown) => h.sim.records('product.product').find((p) => p.id === productId)?.default_code;

  it("writes the Shopify sample with its order-level discount and shipping: the sale order's and its posted invoice's total are the channel's 404.95 USD", async () => {
    const order = fresh(placedFrom(mapShopify('orders/create', fixture('shopify_orders-create.webhook.json'), { channelId: 'x', defaultLocationId: 'online' })));
    await h.publish('OrderPlaced', order as never);
    await waitFor(() => synced(order.orderId));
    const so = await byChannelNumber(order);
    expect(so).toMatchObject({ amount_total: 404.95, state: 'sale' });
    expect(so.currency_id[1]).toBe('USD');
    const invoice = await invoiceOf(order, so.name);
    expect(invoice).toMatchObject({ amount_total: 404.95, state: 'posted' });
    expect(invoice.currency_id[1]).toBe('USD');
    expect(so.pricelist_id[1]).toContain('Public USD');
    const lines = linesOf(so.id);
    // five products at the channel's prices, one discount line of -20.00, one shipping line of 10.00
    expect(lines.filter((l) => sku(l.product_id) === 'DISC').map((l) => l.price_unit)).toEqual([-20]);
    expect(lines.filter((l) => sku(l.product_id) === 'SHIP').map((l) => l.price_unit)).toEqual([10]);
    expect(lines.filter((l) => !['DISC', 'SHIP', 'ROUND'].includes(String(sku(l.product_id))))).toHaveLength(5);
    // shipping and discounts are services: the delivery holds the five products only
    const moves = h.sim.records('stock.move').filter((m) => lines.some((l) => l.id === m.sale_line_id));
    expect(moves).toHaveLength(5);
  });

  it('writes the WooCommerce sample with its 7.5% state tax mapped to account.tax: order and posted invoice 29.35 USD, tax 1.35', async () => {
    const order = fresh(placedFrom(mapWooCommerce('order.created', fixture('woocommerce_order.created.v3_order.json'), { channelId: 'x', defaultLocationId: 'online' })));
    await h.publish('OrderPlaced', order as never);
    await waitFor(() => synced(order.orderId));
    const so = await byChannelNumber(order);
    expect(so).toMatchObject({ amount_total: 29.35, amount_tax: 1.35, state: 'sale' });
    expect(so.currency_id[1]).toBe('USD');
    const invoice = await invoiceOf(order, so.name);
    expect(invoice).toMatchObject({ amount_total: 29.35, amount_tax: 1.35, state: 'posted', payment_state: 'not_paid' });
    expect(invoice.currency_id[1]).toBe('USD');
    const [tax] = await odoo.searchRead<{ id: number }>('account.tax', [['name', '=', 'US-CA 7.5%']], { fields: ['name'] });
    const products = linesOf(so.id).filter((l) => sku(l.product_id) !== 'SHIP');
    expect(products.map((l) => l.tax_ids)).toEqual([[tax!.id], [tax!.id]]);
    const shipping = linesOf(so.id).find((l) => sku(l.product_id) === 'SHIP')!;
    expect(shipping.price_unit).toBe(10);
    expect(shipping.tax_ids ?? []).toEqual([]);
  });

  it('writes a POS sale with prices including 19% VAT in EUR, a cent discount that no two-decimal percentage gives as its own line', async () => {
    const saleId = uniqueName('sale');
    const order = placedFrom(
      mapPosSale(
        {
          saleId,
          receiptNumber: `R-${saleId}`,
          occurredAt: new Date().toISOString(),
          currency: 'EUR',
          taxesIncluded: true,
          lines: [
            { sku: 'SKU2006-001', name: 'Camera', quantity: 1, unitPrice: '1234.56', discount: '0.01', tax: '197.11' },
            { sku: 'RB-CHEAP', name: 'Cloth', quantity: 2, unitPrice: '1.99', discount: '0.50', tax: '0.56' },
          ],
          payments: [{ tenderId: 't1', method: 'card', amount: '1238.03' }],
        },
        { estateId: `${uniqueName('estate')}`, storeId: 'berlin-01', locationId: 'store-berlin-01' },
      ),
    );
    expect(order.totals.grandTotal.amount).toBe('1238.03');
    await h.publish('OrderPlaced', order as never);
    await waitFor(() => synced(order.orderId));
    const so = await byChannelNumber(order);
    expect(so).toMatchObject({ amount_total: 1238.03, state: 'sale' });
    expect(so.currency_id[1]).toBe('EUR');
    expect(await invoiceOf(order, so.name)).toMatchObject({ amount_total: 1238.03, state: 'posted' });
    const lines = linesOf(so.id);
    expect(lines.filter((l) => sku(l.product_id) === 'DISC').map((l) => l.price_unit)).toEqual([-0.01]);
    expect(lines.find((l) => sku(l.product_id) === 'RB-CHEAP')!.discount).toBe(12.56);
    expect(lines.filter((l) => sku(l.product_id) === 'ROUND')).toHaveLength(0);
  });

  it('makes one partner of one person ordering on Shopify, WooCommerce and at a POS (e-mail in any case)', async () => {
    const email = `${uniqueName('jane')}@example.com`;
    const shop = parseJsonExact(readFileSync(path.join(FIXTURES, 'shopify_orders-create.webhook.json'), 'utf8')) as Record<string, unknown>;
    const woo = fixture('woocommerce_order.created.v3_order.json') as Record<string, Record<string, unknown>>;
    const channelId = `${uniqueName('shop')}.example`;
    const orders = [
      placedFrom(mapShopify('orders/create', { ...shop, id: `${Date.now()}1`, name: `#S-${uniqueName('n')}`, email: email.toUpperCase() }, { channelId, defaultLocationId: 'online' })),
      placedFrom(mapWooCommerce('order.created', { ...woo, id: Date.now(), number: uniqueName('w'), billing: { ...woo.billing, email: ` ${email}` } }, { channelId, defaultLocationId: 'online' })),
      placedFrom(
        mapPosSale(
          {
            saleId: uniqueName('sale'),
            occurredAt: new Date().toISOString(),
            currency: 'EUR',
            customer: { email },
            lines: [{ sku: 'RB-CHEAP', quantity: 1, unitPrice: '5.95', tax: '0.95' }],
          },
          { estateId: uniqueName('estate'), storeId: 'berlin-01', locationId: 'store-berlin-01' },
        ),
      ),
    ];
    expect(new Set(orders.map((o) => o.customer.customerId)).size).toBe(1);
    for (const order of orders) await h.publish('OrderPlaced', order as never);
    const events = await waitFor(async () => {
      const found = await Promise.all(orders.map((o) => synced(o.orderId)));
      return found.every(Boolean) && found;
    });
    expect(new Set(events.map((e) => e!.erpPartnerId)).size).toBe(1);
    const partners = h.sim.records('res.partner').filter((p) => String(p.email ?? '').toLowerCase().trim() === email);
    expect(partners).toHaveLength(1);
  });

  it("adds a rounding line when the channel rounded its tax over the order and Odoo per line (3 × 0.99 at 7.5%: 3.19, not 3.18)", async () => {
    const id = `shopify:rounding.example:${uniqueName('o')}`;
    const usd = (amount: string) => ({ amount, currency: 'USD' });
    const base = orderPlaced(id, ['RB-CHEAP', 'RB-CHEAP', 'RB-CHEAP']);
    const order = {
      ...base,
      channelOrderNumber: `#R-${uniqueName('n')}`,
      currency: 'USD',
      taxesIncluded: false,
      shippingAddress: null,
      billingAddress: null,
      lines: base.lines!.map((l, i) => ({ ...l, lineId: String(i + 1), unitPrice: usd('0.99'), discount: usd('0.00'), tax: usd(i === 2 ? '0.08' : '0.07') })),
      totals: { subtotal: usd('2.97'), discounts: usd('0.00'), tax: usd('0.22'), shipping: usd('0.00'), grandTotal: usd('3.19') },
    };
    await h.publish('OrderPlaced', order);
    await waitFor(() => synced(id));
    const [so] = h.saleOrders(id);
    expect(h.sim.records('sale.order').find((o) => o.id === so!.id)).toBeDefined();
    const rows = await odoo.read<{ amount_total: number }>('sale.order', [so!.id as number], ['amount_total']);
    expect(rows[0]!.amount_total).toBe(3.19);
    expect(linesOf(so!.id as number).filter((l) => sku(l.product_id) === 'ROUND').map((l) => l.price_unit)).toEqual([0.01]);
  });

  it('parks an order whose tax rate has no account.tax mapping, naming the rate, and writes nothing', async () => {
    const id = `shopify:taxless.example:${uniqueName('o')}`;
    const usd = (amount: string) => ({ amount, currency: 'USD' });
    const base = orderPlaced(id, ['RB-CHEAP']);
    await h.publish('OrderPlaced', {
      ...base,
      currency: 'USD',
      taxesIncluded: false,
      shippingAddress: null,
      billingAddress: null,
      lines: base.lines!.map((l) => ({ ...l, unitPrice: usd('10.00'), discount: usd('0.00'), tax: usd('1.30') })),
      totals: { subtotal: usd('10.00'), discounts: usd('0.00'), tax: usd('1.30'), shipping: usd('0.00'), grandTotal: usd('11.30') },
    });
    const failure = await waitFor(() => failed(id));
    expect(failure).toMatchObject({ errorCode: 'tax_unmapped', retryable: true });
    expect(String(failure.errorMessage)).toContain('13%');
    expect(String(failure.errorMessage)).toContain('US');
    expect(h.saleOrders(id)).toHaveLength(0);
  });

  it('parks an order in a currency without a pricelist instead of writing it in the company currency', async () => {
    const id = `shopify:yen.example:${uniqueName('o')}`;
    const jpy = (amount: string) => ({ amount, currency: 'JPY' });
    const base = orderPlaced(id, ['RB-CHEAP']);
    await h.publish('OrderPlaced', {
      ...base,
      currency: 'JPY',
      lines: base.lines!.map((l) => ({ ...l, unitPrice: jpy('1000'), discount: jpy('0'), tax: jpy('0') })),
      totals: { subtotal: jpy('1000'), discounts: jpy('0'), tax: jpy('0'), shipping: jpy('0'), grandTotal: jpy('1000') },
    });
    const failure = await waitFor(() => failed(id));
    expect(failure).toMatchObject({ errorCode: 'currency_unmapped' });
    expect(String(failure.errorMessage)).toContain('JPY');
    expect(h.saleOrders(id)).toHaveLength(0);
  });
});
