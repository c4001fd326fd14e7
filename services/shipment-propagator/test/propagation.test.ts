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

  test('a WooCommerce order validated in Odoo (Odoo-sourced shipment, lines by SKU) ends completed with a tracking item and one note', async () => {
    const orderId = uniqueName('ord');
    const wooId = 4000 + Math.floor(Math.random() * 1e6);
    h.sims.woocommerce.seedOrder({ id: wooId, line_items: [{ id: 71, sku: 'MUG-RED', quantity: 2 }] });
    await h.publish('OrderPlaced', orderPlaced(orderId, 'woocommerce', String(wooId), [{ lineId: '71', sku: 'MUG-RED', quantity: 2 }]));
    await h.publish('ShipmentDispatched', shipment(orderId, 'odoo-picking-42', [{ sku: 'MUG-RED', quantity: 2 }], { source: 'odoo', carrier: null, trackingNumber: 'OD-42', trackingUrl: null, erpPickingId: '42' }));

    await waitFor(async () => (await h.propagated(orderId)).length === 2);
    const order = h.sims.woocommerce.orders.get(wooId)!;
    expect(order.status).toBe('completed');
    expect(h.sims.woocommerce.trackingItems(wooId).map((i) => i.tracking_number)).toEqual(['OD-42']);
    expect(order.notes.filter((n) => n.note.includes('[shipment odoo-picking-42]'))).toHaveLength(1);
    expect(h.sims.hook.deliveries.filter((d) => d.body.orderId === orderId)).toHaveLength(1);
    const channel = (await h.propagated(orderId)).find((e) => e.target === 'channel')!;
    expect(channel).toMatchObject({ outcome: 'propagated', channel: 'woocommerce', targetReference: 'rb-odoo:odoo-picking-42' });
  });

  test('a partial WooCommerce shipment adds tracking but leaves the order processing', async () => {
    const orderId = uniqueName('ord');
    const wooId = 4000 + Math.floor(Math.random() * 1e6);
    h.sims.woocommerce.seedOrder({ id: wooId, line_items: [{ id: 81, sku: 'MUG-RED', quantity: 3 }] });
    await h.publish('OrderPlaced', orderPlaced(orderId, 'woocommerce', String(wooId), [{ lineId: '81', sku: 'MUG-RED', quantity: 3 }]));
    await h.publish('ShipmentDispatched', shipment(orderId, 'p1', [{ lineId: '81', sku: 'MUG-RED', quantity: 1 }]));
    await waitFor(async () => (await h.propagated(orderId)).some((e) => e.target === 'channel'));
    expect(h.sims.woocommerce.orders.get(wooId)!.status).toBe('processing');
    expect(h.sims.woocommerce.trackingItems(wooId)).toHaveLength(1);
  });

  test('a POS order shipped from store notifies its store once, under the idempotency key', async () => {
    const orderId = uniqueName('ord');
    await h.publish('OrderPlaced', orderPlaced(orderId, 'pos', uniqueName('pos'), [{ lineId: '1', sku: 'CAP-01', quantity: 1 }], { storeId: 'store-12' }));
    await h.publish('ShipmentDispatched', shipment(orderId, 'sfs-1', [{ lineId: '1', sku: 'CAP-01', quantity: 1 }]));
    await waitFor(async () => (await h.propagated(orderId)).length === 2);
    const notes = h.sims.pos.forStore('store-12').filter((n) => n.body.orderId === orderId);
    expect(notes).toHaveLength(1);
    expect(notes[0]!.idempotencyKey).toBe('ship:pos:wms:sfs-1');
    expect(notes[0]!.body).toMatchObject({ type: 'shipment.dispatched', shipmentId: 'sfs-1', trackingNumber: 'TRK-sfs-1' });
  });

  test('two Shopify parcels that share a tracking number are both fulfilled (the lookup matches lines too)', async () => {
    const orderId = uniqueName('ord');
    const shopifyId = String(6_200_000_000_000 + Math.floor(Math.random() * 1e9));
    h.sims.shopify.seedOrder({ id: shopifyId, lineItems: [{ id: '121', sku: 'A', quantity: 1 }, { id: '122', sku: 'B', quantity: 1 }] });
    await h.publish('OrderPlaced', orderPlaced(orderId, 'shopify', shopifyId, [{ lineId: '121', sku: 'A', quantity: 1 }, { lineId: '122', sku: 'B', quantity: 1 }]));
    await h.publish('ShipmentDispatched', shipment(orderId, 'box-1', [{ lineId: '121', sku: 'A', quantity: 1 }], { trackingNumber: 'SAME-1' }));
    await h.publish('ShipmentDispatched', shipment(orderId, 'box-2', [{ lineId: '122', sku: 'B', quantity: 1 }], { trackingNumber: 'SAME-1' }));
    await waitFor(async () => (await h.propagated(orderId)).filter((e) => e.target === 'channel').length === 2);
    expect(h.sims.shopify.fulfilledQuantities(shopifyId)).toEqual({ '121': 1, '122': 1 });
  });

  test('a Shopify call that times out after fulfillmentCreate was applied (no tracking number) is looked up, not repeated', async () => {
    const orderId = uniqueName('ord');
    const shopifyId = String(6_300_000_000_000 + Math.floor(Math.random() * 1e9));
    h.sims.shopify.seedOrder({ id: shopifyId, lineItems: [{ id: '131', sku: 'A', quantity: 2 }] });
    await h.publish('OrderPlaced', orderPlaced(orderId, 'shopify', shopifyId, [{ lineId: '131', sku: 'A', quantity: 2 }]));
    // Held past the client's 2 s timeout: applied, but the caller gets no answer.
    h.sims.shopify.afterFulfillmentCreate = () => new Promise((r) => setTimeout(r, 2_500));
    try {
      await h.publish('ShipmentDispatched', shipment(orderId, 'untracked', [{ lineId: '131', sku: 'A', quantity: 1 }], { trackingNumber: null, trackingUrl: null, carrier: null }));
      await waitFor(() => h.sims.shopify.orders.get(shopifyId)!.fulfillments.length === 1);
    } finally {
      h.sims.shopify.afterFulfillmentCreate = undefined;
    }
    const event = await waitFor(async () => (await h.propagated(orderId)).find((e) => e.target === 'channel'), 20_000);
    expect(event).toMatchObject({ outcome: 'propagated', targetReference: h.sims.shopify.orders.get(shopifyId)!.fulfillments[0]!.id });
    expect(h.sims.shopify.fulfilledQuantities(shopifyId)).toEqual({ '131': 1 });
  });
});
