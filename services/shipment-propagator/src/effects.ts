import type { ShipmentPropagated } from '@retail-backbone/contracts';
import { errorText, type ClaimedEffect, type CompletionContext, type EffectDefinition, type EffectOutcome } from '@retail-backbone/messaging';
import type { EmitEvent } from '@retail-backbone/messaging';
import { ChannelCallError, classifyChannelError } from './channels/http';
import type { PropagatorMetrics } from './metrics';
import { EFFECT_KINDS, type PropagationPayload, type TargetKind } from './propagation';

export interface PropagationResult {
  /** Id the target gave (fulfillment id, tracking item id, notification id, event id). */
  reference: string;
  /** True when the target already had it (found by the lookup or answered as a duplicate). */
  reused: boolean;
}

export type Propagate = (payload: PropagationPayload, effect: ClaimedEffect<PropagationPayload>, signal: AbortSignal) => Promise<PropagationResult>;

export interface TargetLimits {
  concurrency: number;
  timeoutMs: number;
  ambiguityWindowMs: number;
  /** Delay before a refused (4xx) propagation is tried again on its own; the CLI makes it due at once. */
  refusedRetryDelayMs: number;
  ratePerSecond?: number;
  breaker: { threshold: number; halfOpenAfterMs: number };
}

export interface PropagatedEvent {
  orderId: string;
  shipmentId: string;
  target: TargetKind;
  channel: string;
  targetName: string | null;
  outcome: 'propagated' | 'failed' | 'parked';
  targetReference?: string | null;
  failureCode?: string | null;
  failureReason?: string | null;
}

/** The ShipmentPropagated of one shipment and target, through the outbox of the caller's transaction. */
export function propagatedEvent(topic: string, e: PropagatedEvent): EmitEvent {
  const value: Omit<ShipmentPropagated, 'envelope'> = {
    orderId: e.orderId,
    shipmentId: e.shipmentId,
    target: e.target === 'customer-hook' ? 'notification' : 'channel',
    channel: e.channel,
    targetReference: e.targetReference ?? null,
    propagatedAt: Date.now(),
    outcome: e.outcome,
    failureCode: e.failureCode ?? null,
    failureReason: e.failureReason?.slice(0, 500) ?? null,
    targetName: e.targetName,
  };
  return { topic, key: e.orderId, eventType: 'ShipmentPropagated', value };
}

function targetName(p: PropagationPayload): string | null {
  if (p.target === 'customer-hook') return 'customer-hook';
  return p.target === 'pos' ? (p.storeId ?? p.channelId) : p.channelId;
}

/**
 * One target's propagation as an outside effect: performed by the executor with no transaction
 * open (one effect per attempt, up to `concurrency` at once, its own circuit and rate limit, so
 * an outage of one channel leaves the others going), the outcome recorded with its
 * ShipmentPropagated in the completion transaction. A refusal (4xx, userErrors) is recorded as
 * 'failed' and announced once; it is tried again only after `refusedRetryDelayMs` or by the CLI.
 */
export function propagationEffect(
  target: TargetKind,
  propagate: Propagate,
  options: { topic: string; limits: TargetLimits; metrics: PropagatorMetrics },
): EffectDefinition<PropagationPayload, PropagationResult> {
  const { limits, metrics, topic } = options;
  return {
    kind: EFFECT_KINDS[target],
    batchSize: 1,
    concurrency: limits.concurrency,
    timeoutMs: limits.timeoutMs,
    ambiguityWindowMs: limits.ambiguityWindowMs,
    ratePerSecond: limits.ratePerSecond,
    breaker: limits.breaker,
    classify: classifyChannelError,
    failedRetryDelayMs: () => limits.refusedRetryDelayMs,
    async perform(effects: Array<ClaimedEffect<PropagationPayload>>, signal: AbortSignal): Promise<Array<EffectOutcome<PropagationResult>>> {
      const outcomes: Array<EffectOutcome<PropagationResult>> = [];
      for (const effect of effects) {
        try {
          outcomes.push({ status: 'done', result: await propagate(effect.payload, effect, signal) });
        } catch (error) {
          const cls = classifyChannelError(error);
          // An infrastructure failure of the channel is thrown, so the circuit sees it.
          if (cls !== 'failed' && effects.length === 1) throw error;
          outcomes.push({ status: cls, error });
        }
      }
      return outcomes;
    },
    async onDone(ctx: CompletionContext, effect: ClaimedEffect<PropagationPayload>, result: PropagationResult): Promise<void> {
      const p = effect.payload;
      await ctx.emit(propagatedEvent(topic, { ...p, target, targetName: targetName(p), outcome: 'propagated', targetReference: result.reference }));
      metrics.propagations.inc({ target, outcome: 'propagated' });
      ctx.logger.info('shipment propagated', { order_id: p.orderId, shipment_id: p.shipmentId, target, reference: result.reference, reused: result.reused });
    },
    async onFailed(ctx: CompletionContext, effect: ClaimedEffect<PropagationPayload>, error: unknown): Promise<void> {
      const p = effect.payload;
      ctx.logger.warn('shipment propagation refused by the target', { order_id: p.orderId, shipment_id: p.shipmentId, target, failures: effect.failures + 1, error: errorText(error) });
      // Announced on the first refusal only: a retry that is refused again says nothing new.
      if (effect.failures > 0) return;
      const detail = error instanceof ChannelCallError ? error.message : errorText(error);
      await ctx.emit(propagatedEvent(topic, { ...p, target, targetName: targetName(p), outcome: 'failed', failureCode: 'channel_rejected', failureReason: detail }));
      metrics.propagations.inc({ target, outcome: 'failed' });
    },
  };
}
