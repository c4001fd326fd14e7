import { type EventType, type OrderPlaced, type ShipmentDispatched } from '@retail-backbone/contracts';
import { sampleEvent } from '@retail-backbone/contracts/src/testing';
import { startChannelSimulators, type ChannelSimulators } from '@retail-backbone/channel-simulators';
import { createTestDatabase, uniqueName, type TestDatabase } from '@retail-backbone/devstack';
import { Headers } from '@retail-backbone/messaging';
import { createMetricsRegistry, type Registry } from '@retail-backbone/observability';
import { type Kafka, type Producer } from 'kafkajs';
import type { PropagatorConfig } from '../src/config';
import { startShipmentPropagator, type PropagatorDeps, type ShipmentPropagator } from '../src/service';
import { avroSerde, FAST_CONSUMER, silentLogger, testKafka, waitFor } from '@retail-backbone/messaging/src/testing';

export { waitFor };

export const SCHEMA = 'shipment_propagator';

const money = (amount: string) => ({ amount, currency: 'EUR' });

/** An OrderPlaced of a channel order with these lines (line id, SKU, quantity). */
export function orderPlaced(
  orderId: string,
  channel: 'shopify' | 'woocommerce' | 'pos',
  channelOrderId: string,
  lines: Array<{ lineId: string; sku: string; quantity: number }>,
  extra: Partial<OrderPlaced> = {},
): Partial<OrderPlaced> {
  const sample = sampleEvent('OrderPlaced');
  return {
    orderId,
    channel,
    channelId: channel === 'shopify' ? 'example-shop.myshopify.com' : channel === 'woocommerce' ? 'https://shop.example.com' : 'estate-1',
    channelOrderId,
    channelOrderNumber: `#${channelOrderId.slice(-4)}`,
    customer: { ...sample.customer, customerId: `cust-${orderId}`, email: `${orderId.replace(/[^a-z0-9]/gi, '')}@example.com` },
    lines: lines.map((l) => ({ ...l, name: `Item ${l.sku}`, unitPrice: money('9.50'), discount: money('0.00'), tax: money('1.52'), channelVariantId: null })),
    ...extra,
  };
}

export function shipment(orderId: string, shipmentId: string, lines: Array<{ lineId?: string | null; sku: string; quantity: number }>, extra: Partial<ShipmentDispatched> = {}): Partial<ShipmentDispatched> {
  return {
    orderId,
    shipmentId,
    source: 'wms',
    locationId: 'wh-berlin',
    lines: lines.map((l) => ({ lineId: l.lineId ?? null, sku: l.sku, quantity: l.quantity })),
    carrier: 'DHL',
    trackingNumber: `TRK-${shipmentId}`,
    trackingUrl: `https://track.example.com/TRK-${shipmentId}`,
    erpPickingId: null,
    ...extra,
  };
}

export interface Harness {
  sims: ChannelSimulators;
  db: TestDatabase;
  kafka: Kafka;
  producer: Producer;
  config: PropagatorConfig;
  registry: Registry;
  service: ShipmentPropagator | undefined;
  start(deps?: Partial<PropagatorDeps>): Promise<ShipmentPropagator>;
  publish(eventType: EventType, overrides: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** ShipmentPropagated values recorded in the outbox (optionally of one order). */
  propagated(orderId?: string): Promise<Array<Record<string, unknown>>>;
  dlqCount(): Promise<number>;
  close(): Promise<void>;
}

/** Simulators, a database, private topics and a config pointing at them; the service is started by `start`. */
export async function startHarness(options: { config?: Partial<PropagatorConfig>; simulators?: Parameters<typeof startChannelSimulators>[0] } = {}): Promise<Harness> {
  const sims = await startChannelSimulators(options.simulators);
  const db = await createTestDatabase(SCHEMA);
  const kafka = testKafka();
  const ordersTopic = `retail.orders.v1.${uniqueName('t')}`;
  const shipmentsTopic = `retail.shipments.v1.${uniqueName('t')}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [ordersTopic, shipmentsTopic].map((topic) => ({ topic, numPartitions: 3 })), waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const serde = avroSerde();
  const config: PropagatorConfig = {
    serviceName: 'shipment-propagator',
    region: 'eu-west',
    logLevel: 'error',
    databaseUrl: db.url,
    schema: SCHEMA,
    kafkaBrokers: (process.env.KAFKA_BROKERS ?? '').split(','),
    schemaRegistryUrl: process.env.SCHEMA_REGISTRY_URL!,
    groupId: uniqueName('shipment-propagator'),
    ordersTopic,
    shipmentsTopic,
    shopify: { adminUrl: sims.shopify.url, apiVersion: '2025-10', accessToken: sims.shopify.accessToken, notifyCustomer: false },
    woocommerce: { url: sims.woocommerce.url, consumerKey: sims.woocommerce.consumerKey, consumerSecret: sims.woocommerce.consumerSecret, completedStatus: 'completed', customerNote: false },
    pos: { url: sims.pos.url, token: sims.pos.token },
    customerHook: { url: sims.hook.url, secret: sims.hook.secret },
    tuning: { shopify: { concurrency: 2 }, woocommerce: { concurrency: 2 }, pos: { concurrency: 2 }, 'customer-hook': { concurrency: 2 } },
    channelTimeoutMs: 2_000,
    ambiguityWindowMs: 3_000,
    refusedRetryDelayMs: 3_600_000,
    breakerThreshold: 3,
    breakerHalfOpenMs: 300,
    shutdownTimeoutMs: 5_000,
    relay: false,
    ...options.config,
  };
  const registry = createMetricsRegistry({ service: 'shipment-propagator-test', defaultMetrics: false });
  const harness: Harness = {
    sims,
    db,
    kafka,
    producer,
    config,
    registry,
    service: undefined,
    async start(deps = {}) {
      harness.service = await startShipmentPropagator(config, {
        logger: silentLogger('shipment-propagator-test'),
        registry,
        serde,
        kafka,
        consumerConfig: FAST_CONSUMER,
        retryInitialDelayMs: 50,
        retryMaxDelayMs: 500,
        ...deps,
      });
      return harness.service;
    },
    async publish(eventType, overrides) {
      const value = sampleEvent(eventType, overrides as never, { correlationId: uniqueName('corr'), at: Date.now() }) as unknown as Record<string, unknown> & {
        envelope: { eventId: string };
        orderId: string;
      };
      const topic = eventType === 'OrderPlaced' ? ordersTopic : shipmentsTopic;
      await producer.send({
        topic,
        messages: [{ key: value.orderId, value: await serde.encode(topic, eventType, value), headers: { [Headers.EVENT_ID]: value.envelope.eventId, [Headers.EVENT_TYPE]: eventType } }],
      });
      return value;
    },
    async propagated(orderId) {
      const { rows } = await harness.service!.pool.query<{ payload: Record<string, unknown> }>(
        `SELECT payload FROM ${SCHEMA}.outbox WHERE event_type = 'ShipmentPropagated' AND ($1::text IS NULL OR payload->>'orderId' = $1) ORDER BY id`,
        [orderId ?? null],
      );
      return rows.map((r) => r.payload);
    },
    async dlqCount() {
      const metric = registry.getSingleMetric('messaging_dlq_total');
      if (!metric) return 0;
      return (await metric.get()).values.reduce((sum, v) => sum + v.value, 0);
    },
    async close() {
      await harness.service?.stop();
      await producer.disconnect();
      const a = kafka.admin();
      await a.connect();
      await a.deleteTopics({ topics: [ordersTopic, shipmentsTopic] }).catch(() => undefined);
      await a.disconnect();
      await db.drop();
      await sims.close();
    },
  };
  return harness;
}
