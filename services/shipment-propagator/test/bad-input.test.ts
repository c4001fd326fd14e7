import { uniqueName } from '@retail-backbone/devstack';
import { buildEnvelope, recordEvent } from '@retail-backbone/messaging';
import { ParkedPropagations } from '../src/parked';
import { startHarness, orderPlaced, shipment, waitFor, type Harness } from './harness';

describe('shipment-propagator: bad input ends parked or failed, never a stuck partition', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
    await h.start();
  });

  afterAll(async () => {
    await h?.close();
  });

  const channelEvent = async (orderId: string, shipmentId: string) =>
    waitFor(async () => (await h.propagated(orderId)).find((e) => e.shipmentId === shipmentId && e.target === 'channel'));

  function retrier(): ParkedPropagations {
    const s = h.service!;
    return new ParkedPropagations(s.pool, s.store, s.effects, s.intake, (tx, cause) => async (event) => {
      const envelope = buildEnvelope({ eventType: event.eventType, producer: 'test', region: 'eu-west', correlationId: cause.correlationId ?? '', causationId: cause.eventId ?? null });
      await recordEvent(tx, { topic: event.topic, key: event.key, eventType: event.eventType, value: { ...event.value, envelope } }, { schema: h.config.schema });
    });
  }

  test('unknown order, unknown lines and more than ordered are parked with their reason; a good shipment of the same order after them is propagated', async () => {
    const orderId = uniqueName('ord');
    const shopifyId = String(7_000_000 + Math.floor(Math.random() * 1e6));
    h.sims.shopify.seedOrder({ id: shopifyId, lineItems: [{ id: '201', sku: 'A', quantity: 2 }] });
    await h.publish('OrderPlaced', orderPlaced(orderId, 'shopify', shopifyId, [{ lineId: '201', sku: 'A', quantity: 2 }]));
    await h.publish('ShipmentDispatched', shipment(orderId, 'bad-line', [{ lineId: '999', sku: 'A', quantity: 1 }]));
    await h.publish('ShipmentDispatched', shipment(orderId, 'bad-sku', [{ sku: 'NOPE', quantity: 1 }]));
    await h.publish('ShipmentDispatched', shipment(orderId, 'too-many', [{ lineId: '201', sku: 'A', quantity: 3 }]));
    await h.publish('ShipmentDispatched', shipment(orderId, 'good', [{ lineId: '201', sku: 'A', quantity: 2 }]));
    await h.publish('ShipmentDispatched', shipment(orderId, 'after-all', [{ lineId: '201', sku: 'A', quantity: 1 }]));

    expect(await channelEvent(orderId, 'bad-line')).toMatchObject({ outcome: 'parked', failureCode: 'unknown_lines' });
    expect(await channelEvent(orderId, 'bad-sku')).toMatchObject({ outcome: 'parked', failureCode: 'unknown_lines' });
    expect(await channelEvent(orderId, 'too-many')).toMatchObject({ outcome: 'parked', failureCode: 'over_quantity' });
    expect(await channelEvent(orderId, 'good')).toMatchObject({ outcome: 'propagated' });
    // Everything ordered has shipped: one more unit is more than ordered.
    expect(await channelEvent(orderId, 'after-all')).toMatchObject({ outcome: 'parked', failureCode: 'over_quantity' });
    expect(h.sims.shopify.fulfilledQuantities(shopifyId)).toEqual({ '201': 2 });
    // Parked shipments notify nobody.
    expect(h.sims.hook.deliveries.filter((d) => d.body.orderId === orderId).map((d) => d.body.shipmentId)).toEqual(['good']);
    expect(await h.dlqCount()).toBe(0);
  });

  test('a shipment before its order is parked as unknown_order, then propagated when the OrderPlaced arrives', async () => {
    const orderId = uniqueName('ord');
    const shopifyId = String(7_000_000 + Math.floor(Math.random() * 1e6));
    h.sims.shopify.seedOrder({ id: shopifyId, lineItems: [{ id: '301', sku: 'B', quantity: 1 }] });
    await h.publish('ShipmentDispatched', shipment(orderId, 'early', [{ lineId: '301', sku: 'B', quantity: 1 }]));
    expect(await channelEvent(orderId, 'early')).toMatchObject({ outcome: 'parked', failureCode: 'unknown_order', channel: 'unknown' });
    await h.publish('OrderPlaced', orderPlaced(orderId, 'shopify', shopifyId, [{ lineId: '301', sku: 'B', quantity: 1 }]));
    await waitFor(async () => (await h.propagated(orderId)).some((e) => e.outcome === 'propagated' && e.target === 'channel'));
    expect(h.sims.shopify.fulfilledQuantities(shopifyId)).toEqual({ '301': 1 });
  });

  test('a channel that answers 4xx ends as a failed ShipmentPropagated (announced once); after the fix, retry-parked propagates it', async () => {
    const orderId = uniqueName('ord');
    const shopifyId = String(7_000_000 + Math.floor(Math.random() * 1e6));
    // Not seeded in Shopify: the order query answers null (Shopify knows no such order).
    await h.publish('OrderPlaced', orderPlaced(orderId, 'shopify', shopifyId, [{ lineId: '401', sku: 'C', quantity: 1 }]));
    await h.publish('ShipmentDispatched', shipment(orderId, 's1', [{ lineId: '401', sku: 'C', quantity: 1 }]));
    expect(await channelEvent(orderId, 's1')).toMatchObject({ outcome: 'failed', failureCode: 'channel_rejected' });

    // A WooCommerce 401 (wrong key pair) is a refusal too.
    const wooOrder = uniqueName('ord');
    const wooId = 5000 + Math.floor(Math.random() * 1e6);
    h.sims.woocommerce.seedOrder({ id: wooId, line_items: [{ id: 9, sku: 'D', quantity: 1 }] });
    h.sims.woocommerce.server.inject({ kind: 'status', status: 401, body: { code: 'woocommerce_rest_authentication_error', message: 'Consumer secret is invalid.', data: { status: 401 } } });
    await h.publish('OrderPlaced', orderPlaced(wooOrder, 'woocommerce', String(wooId), [{ lineId: '9', sku: 'D', quantity: 1 }]));
    await h.publish('ShipmentDispatched', shipment(wooOrder, 'w1', [{ lineId: '9', sku: 'D', quantity: 1 }]));
    const refused = await channelEvent(wooOrder, 'w1');
    expect(refused).toMatchObject({ outcome: 'failed', failureCode: 'channel_rejected' });
    expect(String(refused.failureReason)).toContain('401');

    h.sims.shopify.seedOrder({ id: shopifyId, lineItems: [{ id: '401', sku: 'C', quantity: 1 }] });
    const result = await retrier().retry({ orderId });
    expect(result.madeDue).toBe(1);
    await waitFor(async () => (await h.propagated(orderId)).some((e) => e.outcome === 'propagated' && e.target === 'channel'));
    expect(h.sims.shopify.fulfilledQuantities(shopifyId)).toEqual({ '401': 1 });
    expect((await h.propagated(orderId)).filter((e) => e.outcome === 'failed')).toHaveLength(1);
  });

  test('retry-parked checks a parked shipment again: still refused, it stays parked without a second announcement', async () => {
    const orderId = uniqueName('ord');
    await h.publish('OrderPlaced', orderPlaced(orderId, 'pos', uniqueName('pos'), [{ lineId: '1', sku: 'E', quantity: 1 }], { storeId: 'store-3' }));
    await h.publish('ShipmentDispatched', shipment(orderId, 'x', [{ sku: 'F', quantity: 1 }]));
    await channelEvent(orderId, 'x');
    const result = await retrier().retry({ orderId });
    expect(result).toMatchObject({ accepted: 0, stillParked: 1 });
    expect((await h.propagated(orderId)).filter((e) => e.outcome === 'parked')).toHaveLength(1);
  });
});
