import { signBase64Hmac } from '../src/auth/signatures';
import { checkTriggeredAt, matchSource, normaliseShopDomain, parseSourceMap, type WebhookSource } from '../src/auth/webhook-sources';
import { configFromEnv } from '../src/config';
import { fixture, startHarness, type Harness } from './helpers';

const OLD = 'shop-a-old-secret-0123456789';
const NEW = 'shop-a-new-secret-0123456789';
const SHOP_B = 'shop-b-secret-0123456789abcd';
const SHOP_A_DOMAIN = 'shop-a.myshopify.com';
const SHOP_B_DOMAIN = 'shop-b.myshopify.com';
const SOURCES: WebhookSource[] = [
  { id: SHOP_A_DOMAIN, secrets: [NEW, OLD] },
  { id: SHOP_B_DOMAIN, secrets: [SHOP_B] },
];
const BODY = Buffer.from('{"id": 1}');

describe('webhook source matching', () => {
  it('accepts either secret of a shop during a rotation and takes the identity from the source', () => {
    expect(matchSource(SOURCES, BODY, signBase64Hmac(BODY, OLD), SHOP_A_DOMAIN)).toEqual({ ok: true, sourceId: SHOP_A_DOMAIN });
    expect(matchSource(SOURCES, BODY, signBase64Hmac(BODY, NEW), SHOP_A_DOMAIN)).toEqual({ ok: true, sourceId: SHOP_A_DOMAIN });
    expect(matchSource(SOURCES, BODY, signBase64Hmac(BODY, NEW), null)).toEqual({ ok: true, sourceId: SHOP_A_DOMAIN });
  });

  it("refuses a shop outside the allowlist, a body signed with another shop's secret and a wrong signature", () => {
    expect(matchSource(SOURCES, BODY, signBase64Hmac(BODY, NEW), 'evil.myshopify.com')).toEqual({ ok: false, reason: 'unknown_source' });
    expect(matchSource(SOURCES, BODY, signBase64Hmac(BODY, SHOP_B), SHOP_A_DOMAIN)).toEqual({ ok: false, reason: 'source_mismatch' });
    expect(matchSource(SOURCES, BODY, signBase64Hmac(BODY, 'not-a-configured-secret-000'), SHOP_A_DOMAIN)).toEqual({ ok: false, reason: 'invalid_signature' });
    expect(matchSource(SOURCES, BODY, undefined, SHOP_A_DOMAIN)).toEqual({ ok: false, reason: 'invalid_signature' });
  });

  it('keeps the legacy single secret working for any shop, but never lets it stand in for a named shop', () => {
    const legacy = [...SOURCES, { id: '*', secrets: ['legacy-secret-0123456789abc'] }];
    expect(matchSource(legacy, BODY, signBase64Hmac(BODY, 'legacy-secret-0123456789abc'), 'dev.myshopify.com')).toEqual({ ok: true, sourceId: 'dev.myshopify.com' });
    expect(matchSource(legacy, BODY, signBase64Hmac(BODY, SHOP_B), 'dev.myshopify.com')).toEqual({ ok: false, reason: 'source_mismatch' });
  });

  it('checks X-Shopify-Triggered-At against the window', () => {
    const now = Date.parse('2026-01-10T12:00:00Z');
    expect(checkTriggeredAt(undefined, now, 3600)).toEqual({ ok: true });
    expect(checkTriggeredAt('2026-01-10T11:30:00Z', now, 3600)).toEqual({ ok: true });
    expect(checkTriggeredAt('2026-01-10T10:00:00Z', now, 3600)).toEqual({ ok: false, reason: 'stale_triggered_at' });
    expect(checkTriggeredAt('yesterday-ish', now, 3600)).toEqual({ ok: false, reason: 'malformed_triggered_at' });
  });

  it('reads per-shop secrets from JSON and names the variable and shop of a problem', () => {
    expect(parseSourceMap('V', '{"Shop-A.myshopify.com": ["' + NEW + '", "' + OLD + '"], "b.myshopify.com": "' + SHOP_B + '"}', normaliseShopDomain)).toEqual([
      { id: SHOP_A_DOMAIN, secrets: [NEW, OLD] },
      { id: 'b.myshopify.com', secrets: [SHOP_B] },
    ]);
    expect(parseSourceMap('V', 'nope', normaliseShopDomain)).toEqual(['V: is not JSON; expected {"<shop or site>": ["<secret>", ...]}']);
    expect(parseSourceMap('V', '{"a.myshopify.com": ["short"]}', normaliseShopDomain)).toEqual(['V a.myshopify.com.0: each secret must be at least 16 characters']);
    const base = { DATABASE_URL: 'postgres://h/db', KAFKA_BROKERS: '127.0.0.1:9092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081' };
    expect(() => configFromEnv({ ...base, SHOPIFY_WEBHOOK_SECRETS: '{"a.myshopify.com": []}' })).toThrow('SHOPIFY_WEBHOOK_SECRETS a.myshopify.com: needs at least one secret');
    expect(configFromEnv({ ...base, WOOCOMMERCE_WEBHOOK_SECRETS: `{"https://Shop.example/": "${SHOP_B}"}` }).webhookSources?.woocommerce).toEqual([
      { id: 'https://shop.example', secrets: [SHOP_B] },
    ]);
  });
});

describe('per-shop webhook secrets in the service', () => {
  let h: Harness;
  const CREATE = fixture('shopify_orders-create.webhook.json');

  beforeAll(async () => {
    h = await startHarness({ secrets: { stripe: 'whsec_test_secret_0123456789' }, webhookSources: { shopify: SOURCES, woocommerce: [] }, triggeredAtWindowSeconds: 3600 });
  });
  afterAll(async () => {
    await h?.close();
  });

  function post(body: Buffer, secret: string, shop: string, extra: Record<string, string> = {}): Promise<Response> {
    return fetch(`${h.url}/webhooks/shopify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-topic': 'orders/create', 'x-shopify-shop-domain': shop, 'x-shopify-hmac-sha256': signBase64Hmac(body, secret), ...extra },
      body,
    });
  }

  async function rejectedCount(reason: string): Promise<number> {
    const metric = await h.service.registry.getSingleMetric('order_ingest_rejected_total')!.get();
    return metric.values.filter((v) => v.labels.reason === reason && v.labels.channel === 'shopify').reduce((sum, v) => sum + v.value, 0);
  }

  async function factsOf(channelId: string): Promise<number> {
    const { rows } = await h.service.pool.query<{ n: string }>('SELECT count(*) AS n FROM order_ingest.channel_facts WHERE channel_id = $1', [channelId]);
    return Number(rows[0]!.n);
  }

  it('accepts the old and the new secret of a shop, refuses and counts an unknown shop and keeps nothing for it', async () => {
    expect((await post(CREATE, OLD, SHOP_A_DOMAIN)).status).toBe(202);
    expect((await post(CREATE, NEW, 'SHOP-A.myshopify.com')).status).toBe(202);
    const before = await rejectedCount('unknown_source');
    const unknown = await post(CREATE, NEW, 'evil.myshopify.com');
    expect(unknown.status).toBe(401);
    expect(((await unknown.json()) as { detail: string }).detail).toContain('not configured');
    expect(await rejectedCount('unknown_source')).toBe(before + 1);
    expect(await factsOf('evil.myshopify.com')).toBe(0);
  });

  it("refuses shop A's body replayed under shop B's name, and a stale X-Shopify-Triggered-At", async () => {
    const replay = await post(CREATE, NEW, SHOP_B_DOMAIN);
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { detail: string }).detail).toContain('another shop');
    expect(await factsOf(SHOP_B_DOMAIN)).toBe(0);
    const stale = await post(CREATE, SHOP_B, SHOP_B_DOMAIN, { 'x-shopify-triggered-at': new Date(Date.now() - 2 * 3600_000).toISOString() });
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { detail: string }).detail).toContain('X-Shopify-Triggered-At');
    const fresh = await post(CREATE, SHOP_B, SHOP_B_DOMAIN, { 'x-shopify-triggered-at': new Date().toISOString() });
    expect(fresh.status).toBe(202);
  });

  it('answers a repeated X-Shopify-Event-Id under a new webhook id from the first delivery, recording the delivery once; another topic of that event id is its own', async () => {
    const body = Buffer.from(CREATE.toString('utf8').replace('"id": 820982911946154508', '"id": 820982911946159999'));
    const keys = async () =>
      (await h.service.pool.query<{ request_key: string }>('SELECT request_key FROM order_ingest.ingest_requests WHERE scope = $1 ORDER BY request_key', [`shopify:${SHOP_A_DOMAIN}`])).rows.map((r) => r.request_key);
    const before = await keys();
    const eventId = `evt-${Date.now()}`;
    const headers = (webhookId: string) => ({ 'x-shopify-event-id': eventId, 'x-shopify-webhook-id': webhookId, 'x-shopify-triggered-at': new Date().toISOString() });
    const first = await post(body, NEW, SHOP_A_DOMAIN, headers('wh-1'));
    expect(first.status).toBe(202);
    const firstBody = await first.json();
    const repeated = await post(body, NEW, SHOP_A_DOMAIN, headers('wh-2'));
    expect(repeated.status).toBe(202);
    expect(await repeated.json()).toEqual(firstBody);
    const added = (await keys()).filter((k) => !before.includes(k));
    expect(added).toEqual([`event:orders/create:${eventId}`]);

    const cancel = Buffer.from(fixture('shopify_orders-cancelled.webhook.json').toString('utf8').replace(/820982911946154508/g, '820982911946159999'));
    const cancelled = await fetch(`${h.url}/webhooks/shopify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-topic': 'orders/cancelled', 'x-shopify-shop-domain': SHOP_A_DOMAIN, 'x-shopify-hmac-sha256': signBase64Hmac(cancel, NEW), ...headers('wh-3') },
      body: cancel,
    });
    expect(cancelled.status).toBe(202);
    expect(await cancelled.json()).not.toEqual(firstBody);
    expect((await keys()).filter((k) => !before.includes(k))).toEqual([`event:orders/cancelled:${eventId}`, `event:orders/create:${eventId}`]);
  });
});
