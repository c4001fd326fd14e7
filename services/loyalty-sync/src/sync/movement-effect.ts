import type { ClaimedEffect, CompletionContext, EffectDefinition, EffectErrorClass, EffectOutcome, EffectStore } from '@retail-backbone/messaging';
import type { LoyaltyStore } from '../db/store';
import type { LoyaltyMetrics } from '../metrics';
import { PlatformRefusal, PlatformUnavailable, type LoyaltyClient, type PlatformTransaction, type PlatformTransactionType } from '../platform/client';
import { emitRejection, LOYALTY_TOPIC, type Activity } from './loyalty-events';

export const MOVEMENT_KIND = 'loyalty.points.move';

/** Deterministic keys: the same business intent always yields the same key (sent as Idempotency-Key). */
export const movementKeys = {
  accrual: (orderId: string) => `loyalty:accrue:${orderId}`,
  reversal: (orderId: string, sourceId: string) => `loyalty:reverse:${orderId}:${sourceId}`,
  redemption: (paymentId: string) => `loyalty:redeem:${paymentId}`,
  restore: (paymentId: string) => `loyalty:restore:${paymentId}`,
};

const PLATFORM_TYPE: Record<Activity, PlatformTransactionType> = { accrual: 'earn', reversal: 'reverse', redemption: 'redeem', restore: 'restore' };

export interface MovementPayload extends Record<string, unknown> {
  activity: Activity;
  customerKey: string;
  memberRef: string;
  orderId: string;
  points: number;
  /** Accrual: the qualifying amount. Redemption: the amount the points paid. */
  money?: { amount: string; currency: string };
  /** Reversal: 'return', 'refund' or 'cancellation'. */
  reason?: string;
  paymentId?: string;
  /** Reversal / restore: the key of the movement undone (its transaction id goes in the event). */
  undoes?: string;
}

export type MovementResult = { applied: PlatformTransaction } | { refused: { status: number; code: string; message: string } };

/** Refusals that are the member's state, final and reported: not a bug to retry. */
const BUSINESS_REFUSALS: Record<string, string> = { unknown_member: 'unknown-member', insufficient_points: 'insufficient-points' };

export function classifyPlatformError(error: unknown): EffectErrorClass {
  if (error instanceof PlatformUnavailable) return error.applied === 'no' ? 'retry' : 'ambiguous';
  if (error instanceof PlatformRefusal) return 'failed';
  return 'ambiguous';
}

export interface MovementLimits {
  concurrency: number;
  ratePerSecond: number;
  timeoutMs: number;
  ambiguityWindowMs: number;
  breaker: { threshold: number; halfOpenAfterMs: number };
}

/**
 * One point movement on the platform as an outside effect: recorded with the consumer's inbox
 * row, performed here with no transaction open, one at a time per member reference in recording
 * order. After an ambiguous attempt the platform is first asked for the transaction the key
 * created; a retry with the same key is itself safe (the platform replays its saved answer). The
 * outcome is recorded with the event it announces, in the completion transaction.
 */
export function movementEffect(client: LoyaltyClient, store: LoyaltyStore, effects: EffectStore, metrics: LoyaltyMetrics, limits: MovementLimits): EffectDefinition<MovementPayload, MovementResult> {
  return {
    kind: MOVEMENT_KIND,
    batchSize: 1,
    ...limits,
    classify: classifyPlatformError,
    async perform([effect]: Array<ClaimedEffect<MovementPayload>>, signal: AbortSignal): Promise<Array<EffectOutcome<MovementResult>>> {
      const e = effect!;
      const p = e.payload;
      if (e.lookFirst) {
        const found = await client.findByKey(e.key, signal);
        if (found) return [{ status: 'done', result: { applied: found } }];
      }
      try {
        const applied = await client.postTransaction(p.memberRef, { type: PLATFORM_TYPE[p.activity], points: p.points, reference: p.paymentId ?? p.orderId }, e.key, signal);
        return [{ status: 'done', result: { applied } }];
      } catch (error) {
        if (error instanceof PlatformRefusal) {
          if (BUSINESS_REFUSALS[error.code]) return [{ status: 'done', result: { refused: { status: error.status, code: error.code, message: error.message } } }];
          return [{ status: 'failed', error }];
        }
        throw error;
      }
    },
    async onDone(ctx: CompletionContext, effect: ClaimedEffect<MovementPayload>, result: MovementResult): Promise<void> {
      const p = effect.payload;
      if ('refused' in result) return refused(ctx, p, result.refused);
      const t = result.applied;
      const original = p.undoes ? ((await effects.get(ctx.tx, p.undoes))?.result as MovementResult | null | undefined) : undefined;
      const originalTransactionId = original && 'applied' in original ? original.applied.transactionId : null;
      const at = Date.parse(t.createdAt) || Date.now();
      const common = { customerId: p.customerKey, loyaltyMemberId: t.memberId, orderId: p.orderId, points: p.points, transactionId: t.transactionId, idempotencyKey: effect.key };
      ctx.logger.info('loyalty points moved', { activity: p.activity, order_id: p.orderId, points: p.points, transaction_id: t.transactionId });
      if (p.activity === 'accrual') {
        metrics.points.inc({ kind: 'accrued' }, p.points);
        await ctx.emit({ topic: LOYALTY_TOPIC, key: p.customerKey, eventType: 'LoyaltyPointsAccrued', value: { ...common, basis: p.money, accruedAt: at } });
      } else if (p.activity === 'reversal') {
        metrics.points.inc({ kind: 'reversed' }, p.points);
        await ctx.emit({ topic: LOYALTY_TOPIC, key: p.customerKey, eventType: 'LoyaltyPointsReversed', value: { ...common, reason: p.reason, originalTransactionId, reversedAt: at } });
      } else if (p.activity === 'redemption') {
        metrics.points.inc({ kind: 'redeemed' }, p.points);
        await ctx.emit({ topic: LOYALTY_TOPIC, key: p.customerKey, eventType: 'LoyaltyPointsRedeemed', value: { ...common, paymentId: p.paymentId, value: p.money, redeemedAt: at } });
        const row = await store.redemption(ctx.tx, p.paymentId!);
        await store.updateRedemption(ctx.tx, p.paymentId!, { state: row?.cancelRequested ? 'restore-recorded' : 'redeemed', transactionId: t.transactionId });
        // The order was cancelled while the capture was in flight: give the points back now.
        if (row?.cancelRequested) await effects.record(ctx.tx, [restoreEffect(p)], effect.cause);
      } else {
        metrics.points.inc({ kind: 'restored' }, p.points);
        await ctx.emit({ topic: LOYALTY_TOPIC, key: p.customerKey, eventType: 'LoyaltyRedemptionRestored', value: { ...common, paymentId: p.paymentId, originalTransactionId, restoredAt: at } });
        await store.updateRedemption(ctx.tx, p.paymentId!, { state: 'restored' });
      }
    },
  };

  async function refused(ctx: CompletionContext, p: MovementPayload, r: { status: number; code: string; message: string }): Promise<void> {
    const reason = BUSINESS_REFUSALS[r.code] ?? r.code;
    ctx.logger.warn('loyalty platform refused a movement', { activity: p.activity, order_id: p.orderId, points: p.points, reason });
    if (p.activity === 'accrual') {
      // Nothing was credited, so nothing of it is ever taken back.
      await store.updateOrder(ctx.tx, p.orderId, { earnedPoints: 0, reversedPoints: 0 });
    }
    if (p.activity === 'redemption') await store.updateRedemption(ctx.tx, p.paymentId!, { state: 'refused' });
    await emitRejection(ctx.emit, metrics, {
      customerKey: p.customerKey,
      orderId: p.orderId,
      activity: p.activity,
      reason,
      points: p.points,
      detail: reason === 'unknown-member' ? 'the loyalty platform knows no member by this reference' : reason === 'insufficient-points' ? 'the loyalty platform refused to take the balance below zero' : `the loyalty platform refused: ${r.code}`,
      reference: p.paymentId ?? null,
    });
  }
}

export function restoreEffect(redemption: MovementPayload) {
  return {
    kind: MOVEMENT_KIND,
    key: movementKeys.restore(redemption.paymentId!),
    aggregate: redemption.customerKey,
    payload: { ...redemption, activity: 'restore' as const, undoes: movementKeys.redemption(redemption.paymentId!) },
  };
}
