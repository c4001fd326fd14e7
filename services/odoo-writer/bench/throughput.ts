/**
 * Orders/s written into the Odoo simulator (20 ms added latency per call) and Odoo calls per
 * order, draining a backlog of orders from 12 partitions (the last scenario with invoices and payments); then, while one Odoo create is stalled
 * for 30 s, the commit→publish latency of another service's outbox relay on the same PostgreSQL
 * and the orders written meanwhile. Prints tables (throughput, Odoo calls per model/method);
 * asserts nothing.
 * Uses DATABASE_URL/KAFKA_BROKERS/SCHEMA_REGISTRY_URL when set, else starts the dev stack.
 */
import { startDevStack, uniqueName } from '@retail-backbone/devstack';
import { placeKey } from '../src/sync/effect-keys';
import { orderPlaced, pricedOrder, setUpAccounting, startHarness, TEST_ACCOUNTING } from '../test/harness';
import { startPeerRelay } from '../test/peer-relay';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 400);
const CUSTOMERS = 100;
/** Odoo calls per model/method of each scenario, printed after the throughput table. */
const calls: Array<Record<string, string | number>> = [];
/**
 * `money`: with the accounting table (taxes, shipping line, pricelist, total read back before
 * confirming, the invoice posted with the confirmation) and each order's PaymentCaptured registered
 * against its invoice; done when every payment is in Odoo.
 */
const SCENARIOS = [
  { rate: 20, concurrency: 4, money: false },
  { rate: 50, concurrency: 8, money: false },
  { rate: 50, concurrency: 8, money: true },
];

async function scenario(rate: number, concurrency: number, withMoney: boolean) {
  const h = await startHarness({
    simulator: { latencyMs: 20 },
    partitions: 12,
    config: { rateLimitPerSecond: rate, concurrency, partitionConcurrency: 12, batchWindowMs: 20, ...(withMoney ? { accounting: TEST_ACCOUNTING } : {}) },
  });
  try {
    if (withMoney) await setUpAccounting(h.sim);
    const skus = ['RB-TSHIRT-S', 'RB-TSHIRT-M', 'RB-MUG', 'RB-CAP'];
    const ids: string[] = [];
    for (let i = 0; i < ORDERS; i++) {
      const id = `shopify:bench.example:${uniqueName('o')}`;
      const order = (withMoney ? pricedOrder : orderPlaced)(id, [skus[i % 4]!, skus[(i + 1) % 4]!]);
      order.customer = { ...order.customer!, customerId: `bench-customer-${i % CUSTOMERS}` };
      ids.push(id);
      await h.publish('OrderPlaced', order);
      // with money: the order's payment too, captured right after it
      if (withMoney) await h.publish('PaymentCaptured', { orderId: id, paymentId: uniqueName('pay'), provider: 'stripe', providerPaymentId: uniqueName('pi'), amount: order.totals!.grandTotal, method: 'card' });
    }
    h.sim.control.resetStats();
    const started = Date.now();
    const writer = await h.start();
    let done = 0;
    while (done < ORDERS) {
      await new Promise((r) => setTimeout(r, 200));
      const { rows } = await writer.pool.query<{ n: number }>(
        withMoney
          ? `SELECT count(*)::int AS n FROM odoo_writer.operations WHERE operation = 'payment'`
          : `SELECT count(*)::int AS n FROM odoo_writer.orders WHERE status = 'synced'`,
      );
      done = rows[0]!.n;
    }
    const seconds = (Date.now() - started) / 1000;
    const stats = h.sim.stats(600);
    const maxPerSecond = Math.max(...stats.perSecond.map((s) => s.count));
    const duplicates = ids.filter((id) => h.saleOrders(id).length !== 1).length;
    calls.push({ scenario: `${rate}/s, ${concurrency}${withMoney ? ', money' : ''}`, ...stats.calls });
    return {
      'accounting table (taxes, invoice, payment)': withMoney ? 'yes' : 'no',
      'rate limit (calls/s)': rate,
      'odoo concurrency': concurrency,
      orders: ORDERS,
      'seconds (incl. consumer join)': seconds.toFixed(1),
      'orders/s': (ORDERS / seconds).toFixed(1),
      'odoo calls': stats.total,
      'calls/order': (stats.total / ORDERS).toFixed(2),
      'max calls/s observed': maxPerSecond,
      'max concurrency observed': stats.maxConcurrency,
      'orders not written exactly once': duplicates,
    };
  } finally {
    await h.close();
  }
}

const STALL_MS = 30_000;

/** A 30 s stalled create while the peer relay publishes 20 small transactions a second. */
async function stallScenario() {
  const h = await startHarness({ simulator: { latencyMs: 20, limitTimeRealMs: 120_000 }, partitions: 12, config: { rateLimitPerSecond: 50, concurrency: 8 } });
  h.config.odoo.timeoutMs = 60_000;
  const peer = await startPeerRelay(h.kafka);
  try {
    const writer = await h.start();
    const stalled = `shopify:bench.example:${uniqueName('stalled')}`;
    h.sim.control.injectFault({ kind: 'stall', stage: 'after_commit', holdMs: STALL_MS, model: 'sale.order', method: 'create', count: 1 });
    await h.publish('OrderPlaced', orderPlaced(stalled));
    while (h.saleOrders(stalled).length === 0) await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    let others = 0;
    let committed = 0;
    const running = async () => (await writer.executor.store.get(writer.pool, placeKey(stalled)))?.state !== 'done';
    while (await running()) {
      await peer.commit(5);
      committed += 5;
      // Other orders keep arriving during the stall.
      if (committed % 50 === 0) {
        await h.publish('OrderPlaced', orderPlaced(`shopify:bench.example:${uniqueName('o')}`));
        others += 1;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const stallSeconds = (Date.now() - started) / 1000;
    while ((await peer.latency()).events < committed) await new Promise((r) => setTimeout(r, 100));
    const latency = await peer.latency();
    const { rows } = await writer.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM odoo_writer.orders WHERE status = 'synced' AND order_id <> $1`, [stalled]);
    return {
      'stalled create (s)': stallSeconds.toFixed(1),
      'peer events committed during the stall': committed,
      'peer commit→publish p50 ms': Number(latency.p50).toFixed(1),
      'peer commit→publish p99 ms': Number(latency.p99).toFixed(1),
      'peer commit→publish max ms': Number(latency.max).toFixed(1),
      'other orders published during the stall / synced by its end': `${others} / ${rows[0]!.n}`,
      'sale orders of the stalled order': h.saleOrders(stalled).length,
    };
  } finally {
    await peer.close();
    await h.close();
  }
}

async function main(): Promise<void> {
  const stack = process.env.DATABASE_URL ? undefined : await startDevStack({ persistent: false });
  if (stack) Object.assign(process.env, stack.env);
  try {
    const rows = [];
    for (const s of SCENARIOS) rows.push(await scenario(s.rate, s.concurrency, s.money));
    console.table(rows);
    console.table(calls);
    if (process.env.BENCH_STALL !== '0') console.table([await stallScenario()]);
  } finally {
    await stack?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
