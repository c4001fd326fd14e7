import { createHash } from 'node:crypto';

export interface CustomerRefLike {
  customerId?: string | null;
  channelCustomerId?: string | null;
  email?: string | null;
  loyaltyMemberId?: string | null;
}

export interface MemberKeys {
  /** Kafka key of retail.loyalty.v1 and the effects' aggregate. */
  customerKey: string;
  /** How the platform is asked for the member (an integration id it knows the member by). */
  memberRef: string;
}

/**
 * Who earns for an order, as two keys. `customerKey` is the person: the canonical customer id
 * order-ingest derives (one person on every channel: one key, one ordered queue of effects),
 * else the POS's loyalty member id, else the channel's own customer id. `memberRef` is how the
 * platform is asked for the member: a reference it was given when the member enrolled or linked
 * a channel account (the POS member id, else `<channel>:<channelId>:<id>`), and only without one
 * of those the canonical id (which a platform knows once the retailer links it as the member's
 * integration id). Null: a guest.
 */
export function memberKeysOf(customer: CustomerRefLike, channel: string, channelId: string): MemberKeys | null {
  const channelRef = customer.channelCustomerId ? `${channel}:${channelId}:${customer.channelCustomerId}` : null;
  const memberRef = customer.loyaltyMemberId ?? channelRef ?? customer.customerId ?? null;
  if (!memberRef) return null;
  const customerKey = customer.customerId ?? (customer.loyaltyMemberId ? `member:${customer.loyaltyMemberId}` : channelRef!);
  return { customerKey, memberRef };
}

/** Matches a guest's orders to the customer later identified with the same email; the address itself is not kept. */
export function emailHash(email: string | null | undefined): string | null {
  const normalised = email?.trim().toLowerCase();
  return normalised ? createHash('sha256').update(normalised).digest('hex') : null;
}
