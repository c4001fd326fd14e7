import { xmlIdName } from '../src/odoo/references';
import { type EventType, type OrderPlaced } from '@retail-backbone/contracts';
import { sampleEvent } from '@retail-backbone/contracts/src/testing';
import { createTestDatabase, uniqueName, type TestDatabase } from '@retail-backbone/devstack';
import { Headers } from '@retail-backbone/messaging';
import { createMetricsRegistry, type Registry } from '@retail-backbone/observability';
import { createOdooClient } from '@retail-backbone/odoo-client';
import { startOdooSimulator, type OdooSimulatorOptions, type RunningOdooSimulator } from '@retail-backbone/odoo-simulator';
import { type Kafka, type Producer } from 'kafkajs';
import type { OdooWriterConfig } from '../src/config';
import type { AccountingConfig } from '../src/money/accounting-config';
import { startOdooWriter, type OdooWriter, type OdooWriterDeps } from '../src/service';
import { avroSerde, FAST_CONSUMER, silentLogger as namedLogger, testKafka, waitFor } from '@retail-backbone/messaging/src/testing';

export { avroSerde, FAST_CONSUMER, testKafka, waitFor };

export const silentLogger = () => namedLogger('odoo-writer-test');

export const SCHEMA = 'odoo_writer';

const money = (amount: string) => ({ amount, currency: 'EUR' });

/** An OrderPlaced of `orderId` buying one unit of each SKU, by its own customer. */
export function orderPlaced(orderId: string, skus: string[] = ['RB-MUG']): Partial<OrderPlaced> {
  const sample = sampleEvent('OrderPlaced');
  return {
    orderId,
    channelOrderId: orderId.split(':').pop()!,
    customer: { ...sample.customer, customerId: `cust-${orderId}`, channelCustomerId: null },
    lines: skus.map((sku, i) => ({
      lineId: String(i + 1),
      sku,
      name: `Item ${sku}`,
      quantity: 1,
      unitPrice: money('9.50'),
      discount: money('0.00'),
      tax: money('1.52'),
      channelVariantId: null,
    })),
  };
}

/** An accounting table for the simulator, with the records `setUpAccounting` creates. */
export const TEST_ACCOUNTING: AccountingConfig = {
  companies: [
    { channel: 'shopify', company: 'My Company', country: 'US' },
    { channel: 'woocommerce', company: 'My Company', country: 'US' },
    { channel: 'pos', company: 'My Company', country: 'DE' },
  ],
  pricelists: { EUR: 'Default', USD: 'Public USD' },
  taxes: [
    { country: 'US', rate: '7.5', included: false, tax: 'US-CA 7.5%' },
    { country: 'DE', rate: '19', included: true, tax: 'DE 19% incl.' },
  ],
  products: { delivery: 'SHIP', discount: 'DISC', rounding: 'ROUND' },
  roundingTolerance: '0.05',
  invoicing: { shopify: 'confirmation', woocommerce: 'confirmation', pos: 'confirmation' },
  lineTaxField: 'tax_ids',
};

/** Creates what TEST_ACCOUNTING names in the simulator (through its API), plus goods to sell. */
export async function setUpAccounting(sim: RunningOdooSimulator, goods: string[] = []): Promise<void> {
  const odoo = createOdooClient({ url: sim.url, database: sim.database, apiKey: sim.apiKey, protocol: 'json2' });
  try {
    const [usd] = await odoo.searchRead<{ id: number }>('res.currency', [['name', '=', 'USD']], { fields: ['name'] });
    await odoo.create('product.pricelist', [{ name: 'Public USD', currency_id: usd!.id }]);
    await odoo.create('account.tax', [
      { name: 'US-CA 7.5%', amount: 7.5, type_tax_use: 'sale', price_include_override: 'tax_excluded' },
      { name: 'DE 19% incl.', amount: 19, type_tax_use: 'sale', price_include_override: 'tax_included' },
    ]);
  } finally {
    await odoo.close();
  }
  const products = [
    ...goods.map((sku) => ({ default_code: sku, name: sku, lst_price: 1, qty: 1_000 })),
    ...['SHIP', 'DISC', 'ROUND'].map((sku) => ({ default_code: sku, name: sku, lst_price: 0, type: 'service' })),
  ];
  const seeded = await fetch(`${sim.url}/__sim/seed/products`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ products }) });
  if (seeded.status !== 200) throw new Error(`seeding products: HTTP ${seeded.status}`);
}

/**
 * An OrderPlaced whose money adds up, as a German shop sends it: prices including 19% VAT, 9.50
 * a unit, shipping 4.95, the tax of each line rounded per line.
 */
export function pricedOrder(orderId: string, skus: string[] = ['RB-MUG']): Partial<OrderPlaced> {
  const base = orderPlaced(orderId, skus);
  const lines = base.lines!.map((l) => ({ ...l, tax: money('1.52') }));
  const items = 9.5 * skus.length;
  return {
    ...base,
    currency: 'EUR',
    taxesIncluded: true,
    lines,
    totals: {
      subtotal: money(items.toFixed(2)),
      discounts: money('0.00'),
      tax: money((1.52 * skus.length + 0.79).toFixed(2)),
      shipping: money('4.95'),
      grandTotal: money((items + 4.95).toFixed(2)),
    },
  };
}

export interface Harness {
  sim: RunningOdooSimulator;
  db: TestDatabase;
  kafka: Kafka;
  producer: Producer;
  config: OdooWriterConfig;
  registry: Registry;
  writer: OdooWriter | undefined;
  start(deps?: Partial<OdooWriterDeps>): Promise<OdooWriter>;
  /** Publishes a sample event with overrides; returns its value (with a fresh event id). */
  publish(eventType: EventType, overrides: Record<string, unknown>, sameAs?: Record<string, unknown>): Promise<Record<string, unknown>>;
  outbox(eventType?: string): Promise<Array<Record<string, unknown>>>;
  saleOrders(orderId?: string): Array<Record<string, unknown>>;
  dlqCount(): Promise<number>;
  close(): Promise<void>;
}

export async function startHarness(
  options: { protocol?: 'json2' | 'jsonrpc'; simulator?: OdooSimulatorOptions; config?: Partial<OdooWriterConfig>; partitions?: number } = {},
): Promise<Harness> {
  // A short limit_time_real, so that a lookup after an ambiguous failure (limit + 10 s) comes soon.
  const limitTimeRealMs = options.simulator?.limitTimeRealMs ?? 2_000;
  const sim = await startOdooSimulator({ apiKeys: ['test-key'], ...options.simulator, limitTimeRealMs });
  const db = await createTestDatabase('odoo_writer');
  const kafka = testKafka();
  const ordersTopic = `retail.orders.v1.${uniqueName('t')}`;
  const shipmentsTopic = `retail.shipments.v1.${uniqueName('t')}`;
  const reservationsTopic = `retail.inventory-reservations.v1.${uniqueName('t')}`;
  const paymentsTopic = `retail.payments.v1.${uniqueName('t')}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [ordersTopic, shipmentsTopic, reservationsTopic, paymentsTopic].map((topic) => ({ topic, numPartitions: options.partitions ?? 6 })), waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const serde = avroSerde();
  const protocol = options.protocol ?? 'json2';
  const config: OdooWriterConfig = {
    serviceName: 'odoo-writer',
    region: 'eu-west',
    logLevel: 'error',
    databaseUrl: db.url,
    schema: SCHEMA,
    kafkaBrokers: (process.env.KAFKA_BROKERS ?? '').split(','),
    schemaRegistryUrl: process.env.SCHEMA_REGISTRY_URL!,
    groupId: uniqueName('odoo-writer'),
    ordersTopic,
    shipmentsTopic,
    reservationsTopic,
    paymentsTopic,
    odoo: { url: sim.url, database: sim.database, apiKey: sim.apiKey, protocol, login: sim.login, timeoutMs: 5_000, limitTimeRealMs },
    rateLimitPerSecond: 200,
    concurrency: 4,
    partitionConcurrency: 6,
    batchWindowMs: 20,
    batchMax: 50,
    productCacheTtlMs: 60_000,
    breakerThreshold: 3,
    breakerHalfOpenMs: 300,
    shutdownTimeoutMs: 5_000,
    relay: false,
    ...options.config,
  };
  const registry = createMetricsRegistry({ service: 'odoo-writer-test', defaultMetrics: false });
  const harness: Harness = {
    sim,
    db,
    kafka,
    producer,
    config,
    registry,
    writer: undefined,
    async start(deps = {}) {
      harness.writer = await startOdooWriter(config, {
        logger: silentLogger(),
        registry,
        serde,
        kafka,
        consumerConfig: FAST_CONSUMER,
        retryInitialDelayMs: 50,
        retryMaxDelayMs: 500,
        ...deps,
      });
      return harness.writer;
    },
    async publish(eventType, overrides, sameAs) {
      const value = (sameAs ?? sampleEvent(eventType, overrides as never, { correlationId: uniqueName('corr'), at: Date.now() })) as unknown as Record<string, unknown> & {
        envelope: { eventId: string };
        orderId: string;
      };
      const topic =
        eventType === 'ShipmentDispatched'
          ? shipmentsTopic
          : eventType.startsWith('StockReserv')
            ? reservationsTopic
            : eventType.startsWith('Payment')
              ? paymentsTopic
              : ordersTopic;
      await producer.send({
        topic,
        messages: [
          {
            key: value.orderId,
            value: await serde.encode(topic, eventType, value),
            headers: { [Headers.EVENT_ID]: value.envelope.eventId, [Headers.EVENT_TYPE]: eventType },
          },
        ],
      });
      return value;
    },
    async outbox(eventType) {
      const { rows } = await harness.writer!.pool.query<{ payload: Record<string, unknown> }>(
        `SELECT payload FROM ${SCHEMA}.outbox WHERE $1::text IS NULL OR event_type = $1 ORDER BY id`,
        [eventType ?? null],
      );
      return rows.map((r) => r.payload);
    },
    saleOrders(orderId) {
      if (orderId === undefined) return sim.records('sale.order');
      // the backbone's order id lives in the external id; client_order_ref holds the channel's number
      const resIds = new Set(sim.records('ir.model.data').filter((x) => x.model === 'sale.order' && x.name === xmlIdName('order', orderId)).map((x) => x.res_id));
      // …and the origin names the channel order id, so a duplicate without an external id is counted too
      const origin = ` order ${orderId.split(':').pop()!} (`;
      return sim.records('sale.order').filter((o) => resIds.has(o.id) || String(o.origin).includes(origin));
    },
    async dlqCount() {
      const metric = registry.getSingleMetric('messaging_dlq_total');
      if (!metric) return 0;
      return (await metric.get()).values.reduce((sum, v) => sum + v.value, 0);
    },
    async close() {
      await harness.writer?.stop();
      await producer.disconnect();
      const a = kafka.admin();
      await a.connect();
      await a.deleteTopics({ topics: [ordersTopic, shipmentsTopic, reservationsTopic, paymentsTopic] }).catch(() => undefined);
      await a.disconnect();
      await db.drop();
      await sim.stop();
    },
  };
  return harness;
}
