/**
 * Propagations/s against each channel's rate limit, and the time to drain the pending
 * propagations after a channel outage. Shopify: its cost bucket (the simulator charges 12 points
 * for the order read and 10 for fulfillmentCreate, so one propagation costs 22 points: the
 * sustained limit is restoreRate / 22 per second, after a burst from the full bucket).
 * WooCommerce: the client-side rate limit (WOOCOMMERCE_RATE_LIMIT_PER_SECOND), four calls each.
 * Prints tables; asserts nothing. Uses DATABASE_URL/KAFKA_BROKERS/SCHEMA_REGISTRY_URL when set,
 * else starts the dev stack.
 */
import { startDevStack, uniqueName } from '@retail-backbone/devstack';
import type { PropagatorConfig } from '../src/config';
import { orderPlaced, shipment, startHarness, type Harness } from '../test/harness';

const N = Number(process.env.BENCH_SHIPMENTS ?? 150);
const SHOPIFY_COST = 22;

async function channelEvents(h: Harness): Promise<Array<{ propagatedAt: number; outcome: string }>> {
  const { rows } = await h.service!.pool.query<{ payload: { propagatedAt: number; outcome: string } }>(
    `SELECT payload FROM shipment_propagator.outbox WHERE event_type = 'ShipmentPropagated' AND payload->>'target' = 'channel' ORDER BY id`,
  );
  return rows.map((r) => r.payload);
}

async function until(h: Harness, n: number, timeoutMs = 600_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await channelEvents(h);
    if (events.length >= n) return events;
    if (Date.now() > deadline) throw new Error(`only ${events.length} of ${n} propagated within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Records N orders and their shipments in the channel and on the topics, before the service starts. */
async function backlog(h: Harness, channel: 'shopify' | 'woocommerce', n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const orderId = uniqueName('bench');
    const channelOrderId = String(9_000_000 + i);
    if (channel === 'shopify') h.sims.shopify.seedOrder({ id: channelOrderId, lineItems: [{ id: `${i}1`, sku: 'BENCH', quantity: 1 }] });
    else h.sims.woocommerce.seedOrder({ id: 9_000_000 + i, line_items: [{ id: Number(`${i}1`), sku: 'BENCH', quantity: 1 }] });
    await h.publish('OrderPlaced', orderPlaced(orderId, channel, channelOrderId, [{ lineId: `${i}1`, sku: 'BENCH', quantity: 1 }]));
  }
}

async function shipAll(h: Harness): Promise<void> {
  const { rows } = await h.service!.pool.query<{ order_id: string; lines: Array<{ lineId: string }> }>(`SELECT order_id, lines FROM shipment_propagator.orders`);
  for (const r of rows) await h.publish('ShipmentDispatched', shipment(r.order_id, `s-${r.order_id}`, [{ lineId: r.lines[0]!.lineId, sku: 'BENCH', quantity: 1 }]));
}

async function waitOrders(h: Harness, n: number) {
  for (;;) {
    const { rows } = await h.service!.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM shipment_propagator.orders`);
    if (rows[0]!.n >= n) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const noHook: Partial<PropagatorConfig> = { customerHook: undefined };

async function throughput(channel: 'shopify' | 'woocommerce', limit: { restoreRate?: number; bucket?: number; rate?: number }) {
  const h = await startHarness({
    config: {
      ...noHook,
      tuning: { shopify: { concurrency: 4 }, woocommerce: { concurrency: 4, ratePerSecond: limit.rate }, pos: { concurrency: 2 }, 'customer-hook': { concurrency: 2 } },
    },
    simulators: { shopify: { bucketSize: limit.bucket, restoreRatePerSecond: limit.restoreRate } },
  });
  try {
    await h.start();
    await backlog(h, channel, N);
    await waitOrders(h, N);
    const started = Date.now();
    await shipAll(h);
    const events = await until(h, N);
    const seconds = (Date.now() - started) / 1000;
    const first = events[0]!.propagatedAt;
    const last = events[events.length - 1]!.propagatedAt;
    const theoretical = channel === 'shopify' ? `${((limit.restoreRate ?? 50) / SHOPIFY_COST).toFixed(1)}/s sustained (+${Math.floor((limit.bucket ?? 1000) / SHOPIFY_COST)} burst)` : `${limit.rate}/s (client)`;
    return {
      channel,
      'rate limit': channel === 'shopify' ? `bucket ${limit.bucket}, restore ${limit.restoreRate}/s` : `${limit.rate} propagations/s`,
      'limit in propagations': theoretical,
      shipments: N,
      'seconds (publish → last)': seconds.toFixed(1),
      'propagations/s (first → last)': ((N - 1) / Math.max(0.001, (last - first) / 1000)).toFixed(1),
      'throttled answers': h.sims.shopify.throttled,
      'not propagated': events.filter((e) => e.outcome !== 'propagated').length,
    };
  } finally {
    await h.close();
  }
}

async function drain(outageSeconds: number) {
  const h = await startHarness({ config: { ...noHook, breakerHalfOpenMs: 1_000 }, simulators: { shopify: { bucketSize: 1000, restoreRatePerSecond: 500 } } });
  try {
    await h.start();
    await backlog(h, 'shopify', N);
    await waitOrders(h, N);
    await h.sims.shopify.server.startOutage('503', 5);
    await shipAll(h);
    const pending = async () => (await h.service!.effects.list(h.service!.pool, { states: ['pending', 'unknown'], limit: 100_000 })).length;
    while ((await pending()) < N) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, outageSeconds * 1000));
    const pendingAtEnd = await pending();
    const ended = Date.now();
    await h.sims.shopify.server.endOutage();
    const events = await until(h, N);
    return {
      channel: 'shopify',
      'outage (s)': outageSeconds,
      'pending when it ended': pendingAtEnd,
      'drain time (s)': ((events[events.length - 1]!.propagatedAt - ended) / 1000).toFixed(1),
      fulfilments: [...h.sims.shopify.orders.values()].reduce((n, o) => n + o.fulfillments.length, 0),
      'not propagated': events.filter((e) => e.outcome !== 'propagated').length,
    };
  } finally {
    await h.close();
  }
}

async function main(): Promise<void> {
  const stack = process.env.DATABASE_URL ? undefined : await startDevStack({ persistent: false });
  if (stack) Object.assign(process.env, stack.env);
  try {
    console.table([
      await throughput('shopify', { bucket: 1000, restoreRate: 50 }),
      await throughput('shopify', { bucket: 200, restoreRate: 200 }),
      await throughput('woocommerce', { rate: 10 }),
      await throughput('woocommerce', { rate: 40 }),
    ]);
    console.table([await drain(Number(process.env.BENCH_OUTAGE_SECONDS ?? 30))]);
  } finally {
    await stack?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
