/**
 * POST /webhooks/shopify, /webhooks/woocommerce, /webhooks/stripe. The HMAC is checked over the
 * raw body bytes before anything is parsed; an unauthenticated request is answered 401 and its
 * payload is not kept. Webhooks never get an error for a duplicate.
 */
import express, { type Request, type Response, type Router } from 'express';
import { mapShopify, SHOPIFY_TOPICS, type ShopifyTopic } from '../channels/shopify';
import { mapStripe, readStripeEvent, STRIPE_EVENT_TYPES } from '../channels/stripe';
import { mapWooCommerce, WOO_TOPICS, wooSiteId, type WooTopic } from '../channels/woocommerce';
import { verifyStripeSignature } from '../auth/signatures';
import { channelSources, checkTriggeredAt, matchSource, normaliseShopDomain, normaliseSiteUrl } from '../auth/webhook-sources';
import { parseJsonBody } from '@retail-backbone/observability';
import type { RouteContext } from './context';
import { PayloadInvalidError } from '../validation';
import { acceptWebhook, parseAndMap, rawBody, rejectPayload, requestKeyOf, type Sender } from './ingest-flow';
import { sendKind } from './respond';

const REFUSAL_DETAIL: Record<string, string> = {
  unknown_source: 'The sending shop or site is not configured; the payload was not kept.',
  source_mismatch: 'The signature belongs to another shop or site than the one named; the payload was not kept.',
  stale_triggered_at: 'X-Shopify-Triggered-At is outside the accepted window; the payload was not kept.',
  malformed_triggered_at: 'X-Shopify-Triggered-At is not a timestamp; the payload was not kept.',
};

function unauthenticated(ctx: RouteContext, res: Response, channel: string, reason: string): void {
  // Signature failures keep their historic metric reason; the others are counted by their own.
  const metricReason = reason in REFUSAL_DETAIL ? reason : 'invalid_signature';
  ctx.metrics.rejected.inc({ channel, reason: metricReason });
  ctx.logger.warn('webhook signature rejected', { channel, reason });
  sendKind(res, 'invalidSignature', REFUSAL_DETAIL[reason] ?? 'The webhook signature does not match the body; the payload was not kept.');
}

/** Topics the service does not publish are acknowledged so the sender does not retry them. */
function ignored(ctx: RouteContext, res: Response, channel: string, topic: string): void {
  ctx.metrics.rejected.inc({ channel, reason: 'ignored_topic' });
  ctx.logger.info('webhook topic ignored', { channel, topic });
  res.status(200).json({ ignored: true, topic });
}

/**
 * What makes two Shopify deliveries the same. X-Shopify-Event-Id is the same on every webhook an
 * event causes (retries, and one per subscription to the topic), so within the Triggered-At window
 * a delivery that repeats a seen event id, under any webhook id, gets the first answer and has no
 * second effect. Neither header is signed: a captured body sent with made-up ids is still caught
 * by the fact de-duplication (the same body is the same fact). Scoped by topic, as one event may
 * be announced on several topics.
 */
export function shopifyDeliveryKey(topic: string, eventId: string | undefined, webhookId: string | undefined): string | undefined {
  if (eventId) return `event:${topic}:${eventId}`;
  return webhookId || undefined;
}

async function shopify(ctx: RouteContext, req: Request, res: Response): Promise<void> {
  const body = rawBody(req);
  const claimed = req.header('x-shopify-shop-domain');
  const sources = channelSources(ctx.config.webhookSources?.shopify ?? [], ctx.config.secrets.shopify);
  const match = matchSource(sources, body, req.header('x-shopify-hmac-sha256'), claimed ? normaliseShopDomain(claimed) : null);
  if (!match.ok) return unauthenticated(ctx, res, 'shopify', match.reason);
  const triggered = checkTriggeredAt(req.header('x-shopify-triggered-at'), Date.now(), ctx.config.triggeredAtWindowSeconds ?? 72 * 3600);
  if (!triggered.ok) return unauthenticated(ctx, res, 'shopify', triggered.reason);
  const topic = req.header('x-shopify-topic') ?? '';
  if (!SHOPIFY_TOPICS.includes(topic as ShopifyTopic)) return ignored(ctx, res, 'shopify', topic);
  const shop = match.sourceId;
  const sender: Sender = { channel: 'shopify', rejectChannel: 'shopify', channelId: shop || 'unknown-shop', endpoint: `POST /webhooks/shopify ${topic}` };
  const requestKey = requestKeyOf(`shopify:${sender.channelId}`, shopifyDeliveryKey(topic, req.header('x-shopify-event-id'), req.header('x-shopify-webhook-id')), body);
  if (!shop) {
    return rejectPayload(ctx, req, res, sender, body, requestKey, new PayloadInvalidError([{ pointer: '', detail: 'X-Shopify-Shop-Domain header is required' }], 'missing_shop_domain'), null);
  }
  const message = await parseAndMap(ctx, req, res, sender, requestKey, (payload) =>
    mapShopify(topic as ShopifyTopic, payload, { channelId: shop, defaultLocationId: ctx.config.defaultLocationId }),
  );
  if (message) await acceptWebhook(ctx, res, sender, requestKey, message);
}

async function woocommerce(ctx: RouteContext, req: Request, res: Response): Promise<void> {
  const body = rawBody(req);
  let claimedSite: string | null = null;
  try {
    claimedSite = wooSiteId(req.header('x-wc-webhook-source'), parseJsonBody(body));
  } catch {
    claimedSite = wooSiteId(req.header('x-wc-webhook-source'), null);
  }
  const sources = channelSources(ctx.config.webhookSources?.woocommerce ?? [], ctx.config.secrets.woocommerce);
  const match = matchSource(sources, body, req.header('x-wc-webhook-signature'), claimedSite ? normaliseSiteUrl(claimedSite) : null);
  if (!match.ok) return unauthenticated(ctx, res, 'woocommerce', match.reason);
  const topic = req.header('x-wc-webhook-topic') ?? '';
  // WooCommerce pings a new webhook with a form body `webhook_id=<n>` and no topic.
  if (!topic && /^webhook_id=\d+$/.test(body.toString('utf8').trim())) {
    res.status(200).json({ ping: true });
    return;
  }
  if (!WOO_TOPICS.includes(topic)) return ignored(ctx, res, 'woocommerce', topic);
  const site: string | null = match.sourceId || null;
  const sender: Sender = { channel: 'woocommerce', rejectChannel: 'woocommerce', channelId: site ?? 'unknown-site', endpoint: `POST /webhooks/woocommerce ${topic}` };
  const requestKey = requestKeyOf(`woocommerce:${sender.channelId}`, req.header('x-wc-webhook-delivery-id'), body);
  const message = await parseAndMap(ctx, req, res, sender, requestKey, (payload) => {
    if (!site) {
      throw new PayloadInvalidError([{ pointer: '/_links/self/0/href', detail: 'the sending site is unknown: send X-WC-Webhook-Source or a self link' }]);
    }
    return mapWooCommerce(topic as WooTopic, payload, { channelId: site, defaultLocationId: ctx.config.defaultLocationId });
  });
  if (message) await acceptWebhook(ctx, res, sender, requestKey, message);
}

async function stripe(ctx: RouteContext, req: Request, res: Response): Promise<void> {
  const body = rawBody(req);
  const verdict = verifyStripeSignature(body, req.header('stripe-signature'), ctx.config.secrets.stripe ?? '', ctx.config.stripeToleranceSeconds);
  if (!verdict.ok) return unauthenticated(ctx, res, 'stripe', verdict.reason);
  const sender: Sender = { channel: 'stripe', rejectChannel: 'payments', channelId: 'stripe', endpoint: 'POST /webhooks/stripe' };
  let eventType = '';
  let eventId: string | null = null;
  const message = await parseAndMap(ctx, req, res, sender, null, (payload) => {
    const event = readStripeEvent(payload);
    sender.channelId = event.channelId;
    eventType = event.type;
    eventId = event.id;
    return STRIPE_EVENT_TYPES.includes(event.type) ? mapStripe(payload) : { orderId: '', externalId: event.id, facts: [] };
  });
  if (!message) return;
  if (!STRIPE_EVENT_TYPES.includes(eventType)) return ignored(ctx, res, 'stripe', eventType);
  // Stripe has no delivery header: the event id identifies a delivery and its retries.
  await acceptWebhook(ctx, res, sender, requestKeyOf(`stripe:${sender.channelId}`, eventId, body), message);
}

export function webhookRouter(ctx: RouteContext): Router {
  const router = express.Router();
  const raw = express.raw({ type: () => true, limit: ctx.config.limits.webhookBody });
  router.post('/webhooks/shopify', raw, (req, res) => shopify(ctx, req, res));
  router.post('/webhooks/woocommerce', raw, (req, res) => woocommerce(ctx, req, res));
  router.post('/webhooks/stripe', raw, (req, res) => stripe(ctx, req, res));
  return router;
}
