import type { OrderCancelled, ReturnReceived, ShipmentDispatched } from '@retail-backbone/contracts';
import type { ClaimedEffect, CompletionContext, EffectDefinition, EffectOutcome } from '@retail-backbone/messaging';
import type { WriterStore } from '../db/store';
import { asBusinessError, BusinessError, classifyOdooError } from '../odoo/failures';
import { FOLLOW_UP_KIND, type FollowUpType } from './effect-keys';
import { emitFailed, emitSynced } from './erp-events';
import type { FollowUpResult, FollowUps } from './follow-ups';
import type { EffectLimits } from './placement-effect';

export interface FollowUpPayload extends Record<string, unknown> {
  eventType: FollowUpType;
  event: Record<string, unknown>;
}

/**
 * Cancellations, returns and shipments as outside effects, one per call. Each waits for its
 * order's placement (recorded with waitsFor), without holding that placement up; the effects of
 * one order run in the order they were recorded.
 */
export function followUpEffect(followUps: FollowUps, store: WriterStore, limits: Omit<EffectLimits, 'batchSize'>): EffectDefinition<FollowUpPayload, FollowUpResult | null> {
  const run = (p: FollowUpPayload): Promise<FollowUpResult | null> => {
    switch (p.eventType) {
      case 'OrderCancelled':
        return followUps.cancel(p.event as unknown as OrderCancelled);
      case 'ReturnReceived':
        return followUps.recordReturn(p.event as unknown as ReturnReceived);
      default:
        return followUps.validateShipment(p.event as unknown as ShipmentDispatched);
    }
  };
  return {
    kind: FOLLOW_UP_KIND,
    ...limits,
    batchSize: 1,
    classify: classifyOdooError,
    async perform(effects): Promise<Array<EffectOutcome<FollowUpResult | null>>> {
      const outcomes: Array<EffectOutcome<FollowUpResult | null>> = [];
      for (const effect of effects) {
        try {
          outcomes.push({ status: 'done', result: await run(effect.payload) });
        } catch (error) {
          const business = asBusinessError(error);
          if (!business) throw error;
          outcomes.push({ status: 'failed', error: business });
        }
      }
      return outcomes;
    },
    async onDone(ctx: CompletionContext, effect: ClaimedEffect<FollowUpPayload>, result: FollowUpResult | null): Promise<void> {
      if (!result) return;
      const orderId = String(effect.payload.event.orderId);
      const { operation, reference, odooResId } = result.operation;
      await store.recordOperation(ctx.tx, orderId, operation, reference, odooResId);
      if (result.status) await store.setStatus(ctx.tx, orderId, result.status, 'cancel');
      await emitSynced(ctx, orderId, effect.payload.eventType, { ...result.outcome, attempts: effect.attempt });
    },
    async onFailed(ctx: CompletionContext, effect: ClaimedEffect<FollowUpPayload>, error: unknown): Promise<void> {
      const orderId = String(effect.payload.event.orderId);
      await emitFailed(ctx, orderId, effect.payload.eventType, asBusinessError(error) ?? new BusinessError('server_error', String(error)), effect.failures);
    },
  };
}
