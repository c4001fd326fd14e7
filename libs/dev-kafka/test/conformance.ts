import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { CompressionTypes, Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import { int32, parseProduceResponse, produceBody, RawClient, recordBatch, str } from './rawClient';

// A short maxWait keeps disconnect() from waiting on a long poll.
const CONSUMER_TIMING = { sessionTimeout: 6000, rebalanceTimeout: 10000, heartbeatInterval: 500, maxWaitTimeInMs: 200 };

let unique = 0;
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${unique++}`;
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Consumes from the beginning until `count` messages arrived, then disconnects. */
export async function consumeAll(kafka: Kafka, topic: string, count: number, groupId = uniqueName('g')): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId, ...CONSUMER_TIMING });
  const seen: KafkaMessage[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message) });
    await waitFor(() => seen.length >= count, 20_000, `${count} messages on ${topic}`);
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

/**
 * Behaviour any Kafka broker must show to kafkajs. Runs against the dev broker and, when Docker
 * is there, against Apache Kafka, so the dev broker is held to the real one.
 */
export function conformanceSuite(getBootstrap: () => string): void {
  let kafka: Kafka;
  beforeAll(() => {
    kafka = new Kafka({ clientId: 'conformance', brokers: [getBootstrap()], logLevel: logLevel.NOTHING });
  });

  test('producer keys, headers, batches and gzip come back intact', async () => {
    const topic = uniqueName('roundtrip');
    const other = uniqueName('roundtrip-other');
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    await producer.connect();
    try {
      await producer.send({
        topic,
        messages: [
          { key: 'k1', value: 'plain', headers: { trace: 'abc', multi: ['x', 'y'] } },
          { key: null, value: 'no-key' },
        ],
      });
      await producer.send({
        topic,
        compression: CompressionTypes.GZIP,
        messages: Array.from({ length: 50 }, (_, i) => ({ key: `gz-${i}`, value: `gzip-${i}` })),
      });
      await producer.sendBatch({
        topicMessages: [
          { topic, messages: [{ key: 'b1', value: 'batch-1' }] },
          { topic: other, messages: [{ key: 'b2', value: 'batch-2' }] },
        ],
      });
    } finally {
      await producer.disconnect();
    }
    const seen = await consumeAll(kafka, topic, 53);
    // Delivery is at-least-once: on Apache Kafka a rebalance of the fresh group can hand a record over
    // twice (seen there: 54 deliveries of 53 records), so what must hold is that every record came, once stored.
    expect(new Set(seen.map((m) => m.value!.toString())).size).toBe(53);
    const byValue = new Map(seen.map((m) => [m.value!.toString(), m]));
    const plain = byValue.get('plain')!;
    expect(plain.key!.toString()).toBe('k1');
    expect(plain.headers!.trace!.toString()).toBe('abc');
    expect((plain.headers!.multi as Buffer[]).map(String)).toEqual(['x', 'y']);
    expect(byValue.get('no-key')!.key).toBeNull();
    expect(byValue.get('gzip-49')!.key!.toString()).toBe('gz-49');
    expect(byValue.has('batch-1')).toBe(true);
    const otherSeen = await consumeAll(kafka, other, 1);
    expect(otherSeen.map((m) => m.value!.toString())).toEqual(['batch-2']);
  });

  test('a killed group member’s uncommitted messages go to the survivors; nothing is lost', async () => {
    const topic = uniqueName('group');
    const groupId = uniqueName('group-g');
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer();
    await producer.connect();
    const consumers: Consumer[] = [];
    const child = spawn(process.execPath, [path.join(__dirname, 'fixtures/child-consumer.js'), getBootstrap(), topic, groupId], {
      cwd: path.join(__dirname, '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
      const total = 300;
      await producer.send({
        topic,
        messages: Array.from({ length: total }, (_, i) => ({ value: `m-${i}`, partition: i % 3 })),
      });
      let childSeen = 0;
      let childBuffer = '';
      child.stdout.on('data', (d: Buffer) => {
        childBuffer += d.toString();
        const lines = childBuffer.split('\n');
        childBuffer = lines.pop()!;
        for (const l of lines) if (l.includes('"value"')) childSeen++;
      });
      // The child joins first and holds every partition, so it is mid-stream when the others join.
      await waitFor(() => childSeen >= 5, 20_000, 'the child to start consuming');
      const survivorsSeen = new Set<string>();
      for (let i = 0; i < 2; i++) {
        const c = kafka.consumer({ groupId, ...CONSUMER_TIMING });
        consumers.push(c);
        await c.connect();
        await c.subscribe({ topic, fromBeginning: true });
        await c.run({ eachMessage: async ({ message }) => void survivorsSeen.add(message.value!.toString()) });
      }
      await waitFor(
        async () => {
          const { groups } = await admin.describeGroups([groupId]);
          return groups[0]!.state === 'Stable' && groups[0]!.members.length === 3;
        },
        30_000,
        'three stable members',
      );
      child.kill('SIGKILL');
      await waitFor(() => survivorsSeen.size === total, 40_000, `survivors to see all ${total} messages`);
      expect(childSeen).toBeGreaterThan(0);
      const { groups } = await admin.describeGroups([groupId]);
      expect(groups[0]!.members).toHaveLength(2);
    } finally {
      child.kill('SIGKILL');
      await Promise.all(consumers.map((c) => c.disconnect()));
      await producer.disconnect();
      await admin.disconnect();
    }
  });

  test('a restarted consumer resumes after its committed offset', async () => {
    const topic = uniqueName('resume');
    const groupId = uniqueName('resume-g');
    const producer = kafka.producer();
    await producer.connect();
    try {
      const batch = (from: number) => Array.from({ length: 10 }, (_, i) => ({ value: `v-${from + i}`, partition: 0 }));
      await producer.send({ topic, messages: batch(0) });
      const first = await consumeAll(kafka, topic, 10, groupId);
      expect(first.map((m) => m.value!.toString())).toEqual(batch(0).map((m) => m.value));
      await producer.send({ topic, messages: batch(10) });
      const second = await consumeAll(kafka, topic, 10, groupId);
      expect(second.map((m) => m.value!.toString())).toEqual(batch(10).map((m) => m.value));
      expect(second[0]!.offset).toBe('10');
    } finally {
      await producer.disconnect();
    }
  });

  test('admin manages topics, configs, partitions, offsets, lag and groups', async () => {
    const topic = uniqueName('admin');
    const groupId = uniqueName('admin-g');
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer();
    await producer.connect();
    try {
      expect(
        await admin.createTopics({
          topics: [{ topic, numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
          waitForLeaders: true,
        }),
      ).toBe(true);
      expect(await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] })).toBe(false);
      expect(await admin.listTopics()).toContain(topic);
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(meta.topics[0]!.partitions).toHaveLength(2);

      const configs = await admin.describeConfigs({ resources: [{ type: 2, name: topic }], includeSynonyms: false });
      const entries = configs.resources[0]!.configEntries;
      expect(entries.find((e) => e.configName === 'retention.ms')!.configValue).toBe('3600000');
      expect(entries.find((e) => e.configName === 'cleanup.policy')!.configValue).toBe('delete');

      await admin.createPartitions({ topicPartitions: [{ topic, count: 3 }] });
      const afterGrow = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(afterGrow.topics[0]!.partitions).toHaveLength(3);

      const before = Date.now();
      await producer.send({ topic, messages: Array.from({ length: 6 }, (_, i) => ({ value: `a-${i}`, partition: 0 })) });
      const offsets = await admin.fetchTopicOffsets(topic);
      const p0 = offsets.find((o) => o.partition === 0)!;
      expect([p0.low, p0.high]).toEqual(['0', '6']);
      const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, before - 60_000);
      expect(byTime.find((o) => o.partition === 0)!.offset).toBe('0');

      await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '4' }] });
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const c0 = committed!.partitions.find((p) => p.partition === 0)!;
      expect(c0.offset).toBe('4');
      expect(Number(p0.high) - Number(c0.offset)).toBe(2); // lag
      expect(committed!.partitions.find((p) => p.partition === 1)!.offset).toBe('-1');

      const { groups } = await admin.listGroups();
      expect(groups.map((g) => g.groupId)).toContain(groupId);
      await admin.deleteGroups([groupId]);
      expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain(groupId);

      await admin.deleteTopics({ topics: [topic] });
      await waitFor(async () => !(await admin.listTopics()).includes(topic), 10_000, 'topic deletion');
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });

  test('idempotent producer: a resent batch is not stored twice; a gap is refused', async () => {
    const topic = uniqueName('idem');
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const raw = await RawClient.connect(getBootstrap());
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      await producer.send({ topic, messages: [{ value: 'via-kafkajs' }] });

      const init = await raw.request(22, 1, Buffer.concat([str(null), int32(60000)]));
      expect(init.readInt16BE(4)).toBe(0);
      const producerId = Number(init.readBigInt64BE(6));
      const epoch = init.readInt16BE(14);
      const send = async (firstSequence: number, values: string[]) =>
        parseProduceResponse(await raw.request(0, 7, produceBody(topic, 0, recordBatch({ producerId, epoch, firstSequence, values }))));

      const first = await send(0, ['r0', 'r1']);
      expect(first.errorCode).toBe(0);
      const retried = await send(0, ['r0', 'r1']);
      expect(retried).toEqual(first);
      const next = await send(2, ['r2']);
      expect(next).toEqual({ errorCode: 0, baseOffset: first.baseOffset + 2 });
      const gap = await send(5, ['r5']);
      expect(gap.errorCode).toBe(45);

      const seen = await consumeAll(kafka, topic, 4);
      expect(seen.map((m) => m.value!.toString())).toEqual(['via-kafkajs', 'r0', 'r1', 'r2']);
      const offsets = await admin.fetchTopicOffsets(topic);
      expect(offsets[0]!.high).toBe('4');
    } finally {
      raw.close();
      await producer.disconnect();
      await admin.disconnect();
    }
  });
}
