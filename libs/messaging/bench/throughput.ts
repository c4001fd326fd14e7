/**
 * Throughput benchmark: outbox relay and consumer-with-inbox next to raw kafkajs on the same
 * broker. Uses the dev stack unless DATABASE_URL, SCHEMA_REGISTRY_URL and KAFKA_BROKERS are set.
 *   pnpm --filter @retail-backbone/messaging bench     (BENCH_EVENTS=20000 by default)
 */
import { EventSerde as AvroSerde, eventKey } from '@retail-backbone/contracts';
import { sampleEvent } from '@retail-backbone/contracts/src/testing';
import { createTestDatabase, startDevStack, uniqueName, type DevStack } from '@retail-backbone/devstack';
import { createLogger, createMetricsRegistry } from '@retail-backbone/observability';
import { logLevel, type Kafka } from 'kafkajs';
import pg from 'pg';
import { PassThrough } from 'node:stream';
import { ConsumerRunner } from '../src/consumer/runner';
import { buildEnvelope } from '../src/envelope';
import { createKafka } from '../src/kafka';
import { migrateMessaging } from '../src/migrate';
import { OutboxRelay } from '../src/outbox/relay';
import { recordEvents, type OutboxEvent } from '../src/outbox/record';
import type { EventSerde } from '../src/serde';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const PARTITIONS = 6;
const SCHEMA = 'bench';
const CATALOG_TOPIC = 'retail.orders.v1';

interface Row {
  measurement: string;
  events: number;
  seconds: number;
  'events/s': number;
  'p50 ms': string;
  'p99 ms': string;
}

const rows: Row[] = [];
function report(measurement: string, events: number, ms: number, p50?: number, p99?: number): void {
  rows.push({
    measurement,
    events,
    seconds: Number((ms / 1000).toFixed(2)),
    'events/s': Math.round(events / (ms / 1000)),
    'p50 ms': p50 === undefined ? '' : p50.toFixed(1),
    'p99 ms': p99 === undefined ? '' : p99.toFixed(1),
  });
}

function silentLogger() {
  return createLogger({ service: 'bench', stream: new PassThrough().resume(), level: 'error' });
}

function serde(): EventSerde {
  const avro = new AvroSerde({ registryUrl: process.env.SCHEMA_REGISTRY_URL, autoRegister: true });
  return {
    encode: (_topic, eventType, value) => avro.encode(CATALOG_TOPIC, eventType as never, value as never),
    decode: (buffer) => avro.decode(buffer),
  };
}

function orderEvent(topic: string, i: number): OutboxEvent {
  const { envelope: _sample, ...body } = sampleEvent('OrderPlaced', { orderId: `order-${i % 1000}` });
  const value = { envelope: buildEnvelope({ eventType: 'OrderPlaced', producer: 'bench', region: 'eu-west', correlationId: `corr-${i}` }), ...body };
  return { topic, key: eventKey('OrderPlaced', value), eventType: 'OrderPlaced', value };
}

async function createTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
}

async function rawKafka(kafka: Kafka, codec: EventSerde): Promise<void> {
  const topic = `${CATALOG_TOPIC}.${uniqueName('raw')}`;
  await createTopic(kafka, topic);
  const template = orderEvent(topic, 0);
  const value = await codec.encode(topic, 'OrderPlaced', template.value);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let started = Date.now();
  for (let sent = 0; sent < EVENTS; sent += 500) {
    const messages = Array.from({ length: Math.min(500, EVENTS - sent) }, (_, i) => ({ key: `order-${(sent + i) % 1000}`, value }));
    await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages }] });
  }
  report('raw kafkajs produce (batches of 500, acks=all)', EVENTS, Date.now() - started);
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: uniqueName('raw'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let received = 0;
  started = Date.now();
  await new Promise<void>((resolve) => {
    void consumer.run({
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch }) => {
        received += batch.messages.length;
        if (received >= EVENTS) resolve();
      },
    });
  });
  report('raw kafkajs consume (eachBatch, no work)', EVENTS, Date.now() - started);
  await consumer.disconnect();
}

async function relayDrain(pool: pg.Pool, kafka: Kafka, codec: EventSerde, topic: string): Promise<void> {
  for (let i = 0; i < EVENTS; i += 500) {
    const events = Array.from({ length: Math.min(500, EVENTS - i) }, (_, j) => orderEvent(topic, i + j));
    const tx = await pool.connect();
    await tx.query('BEGIN');
    await recordEvents(tx, events, { schema: SCHEMA });
    await tx.query('COMMIT');
    tx.release();
  }
  const relay = new OutboxRelay({ pool, schema: SCHEMA, kafka, serde: codec, producerName: 'bench', logger: silentLogger(), registry: createMetricsRegistry({ service: 'bench', defaultMetrics: false }) });
  const started = Date.now();
  await relay.start();
  await waitUntil(async () => (await pending(pool)) === 0);
  report('outbox relay, draining a backlog (batches of 500)', EVENTS, Date.now() - started);
  await relay.stop();
}

/** Steady load: small transactions at a fixed rate while the relay runs; latency = insert → ack. */
async function relayLatency(pool: pg.Pool, kafka: Kafka, codec: EventSerde, topic: string): Promise<void> {
  await pool.query(`TRUNCATE ${SCHEMA}.outbox`);
  const relay = new OutboxRelay({ pool, schema: SCHEMA, kafka, serde: codec, producerName: 'bench', logger: silentLogger(), registry: createMetricsRegistry({ service: 'bench', defaultMetrics: false }) });
  await relay.start();
  const perTx = 10;
  const rate = 2_000;
  const total = Math.min(EVENTS, rate * 5);
  const started = Date.now();
  for (let i = 0; i < total; i += perTx) {
    const due = started + (i / rate) * 1000;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    const tx = await pool.connect();
    await tx.query('BEGIN');
    await recordEvents(tx, Array.from({ length: perTx }, (_, j) => orderEvent(topic, i + j)), { schema: SCHEMA });
    await tx.query('COMMIT');
    tx.release();
  }
  await waitUntil(async () => (await pending(pool)) === 0);
  const elapsed = Date.now() - started;
  const latency = await pool.query<{ p50: number; p99: number }>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99
     FROM (SELECT EXTRACT(EPOCH FROM published_at - created_at) * 1000 AS ms FROM ${SCHEMA}.outbox) l`,
  );
  report(`outbox relay, steady ${rate}/s in tx of ${perTx}: commit→publish`, total, elapsed, latency.rows[0]!.p50, latency.rows[0]!.p99);
  await relay.stop();
}

async function consumerWithInbox(pool: pg.Pool, kafka: Kafka, codec: EventSerde, topic: string, expected: number): Promise<void> {
  await pool.query(`CREATE TABLE ${SCHEMA}.effects (event_id text NOT NULL, order_id text NOT NULL)`);
  const runner = new ConsumerRunner({
    kafka,
    pool,
    schema: SCHEMA,
    groupId: uniqueName('bench'),
    topics: [topic],
    serde: codec,
    service: 'bench',
    region: 'eu-west',
    logger: silentLogger(),
    registry: createMetricsRegistry({ service: 'bench', defaultMetrics: false }),
    partitionsConsumedConcurrently: 3,
    consumerConfig: { maxWaitTimeInMs: 100 },
    handler: async ({ tx, event }) => {
      await tx.query(`INSERT INTO ${SCHEMA}.effects VALUES ($1, $2)`, [event.envelope.eventId, String(event.value.orderId)]);
    },
  });
  const started = Date.now();
  await runner.start();
  await waitUntil(async () => Number((await pool.query(`SELECT count(*) FROM ${SCHEMA}.inbox`)).rows[0].count) >= expected);
  report('consumer + inbox + 1 insert per event (tx of 50)', expected, Date.now() - started);
  await runner.stop();
}

async function pending(pool: pg.Pool): Promise<number> {
  return Number((await pool.query(`SELECT count(*) FROM ${SCHEMA}.outbox WHERE published_at IS NULL`)).rows[0].count);
}

async function waitUntil(probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 300_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('benchmark step did not finish within 5 minutes');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<void> {
  let stack: DevStack | undefined;
  if (!process.env.DATABASE_URL || !process.env.KAFKA_BROKERS || !process.env.SCHEMA_REGISTRY_URL) {
    stack = await startDevStack({ persistent: false });
    Object.assign(process.env, stack.env);
  }
  const kafka = createKafka({ brokers: process.env.KAFKA_BROKERS!.split(','), clientId: 'bench', config: { logLevel: logLevel.NOTHING } });
  const codec = serde();
  const db = await createTestDatabase('bench');
  await migrateMessaging({ databaseUrl: db.url, schema: SCHEMA });
  const pool = new pg.Pool({ connectionString: db.url, max: 10 });
  try {
    await rawKafka(kafka, codec);
    const topic = `${CATALOG_TOPIC}.${uniqueName('relay')}`;
    await createTopic(kafka, topic);
    await relayDrain(pool, kafka, codec, topic);
    await consumerWithInbox(pool, kafka, codec, topic, EVENTS);
    await relayLatency(pool, kafka, codec, `${CATALOG_TOPIC}.${uniqueName('latency')}`);
  } finally {
    await pool.end();
    await db.drop();
    await stack?.stop();
  }
  console.table(rows);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
