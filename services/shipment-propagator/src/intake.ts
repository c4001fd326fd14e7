import type { OrderPlaced } from '@retail-backbone/contracts';
import { injectTraceContext } from '@retail-backbone/observability';
import type { EffectCause, EffectStore, EventHandler, HandlerContext, IntendedEffect } from '@retail-backbone/messaging';
import type { PoolClient } from 'pg';
import type { KnownOrder, PropagatorStore, ShipmentFacts, ShipmentRow } from './db/store';
import { propagatedEvent } from './effects';
import type { PropagatorMetrics } from './metrics';
import { aggregateOf, channelTarget, effectKey, EFFECT_KINDS, resolveLines, shipmentKeyOf, type PropagationPayload, type TargetKind } from './propagation';

export interface IntakeOptions {
  shipmentsTopic: string;
  /** Channels this deployment can reach; a shipment of another channel's order fails its channel target. */
  channels: ReadonlySet<TargetKind>;
  /** Whether the customer-notification hook is configured. */
  customerHook: boolean;
}

type Emit = HandlerContext['emit'];

/**
 * The consumer side: an OrderPlaced is remembered (channel, channel order id, lines, contact);
 * a ShipmentDispatched (from the WMS or the Odoo watcher) is checked against its order and, in
 * the same transaction as the inbox row, its propagations are recorded as outside effects —
 * one for the ordering channel and one for the customer hook. No channel is called here.
 * A shipment that cannot be propagated (unknown order or lines, more than ordered) is parked
 * with a ShipmentPropagated saying why; the partition moves on. A parked shipment of an order
 * not yet known is checked again when its OrderPlaced arrives.
 */
export class ShipmentIntake {
  constructor(
    private readonly store: PropagatorStore,
    private readonly effects: EffectStore,
    private readonly metrics: PropagatorMetrics,
    private readonly options: IntakeOptions,
    /** Called after recording, so the executor claims at once. */
    private readonly recorded: () => void = () => undefined,
  ) {}

  readonly handler: EventHandler = async (ctx) => {
    const { eventType, value, envelope } = ctx.event;
    if (eventType === 'OrderPlaced') return this.orderPlaced(ctx, value as unknown as OrderPlaced);
    if (eventType !== 'ShipmentDispatched') return;
    const facts = value as unknown as ShipmentFacts;
    // The trace of the consumed event (active in the handler), kept with a parked shipment too.
    const cause: EffectCause = { eventId: envelope.eventId, correlationId: envelope.correlationId, trace: injectTraceContext() as Record<string, string> };
    await this.store.lockOrder(ctx.tx, facts.orderId);
    const key = shipmentKeyOf(facts);
    if (await this.store.shipment(ctx.tx, key)) {
      this.metrics.shipments.inc({ source: facts.source, result: 'duplicate' });
      return;
    }
    const result = await this.decide(ctx.tx, ctx.emit, key, facts, cause);
    this.metrics.shipments.inc({ source: facts.source, result });
  };

  private async orderPlaced(ctx: HandlerContext, order: OrderPlaced): Promise<void> {
    const known: KnownOrder = {
      orderId: order.orderId,
      channel: order.channel,
      channelId: order.channelId,
      channelOrderId: order.channelOrderId,
      channelOrderNumber: order.channelOrderNumber ?? null,
      storeId: order.storeId ?? null,
      lines: order.lines.map((l) => ({ lineId: l.lineId, sku: l.sku, quantity: l.quantity })),
      contact: { email: order.customer.email ?? null, phone: order.customer.phone ?? null, firstName: order.customer.firstName ?? null },
    };
    await this.store.lockOrder(ctx.tx, order.orderId);
    if (!(await this.store.upsertOrder(ctx.tx, known, order.placedAt))) return;
    // Shipments that came before their order (another topic, or a replayed OrderPlaced).
    for (const parked of await this.store.parked(ctx.tx, order.orderId)) {
      if (parked.failureCode === 'unknown_order') await this.recheck(ctx.tx, ctx.emit, parked);
    }
  }

  /** Checks a parked shipment again (its order arrived, or an operator fixed the cause). */
  async recheck(tx: PoolClient, emit: Emit, parked: ShipmentRow): Promise<'accepted' | 'parked'> {
    return this.decide(tx, emit, parked.shipmentKey, parked.event, parked.cause, parked.failureCode);
  }

  private async decide(tx: PoolClient, emit: Emit, key: string, facts: ShipmentFacts, cause: EffectCause, parkedAs?: string | null): Promise<'accepted' | 'parked'> {
    const order = await this.store.order(tx, facts.orderId);
    const park = async (code: string, reason: string) => {
      await this.store.saveShipment(tx, { shipmentKey: key, orderId: facts.orderId, status: 'parked', failureCode: code, failureReason: reason, event: facts, cause });
      // Announced when it is parked, or parked for another reason than before.
      if (parkedAs !== code) {
        await emit(
          propagatedEvent(this.options.shipmentsTopic, {
            orderId: facts.orderId,
            shipmentId: facts.shipmentId,
            target: order ? (channelTarget(order.channel) ?? 'shopify') : 'shopify',
            channel: order?.channel ?? 'unknown',
            targetName: order?.channelId ?? null,
            outcome: 'parked',
            failureCode: code,
            failureReason: reason,
          }),
        );
        this.metrics.propagations.inc({ target: order ? (channelTarget(order.channel) ?? 'other') : 'unknown', outcome: 'parked' });
      }
      return 'parked' as const;
    };
    if (!order) return park('unknown_order', `no OrderPlaced known for order ${facts.orderId}`);
    const resolved = resolveLines(order, facts, await this.store.acceptedLines(tx, facts.orderId));
    if ('code' in resolved) return park(resolved.code, resolved.reason);

    await this.store.saveShipment(tx, { shipmentKey: key, orderId: facts.orderId, status: 'accepted', failureCode: null, failureReason: null, event: { ...facts, resolvedLines: resolved.lines }, cause });
    const base: Omit<PropagationPayload, 'target'> = {
      orderId: facts.orderId,
      shipmentKey: key,
      shipmentId: facts.shipmentId,
      channel: order.channel,
      channelId: order.channelId,
      channelOrderId: order.channelOrderId,
      channelOrderNumber: order.channelOrderNumber,
      storeId: order.storeId,
      locationId: facts.locationId,
      lines: resolved.lines,
      completesOrder: resolved.completesOrder,
      carrier: facts.carrier ?? null,
      trackingNumber: facts.trackingNumber ?? null,
      trackingUrl: facts.trackingUrl ?? null,
      dispatchedAt: facts.dispatchedAt,
    };
    const intended: IntendedEffect[] = [];
    const target = channelTarget(order.channel);
    if (target && this.options.channels.has(target)) {
      intended.push({ kind: EFFECT_KINDS[target], key: effectKey(target, key), aggregate: aggregateOf(facts.orderId, target), payload: { ...base, target } });
    } else {
      await emit(
        propagatedEvent(this.options.shipmentsTopic, {
          orderId: facts.orderId,
          shipmentId: facts.shipmentId,
          target: target ?? 'shopify',
          channel: order.channel,
          targetName: order.channelId,
          outcome: 'failed',
          failureCode: 'channel_not_configured',
          failureReason: `no fulfilment API configured for channel '${order.channel}'`,
        }),
      );
      this.metrics.propagations.inc({ target: target ?? 'other', outcome: 'failed' });
    }
    if (this.options.customerHook) {
      intended.push({
        kind: EFFECT_KINDS['customer-hook'],
        key: effectKey('customer-hook', key),
        aggregate: aggregateOf(facts.orderId, 'customer-hook'),
        payload: { ...base, target: 'customer-hook', contact: order.contact },
      });
    }
    await this.effects.record(tx, intended, cause);
    this.recorded();
    return 'accepted';
  }
}
