/** Stripe `payment_intent.succeeded` events paying for a channel order (metadata names the order). */
export interface StripePaymentInput {
  eventId: string;
  paymentIntentId: string;
  /** Minor units (cents). */
  amount: number;
  currency?: string;
  created?: Date;
  /** The order paid for, as order-ingest reads it from metadata. */
  order: { channel: string; channelId: string; channelOrderId: string };
}

export function stripePaymentSucceeded(input: StripePaymentInput): string {
  if (!Number.isSafeInteger(input.amount) || input.amount < 0) throw new RangeError(`amount must be whole minor units, got ${input.amount}`);
  const created = Math.floor((input.created ?? new Date()).getTime() / 1000);
  const currency = (input.currency ?? 'EUR').toLowerCase();
  return JSON.stringify({
    id: input.eventId,
    object: 'event',
    api_version: '2024-06-20',
    created,
    data: {
      object: {
        id: input.paymentIntentId,
        object: 'payment_intent',
        amount: input.amount,
        amount_capturable: 0,
        amount_received: input.amount,
        capture_method: 'automatic',
        confirmation_method: 'automatic',
        created,
        currency,
        customer: null,
        description: null,
        latest_charge: `ch_${input.paymentIntentId.replace(/^pi_/, '')}`,
        livemode: false,
        metadata: { channel: input.order.channel, channel_id: input.order.channelId, channel_order_id: input.order.channelOrderId },
        payment_method_types: ['card'],
        status: 'succeeded',
      },
    },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'payment_intent.succeeded',
  });
}
