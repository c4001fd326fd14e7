import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { uniqueName } from '@retail-backbone/devstack';
import type { Kafka, Message, Producer } from 'kafkajs';
import { ConsumerRunner, type BeforeCommit, type ConsumerRunnerOptions, type EventHandler } from '../src/consumer/runner';
import { buildCommand } from '../src/cli/replay-dlq';
import { replayDeadLetters } from '../src/dlq-replay';
import { NonRetryableError } from '../src/errors';
import { Headers, headerString } from '../src/headers';
import type { OutboxEvent } from '../src/outbox/record';
import { EFFECTS_DDL, effectsHandler } from './fixtures/effects-handler';
import {
  avroSerde,
  capturingLogger,
  catalogEvent,
  createTopics,
  FAST_CONSUMER,
  deleteTopics,
  migratedDatabase,
  readMessages,
  registry,
  SCHEMA,
  testKafka,
  testTopic,
  waitFor,
  type TestDb,
} from './helpers';

const ORDERS = 'retail.orders.v1';

describe('consumer runner with inbox', () => {
  let t: TestDb;
  let kafka: Kafka;
  let producer: Producer;
  let topic: string;
  let group: string;
  const runners: ConsumerRunner[] = [];
  const children: ChildProcess[] = [];
  const serde = avroSerde();

  const runner = (handler: EventHandler, overrides: Partial<ConsumerRunnerOptions> = {}) => {
    const r = new ConsumerRunner({
      kafka,
      pool: t.pool,
      schema: SCHEMA,
      groupId: group,
      topics: [topic],
      serde,
      handler,
      service: 'test-consumer',
      region: 'eu-west',
      logger: capturingLogger().logger,
      registry: registry(),
      retryInitialDelayMs: 20,
      retryMaxDelayMs: 100,
      maxAttempts: 3,
      consumerConfig: FAST_CONSUMER,
      ...overrides,
    });
    runners.push(r);
    return r;
  };

  const order = (orderId: string): OutboxEvent => catalogEvent('OrderPlaced', topic, { orderId }, uniqueName('corr'));

  const toMessage = async (event: OutboxEvent): Promise<Message> => ({
    key: event.key,
    value: await serde.encode(topic, event.eventType, event.value),
    headers: { [Headers.EVENT_ID]: event.value.envelope.eventId, [Headers.EVENT_TYPE]: event.eventType },
  });

  const effects = async () =>
    (await t.pool.query<{ event_id: string; n: number }>(`SELECT event_id, count(*)::int AS n FROM ${SCHEMA}.effects GROUP BY event_id`)).rows;

  beforeAll(async () => {
    kafka = testKafka();
    producer = kafka.producer();
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
  });

  beforeEach(async () => {
    t = await migratedDatabase('consumer');
    await t.pool.query(EFFECTS_DDL(SCHEMA));
    topic = testTopic(ORDERS);
    group = uniqueName('group');
    await createTopics(kafka, [topic], 3);
  });

  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    await Promise.all(runners.splice(0).map((r) => r.stop()));
    await t.close();
    await deleteTopics(kafka, [topic]);
  });

  it('applies a redelivered event, and a redelivered batch, only once', async () => {
    const reg = registry();
    const events = Array.from({ length: 20 }, (_, i) => order(`order-${i % 4}`));
    const messages = await Promise.all(events.map(toMessage));
    await producer.send({ topic, messages });
    await producer.send({ topic, messages: [messages[3]!] });
    await runner(effectsHandler(SCHEMA, 'a'), { registry: reg }).start();
    await waitFor(async () => (await effects()).length === 20);
    // The whole batch again, after it was applied and committed.
    await producer.send({ topic, messages });
    await waitFor(async () => /messaging_dedup_hits_total\{[^}]*\} 21/.test(await reg.metrics()));
    const rows = await effects();
    expect(rows).toHaveLength(20);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    const inbox = await t.pool.query(`SELECT count(*)::int AS n FROM ${SCHEMA}.inbox WHERE consumer_group = $1`, [group]);
    expect(inbox.rows[0].n).toBe(20);
  });

  it('retries a transient failure with backoff and applies the event once', async () => {
    const reg = registry();
    let failures = 0;
    const apply = effectsHandler(SCHEMA, 'a');
    await producer.send({ topic, messages: [await toMessage(order('order-flaky'))] });
    await runner(
      async (ctx) => {
        await apply(ctx);
        if (failures++ < 2) throw new Error('database deadlock, try again');
      },
      { registry: reg },
    ).start();
    await waitFor(async () => (await effects()).length === 1);
    expect((await effects())[0]!.n).toBe(1);
    expect(await reg.metrics()).toMatch(/messaging_retries_total\{[^}]*\} 2/);
  });

  it('dead-letters poison messages with error headers, moves on, and applies them once after a replay', async () => {
    const reg = registry();
    const { logger, lines } = capturingLogger();
    const before = order('order-poison');
    const poison = order('order-poison');
    const after = order('order-poison');
    let rejected = poison.value.envelope.eventId;
    const apply = effectsHandler(SCHEMA, 'a');
    const handler: EventHandler = async (ctx) => {
      if (ctx.event.envelope.eventId === rejected) throw new NonRetryableError('unknown SKU in order', 'VALIDATION');
      await apply(ctx);
    };
    // Same key, so all on one partition: the ones around the poison must still be applied.
    const garbage: Message = { key: 'order-poison', value: Buffer.from('not avro at all'), headers: { [Headers.EVENT_ID]: 'garbage' } };
    await producer.send({ topic, messages: [await toMessage(before), garbage, await toMessage(poison), await toMessage(after)] });
    await runner(handler, { registry: reg, logger }).start();
    const dlq = `${topic}.dlq.${group}`;
    const dead = await readMessages(kafka, dlq, 2, 15_000);
    expect(dead).toHaveLength(2);
    const [decodeFailure, validationFailure] = dead.sort((a, b) => Number(a.offset) - Number(b.offset));
    expect(decodeFailure!.value!.toString()).toBe('not avro at all');
    expect(headerString(decodeFailure!.headers, Headers.DLQ_ERROR_CLASS)).toBe('DecodeError');
    expect(headerString(decodeFailure!.headers, Headers.DLQ_ERROR_CODE)).toBe('BAD_MAGIC_BYTE');
    expect(headerString(validationFailure!.headers, Headers.DLQ_ERROR_CLASS)).toBe('NonRetryableError');
    expect(headerString(validationFailure!.headers, Headers.DLQ_ERROR_MESSAGE)).toBe('unknown SKU in order');
    expect(headerString(validationFailure!.headers, Headers.DLQ_ATTEMPTS)).toBe('1');
    expect(headerString(validationFailure!.headers, Headers.DLQ_ORIGINAL_TOPIC)).toBe(topic);
    expect(headerString(validationFailure!.headers, Headers.DLQ_ORIGINAL_OFFSET)).toBe('2');
    expect(headerString(validationFailure!.headers, Headers.DLQ_FAILED_AT)).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(headerString(validationFailure!.headers, Headers.EVENT_ID)).toBe(poison.value.envelope.eventId);
    await waitFor(async () => (await effects()).length === 2);
    expect(await reg.metrics()).toMatch(/messaging_dlq_total\{[^}]*error_class="NonRetryableError"[^}]*\} 1/);
    expect(lines().some((l) => l.message === 'message dead-lettered' && l.level === 'error')).toBe(true);

    // The CLI reads the same DLQ; a dry run reports without producing.
    const printed: string[] = [];
    await buildCommand((line) => printed.push(line))
      .exitOverride()
      .parseAsync(['node', 'replay-dlq', '--brokers', process.env.KAFKA_BROKERS!, '--topic', topic, '--group', group, '--key', 'order-poison', '--dry-run']);
    expect(JSON.parse(printed[0]!)).toMatchObject({ dlqTopic: dlq, scanned: 2, matched: 2, replayed: 0, dryRun: true });

    // The cause is fixed; replay only the validation failure, twice: the inbox applies it once.
    rejected = '';
    for (let i = 0; i < 2; i++) {
      const report = await replayDeadLetters({ kafka, dlqTopic: dlq, filter: { error: 'unknown sku' } });
      expect(report).toMatchObject({ scanned: 2, matched: 1, replayed: 1, byTopic: { [topic]: 1 } });
      expect(report.items[0]).toMatchObject({ originalOffset: '2', errorClass: 'NonRetryableError' });
    }
    await waitFor(async () => (await effects()).length === 3);
    await waitFor(async () => /messaging_dedup_hits_total\{[^}]*\} 1/.test(await reg.metrics()));
    const rows = await effects();
    expect(rows.map((r) => r.event_id).sort()).toEqual(
      [before, poison, after].map((e) => e.value.envelope.eventId).sort(),
    );
    expect(rows.every((r) => r.n === 1)).toBe(true);
  });

  describe('beforeCommit hook', () => {
    interface HookCall {
      partition: number;
      offsets: number[];
      eventIds: string[];
    }
    const noop: EventHandler = async () => undefined;
    /** Writes the effects of a whole transaction with one statement, then lets `check` veto it. */
    const batchEffects = (calls: HookCall[], check: (eventIds: string[]) => void = () => undefined): BeforeCommit =>
      async (tx, items) => {
        const eventIds = items.map((i) => i.event.envelope.eventId);
        calls.push({ partition: items[0]!.message.partition, offsets: items.map((i) => Number(i.message.offset)), eventIds });
        expect(new Set(items.map((i) => i.message.partition)).size).toBe(1);
        await tx.query(
          `INSERT INTO ${SCHEMA}.effects (event_id, order_id, worker) SELECT e, o, 'hook' FROM unnest($1::text[], $2::text[]) AS t(e, o)`,
          [eventIds, items.map((i) => String(i.event.value.orderId))],
        );
        check(eventIds);
      };

    it('runs once per transaction with its messages in order, and a redelivery after a crash has one effect', async () => {
      const events = Array.from({ length: 30 }, (_, i) => order(`order-${i % 6}`));
      await producer.send({ topic, messages: await Promise.all(events.map(toMessage)) });
      const calls: HookCall[] = [];
      const first = runner(noop, { beforeCommit: batchEffects(calls) });
      await first.start();
      await waitFor(async () => (await effects()).length === 30);
      expect((await effects()).every((r) => r.n === 1)).toBe(true);
      expect(calls.reduce((n, c) => n + c.eventIds.length, 0)).toBe(30);
      expect(calls.length).toBeLessThan(30);
      for (const call of calls) expect(call.offsets).toEqual([...call.offsets].sort((a, b) => a - b));

      // As if the consumer died after COMMIT but before its offsets reached Kafka: everything is redelivered.
      await first.stop();
      const admin = kafka.admin();
      await admin.connect();
      await admin.resetOffsets({ groupId: group, topic, earliest: true }).finally(() => admin.disconnect());
      const reg = registry();
      const again: HookCall[] = [];
      await runner(noop, { beforeCommit: batchEffects(again), registry: reg }).start();
      await waitFor(async () => /messaging_dedup_hits_total\{[^}]*\} 30/.test(await reg.metrics()));
      expect(again).toEqual([]);
      const rows = await effects();
      expect(rows).toHaveLength(30);
      expect(rows.every((r) => r.n === 1)).toBe(true);
    });

    it('isolates a message that makes the hook fail: it is dead-lettered alone, the others are applied once', async () => {
      // One key, so one partition and, fetched together, one transaction.
      const events = Array.from({ length: 10 }, () => order('order-batch'));
      const poison = events[4]!.value.envelope.eventId;
      await producer.send({ topic, messages: await Promise.all(events.map(toMessage)) });
      const calls: HookCall[] = [];
      const reg = registry();
      const { logger, lines } = capturingLogger();
      await runner(noop, {
        registry: reg,
        logger,
        beforeCommit: batchEffects(calls, (ids) => {
          if (ids.includes(poison)) throw new NonRetryableError('order refused by the batch write', 'VALIDATION');
        }),
      }).start();
      const dead = await readMessages(kafka, `${topic}.dlq.${group}`, 1, 15_000);
      expect(dead.map((m) => headerString(m.headers, Headers.EVENT_ID))).toEqual([poison]);
      expect(headerString(dead[0]!.headers, Headers.DLQ_ERROR_MESSAGE)).toBe('order refused by the batch write');
      await waitFor(async () => (await effects()).length === 9);
      const rows = await effects();
      expect(rows.every((r) => r.n === 1)).toBe(true);
      expect(rows.map((r) => r.event_id)).not.toContain(poison);
      // The batch containing the poison failed as a whole before the messages went one by one.
      expect(calls.some((c) => c.eventIds.length > 1 && c.eventIds.includes(poison))).toBe(true);
      expect(calls.filter((c) => c.eventIds.length === 1 && c.eventIds[0] === poison)).toHaveLength(1);
      expect(lines().some((l) => l.message === 'transaction failed after its handlers; applying its messages one per transaction')).toBe(true);
      expect(await reg.metrics()).toMatch(/messaging_dlq_total\{[^}]*\} 1/);
    });
  });

  it('applies every event exactly once across a rebalance and a graceful stop', async () => {
    const total = 200;
    const events = Array.from({ length: total }, (_, i) => order(`order-${i % 12}`));
    let applied = 0;
    const counting = (name: string): EventHandler => {
      const apply = effectsHandler(SCHEMA, name);
      return async (ctx) => {
        await apply(ctx);
        applied += 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
      };
    };
    const first = runner(counting('first'), { transactionBatchSize: 5 });
    await first.start();
    await producer.send({ topic, messages: await Promise.all(events.map(toMessage)) });
    await waitFor(async () => applied >= 40);
    await runner(counting('second'), { transactionBatchSize: 5 }).start();
    await waitFor(async () => applied >= 100);
    await first.stop();
    await waitFor(async () => (await effects()).length === total, 30_000, 100);
    const rows = await effects();
    expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    const byWorker = await t.pool.query(`SELECT worker, count(*)::int AS n FROM ${SCHEMA}.effects GROUP BY worker ORDER BY worker`);
    expect(byWorker.rows.map((r) => r.worker)).toEqual(['first', 'second']);
  });

  it('applies every event exactly once when one consumer of a group of three is killed mid-batch', async () => {
    await deleteTopics(kafka, [topic]);
    await createTopics(kafka, [topic], 6);
    const total = 300;
    const events = Array.from({ length: total }, (_, i) => order(`order-${i % 24}`));
    await producer.send({ topic, messages: await Promise.all(events.map(toMessage)) });

    const worker = path.join(__dirname, 'fixtures', 'consumer-worker.ts');
    const victim = spawn(process.execPath, ['--import', 'tsx', worker, topic, group, SCHEMA, 'victim'], {
      cwd: path.resolve(__dirname, '../../..'),
      env: { ...process.env, WORKER_DATABASE_URL: t.db.url },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(victim);
    let victimApplied = 0;
    let othersStarted = false;
    let startOthers: () => void = () => {};
    const victimWorking = new Promise<void>((resolve) => (startOthers = resolve));
    const killed = new Promise<void>((resolve) => {
      victim.stdout!.on('data', (chunk: Buffer) => {
        victimApplied += chunk.toString().split('\n').filter((l) => l === 'applied').length;
        if (victimApplied >= 1) startOthers();
        // Killed while it still owns partitions and is in the middle of a batch.
        if (othersStarted && victimApplied >= 40 && victim.exitCode === null && !victim.killed) {
          victim.kill('SIGKILL');
          resolve();
        }
      });
    });
    await victimWorking;
    const slow = (name: string): EventHandler => {
      const apply = effectsHandler(SCHEMA, name);
      return async (ctx) => {
        await apply(ctx);
        await new Promise((resolve) => setTimeout(resolve, 10));
      };
    };
    await Promise.all(['a', 'b'].map((name) => runner(slow(name), { transactionBatchSize: 5 }).start()));
    othersStarted = true;
    await killed;
    await waitFor(async () => (await effects()).length === total, 40_000, 200);
    const rows = await effects();
    expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    expect(rows).toHaveLength(total);
    const byWorker = await t.pool.query(`SELECT worker, count(*)::int AS n FROM ${SCHEMA}.effects GROUP BY worker`);
    expect(byWorker.rows.find((r) => r.worker === 'victim')?.n ?? 0).toBeGreaterThanOrEqual(30);
  }, 60_000);
});
