import { uniqueName } from '@retail-backbone/devstack';
import type { OdooWriterConfig } from '../src/config';
import { SCHEMA, orderPlaced, startHarness, waitFor, type Harness } from './harness';

const SHORT = [{ sku: 'RB-MUG', requested: 3, available: 1 }];

function suite(name: string, config: Partial<OdooWriterConfig>, body: (get: () => Harness) => void) {
  describe(name, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ config: { stockVerdict: 'wait', ...config } });
      await h.start();
    });
    afterAll(async () => {
      await h?.close();
    });
    body(() => h);
  });
}

const created = async (h: Harness, orderId: string) => (await h.outbox('OrderSyncedToErp')).find((e) => e.orderId === orderId && e.operation === 'create');
const pickingsOf = (h: Harness, saleOrderId: unknown) => h.sim.records('stock.picking').filter((p) => p.sale_id === saleOrderId);
const activitiesOf = (h: Harness, saleOrderId: unknown) => h.sim.records('mail.activity').filter((a) => a.res_model === 'sale.order' && a.res_id === saleOrderId);
const held = async (h: Harness, orderId: string) => {
  const { rows } = await h.writer!.pool.query(`SELECT 1 FROM ${SCHEMA}.stock_verdicts WHERE order_id = $1 AND held_order IS NOT NULL`, [orderId]);
  return rows.length === 1;
};

suite('odoo-writer waiting for the stock verdict (OVERSELL_PATH=quotation)', { oversellPath: 'quotation' }, (get) => {
  it('holds an order out of Odoo until the verdict, then keeps a refused one a quotation with an activity naming the shortage', async () => {
    const h = get();
    const id = `shopify:oversell.example:${uniqueName('o')}`;
    await h.publish('OrderPlaced', orderPlaced(id));
    await waitFor(() => held(h, id));
    expect(h.saleOrders(id)).toHaveLength(0);

    await h.publish('StockReservationRejected', { orderId: id, locationId: 'online', shortages: SHORT, reason: 'insufficient_stock' });
    const event = await waitFor(() => created(h, id));
    expect(event.stockPath).toBe('quotation');
    const [so] = h.saleOrders(id);
    expect(so!.state).toBe('draft');
    expect(pickingsOf(h, so!.id)).toHaveLength(0);
    const [activity, ...more] = activitiesOf(h, so!.id);
    expect(more).toHaveLength(0);
    expect(String(activity!.note)).toContain('RB-MUG: 3 ordered, 1 available');
    const refusals = (await h.registry.getSingleMetric('odoo_writer_stock_refusals_total')!.get()).values;
    expect(refusals.find((v) => v.labels.path === 'quotation')?.value).toBeGreaterThanOrEqual(1);
  });

  it('takes a verdict that arrives before its order the same way', async () => {
    const h = get();
    const id = `shopify:oversell.example:${uniqueName('o')}`;
    await h.publish('StockReservationRejected', { orderId: id, locationId: 'online', shortages: SHORT, reason: 'insufficient_stock' });
    await waitFor(async () => (await h.writer!.pool.query(`SELECT 1 FROM ${SCHEMA}.stock_verdicts WHERE order_id = $1`, [id])).rows.length === 1);
    await h.publish('OrderPlaced', orderPlaced(id));
    expect((await waitFor(() => created(h, id))).stockPath).toBe('quotation');
    expect(h.saleOrders(id)[0]!.state).toBe('draft');
  });

  it('confirms an order the projector reserved', async () => {
    const h = get();
    const id = `shopify:reserved.example:${uniqueName('o')}`;
    await h.publish('OrderPlaced', orderPlaced(id));
    await h.publish('StockReserved', { orderId: id, locationId: 'online' });
    const event = await waitFor(() => created(h, id));
    expect(event.stockPath).toBeNull();
    const [so] = h.saleOrders(id);
    expect(so!.state).toBe('sale');
    expect(pickingsOf(h, so!.id)).toHaveLength(1);
    expect(activitiesOf(h, so!.id)).toHaveLength(0);
  });

  it('cancels an order still waiting for its verdict without writing anything to Odoo', async () => {
    const h = get();
    const id = `shopify:heldcancel.example:${uniqueName('o')}`;
    await h.publish('OrderPlaced', orderPlaced(id));
    await waitFor(() => held(h, id));
    await h.publish('OrderCancelled', { orderId: id, channelOrderId: id.split(':').pop()! });
    await waitFor(async () => (await h.writer!.store.order(h.writer!.pool, id))?.status === 'cancelled');
    await h.publish('StockReserved', { orderId: id, locationId: 'online' });
    // the verdict's row is written in the same transaction as anything it would have recorded
    await waitFor(async () => (await h.writer!.pool.query(`SELECT 1 FROM ${SCHEMA}.stock_verdicts WHERE order_id = $1 AND verdict = 'reserved'`, [id])).rows.length === 1);
    expect(h.saleOrders(id)).toHaveLength(0);
    expect(await created(h, id)).toBeUndefined();
  });
});

suite('odoo-writer waiting for the stock verdict (OVERSELL_PATH=backorder)', { oversellPath: 'backorder' }, (get) => {
  it('confirms a refused order as a backorder: its delivery waits for stock, an activity says why', async () => {
    const h = get();
    const id = `shopify:backorder.example:${uniqueName('o')}`;
    const order = orderPlaced(id, ['RB-MUG']);
    await h.publish('OrderPlaced', { ...order, lines: order.lines!.map((l) => ({ ...l, quantity: 10_000 })) });
    await h.publish('StockReservationRejected', { orderId: id, locationId: 'online', shortages: [{ sku: 'RB-MUG', requested: 10_000, available: 250 }], reason: 'insufficient_stock' });
    expect((await waitFor(() => created(h, id))).stockPath).toBe('backorder');
    const [so] = h.saleOrders(id);
    expect(so!.state).toBe('sale');
    expect(pickingsOf(h, so!.id).map((p) => p.state)).toEqual(['confirmed']);
    expect(String(activitiesOf(h, so!.id)[0]!.note)).toContain('backorder');
  });
});
