import type { EffectStore, EmitEvent, EventHandler, HandlerContext, IntendedEffect } from '@retail-backbone/messaging';
import Big from 'big.js';
import type { PoolClient } from 'pg';
import type { LoyaltyStore, OrderRow } from '../db/store';
import type { LoyaltyMetrics } from '../metrics';
import { emitRejection } from './loyalty-events';
import { emailHash, memberKeysOf, type CustomerRefLike } from './members';
import { MOVEMENT_KIND, movementKeys, restoreEffect, type MovementPayload } from './movement-effect';
import type { EarningRules, OrderForRules } from './rules';

type Value = Record<string, unknown>;
type Money = { amount: string; currency: string };

interface Step {
  tx: PoolClient;
  emit(event: EmitEvent): Promise<void>;
  cause: { eventId: string; correlationId?: string };
  logger: HandlerContext['logger'];
}

const CAPTURED_AT_PLACEMENT = new Set(['paid', 'partially_paid', 'partially_refunded']);
const DAY_MS = 86_400_000;

function epochMs(v: unknown): number {
  return v instanceof Date ? v.getTime() : Number(v);
}

/**
 * The consumer side: each order, payment or shipment event updates the order's loyalty state and
 * records the point movements it calls for as outside effects (with deterministic keys) in the
 * consumer transaction, with its inbox row. No platform call is made here. An event that arrives
 * before its order is kept and applied right after the OrderPlaced.
 */
export class LoyaltyIntents {
  constructor(
    private readonly store: LoyaltyStore,
    private readonly effects: EffectStore,
    private readonly rules: EarningRules,
    private readonly metrics: LoyaltyMetrics,
    /** Called after each event is applied, so the executor claims soon (it also polls every 50 ms). */
    private readonly recorded: () => void = () => undefined,
  ) {}

  readonly handler: EventHandler = async (ctx) => {
    const { eventType, value, envelope } = ctx.event;
    const orderId = typeof value.orderId === 'string' ? value.orderId : undefined;
    if (!orderId || !HANDLED.has(eventType)) {
      this.metrics.events.inc({ event_type: eventType, result: 'ignored' });
      return;
    }
    await this.store.lockOrder(ctx.tx, orderId);
    const step: Step = { tx: ctx.tx, emit: ctx.emit, cause: { eventId: envelope.eventId, correlationId: envelope.correlationId }, logger: ctx.logger };
    const result = await this.apply(step, eventType, orderId, value);
    this.metrics.events.inc({ event_type: eventType, result });
    this.recorded();
  };

  private async apply(step: Step, eventType: string, orderId: string, value: Value): Promise<string> {
    if (eventType === 'OrderPlaced') return this.placed(step, value);
    const order = await this.store.order(step.tx, orderId);
    if (!order) {
      await this.store.defer(step.tx, orderId, step.cause.eventId, eventType, value);
      return 'deferred';
    }
    switch (eventType) {
      case 'OrderCancelled':
        return this.cancelled(step, order);
      case 'ReturnReceived':
        return this.returned(step, order, value);
      case 'PaymentRefunded':
        return this.refunded(step, order, value);
      case 'PaymentCaptured':
        return this.captured(step, order, value);
      case 'ShipmentDispatched':
        if (order.shipped) return 'unchanged';
        order.shipped = true;
        await this.store.updateOrder(step.tx, order.orderId, { shipped: true });
        return (await this.maybeAccrue(step, order)) ? 'recorded' : 'unchanged';
      default:
        return 'ignored';
    }
  }

  private async placed(step: Step, value: Value): Promise<string> {
    const o = value as unknown as OrderForRules & { orderId: string; channelId: string; customer: CustomerRefLike; financialStatus: string };
    if (await this.store.order(step.tx, o.orderId)) return 'duplicate';
    const keys = memberKeysOf(o.customer ?? {}, o.channel, o.channelId);
    const placedAt = epochMs(o.placedAt);
    const lines = this.rules.lineBases(o);
    const basis = lines.reduce((s, l) => s.plus(l.basis), new Big(0));
    const order: OrderRow = {
      orderId: o.orderId,
      channel: o.channel,
      customerKey: keys?.customerKey ?? null,
      memberRef: keys?.memberRef ?? null,
      emailHash: emailHash(o.customer?.email),
      currency: o.currency,
      basis: basis.toString(),
      grandTotal: o.totals.grandTotal.amount,
      lines,
      placedAt: new Date(placedAt),
      earnMoment: this.rules.earnMoment(o.channel),
      captured: CAPTURED_AT_PLACEMENT.has(o.financialStatus),
      shipped: false,
      cancelled: false,
      earnedPoints: null,
      reversedPoints: 0,
      reversedShare: '0',
      refundedAmount: '0',
      multiplier: this.rules.multiplier(o.channel, placedAt).toString(),
    };
    await this.store.insertOrder(step.tx, order);
    if (!keys) {
      await emitRejection(step.emit, this.metrics, {
        customerKey: `guest:${o.orderId}`,
        orderId: o.orderId,
        activity: 'accrual',
        reason: 'no-customer',
        detail: order.emailHash
          ? `guest order: credited if the customer is identified within ${this.rules.rules.guestLookbackDays} days`
          : 'order without any customer: nothing is earned',
      });
    } else {
      await this.maybeAccrue(step, order);
      if (order.emailHash) await this.creditGuestOrders(step, order, keys);
    }
    for (const deferred of await this.store.takeDeferred(step.tx, o.orderId)) {
      const current = (await this.store.order(step.tx, o.orderId))!;
      await this.applyTo(step, current, deferred.eventType, deferred.value);
    }
    return 'recorded';
  }

  private async applyTo(step: Step, order: OrderRow, eventType: string, value: Value): Promise<void> {
    if (eventType === 'OrderCancelled') await this.cancelled(step, order);
    else if (eventType === 'ReturnReceived') await this.returned(step, order, value);
    else if (eventType === 'PaymentRefunded') await this.refunded(step, order, value);
    else if (eventType === 'PaymentCaptured') await this.captured(step, order, value);
    else if (eventType === 'ShipmentDispatched' && !order.shipped) {
      order.shipped = true;
      await this.store.updateOrder(step.tx, order.orderId, { shipped: true });
      await this.maybeAccrue(step, order);
    }
  }

  /** A guest's earlier orders with the same email, of the last N days, are credited once (the accrual key is per order). */
  private async creditGuestOrders(step: Step, identified: OrderRow, keys: { customerKey: string; memberRef: string }): Promise<void> {
    const since = new Date(identified.placedAt.getTime() - this.rules.rules.guestLookbackDays * DAY_MS);
    for (const guest of await this.store.guestOrders(step.tx, identified.emailHash!, since)) {
      if (guest.orderId === identified.orderId) continue;
      await this.store.updateOrder(step.tx, guest.orderId, { customerKey: keys.customerKey, memberRef: keys.memberRef });
      step.logger.info('guest order credited to an identified customer', { order_id: guest.orderId, identified_by: identified.orderId });
      await this.maybeAccrue(step, { ...guest, customerKey: keys.customerKey, memberRef: keys.memberRef });
    }
  }

  /**
   * Records the accrual once the earn moment is reached. What was already taken back before it
   * (a return before the shipment that earns) is netted: the accrual credits only what remains.
   */
  private async maybeAccrue(step: Step, order: OrderRow): Promise<boolean> {
    if (!order.memberRef || !order.customerKey || order.cancelled || order.earnedPoints !== null) return false;
    if (order.earnMoment === 'capture' && !order.captured) return false;
    if (order.earnMoment === 'shipment' && !order.shipped) return false;
    const earned = this.rules.points(new Big(order.basis), order.currency, new Big(order.multiplier ?? '1'));
    if (earned === undefined) {
      await this.store.updateOrder(step.tx, order.orderId, { earnedPoints: 0 });
      await emitRejection(step.emit, this.metrics, {
        customerKey: order.customerKey,
        orderId: order.orderId,
        activity: 'accrual',
        reason: 'currency-not-earning',
        detail: `no earning rate for ${order.currency} in this region`,
      });
      return false;
    }
    const already = targetReversal(earned, order.reversedShare);
    order.earnedPoints = earned;
    order.reversedPoints = already;
    await this.store.updateOrder(step.tx, order.orderId, { earnedPoints: earned, reversedPoints: already });
    const net = earned - already;
    if (net <= 0) return false;
    await this.record(step, order, {
      key: movementKeys.accrual(order.orderId),
      payload: { activity: 'accrual', points: net, money: { amount: new Big(order.basis).round(2).toFixed(2), currency: order.currency } },
    });
    return true;
  }

  private async cancelled(step: Step, order: OrderRow): Promise<string> {
    if (order.cancelled) return 'unchanged';
    order.cancelled = true;
    await this.store.updateOrder(step.tx, order.orderId, { cancelled: true });
    await this.reverse(step, order, 'cancel', new Big(1).minus(order.reversedShare), 'cancellation');
    for (const r of await this.store.redemptions(step.tx, order.orderId)) {
      if (r.state === 'redeemed') {
        await this.effects.record(step.tx, [restoreEffect(this.redemptionPayload(order, r.paymentId, r.points, { amount: r.value, currency: r.currency }))], step.cause);
        await this.store.updateRedemption(step.tx, r.paymentId, { state: 'restore-recorded' });
      } else if (r.state === 'recorded') {
        // Its capture is still in flight: its completion records the restore (movement-effect.ts).
        await this.store.updateRedemption(step.tx, r.paymentId, { cancelRequested: true });
      }
    }
    return 'recorded';
  }

  private async returned(step: Step, order: OrderRow, value: Value): Promise<string> {
    const ret = value as { returnId: string; lines: Array<{ lineId: string | null; sku: string; quantity: number; refundAmount: Money }>; refundTotal: Money };
    const orderBasis = new Big(order.basis);
    const grand = new Big(order.grandTotal);
    let share = new Big(0);
    for (const line of ret.lines) {
      const match = order.lines.find((l) => l.lineId === line.lineId) ?? order.lines.find((l) => l.sku === line.sku);
      if (match && orderBasis.gt(0)) {
        const qty = Math.min(line.quantity, match.quantity);
        share = share.plus(new Big(match.basis).times(qty).div(match.quantity).div(orderBasis));
      } else if (grand.gt(0)) {
        // A line the order does not list: its refund against what was paid.
        share = share.plus(new Big(line.refundAmount.amount).div(grand));
      }
    }
    return (await this.reverse(step, order, `return:${ret.returnId}`, share, 'return')) ? 'recorded' : 'duplicate';
  }

  private async refunded(step: Step, order: OrderRow, value: Value): Promise<string> {
    const refund = value as { refundId: string; returnId: string | null; amount: Money };
    const grand = new Big(order.grandTotal);
    const before = new Big(order.refundedAmount);
    const after = before.plus(refund.amount.amount);
    // The money refunded is counted once per refund (the inbox makes each event apply once).
    order.refundedAmount = after.toString();
    await this.store.updateOrder(step.tx, order.orderId, { refundedAmount: order.refundedAmount });
    if (after.gt(grand) && order.customerKey) {
      await emitRejection(step.emit, this.metrics, {
        customerKey: order.customerKey,
        orderId: order.orderId,
        activity: 'reversal',
        reason: 'refund-exceeds-order',
        detail: `refunds total ${after.toFixed(2)} of an order of ${grand.toFixed(2)} ${order.currency}: reversal capped at what the order earned`,
        reference: refund.refundId,
      });
    }
    // A refund that settles a return is covered by the return (whichever arrives first counts).
    const source = refund.returnId ? `return:${refund.returnId}` : `refund:${refund.refundId}`;
    const share = grand.gt(0) ? new Big(refund.amount.amount).div(grand) : new Big(1);
    return (await this.reverse(step, order, source, share, refund.returnId ? 'return' : 'refund')) ? 'recorded' : 'unchanged';
  }

  private async captured(step: Step, order: OrderRow, value: Value): Promise<string> {
    const payment = value as { paymentId: string; method: string | null; amount: Money };
    if (!this.rules.isRedemption(payment.method)) {
      if (order.captured) return 'unchanged';
      order.captured = true;
      await this.store.updateOrder(step.tx, order.orderId, { captured: true });
      return (await this.maybeAccrue(step, order)) ? 'recorded' : 'unchanged';
    }
    const points = this.rules.redemptionPoints(payment.amount.amount, payment.amount.currency);
    if (!order.memberRef || !order.customerKey || points === undefined || points <= 0) {
      await emitRejection(step.emit, this.metrics, {
        customerKey: order.customerKey ?? `guest:${order.orderId}`,
        orderId: order.orderId,
        activity: 'redemption',
        reason: !order.memberRef ? 'no-customer' : 'currency-not-earning',
        points: points ?? null,
        detail: !order.memberRef ? 'points tendered on an order without a member' : `points have no value in ${payment.amount.currency}`,
        reference: payment.paymentId,
      });
      return 'rejected';
    }
    if (!(await this.store.insertRedemption(step.tx, { paymentId: payment.paymentId, orderId: order.orderId, points, value: payment.amount.amount, currency: payment.amount.currency }))) return 'duplicate';
    const payload = this.redemptionPayload(order, payment.paymentId, points, payment.amount);
    await this.effects.record(step.tx, [{ kind: MOVEMENT_KIND, key: movementKeys.redemption(payment.paymentId), aggregate: order.customerKey, payload }], step.cause);
    if (order.cancelled) {
      // Tendered on an order already cancelled: give the points back right after.
      await this.store.updateRedemption(step.tx, payment.paymentId, { cancelRequested: true });
    }
    return 'recorded';
  }

  /**
   * Takes `share` more of the order into account (once per source) and records the reversal of
   * the points it calls for: the target is round(earned × total share), never more than the order
   * earned, minus what was already reversed. Before the accrual only the share is kept.
   */
  private async reverse(step: Step, order: OrderRow, sourceId: string, share: Big, reason: string): Promise<boolean> {
    const summed = new Big(order.reversedShare).plus(share.gt(0) ? share : 0);
    const newShare = summed.gt(1) ? new Big(1) : summed;
    if (!(await this.store.addReversalSource(step.tx, sourceId, order.orderId, share.toString()))) return false;
    order.reversedShare = newShare.toString();
    await this.store.updateOrder(step.tx, order.orderId, { reversedShare: order.reversedShare });
    if (order.earnedPoints === null || order.earnedPoints === 0 || !order.memberRef || !order.customerKey) return true;
    const target = targetReversal(order.earnedPoints, order.reversedShare);
    const points = target - order.reversedPoints;
    if (points <= 0) return true;
    order.reversedPoints = target;
    await this.store.updateOrder(step.tx, order.orderId, { reversedPoints: target });
    await this.record(step, order, { key: movementKeys.reversal(order.orderId, sourceId), payload: { activity: 'reversal', points, reason, undoes: movementKeys.accrual(order.orderId) } });
    return true;
  }

  private redemptionPayload(order: OrderRow, paymentId: string, points: number, money: Money): MovementPayload {
    return { activity: 'redemption', customerKey: order.customerKey!, memberRef: order.memberRef!, orderId: order.orderId, points, money, paymentId };
  }

  private async record(step: Step, order: OrderRow, e: { key: string; payload: Omit<MovementPayload, 'customerKey' | 'memberRef' | 'orderId'> }): Promise<void> {
    const effect: IntendedEffect = {
      kind: MOVEMENT_KIND,
      key: e.key,
      aggregate: order.customerKey!,
      payload: { ...e.payload, customerKey: order.customerKey!, memberRef: order.memberRef!, orderId: order.orderId },
    };
    await this.effects.record(step.tx, [effect], step.cause);
  }
}

const HANDLED = new Set(['OrderPlaced', 'OrderCancelled', 'ReturnReceived', 'PaymentCaptured', 'PaymentRefunded', 'ShipmentDispatched']);

/** Points to have taken back for a share of the order: round half up, never more than earned. */
export function targetReversal(earned: number, share: string): number {
  return Math.min(earned, Number(new Big(earned).times(share).round(0, Big.roundHalfUp).toString()));
}
