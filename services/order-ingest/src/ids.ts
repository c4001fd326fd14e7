import { v5 as uuidv5, v7 as uuidv7 } from 'uuid';

/**
 * Backbone ids are UUIDv5 names of the channel's own identifiers, so the same channel fact maps
 * to the same id whichever message (create, cancel, refund) arrives first, on any instance.
 */
const NAMESPACE = '6f1f8e1c-3f5e-5b8a-9d0e-6a2c4b7d9e01';

function named(kind: string, parts: readonly string[]): string {
  return uuidv5(`${kind}:${parts.map((p) => encodeURIComponent(p)).join(':')}`, NAMESPACE);
}

export const ids = {
  order: (channel: string, channelId: string, channelOrderId: string) => named('order', [channel, channelId, channelOrderId]),
  return: (channel: string, channelId: string, channelReturnId: string) => named('return', [channel, channelId, channelReturnId]),
  payment: (provider: string, providerPaymentId: string) => named('payment', [provider, providerPaymentId]),
  refund: (provider: string, providerRefundId: string) => named('refund', [provider, providerRefundId]),
  /** See canonicalCustomerId (customers.ts): `customer('email', address)` or a channel's own customer. */
  customer: (...parts: string[]) => named('customer', parts),
};

export function newCorrelationId(): string {
  return uuidv7();
}

/** A channel id as a string: numbers stay exact because long ones arrive as strings (parseJsonExact). */
export function idString(value: string | number): string {
  return typeof value === 'number' ? String(value) : value;
}
