import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type RunningBroker } from '../src';
import { conformanceSuite, consumeAll, uniqueName, waitFor } from './conformance';
import { int16, int32, RawClient, str } from './rawClient';

describe('dev broker: Kafka conformance through kafkajs', () => {
  let broker: RunningBroker;
  beforeAll(async () => {
    broker = await startBroker({ port: 0, logLevel: (process.env.DEV_KAFKA_TEST_LOG as 'info' | undefined) ?? 'silent' });
  });
  afterAll(() => broker.stop());
  conformanceSuite(() => broker.bootstrap);
});

describe('dev broker: behaviour specific to this broker', () => {
  let broker: RunningBroker;
  let kafka: Kafka;
  beforeAll(async () => {
    broker = await startBroker({ port: 0, logLevel: 'silent' });
    kafka = new Kafka({ clientId: 'dev-specific', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  });
  afterAll(() => broker.stop());

  test('a malformed or oversized frame closes only that connection, with a JSON log line', async () => {
    const logged = await startBroker({ port: 0, logLevel: 'warn' });
    const lines: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const healthy = await RawClient.connect(logged.bootstrap);
    const negative = await RawClient.connect(logged.bootstrap);
    const huge = await RawClient.connect(logged.bootstrap);
    const garbage = await RawClient.connect(logged.bootstrap);
    try {
      negative.socket.write(int32(-5));
      huge.socket.write(int32(200 * 1024 * 1024));
      // A Metadata v6 header whose topic array claims more entries than the frame holds.
      const body = Buffer.concat([int16(3), int16(6), int32(1), str('x'), int32(1000)]);
      garbage.socket.write(Buffer.concat([int32(body.length), body]));
      await Promise.all([negative.closed, huge.closed, garbage.closed]);
      const answer = await healthy.request(18, 0, Buffer.alloc(0));
      expect(answer.readInt16BE(0)).toBe(0);
      const entries = lines.flatMap((l) => l.split('\n')).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(entries.filter((l) => l.msg === 'closing connection').map((l) => l.reason)).toEqual(
        expect.arrayContaining(['invalid frame size', 'malformed request']),
      );
    } finally {
      spy.mockRestore();
      healthy.close();
      await logged.stop();
    }
  });

  test('serves many concurrent connections', async () => {
    const clients = await Promise.all(Array.from({ length: 200 }, () => RawClient.connect(broker.bootstrap)));
    try {
      const answers = await Promise.all(clients.map((c) => c.request(18, 2, Buffer.alloc(0))));
      expect(answers.every((a) => a.readInt16BE(0) === 0)).toBe(true);
    } finally {
      for (const c of clients) c.close();
    }
  });

  test('unsupported API versions answer error 35 and the connection keeps serving', async () => {
    const raw = await RawClient.connect(broker.bootstrap);
    try {
      const apiVersions = await raw.request(18, 9, Buffer.alloc(0));
      expect(apiVersions.readInt16BE(0)).toBe(35);
      expect(apiVersions.readInt32BE(2)).toBeGreaterThan(10); // the supported list, to retry with
      const metadata = await raw.request(3, 99, Buffer.alloc(0));
      expect(metadata.readInt16BE(0)).toBe(35);
      const retried = await raw.request(18, 0, Buffer.alloc(0));
      expect(retried.readInt16BE(0)).toBe(0);
    } finally {
      raw.close();
    }
  });

  test('a transactional producer is refused at once with TRANSACTIONAL_ID_AUTHORIZATION_FAILED', async () => {
    const producer = kafka.producer({ transactionalId: uniqueName('tx'), idempotent: true, maxInFlightRequests: 1, retry: { retries: 1, initialRetryTime: 50 } });
    const started = Date.now();
    try {
      await producer.connect();
      // kafkajs asks for its transactional producer id when the first transaction starts.
      await expect(producer.transaction()).rejects.toMatchObject({ type: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED' });
    } finally {
      await producer.disconnect();
    }
    expect(Date.now() - started).toBeLessThan(30_000); // refused, not timed out
  });

  test('Produce v2 is answered with UNSUPPORTED_VERSION per partition on an open connection', async () => {
    const raw = await RawClient.connect(broker.bootstrap);
    try {
      const body = Buffer.concat([int16(1), int32(5000), int32(1), str('p2'), int32(1), int32(0), int32(0)]);
      const answer = await raw.request(0, 2, body);
      // topics[1]: name "p2", partitions[1]: partition 0, then the error code.
      expect(answer.readInt16BE(4 + 2 + 2 + 4 + 4)).toBe(35);
      expect((await raw.request(18, 0, Buffer.alloc(0))).readInt16BE(0)).toBe(0);
    } finally {
      raw.close();
    }
  });

  test('compacted topics keep the latest value per key and tombstones', async () => {
    const topic = uniqueName('compact');
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer();
    await producer.connect();
    try {
      await admin.createTopics({
        topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
      });
      await producer.send({ topic, messages: [{ key: 'a', value: 'a1' }, { key: 'b', value: 'b1' }] });
      await producer.send({ topic, messages: [{ key: 'a', value: 'a2' }, { key: 'b', value: null }, { key: 'c', value: 'c1' }] });
      // The cleaner runs in the background: read again until the superseded values are gone.
      let seen = await consumeAll(kafka, topic, 3);
      await waitFor(
        async () => {
          if (seen[0]?.offset === '2') return true;
          seen = await consumeAll(kafka, topic, 3);
          return false;
        },
        15_000,
        'compaction',
      );
      expect(seen.map((m) => [m.offset, m.key!.toString(), m.value?.toString() ?? null])).toEqual([
        ['2', 'a', 'a2'],
        ['3', 'b', null],
        ['4', 'c', 'c1'],
      ]);
      const [p0] = await admin.fetchTopicOffsets(topic);
      expect(p0!.high).toBe('5');
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });

  test('retention.bytes drops the oldest batches', async () => {
    const topic = uniqueName('retention');
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer();
    await producer.connect();
    try {
      await admin.createTopics({
        topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'retention.bytes', value: '300' }] }],
      });
      for (let i = 0; i < 5; i++) await producer.send({ topic, messages: [{ value: 'x'.repeat(100) }] });
      // Retention runs periodically: it may pass once between two sends, so wait for the final state.
      await waitFor(async () => Number((await admin.fetchTopicOffsets(topic))[0]!.low) >= 3, 15_000, 'retention');
      const [p0] = await admin.fetchTopicOffsets(topic);
      expect(Number(p0!.low)).toBeGreaterThanOrEqual(3);
      expect(p0!.high).toBe('5');
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });

  test('without auto-creation unknown topics are reported, not created', async () => {
    const strict = await startBroker({ port: 0, autoCreateTopics: false, logLevel: 'silent' });
    const admin = new Kafka({ brokers: [strict.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
    try {
      await admin.connect();
      await expect(admin.fetchTopicMetadata({ topics: ['nope'] })).rejects.toThrow(/does not host this topic-partition/);
      expect(await admin.listTopics()).toEqual([]);
    } finally {
      await admin.disconnect();
      await strict.stop();
    }
  });
});

describe('dev broker: persistence with a data dir', () => {
  test('topics, records and committed offsets survive a restart', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dev-kafka-'));
    const topic = 'persisted';
    const groupId = 'persisted-g';
    try {
      let broker = await startBroker({ port: 0, dataDir, logLevel: 'silent' });
      let kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '-1' }] }] });
      await admin.disconnect();
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
      await producer.disconnect();
      expect(await consumeAll(kafka, topic, 10, groupId)).toHaveLength(10);
      await broker.stop();

      broker = await startBroker({ port: 0, dataDir, logLevel: 'silent' });
      kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
      try {
        const admin2 = kafka.admin();
        await admin2.connect();
        const meta = await admin2.fetchTopicMetadata({ topics: [topic] });
        expect(meta.topics[0]!.partitions).toHaveLength(2);
        const [committed] = await admin2.fetchOffsets({ groupId, topics: [topic] });
        const offsets = await admin2.fetchTopicOffsets(topic);
        expect(committed!.partitions.map((p) => p.offset).sort()).toEqual(offsets.map((o) => o.high).sort());
        const configs = await admin2.describeConfigs({ resources: [{ type: 2, name: topic }], includeSynonyms: false });
        expect(configs.resources[0]!.configEntries.find((e) => e.configName === 'retention.ms')!.configValue).toBe('-1');
        await admin2.disconnect();

        const again = await consumeAll(kafka, topic, 10);
        expect(again.map((m) => m.value!.toString()).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `v${i}`).sort());
        const producer2 = kafka.producer();
        await producer2.connect();
        await producer2.send({ topic, messages: [{ key: 'new', value: 'after-restart', partition: 0 }] });
        await producer2.disconnect();
        const resumed = await consumeAll(kafka, topic, 1, groupId);
        expect(resumed.map((m) => m.value!.toString())).toEqual(['after-restart']);
        expect(Number(resumed[0]!.offset)).toBe(Number(offsets.find((o) => o.partition === 0)!.high));
      } finally {
        await broker.stop();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
