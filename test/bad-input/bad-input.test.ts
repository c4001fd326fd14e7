/**
 * The bad-input suite: several hundred generated hostile requests across every HTTP route of
 * order-ingest, inventory-projector, odoo-writer and the ops console, with valid orders between them.
 * Asserts: no 5xx; a problem body with a specific type for every refusal; nothing kept for
 * unauthenticated requests; every valid order accepted, written to the outbox and published on
 * Kafka exactly once; the services ready afterwards. Prints a table of cases by route and outcome.
 */
import { randomBytes } from 'node:crypto';
import { TOPICS } from '@retail-backbone/contracts';
import { createTestDatabase, uniqueName, type TestDatabase } from '@retail-backbone/devstack';
import { startProjector, type ProjectorConfig, type RunningProjector } from '@retail-backbone/inventory-projector';
import { createKafka, Headers, headerString } from '@retail-backbone/messaging';
import { createLogger } from '@retail-backbone/observability';
import { startOdooWriter, type OdooWriter } from '@retail-backbone/odoo-writer';
import { startOdooSimulator, type RunningOdooSimulator } from '@retail-backbone/odoo-simulator';
import { startConsole, type RunningConsole } from '@retail-backbone/ops-console';
import { signBase64Hmac, signStripe, startOrderIngest, type OrderIngestConfig, type OrderIngestService } from '@retail-backbone/order-ingest';
import { Writable } from 'node:stream';
import { seededRandom } from '@retail-backbone/local-platform';
import { bodyAttacks, fixtureText, HOSTILE_VALUES, pointers, spliceValue, withoutValue } from './cases';

const SHOP = 'bad-input-shop.myshopify.com';
const SHOP_SECRET = 'bad-input-shop-secret-0123456789';
const OTHER_SHOP = 'other-shop.myshopify.com';
const OTHER_SECRET = 'other-shop-secret-0123456789abc';
const SITE = 'https://bad-input-site.example';
const SITE_SECRET = 'bad-input-site-secret-0123456789';
const STRIPE_SECRET = 'whsec_bad_input_secret_0123456789';
const AVAILABILITY_TOKEN = 'availability-storefront-token-0123456789';
const CONSOLE_TOKEN = 'bad-input-console-token-0123456789';
/** In every console action sent without a valid token: no audit row may carry it. */
const UNAUTHENTICATED_MARK = 'unauthenticated-console-action';

const quiet = () => createLogger({ service: 'bad-input', level: 'error', stream: new Writable({ write: (_c, _e, cb) => cb() }) });

interface Case {
  route: string;
  name: string;
  /** 'refused' cases must answer this status; 'any' cases only must not be 5xx. */
  expect: number | 'any';
  /** Unauthenticated: its delivery id must leave no row behind. */
  deliveryId?: string;
  send(): Promise<Response>;
}

interface Outcome {
  route: string;
  status: number;
}

let ingestDb: TestDatabase;
let projectorDb: TestDatabase;
let ingest: OrderIngestService;
let projector: RunningProjector;
let ingestUrl: string;
let projectorUrl: string;
let opsConsole: RunningConsole;
let writerDb: TestDatabase;
let odoo: RunningOdooSimulator;
let writer: OdooWriter;
let writerUrl: string;
let posKey: string;
/** Orders first delivered inside a replay case: published once like every valid order. */
const replayedOrders: string[] = [];

beforeAll(async () => {
  const admin = createKafka({ brokers: (process.env.KAFKA_BROKERS ?? '').split(','), clientId: uniqueName('bad-input-admin') }).admin();
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
  ordersStart = await ordersOffsets();
  ingestDb = await createTestDatabase('order_ingest');
  projectorDb = await createTestDatabase('inventory_projector');
  const ingestConfig: OrderIngestConfig = {
    region: 'test',
    port: 0,
    databaseUrl: ingestDb.url,
    kafkaBrokers: (process.env.KAFKA_BROKERS ?? '').split(','),
    schemaRegistryUrl: process.env.SCHEMA_REGISTRY_URL ?? '',
    schema: 'order_ingest',
    poolSize: 10,
    secrets: { stripe: STRIPE_SECRET },
    webhookSources: {
      shopify: [
        { id: SHOP, secrets: [SHOP_SECRET] },
        { id: OTHER_SHOP, secrets: [OTHER_SECRET] },
      ],
      woocommerce: [{ id: SITE, secrets: [SITE_SECRET] }],
    },
    triggeredAtWindowSeconds: 3600,
    stripeToleranceSeconds: 300,
    defaultLocationId: 'online',
    limits: { webhookBody: '256kb', posBody: '256kb', posBatchBody: '1mb', posBatchItems: 100, posRatePerSecond: 100_000 },
    posKeyCacheMs: 30_000,
    posAuthFailuresPerMinute: 100_000,
    runRelay: true,
    autoRegisterSchemas: true,
    shutdownTimeoutMs: 5_000,
    logLevel: 'error',
  };
  ingest = await startOrderIngest(ingestConfig, { logger: quiet(), host: '127.0.0.1' });
  ingestUrl = `http://127.0.0.1:${ingest.port}`;
  posKey = (await ingest.keys.create({ estateId: 'bad-input-estate', storeId: 'store-1', locationId: 'store-1' })).apiKey;
  const projectorConfig: ProjectorConfig = {
    service: 'inventory-projector',
    region: 'test',
    databaseUrl: projectorDb.url,
    kafkaBrokers: (process.env.KAFKA_BROKERS ?? '').split(','),
    schemaRegistryUrl: process.env.SCHEMA_REGISTRY_URL ?? '',
    port: 0,
    schema: 'inventory_projector',
    groupId: uniqueName('bad-input'),
    consumerConcurrency: 1,
    defaultPolicy: 'reject',
    locationPolicies: {},
    coalesceMs: 300,
    autoRegisterSchemas: true,
    poolSize: 4,
    availabilityAuth: { mode: 'tokens', tokens: [{ channel: 'storefront', token: AVAILABILITY_TOKEN }] },
    availabilityRatePerSecond: 100_000,
    logLevel: 'error',
    shutdownTimeoutMs: 5_000,
  };
  projector = await startProjector(projectorConfig, { consumer: false, relay: false, flusher: false }, quiet());
  projectorUrl = `http://127.0.0.1:${projector.port}`;
  // odoo-writer serves only the kit's routes; it consumes topics of its own, so it takes none of
  // the orders other suites publish on the shared broker.
  writerDb = await createTestDatabase('odoo_writer');
  odoo = await startOdooSimulator({ apiKeys: ['bad-input-odoo-key'] });
  const writerTopics = [`retail.orders.v1.${uniqueName('bad-input')}`, `retail.shipments.v1.${uniqueName('bad-input')}`];
  const topicAdmin = createKafka({ brokers: (process.env.KAFKA_BROKERS ?? '').split(','), clientId: uniqueName('bad-input-writer-topics') }).admin();
  await topicAdmin.connect();
  await topicAdmin.createTopics({ topics: writerTopics.map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true });
  await topicAdmin.disconnect();
  writer = await startOdooWriter(
    {
      serviceName: 'odoo-writer',
      region: 'test',
      logLevel: 'error',
      port: 0,
      databaseUrl: writerDb.url,
      schema: 'odoo_writer',
      kafkaBrokers: (process.env.KAFKA_BROKERS ?? '').split(','),
      schemaRegistryUrl: process.env.SCHEMA_REGISTRY_URL ?? '',
      groupId: uniqueName('bad-input-writer'),
      ordersTopic: writerTopics[0]!,
      shipmentsTopic: writerTopics[1]!,
      odoo: { url: odoo.url, database: odoo.database, apiKey: odoo.apiKey, protocol: 'json2', login: odoo.login, timeoutMs: 5_000, limitTimeRealMs: 5_000 },
      rateLimitPerSecond: 50,
      concurrency: 2,
      partitionConcurrency: 1,
      batchWindowMs: 20,
      batchMax: 10,
      productCacheTtlMs: 60_000,
      breakerThreshold: 3,
      breakerHalfOpenMs: 1_000,
      shutdownTimeoutMs: 5_000,
      relay: false,
    },
    { logger: quiet() },
  );
  writerUrl = `http://127.0.0.1:${writer.port}`;
  // The console reads order-ingest's database, so it lists what the hostile requests left there.
  opsConsole = await startConsole(
    {
      databaseUrl: ingestDb.url,
      kafkaBrokers: (process.env.KAFKA_BROKERS ?? '').split(','),
      schemaRegistryUrl: process.env.SCHEMA_REGISTRY_URL ?? '',
      region: 'test',
      logLevel: 'error',
      auth: { token: CONSOLE_TOKEN },
      port: 0,
      schema: 'ops_console',
    },
    quiet(),
  );
});

afterAll(async () => {
  await writer?.stop();
  await odoo?.stop();
  await writerDb?.drop();
  await opsConsole?.stop();
  await ingest?.stop();
  await projector?.stop();
  await ingestDb?.drop();
  await projectorDb?.drop();
});

const ORDERS_TOPIC = 'retail.orders.v1';
/** The orders topic's end offsets before the run: the suite reads what was published after them. */
let ordersStart: Array<{ partition: number; offset: string }> = [];

async function ordersOffsets(): Promise<Array<{ partition: number; offset: string }>> {
  const admin = createKafka({ brokers: (process.env.KAFKA_BROKERS ?? '').split(','), clientId: uniqueName('bad-input-offsets') }).admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(ORDERS_TOPIC)).map((p) => ({ partition: p.partition, offset: p.high }));
  } finally {
    await admin.disconnect();
  }
}

/**
 * OrderPlaced messages per key among `keys`, published on the orders topic since the run began:
 * read from the starting offsets up to the end offsets taken now (after the outbox says every row
 * is relayed), so a second publication of any of them would be counted.
 */
async function publishedOrderPlaced(keys: string[]): Promise<Map<string, number>> {
  const end = new Map((await ordersOffsets()).map((p) => [p.partition, BigInt(p.offset)]));
  const wanted = new Set(keys);
  const counts = new Map<string, number>();
  const consumer = createKafka({ brokers: (process.env.KAFKA_BROKERS ?? '').split(','), clientId: uniqueName('bad-input-reader') }).consumer({ groupId: uniqueName('bad-input-reader') });
  const pending = new Set([...end].filter(([partition, offset]) => offset > BigInt(ordersStart.find((p) => p.partition === partition)?.offset ?? '0')).map(([partition]) => partition));
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [ORDERS_TOPIC] });
    await new Promise<void>((resolve, reject) => {
      if (pending.size === 0) return resolve();
      // kafkajs restarts itself after a retriable crash (a coordinator still loading); only a final one fails.
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) reject(payload.error);
      });
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const key = message.key?.toString() ?? '';
          if (wanted.has(key) && headerString(message.headers, Headers.EVENT_TYPE) === 'OrderPlaced') counts.set(key, (counts.get(key) ?? 0) + 1);
          if (BigInt(message.offset) + 1n >= end.get(partition)!) pending.delete(partition);
          if (pending.size === 0) resolve();
        },
      });
      for (const { partition, offset } of ordersStart) consumer.seek({ topic: ORDERS_TOPIC, partition, offset });
    });
  } finally {
    await consumer.disconnect();
  }
  return counts;
}

// ---------------------------------------------------------------- request builders

function shopify(body: Buffer, opts: { secret?: string; shop?: string; topic?: string; headers?: Record<string, string>; deliveryId?: string } = {}): Promise<Response> {
  return fetch(`${ingestUrl}/webhooks/shopify`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-shopify-topic': opts.topic ?? 'orders/create',
      'x-shopify-shop-domain': opts.shop ?? SHOP,
      'x-shopify-webhook-id': opts.deliveryId ?? uniqueName('wh'),
      'x-shopify-hmac-sha256': signBase64Hmac(body, opts.secret ?? SHOP_SECRET),
      ...opts.headers,
    },
    body,
  });
}

function woo(body: Buffer, opts: { secret?: string; site?: string; deliveryId?: string } = {}): Promise<Response> {
  return fetch(`${ingestUrl}/webhooks/woocommerce`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-wc-webhook-topic': 'order.created',
      'x-wc-webhook-source': `${opts.site ?? SITE}/`,
      'x-wc-webhook-delivery-id': opts.deliveryId ?? uniqueName('wc'),
      'x-wc-webhook-signature': signBase64Hmac(body, opts.secret ?? SITE_SECRET),
    },
    body,
  });
}

function stripe(body: Buffer, opts: { secret?: string; timestamp?: number } = {}): Promise<Response> {
  return fetch(`${ingestUrl}/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signStripe(body, opts.secret ?? STRIPE_SECRET, opts.timestamp) },
    body,
  });
}

function pos(path: string, body: Buffer | string, opts: { key?: string; contentType?: string } = {}): Promise<Response> {
  return fetch(`${ingestUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': opts.contentType ?? 'application/json', authorization: `Bearer ${opts.key ?? posKey}` },
    body,
  });
}

function availability(path: string, init: { method?: string; body?: string | Buffer; token?: string | null; contentType?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? AVAILABILITY_TOKEN}`;
  if (init.contentType) headers['content-type'] = init.contentType;
  return fetch(`${projectorUrl}${path}`, { method: init.method ?? 'GET', headers, body: init.body });
}

function opsApi(path: string, init: { method?: string; body?: string | Buffer; token?: string | null; contentType?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  if (init.token !== null) headers.authorization = init.token?.startsWith('Basic ') ? init.token : `Bearer ${init.token ?? CONSOLE_TOKEN}`;
  if (init.body !== undefined) headers['content-type'] = init.contentType ?? 'application/json';
  return fetch(`${opsConsole.url}${path}`, { method: init.method ?? (init.body === undefined ? 'GET' : 'POST'), headers, body: init.body });
}

// ---------------------------------------------------------------- case generation

const SHOPIFY_TEXT = fixtureText('shopify_orders-create.webhook.json');
const WOO_TEXT = fixtureText('woocommerce_order.created.v3_order.json');
const STRIPE_TEXT = fixtureText('stripe_payment_intent.succeeded.event.json');

function validShopifyOrder(): { body: Buffer; externalId: string } {
  const externalId = String(9_000_000_000_000_000n + BigInt(Math.floor(Math.random() * 1e15)));
  return { body: Buffer.from(SHOPIFY_TEXT.replace('"id": 820982911946154508', `"id": ${externalId}`)), externalId };
}

function sale(saleId: string): Record<string, unknown> {
  return {
    saleId,
    receiptNumber: `R-${saleId}`,
    occurredAt: '2026-11-20T09:30:00+01:00',
    currency: 'EUR',
    lines: [{ sku: 'SKU-1', name: 'Mug', quantity: 2, unitPrice: '9.95', tax: '3.18' }],
    payments: [{ tenderId: 't1', method: 'card', amount: '19.90' }],
  };
}

/** Value mutations of a JSON document, `count` of them picked by the PRNG. */
function valueMutations(text: string, count: number, random: () => number): Array<{ name: string; text: string }> {
  const doc = JSON.parse(text);
  const all = pointers(doc);
  const out: Array<{ name: string; text: string }> = [];
  for (let i = 0; i < count; i++) {
    const at = all[Math.floor(random() * all.length)]!;
    if (random() < 0.15) {
      out.push({ name: `remove /${at.join('/')}`, text: withoutValue(doc, at) });
    } else {
      const value = HOSTILE_VALUES[Math.floor(random() * HOSTILE_VALUES.length)]!;
      out.push({ name: `/${at.join('/')} = ${value.name}`, text: spliceValue(doc, at, value.json) });
    }
  }
  return out;
}

function generateCases(random: () => number): Case[] {
  const cases: Case[] = [];
  const add = (c: Case) => cases.push(c);

  // Shopify: value mutations, byte attacks, authentication attacks.
  for (const m of valueMutations(SHOPIFY_TEXT, 70, random)) add({ route: 'POST /webhooks/shopify', name: m.name, expect: 'any', send: () => shopify(Buffer.from(m.text)) });
  for (const a of bodyAttacks(SHOPIFY_TEXT)) add({ route: 'POST /webhooks/shopify', name: a.name, expect: 'any', send: () => shopify(a.body) });
  add({ route: 'POST /webhooks/shopify', name: 'invalid UTF-8 refused', expect: 422, send: () => shopify(bodyAttacks(SHOPIFY_TEXT)[0]!.body) });
  add({ route: 'POST /webhooks/shopify', name: 'over the body limit', expect: 413, send: () => shopify(Buffer.from(JSON.stringify({ pad: 'x'.repeat(300 * 1024) }))) });
  for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x']) {
    add({ route: 'POST /webhooks/shopify', name: `content-type ${contentType}`, expect: 'any', send: () => shopify(validShopifyOrder().body, { headers: { 'content-type': contentType } }) });
  }
  for (let i = 0; i < 12; i++) {
    const deliveryId = uniqueName('forged');
    const variants: Array<[string, () => Promise<Response>]> = [
      ['forged signature', () => shopify(validShopifyOrder().body, { secret: `forged-${randomBytes(8).toString('hex')}`, deliveryId })],
      ['unknown shop', () => shopify(validShopifyOrder().body, { shop: `unknown-${i}.myshopify.com`, deliveryId })],
      ["replayed under another shop's name", () => shopify(validShopifyOrder().body, { shop: OTHER_SHOP, deliveryId })],
      ['stale X-Shopify-Triggered-At', () => shopify(validShopifyOrder().body, { deliveryId, headers: { 'x-shopify-triggered-at': new Date(Date.now() - 5 * 3600_000).toISOString() } })],
      ['malformed X-Shopify-Triggered-At', () => shopify(validShopifyOrder().body, { deliveryId, headers: { 'x-shopify-triggered-at': 'soon' } })],
      ['missing signature', () => shopify(validShopifyOrder().body, { deliveryId, headers: { 'x-shopify-hmac-sha256': '' } })],
    ];
    const [name, send] = variants[i % variants.length]!;
    add({ route: 'POST /webhooks/shopify', name, expect: 401, deliveryId, send });
  }

  // Replays of a signed delivery: exact, and under a new webhook id with the same event id and a
  // fresh Triggered-At. Each answers 202 and the order is still published once (checked below).
  for (let i = 0; i < 8; i++) {
    add({
      route: 'POST /webhooks/shopify',
      name: i % 2 === 0 ? 'exact replay' : 'replay: same event id, new webhook id, fresh Triggered-At',
      expect: 202,
      send: async () => {
        const { body } = validShopifyOrder();
        const eventId = uniqueName('evt');
        const first = await shopify(body, { headers: { 'x-shopify-event-id': eventId, 'x-shopify-webhook-id': `${eventId}-1` } });
        if (first.status === 202) replayedOrders.push(((await first.json()) as { orderId: string }).orderId);
        const webhookId = i % 2 === 0 ? `${eventId}-1` : `${eventId}-2`;
        return shopify(body, { headers: { 'x-shopify-event-id': eventId, 'x-shopify-webhook-id': webhookId, 'x-shopify-triggered-at': new Date().toISOString() } });
      },
    });
  }

  // WooCommerce.
  for (const m of valueMutations(WOO_TEXT, 45, random)) add({ route: 'POST /webhooks/woocommerce', name: m.name, expect: 'any', send: () => woo(Buffer.from(m.text)) });
  for (const a of bodyAttacks(WOO_TEXT)) add({ route: 'POST /webhooks/woocommerce', name: a.name, expect: 'any', send: () => woo(a.body) });
  for (let i = 0; i < 6; i++) {
    const deliveryId = uniqueName('wc-forged');
    add({
      route: 'POST /webhooks/woocommerce',
      name: i % 2 === 0 ? 'forged signature' : 'unknown site',
      expect: 401,
      deliveryId,
      send: () => (i % 2 === 0 ? woo(Buffer.from(WOO_TEXT), { secret: 'forged-secret-0123456789abcdef', deliveryId }) : woo(Buffer.from(WOO_TEXT), { site: `https://unknown-${i}.example`, deliveryId })),
    });
  }

  // Stripe.
  for (const m of valueMutations(STRIPE_TEXT, 35, random)) add({ route: 'POST /webhooks/stripe', name: m.name, expect: 'any', send: () => stripe(Buffer.from(m.text)) });
  for (const a of bodyAttacks(STRIPE_TEXT)) add({ route: 'POST /webhooks/stripe', name: a.name, expect: 'any', send: () => stripe(a.body) });
  add({ route: 'POST /webhooks/stripe', name: 'stale timestamp', expect: 401, send: () => stripe(Buffer.from(STRIPE_TEXT), { timestamp: Math.floor(Date.now() / 1000) - 3600 }) });
  add({ route: 'POST /webhooks/stripe', name: 'forged signature', expect: 401, send: () => stripe(Buffer.from(STRIPE_TEXT), { secret: 'whsec_forged_0123456789abcdef' }) });

  // POS: sales, returns, batch.
  const saleText = JSON.stringify(sale('template'));
  for (const m of valueMutations(saleText, 30, random)) {
    add({ route: 'POST /v1/pos/sales', name: m.name, expect: 'any', send: () => pos('/v1/pos/sales', m.text.replace('"template"', JSON.stringify(uniqueName('s')))) });
  }
  for (const a of bodyAttacks(saleText)) add({ route: 'POST /v1/pos/sales', name: a.name, expect: 'any', send: () => pos('/v1/pos/sales', a.body) });
  for (let i = 0; i < 8; i++) {
    const key = i % 2 === 0 ? `pos_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('base64url')}` : `garbage-${i}`;
    add({ route: 'POST /v1/pos/sales', name: i % 2 === 0 ? 'random well-formed key' : 'malformed key', expect: 401, send: () => pos('/v1/pos/sales', JSON.stringify(sale(uniqueName('s'))), { key }) });
  }
  add({ route: 'POST /v1/pos/sales', name: 'content-type text/plain', expect: 'any', send: () => pos('/v1/pos/sales', JSON.stringify(sale(uniqueName('s'))), { contentType: 'text/plain' }) });
  const returnText = JSON.stringify({ returnId: 'r', saleId: 'nope', occurredAt: '2026-11-21T10:00:00Z', currency: 'EUR', lines: [{ sku: 'SKU-1', quantity: 1, refundAmount: '9.95' }], refunds: [] });
  for (const m of valueMutations(returnText, 12, random)) add({ route: 'POST /v1/pos/returns', name: m.name, expect: 'any', send: () => pos('/v1/pos/returns', m.text) });
  for (const a of bodyAttacks(returnText).slice(0, 6)) add({ route: 'POST /v1/pos/returns', name: a.name, expect: 'any', send: () => pos('/v1/pos/returns', a.body) });
  const batchText = JSON.stringify({ items: [sale('b1'), sale('b2')] });
  for (const m of valueMutations(batchText, 12, random)) add({ route: 'POST /v1/pos/sales/batch', name: m.name, expect: 'any', send: () => pos('/v1/pos/sales/batch', m.text.replace(/"b(\d)"/g, () => JSON.stringify(uniqueName('b')))) });
  for (const a of bodyAttacks(batchText).slice(0, 6)) add({ route: 'POST /v1/pos/sales/batch', name: a.name, expect: 'any', send: () => pos('/v1/pos/sales/batch', a.body) });
  add({ route: 'POST /v1/pos/sales/batch', name: 'too many items', expect: 413, send: () => pos('/v1/pos/sales/batch', JSON.stringify({ items: Array.from({ length: 101 }, (_, i) => sale(`many-${i}-${uniqueName('m')}`)) })) });

  // Availability API.
  const skus = ['SKU-1', '%00', '%ff', '%C0%AF', 'a'.repeat(200), '%F0%9F%98%80', '..%2F..%2Fetc', "'%3B--", '%20', 'x%0Ay'];
  for (const sku of skus) add({ route: 'GET /v1/availability/:sku', name: `sku ${sku.slice(0, 20)}`, expect: 'any', send: () => availability(`/v1/availability/${sku}`) });
  for (const query of ['location=', 'location=a&location=b', 'location=%00', 'location[x]=1']) {
    add({ route: 'GET /v1/availability/:sku', name: `query ${query}`, expect: 'any', send: () => availability(`/v1/availability/SKU-1?${query}`) });
  }
  add({ route: 'GET /v1/availability/:sku', name: 'no token', expect: 401, send: () => availability('/v1/availability/SKU-1', { token: null }) });
  add({ route: 'GET /v1/availability/:sku', name: 'wrong token', expect: 401, send: () => availability('/v1/availability/SKU-1', { token: 'wrong-token-0123456789abcdefgh' }) });
  const batchBody = JSON.stringify({ skus: ['SKU-1', 'SKU-2'], locations: ['l1'] });
  for (const m of valueMutations(batchBody, 10, random)) add({ route: 'POST /v1/availability/batch', name: m.name, expect: 'any', send: () => availability('/v1/availability/batch', { method: 'POST', body: m.text, contentType: 'application/json' }) });
  for (const a of bodyAttacks(batchBody)) add({ route: 'POST /v1/availability/batch', name: a.name, expect: 'any', send: () => availability('/v1/availability/batch', { method: 'POST', body: a.body, contentType: 'application/json' }) });
  add({ route: 'POST /v1/availability/batch', name: 'text/plain', expect: 'any', send: () => availability('/v1/availability/batch', { method: 'POST', body: batchBody, contentType: 'text/plain' }) });
  add({ route: 'POST /v1/availability/batch', name: 'invalid UTF-8 refused', expect: 400, send: () => availability('/v1/availability/batch', { method: 'POST', body: bodyAttacks(batchBody)[0]!.body, contentType: 'application/json' }) });
  add({ route: 'POST /v1/availability/batch', name: '300 SKUs', expect: 422, send: () => availability('/v1/availability/batch', { method: 'POST', body: JSON.stringify({ skus: Array.from({ length: 300 }, (_, i) => `S${i}`) }), contentType: 'application/json' }) });
  add({ route: 'POST /v1/availability/batch', name: 'over 64 kB', expect: 413, send: () => availability('/v1/availability/batch', { method: 'POST', body: JSON.stringify({ skus: ['x'.repeat(70_000)] }), contentType: 'application/json' }) });

  // Ops console API (it stores what an operator sends in its audit log, and reads what senders left).
  for (const q of ['%00', 'a%00b', '%ff', '%ED%A0%80', '%C0%AF', 'x'.repeat(3000), "'%3B--", '%231001', '019a0000-0000-7000-8000-000000000000', '99999999999999999999999', 'q[x]=1', 'nothing-known']) {
    const query = q.startsWith('q[') ? q : `q=${q}`;
    add({ route: 'GET /api/search', name: `q ${q.slice(0, 20)}`, expect: 'any', send: () => opsApi(`/api/search?${query}`) });
  }
  add({ route: 'GET /api/search', name: 'q given twice', expect: 400, send: () => opsApi('/api/search?q=a&q=b') });
  add({ route: 'GET /api/search', name: 'no q', expect: 400, send: () => opsApi('/api/search') });
  for (const topic of ['%00', 'retail.orders.v1.dlq.none', '%ff']) {
    add({ route: 'GET /api/dead-letters', name: `topic ${topic}`, expect: 'any', send: () => opsApi(`/api/dead-letters?topic=${topic}`) });
  }
  add({ route: 'GET /api/dead-letters', name: 'topic given twice', expect: 400, send: () => opsApi('/api/dead-letters?topic=a&topic=b') });
  // Only topics that do not exist: the suite must not replay another test's dead letters.
  const replayText = JSON.stringify({ dlqTopic: 'retail.orders.v1.dlq.bad-input-none', key: 'k', partition: 0, offset: '1' });
  for (const m of valueMutations(replayText, 14, random)) add({ route: 'POST /api/dead-letters/replay', name: m.name, expect: 'any', send: () => opsApi('/api/dead-letters/replay', { body: m.text }) });
  for (const a of bodyAttacks(replayText)) add({ route: 'POST /api/dead-letters/replay', name: a.name, expect: 'any', send: () => opsApi('/api/dead-letters/replay', { body: a.body }) });
  for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16']) {
    add({ route: 'POST /api/dead-letters/replay', name: `content-type ${contentType}`, expect: 'any', send: () => opsApi('/api/dead-letters/replay', { body: replayText, contentType }) });
  }
  add({ route: 'POST /api/dead-letters/replay', name: 'invalid UTF-8 refused', expect: 400, send: () => opsApi('/api/dead-letters/replay', { body: bodyAttacks(replayText)[0]!.body }) });
  add({ route: 'POST /api/dead-letters/replay', name: 'over 64 kB', expect: 413, send: () => opsApi('/api/dead-letters/replay', { body: JSON.stringify({ dlqTopic: 'x'.repeat(70_000) }) }) });
  add({ route: 'POST /api/dead-letters/replay', name: 'NUL in the topic', expect: 400, send: () => opsApi('/api/dead-letters/replay', { body: '{"dlqTopic":"a\\u0000b"}' }) });
  const retryText = JSON.stringify({ id: 'odoo_writer.parked/1' });
  for (const m of valueMutations(retryText, 6, random)) add({ route: 'POST /api/parked/retry', name: m.name, expect: 'any', send: () => opsApi('/api/parked/retry', { body: m.text }) });
  for (const id of ['odoo_writer.parked/1', 'order_ingest.outside_effects/x', 'a\\u0000b', 'x\\ud800', '../../etc', '']) {
    add({ route: 'POST /api/parked/retry', name: `id ${id}`, expect: id === '' ? 400 : 404, send: () => opsApi('/api/parked/retry', { body: `{"id":"${id}"}` }) });
  }
  for (const a of bodyAttacks(retryText).slice(0, 8)) add({ route: 'POST /api/parked/retry', name: a.name, expect: 'any', send: () => opsApi('/api/parked/retry', { body: a.body }) });
  for (const [id, status] of [['999999999999999999', 404], ['0', 404], ['99999999999999999999999', 400], ['abc', 400], ['%00', 400], ['-1', 400], ['1.5', 400], ['%ff', 400]] as const) {
    add({ route: 'POST /api/conflicts/:id/keep-original', name: `id ${id}`, expect: status, send: () => opsApi(`/api/conflicts/${id}/keep-original`, { body: '{}' }) });
  }
  for (const path of ['/api/session', '/api/rejections', '/api/conflicts', '/api/parked', '/api/overview', '/api/audit']) {
    add({ route: 'GET /api/<lists>', name: path, expect: 200, send: () => opsApi(path) });
  }
  for (const [name, token] of [
    ['no token', null],
    ['wrong token', 'wrong-console-token-0123456789abc'],
    ['token as Basic', `Basic ${Buffer.from(`ops:${CONSOLE_TOKEN}`).toString('base64')}`],
  ] as const) {
    for (const path of ['/api/session', '/api/search?q=x', '/api/rejections']) add({ route: 'console API unauthenticated', name: `${name} ${path}`, expect: 401, send: () => opsApi(path, { token }) });
    add({ route: 'console API unauthenticated', name: `${name} replay`, expect: 401, send: () => opsApi('/api/dead-letters/replay', { token, body: JSON.stringify({ dlqTopic: UNAUTHENTICATED_MARK }) }) });
    add({ route: 'console API unauthenticated', name: `${name} retry`, expect: 401, send: () => opsApi('/api/parked/retry', { token, body: JSON.stringify({ id: UNAUTHENTICATED_MARK }) }) });
  }
  for (const [method, path, status] of [
    ['GET', '/', 200],
    ['GET', '/api/nope', 404],
    ['DELETE', '/api/search', 404],
    ['PUT', '/api/parked/retry', 404],
    ['GET', '/nope', 404],
    ['GET', '/%ff', 'any'],
    ['GET', '/healthz', 200],
    ['GET', '/readyz', 200],
    ['GET', '/metrics', 200],
  ] as const) {
    add({ route: `ops-console ${method} other`, name: `${method} ${path}`, expect: status, send: () => fetch(`${opsConsole.url}${path}`, { method, headers: path.startsWith('/api') ? { authorization: `Bearer ${CONSOLE_TOKEN}` } : {} }) });
  }
  // The lists again, now that every hostile body above has been refused and kept where it is kept.
  for (const path of ['/api/rejections', '/api/conflicts', '/api/audit']) {
    add({ route: 'GET /api/<lists>', name: `${path} at the end`, expect: 200, send: () => opsApi(path) });
  }

  // Kit and unknown routes of both services.
  for (const [base, label] of [
    [() => ingestUrl, 'order-ingest'],
    [() => projectorUrl, 'inventory-projector'],
    [() => writerUrl, 'odoo-writer'],
  ] as const) {
    for (const [method, path] of [
      ['GET', '/healthz'],
      ['GET', '/readyz'],
      ['GET', '/metrics'],
      ['GET', '/nope'],
      ['DELETE', '/webhooks/shopify'],
      ['POST', '/healthz'],
      ['GET', '/%ff'],
    ] as const) {
      add({ route: `${label} ${method} other`, name: `${method} ${path}`, expect: 'any', send: () => fetch(`${base()}${path}`, { method }) });
    }
    for (const a of bodyAttacks('{"a":1}').slice(0, 4)) {
      add({ route: `${label} POST other`, name: `POST /nope ${a.name}`, expect: 404, send: () => fetch(`${base()}/nope`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: a.body }) });
    }
  }
  return cases;
}

// ---------------------------------------------------------------- the run

function printTable(outcomes: Outcome[]): void {
  const statuses = [...new Set(outcomes.map((o) => o.status))].sort((a, b) => a - b);
  const routes = [...new Set(outcomes.map((o) => o.route))];
  const header = ['route', ...statuses.map(String), 'total'];
  const rows = routes.map((route) => {
    const mine = outcomes.filter((o) => o.route === route);
    return [route, ...statuses.map((s) => String(mine.filter((o) => o.status === s).length || '')), String(mine.length)];
  });
  rows.push(['all', ...statuses.map((s) => String(outcomes.filter((o) => o.status === s).length)), String(outcomes.length)]);
  const widths = header.map((_, i) => Math.max(header[i]!.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(['bad-input suite: cases by route and HTTP status', line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n'));
}

describe('bad-input suite', () => {
  it('answers every hostile request without a 5xx and with a specific problem, keeps nothing unauthenticated, accepts every valid order once, and stays ready', async () => {
    const cases = generateCases(seededRandom(20261202));
    expect(cases.length).toBeGreaterThanOrEqual(300);
    const outcomes: Outcome[] = [];
    const failures: string[] = [];
    const validOrders: string[] = [];
    const deliveryIds: string[] = [];

    for (let i = 0; i < cases.length; i++) {
      if (i % 10 === 0) {
        const { body } = validShopifyOrder();
        const res = await shopify(body);
        outcomes.push({ route: 'valid Shopify order (between cases)', status: res.status });
        if (res.status !== 202) failures.push(`valid order answered ${res.status}: ${await res.text()}`);
        else validOrders.push(((await res.json()) as { orderId: string }).orderId);
      }
      const c = cases[i]!;
      const res = await c.send();
      outcomes.push({ route: c.route, status: res.status });
      if (c.deliveryId) deliveryIds.push(c.deliveryId);
      const text = await res.text();
      const where = `${c.route} [${c.name}] -> ${res.status}`;
      if (res.status >= 500) failures.push(`${where}: ${text.slice(0, 300)}`);
      if (c.expect !== 'any' && res.status !== c.expect) failures.push(`${where}: expected ${c.expect}`);
      if (res.status >= 400) {
        if (!(res.headers.get('content-type') ?? '').includes('application/problem+json')) failures.push(`${where}: not a problem body (${res.headers.get('content-type')})`);
        else {
          const problem = JSON.parse(text) as { type?: unknown; detail?: unknown };
          if (typeof problem.type !== 'string' || /internal/.test(problem.type) || typeof problem.detail !== 'string' || problem.detail === '') failures.push(`${where}: unspecific problem ${text.slice(0, 200)}`);
        }
      }
    }
    printTable(outcomes);
    expect(failures).toEqual([]);

    // Nothing kept for unauthenticated deliveries.
    const kept = await ingest.pool.query<{ n: string }>('SELECT count(*) AS n FROM order_ingest.ingest_requests WHERE request_key = ANY($1)', [deliveryIds]);
    expect(Number(kept.rows[0]!.n)).toBe(0);
    const audited = await ingest.pool.query<{ n: string }>('SELECT count(*) AS n FROM ops_console.audit_log WHERE target LIKE $1', [`%${UNAUTHENTICATED_MARK}%`]);
    expect(Number(audited.rows[0]!.n)).toBe(0);
    const unknownShops = await ingest.pool.query<{ n: string }>("SELECT count(*) AS n FROM order_ingest.channel_facts WHERE channel_id LIKE 'unknown-%' OR channel_id = $1", [OTHER_SHOP]);
    expect(Number(unknownShops.rows[0]!.n)).toBe(0);

    // Every valid order: one OrderPlaced in the outbox, relayed.
    expect(replayedOrders).toHaveLength(8);
    validOrders.push(...replayedOrders);
    const deadline = Date.now() + 30_000;
    let rows: Array<{ message_key: string; n: string; relayed: string }> = [];
    for (let attempt = 0; attempt < 300 && Date.now() < deadline; attempt++) {
      ({ rows } = await ingest.pool.query(
        `SELECT message_key, count(*) AS n, count(published_at) AS relayed FROM order_ingest.outbox WHERE event_type = 'OrderPlaced' AND message_key = ANY($1) GROUP BY message_key`,
        [validOrders],
      ));
      if (rows.length === validOrders.length && rows.every((r) => r.relayed === r.n)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(validOrders.length).toBeGreaterThanOrEqual(30);
    expect(rows).toHaveLength(validOrders.length);
    expect(rows.filter((r) => r.n !== '1' || r.relayed !== '1')).toEqual([]);
    // ... and on Kafka: each published once.
    const published = await publishedOrderPlaced(validOrders);
    expect(validOrders.filter((id) => published.get(id) !== 1)).toEqual([]);

    expect((await fetch(`${ingestUrl}/readyz`)).status).toBe(200);
    expect((await fetch(`${projectorUrl}/readyz`)).status).toBe(200);
    expect((await fetch(`${opsConsole.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${writerUrl}/readyz`)).status).toBe(200);
  }, 300_000);
});
