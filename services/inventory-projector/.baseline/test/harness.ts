import { EventSerde, type EventPayloads, type EventType, topicOf } from '@retail-backbone/contracts';
import { provisionTopics } from '@retail-backbone/contracts/src/provision';
import { sampleEvent } from '@retail-backbone/contracts/src/testing';
import { createTestDatabase, uniqueName, type TestDatabase } from '@retail-backbone/devstack';
import { createKafka } from '@retail-backbone/messaging';
import { createLogger } from '@retail-backbone/observability';
import type { Kafka, Producer } from 'kafkajs';
import { Writable } from 'node:stream';
import type { ProjectorConfig } from '../src/config';
import { startProjector, type RunningProjector } from '../src/service';

export const silentLogger = () => createLogger({ service: 'inventory-projector-test', level: 'error', stream: new Writable({ write: (_c, _e, cb) => cb() }) });

export interface Harness {
  db: TestDatabase;
  config: ProjectorConfig;
  projector: RunningProjector;
  kafka: Kafka;
  serde: EventSerde;
  producer: Producer;
  /** Encodes and publishes; returns the encoded bytes so a test can redeliver them verbatim. */
  publish<T extends EventType>(eventType: T, value: EventPayloads[T]): Promise<Buffer>;
  publishRaw(eventType: EventType, key: string, bytes: Buffer): Promise<void>;
  close(): Promise<void>;
}

function keyOf(eventType: EventType, value: Record<string, unknown>): string {
  if ('orderId' in value) return String(value.orderId);
  return `${String(value.sku)}@${String(value.locationId)}`;
}

export async function startHarness(overrides: Partial<ProjectorConfig> = {}): Promise<Harness> {
  const db = await createTestDatabase('inventory_projector');
  const kafka = createKafka({ brokers: (process.env.KAFKA_BROKERS ?? '').split(','), clientId: 'inventory-projector-test' });
  const admin = kafka.admin();
  await admin.connect();
  // Other suites provision concurrently on the shared broker: a lost creation race is fine.
  await provisionTopics(admin, 1).catch(() => provisionTopics(admin, 1));
  await admin.disconnect();
  const serde = new EventSerde({ autoRegister: true });
  const config: ProjectorConfig = {
    service: 'inventory-projector',
    region: 'test',
    databaseUrl: db.url,
    kafkaBrokers: (process.env.KAFKA_BROKERS ?? '').split(','),
    schemaRegistryUrl: process.env.SCHEMA_REGISTRY_URL ?? '',
    port: 0,
    schema: 'inventory_projector',
    groupId: uniqueName('inventory-projector-test'),
    consumerConcurrency: 1,
    defaultPolicy: 'reject',
    locationPolicies: {},
    coalesceMs: 300,
    autoRegisterSchemas: true,
    poolSize: 5,
    logLevel: 'error',
    shutdownTimeoutMs: 5_000,
    ...overrides,
  };
  const projector = await startProjector(config, {}, silentLogger());
  const producer = kafka.producer();
  await producer.connect();
  const publishRaw = async (eventType: EventType, key: string, bytes: Buffer) => {
    await producer.send({ topic: topicOf(eventType), acks: -1, messages: [{ key, value: bytes }] });
  };
  return {
    db,
    config,
    projector,
    kafka,
    serde,
    producer,
    publishRaw,
    async publish(eventType, value) {
      const bytes = await serde.encode(topicOf(eventType), eventType, value);
      await publishRaw(eventType, keyOf(eventType, value as unknown as Record<string, unknown>), bytes);
      return bytes;
    },
    async close() {
      await producer.disconnect();
      await projector.stop();
      await db.drop();
    },
  };
}

export async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined | null | false;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

export { sampleEvent };
