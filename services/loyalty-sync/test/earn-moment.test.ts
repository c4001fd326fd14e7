import { uniqueName } from '@retail-backbone/devstack';
import { eventually } from '@retail-backbone/local-platform';
import { parseRules } from '../src/sync/rules';
import { eur, order, startHarness, type Harness } from './harness';

describe('loyalty-sync: the moment points are earned, per channel', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      config: {
        rules: parseRules(
          JSON.stringify({
            rates: [{ currency: 'EUR', pointsPerUnit: '1' }],
            earnMoment: { default: 'placement', byChannel: { woocommerce: 'shipment', shopify: 'capture' } },
            pointValue: { EUR: '0.01' },
          }),
        ),
      },
    });
    await h.start();
  });

  afterAll(async () => {
    await h?.close();
  });

  it('earns a WooCommerce order at its shipment and a Shopify order at its capture, netting a return made before', async () => {
    const memberId = `LM-${uniqueName('m')}`;
    h.sim.control.enroll({ memberId });
    const woo = order(`woocommerce:shop.example:${uniqueName('o')}`, 'woocommerce', 'https://shop.example', { loyaltyMemberId: memberId }, [{ sku: 'A', quantity: 2, unitPrice: '10.00' }]);
    const shopify = order(`shopify:acme-eu.myshopify.com:${uniqueName('o')}`, 'shopify', 'acme-eu.myshopify.com', { loyaltyMemberId: memberId }, [{ sku: 'B', quantity: 1, unitPrice: '30.00' }], { financialStatus: 'pending' });
    await h.publish('OrderPlaced', woo);
    await h.publish('OrderPlaced', shopify);
    // One of the two units comes back before anything shipped: half of the order is never earned.
    await h.publish('ReturnReceived', { orderId: woo.orderId, returnId: `return:${uniqueName('r')}`, channel: 'woocommerce', lines: [{ lineId: '1', sku: 'A', quantity: 1, restock: true, reason: null, refundAmount: eur('10.00') }], refundTotal: eur('10.00') });
    // An order earning at placement is credited meanwhile; the two others, once consumed, moved nothing.
    const marker = order(`pos:estate-1:${uniqueName('s')}`, 'pos', 'estate-1', { loyaltyMemberId: memberId }, [{ sku: 'C', quantity: 1, unitPrice: '1.00' }]);
    await h.publish('OrderPlaced', marker);
    await eventually('placement order credited', () => h.sim.balance(memberId), (b) => b === 1, { timeoutMs: 30_000 });
    await eventually('woo return consumed', async () => (await h.service!.pool.query(`SELECT reversed_share::text AS s FROM loyalty_sync.loyalty_orders WHERE order_id = $1`, [woo.orderId])).rows[0]?.s, (s) => s === '0.5', { timeoutMs: 30_000 });
    await eventually('shopify order consumed', async () => (await h.service!.pool.query(`SELECT captured FROM loyalty_sync.loyalty_orders WHERE order_id = $1`, [shopify.orderId])).rows[0]?.captured, (c) => c === false, { timeoutMs: 30_000 });
    expect(h.sim.transactions(memberId).map((t) => t.reference)).toEqual([marker.orderId]);

    await h.publish('ShipmentDispatched', { orderId: woo.orderId, shipmentId: uniqueName('sh'), source: 'wms' });
    await h.publish('PaymentCaptured', { orderId: shopify.orderId, paymentId: `stripe:${uniqueName('p')}`, provider: 'stripe', method: 'card', amount: eur('30.00') });
    await eventually('earned at shipment and capture', () => h.sim.balance(memberId), (b) => b === 1 + 10 + 30, { timeoutMs: 30_000 });
    const accruals = (await h.outbox('LoyaltyPointsAccrued')).filter((e) => e.orderId === woo.orderId);
    expect(accruals.map((e) => e.points)).toEqual([10]);
  });
});
