/**
 * The relay's two dangerous windows, with the relay in a process of its own (fixtures/relay-worker):
 * killed after the broker acknowledged a batch and before the rows were marked published, and
 * frozen in the middle of a send until another relay had taken its lanes over.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { uniqueName } from '@retail-backbone/devstack';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { ConsumerRunner } from '../src/consumer/runner';
import { Headers, headerString } from '../src/headers';
import { OutboxRelay } from '../src/outbox/relay';
import { recordEvents } from '../src/outbox/record';
import { EFFECTS_DDL, effectsHandler } from './fixtures/effects-handler';
import {
  avroSerde,
  capturingLogger,
  catalogEvent,
  createTopics,
  deleteTopics,
  FAST_CONSUMER,
  inTx,
  migratedDatabase,
  registry,
  SCHEMA,
  testKafka,
  testTopic,
  waitFor,
  type TestDb,
} from './helpers';

const ORDERS = 'retail.orders.v1';
const LEASE_MS = 2_000;
const REPO = path.resolve(__dirname, '../../..');
const WORKER = path.join(__dirname, 'fixtures', 'relay-worker.ts');

/** Resolves with the first stdout line of `child` that starts with `prefix`. */
function lineFrom(child: ChildProcess, prefix: string, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`relay worker never printed "${prefix}"`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n').find((l) => l.startsWith(prefix));
      if (line === undefined) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve(line);
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code, signal) => reject(new Error(`relay worker exited (${code ?? signal}) before "${prefix}"`)));
  });
}

/** Reads `topic` from the start until `done` says the messages seen so far are enough. */
async function readUntil(kafka: Kafka, topic: string, done: (messages: KafkaMessage[]) => boolean, timeoutMs = 60_000): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 100 });
  const seen: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${topic}: condition not met after ${seen.length} messages`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(message);
          if (done(seen)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

describe('outbox relay in a process of its own', () => {
  let t: TestDb;
  let kafka: Kafka;
  let topic: string;
  const relays: OutboxRelay[] = [];
  const runners: ConsumerRunner[] = [];
  const children: ChildProcess[] = [];

  const worker = (mode: 'hang-before-mark' | 'pause-in-send') => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, SCHEMA, mode, String(LEASE_MS)], {
      cwd: REPO,
      env: { ...process.env, WORKER_DATABASE_URL: t.db.url },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.push(child);
    return child;
  };

  const relay = () => {
    const r = new OutboxRelay({
      pool: t.pool,
      schema: SCHEMA,
      kafka,
      serde: avroSerde(),
      producerName: 'test',
      pollIntervalMs: 100,
      leaseMs: LEASE_MS,
      logger: capturingLogger().logger,
      registry: registry(),
    });
    relays.push(r);
    return r;
  };

  const record = (events: ReturnType<typeof catalogEvent>[]) => inTx(t.pool, (tx) => recordEvents(tx, events, { schema: SCHEMA }));
  const pending = async () => Number((await t.pool.query(`SELECT count(*) FROM ${SCHEMA}.outbox WHERE published_at IS NULL`)).rows[0].count);
  const eventIdOf = (m: KafkaMessage) => headerString(m.headers, Headers.EVENT_ID)!;

  beforeAll(() => {
    kafka = testKafka();
  });

  beforeEach(async () => {
    t = await migratedDatabase('relaycrash');
    topic = testTopic(ORDERS);
    await createTopics(kafka, [topic], 3);
  });

  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }
    }
    await Promise.all(runners.splice(0).map((r) => r.stop()));
    await Promise.all(relays.splice(0).map((r) => r.stop()));
    await t.close();
    await deleteTopics(kafka, [topic]);
  });

  it('killed after the broker acked a batch and before marking it published: the batch is sent again, and the copies have no second effect in an inbox consumer', async () => {
    const total = 30;
    const events = Array.from({ length: total }, (_, i) => catalogEvent('OrderPlaced', topic, { orderId: `order-${i % 6}` }, uniqueName('corr')));
    await record(events);

    const victim = worker('hang-before-mark');
    await lineFrom(victim, 'acked');
    victim.kill('SIGKILL');
    expect(await pending()).toBe(total);

    // A second relay takes the lanes once the dead one's leases ran out, and publishes the batch again.
    await relay().start();
    await waitFor(async () => (await pending()) === 0, 60_000, 100);
    const copies = new Map<string, number>();
    await readUntil(kafka, topic, (messages) => {
      copies.clear();
      for (const m of messages) copies.set(eventIdOf(m), (copies.get(eventIdOf(m)) ?? 0) + 1);
      return copies.size === total && [...copies.values()].every((n) => n >= 2);
    });
    expect([...copies.values()].filter((n) => n !== 2)).toEqual([]);

    await t.pool.query(EFFECTS_DDL(SCHEMA));
    const reg = registry();
    const runner = new ConsumerRunner({
      kafka,
      pool: t.pool,
      schema: SCHEMA,
      groupId: uniqueName('group'),
      topics: [topic],
      serde: avroSerde(),
      handler: effectsHandler(SCHEMA, 'consumer'),
      service: 'test-consumer',
      region: 'eu-west',
      logger: capturingLogger().logger,
      registry: reg,
      consumerConfig: FAST_CONSUMER,
    });
    runners.push(runner);
    await runner.start();
    // Every copy reached the consumer: the originals applied, each duplicate counted as a dedup hit.
    await waitFor(async () => new RegExp(`messaging_dedup_hits_total\\{[^}]*\\} ${total}\\b`).test(await reg.metrics()), 60_000, 100);
    const effects = await t.pool.query<{ event_id: string; n: number }>(`SELECT event_id, count(*)::int AS n FROM ${SCHEMA}.effects GROUP BY event_id`);
    expect(effects.rows).toHaveLength(total);
    expect(effects.rows.filter((r) => r.n !== 1)).toEqual([]);
    expect(new Set(effects.rows.map((r) => r.event_id))).toEqual(new Set(events.map((e) => e.value.envelope.eventId)));
  }, 120_000);

  it('frozen in a send past its lease (SIGSTOP, SIGCONT once another relay published newer rows of its keys): publishes nothing after the new owner', async () => {
    const keys = Array.from({ length: 8 }, (_, i) => `order-${i}`);
    const version = new Map<string, { key: string; v: number }>();
    const recordVersion = async (v: number) => {
      const events = keys.map((orderId) => catalogEvent('OrderPlaced', topic, { orderId }, uniqueName('corr')));
      for (const e of events) version.set(e.value.envelope.eventId, { key: e.key, v });
      await record(events);
    };
    await recordVersion(1);

    const stale = worker('pause-in-send');
    await lineFrom(stale, 'sending');
    stale.kill('SIGSTOP');
    // Read by the worker only after SIGCONT: its send then goes on, long after its lease ended.
    stale.stdin!.write('go\n');

    await recordVersion(2);
    await relay().start();
    await waitFor(async () => (await pending()) === 0, 60_000, 100);

    const ended = lineFrom(stale, 'send-ended');
    stale.kill('SIGCONT');
    expect(await ended).toMatch(/^send-ended failed/);

    // The last version of every key, published after the stale send gave up: what the topic holds
    // before it per key is all the stale relay could have added.
    await recordVersion(3);
    await waitFor(async () => (await pending()) === 0, 60_000, 100);
    const messages = await readUntil(kafka, topic, (seen) => keys.every((key) => seen.some((m) => m.key?.toString() === key && version.get(eventIdOf(m))?.v === 3)));
    for (const key of keys) {
      const sequence = messages.filter((m) => m.key?.toString() === key).map((m) => version.get(eventIdOf(m))!.v);
      const changes = sequence.filter((v, i) => i === 0 || v !== sequence[i - 1]);
      expect({ key, changes }).toEqual({ key, changes: [1, 2, 3] });
    }
  }, 120_000);
});
