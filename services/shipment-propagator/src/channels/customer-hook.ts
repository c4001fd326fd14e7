import { createHmac } from 'node:crypto';
import type { PropagationPayload } from '../propagation';
import { channelFetch, readAnswer } from './http';

export interface CustomerHookSettings {
  url: string;
  secret: string;
  timeoutMs: number;
}

export const SIGNATURE_HEADER = 'X-Retail-Signature';
export const EVENT_ID_HEADER = 'X-Retail-Event-Id';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, the scheme of the inbound
 * Stripe-style webhooks: the receiver checks the signature and that the timestamp is recent.
 */
export function signHook(body: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/**
 * The retailer's e-mail/SMS service: one signed, timestamped webhook per shipment. The event
 * id header is the effect's idempotency key, the same on every retry, so the receiver can drop
 * a repeat; a new signature is made per attempt (the timestamp is the attempt's).
 */
export class CustomerHook {
  constructor(private readonly settings: CustomerHookSettings) {}

  async send(p: PropagationPayload, eventId: string, signal: AbortSignal): Promise<{ reference: string; reused: boolean }> {
    const body = JSON.stringify({
      type: 'shipment.dispatched',
      eventId,
      orderId: p.orderId,
      channel: p.channel,
      channelOrderNumber: p.channelOrderNumber,
      shipmentId: p.shipmentId,
      customer: p.contact ?? null,
      lines: p.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
      carrier: p.carrier,
      trackingNumber: p.trackingNumber,
      trackingUrl: p.trackingUrl,
      dispatchedAt: new Date(p.dispatchedAt).toISOString(),
    });
    const response = await channelFetch(
      this.settings.url,
      { method: 'POST', headers: { 'Content-Type': 'application/json', [SIGNATURE_HEADER]: signHook(body, this.settings.secret), [EVENT_ID_HEADER]: eventId }, body },
      { timeoutMs: this.settings.timeoutMs, signal },
    );
    const answer = await readAnswer<{ duplicate?: boolean } | null>(response, 'customer hook');
    return { reference: eventId, reused: answer?.duplicate === true };
  }
}
