import { PassThrough } from 'node:stream';
import { eventKey, type EventType } from '@retail-backbone/contracts';
import { sampleEvent } from '@retail-backbone/contracts/src/testing';
import { createTestDatabase, uniqueName, type TestDatabase } from '@retail-backbone/devstack';
import { createLogger, createMetricsRegistry, type Logger, type Registry } from '@retail-backbone/observability';
import { type Consumer, type Kafka, type KafkaMessage } from 'kafkajs';
import pg from 'pg';
import { buildEnvelope } from '../src/envelope';
import { migrateMessaging } from '../src/migrate';
import type { OutboxEvent } from '../src/outbox/record';

export { avroSerde, catalogTopic, FAST_CONSUMER, testKafka, waitFor } from '../src/testing';

export const SCHEMA = 'svc';

export interface TestDb {
  db: TestDatabase;
  pool: pg.Pool;
  close(): Promise<void>;
}

export async function migratedDatabase(prefix: string, schema = SCHEMA): Promise<TestDb> {
  const db = await createTestDatabase(prefix);
  await migrateMessaging({ databaseUrl: db.url, schema });
  const pool = new pg.Pool({ connectionString: db.url, max: 10 });
  // An idle client terminated by the server (the database dropped at teardown while a runner
  // was still letting go of it) must not crash the test process; assertions decide the test.
  pool.on('error', () => undefined);
  return {
    db,
    pool,
    close: async () => {
      await pool.end();
      await db.drop();
    },
  };
}

export function testTopic(catalog: string): string {
  return `${catalog}.${uniqueName('t')}`;
}

/** A logger whose JSON lines are kept in memory. */
export function capturingLogger(service = 'test'): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  const logger = createLogger({ service, stream, level: 'debug' });
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

export function registry(): Registry {
  return createMetricsRegistry({ service: 'test', defaultMetrics: false });
}

export async function createTopics(kafka: Kafka, topics: string[], numPartitions = 3): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions })), waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    if (present.length) await admin.deleteTopics({ topics: present });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Subscribes once the broker hosts the topic. Apache Kafka answers a subscription to a topic
 * auto-created a moment ago (a DLQ written by the runner) with a retriable "does not host this
 * topic-partition" until its metadata has propagated; the dev broker never does.
 */
async function subscribeWhenHosted(consumer: Consumer, topic: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      return;
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Reads a topic from the beginning until `count` messages arrived (or the timeout). */
export async function readMessages(kafka: Kafka, topic: string, count: number, timeoutMs = 20_000): Promise<Array<KafkaMessage & { partition: number }>> {
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 100 });
  const received: Array<KafkaMessage & { partition: number }> = [];
  await consumer.connect();
  try {
    await subscribeWhenHosted(consumer, topic);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      if (count === 0) return;
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          received.push({ ...message, partition });
          if (received.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return received;
}

/** A valid catalog event of `eventType`, with a chosen aggregate id and correlation id. */
export function catalogEvent(eventType: EventType, topic: string, overrides: Record<string, unknown>, correlationId: string): OutboxEvent {
  const sample = sampleEvent(eventType, overrides as never, { correlationId }) as unknown as Record<string, unknown> & { envelope: Record<string, unknown> };
  const envelope = buildEnvelope({
    eventType,
    producer: 'test',
    region: 'eu-west',
    correlationId,
  });
  const value = { ...sample, envelope };
  return { topic, key: eventKey(eventType, value), eventType, value };
}

export async function inTx<T>(pool: pg.Pool, work: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  const tx = await pool.connect();
  try {
    await tx.query('BEGIN');
    const result = await work(tx);
    await tx.query('COMMIT');
    return result;
  } catch (error) {
    await tx.query('ROLLBACK');
    throw error;
  } finally {
    tx.release();
  }
}
