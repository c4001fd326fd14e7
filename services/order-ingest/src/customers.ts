import { ids } from './ids';

/** An e-mail address as the same person types it in different shops: trimmed, lower case. */
export function normalisedEmail(email: string | null | undefined): string | null {
  const trimmed = email?.trim().toLowerCase();
  return trimmed ? trimmed : null;
}

/**
 * The backbone's customer id, the same for one person on every channel: named from the normalised
 * e-mail when the order has one (so a Shopify, a WooCommerce and a POS order of one address are one
 * customer, hence one Odoo partner), else from the channel's own customer id (stable within the
 * channel instance), else from the loyalty membership; null for a guest with none of them.
 * Deterministic, so every ingest replica and every redelivery names the same customer.
 */
export function canonicalCustomerId(
  channel: string,
  channelId: string,
  customer: { email?: string | null; channelCustomerId?: string | null; loyaltyMemberId?: string | null },
): string | null {
  const email = normalisedEmail(customer.email);
  if (email) return ids.customer('email', email);
  if (customer.channelCustomerId) return ids.customer(channel, channelId, customer.channelCustomerId);
  if (customer.loyaltyMemberId) return ids.customer('loyalty', customer.loyaltyMemberId);
  return null;
}
