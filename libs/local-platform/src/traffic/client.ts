/**
 * Sends channel traffic to a running platform the way the senders do: signed webhooks with
 * delivery ids, POS calls with the store's API key and Idempotency-Key, and WMS stock events as
 * Avro on Kafka. Loopback only.
 */
import { kafkaSecurityFromEnv } from '@retail-backbone/connections';
import { randomUUID } from 'node:crypto';
import { buildEnvelope, EventSerde, eventKey, topicOf, type EventPayloads } from '@retail-backbone/contracts';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { assertLoopback, MissingSettingsError, platformEnvFrom, TRAFFIC_REQUIRED, type PlatformEnv } from './env';
import { posReturn, posSale, posSaleBatch, type PosReturnInput, type PosSaleInput } from './pos';
import { base64HmacSignature, stripeSignature } from './signatures';
import { DEMO_SHOP_DOMAIN, SHOPIFY_API_VERSION, shopifyOrderCancelled, shopifyOrderCreated, type ShopifyCancelInput, type ShopifyOrderInput } from './shopify';
import { DEMO_WOO_SITE, wooOrderCancelled, wooOrderCreated, type WooCancelInput, type WooOrderInput } from './woocommerce';

export interface HttpAnswer {
  status: number;
  /** Parsed JSON when the answer is JSON, else the text. */
  body: unknown;
  correlationId: string | null;
  /** How many 429 answers were waited out before this one. */
  rateLimited: number;
}

export interface SendOptions {
  correlationId?: string;
  /** X-Shopify-Webhook-Id / X-WC-Webhook-Delivery-ID; a redelivery repeats it. Default: new UUID. */
  deliveryId?: string;
}

export interface PosSendOptions {
  correlationId?: string;
  /** Default: derived from the sale/return id, so a retried call is recognised. */
  idempotencyKey?: string;
}

export interface TrafficClientOptions {
  /** Wait out 429 answers (Retry-After) like a till would; default true, at most 5 waits. */
  retryRateLimited?: boolean;
  requestTimeoutMs?: number;
  /** The `source` of stock events. */
  stockSource?: string;
  region?: string;
}

export interface StockSnapshotInput {
  sku: string;
  locationId: string;
  quantity: number;
  asOf?: number;
  snapshotId?: string;
  correlationId?: string;
}

export interface StockMovementInput {
  sku: string;
  locationId: string;
  quantityDelta: number;
  movementType: 'receipt' | 'sale' | 'adjustment' | 'transfer_in' | 'transfer_out' | 'return';
  movementId?: string;
  observedAt?: number;
  reason?: string;
  sourceReference?: string;
  correlationId?: string;
}

const MAX_RATE_LIMIT_WAITS = 5;
const STOCK_TOPIC = topicOf('StockMovementRecorded');

export class TrafficClient {
  readonly env: PlatformEnv;
  private readonly options: Required<TrafficClientOptions>;
  private readonly serde: EventSerde;
  private readonly kafka: Kafka;
  private producer: Promise<Producer> | null = null;

  constructor(env: Record<string, string | undefined>, options: TrafficClientOptions = {}) {
    this.env = platformEnvFrom(env, TRAFFIC_REQUIRED);
    assertLoopback(this.env);
    this.options = {
      retryRateLimited: options.retryRateLimited ?? true,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      stockSource: options.stockSource ?? 'wms',
      region: options.region ?? 'local',
    };
    this.serde = new EventSerde({ registryUrl: this.env.SCHEMA_REGISTRY_URL, clientId: 'demo-traffic' });
    this.kafka = new Kafka({ clientId: 'demo-traffic', brokers: this.env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING, ...kafkaSecurityFromEnv() });
  }

  // --- Shopify -------------------------------------------------------------------------------

  /** Delivers a Shopify webhook body as is (send the same body and deliveryId again for a redelivery). */
  deliverShopify(topic: 'orders/create' | 'orders/cancelled' | 'refunds/create', rawBody: string, opts: SendOptions = {}): Promise<HttpAnswer> {
    return this.post(`${this.env.ORDER_INGEST_URL}/webhooks/shopify`, rawBody, opts.correlationId, {
      'X-Shopify-Topic': topic,
      'X-Shopify-Hmac-Sha256': base64HmacSignature(rawBody, this.env.SHOPIFY_WEBHOOK_SECRET),
      'X-Shopify-Shop-Domain': DEMO_SHOP_DOMAIN,
      'X-Shopify-API-Version': SHOPIFY_API_VERSION,
      'X-Shopify-Webhook-Id': opts.deliveryId ?? randomUUID(),
      // Shopify repeats the event id on every retry of a delivery, and order-ingest keys on it.
      'X-Shopify-Event-Id': opts.deliveryId ? `event-${opts.deliveryId}` : randomUUID(),
      'X-Shopify-Triggered-At': new Date().toISOString(),
    });
  }

  sendShopifyOrder(input: ShopifyOrderInput, opts?: SendOptions): Promise<HttpAnswer> {
    return this.deliverShopify('orders/create', shopifyOrderCreated(input), opts);
  }

  sendShopifyCancel(input: ShopifyCancelInput, opts?: SendOptions): Promise<HttpAnswer> {
    return this.deliverShopify('orders/cancelled', shopifyOrderCancelled(input), opts);
  }

  // --- WooCommerce ---------------------------------------------------------------------------

  deliverWoo(topic: 'order.created' | 'order.updated', rawBody: string, opts: SendOptions = {}): Promise<HttpAnswer> {
    const [resource, event] = topic.split('.') as [string, string];
    return this.post(`${this.env.ORDER_INGEST_URL}/webhooks/woocommerce`, rawBody, opts.correlationId, {
      'User-Agent': 'WooCommerce/9.8.5 Hookshot (WordPress/6.8.1)',
      'X-WC-Webhook-Source': `${DEMO_WOO_SITE}/`,
      'X-WC-Webhook-Topic': topic,
      'X-WC-Webhook-Resource': resource,
      'X-WC-Webhook-Event': event,
      'X-WC-Webhook-Signature': base64HmacSignature(rawBody, this.env.WOOCOMMERCE_WEBHOOK_SECRET),
      'X-WC-Webhook-ID': '7',
      'X-WC-Webhook-Delivery-ID': opts.deliveryId ?? randomUUID(),
    });
  }

  sendWooOrder(input: WooOrderInput, opts?: SendOptions): Promise<HttpAnswer> {
    return this.deliverWoo('order.created', wooOrderCreated(input), opts);
  }

  sendWooCancel(input: WooCancelInput, opts?: SendOptions): Promise<HttpAnswer> {
    return this.deliverWoo('order.updated', wooOrderCancelled(input), opts);
  }

  // --- Stripe --------------------------------------------------------------------------------

  deliverStripe(rawBody: string, opts: { correlationId?: string; timestampSeconds?: number } = {}): Promise<HttpAnswer> {
    return this.post(`${this.env.ORDER_INGEST_URL}/webhooks/stripe`, rawBody, opts.correlationId, {
      'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      'Stripe-Signature': stripeSignature(rawBody, this.env.STRIPE_WEBHOOK_SECRET, opts.timestampSeconds),
    });
  }

  // --- POS -----------------------------------------------------------------------------------

  deliverPos(path: '/v1/pos/sales' | '/v1/pos/sales/batch' | '/v1/pos/returns', rawBody: string, idempotencyKey: string | undefined, correlationId?: string): Promise<HttpAnswer> {
    return this.post(`${this.env.ORDER_INGEST_URL}${path}`, rawBody, correlationId, {
      Authorization: `Bearer ${this.env.POS_API_KEY}`,
      ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}),
    });
  }

  sendPosSale(input: PosSaleInput, opts: PosSendOptions = {}): Promise<HttpAnswer> {
    return this.deliverPos('/v1/pos/sales', posSale(input), opts.idempotencyKey ?? `sale-${input.saleId}`, opts.correlationId);
  }

  /** An offline till uploading what it sold while disconnected; answered 207 per item. */
  sendPosBatch(sales: readonly PosSaleInput[], opts: PosSendOptions = {}): Promise<HttpAnswer> {
    return this.deliverPos('/v1/pos/sales/batch', posSaleBatch(sales), opts.idempotencyKey ?? `batch-${randomUUID()}`, opts.correlationId);
  }

  sendPosReturn(input: PosReturnInput, opts: PosSendOptions = {}): Promise<HttpAnswer> {
    return this.deliverPos('/v1/pos/returns', posReturn(input), opts.idempotencyKey ?? `return-${input.returnId}`, opts.correlationId);
  }

  // --- Loyalty platform (simulator) ---------------------------------------------------------

  /** Enrols a member known by these references (a channel's customer), so online and store purchases share one ledger. */
  enrolLoyaltyMember(memberId: string, refs: readonly string[]): Promise<HttpAnswer> {
    if (!this.env.LOYALTY_PLATFORM_URL || !this.env.LOYALTY_PLATFORM_API_KEY) throw new MissingSettingsError(['LOYALTY_PLATFORM_URL', 'LOYALTY_PLATFORM_API_KEY']);
    return this.post(`${this.env.LOYALTY_PLATFORM_URL}/v1/members`, JSON.stringify({ memberId, refs }), undefined, { Authorization: `Bearer ${this.env.LOYALTY_PLATFORM_API_KEY}` });
  }

  // --- WMS stock events ----------------------------------------------------------------------

  publishStockSnapshot(input: StockSnapshotInput): Promise<void> {
    if (!Number.isInteger(input.quantity) || input.quantity < 0) throw new RangeError(`snapshot quantity must be a whole number >= 0, got ${input.quantity}`);
    const asOf = input.asOf ?? Date.now();
    return this.publish('StockSnapshotTaken', input.correlationId, {
      snapshotId: input.snapshotId ?? `count-${randomUUID()}`,
      sku: input.sku,
      locationId: input.locationId,
      quantity: input.quantity,
      asOf,
      source: this.options.stockSource,
    }, asOf);
  }

  publishStockMovement(input: StockMovementInput): Promise<void> {
    if (!Number.isInteger(input.quantityDelta) || input.quantityDelta === 0) throw new RangeError(`quantityDelta must be a non-zero whole number, got ${input.quantityDelta}`);
    const observedAt = input.observedAt ?? Date.now();
    return this.publish('StockMovementRecorded', input.correlationId, {
      movementId: input.movementId ?? `mv-${randomUUID()}`,
      sku: input.sku,
      locationId: input.locationId,
      movementType: input.movementType,
      quantityDelta: input.quantityDelta,
      observedAt,
      source: this.options.stockSource,
      sourceReference: input.sourceReference ?? null,
      reason: input.reason ?? null,
    }, observedAt);
  }

  // --- availability --------------------------------------------------------------------------

  getAvailability(sku: string, location?: string): Promise<HttpAnswer> {
    const url = new URL(`/v1/availability/${encodeURIComponent(sku)}`, this.env.INVENTORY_API_URL);
    if (location) url.searchParams.set('location', location);
    return this.request(url.toString(), { method: 'GET', headers: {} });
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = null;
    if (producer) await (await producer).disconnect();
  }

  // --- plumbing ------------------------------------------------------------------------------

  private async publish<T extends 'StockSnapshotTaken' | 'StockMovementRecorded'>(
    eventType: T,
    correlationId: string | undefined,
    body: Omit<EventPayloads[T], 'envelope'>,
    occurredAt: number,
  ): Promise<void> {
    const envelope = buildEnvelope(eventType, { producer: `demo-${this.options.stockSource}`, correlationId: correlationId ?? randomUUID(), region: this.options.region, occurredAt });
    const value = { envelope, ...body } as EventPayloads[T];
    const encoded = await this.serde.encode(STOCK_TOPIC, eventType, value);
    const producer = await this.connectProducer();
    await producer.send({
      topic: STOCK_TOPIC,
      acks: -1,
      messages: [
        {
          key: eventKey(eventType, value),
          value: encoded,
          // The same CloudEvents-style headers the platform's own producers set.
          headers: { ce_id: envelope.eventId, ce_type: eventType, ce_source: envelope.producer, ce_specversion: '1.0', 'correlation-id': envelope.correlationId },
        },
      ],
    });
  }

  private connectProducer(): Promise<Producer> {
    if (!this.producer) {
      // Same partitioner as the platform's producers, so a key lands where they would put it.
      const producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
      this.producer = producer.connect().then(() => producer);
      this.producer.catch(() => (this.producer = null));
    }
    return this.producer;
  }

  private post(url: string, body: string, correlationId: string | undefined, headers: Record<string, string>): Promise<HttpAnswer> {
    return this.request(url, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json', ...(correlationId ? { 'X-Correlation-ID': correlationId } : {}), ...headers },
    });
  }

  private async request(url: string, init: { method: string; body?: string; headers: Record<string, string> }): Promise<HttpAnswer> {
    for (let waits = 0; ; waits += 1) {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(this.options.requestTimeoutMs) });
      const text = await res.text();
      if (res.status === 429 && this.options.retryRateLimited && waits < MAX_RATE_LIMIT_WAITS) {
        const retryAfter = Number(res.headers.get('retry-after') ?? '1');
        await new Promise((resolve) => setTimeout(resolve, Math.min(Math.max(retryAfter, 0.1), 10) * 1000));
        continue;
      }
      let body: unknown = text;
      if (/json/.test(res.headers.get('content-type') ?? '')) {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      return { status: res.status, body, correlationId: res.headers.get('x-correlation-id'), rateLimited: waits };
    }
  }
}
