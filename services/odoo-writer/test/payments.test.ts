import type { OrderPlaced } from '@retail-backbone/contracts';
import { uniqueName } from '@retail-backbone/devstack';
import { parseJsonExact } from '@retail-backbone/observability';
import { createOdooClient, type OdooClient } from '@retail-backbone/odoo-client';
import { mapPosReturn, mapPosSale } from '@retail-backbone/order-ingest/src/channels/pos';
import { mapStripe } from '@retail-backbone/order-ingest/src/channels/stripe';
import { mapShopify } from '@retail-backbone/order-ingest/src/channels/shopify';
import { mapWooCommerce } from '@retail-backbone/order-ingest/src/channels/woocommerce';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setUpAccounting, startHarness, TEST_ACCOUNTING, waitFor, type Harness } from './harness';

// the real payloads of ../shared/fixtures, as order-ingest's tests keep them
const FIXTURES = path.resolve(__dirname, '../../order-ingest/test/fixtures');
const fixture = (name: string) => parseJsonExact(readFileSync(path.join(FIXTURES, name), 'utf8')) as Record<string, unknown>;

type Facts = { facts: Array<{ eventType: string; body: unknown }> };
const bodies = (mapped: Facts, eventType: string) => mapped.facts.filter((f) => f.eventType === eventType).map((f) => f.body as Record<string, unknown>);

interface Move {
  id: number;
  name: string;
  move_type: string;
  amount_total: number;
  amount_residual: number;
  payment_state: string;
  currency_id: [number, string];
  state: string;
}
interface Payment {
  id: number;
  amount: number;
  payment_type: string;
  memo: string;
  state: string;
  currency_id: [number, string];
  reconciled_invoice_ids: number[];
}

describe('odoo-writer: payments, refunds, invoices and credit notes to the cent', () => {
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

  const synced = async (orderId: string, operation: string) => (await h.outbox('OrderSyncedToErp')).filter((e) => e.orderId === orderId && e.operation === operation);

  /** The documents of an order, found the way a person finds them: the channel's number, then the order's name. */
  async function documentsOf(order: OrderPlaced) {
    const [so] = await odoo.searchRead<{ id: number; name: string; amount_total: number }>('sale.order', [['client_order_ref', '=', order.channelOrderNumber ?? order.channelOrderId], ['origin', 'ilike', order.channelId]], { fields: ['name', 'amount_total'] });
    const moves = await odoo.searchRead<Move>('account.move', [['invoice_origin', '=', so!.name]], {
      fields: ['name', 'move_type', 'amount_total', 'amount_residual', 'payment_state', 'currency_id', 'state'],
      order: 'id asc',
    });
    const payments = await odoo.searchRead<Payment>('account.payment', [['reconciled_invoice_ids', 'in', moves.map((m) => m.id)]], {
      fields: ['amount', 'payment_type', 'memo', 'state', 'currency_id', 'reconciled_invoice_ids'],
      order: 'id asc',
    });
    return { so: so!, moves, payments };
  }

  it('registers a WooCommerce order’s captured payment against its posted invoice: 29.35 USD, nothing left to pay', async () => {
    const channelId = `${uniqueName('shop')}.example`;
    const [order] = bodies(mapWooCommerce('order.created', fixture('woocommerce_order.created.v3_order.json'), { channelId, defaultLocationId: 'online' }), 'OrderPlaced') as unknown as OrderPlaced[];
    await h.publish('OrderPlaced', order as never);
    await h.publish('PaymentCaptured', { orderId: order!.orderId, paymentId: uniqueName('pay'), provider: 'woocommerce', providerPaymentId: uniqueName('txn'), amount: { amount: '29.35', currency: 'USD' }, method: 'card' });
    await waitFor(async () => (await synced(order!.orderId, 'payment')).length === 1);
    const { moves, payments } = await documentsOf(order!);
    expect(moves).toHaveLength(1);
    expect(moves[0]).toMatchObject({ move_type: 'out_invoice', state: 'posted', amount_total: 29.35, amount_residual: 0, payment_state: 'in_payment' });
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({ amount: 29.35, payment_type: 'inbound', state: 'in_process', reconciled_invoice_ids: [moves[0]!.id] });
    expect(payments[0]!.currency_id[1]).toBe('USD');
  });

  it('registers a POS sale’s two tenders as two payments of the invoice (split tender), each by its memo', async () => {
    const mapped = mapPosSale(
      {
        saleId: uniqueName('sale'),
        receiptNumber: `R-${uniqueName('n')}`,
        occurredAt: new Date().toISOString(),
        currency: 'EUR',
        lines: [{ sku: 'RB-CHEAP', name: 'Cloth', quantity: 2, unitPrice: '5.95', tax: '1.90' }],
        payments: [
          { tenderId: 'card', method: 'card', amount: '10.00' },
          { tenderId: 'cash', method: 'cash', amount: '1.90' },
        ],
      },
      { estateId: uniqueName('estate'), storeId: 'berlin-01', locationId: 'store-berlin-01' },
    );
    const [order] = bodies(mapped, 'OrderPlaced') as unknown as OrderPlaced[];
    const tenders = bodies(mapped, 'PaymentCaptured');
    expect(tenders).toHaveLength(2);
    await h.publish('OrderPlaced', order as never);
    for (const tender of tenders) await h.publish('PaymentCaptured', tender);
    await waitFor(async () => (await synced(order!.orderId, 'payment')).length === 2);
    const { moves, payments } = await documentsOf(order!);
    expect(moves[0]).toMatchObject({ amount_total: 11.9, amount_residual: 0, payment_state: 'in_payment' });
    expect(payments.map((p) => p.amount).sort()).toEqual([1.9, 10]);
    expect(payments.map((p) => p.memo).sort()).toEqual(tenders.map((t) => `rb-payment:${String(t.paymentId)}`).sort());
  });

  it('makes each of the Shopify sample refund’s transactions a posted credit note with its refund payment: 75.00 and 10.00 USD', async () => {
    const channelId = `${uniqueName('shop')}.myshopify.com`;
    const refund = fixture('shopify_refunds-create.webhook.json');
    const created = { ...fixture('shopify_orders-create.webhook.json'), id: refund.order_id, name: `#${uniqueName('n')}` };
    const [order] = bodies(mapShopify('orders/create', created, { channelId, defaultLocationId: 'online' }), 'OrderPlaced') as unknown as OrderPlaced[];
    const refunds = bodies(mapShopify('refunds/create', refund, { channelId, defaultLocationId: 'online' }), 'PaymentRefunded');
    expect(refunds.map((r) => (r.amount as { amount: string }).amount)).toEqual(['75.00', '10.00']);
    await h.publish('OrderPlaced', order as never);
    for (const r of refunds) await h.publish('PaymentRefunded', r);
    await waitFor(async () => (await synced(order!.orderId, 'refund')).length === 2);
    const { moves, payments } = await documentsOf(order!);
    const notes = moves.filter((m) => m.move_type === 'out_refund');
    expect(notes.map((n) => [n.amount_total, n.state, n.amount_residual, n.currency_id[1]])).toEqual([
      [75, 'posted', 0, 'USD'],
      [10, 'posted', 0, 'USD'],
    ]);
    const outbound = payments.filter((p) => p.payment_type === 'outbound');
    expect(outbound.map((p) => p.amount)).toEqual([75, 10]);
    expect(outbound.map((p) => p.reconciled_invoice_ids[0])).toEqual(notes.map((n) => n.id));
    // the invoice itself stays due: the shop refunded without saying it was paid
    expect(moves.find((m) => m.move_type === 'out_invoice')).toMatchObject({ amount_total: 404.95, state: 'posted' });
  });

  it('registers the Stripe samples against a WooCommerce order: a 10.00 USD capture leaves 19.35 due, the 25.00 USD refund is a credit note paid back', async () => {
    const channelId = `${uniqueName('shop')}.example`;
    const [order] = bodies(mapWooCommerce('order.created', { ...fixture('woocommerce_order.created.v3_order.json'), date_paid_gmt: null }, { channelId, defaultLocationId: 'online' }), 'OrderPlaced') as unknown as OrderPlaced[];
    const withOrder = (name: string) => {
      const event = fixture(name) as { id: string; data: { object: Record<string, unknown> } };
      return { ...event, id: uniqueName('evt'), data: { ...event.data, object: { ...event.data.object, id: `${String(event.data.object.id)}_${uniqueName('x')}`, metadata: { order_id: order!.orderId } } } };
    };
    const [captured] = bodies(mapStripe(withOrder('stripe_payment_intent.succeeded.event.json')), 'PaymentCaptured');
    const [refunded] = bodies(mapStripe(withOrder('stripe_charge.refunded.event.json')), 'PaymentRefunded');
    expect(captured!.amount).toEqual({ amount: '10.00', currency: 'USD' });
    expect(refunded!.amount).toEqual({ amount: '25.00', currency: 'USD' });
    await h.publish('OrderPlaced', order as never);
    await h.publish('PaymentCaptured', captured!);
    await h.publish('PaymentRefunded', refunded!);
    await waitFor(async () => (await synced(order!.orderId, 'refund')).length === 1 && (await synced(order!.orderId, 'payment')).length === 1);
    const { moves, payments } = await documentsOf(order!);
    expect(moves.map((m) => [m.move_type, m.amount_total, m.amount_residual, m.payment_state, m.currency_id[1]])).toEqual([
      ['out_invoice', 29.35, 19.35, 'partial', 'USD'],
      ['out_refund', 25, 0, 'in_payment', 'USD'],
    ]);
    expect(payments.map((p) => [p.payment_type, p.amount])).toEqual([
      ['inbound', 10],
      ['outbound', 25],
    ]);
  });

  /** A POS sale of two items and the return of one, its refund tender published before or after the return. */
  async function posReturn(refundFirst: boolean): Promise<void> {
    const store = { estateId: uniqueName('estate'), storeId: 'berlin-01', locationId: 'store-berlin-01' };
    const saleId = uniqueName('sale');
    const sale = mapPosSale(
      {
        saleId,
        occurredAt: new Date().toISOString(),
        currency: 'EUR',
        lines: [{ sku: 'RB-CHEAP', name: 'Cloth', quantity: 2, unitPrice: '5.95', tax: '1.90' }],
        payments: [{ tenderId: 'card', method: 'card', amount: '11.90' }],
      },
      store,
    );
    const ret = mapPosReturn(
      { returnId: uniqueName('ret'), saleId, occurredAt: new Date().toISOString(), currency: 'EUR', lines: [{ sku: 'RB-CHEAP', quantity: 1, refundAmount: '5.95' }], refunds: [{ tenderId: 'card', method: 'card', amount: '5.95' }] },
      store,
    );
    const [order] = bodies(sale, 'OrderPlaced') as unknown as OrderPlaced[];
    await h.publish('OrderPlaced', order as never);
    for (const p of bodies(sale, 'PaymentCaptured')) await h.publish('PaymentCaptured', p);
    const publishReturn = async () => {
      for (const r of bodies(ret, 'ReturnReceived')) await h.publish('ReturnReceived', r);
    };
    if (!refundFirst) await publishReturn();
    for (const r of bodies(ret, 'PaymentRefunded')) await h.publish('PaymentRefunded', r);
    if (refundFirst) {
      // With the order and its payment in Odoo, the refund's effect is recorded waiting for the
      // return's (not applied: it would make a credit note of its own beside the return's).
      await waitFor(async () => (await synced(order!.orderId, 'payment')).length === 1);
      const refund = await waitFor(async () => {
        const { rows } = await h.writer!.pool.query<{ state: string; waits_for: string | null }>(
          `SELECT state, waits_for FROM odoo_writer.outside_effects WHERE effect_key LIKE $1`,
          [`odoo-writer:refund:${order!.orderId}:%`],
        );
        return rows[0];
      });
      expect(refund).toEqual({ state: 'pending', waits_for: `odoo-writer:return:${order!.orderId}:${bodies(ret, 'ReturnReceived')[0]!.returnId}` });
      await publishReturn();
    }
    await waitFor(async () => (await synced(order!.orderId, 'refund')).length === 1);
    const { moves, payments } = await documentsOf(order!);
    expect(moves.map((m) => [m.move_type, m.amount_total, m.amount_residual, m.currency_id[1]])).toEqual([
      ['out_invoice', 11.9, 0, 'EUR'],
      ['out_refund', 5.95, 0, 'EUR'],
    ]);
    expect(payments.map((p) => [p.payment_type, p.amount])).toEqual([
      ['inbound', 11.9],
      ['outbound', 5.95],
    ]);
  }

  it('writes a POS return as its posted credit note with the refund tender registered against it', () => posReturn(false));

  it('a refund tender that arrives before its return waits for it: one credit note, paid', () => posReturn(true));

  it('writes a redelivered payment once', async () => {
    const channelId = `${uniqueName('shop')}.example`;
    const [order] = bodies(mapWooCommerce('order.created', fixture('woocommerce_order.created.v3_order.json'), { channelId, defaultLocationId: 'online' }), 'OrderPlaced') as unknown as OrderPlaced[];
    await h.publish('OrderPlaced', order as never);
    const payment = { orderId: order!.orderId, paymentId: uniqueName('pay'), provider: 'stripe', providerPaymentId: uniqueName('pi'), amount: { amount: '29.35', currency: 'USD' }, method: 'card' };
    const first = await h.publish('PaymentCaptured', payment);
    await waitFor(async () => (await synced(order!.orderId, 'payment')).length === 1);
    await h.publish('PaymentCaptured', {}, first); // same event id
    await h.publish('PaymentCaptured', payment); // same payment, new event id
    // a marker payment of the same order, recorded after the copies: once it is written, they were handled
    await h.publish('PaymentCaptured', { ...payment, paymentId: uniqueName('pay'), amount: { amount: '0.00', currency: 'USD' } });
    await waitFor(async () => (await synced(order!.orderId, 'payment')).length === 2);
    const { payments } = await documentsOf(order!);
    expect(payments.filter((p) => p.amount === 29.35)).toHaveLength(1);
  });
});
