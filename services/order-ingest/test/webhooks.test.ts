import { uniqueName } from '@retail-backbone/devstack';
import { startTelemetry, type Telemetry } from '@retail-backbone/observability';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { signBase64Hmac, signStripe } from '../src/auth/signatures';
import { ids } from '../src/ids';
import { fixture, SECRETS, startHarness, type Harness } from './helpers';

let h: Harness;
let telemetry: Telemetry;
const spans = new InMemorySpanExporter();

beforeAll(async () => {
  telemetry = startTelemetry({ serviceName: 'order-ingest-test', spanExporter: spans, instrumentations: false });
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
  await telemetry?.shutdown();
});

const CREATE = fixture('shopify_orders-create.webhook.json');
const CANCEL = fixture('shopify_orders-cancelled.webhook.json');
const REFUND = fixture('shopify_refunds-create.webhook.json');
const WOO = fixture('woocommerce_order.created.v3_order.json');
const PI = fixture('stripe_payment_intent.succeeded.event.json');
const CHARGE = fixture('stripe_charge.refunded.event.json');
const SHOPIFY_ORDER_ID = '820982911946154508';

function shop(): string {
  return `${uniqueName('shop')}.myshopify.com`;
}

function postShopify(body: Buffer, topic: string, shopDomain: string, extra: Record<string, string> = {}): Promise<Response> {
  return fetch(`${h.url}/webhooks/shopify`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-shopify-topic': topic,
      'x-shopify-shop-domain': shopDomain,
      'x-shopify-webhook-id': uniqueName('wh'),
      'x-shopify-hmac-sha256': signBase64Hmac(body, SECRETS.shopify),
      ...extra,
    },
    body,
  });
}

async function rowCount(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await h.service.pool.query<{ n: string }>(`SELECT count(*) AS n FROM order_ingest.${sql}`, params);
  return Number(rows[0]!.n);
}

describe('Shopify webhooks', () => {
  it('accepts orders/create, answers 202 with the correlation id and publishes OrderPlaced with the exact 18-digit id', async () => {
    const domain = shop();
    const correlationId = uniqueName('corr');
    const res = await postShopify(CREATE, 'orders/create', domain, { 'x-correlation-id': correlationId });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { orderId: string; correlationId: string };
    expect(body).toEqual({ orderId: ids.order('shopify', domain, SHOPIFY_ORDER_ID), correlationId });
    expect(BigInt(SHOPIFY_ORDER_ID) > 2n ** 53n).toBe(true);

    await h.events.waitFor(() => h.events.forKey(body.orderId).length === 1);
    const [received] = h.events.forKey(body.orderId);
    expect(received!.topic).toBe('retail.orders.v1');
    expect(received!.event.eventType).toBe('OrderPlaced');
    const value = received!.event.value as unknown as Record<string, unknown> & { envelope: { correlationId: string; eventId: string }; lines: Array<{ lineId: string; sku: string }> };
    expect(value.channelOrderId).toBe(SHOPIFY_ORDER_ID);
    expect(value.lines[0]!.lineId).toBe('487817672276298554');
    expect(value.lines.map((l) => l.sku)).toContain('SKU2006-001');
    expect(value.envelope.correlationId).toBe(correlationId);

    // The HTTP server span is the parent of the trace context stored with the outbox row.
    const server = spans.getFinishedSpans().find((s) => s.name.startsWith('POST /webhooks/shopify') && s.kind === 1)!;
    expect(server).toBeDefined();
    const { rows } = await h.service.pool.query<{ trace_context: { traceparent: string } }>('SELECT trace_context FROM order_ingest.outbox WHERE event_id = $1', [
      value.envelope.eventId,
    ]);
    const serverIds = server.spanContext();
    expect(rows[0]!.trace_context.traceparent).toBe(`00-${serverIds.traceId}-${serverIds.spanId}-01`);
    expect(received!.headers['traceparent']).toContain(serverIds.traceId);
  });

  it('answers replays and re-deliveries with the original result and emits once; a changed payload is a conflict row', async () => {
    const domain = shop();
    const webhookId = uniqueName('wh');
    const first = await postShopify(CREATE, 'orders/create', domain, { 'x-shopify-webhook-id': webhookId });
    const firstBody = await first.json();
    const replay = await postShopify(CREATE, 'orders/create', domain, { 'x-shopify-webhook-id': webhookId });
    expect(replay.status).toBe(202);
    expect(await replay.json()).toEqual(firstBody);
    const redelivery = await postShopify(CREATE, 'orders/create', domain);
    expect(redelivery.status).toBe(202);
    expect(await redelivery.json()).toEqual(firstBody);

    const changed = Buffer.from(CREATE.toString('utf8').replace('"total_price": "404.95"', '"total_price": "399.95"'));
    const conflict = await postShopify(changed, 'orders/create', domain);
    expect(conflict.status).toBe(202);
    expect(await conflict.json()).toEqual(firstBody);
    expect(await rowCount('fact_conflicts WHERE channel_id = $1', [domain])).toBe(1);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/order_ingest_conflicts_total\{[^}]*channel="shopify"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/order_ingest_duplicates_total\{[^}]*channel="shopify"[^}]*\} [1-9]/);

    const orderId = (firstBody as { orderId: string }).orderId;
    // The cancellation is the marker: same key and partition, so once it is seen every event the
    // replays could have produced would have been seen before it.
    expect((await postShopify(CANCEL, 'orders/cancelled', domain)).status).toBe(202);
    await h.events.waitFor(() => h.events.forKey(orderId).some((e) => e.event.eventType === 'OrderCancelled'));
    expect(h.events.forKey(orderId).map((e) => e.event.eventType)).toEqual(['OrderPlaced', 'OrderCancelled']);
  });

  it('refuses a bad signature with 401 problem details and keeps nothing', async () => {
    const domain = shop();
    const res = await postShopify(CREATE, 'orders/create', domain, { 'x-shopify-hmac-sha256': signBase64Hmac(CREATE, 'wrong-secret-0123456789') });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(((await res.json()) as { type: string }).type).toContain('invalid-signature');
    const tampered = Buffer.concat([CREATE, Buffer.from(' ')]);
    const res2 = await postShopify(tampered, 'orders/create', domain, { 'x-shopify-hmac-sha256': signBase64Hmac(CREATE, SECRETS.shopify) });
    expect(res2.status).toBe(401);
    expect(await rowCount('rejections WHERE channel_id = $1', [domain])).toBe(0);
    expect(await rowCount('channel_facts WHERE channel_id = $1', [domain])).toBe(0);
  });

  it('accepts a cancellation before its order and publishes it right after the late OrderPlaced', async () => {
    const domain = shop();
    const cancel = await postShopify(CANCEL, 'orders/cancelled', domain);
    expect(cancel.status).toBe(202);
    const { orderId } = (await cancel.json()) as { orderId: string };
    expect(orderId).toBe(ids.order('shopify', domain, SHOPIFY_ORDER_ID));
    // Held back: nothing for this order is in the outbox until its OrderPlaced arrives.
    expect(await rowCount('outbox WHERE message_key = $1', [orderId])).toBe(0);

    const create = await postShopify(CREATE, 'orders/create', domain);
    expect(((await create.json()) as { orderId: string }).orderId).toBe(orderId);
    await h.events.waitFor(() => h.events.forKey(orderId).length === 2);
    expect(h.events.forKey(orderId).map((e) => e.event.eventType)).toEqual(['OrderPlaced', 'OrderCancelled']);
  });

  it('maps refunds/create to PaymentRefunded per successful refund transaction', async () => {
    const domain = shop();
    const res = await postShopify(REFUND, 'refunds/create', domain);
    expect(res.status).toBe(202);
    const { orderId } = (await res.json()) as { orderId: string };
    expect(orderId).toBe(ids.order('shopify', domain, SHOPIFY_ORDER_ID));
    await h.events.waitFor(() => h.events.forKey(orderId).length === 2);
    const refunds = h.events.forKey(orderId).map((e) => e.event.value as unknown as { providerRefundId: string; amount: { amount: string; currency: string } });
    expect(refunds.map((r) => [r.providerRefundId, r.amount.amount, r.amount.currency])).toEqual([
      ['245135271310201194', '75.00', 'USD'],
      ['839212141605670573', '10.00', 'USD'],
    ]);
  });

  it('answers 422 with every offending field, keeps the payload and emits IngestRejected', async () => {
    const domain = shop();
    const bad = Buffer.from(
      CREATE.toString('utf8')
        .replace('"currency": "USD"', '"currency": "XYZ"')
        .replace('"quantity": 1,\n      "requires_shipping": true,\n      "sales_line_item_group_id": null', '"quantity": -2,\n      "requires_shipping": true,\n      "sales_line_item_group_id": null'),
    );
    const res = await postShopify(bad, 'orders/create', domain);
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await res.json()) as { errors: Array<{ pointer: string; detail: string }>; rejectionId: string; correlationId: string };
    expect(problem.errors.map((e) => e.pointer).sort()).toEqual(['/currency', '/line_items/0/quantity']);
    await h.events.waitFor(() => h.events.received.some((r) => r.topic === 'retail.ingest-rejected.v1' && (r.event.value as unknown as { rejectionId: string }).rejectionId === problem.rejectionId));
    const rejected = h.events.received.find((r) => (r.event.value as unknown as { rejectionId?: string }).rejectionId === problem.rejectionId)!;
    const value = rejected.event.value as unknown as { payload: Buffer; channelId: string; reasonCode: string; errors: unknown[] };
    expect(value.channelId).toBe(domain);
    expect(value.errors).toHaveLength(2);
    expect(value.payload.toString('utf8')).toContain('"id": 820982911946154508');

    const malformed = await postShopify(Buffer.from('{"id": 1,'), 'orders/create', domain);
    expect(malformed.status).toBe(422);
    expect(((await malformed.json()) as { type: string }).type).toContain('malformed-json');
  });

  it('accepts a signed order whose text holds \\u0000 and a lone surrogate, storing them as U+FFFD, and refuses deep nesting with 422', async () => {
    const domain = shop();
    const hostile = Buffer.from(
      CREATE.toString('utf8')
        .replace('"note": null', '"note": "gift\\u0000wrap \\ud83d"')
        .replace('"first_name": "John"', '"first_name": "Jo\\u0000hn\\udc00"'),
    );
    const res = await postShopify(hostile, 'orders/create', domain);
    expect(res.status).toBe(202);
    const { orderId } = (await res.json()) as { orderId: string };
    await h.events.waitFor(() => h.events.forKey(orderId).length === 1);
    const value = h.events.forKey(orderId)[0]!.event.value as unknown as { customer: { firstName: string | null } | null };
    expect(value.customer?.firstName).toBe('Jo\uFFFDhn\uFFFD');

    const deep = Buffer.from(`{"id": 1, "x": ${'['.repeat(200)}${']'.repeat(200)}}`);
    const refused = await postShopify(deep, 'orders/create', domain);
    expect(refused.status).toBe(422);
    const problem = (await refused.json()) as { type: string; errors: Array<{ detail: string }> };
    expect(problem.type).toContain('malformed-json');
    expect(problem.errors[0]!.detail).toContain('deeper than 64 levels');
  });

  it('answers 413 for a body over the limit without keeping it', async () => {
    const big = Buffer.from(JSON.stringify({ padding: 'x'.repeat(70 * 1024) }));
    const res = await postShopify(big, 'orders/create', shop());
    expect(res.status).toBe(413);
    expect(((await res.json()) as { type: string }).type).toContain('payload-too-large');
  });
});

describe('WooCommerce webhooks', () => {
  function postWoo(body: Buffer, site: string, deliveryId: string, secret = SECRETS.woocommerce): Promise<Response> {
    return fetch(`${h.url}/webhooks/woocommerce`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-wc-webhook-topic': 'order.created',
        'x-wc-webhook-source': site,
        'x-wc-webhook-delivery-id': deliveryId,
        'x-wc-webhook-signature': signBase64Hmac(body, secret),
      },
      body,
    });
  }

  it('accepts order.created (stand-in SKU for the line without one) and de-duplicates the delivery', async () => {
    const site = `https://${uniqueName('woo')}.example.com/`;
    const res = await postWoo(WOO, site, '101');
    expect(res.status).toBe(202);
    const body = (await res.json()) as { orderId: string };
    const again = await postWoo(WOO, site, '101');
    expect(await again.json()).toEqual(body);
    // the paid sample is its order and the shop's captured payment
    await h.events.waitFor(() => h.events.forKey(body.orderId).length === 2);
    const events = h.events.forKey(body.orderId);
    expect(events.map((e) => e.event.eventType).sort()).toEqual(['OrderPlaced', 'PaymentCaptured']);
    const value = events.find((e) => e.event.eventType === 'OrderPlaced')!.event.value as unknown as { channelOrderId: string; lines: Array<{ sku: string; unitPrice: { amount: string } }> };
    expect(value.channelOrderId).toBe('727');
    expect(value.lines.map((l) => [l.sku, l.unitPrice.amount])).toEqual([
      ['woocommerce:93', '3.00'],
      ['Bar3', '12.00'],
    ]);
    expect((await postWoo(WOO, site, '102', 'not-the-secret-123456')).status).toBe(401);
  });
});

describe('Stripe webhooks', () => {
  function postStripe(body: Buffer, signature: string): Promise<Response> {
    return fetch(`${h.url}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body });
  }

  /** The fixture with its own event and payment ids, so no other suite's copy shares its order key. */
  function uniquePaymentIntent(metadata: Record<string, string> = {}): { body: Buffer; paymentId: string } {
    const event = JSON.parse(PI.toString('utf8')) as { id: string; data: { object: { id: string; metadata: Record<string, string> } } };
    const paymentId = uniqueName('pi');
    event.id = uniqueName('evt');
    event.data.object.id = paymentId;
    event.data.object.metadata = metadata;
    return { body: Buffer.from(JSON.stringify(event)), paymentId };
  }

  it('maps payment_intent.succeeded and charge.refunded to payment events, and a re-posted event publishes nothing', async () => {
    const first = uniquePaymentIntent();
    const captured = await postStripe(first.body, signStripe(first.body, SECRETS.stripe));
    expect(captured.status).toBe(202);
    const { orderId } = (await captured.json()) as { orderId: string };
    expect((await postStripe(first.body, signStripe(first.body, SECRETS.stripe))).status).toBe(202);
    // A second payment for the same order is the marker: same key, same partition, published after
    // anything the re-post could have produced.
    const marker = uniquePaymentIntent({ order_id: orderId });
    expect((await postStripe(marker.body, signStripe(marker.body, SECRETS.stripe))).status).toBe(202);
    const capturedFor = (paymentId: string) =>
      h.events
        .forKey(orderId)
        .filter((e) => e.event.eventType === 'PaymentCaptured')
        .map((e) => e.event.value as unknown as { providerPaymentId: string; amount: { amount: string; currency: string } })
        .filter((v) => v.providerPaymentId === paymentId);
    await h.events.waitFor(() => capturedFor(marker.paymentId).length >= 1);
    expect(capturedFor(first.paymentId)).toHaveLength(1);
    expect(capturedFor(first.paymentId)[0]!.amount).toEqual({ amount: '10.00', currency: 'USD' });

    const refunded = await postStripe(CHARGE, signStripe(CHARGE, SECRETS.stripe));
    expect(refunded.status).toBe(202);
    const refundOrder = ((await refunded.json()) as { orderId: string }).orderId;
    await h.events.waitFor(() => h.events.forKey(refundOrder).some((e) => e.event.eventType === 'PaymentRefunded'));
    const refund = h.events.forKey(refundOrder).find((e) => e.event.eventType === 'PaymentRefunded')!.event.value as unknown as { providerRefundId: string; amount: { amount: string } };
    expect(refund).toMatchObject({ providerRefundId: 're_3Kl36gJDPojXS6LN0eP4yPDz', amount: { amount: '25.00' } });
  });

  it('refuses stale timestamps and wrong signatures with 401', async () => {
    const stale = signStripe(PI, SECRETS.stripe, Math.floor(Date.now() / 1000) - 301);
    expect((await postStripe(PI, stale)).status).toBe(401);
    expect((await postStripe(PI, signStripe(PI, 'whsec_other_secret_000000'))).status).toBe(401);
    expect((await postStripe(PI, 't=1,v1=zz')).status).toBe(401);
  });
});
