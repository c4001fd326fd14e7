/**
 * Benchmark: events/s applied through the consumer (Kafka -> inbox + projection in Postgres) and
 * availability API latency under concurrent load. Starts its own throw-away dev stack unless
 * DATABASE_URL, KAFKA_BROKERS and SCHEMA_REGISTRY_URL are set. Prints a table.
 *   pnpm --filter @retail-backbone/inventory-projector bench [-- --events 20000 --seconds 10 --connections 32]
 */
import { EventSerde, topicOf, type EventPayloads, type EventType } from '@retail-backbone/contracts';
import { provisionTopics } from '@retail-backbone/contracts/src/provision';
import { createTestDatabase, startDevStack, uniqueName } from '@retail-backbone/devstack';
import { createKafka } from '@retail-backbone/messaging';
import { createLogger } from '@retail-backbone/observability';
import autocannon from 'autocannon';
import { Writable } from 'node:stream';
import type { ProjectionEvent } from '../src/domain/types';
import { startProjector } from '../src/service';
import { contractEvent } from '../test/events';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const EVENTS = arg('events', 20_000);
const SECONDS = arg('seconds', 10);
const CONNECTIONS = arg('connections', 32);
const SKUS = 500;
const LOCATIONS = 4;

/** Mostly movements, with orders, cancels and shipments mixed in, over SKUS x LOCATIONS keys. */
function workload(n: number): ProjectionEvent[] {
  const events: ProjectionEvent[] = [];
  for (let i = 0; events.length < n; i++) {
    const sku = `SKU-${i % SKUS}`;
    const locationId = `loc-${i % LOCATIONS}`;
    events.push({ kind: 'movement', sku, locationId, source: 'wms', movementId: `m-${i}`, movementType: 'receipt', delta: 5, observedAt: 1_000 + i });
    if (i % 3 === 0) events.push({ kind: 'placed', orderId: `o-${i}`, locationId, lines: [{ sku, quantity: 1 }] });
    if (i % 9 === 0) events.push({ kind: 'cancelled', orderId: `o-${i}` });
    if (i % 9 === 3) events.push({ kind: 'shipped', orderId: `o-${i}`, shipmentId: `s-${i}`, locationId, lines: [{ sku, quantity: 1 }], dispatchedAt: 2_000 + i });
  }
  return events.slice(0, n);
}

async function main(): Promise<void> {
  const stack = process.env.DATABASE_URL ? undefined : await startDevStack({ persistent: false });
  const env = stack ? stack.env : (process.env as unknown as { DATABASE_URL: string; KAFKA_BROKERS: string; SCHEMA_REGISTRY_URL: string });
  const db = await createTestDatabase('inventory_bench', env.DATABASE_URL);
  const brokers = env.KAFKA_BROKERS.split(',');
  const kafka = createKafka({ brokers, clientId: 'inventory-bench' });
  const admin = kafka.admin();
  await admin.connect();
  await provisionTopics(admin, 1);
  await admin.disconnect();
  const serde = new EventSerde({ registryUrl: env.SCHEMA_REGISTRY_URL, autoRegister: true });
  const logger = createLogger({ service: 'inventory-bench', level: 'error', stream: new Writable({ write: (_c, _e, cb) => cb() }) });

  // Produce first, so the consumer measurement is pure apply throughput.
  const producer = kafka.producer();
  await producer.connect();
  const events = workload(EVENTS);
  const byTopic = new Map<string, Array<{ key: string; value: Buffer }>>();
  for (const e of events) {
    const { eventType, value } = contractEvent(e);
    const topic = topicOf(eventType as EventType);
    const key = 'orderId' in e ? e.orderId : `${e.sku}@${e.locationId}`;
    const list = byTopic.get(topic) ?? [];
    list.push({ key, value: await serde.encode(topic, eventType as EventType, value as EventPayloads[EventType]) });
    byTopic.set(topic, list);
  }
  for (const [topic, messages] of byTopic) {
    for (let i = 0; i < messages.length; i += 1_000) await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 1_000) });
  }
  await producer.disconnect();

  const groupId = uniqueName('inventory-bench');
  const started = Date.now();
  const projector = await startProjector(
    {
      service: 'inventory-projector',
      region: 'bench',
      databaseUrl: db.url,
      kafkaBrokers: brokers,
      schemaRegistryUrl: env.SCHEMA_REGISTRY_URL,
      port: 0,
      schema: 'inventory_projector',
      groupId,
      consumerConcurrency: 1,
      defaultPolicy: 'backorder',
      locationPolicies: {},
      coalesceMs: 1_000,
      autoRegisterSchemas: true,
      poolSize: 20,
      logLevel: 'error',
      shutdownTimeoutMs: 5_000,
    },
    {},
    logger,
  );
  let applied = 0;
  while (applied < EVENTS) {
    await new Promise((r) => setTimeout(r, 100));
    const r = await projector.pool.query(`SELECT count(*)::int AS n FROM inventory_projector.inbox WHERE consumer_group = $1`, [groupId]);
    applied = r.rows[0].n;
    if (Date.now() - started > 600_000) throw new Error(`only ${applied} of ${EVENTS} applied after 10 minutes`);
  }
  const applySeconds = (Date.now() - started) / 1000;
  // The API is measured once the relay has published the backlog the consumer left (otherwise the
  // figure depends on how far behind the relay still is).
  const drainStarted = Date.now();
  for (;;) {
    const r = await projector.pool.query(
      `SELECT (SELECT count(*) FROM inventory_projector.outbox WHERE published_at IS NULL)::int + (SELECT count(*) FROM inventory_projector.availability_dirty)::int AS n`,
    );
    if (r.rows[0].n === 0 || Date.now() - drainStarted > 300_000) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const drainSeconds = (Date.now() - drainStarted) / 1000;

  const requests = Array.from({ length: 200 }, (_, i) => ({ method: 'GET' as const, path: `/v1/availability/SKU-${(i * 7) % SKUS}` }));
  const result = await autocannon({ url: `http://127.0.0.1:${projector.port}`, connections: CONNECTIONS, duration: SECONDS, requests });
  const batch = await autocannon({
    url: `http://127.0.0.1:${projector.port}/v1/availability/batch`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ skus: Array.from({ length: 20 }, (_, i) => `SKU-${i * 13}`) }),
    connections: CONNECTIONS,
    duration: Math.max(3, Math.round(SECONDS / 2)),
  });

  await projector.stop();
  await db.drop();
  await stack?.stop();

  const rows: Array<[string, string]> = [
    ['events applied', String(EVENTS)],
    ['consumer apply time (s, incl. start + group join)', applySeconds.toFixed(2)],
    ['consumer throughput (events/s)', (EVENTS / applySeconds).toFixed(0)],
    ['outbox backlog drained after consumer (s)', drainSeconds.toFixed(2)],
    [`GET /v1/availability/:sku req/s (${CONNECTIONS} conns)`, result.requests.average.toFixed(0)],
    ['GET latency p50 (ms)', String(result.latency.p50)],
    ['GET latency p99 (ms)', String(result.latency.p99)],
    ['GET non-2xx', String(result.non2xx)],
    ['POST batch (20 SKUs) req/s', batch.requests.average.toFixed(0)],
    ['POST batch latency p50 / p99 (ms)', `${batch.latency.p50} / ${batch.latency.p99}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(`\n${'metric'.padEnd(width)} | value\n${'-'.repeat(width)}-|-------\n`);
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(width)} | ${v}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
