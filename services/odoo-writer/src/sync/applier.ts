import type { OrderCancelled, OrderPlaced, ReturnReceived, ShipmentDispatched } from '@retail-backbone/contracts';
import type { EmitEvent } from '@retail-backbone/messaging';
import type { Logger, Registry } from '@retail-backbone/observability';
import { AsyncResource } from 'node:async_hooks';
import type { PoolClient } from 'pg';
import { Counter } from 'prom-client';
import type { ParkedRow, WriterStore } from '../db/store';
import { asBusinessError, type BusinessError } from '../odoo/failures';
import { orderReference } from '../odoo/references';
import type { FollowUps, SyncOutcome } from './follow-ups';
import { settle, type ItemResult } from './coalescer';
import type { OrderPlacer, PlacedOrder, PlaceRequest } from './orders';

export const ERP_SYNC_TOPIC = 'retail.erp-sync.v1';

const OPERATIONS: Record<string, SyncOutcome['operation']> = {
  OrderPlaced: 'create',
  OrderCancelled: 'cancel',
  ReturnReceived: 'return',
  ShipmentDispatched: 'picking_validate',
};

export interface ApplyContext {
  tx: PoolClient;
  eventId: string;
  emit(event: EmitEvent): Promise<void>;
  logger: Logger;
  /** The parked row being retried; absent for an event arriving from Kafka. */
  parked?: ParkedRow;
}

export type ApplyResult = 'synced' | 'unchanged' | 'parked' | 'ignored';

/** An OrderPlaced that needs an Odoo write, handed back so the caller can batch it with others. */
export interface Placement {
  orderId: string;
  /** Submits the order to the placer (which batches it with others); never rejects. */
  place(): Promise<ItemResult<PlacedOrder>>;
  /**
   * Records the placement's result in the transaction the event was begun in, in the event's own
   * trace and correlation context. Rethrows an infrastructure error.
   */
  finish(result: ItemResult<PlacedOrder>): Promise<ApplyResult>;
}

/**
 * Applies one order event to Odoo and records the result in the caller's transaction: local
 * state, OrderSyncedToErp on success, or a parked entry and ErpSyncFailed on a business failure.
 * Infrastructure failures are thrown so the caller retries (nothing is parked for an outage).
 */
export class EventApplier {
  private readonly outcomes: Counter;

  constructor(
    private readonly store: WriterStore,
    private readonly placer: OrderPlacer,
    private readonly followUps: FollowUps,
    registry: Registry,
  ) {
    this.outcomes =
      (registry.getSingleMetric('odoo_writer_events_total') as Counter | undefined) ??
      new Counter({ name: 'odoo_writer_events_total', help: 'Order events applied, by type and result', labelNames: ['event_type', 'result'], registers: [registry] });
  }

  /** Applies the event completely, placing an order on its own (the parked retrier's path). */
  async apply(eventType: string, value: Record<string, unknown>, ctx: ApplyContext): Promise<ApplyResult> {
    const begun = await this.begin(eventType, value, ctx);
    if (typeof begun === 'string') return begun;
    return begun.finish(await begun.place());
  }

  /**
   * Applies the event up to its Odoo write under the order's advisory lock (held until the
   * caller's transaction ends). Follow-ups are applied completely; an OrderPlaced that still has
   * to be written comes back as a Placement, for the caller to place (batched with others) and
   * finish in the same transaction.
   */
  async begin(eventType: string, value: Record<string, unknown>, ctx: ApplyContext): Promise<ApplyResult | Placement> {
    const begun = await this.beginInner(eventType, value, ctx);
    if (typeof begun === 'string') {
      this.outcomes.inc({ event_type: eventType, result: begun });
      return begun;
    }
    return begun;
  }

  private async beginInner(eventType: string, value: Record<string, unknown>, ctx: ApplyContext): Promise<ApplyResult | Placement> {
    const operation = OPERATIONS[eventType];
    // Odoo-sourced shipments describe pickings Odoo already validated.
    if (!operation || (eventType === 'ShipmentDispatched' && value.source === 'odoo')) return 'ignored';
    const orderId = String(value.orderId);
    const { tx } = ctx;
    await this.store.lockOrder(tx, orderId);

    if (eventType === 'OrderCancelled' && (await this.store.order(tx, orderId))?.status === 'parked') {
      // The order never reached Odoo: the cancellation settles it without an Odoo call.
      for (const type of Object.keys(OPERATIONS)) await this.store.supersedeParked(tx, orderId, type);
      await this.store.setStatus(tx, orderId, 'cancelled');
      ctx.logger.info('cancelled an order that was parked before reaching Odoo', { order_id: orderId });
      return 'unchanged';
    }
    if (await this.store.hasParkedBefore(tx, orderId, ctx.parked?.id)) {
      if (ctx.parked) return 'parked';
      await this.store.park(tx, {
        orderId,
        eventId: ctx.eventId,
        eventType,
        payload: value,
        reason: 'waiting_for_earlier_event',
        message: 'an earlier event of this order is parked',
        failureEmitted: false,
      });
      return 'parked';
    }

    if (eventType === 'OrderPlaced') {
      const order = value as unknown as OrderPlaced;
      const row = await this.store.order(tx, orderId);
      if (row?.status === 'synced' || row?.status === 'cancelled') return this.settled(eventType, value, null, ctx);
      const finish = async (result: ItemResult<PlacedOrder>): Promise<ApplyResult> => {
        const applied = result.ok ? await this.placed(eventType, value, result.value, ctx) : await this.failed(eventType, value, result.error, ctx);
        this.outcomes.inc({ event_type: eventType, result: applied });
        return applied;
      };
      const request: PlaceRequest = { order, lookFirst: row !== undefined };
      // Bound now, while the event's trace and correlation context is the active one: the Odoo
      // calls of its batch (when it opens one) and its log lines belong to it.
      return {
        orderId,
        place: AsyncResource.bind(() => settle(this.placer.place(request))),
        finish: AsyncResource.bind(finish),
      };
    }

    let outcome: SyncOutcome | null;
    try {
      outcome = await this.followUp(eventType, value, tx);
    } catch (error) {
      return this.failed(eventType, value, error, ctx);
    }
    return this.settled(eventType, value, outcome, ctx);
  }

  private async placed(eventType: string, value: Record<string, unknown>, placed: PlacedOrder, ctx: ApplyContext): Promise<ApplyResult> {
    const orderId = String(value.orderId);
    await this.store.markSynced(ctx.tx, orderId, placed);
    return this.settled(
      eventType,
      value,
      {
        operation: 'create',
        erpOrderId: placed.odooOrderId,
        erpOrderName: placed.odooOrderName,
        erpPartnerId: placed.odooPartnerId,
        erpReference: orderReference(orderId),
        attempts: placed.attempts,
      },
      ctx,
    );
  }

  /** Parks a business failure; rethrows anything else. */
  private async failed(eventType: string, value: Record<string, unknown>, error: unknown, ctx: ApplyContext): Promise<ApplyResult> {
    const business = asBusinessError(error);
    if (!business) throw error;
    await this.parkFailure(eventType, value, business, ctx);
    return 'parked';
  }

  private async settled(eventType: string, value: Record<string, unknown>, outcome: SyncOutcome | null, ctx: ApplyContext): Promise<ApplyResult> {
    const orderId = String(value.orderId);
    if (ctx.parked) await this.store.resolveParked(ctx.tx, ctx.parked.id, 'resolved');
    if (!outcome) return 'unchanged';
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
        attempts: outcome.attempts + (ctx.parked?.attempts ?? 0),
        syncedAt: Date.now(),
      },
    });
    return 'synced';
  }

  private async followUp(eventType: string, value: Record<string, unknown>, tx: PoolClient): Promise<SyncOutcome | null> {
    switch (eventType) {
      case 'OrderCancelled':
        return this.followUps.cancel(tx, value as unknown as OrderCancelled);
      case 'ReturnReceived':
        return this.followUps.recordReturn(tx, value as unknown as ReturnReceived);
      default:
        return this.followUps.validateShipment(tx, value as unknown as ShipmentDispatched);
    }
  }

  private async parkFailure(eventType: string, value: Record<string, unknown>, failure: BusinessError, ctx: ApplyContext): Promise<void> {
    const orderId = String(value.orderId);
    const emitFailure = !ctx.parked?.failure_emitted;
    if (ctx.parked) {
      const attempts = ctx.parked.attempts + 1;
      await this.store.retryLater(ctx.tx, ctx.parked.id, { reason: failure.code, message: failure.message, delayMs: parkedBackoffMs(attempts), failureEmitted: true });
    } else {
      await this.store.park(ctx.tx, { orderId, eventId: ctx.eventId, eventType, payload: value, reason: failure.code, message: failure.message, failureEmitted: true });
    }
    if (eventType === 'OrderPlaced') await this.store.setStatus(ctx.tx, orderId, 'parked');
    ctx.logger.warn('order event parked', { order_id: orderId, event_type: eventType, error_code: failure.code, error_message: failure.message });
    if (!emitFailure) return;
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
        attempts: (ctx.parked?.attempts ?? 0) + 1,
        failedAt: Date.now(),
      },
    });
  }
}

/** Parked retries back off from 30 s to 1 h; the retry CLI ignores the schedule. */
export function parkedBackoffMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}
