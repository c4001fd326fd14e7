/** Webhook signatures as the senders compute them, over the exact bytes that are sent. */
import { createHmac } from 'node:crypto';

/** Shopify X-Shopify-Hmac-Sha256 and WooCommerce X-WC-Webhook-Signature: base64(HMAC-SHA256(body)). */
export function base64HmacSignature(rawBody: string | Buffer, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}

export const shopifySignature = base64HmacSignature;
export const wooCommerceSignature = base64HmacSignature;

/** Stripe-Signature: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export function stripeSignature(rawBody: string | Buffer, secret: string, timestampSeconds = Math.floor(Date.now() / 1000)): string {
  const v1 = createHmac('sha256', secret).update(`${timestampSeconds}.`).update(rawBody).digest('hex');
  return `t=${timestampSeconds},v1=${v1}`;
}
