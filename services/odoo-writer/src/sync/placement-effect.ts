import type { OrderPlaced } from '@retail-backbone/contracts';
import type { ClaimedEffect, CompletionContext, EffectDefinition, EffectOutcome } from '@retail-backbone/messaging';
import type { Registry } from '@retail-backbone/observability';
import type { CircuitBreakerPolicy } from 'cockatiel';
import { Counter } from 'prom-client';
import type { WriterStore } from '../db/store';
import { asBusinessError, BusinessError, classifyOdooError } from '../odoo/failures';
import { orderReference } from '../odoo/references';
import { PLACE_KIND } from './effect-keys';
import { emitFailed, emitSynced } from './erp-events';
import type { StockDecision } from './intents';
import type { OrderPlacer, PlacedOrder } from './orders';

export interface PlacementPayload extends Record<string, unknown> {
  order: OrderPlaced;
  /** The inventory projector's verdict, when the writer waited for it. */
  stock?: StockDecision;
}

export interface EffectLimits {
  batchSize: number;
  concurrency: number;
  timeoutMs: number;
  ambiguityWindowMs: number;
  breaker: { policy: CircuitBreakerPolicy; halfOpenAfterMs: number };
  overlapAfterMs?: number;
}

/**
 * Placing orders in Odoo as an outside effect: the executor claims up to `batchSize` due
 * placements (one per order at a time), they are written as one Odoo batch with no transaction
 * open, and each outcome is recorded in the completion transaction: local state and
 * OrderSyncedToErp, or the order parked and ErpSyncFailed (first refusal only).
 */
export function placementEffect(placer: OrderPlacer, store: WriterStore, limits: EffectLimits, registry: Registry): EffectDefinition<PlacementPayload, PlacedOrder> {
  const stockRefusals =
    (registry.getSingleMetric('odoo_writer_stock_refusals_total') as Counter | undefined) ??
    new Counter({ name: 'odoo_writer_stock_refusals_total', help: 'Orders the inventory projector refused, written to Odoo by path (quotation, backorder)', labelNames: ['path'], registers: [registry] });
  return {
    kind: PLACE_KIND,
    ...limits,
    classify: classifyOdooError,
    async perform(effects: Array<ClaimedEffect<PlacementPayload>>): Promise<Array<EffectOutcome<PlacedOrder>>> {
      const results = await placer.placeBatch(effects.map((e) => ({ order: e.payload.order, lookFirst: e.lookFirst, attempt: e.attempt, stock: e.payload.stock })));
      return results.map((r): EffectOutcome<PlacedOrder> => {
        if (r.ok) return { status: 'done', result: r.value };
        const business = asBusinessError(r.error);
        return business ? { status: 'failed', error: business } : { status: classifyOdooError(r.error), error: r.error };
      });
    },
    async onDone(ctx: CompletionContext, effect: ClaimedEffect<PlacementPayload>, placed: PlacedOrder): Promise<void> {
      const orderId = effect.payload.order.orderId;
      await store.markSynced(ctx.tx, orderId, { ...placed, channel: effect.payload.order.channel });
      await emitSynced(ctx, orderId, 'OrderPlaced', {
        operation: 'create',
        erpOrderId: placed.odooOrderId,
        erpOrderName: placed.odooOrderName,
        erpPartnerId: placed.odooPartnerId,
        erpReference: orderReference(orderId),
        attempts: placed.attempts,
        stockPath: placed.stockPath ?? null,
      });
      if (placed.stockPath) {
        stockRefusals.inc({ path: placed.stockPath });
        ctx.logger.warn('order refused for stock written to Odoo unconfirmed or as a backorder', { order_id: orderId, stock_path: placed.stockPath, erp_order_name: placed.odooOrderName });
      }
    },
    async onFailed(ctx: CompletionContext, effect: ClaimedEffect<PlacementPayload>, error: unknown): Promise<void> {
      const orderId = effect.payload.order.orderId;
      await store.setStatus(ctx.tx, orderId, 'parked');
      await emitFailed(ctx, orderId, 'OrderPlaced', asBusinessError(error) ?? new BusinessError('server_error', String(error)), effect.failures);
    },
  };
}
