import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EventSerde, TOPICS, type DecodedEvent } from '@retail-backbone/contracts';
import { createTestDatabase, uniqueName, type TestDatabase } from '@retail-backbone/devstack';
import { createKafka } from '@retail-backbone/messaging';
import { createLogger } from '@retail-backbone/observability';
import type { Consumer } from 'kafkajs';
import { Writable } from 'node:stream';
import type { OrderIngestConfig } from '../src/config';
import { startOrderIngest, type OrderIngestService } from '../src/service';

export const SECRETS = { shopify: 'shopify-test-secret-0123456789', woocommerce: 'woo-test-secret-0123456789', stripe: 'whsec_test_secret_0123456789' };

export function fixture(name: string): Buffer {
  return readFileSync(path.join(__dirname, 'fixtures', name));
}

export const quietLogger = () =>
  createLogger({ service: 'order-ingest-test', level: 'warn', stream: new Writable({ write: (_c, _e, cb) => cb() }) });

export function testConfig(databaseUrl: string, overrides: Partial<OrderIngestConfig> = {}): OrderIngestConfig {
  return {
    region: 'test',
    port: 0,
    databaseUrl,
    kafkaBrokers: (process.env.KAFKA_BROKERS ?? '').split(','),
    schemaRegistryUrl: process.env.SCHEMA_REGISTRY_URL ?? '',
    schema: 'order_ingest',
    poolSize: 10,
    secrets: SECRETS,
    stripeToleranceSeconds: 300,
    defaultLocationId: 'online',
    limits: { webhookBody: '64kb', posBody: '256kb', posBatchBody: '8mb', posBatchItems: 5_000, posRatePerSecond: 10_000 },
    posKeyCacheMs: 30_000,
    runRelay: true,
    autoRegisterSchemas: true,
    shutdownTimeoutMs: 5_000,
    logLevel: 'warn',
    ...overrides,
  };
}

export interface Harness {
  db: TestDatabase;
  service: OrderIngestService;
  url: string;
  events: EventCollector;
  close(): Promise<void>;
}

/** Creates the catalog topics that are missing (idempotent across test files). */
async function ensureTopics(): Promise<void> {
  const admin = createKafka({ brokers: (process.env.KAFKA_BROKERS ?? '').split(','), clientId: uniqueName('oi-admin') }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = TOPICS.filter((t) => !existing.has(t.name));
    if (missing.length > 0) {
      await admin.createTopics({ topics: missing.map((t) => ({ topic: t.name, numPartitions: t.partitions, replicationFactor: 1 })), waitForLeaders: true }).catch(() => undefined);
    }
  } finally {
    await admin.disconnect();
  }
}

export interface ReceivedEvent {
  topic: string;
  key: string;
  headers: Record<string, string>;
  event: DecodedEvent;
}

/** Reads the service's topics from the beginning and decodes every message with the serde. */
export class EventCollector {
  readonly received: ReceivedEvent[] = [];
  private consumer: Consumer | undefined;
  private readonly serde = new EventSerde({ registryUrl: process.env.SCHEMA_REGISTRY_URL });

  async start(topics: string[]): Promise<void> {
    const kafka = createKafka({ brokers: (process.env.KAFKA_BROKERS ?? '').split(','), clientId: uniqueName('oi-test') });
    this.consumer = kafka.consumer({ groupId: uniqueName('oi-test'), maxWaitTimeInMs: 100 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = String(v);
        this.received.push({ topic, key: message.key?.toString() ?? '', headers, event: await this.serde.decode(message.value!) });
      },
    });
  }

  forKey(key: string): ReceivedEvent[] {
    return this.received.filter((r) => r.key === key);
  }

  async waitFor(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms (${this.received.length} events received)`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

export async function startHarness(overrides: Partial<OrderIngestConfig> = {}): Promise<Harness> {
  await ensureTopics();
  const db = await createTestDatabase('order_ingest');
  const service = await startOrderIngest(testConfig(db.url, overrides), { logger: quietLogger(), host: '127.0.0.1' });
  const events = new EventCollector();
  await events.start(['retail.orders.v1', 'retail.payments.v1', 'retail.ingest-rejected.v1']);
  return {
    db,
    service,
    url: `http://127.0.0.1:${service.port}`,
    events,
    async close() {
      await events.stop();
      await service.stop();
      await db.drop();
    },
  };
}
