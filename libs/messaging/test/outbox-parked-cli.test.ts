import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { uniqueName } from '@retail-backbone/devstack';
import type { Kafka } from 'kafkajs';
import { buildCommand } from '../src/cli/outbox-parked';
import { Headers, headerString } from '../src/headers';
import { OutboxRelay } from '../src/outbox/relay';
import { recordEvents } from '../src/outbox/record';
import { avroSerde, capturingLogger, catalogEvent, createTopics, deleteTopics, inTx, migratedDatabase, readMessages, registry, SCHEMA, testKafka, testTopic, waitFor, type TestDb } from './helpers';

const ORDERS = 'retail.orders.v1';

describe('outbox-parked CLI', () => {
  let t: TestDb;
  let kafka: Kafka;
  let topic: string;
  let relay: OutboxRelay | undefined;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-parked-'));

  /** Runs the CLI; resolves with its JSON output, or rejects with commander's error (exit code 1). */
  const cli = async (...args: string[]): Promise<unknown> => {
    const out: string[] = [];
    const command = buildCommand({ write: (line) => out.push(line), serde: avroSerde() });
    command.exitOverride().configureOutput({ writeErr: () => undefined });
    for (const sub of command.commands) sub.exitOverride().configureOutput({ writeErr: () => undefined });
    try {
      await command.parseAsync(['node', 'outbox-parked', ...args, '--database-url', t.db.url, '--schema', SCHEMA]);
    } catch (error) {
      throw Object.assign(error as Error, { output: out.join('\n') });
    }
    return JSON.parse(out.join('\n'));
  };

  const order = (orderId: string, currency = 'EUR') => {
    const event = catalogEvent('OrderPlaced', topic, { orderId }, uniqueName('corr'));
    (event.value as Record<string, unknown>).currency = currency;
    return event;
  };
  const parkedIds = async () =>
    (await t.pool.query<{ id: string }>(`SELECT id FROM ${SCHEMA}.outbox WHERE published_at IS NULL AND retry_at IS NOT NULL ORDER BY id`)).rows.map((r) => String(r.id));
  const idOf = async (eventId: string) => String((await t.pool.query(`SELECT id FROM ${SCHEMA}.outbox WHERE event_id = $1`, [eventId])).rows[0].id);
  const published = async (eventId: string) => (await t.pool.query(`SELECT published_at FROM ${SCHEMA}.outbox WHERE event_id = $1`, [eventId])).rows[0]?.published_at != null;

  beforeAll(() => {
    kafka = testKafka();
  });

  beforeEach(async () => {
    t = await migratedDatabase('parked');
    topic = testTopic(ORDERS);
    await createTopics(kafka, [topic], 3);
  });

  afterEach(async () => {
    await relay?.stop();
    relay = undefined;
    await t.close();
    await deleteTopics(kafka, [topic]);
  });

  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const startRelay = async () => {
    relay = new OutboxRelay({ pool: t.pool, schema: SCHEMA, kafka, serde: avroSerde(), producerName: 'test', pollIntervalMs: 100, leaseMs: 3_000, logger: capturingLogger().logger, registry: registry() });
    await relay.start();
  };

  it('lists a row that failed to encode, keeps it parked on release while it still fails, and publishes its key in order once fixed', async () => {
    const bad = order('order-a', 'euros');
    const after = order('order-a');
    const good = order('order-c');
    await inTx(t.pool, (tx) => recordEvents(tx, [bad, after, good], { schema: SCHEMA }));
    await startRelay();
    await waitFor(async () => (await parkedIds()).length === 1 && (await published(good.value.envelope.eventId)));
    const id = await idOf(bad.value.envelope.eventId);

    const listed = (await cli('list')) as Array<Record<string, unknown>>;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id, messageKey: 'order-a', eventId: bad.value.envelope.eventId, eventType: 'OrderPlaced', heldBack: 1 });
    expect(String(listed[0]!.lastError)).toMatch(/EventValidationError/);

    const shown = (await cli('show', '--id', id)) as { payload: Record<string, unknown> };
    expect(shown.payload.currency).toBe('euros');

    const refused = await cli('release', '--id', id).catch((error: Error & { output: string; exitCode?: number }) => error);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as { exitCode?: number }).exitCode).toBe(1);
    expect(JSON.parse((refused as { output: string }).output)).toMatchObject({ released: [], stillFailing: [{ id }] });
    expect(await parkedIds()).toEqual([id]);

    const renamed = path.join(tmp, 'renamed.json');
    fs.writeFileSync(renamed, JSON.stringify({ ...shown.payload, currency: 'EUR', envelope: { ...(shown.payload.envelope as object), eventId: 'another' } }));
    await expect(cli('fix', '--id', id, '--payload-file', renamed)).rejects.toThrow(/eventId must stay/);
    const stillBad = path.join(tmp, 'still-bad.json');
    fs.writeFileSync(stillBad, JSON.stringify({ ...shown.payload, currency: 'dollars' }));
    await expect(cli('fix', '--id', id, '--payload-file', stillBad)).rejects.toThrow(/does not encode with the current schema/);

    const fixed = path.join(tmp, 'fixed.json');
    fs.writeFileSync(fixed, JSON.stringify({ ...shown.payload, currency: 'EUR' }));
    expect(await cli('fix', '--id', id, '--payload-file', fixed)).toEqual({ fixed: id });
    await waitFor(async () => (await published(bad.value.envelope.eventId)) && (await published(after.value.envelope.eventId)));
    const messages = await readMessages(kafka, topic, 3, 20_000);
    const keyA = messages.filter((m) => m.key!.toString() === 'order-a').sort((a, b) => Number(a.offset) - Number(b.offset));
    expect(keyA.map((m) => headerString(m.headers, Headers.EVENT_ID))).toEqual([bad.value.envelope.eventId, after.value.envelope.eventId]);
    expect(await cli('list')).toEqual([]);
  });

  it('drops a parked row with its reason, which unblocks its key; releases a row the broker refused without changing it', async () => {
    const doomed = order('order-b', 'euros');
    const behind = order('order-b');
    const refusedOnce = order('order-d');
    await inTx(t.pool, (tx) => recordEvents(tx, [doomed, behind, refusedOnce], { schema: SCHEMA }));
    // The state the relay leaves after the broker refused a row at send time (see relay.ts send()).
    await t.pool.query(`UPDATE ${SCHEMA}.outbox SET attempts = 1, retry_at = now() + interval '1 hour', last_error = 'KafkaJSProtocolError: The request included a message larger than the max message size the server will accept' WHERE event_id = $1`, [
      refusedOnce.value.envelope.eventId,
    ]);
    await startRelay();
    await waitFor(async () => (await parkedIds()).length === 2);
    const doomedId = await idOf(doomed.value.envelope.eventId);
    const refusedId = await idOf(refusedOnce.value.envelope.eventId);

    await expect(cli('drop', '--id', doomedId)).rejects.toThrow(/--reason/);
    await expect(cli('drop', '--id', 'ten', '--reason', 'x')).rejects.toThrow(/positive integer/);
    expect(await cli('drop', '--id', doomedId, '--reason', 'test order, never real', '--by', 'ops')).toEqual({ dropped: doomedId });
    await expect(cli('drop', '--id', doomedId, '--reason', 'again')).rejects.toThrow(/not parked/);
    const dropped = (await cli('dropped')) as Array<Record<string, unknown>>;
    expect(dropped).toEqual([expect.objectContaining({ id: doomedId, messageKey: 'order-b', eventId: doomed.value.envelope.eventId, reason: 'test order, never real', droppedBy: 'ops' })]);
    await waitFor(() => published(behind.value.envelope.eventId));

    await expect(cli('release')).rejects.toThrow(/--id, --key or --topic/);
    expect(await cli('release', '--key', 'order-d')).toEqual({ released: [refusedId], stillFailing: [] });
    await waitFor(() => published(refusedOnce.value.envelope.eventId));
    const messages = await readMessages(kafka, topic, 2, 20_000);
    expect(messages.map((m) => headerString(m.headers, Headers.EVENT_ID)).sort()).toEqual([behind.value.envelope.eventId, refusedOnce.value.envelope.eventId].sort());
  });
});
