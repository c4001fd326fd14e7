import { uniqueName } from '@retail-backbone/devstack';
import { placeKey } from '../src/sync/effect-keys';
import { orderPlaced, startHarness, waitFor, type Harness } from './harness';
import { startPeerRelay } from './peer-relay';

const LIMIT_TIME_REAL_MS = 6_000;

/** Writer backends (other than the probing one) in a transaction open for more than 0.5 s. */
async function longTransactions(h: Harness): Promise<Array<{ pid: number; state: string; xid: string | null }>> {
  const { rows } = await h.writer!.pool.query<{ pid: number; state: string; xid: string | null }>(
    `SELECT pid, state, backend_xid::text AS xid FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid()
       AND (state LIKE 'idle in transaction%' OR backend_xid IS NOT NULL)
       AND xact_start < clock_timestamp() - interval '500 milliseconds'`,
  );
  return rows;
}

const synced = async (h: Harness, orderId: string, operation = 'create') =>
  (await h.outbox('OrderSyncedToErp')).filter((e) => e.orderId === orderId && e.operation === operation);

describe('odoo-writer: a stalled Odoo create', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ protocol: 'json2', simulator: { latencyMs: 2, limitTimeRealMs: LIMIT_TIME_REAL_MS } });
    // The writer gives up on a call well before Odoo's limit_time_real.
    h.config.odoo.timeoutMs = 2_000;
    await h.start();
  });

  afterAll(async () => {
    await h?.close();
  });

  async function placeThroughStall(stage: 'before_commit' | 'after_commit', holdMs: number) {
    const id = `shopify:stall.example:${uniqueName('o')}`;
    h.sim.control.resetStats();
    h.sim.control.injectFault({ kind: 'stall', stage, holdMs, model: 'sale.order', method: 'create', count: 1 });
    await h.publish('OrderPlaced', orderPlaced(id));
    const [event] = await waitFor(async () => {
      const events = await synced(h, id);
      return events.length > 0 && events;
    }, 50_000);
    const effect = await h.writer!.executor.store.get(h.writer!.pool, placeKey(id));
    return { id, event: event!, effect: effect! };
  }

  it('ends as exactly one sale order when the create stalls before its commit and commits after the writer gave up', async () => {
    const { id, event, effect } = await placeThroughStall('before_commit', 4_000);
    const orders = h.saleOrders(id);
    expect(orders).toHaveLength(1);
    expect(orders[0]!.state).toBe('sale');
    expect(event.erpOrderId).toBe(String(orders[0]!.id));
    // the stalled create and nothing else: the second attempt looked the order up and adopted it
    expect(h.sim.stats().calls['sale.order/create']).toBe(1);
    expect(effect).toMatchObject({ state: 'done', attempts: 2 });
  }, 60_000);

  it('ends as exactly one sale order when the create commits, then stalls its answer', async () => {
    const { id, effect } = await placeThroughStall('after_commit', 4_000);
    expect(h.saleOrders(id)).toEqual([expect.objectContaining({ state: 'sale' })]);
    expect(h.sim.stats().calls['sale.order/create']).toBe(1);
    expect(effect).toMatchObject({ state: 'done', attempts: 2 });
  }, 60_000);

  it('creates the order once when the stalled create was killed at limit_time_real before its commit', async () => {
    const { id, effect } = await placeThroughStall('before_commit', LIMIT_TIME_REAL_MS + 1_000);
    expect(h.saleOrders(id)).toEqual([expect.objectContaining({ state: 'sale' })]);
    // the killed create applied nothing; the lookup found nothing and the order was created once
    expect(h.sim.stats().calls['sale.order/create']).toBe(2);
    expect(effect).toMatchObject({ state: 'done', attempts: 2 });
  }, 60_000);
});

describe('odoo-writer: follow-ups that arrive before their order', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ protocol: 'json2', simulator: { latencyMs: 2 } });
    await h.start();
  });

  afterAll(async () => {
    await h?.close();
  });

  it('applies a return, a shipment and a DLQ-replayed OrderPlaced that arrive before their order, the order first', async () => {
    const returned = `shopify:early.example:${uniqueName('o')}`;
    const replayed = `shopify:early.example:${uniqueName('o')}`;
    const shipment = (orderId: string) => ({
      orderId,
      shipmentId: `wms:${uniqueName('s')}`,
      source: 'wms',
      lines: [{ lineId: '1', sku: 'RB-TSHIRT-M', quantity: 1 }],
      trackingNumber: uniqueName('trk'),
      erpPickingId: null,
    });
    const returnId = `shopify:early.example:return:${uniqueName('r')}`;
    await h.publish('ReturnReceived', {
      orderId: returned,
      returnId,
      lines: [{ lineId: '1', sku: 'RB-TSHIRT-M', quantity: 1, restock: true, reason: 'size', refundAmount: { amount: '9.50', currency: 'EUR' } }],
      refundTotal: { amount: '9.50', currency: 'EUR' },
    });
    await h.publish('ShipmentDispatched', shipment(returned));
    await h.publish('ShipmentDispatched', shipment(replayed));
    // the follow-ups are recorded and wait for their orders
    await waitFor(async () => (await h.writer!.retrier.summary()).waiting === 3);

    await h.publish('OrderPlaced', orderPlaced(returned, ['RB-TSHIRT-M']));
    // A dead-lettered OrderPlaced replayed by replay-dlq: the same event (id and bytes) published again.
    const original = await h.publish('OrderPlaced', orderPlaced(replayed, ['RB-TSHIRT-M']));
    await h.publish('OrderPlaced', {}, original);

    await waitFor(
      async () =>
        (await synced(h, returned)).length === 1 &&
        (await synced(h, returned, 'return')).length === 1 &&
        (await synced(h, returned, 'picking_validate')).length === 1 &&
        (await synced(h, replayed)).length === 1 &&
        (await synced(h, replayed, 'picking_validate')).length === 1,
      40_000,
    );
    for (const id of [returned, replayed]) {
      const orders = h.saleOrders(id);
      expect(orders).toHaveLength(1);
      expect(h.sim.records('stock.picking').filter((p) => p.sale_id === orders[0]!.id && p.state === 'done')).toHaveLength(1);
    }
    expect(h.sim.records('account.move').filter((m) => m.ref === `rb-return:${returnId}` && m.state === 'posted')).toHaveLength(1);
    // the placement ran before the follow-ups of its order
    const effects = await h.writer!.executor.store.list(h.writer!.pool, { aggregate: returned });
    const doneAt = async (key: string) => (await h.writer!.pool.query<{ at: Date }>(`SELECT completed_at AS at FROM odoo_writer.outside_effects WHERE effect_key = $1`, [key])).rows[0]!.at;
    const placedAt = await doneAt(placeKey(returned));
    for (const e of effects.filter((x) => x.key !== placeKey(returned))) expect((await doneAt(e.key)).getTime()).toBeGreaterThanOrEqual(placedAt.getTime());
    expect(await h.writer!.retrier.summary()).toEqual({ parked: 0, waiting: 0 });
    expect(await h.dlqCount()).toBe(0);
  }, 60_000);
});

describe('odoo-writer: an Odoo call stalled for 30 s', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ protocol: 'json2', simulator: { latencyMs: 2, limitTimeRealMs: 60_000 } });
    h.config.odoo.timeoutMs = 45_000;
    await h.start();
  });

  afterAll(async () => {
    await h?.close();
  });

  it('keeps no writer transaction open, lets other orders through, and another relay on the same PostgreSQL keeps publishing', async () => {
    const peer = await startPeerRelay(h.kafka);
    try {
      const stalled = `shopify:stall30.example:${uniqueName('o')}`;
      h.sim.control.injectFault({ kind: 'stall', stage: 'after_commit', holdMs: 30_000, model: 'sale.order', method: 'create', count: 1 });
      await h.publish('OrderPlaced', orderPlaced(stalled));
      // after_commit: the sale order exists in Odoo while its answer is held
      await waitFor(() => h.saleOrders(stalled).length === 1, 20_000);
      const stallRunning = async () => (await h.writer!.executor.store.get(h.writer!.pool, placeKey(stalled)))?.state === 'pending';

      const other = `shopify:stall30.example:${uniqueName('o')}`;
      await h.publish('OrderPlaced', orderPlaced(other));
      let otherSyncedDuringStall = false;
      let cycles = 0;
      const offenders: Array<{ pid: number; state: string; xid: string | null }> = [];
      while (await stallRunning()) {
        offenders.push(...(await longTransactions(h)));
        const ids = await peer.commit(5);
        await waitFor(async () => (await peer.published(ids)).length === ids.length, 10_000);
        if (await stallRunning()) {
          cycles += 1;
          if ((await synced(h, other)).length === 1) otherSyncedDuringStall = true;
        }
      }
      await waitFor(async () => (await synced(h, stalled)).length === 1, 30_000);

      expect(offenders).toEqual([]);
      // rows committed while the call was stalled were published while it still was
      expect(cycles).toBeGreaterThanOrEqual(10);
      expect(otherSyncedDuringStall).toBe(true);
      expect(h.saleOrders(stalled)).toHaveLength(1);
      expect(h.saleOrders(other)).toHaveLength(1);
    } finally {
      await peer.close();
    }
  }, 120_000);
});
