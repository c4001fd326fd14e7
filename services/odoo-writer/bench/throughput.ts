/**
 * Orders/s written into the Odoo simulator (20 ms added latency per call) and Odoo calls per
 * order, draining a backlog of orders from 12 partitions. Prints a table; asserts nothing.
 * Uses DATABASE_URL/KAFKA_BROKERS/SCHEMA_REGISTRY_URL when set, else starts the dev stack.
 */
import { startDevStack, uniqueName } from '@retail-backbone/devstack';
import { orderPlaced, startHarness } from '../test/harness';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 400);
const CUSTOMERS = 100;
const SCENARIOS = [
  { rate: 20, concurrency: 4 },
  { rate: 50, concurrency: 8 },
];

async function scenario(rate: number, concurrency: number) {
  const h = await startHarness({
    simulator: { latencyMs: 20 },
    partitions: 12,
    config: { rateLimitPerSecond: rate, concurrency, partitionConcurrency: 12, batchWindowMs: 20 },
  });
  try {
    const skus = ['RB-TSHIRT-S', 'RB-TSHIRT-M', 'RB-MUG', 'RB-CAP'];
    const ids: string[] = [];
    for (let i = 0; i < ORDERS; i++) {
      const id = `shopify:bench.example:${uniqueName('o')}`;
      const order = orderPlaced(id, [skus[i % 4]!, skus[(i + 1) % 4]!]);
      order.customer = { ...order.customer!, customerId: `bench-customer-${i % CUSTOMERS}` };
      ids.push(id);
      await h.publish('OrderPlaced', order);
    }
    h.sim.control.resetStats();
    const started = Date.now();
    const writer = await h.start();
    let done = 0;
    while (done < ORDERS) {
      await new Promise((r) => setTimeout(r, 200));
      const { rows } = await writer.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM odoo_writer.orders WHERE status = 'synced'`);
      done = rows[0]!.n;
    }
    const seconds = (Date.now() - started) / 1000;
    const stats = h.sim.stats(600);
    const maxPerSecond = Math.max(...stats.perSecond.map((s) => s.count));
    const duplicates = ids.filter((id) => h.saleOrders(id).length !== 1).length;
    return {
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

async function main(): Promise<void> {
  const stack = process.env.DATABASE_URL ? undefined : await startDevStack({ persistent: false });
  if (stack) Object.assign(process.env, stack.env);
  try {
    const rows = [];
    for (const s of SCENARIOS) rows.push(await scenario(s.rate, s.concurrency));
    console.table(rows);
  } finally {
    await stack?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
