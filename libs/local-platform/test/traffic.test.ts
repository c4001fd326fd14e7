import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyBase64Hmac, verifyStripeSignature } from '../../../services/order-ingest/src/auth/signatures';
import { mapPosReturn, mapPosSale } from '../../../services/order-ingest/src/channels/pos';
import { mapShopify } from '../../../services/order-ingest/src/channels/shopify';
import { mapStripe } from '../../../services/order-ingest/src/channels/stripe';
import { mapWooCommerce, wooSiteId } from '../../../services/order-ingest/src/channels/woocommerce';
import { ids } from '../../../services/order-ingest/src/ids';
import { parseJsonExact } from '../../observability/src/json-exact';
import { buildPlan, ordersIn } from '../src/demo/plan';
import {
  DEMO_CATALOG,
  DEMO_SHOP_DOMAIN,
  DEMO_WOO_SITE,
  MissingSettingsError,
  STORE_LOCATION,
  TrafficClient,
  UnknownSkuError,
  assertLoopback,
  base64HmacSignature,
  counterByLabel,
  parseEnvLines,
  platformEnvFrom,
  posReturn,
  posSale,
  posSaleBatch,
  shopifyOrderCancelled,
  shopifyOrderCreated,
  stripePaymentSucceeded,
  stripeSignature,
  wooOrderCancelled,
  wooOrderCreated,
} from '../src/traffic';

const SECRET = 'test-secret-0123456789abcdef';
const BIG_ORDER_ID = 820982911946154508n;
const ctx = { channelId: DEMO_SHOP_DOMAIN, defaultLocationId: 'online' };
const lines = [
  { sku: 'DEMO-TEE-BLK-M', quantity: 2 },
  { sku: 'DEMO-MUG-ENAMEL', quantity: 1 },
];

describe('Shopify payloads', () => {
  it('writes 64-bit ids as exact bare JSON numbers', () => {
    const text = shopifyOrderCreated({ orderId: BIG_ORDER_ID, lines });
    expect(text).toContain('"id":820982911946154508,');
    expect(text).not.toContain('"id":"820982911946154508"');
    // JSON.parse would round it: that is why the digits must be in the text.
    expect(String((JSON.parse(text) as { id: number }).id)).not.toBe('820982911946154508');
    const lineIds = [...text.matchAll(/"admin_graphql_api_id":"gid:\/\/shopify\/LineItem\/(\d+)"/g)].map((m) => m[1]!);
    expect(lineIds).toHaveLength(2);
    for (const id of lineIds) expect(text).toContain(`"id":${id},`);
  });

  it('passes order-ingest’s orders/create mapper with exact ids and totals', () => {
    const message = mapShopify('orders/create', parseJsonExact(shopifyOrderCreated({ orderId: BIG_ORDER_ID, lines, shipping: '4.90' })), ctx);
    const placed = message.facts[0]!;
    expect(placed.eventType).toBe('OrderPlaced');
    const body = placed.body as { channelOrderId: string; locationId: string; lines: Array<{ sku: string; quantity: number }>; totals: { grandTotal: { amount: string } }; currency: string };
    expect(body.channelOrderId).toBe('820982911946154508');
    expect(body.locationId).toBe('online');
    expect(body.currency).toBe('EUR');
    expect(body.lines.map((l) => [l.sku, l.quantity])).toEqual([['DEMO-TEE-BLK-M', 2], ['DEMO-MUG-ENAMEL', 1]]);
    // 2 x 24.90 + 9.50 + 4.90 shipping
    expect(Number(body.totals.grandTotal.amount)).toBeCloseTo(64.2, 6);
    expect(message.orderId).toBe(ids.order('shopify', DEMO_SHOP_DOMAIN, '820982911946154508'));
  });

  it('builds an orders/cancelled body for the same order', () => {
    const message = mapShopify('orders/cancelled', parseJsonExact(shopifyOrderCancelled({ orderId: BIG_ORDER_ID, lines, reason: 'inventory' })), ctx);
    expect(message.facts[0]!.eventType).toBe('OrderCancelled');
    expect((message.facts[0]!.body as { reason: string }).reason).toBe('inventory');
    expect(message.orderId).toBe(ids.order('shopify', DEMO_SHOP_DOMAIN, '820982911946154508'));
  });

  it('signs the exact bytes: the signature verifies, and fails for another secret or a changed body', () => {
    const text = shopifyOrderCreated({ orderId: BIG_ORDER_ID, lines });
    const signature = base64HmacSignature(text, SECRET);
    expect(verifyBase64Hmac(Buffer.from(text), signature, SECRET)).toBe(true);
    expect(verifyBase64Hmac(Buffer.from(text), signature, `${SECRET}x`)).toBe(false);
    expect(verifyBase64Hmac(Buffer.from(text.replace('"quantity":2', '"quantity":3')), signature, SECRET)).toBe(false);
  });

  it('refuses ids a JS number cannot hold exactly, and SKUs outside the catalog', () => {
    expect(() => shopifyOrderCreated({ orderId: 2 ** 60, lines })).toThrow(RangeError);
    expect(() => shopifyOrderCreated({ orderId: '820982911946154508', lines })).not.toThrow();
    expect(() => shopifyOrderCreated({ orderId: 1n, lines: [{ sku: 'NOPE', quantity: 1 }] })).toThrow(UnknownSkuError);
    expect(() => shopifyOrderCreated({ orderId: 1n, lines: [{ sku: 'DEMO-MUG-ENAMEL', quantity: 0 }] })).toThrow(RangeError);
  });
});

describe('WooCommerce payloads', () => {
  it('escapes slashes like PHP, verifies, and maps to OrderPlaced / OrderCancelled', () => {
    const text = wooOrderCreated({ orderId: 727, lines });
    expect(text).toContain('https:\\/\\/shop.retail-demo.example\\/wp-json\\/wc\\/v3\\/orders\\/727');
    expect(verifyBase64Hmac(Buffer.from(text), base64HmacSignature(text, SECRET), SECRET)).toBe(true);
    const payload = parseJsonExact(text);
    const site = wooSiteId(undefined, payload)!;
    expect(site).toBe(DEMO_WOO_SITE);
    const placed = mapWooCommerce('order.created', payload, { channelId: site, defaultLocationId: 'online' });
    // a paid order also carries the shop's captured payment
    expect(placed.facts.map((f) => f.eventType)).toEqual(['OrderPlaced', 'PaymentCaptured']);
    expect((placed.facts[0]!.body as { financialStatus: string }).financialStatus).toBe('paid');
    const cancelled = mapWooCommerce('order.updated', parseJsonExact(wooOrderCancelled({ orderId: 727, lines })), { channelId: site, defaultLocationId: 'online' });
    expect(cancelled.facts.map((f) => f.eventType)).toEqual(['OrderCancelled']);
    expect(cancelled.orderId).toBe(placed.orderId);
  });
});

describe('POS payloads', () => {
  const store = { estateId: 'demo-stores', storeId: 'berlin-01', locationId: STORE_LOCATION };

  it('maps a sale to OrderPlaced plus a fully paid capture', () => {
    const message = mapPosSale(JSON.parse(posSale({ saleId: 'till-1-0001', lines, tender: 'cash' })), store);
    expect(message.facts.map((f) => f.eventType)).toEqual(['OrderPlaced', 'PaymentCaptured']);
    const body = message.facts[0]!.body as { financialStatus: string; locationId: string };
    expect(body.financialStatus).toBe('paid');
    expect(body.locationId).toBe(STORE_LOCATION);
  });

  it('maps every item of an offline batch, and a return of a sale', () => {
    const batch = JSON.parse(posSaleBatch([{ saleId: 'a-1', lines }, { saleId: 'a-2', lines: [{ sku: 'DEMO-CAP-NAVY', quantity: 1 }] }])) as { items: unknown[] };
    expect(batch.items.map((item, i) => mapPosSale(item, store, `/items/${i}`).externalId)).toEqual(['a-1', 'a-2']);
    const ret = mapPosReturn(JSON.parse(posReturn({ returnId: 'r-1', saleId: 'a-1', lines: [{ sku: 'DEMO-MUG-ENAMEL', quantity: 1 }] })), store);
    expect(ret.facts.map((f) => f.eventType)).toEqual(['ReturnReceived', 'PaymentRefunded']);
    expect(ret.orderId).toBe(mapPosSale(batch.items[0], store).orderId);
  });
});

describe('Stripe', () => {
  it('signs t=,v1= so order-ingest verifies it, and the payment lands on the Shopify order', () => {
    const text = stripePaymentSucceeded({
      eventId: 'evt_demo_1',
      paymentIntentId: 'pi_demo_1',
      amount: 6420,
      order: { channel: 'shopify', channelId: DEMO_SHOP_DOMAIN, channelOrderId: '820982911946154508' },
    });
    const header = stripeSignature(text, SECRET, 1_700_000_000);
    expect(verifyStripeSignature(Buffer.from(text), header, SECRET, 300, 1_700_000_100_000)).toEqual({ ok: true, timestamp: 1_700_000_000 });
    expect(verifyStripeSignature(Buffer.from(text), header, SECRET, 300, 1_700_001_000_000)).toEqual({ ok: false, reason: 'expired' });
    const message = mapStripe(JSON.parse(text));
    expect(message.orderId).toBe(ids.order('shopify', DEMO_SHOP_DOMAIN, '820982911946154508'));
    expect((message.facts[0]!.body as { amount: { amount: string } }).amount.amount).toMatch(/^64\.20*$/);
  });
});

describe('settings and summaries', () => {
  it('reads NAME=value lines and names every missing setting', () => {
    const parsed = parseEnvLines('> pnpm banner\nORDER_INGEST_URL=http://127.0.0.1:1\nPOS_API_KEY=pos_a=b\nREADY\n');
    expect(parsed).toEqual({ ORDER_INGEST_URL: 'http://127.0.0.1:1', POS_API_KEY: 'pos_a=b' });
    expect(() => platformEnvFrom(parsed, ['ORDER_INGEST_URL', 'KAFKA_BROKERS', 'ODOO_URL'])).toThrow(new MissingSettingsError(['KAFKA_BROKERS', 'ODOO_URL']));
  });

  it('refuses non-loopback targets', () => {
    expect(() => assertLoopback({ ORDER_INGEST_URL: 'http://127.0.0.1:1', KAFKA_BROKERS: '127.0.0.1:9092' })).not.toThrow();
    expect(() => assertLoopback({ ORDER_INGEST_URL: 'http://example.com', KAFKA_BROKERS: '10.0.0.1:9092' })).toThrow(/example\.com, 10\.0\.0\.1/);
  });

  it('sums a Prometheus counter by label', () => {
    const text = [
      '# TYPE order_ingest_accepted_total counter',
      'order_ingest_accepted_total{channel="shopify",event_type="OrderPlaced"} 3',
      'order_ingest_accepted_total{channel="pos",event_type="OrderPlaced"} 2',
      'order_ingest_accepted_total{channel="pos",event_type="PaymentCaptured"} 2',
      'order_ingest_accepted_total_other{event_type="OrderPlaced"} 100',
    ].join('\n');
    expect(counterByLabel(text, 'order_ingest_accepted_total', 'event_type')).toEqual({ OrderPlaced: 5, PaymentCaptured: 2 });
  });
});

describe('demo plan', () => {
  it('holds exactly the requested orders, with follow-ups and one offline batch', () => {
    const waves = buildPlan({ orders: 200, burst: 20, runId: 't', seed: 42 });
    const steps = waves.flat();
    expect(steps.reduce((n, s) => n + ordersIn(s), 0)).toBe(200);
    expect(steps.filter((s) => s.kind === 'pos-batch')).toHaveLength(1);
    for (const kind of ['shopify-cancel', 'pos-return', 'stock-receipt'] as const) expect(steps.some((s) => s.kind === kind)).toBe(true);
    expect(Math.max(...waves.map((w) => w.length))).toBe(20);
    expect(DEMO_CATALOG.length).toBeGreaterThanOrEqual(12);
    expect(steps.some((s) => s.kind === 'loyalty-enrol')).toBe(false);
  });

  it('with loyalty, enrols the first Shopify customers as members who then buy in store, some paying with points', () => {
    const steps = buildPlan({ orders: 200, burst: 1, runId: 't', seed: 42, loyalty: true }).flat();
    const enrols = steps.filter((s): s is Extract<typeof s, { kind: 'loyalty-enrol' }> => s.kind === 'loyalty-enrol');
    expect(enrols).toHaveLength(5);
    // each enrolment comes right before the Shopify order of the customer it links
    for (const e of enrols) expect(steps[steps.indexOf(e) + 1]!.kind).toBe('shopify-order');
    const sales = steps.filter((s): s is Extract<typeof s, { kind: 'pos-sale' }> => s.kind === 'pos-sale' && s.sale.customer !== undefined);
    expect(new Set(sales.map((s) => s.sale.customer!.loyaltyMemberId))).toEqual(new Set(enrols.map((e) => e.memberId)));
    expect(sales.some((s) => s.sale.pointsPaid === '0.20')).toBe(true);
    expect(steps.reduce((n, s) => n + ordersIn(s), 0)).toBe(200);
  });
});

describe('TrafficClient over HTTP', () => {
  let server: http.Server;
  let url: string;
  const seen: Array<{ path: string; headers: http.IncomingHttpHeaders; body: string }> = [];
  let rateLimitOnce = true;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        if (req.url === '/v1/pos/sales' && rateLimitOnce) {
          rateLimitOnce = false;
          res.writeHead(429, { 'Retry-After': '0', 'content-type': 'application/problem+json' }).end('{"status":429}');
          return;
        }
        res.writeHead(202, { 'content-type': 'application/json', 'x-correlation-id': String(req.headers['x-correlation-id'] ?? 'new') }).end('{"orderId":"o"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function client(): TrafficClient {
    return new TrafficClient({
      ORDER_INGEST_URL: url,
      INVENTORY_API_URL: url,
      ODOO_URL: url,
      SHOPIFY_WEBHOOK_SECRET: SECRET,
      WOOCOMMERCE_WEBHOOK_SECRET: `${SECRET}-woo`,
      STRIPE_WEBHOOK_SECRET: `${SECRET}-stripe`,
      KAFKA_BROKERS: '127.0.0.1:1',
      SCHEMA_REGISTRY_URL: url,
      POS_API_KEY: 'pos_test_key',
    });
  }

  it('sends signed Shopify and WooCommerce deliveries with delivery and correlation ids', async () => {
    const c = client();
    const answer = await c.sendShopifyOrder({ orderId: BIG_ORDER_ID, lines }, { deliveryId: 'd-1', correlationId: 'corr-1' });
    expect(answer).toMatchObject({ status: 202, body: { orderId: 'o' }, correlationId: 'corr-1' });
    const shopify = seen.find((s) => s.path === '/webhooks/shopify')!;
    expect(shopify.headers['x-shopify-topic']).toBe('orders/create');
    expect(shopify.headers['x-shopify-webhook-id']).toBe('d-1');
    expect(shopify.headers['x-shopify-shop-domain']).toBe(DEMO_SHOP_DOMAIN);
    expect(verifyBase64Hmac(Buffer.from(shopify.body), String(shopify.headers['x-shopify-hmac-sha256']), SECRET)).toBe(true);
    expect(shopify.body).toContain('"id":820982911946154508,');

    await c.sendWooOrder({ orderId: 42, lines });
    const woo = seen.find((s) => s.path === '/webhooks/woocommerce')!;
    expect(woo.headers['x-wc-webhook-topic']).toBe('order.created');
    expect(woo.headers['x-wc-webhook-delivery-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(verifyBase64Hmac(Buffer.from(woo.body), String(woo.headers['x-wc-webhook-signature']), `${SECRET}-woo`)).toBe(true);
    await c.close();
  });

  it('sends POS sales with the key and an Idempotency-Key, waiting out a 429', async () => {
    const c = client();
    const answer = await c.sendPosSale({ saleId: 's-1', lines });
    expect(answer.status).toBe(202);
    expect(answer.rateLimited).toBe(1);
    const posCalls = seen.filter((s) => s.path === '/v1/pos/sales');
    expect(posCalls).toHaveLength(2);
    expect(posCalls[1]!.headers.authorization).toBe('Bearer pos_test_key');
    expect(posCalls[1]!.headers['idempotency-key']).toBe('sale-s-1');
    expect(posCalls[1]!.body).toBe(posCalls[0]!.body);
    await c.close();
  });
});
