import type { EmitEvent } from '@retail-backbone/messaging';
import type { LoyaltyMetrics } from '../metrics';

export const LOYALTY_TOPIC = 'retail.loyalty.v1';

export type Activity = 'accrual' | 'reversal' | 'redemption' | 'restore';
export type RejectionReason = 'no-customer' | 'unknown-member' | 'refund-exceeds-order' | 'insufficient-points' | 'currency-not-earning' | (string & {});

export interface Rejection {
  customerKey: string;
  memberId?: string | null;
  orderId: string;
  activity: Activity;
  reason: RejectionReason;
  points?: number | null;
  detail: string;
  reference?: string | null;
}

/** LoyaltyActivityRejected, in the caller's transaction, and its metric. */
export async function emitRejection(emit: (e: EmitEvent) => Promise<void>, metrics: LoyaltyMetrics, r: Rejection): Promise<void> {
  metrics.rejections.inc({ activity: r.activity, reason: r.reason });
  await emit({
    topic: LOYALTY_TOPIC,
    key: r.customerKey,
    eventType: 'LoyaltyActivityRejected',
    value: {
      customerId: r.customerKey,
      loyaltyMemberId: r.memberId ?? null,
      orderId: r.orderId,
      activity: r.activity,
      reason: r.reason,
      points: r.points ?? null,
      detail: r.detail,
      reference: r.reference ?? null,
      rejectedAt: Date.now(),
    },
  });
}
