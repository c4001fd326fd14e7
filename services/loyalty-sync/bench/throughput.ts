/**
 * Accruals/s against the loyalty platform's rate limit (the service spends the limit it is
 * configured with; the simulator answers 429 beyond its own), then the drain time after an
 * outage: orders consumed while the platform refuses connections, each member's movements
 * waiting as effects, then the time from the platform's return until every one is done. Prints
 * tables; asserts nothing. Uses DATABASE_URL/KAFKA_BROKERS/SCHEMA_REGISTRY_URL when set, else
 * starts the dev stack.
 */
import { startDevStack, uniqueName } from '@retail-backbone/devstack';
import { order, startHarness, type Harness } from '../test/harness';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 400);
const MEMBERS = 50;
const OUTAGE_SECONDS = Number(process.env.BENCH_OUTAGE_SECONDS ?? 30);
const SCENARIOS = [
  { rate: 20, concurrency: 4 },
  { rate: 50, concurrency: 4 },
  { rate: 100, concurrency: 8 },
];

async function publishOrders(h: Harness): Promise<string[]> {
  const members = Array.from({ length: MEMBERS }, () => h.sim.control.enroll({ memberId: `LM-${uniqueName('b')}` }).memberId);
  const ids: string[] = [];
  for (let i = 0; i < ORDERS; i++) {
    const o = order(`pos:bench:${uniqueName('s')}`, 'pos', 'bench', { loyaltyMemberId: members[i % MEMBERS] }, [{ sku: 'MUG', quantity: 1, unitPrice: '12.00' }]);
    ids.push(o.orderId as string);
    await h.publish('OrderPlaced', o);
  }
  return ids;
}

async function doneCount(h: Harness): Promise<number> {
  const { rows } = await h.service!.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM loyalty_sync.outside_effects WHERE state = 'done'`);
  return rows[0]!.n;
}

async function until(probe: () => Promise<boolean>): Promise<void> {
  while (!(await probe())) await new Promise((r) => setTimeout(r, 100));
}

async function rateScenario(rate: number, concurrency: number) {
  const h = await startHarness({ simulator: { ratePerSecond: rate }, config: { rateLimitPerSecond: rate, concurrency } });
  try {
    await publishOrders(h);
    await h.start();
    // Timed from the first movement applied, so the consumer group's join is not counted.
    await until(async () => h.sim.stats().applied > 0);
    const started = Date.now();
    const first = h.sim.stats().applied;
    await until(async () => (await doneCount(h)) === ORDERS);
    const seconds = (Date.now() - started) / 1000;
    const s = h.sim.stats();
    return {
      'platform limit (calls/s)': rate,
      concurrency,
      accruals: ORDERS,
      seconds: seconds.toFixed(1),
      'accruals/s': ((ORDERS - first) / seconds).toFixed(1),
      'share of the limit': `${Math.round(((ORDERS - first) / seconds / rate) * 100)} %`,
      'answered 429': s.rateLimited,
      'applied on the platform': s.applied,
    };
  } finally {
    await h.close();
  }
}

async function outageScenario() {
  const rate = 50;
  const h = await startHarness({ simulator: { ratePerSecond: rate }, config: { rateLimitPerSecond: rate, concurrency: 4, retryMaxDelayMs: 5_000 } });
  try {
    await h.sim.control.setOutage('refused');
    const outageStarted = Date.now();
    await h.start();
    await publishOrders(h);
    await until(async () => ((await h.service!.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM loyalty_sync.outside_effects`)).rows[0]!.n === ORDERS));
    const left = OUTAGE_SECONDS * 1000 - (Date.now() - outageStarted);
    if (left > 0) await new Promise((r) => setTimeout(r, left));
    await h.sim.control.setOutage(null);
    const back = Date.now();
    await until(async () => h.sim.stats().applied > 0);
    const firstAfter = Date.now() - back;
    await until(async () => (await doneCount(h)) === ORDERS);
    const drain = (Date.now() - back) / 1000;
    const balances = h.sim.members().reduce((sum, m) => sum + h.sim.balance(m.memberId), 0);
    return {
      'outage (s)': ((back - outageStarted) / 1000).toFixed(0),
      'movements waiting': ORDERS,
      'first applied after return (ms)': firstAfter,
      'drain time (s)': drain.toFixed(1),
      'accruals/s while draining': (ORDERS / drain).toFixed(1),
      'platform limit (calls/s)': rate,
      'points on the platform / expected': `${balances} / ${ORDERS * 12}`,
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
    for (const s of SCENARIOS) rows.push(await rateScenario(s.rate, s.concurrency));
    console.table(rows);
    console.table([await outageScenario()]);
  } finally {
    await stack?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
