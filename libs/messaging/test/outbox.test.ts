import { uniqueName } from '@retail-backbone/devstack';
import type { Kafka } from 'kafkajs';
import { Headers, headerString } from '../src/headers';
import { OutboxRelay, type RelayOptions } from '../src/outbox/relay';
import { recordEvent, recordEvents } from '../src/outbox/record';
import {
  avroSerde,
  capturingLogger,
  catalogEvent,
  createTopics,
  deleteTopics,
  inTx,
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

describe('outbox relay', () => {
  let t: TestDb;
  let kafka: Kafka;
  let topic: string;
  const relays: OutboxRelay[] = [];

  const relay = (overrides: Partial<RelayOptions> = {}) => {
    const r = new OutboxRelay({
      pool: t.pool,
      schema: SCHEMA,
      kafka,
      serde: avroSerde(),
      producerName: 'test',
      pollIntervalMs: 200,
      leaseMs: 3_000,
      logger: capturingLogger().logger,
      registry: registry(),
      ...overrides,
    });
    relays.push(r);
    return r;
  };

  const orderPlaced = (orderId: string, correlationId = uniqueName('corr')) =>
    catalogEvent('OrderPlaced', topic, { orderId }, correlationId);

  const pendingCount = async () =>
    Number((await t.pool.query(`SELECT count(*) FROM ${SCHEMA}.outbox WHERE published_at IS NULL`)).rows[0].count);

  beforeAll(async () => {
    kafka = testKafka();
  });

  beforeEach(async () => {
    t = await migratedDatabase('outbox');
    topic = testTopic(ORDERS);
    await createTopics(kafka, [topic], 3);
  });

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
    await t.close();
    await deleteTopics(kafka, [topic]);
  });

  it('publishes rows committed while no relay ran (a crash after commit) exactly once, and never rolled-back ones', async () => {
    await inTx(t.pool, async (tx) => {
      await tx.query(`CREATE TABLE ${SCHEMA}.orders (id text PRIMARY KEY)`);
    });
    const committed = Array.from({ length: 30 }, (_, i) => orderPlaced(`order-${i % 5}-${i}`));
    for (const event of committed) {
      await inTx(t.pool, async (tx) => {
        await tx.query(`INSERT INTO ${SCHEMA}.orders VALUES ($1)`, [event.key]);
        await recordEvent(tx, event, { schema: SCHEMA });
      });
    }
    const rolledBack = orderPlaced('never');
    await expect(
      inTx(t.pool, async (tx) => {
        await recordEvent(tx, rolledBack, { schema: SCHEMA });
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');

    expect(await pendingCount()).toBe(30);
    await relay().start();
    await waitFor(async () => (await pendingCount()) === 0);
    const messages = await readMessages(kafka, topic, 31, 3_000);
    const ids = messages.map((m) => headerString(m.headers, Headers.EVENT_ID));
    expect(ids.sort()).toEqual(committed.map((e) => e.value.envelope.eventId).sort());
    expect(messages.every((m) => headerString(m.headers, Headers.EVENT_TYPE) === 'OrderPlaced')).toBe(true);
  });

  it('keeps per-key order across three relay instances sharing the lanes, publishing each row once', async () => {
    const keys = Array.from({ length: 12 }, (_, i) => `order-k${i}`);
    await Promise.all([relay({ batchSize: 20 }), relay({ batchSize: 20 }), relay({ batchSize: 20 })].map((r) => r.start()));
    const written: string[] = [];
    // Writers run concurrently with the relays; each transaction carries one event per key.
    for (let round = 0; round < 10; round++) {
      const events = keys.map((key) => orderPlaced(key));
      await inTx(t.pool, (tx) => recordEvents(tx, events, { schema: SCHEMA }));
      written.push(...events.map((e) => e.value.envelope.eventId));
    }
    await waitFor(async () => (await pendingCount()) === 0);
    const lanes = relays.map((r) => r.ownedLanes().length);
    expect(lanes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(64);
    const messages = await readMessages(kafka, topic, written.length, 10_000);
    expect(messages).toHaveLength(written.length);
    const order = new Map(written.map((id, i) => [id, i]));
    const byKey = new Map<string, number[]>();
    for (const m of messages.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset))) {
      const key = m.key!.toString();
      byKey.set(key, [...(byKey.get(key) ?? []), order.get(headerString(m.headers, Headers.EVENT_ID)!)!]);
    }
    for (const sequence of byKey.values()) expect(sequence).toEqual([...sequence].sort((a, b) => a - b));
  });

  it('does not publish rows of a transaction that started after a still-running writer until that writer ends', async () => {
    const r = relay();
    await r.start();
    const early = await t.pool.connect();
    await early.query('BEGIN');
    await recordEvent(early, orderPlaced('order-early'), { schema: SCHEMA });
    const late = orderPlaced('order-late');
    await inTx(t.pool, (tx) => recordEvent(tx, late, { schema: SCHEMA }));
    // What is asserted is an absence, so time is the condition: 600 ms is three of the relay's
    // 200 ms polls (plus the NOTIFY the late commit sent), each of which would have published it.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await pendingCount()).toBe(1);
    await early.query('COMMIT');
    early.release();
    await waitFor(async () => (await pendingCount()) === 0);
  });

  it('blocks only the key of a row that cannot be encoded, and reports it', async () => {
    const reg = registry();
    const { logger, lines } = capturingLogger();
    const bad = orderPlaced('order-bad');
    (bad.value as Record<string, unknown>).currency = 'euros';
    const afterBad = orderPlaced('order-bad');
    const others = [orderPlaced('order-good-1'), orderPlaced('order-good-2')];
    await inTx(t.pool, (tx) => recordEvents(tx, [bad, afterBad, ...others], { schema: SCHEMA }));
    await relay({ registry: reg, logger }).start();
    await waitFor(async () => (await pendingCount()) === 2);
    const messages = await readMessages(kafka, topic, 2, 5_000);
    expect(messages.map((m) => m.key!.toString()).sort()).toEqual(['order-good-1', 'order-good-2']);
    const blocked = await t.pool.query(`SELECT event_id, attempts, last_error, retry_at FROM ${SCHEMA}.outbox WHERE published_at IS NULL ORDER BY id`);
    expect(blocked.rows[0]).toMatchObject({ event_id: bad.value.envelope.eventId, attempts: 1 });
    expect(blocked.rows[0].last_error).toMatch(/EventValidationError/);
    expect(blocked.rows[1]).toMatchObject({ event_id: afterBad.value.envelope.eventId, attempts: 0, retry_at: null });
    const metrics = await reg.metrics();
    expect(metrics).toMatch(/outbox_poison_total\{[^}]*event_type="OrderPlaced"[^}]*\} 1/);
    expect(metrics).toMatch(/outbox_backlog\{[^}]*schema="svc"[^}]*\} 2/);
    expect(metrics).toMatch(/outbox_blocked_rows\{[^}]*\} 1/);
    expect(lines().some((l) => l.message === 'outbox row cannot be encoded; its key is parked' && l.level === 'error')).toBe(true);

    // An operator repairs the row: the key resumes, in order.
    await t.pool.query(
      `UPDATE ${SCHEMA}.outbox SET payload = jsonb_set(payload, '{currency}', '"EUR"'), retry_at = now() WHERE event_id = $1`,
      [bad.value.envelope.eventId],
    );
    await waitFor(async () => (await pendingCount()) === 0);
    const all = await readMessages(kafka, topic, 4, 5_000);
    const badKey = all.filter((m) => m.key!.toString() === 'order-bad').sort((a, b) => Number(a.offset) - Number(b.offset));
    expect(badKey.map((m) => headerString(m.headers, Headers.EVENT_ID))).toEqual([bad.value.envelope.eventId, afterBad.value.envelope.eventId]);
  });

  it('deletes published rows after the retention period', async () => {
    await inTx(t.pool, (tx) => recordEvents(tx, [orderPlaced('order-r1'), orderPlaced('order-r2')], { schema: SCHEMA }));
    await relay({ retentionMs: 1, cleanupIntervalMs: 100 }).start();
    await waitFor(async () => Number((await t.pool.query(`SELECT count(*) FROM ${SCHEMA}.outbox`)).rows[0].count) === 0);
    expect(await readMessages(kafka, topic, 2, 5_000)).toHaveLength(2);
  });
});
