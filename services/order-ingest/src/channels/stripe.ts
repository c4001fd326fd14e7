/**
 * Stripe events → payment facts. payment_intent.succeeded → PaymentCaptured; charge.refunded →
 * one PaymentRefunded per refund of the charge (the charge lists all its refunds, so a later
 * event repeats earlier ones; they are de-duplicated by refund id).
 *
 * The order a payment belongs to comes from the object's metadata: `order_id` (a backbone order
 * id), or `channel` + `channel_id` + `channel_order_id`. Without either the payment is keyed by
 * an order id derived from its PaymentIntent, so captures and refunds of it still share a key.
 */
import { z } from 'zod';
import { fact, type Fact, type MappedMessage } from '../facts';
import { ids } from '../ids';
import { fromMinorUnits, money } from '../money';
import { parseWith } from '../validation';
import { currencyField } from './fields';

const PROVIDER = 'stripe';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const minorAmount = z.number().int('must be an integer amount in minor units').nonnegative('must not be negative');
const metadata = z.record(z.string(), z.string()).default({});
const stripeId = z.string().min(1).max(255);

const envelope = z.object({
  id: stripeId,
  type: z.string(),
  created: z.number().int().positive(),
  account: z.string().nullish(),
  data: z.object({ object: z.unknown(), previous_attributes: z.unknown().optional() }),
});

const paymentIntent = z.object({
  id: stripeId,
  amount: minorAmount,
  amount_received: minorAmount.default(0),
  currency: currencyField,
  metadata,
  payment_method_types: z.array(z.string()).default([]),
});

const refund = z.object({ id: stripeId, amount: minorAmount, currency: currencyField, created: z.number().int().positive(), reason: z.string().nullish(), status: z.string().nullish() });

const charge = z.object({
  id: stripeId,
  payment_intent: stripeId.nullish(),
  currency: currencyField,
  amount_refunded: minorAmount,
  metadata,
  refunds: z.object({ data: z.array(refund) }).nullish(),
});

export const STRIPE_EVENT_TYPES: readonly string[] = ['payment_intent.succeeded', 'charge.refunded'];

export interface StripeEvent {
  id: string;
  type: string;
  created: number;
  channelId: string;
}

/** Reads the event envelope (id, type) needed for de-duplication before the object is mapped. */
export function readStripeEvent(payload: unknown): StripeEvent {
  const e = parseWith(envelope, payload);
  return { id: e.id, type: e.type, created: e.created, channelId: e.account ?? PROVIDER };
}

function orderIdFor(meta: Record<string, string>, paymentKey: string, channelId: string): string {
  if (meta.order_id && UUID.test(meta.order_id)) return meta.order_id.toLowerCase();
  if (meta.channel && meta.channel_id && meta.channel_order_id) return ids.order(meta.channel, meta.channel_id, meta.channel_order_id);
  return ids.order(PROVIDER, channelId, paymentKey);
}

export function mapStripe(payload: unknown): MappedMessage {
  const event = readStripeEvent(payload);
  const object = (payload as { data: { object: unknown } }).data.object;
  if (event.type === 'payment_intent.succeeded') {
    const pi = parseWith(paymentIntent, object, '/data/object');
    const orderId = orderIdFor(pi.metadata, pi.id, event.channelId);
    const captured = pi.amount_received > 0 ? pi.amount_received : pi.amount;
    const occurredAt = event.created * 1000;
    const f = fact(
      'PaymentCaptured',
      { kind: 'payment', channel: PROVIDER, channelId: event.channelId, externalId: pi.id, orderId, occurredAt },
      {
        orderId,
        paymentId: ids.payment(PROVIDER, pi.id),
        provider: PROVIDER,
        providerPaymentId: pi.id,
        amount: money(fromMinorUnits(captured, pi.currency), pi.currency),
        method: pi.payment_method_types[0] ?? null,
        capturedAt: occurredAt,
      },
    );
    return { orderId, externalId: event.id, facts: [f] };
  }
  const ch = parseWith(charge, object, '/data/object');
  const paymentKey = ch.payment_intent ?? ch.id;
  const orderId = orderIdFor(ch.metadata, paymentKey, event.channelId);
  const refunds = ch.refunds?.data ?? [
    // Newer API versions no longer embed refunds: the event then stands for the refunded total.
    { id: `${ch.id}@${ch.amount_refunded}`, amount: ch.amount_refunded, currency: ch.currency, created: event.created, reason: null, status: 'succeeded' },
  ];
  const facts: Fact[] = refunds
    .filter((r) => r.status === 'succeeded' || r.status == null)
    .map((r) =>
      fact(
        'PaymentRefunded',
        { kind: 'refund', channel: PROVIDER, channelId: event.channelId, externalId: r.id, orderId, occurredAt: r.created * 1000 },
        {
          orderId,
          refundId: ids.refund(PROVIDER, r.id),
          paymentId: ids.payment(PROVIDER, paymentKey),
          provider: PROVIDER,
          providerRefundId: r.id,
          amount: money(fromMinorUnits(r.amount, r.currency), r.currency),
          reason: r.reason ?? null,
          returnId: null,
          refundedAt: r.created * 1000,
        },
      ),
    );
  return { orderId, externalId: event.id, facts };
}
