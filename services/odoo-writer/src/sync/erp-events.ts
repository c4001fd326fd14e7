import type { CompletionContext } from '@retail-backbone/messaging';
import type { BusinessError } from '../odoo/failures';
import type { SyncOutcome } from './follow-ups';

export const ERP_SYNC_TOPIC = 'retail.erp-sync.v1';

export const OPERATIONS: Record<string, SyncOutcome['operation']> = {
  OrderPlaced: 'create',
  OrderCancelled: 'cancel',
  ReturnReceived: 'return',
  ShipmentDispatched: 'picking_validate',
  PaymentCaptured: 'payment',
  PaymentRefunded: 'refund',
};

/** OrderSyncedToErp, recorded in the effect's completion transaction. */
export async function emitSynced(ctx: CompletionContext, orderId: string, eventType: string, outcome: SyncOutcome): Promise<void> {
  // The line an SRE finds when following one order: it carries the trace and correlation ids.
  ctx.logger.info('order synced to Odoo', {
    order_id: orderId,
    event_type: eventType,
    operation: outcome.operation,
    erp_order_id: outcome.erpOrderId,
    erp_order_name: outcome.erpOrderName,
  });
  await ctx.emit({
    topic: ERP_SYNC_TOPIC,
    key: orderId,
    eventType: 'OrderSyncedToErp',
    value: {
      orderId,
      operation: outcome.operation,
      erpOrderId: String(outcome.erpOrderId),
      erpOrderName: outcome.erpOrderName,
      erpPartnerId: outcome.erpPartnerId === null ? null : String(outcome.erpPartnerId),
      erpReference: outcome.erpReference,
      attempts: outcome.attempts,
      stockPath: outcome.stockPath ?? null,
      syncedAt: Date.now(),
    },
  });
}

/** ErpSyncFailed for the first business refusal of an effect (later ones only update its row). */
export async function emitFailed(ctx: CompletionContext, orderId: string, eventType: string, failure: BusinessError, failuresSoFar: number): Promise<void> {
  ctx.logger.warn('order event parked', { order_id: orderId, event_type: eventType, error_code: failure.code, error_message: failure.message });
  if (failuresSoFar > 0) return;
  await ctx.emit({
    topic: ERP_SYNC_TOPIC,
    key: orderId,
    eventType: 'ErpSyncFailed',
    value: {
      orderId,
      operation: OPERATIONS[eventType]!,
      errorCode: failure.code,
      errorMessage: failure.message,
      retryable: true,
      attempts: failuresSoFar + 1,
      failedAt: Date.now(),
    },
  });
}
