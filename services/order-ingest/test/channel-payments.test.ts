import type { OrderPlaced } from '@retail-backbone/contracts';
import { parseJsonExact } from '@retail-backbone/observability';
import { mapShopify } from '../src/channels/shopify';
import { mapWooCommerce } from '../src/channels/woocommerce';
import { fixture } from './helpers';

const ctx = { channelId: 'shop.example', defaultLocationId: 'online' };
const json = (name: string) => parseJsonExact(fixture(name).toString('utf8')) as Record<string, unknown>;
const payments = (mapped: { facts: Array<{ eventType: string; body: unknown }> }) => mapped.facts.filter((f) => f.eventType === 'PaymentCaptured').map((f) => f.body as Record<string, unknown>);

describe("the channel's own captured payment", () => {
  it('is a PaymentCaptured of the total for the WooCommerce sample, paid by its gateway (29.35 USD)', () => {
    const [payment, ...more] = payments(mapWooCommerce('order.created', json('woocommerce_order.created.v3_order.json'), ctx));
    expect(more).toHaveLength(0);
    expect(payment).toMatchObject({ amount: { amount: '29.35', currency: 'USD' }, provider: 'bacs' });
  });

  it('is none for an unpaid WooCommerce order', () => {
    const unpaid = { ...json('woocommerce_order.created.v3_order.json'), date_paid: null, date_paid_gmt: null, status: 'pending' };
    expect(payments(mapWooCommerce('order.created', unpaid, ctx))).toHaveLength(0);
  });

  it('is none for the voided Shopify sample, the total for it once paid, what is not outstanding when partially paid', () => {
    const order = json('shopify_orders-create.webhook.json');
    expect(payments(mapShopify('orders/create', order, ctx))).toHaveLength(0);
    expect(payments(mapShopify('orders/create', { ...order, financial_status: 'paid' }, ctx))[0]).toMatchObject({ amount: { amount: '404.95', currency: 'USD' } });
    expect(payments(mapShopify('orders/create', { ...order, financial_status: 'partially_paid', total_outstanding: '104.95' }, ctx))[0]).toMatchObject({ amount: { amount: '300.00', currency: 'USD' } });
  });

  it('gives WooCommerce prices including tax as the shop shows them when prices_include_tax is set', () => {
    const woo = json('woocommerce_order.created.v3_order.json') as Record<string, unknown> & { line_items: Array<Record<string, unknown>> };
    const mapped = mapWooCommerce('order.created', { ...woo, prices_include_tax: true, shipping_tax: '0.75', total: '30.10', total_tax: '2.10' }, ctx);
    const placed = mapped.facts.find((f) => f.eventType === 'OrderPlaced')!.body as Omit<OrderPlaced, 'envelope'>;
    // line 1: 2 × 3.00 + 0.45 tax → 3.225 a unit incl. tax; line 2: 12.00 + 0.90
    expect(placed.lines.map((l) => l.unitPrice.amount)).toEqual(['3.225', '12.90']);
    expect(placed.lines.map((l) => l.discount.amount)).toEqual(['0.00', '0.00']);
    expect(placed.totals.shipping.amount).toBe('10.75');
  });
});
