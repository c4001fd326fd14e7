import type { ClaimedEffect, CompletionContext, EffectDefinition, EffectOutcome } from '@retail-backbone/messaging';
import type { WriterStore } from '../db/store';
import { asBusinessError, BusinessError, classifyOdooError } from '../odoo/failures';
import { PAYMENT_KIND } from './effect-keys';
import { emitFailed, emitSynced } from './erp-events';
import type { FollowUpResult } from './follow-ups';
import type { EffectLimits } from './placement-effect';
import type { MoneyEvent, Payments } from './payments';

export type PaymentPayload = MoneyEvent & Record<string, unknown>;

/**
 * PaymentCaptured / PaymentRefunded as outside effects, claimed and written many at a time (see
 * Payments). Each waits for its order's placement (and so for its invoice, created with the
 * confirmation); the outcome is recorded in `operations` and as OrderSyncedToErp.
 */
export function paymentEffect(payments: Payments, store: WriterStore, limits: EffectLimits): EffectDefinition<PaymentPayload, FollowUpResult> {
  return {
    kind: PAYMENT_KIND,
    ...limits,
    classify: classifyOdooError,
    async perform(effects: Array<ClaimedEffect<PaymentPayload>>): Promise<Array<EffectOutcome<FollowUpResult>>> {
      const results = await payments.apply(effects.map((e) => ({ eventType: e.payload.eventType, event: e.payload.event }) as MoneyEvent));
      return results.map((r): EffectOutcome<FollowUpResult> => (r instanceof BusinessError ? { status: 'failed', error: r } : { status: 'done', result: r }));
    },
    async onDone(ctx: CompletionContext, effect: ClaimedEffect<PaymentPayload>, result: FollowUpResult): Promise<void> {
      const orderId = effect.payload.event.orderId;
      const { operation, reference, odooResId } = result.operation;
      await store.recordOperation(ctx.tx, orderId, operation, reference, odooResId);
      await emitSynced(ctx, orderId, effect.payload.eventType, { ...result.outcome, attempts: effect.attempt });
    },
    async onFailed(ctx: CompletionContext, effect: ClaimedEffect<PaymentPayload>, error: unknown): Promise<void> {
      await emitFailed(ctx, effect.payload.event.orderId, effect.payload.eventType, asBusinessError(error) ?? new BusinessError('server_error', String(error)), effect.failures);
    },
  };
}
