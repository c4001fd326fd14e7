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
 * Who earns for an order. The canonical customer id (issue 16) is preferred when the order
 * carries one: the platform knows it as the member's integration id, and every channel's orders
 * of one person then share one key and one ordered queue of effects. Until it is filled, the
 * POS's loyalty member id, then the channel's own customer id (`<channel>:<channelId>:<id>`),
 * which the platform knows as a linked reference of the member. Null: a guest.
 */
export function memberKeysOf(customer: CustomerRefLike, channel: string, channelId: string): MemberKeys | null {
  if (customer.customerId) return { customerKey: customer.customerId, memberRef: customer.customerId };
  if (customer.loyaltyMemberId) return { customerKey: `member:${customer.loyaltyMemberId}`, memberRef: customer.loyaltyMemberId };
  if (customer.channelCustomerId) {
    const ref = `${channel}:${channelId}:${customer.channelCustomerId}`;
    return { customerKey: ref, memberRef: ref };
  }
  return null;
}

/** Matches a guest's orders to the customer later identified with the same email; the address itself is not kept. */
export function emailHash(email: string | null | undefined): string | null {
  const normalised = email?.trim().toLowerCase();
  return normalised ? createHash('sha256').update(normalised).digest('hex') : null;
}
