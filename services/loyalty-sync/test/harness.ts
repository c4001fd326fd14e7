import { type EventType } from '@retail-backbone/contracts';
import { sampleEvent } from '@retail-backbone/contracts/src/testing';
import { createTestDatabase, uniqueName, type TestDatabase } from '@retail-backbone/devstack';
import { startLoyaltySimulator, type LoyaltySimulatorOptions, type RunningLoyaltySimulator } from '@retail-backbone/loyalty-simulator';
import { Headers } from '@retail-backbone/messaging';
import { createMetricsRegistry, type Registry } from '@retail-backbone/observability';
import { type Kafka, type Producer } from 'kafkajs';
import type { LoyaltySyncConfig } from '../src/config';
import { DEFAULT_RULES } from '../src/sync/rules';
import { startLoyaltySync, type LoyaltySync, type LoyaltySyncDeps } from '../src/service';
import { avroSerde, FAST_CONSUMER, silentLogger, testKafka, waitFor } from '@retail-backbone/messaging/src/testing';

export { waitFor };

export const SCHEMA = 'loyalty_sync';

const TOPIC_OF: Partial<Record<EventType, 'orders' | 'payments' | 'shipments'>> = {
  OrderPlaced: 'orders',
  OrderCancelled: 'orders',
  ReturnReceived: 'orders',
  PaymentCaptured: 'payments',
  PaymentRefunded: 'payments',
  ShipmentDispatched: 'shipments',
};

export interface Harness {
  sim: RunningLoyaltySimulator;
  db: TestDatabase;
  kafka: Kafka;
  producer: Producer;
  config: LoyaltySyncConfig;
  registry: Registry;
  service: LoyaltySync | undefined;
  start(deps?: Partial<LoyaltySyncDeps>): Promise<LoyaltySync>;
  /** Publishes a sample event with overrides (or `exact`, as it is); returns its value. */
  publish(eventType: EventType, overrides: Record<string, unknown>, exact?: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Events loyalty-sync recorded in its outbox. */
  outbox(eventType?: string): Promise<Array<Record<string, unknown>>>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

export async function startHarness(options: { simulator?: LoyaltySimulatorOptions; config?: Partial<LoyaltySyncConfig> } = {}): Promise<Harness> {
  const sim = await startLoyaltySimulator({ ratePerSecond: 500, ...options.simulator });
  const db = await createTestDatabase('loyalty_sync');
  const kafka = testKafka();
  const suffix = uniqueName('t');
  const topics = { orders: `retail.orders.v1.${suffix}`, payments: `retail.payments.v1.${suffix}`, shipments: `retail.shipments.v1.${suffix}` };
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 3 })), waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const serde = avroSerde();
  const config: LoyaltySyncConfig = {
    serviceName: 'loyalty-sync',
    region: 'eu-west',
    logLevel: 'error',
    databaseUrl: db.url,
    schema: SCHEMA,
    kafkaBrokers: (process.env.KAFKA_BROKERS ?? '').split(','),
    schemaRegistryUrl: process.env.SCHEMA_REGISTRY_URL!,
    groupId: uniqueName('loyalty-sync'),
    topics: Object.values(topics),
    platform: { url: sim.url, apiKey: sim.apiKey, timeoutMs: 2_000 },
    rateLimitPerSecond: 200,
    concurrency: 4,
    ambiguityWindowMs: 1_500,
    breakerThreshold: 3,
    breakerHalfOpenMs: 300,
    retryMaxDelayMs: 500,
    rules: DEFAULT_RULES,
    shutdownTimeoutMs: 5_000,
    relay: false,
    ...options.config,
  };
  const registry = createMetricsRegistry({ service: 'loyalty-sync-test', defaultMetrics: false });
  const harness: Harness = {
    sim,
    db,
    kafka,
    producer,
    config,
    registry,
    service: undefined,
    async start(deps = {}) {
      harness.service = await startLoyaltySync(config, { logger: silentLogger('loyalty-sync-test'), registry, serde, kafka, consumerConfig: FAST_CONSUMER, retryInitialDelayMs: 50, ...deps });
      return harness.service;
    },
    async publish(eventType, overrides, exact) {
      const value = (exact ?? sampleEvent(eventType, overrides as never, { correlationId: uniqueName('corr'), at: Date.now() })) as unknown as Record<string, unknown> & {
        envelope: { eventId: string };
        orderId: string;
      };
      const topic = topics[TOPIC_OF[eventType]!];
      await producer.send({
        topic,
        messages: [{ key: value.orderId, value: await serde.encode(topic, eventType, value), headers: { [Headers.EVENT_ID]: value.envelope.eventId, [Headers.EVENT_TYPE]: eventType } }],
      });
      return value;
    },
    async outbox(eventType) {
      const { rows } = await harness.service!.pool.query<{ payload: Record<string, unknown> }>(
        `SELECT payload FROM ${SCHEMA}.outbox WHERE $1::text IS NULL OR event_type = $1 ORDER BY id`,
        [eventType ?? null],
      );
      return rows.map((r) => r.payload);
    },
    async metric(name, labels = {}) {
      const metric = registry.getSingleMetric(name);
      if (!metric) return 0;
      return (await metric.get()).values.filter((v) => Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l)).reduce((sum, v) => sum + v.value, 0);
    },
    async close() {
      await harness.service?.stop();
      await producer.disconnect();
      const a = kafka.admin();
      await a.connect();
      await a.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
      await a.disconnect();
      await db.drop();
      await sim.stop();
    },
  };
  return harness;
}

const eur = (amount: string) => ({ amount, currency: 'EUR' });

export interface LineSpec {
  sku: string;
  quantity: number;
  unitPrice: string;
  discount?: string;
  tax?: string;
}

/** An OrderPlaced with these lines and customer; totals computed from the lines. */
export type OrderValue = Record<string, unknown> & { orderId: string; channelOrderId: string };

export function order(orderId: string, channel: string, channelId: string, customer: Record<string, unknown>, lines: LineSpec[], extra: Record<string, unknown> = {}): OrderValue {
  const sample = sampleEvent('OrderPlaced');
  const taxesIncluded = Boolean(extra.taxesIncluded ?? false);
  const subtotal = lines.reduce((s, l) => s + Number(l.unitPrice) * l.quantity, 0);
  const discounts = lines.reduce((s, l) => s + Number(l.discount ?? '0'), 0);
  const tax = lines.reduce((s, l) => s + Number(l.tax ?? '0'), 0);
  const shipping = Number((extra.shipping as string | undefined) ?? '0');
  const grand = subtotal - discounts + (taxesIncluded ? 0 : tax) + shipping;
  return {
    orderId,
    channel,
    channelId,
    channelOrderId: orderId.split(':').pop()!,
    customer: { ...sample.customer, customerId: null, channelCustomerId: null, loyaltyMemberId: null, email: null, ...customer },
    lines: lines.map((l, i) => ({
      lineId: String(i + 1),
      sku: l.sku,
      name: l.sku,
      quantity: l.quantity,
      unitPrice: eur(l.unitPrice),
      discount: eur(l.discount ?? '0.00'),
      tax: eur(l.tax ?? '0.00'),
      channelVariantId: null,
    })),
    currency: 'EUR',
    taxesIncluded,
    totals: { subtotal: eur(subtotal.toFixed(2)), discounts: eur(discounts.toFixed(2)), tax: eur(tax.toFixed(2)), shipping: eur(shipping.toFixed(2)), grandTotal: eur(grand.toFixed(2)) },
    financialStatus: 'paid',
    ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'shipping')),
  };
}

export { eur };
