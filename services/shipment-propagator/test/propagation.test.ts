import { uniqueName } from '@retail-backbone/devstack';
import { startHarness, orderPlaced, shipment, waitFor, type Harness } from './harness';

describe('shipment-propagator: shipments reach the channels and the customer hook', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
    await h.start();
  });

  afterAll(async () => {
    await h?.close();
  });

  test('a Shopify order shipped in two parcels ends fulfilled with both tracking numbers; one signed notification per parcel', async () => {
    const orderId = uniqueName('ord');
    const shopifyId = String(6_100_000_000_000 + Math.floor(Math.random() * 1e9));
    h.sims.shopify.seedOrder({ id: shopifyId, lineItems: [{ id: '111', sku: 'TSHIRT-BLK-M', quantity: 3 }, { id: '112', sku: 'SOCKS-3PK', quantity: 1 }] });
    await h.publish('OrderPlaced', orderPlaced(orderId, 'shopify', shopifyId, [{ lineId: '111', sku: 'TSHIRT-BLK-M', quantity: 3 }, { lineId: '112', sku: 'SOCKS-3PK', quantity: 1 }]));
    await h.publish('ShipmentDispatched', shipment(orderId, 'parcel-1', [{ lineId: '111', sku: 'TSHIRT-BLK-M', quantity: 2 }]));
    await h.publish('ShipmentDispatched', shipment(orderId, 'parcel-2', [{ sku: 'TSHIRT-BLK-M', quantity: 1 }, { sku: 'SOCKS-3PK', quantity: 1 }]));

    const events = await waitFor(async () => {
      const e = await h.propagated(orderId);
      return e.length === 4 && e;
    });
    const order = h.sims.shopify.orders.get(shopifyId)!;
    expect(h.sims.shopify.fulfilledQuantities(shopifyId)).toEqual({ '111': 3, '112': 1 });
    expect(order.fulfillments.map((f) => f.tracking.map((t) => t.number))).toEqual([['TRK-parcel-1'], ['TRK-parcel-2']]);
    expect(order.fulfillments.map((f) => f.tracking[0]!.url)).toEqual(['https://track.example.com/TRK-parcel-1', 'https://track.example.com/TRK-parcel-2']);
    const hook = h.sims.hook.deliveries.filter((d) => d.body.orderId === orderId);
    expect(hook.map((d) => d.body.shipmentId).sort()).toEqual(['parcel-1', 'parcel-2']);
    expect(h.sims.hook.refused).toBe(0);
    expect(events.map((e) => [e.shipmentId, e.target, e.outcome]).sort()).toEqual([
      ['parcel-1', 'channel', 'propagated'],
      ['parcel-1', 'notification', 'propagated'],
      ['parcel-2', 'channel', 'propagated'],
      ['parcel-2', 'notification', 'propagated'],
    ]);
    const channelRefs = events.filter((e) => e.target === 'channel').map((e) => e.targetReference);
    expect(channelRefs.sort()).toEqual(order.fulfillments.map((f) => f.id).sort());
  });
});
