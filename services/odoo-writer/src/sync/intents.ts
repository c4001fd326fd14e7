import type { EffectStore, EventHandler, HandlerContext, IntendedEffect } from '@retail-backbone/messaging';
import type { Registry } from '@retail-backbone/observability';
import { Counter } from 'prom-client';
import type { WriterStore } from '../db/store';
import { FOLLOW_UP_KIND, PAYMENT_KIND, PLACE_KIND, followUpKey, paymentKey, placeKey, type FollowUpType } from './effect-keys';
import { OPERATIONS } from './erp-events';

export type IntentResult = 'recorded' | 'duplicate' | 'unchanged' | 'ignored' | 'held';

/** What the projector decided for an order, carried in its placement payload (STOCK_VERDICT=wait). */
export interface StockDecision {
  verdict: 'reserved' | 'rejected';
  shortages: Array<{ sku: string; requested: number; available: number }>;
}

const VERDICTS: Record<string, StockDecision['verdict']> = { StockReserved: 'reserved', StockReservationRejected: 'rejected' };

/**
 * The consumer side of the writer: in the consumer transaction (with its inbox row) an order
 * event only records what has to happen in Odoo, as an outside effect with a deterministic key
 * (a placement per order, a follow-up per cancellation, return or shipment). No Odoo call is
 * made here: the effect executor performs them outside any transaction. A follow-up of an order
 * whose placement is not done yet waits for it without holding it up, so a return or shipment
 * that arrives before its order (or before a DLQ-replayed OrderPlaced) is applied right after it.
 */
export class OrderIntents {
  private readonly outcomes: Counter;

  constructor(
    private readonly store: WriterStore,
    private readonly effects: EffectStore,
    registry: Registry,
    /** Called after recording, so the executor claims without waiting for its next poll. */
    private readonly recorded: () => void = () => undefined,
    /** `wait`: an order is placed only once the inventory projector's verdict on it is known. */
    private readonly stockVerdict: 'ignore' | 'wait' = 'ignore',
  ) {
    this.outcomes =
      (registry.getSingleMetric('odoo_writer_events_total') as Counter | undefined) ??
      new Counter({ name: 'odoo_writer_events_total', help: 'Order events consumed, by type and result', labelNames: ['event_type', 'result'], registers: [registry] });
  }

  readonly handler: EventHandler = async (ctx) => {
    const result = await this.record(ctx);
    this.outcomes.inc({ event_type: ctx.event.eventType, result });
    if (result === 'recorded') this.recorded();
  };

  private async record(ctx: HandlerContext): Promise<IntentResult> {
    const { eventType, value, envelope } = ctx.event;
    if (VERDICTS[eventType]) return this.stockVerdict === 'wait' ? this.recordVerdict(ctx, VERDICTS[eventType]) : 'ignored';
    // Odoo-sourced shipments describe pickings Odoo already validated.
    if (!OPERATIONS[eventType] || (eventType === 'ShipmentDispatched' && value.source === 'odoo')) return 'ignored';
    const orderId = String(value.orderId);
    const { tx } = ctx;
    // Serialises the decisions about one order (a cancellation racing its parked placement).
    await this.store.lockOrder(tx, orderId);
    const cause = { eventId: envelope.eventId, correlationId: envelope.correlationId };
    const order = await this.store.order(tx, orderId);

    if (eventType === 'OrderPlaced') {
      if (order?.status === 'synced' || order?.status === 'cancelled') return 'unchanged';
      let stock: StockDecision | undefined;
      if (this.stockVerdict === 'wait') {
        const known = await this.store.stockVerdict(tx, orderId);
        if (!known?.verdict) {
          // Not confirmed blindly: held until the projector has decided (recordVerdict places it).
          if (known?.held_order || (await this.effects.get(tx, placeKey(orderId)))) return 'duplicate';
          await this.store.holdOrder(tx, orderId, { order: value, cause });
          await this.store.markIntended(tx, orderId);
          return 'held';
        }
        stock = { verdict: known.verdict, shortages: known.shortages ?? [] };
      }
      const effect: IntendedEffect = { kind: PLACE_KIND, key: placeKey(orderId), aggregate: orderId, payload: { order: value, ...(stock ? { stock } : {}) } };
      const fresh = await this.effects.record(tx, [effect], cause);
      if (fresh.size === 0) return 'duplicate';
      await this.store.markIntended(tx, orderId);
      return 'recorded';
    }

    if (eventType === 'PaymentCaptured' || eventType === 'PaymentRefunded') {
      // After the order (and its invoice) is in Odoo; without waiting when it is already. A refund
      // of a return settles that return's credit note, so it waits for the return's effect: the
      // two arrive on different topics in either order, and a refund applied first would make a
      // credit note of its own beside the return's.
      const returnId = eventType === 'PaymentRefunded' ? (value as { returnId?: string | null }).returnId : null;
      const payment: IntendedEffect = {
        kind: PAYMENT_KIND,
        key: paymentKey(eventType, value),
        aggregate: orderId,
        payload: { eventType, event: value },
        waitsFor: returnId ? followUpKey('ReturnReceived', { orderId, returnId }) : order?.odoo_order_id ? undefined : placeKey(orderId),
      };
      return (await this.effects.record(tx, [payment], cause)).size > 0 ? 'recorded' : 'duplicate';
    }
    if (eventType === 'OrderCancelled' && ((await this.cancelHeld(ctx, orderId)) || (await this.cancelParked(ctx, orderId)))) return 'unchanged';
    // An order synced before the writer recorded effects has no placement effect to wait for.
    const waitsFor = order?.odoo_order_id ? undefined : placeKey(orderId);
    const effect: IntendedEffect = {
      kind: FOLLOW_UP_KIND,
      key: followUpKey(eventType as FollowUpType, value),
      aggregate: orderId,
      payload: { eventType, event: value },
      waitsFor,
    };
    return (await this.effects.record(tx, [effect], cause)).size > 0 ? 'recorded' : 'duplicate';
  }

  /**
   * The projector's verdict on an order: kept, and if the order is held waiting for it, its
   * placement is recorded now with the verdict (and the OrderPlaced's own cause, so its events
   * are caused by the order). A verdict for an order not seen yet waits for it.
   */
  private async recordVerdict(ctx: HandlerContext, verdict: StockDecision['verdict']): Promise<IntentResult> {
    const value = ctx.event.value as { orderId: string; shortages?: StockDecision['shortages'] };
    const orderId = String(value.orderId);
    await this.store.lockOrder(ctx.tx, orderId);
    const known = await this.store.stockVerdict(ctx.tx, orderId);
    if (known?.verdict) return 'duplicate';
    const shortages = verdict === 'rejected' ? (value.shortages ?? []) : [];
    await this.store.saveVerdict(ctx.tx, orderId, verdict, shortages);
    if (!known?.held_order) return 'unchanged';
    const effect: IntendedEffect = {
      kind: PLACE_KIND,
      key: placeKey(orderId),
      aggregate: orderId,
      payload: { order: known.held_order, stock: { verdict, shortages } },
    };
    await this.effects.record(ctx.tx, [effect], known.held_cause ?? { eventId: ctx.event.envelope.eventId, correlationId: ctx.event.envelope.correlationId });
    await this.store.holdOrder(ctx.tx, orderId, null);
    return 'recorded';
  }

  /** A cancellation of an order still waiting for its verdict: nothing reached Odoo, nothing will. */
  private async cancelHeld(ctx: HandlerContext, orderId: string): Promise<boolean> {
    if (this.stockVerdict !== 'wait') return false;
    const held = await this.store.stockVerdict(ctx.tx, orderId);
    if (!held?.held_order) return false;
    await this.store.holdOrder(ctx.tx, orderId, null);
    await this.store.setStatus(ctx.tx, orderId, 'cancelled');
    ctx.logger.info('cancelled an order held for its stock verdict before it reached Odoo', { order_id: orderId });
    return true;
  }

  /**
   * A cancellation of an order whose placement Odoo refused (parked, never reached Odoo) settles
   * it without an Odoo call: the placement and every effect of the order waiting for another
   * (follow-ups and payments wait for the placement, a return's refund for the return) are cancelled.
   */
  private async cancelParked(ctx: HandlerContext, orderId: string): Promise<boolean> {
    const key = placeKey(orderId);
    const placement = await this.effects.get(ctx.tx, key);
    if (placement?.state !== 'failed' || !(await this.effects.cancel(ctx.tx, key, 'order cancelled before it reached Odoo'))) return false;
    const waiting = await this.effects.list(ctx.tx, { aggregate: orderId, states: ['pending', 'failed', 'unknown'] });
    for (const e of waiting.filter((w) => w.waitsFor !== null)) await this.effects.cancel(ctx.tx, e.key, 'order cancelled before it reached Odoo');
    await this.store.setStatus(ctx.tx, orderId, 'cancelled');
    ctx.logger.info('cancelled an order that was parked before reaching Odoo', { order_id: orderId });
    return true;
  }
}
