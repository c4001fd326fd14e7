import { uniqueName } from '@retail-backbone/devstack';
import { placeKey } from '../src/sync/effect-keys';
import { orderPlaced, startHarness, waitFor, type Harness } from './harness';

describe('odoo-writer over JSON-2', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ protocol: 'json2', simulator: { latencyMs: 5 }, config: { batchWindowMs: 50 } });
    await h.start();
  });

  afterAll(async () => {
    await h?.close();
  });

  const synced = async (orderId: string, operation = 'create') =>
    (await h.outbox('OrderSyncedToErp')).filter((e) => e.orderId === orderId && e.operation === operation);

  it('creates and confirms one sale order per order, batching concurrent orders', async () => {
    h.sim.control.resetStats();
    const ids = Array.from({ length: 12 }, (_, i) => `shopify:batch.example:${uniqueName('o')}-${i}`);
    await Promise.all(ids.map((id) => h.publish('OrderPlaced', orderPlaced(id, ['RB-MUG', 'RB-CAP']))));
    await waitFor(async () => (await h.outbox('OrderSyncedToErp')).filter((e) => ids.includes(e.orderId as string)).length === 12);

    for (const id of ids) {
      const orders = h.saleOrders(id);
      expect(orders).toHaveLength(1);
      expect(orders[0]!.state).toBe('sale');
    }
    const stats = h.sim.stats();
    // batching: one create per batch, not per order
    expect(stats.calls['sale.order/create']).toBeLessThan(ids.length);
    expect(stats.calls['sale.order/action_confirm']).toBeLessThan(ids.length);
    const event = (await synced(ids[0]!))[0]!;
    const order = h.saleOrders(ids[0]!)[0]!;
    expect(event).toMatchObject({ erpOrderId: String(order.id), erpOrderName: order.name, erpReference: ids[0] });
    expect(h.sim.records('ir.model.data').filter((x) => x.res_id === order.id && x.model === 'sale.order')).toHaveLength(1);
  });

  it('writes the orders of consumer transactions as one Odoo batch, keeping a same-transaction cancellation in order', async () => {
    const consumer = h.writer!.runner.kafkaConsumer;
    const orders = [{ topic: h.config.ordersTopic }];
    // Held back so that each partition's events arrive in one fetch, hence one transaction.
    consumer.pause(orders);
    h.sim.control.resetStats();
    const ids = Array.from({ length: 36 }, (_, i) => `shopify:txbatch.example:${uniqueName('o')}-${i}`);
    const [cancelled, republished] = ids as [string, string];
    await Promise.all(ids.map((id) => h.publish('OrderPlaced', orderPlaced(id))));
    await h.publish('OrderPlaced', orderPlaced(republished)); // same order, new event id
    await h.publish('OrderCancelled', { orderId: cancelled, channelOrderId: cancelled });
    consumer.resume(orders);
    await waitFor(async () => {
      const created = (await h.outbox('OrderSyncedToErp')).filter((e) => ids.includes(e.orderId as string) && e.operation === 'create');
      return created.length === ids.length && (await synced(cancelled, 'cancel')).length === 1;
    });
    for (const id of ids) {
      const written = h.saleOrders(id);
      expect(written).toHaveLength(1);
      expect(written[0]!.state).toBe(id === cancelled ? 'cancel' : 'sale');
    }
    expect(await synced(republished)).toHaveLength(1);
    // One order per partition in flight (6 partitions) would take at least 6 creates for 36 orders.
    expect(h.sim.stats().calls['sale.order/create']).toBeLessThan(6);
  });

  it('writes nothing twice when an order event is redelivered or published again', async () => {
    const id = `shopify:redeliver.example:${uniqueName('o')}`;
    const first = await h.publish('OrderPlaced', orderPlaced(id));
    await waitFor(async () => (await synced(id)).length === 1);
    h.sim.control.resetStats();
    await h.publish('OrderPlaced', {}, first); // same event id: the inbox drops it
    await h.publish('OrderPlaced', orderPlaced(id)); // same order, new event id: local state knows it
    const marker = `shopify:redeliver.example:${uniqueName('marker')}`;
    await h.publish('OrderPlaced', orderPlaced(marker));
    await waitFor(async () => (await synced(marker)).length === 1);
    expect(h.saleOrders(id)).toHaveLength(1);
    expect(await synced(id)).toHaveLength(1);
  });

  it('finds the order a timed-out create committed instead of creating it again', async () => {
    const id = `shopify:timeout.example:${uniqueName('o')}`;
    h.sim.control.injectFault({ kind: 'timeout', model: 'sale.order', method: 'create', holdMs: 7_000, count: 1 });
    await h.publish('OrderPlaced', orderPlaced(id));
    const [event] = await waitFor(async () => {
      const events = await synced(id);
      return events.length > 0 && events;
    });
    const orders = h.saleOrders(id);
    expect(orders).toHaveLength(1);
    expect(orders[0]!.state).toBe('sale');
    expect(event!.erpOrderId).toBe(String(orders[0]!.id));
    expect(event!.attempts).toBeGreaterThanOrEqual(2);
  });

  it('cancels, validates the picking with the tracking number and records a return as a credit note', async () => {
    const shipped = `shopify:follow.example:${uniqueName('o')}`;
    const cancelled = `shopify:follow.example:${uniqueName('o')}`;
    await h.publish('OrderPlaced', orderPlaced(shipped, ['RB-TSHIRT-M']));
    await h.publish('OrderPlaced', orderPlaced(cancelled));
    await waitFor(async () => (await synced(shipped)).length === 1 && (await synced(cancelled)).length === 1);

    await h.publish('OrderCancelled', { orderId: cancelled, channelOrderId: cancelled });
    await h.publish('ShipmentDispatched', {
      orderId: shipped,
      shipmentId: `wms:${uniqueName('s')}`,
      source: 'wms',
      lines: [{ lineId: '1', sku: 'RB-TSHIRT-M', quantity: 1 }],
      trackingNumber: '00340434161094042557',
      erpPickingId: null,
    });
    await waitFor(async () => (await synced(cancelled, 'cancel')).length === 1 && (await synced(shipped, 'picking_validate')).length === 1);
    expect(h.saleOrders(cancelled)[0]!.state).toBe('cancel');
    const saleId = h.saleOrders(shipped)[0]!.id;
    const [picking] = h.sim.records('stock.picking').filter((p) => p.sale_id === saleId);
    expect(picking).toMatchObject({ state: 'done', carrier_tracking_ref: '00340434161094042557' });

    const returnId = `shopify:follow.example:return:${uniqueName('r')}`;
    const ret = {
      orderId: shipped,
      returnId,
      lines: [{ lineId: '1', sku: 'RB-TSHIRT-M', quantity: 1, restock: true, reason: 'size', refundAmount: { amount: '9.50', currency: 'EUR' } }],
      refundTotal: { amount: '9.50', currency: 'EUR' },
    };
    await h.publish('ReturnReceived', ret);
    await h.publish('ReturnReceived', ret); // the same return published twice
    await waitFor(async () => (await synced(shipped, 'return')).length === 1);
    const refunds = h.sim.records('account.move').filter((m) => m.move_type === 'out_refund' && m.ref === `rb-return:${returnId}`);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]!.state).toBe('posted');
  });

  it('parks an order with an unknown SKU, emits ErpSyncFailed once, and syncs it and the shipment waiting for it once the product exists', async () => {
    const id = `shopify:parked.example:${uniqueName('o')}`;
    const sku = `RB-NEW-${uniqueName('sku')}`;
    await h.publish('OrderPlaced', orderPlaced(id, [sku]));
    const [failure] = await waitFor(async () => {
      const events = (await h.outbox('ErpSyncFailed')).filter((e) => e.orderId === id);
      return events.length > 0 && events;
    });
    expect(failure).toMatchObject({ operation: 'create', errorCode: 'product_not_found', retryable: true });
    expect(h.saleOrders(id)).toHaveLength(0);

    // a follow-up waits for the parked order
    await h.publish('ShipmentDispatched', { orderId: id, shipmentId: `wms:${uniqueName('s')}`, source: 'wms', lines: [{ lineId: '1', sku, quantity: 1 }], trackingNumber: 'TRK-1', erpPickingId: null });
    const writer = h.writer!;
    await waitFor(async () => {
      const summary = await writer.retrier.summary(id);
      return summary.parked === 1 && summary.waiting === 1;
    });

    // retried before the product exists: refused again, and no second ErpSyncFailed
    expect(await writer.retrier.retryNow({ orderId: id })).toBe(1);
    await waitFor(async () => ((await writer.executor.store.get(writer.pool, placeKey(id)))?.failures ?? 0) >= 2);
    expect((await h.outbox('ErpSyncFailed')).filter((e) => e.orderId === id)).toHaveLength(1);

    h.sim.control.seedProducts([{ default_code: sku, name: 'New product', lst_price: 12, qty: 5 }]);
    expect(await writer.retrier.retryNow({ orderId: id })).toBe(1);
    await waitFor(async () => (await synced(id)).length === 1 && (await synced(id, 'picking_validate')).length === 1);
    expect(h.saleOrders(id)).toHaveLength(1);
    expect(h.saleOrders(id)[0]!.state).toBe('sale');
    expect(await writer.retrier.summary(id)).toEqual({ parked: 0, waiting: 0 });
    expect(await h.dlqCount()).toBe(0);
  });
});
