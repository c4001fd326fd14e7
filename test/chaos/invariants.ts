/**
 * The checks after a chaos run, each against a source independent of the service it judges:
 * the traffic ledger (what was answered 202), the Odoo simulator's records (sale orders found by
 * the external id the writer keeps in ir.model.data), the topics themselves, the availability API
 * against a recomputation from the topics, DLQ topics and consumer lag.
 */
import { DEMO_CATALOG, DEMO_LOCATIONS, STORE_LOCATION, type PipelineSummary, type RunningPlatform } from '@retail-backbone/local-platform';
import { saleOrdersByOrderId, xmlIdName } from '@retail-backbone/odoo-writer/src/odoo/references';
import type { Ledger } from './traffic';
import type { TopicRecord } from './topics';

export interface Violation {
  invariant: string;
  detail: string;
}

export interface Verdict {
  violations: Violation[];
  lost: number;
  duplicated: number;
  /** Orders checked in Odoo. */
  orders: number;
}


/** Every accepted order is exactly one sale order with the right lines and state. */
export function checkOdoo(platform: RunningPlatform, ledger: Ledger, verdict: Verdict): void {
  const saleOrders = platform.odoo.records('sale.order');
  const byId = new Map(saleOrders.map((so) => [so.id, so]));
  const xmlIds = new Map(
    platform.odoo
      .records('ir.model.data')
      .filter((x) => x.module === 'retail_backbone' && x.model === 'sale.order')
      .map((x) => [String(x.name), Number(x.res_id)]),
  );
  const copiesOf = saleOrdersByOrderId((m) => platform.odoo.records(m), ledger.orders.keys());
  const lines = platform.odoo.records('sale.order.line');
  const products = new Map(platform.odoo.records('product.product').map((p) => [p.id, String(p.default_code)]));
  for (const order of ledger.orders.values()) {
    verdict.orders += 1;
    const resId = xmlIds.get(xmlIdName('order', order.orderId));
    const so = resId === undefined ? undefined : byId.get(resId);
    if (!so) {
      verdict.lost += 1;
      verdict.violations.push({ invariant: 'order in Odoo', detail: `${order.orderId}: no sale order under its external id` });
      continue;
    }
    // The writer's origin is deterministic per channel order: a second row with it is a duplicate.
    const copies = copiesOf.get(order.orderId)!.length;
    if (copies > 1) {
      verdict.duplicated += copies - 1;
      verdict.violations.push({ invariant: 'order once in Odoo', detail: `${order.orderId}: ${copies} sale orders` });
    }
    const got = lines.filter((l) => l.order_id === so.id).map((l) => `${products.get(Number(l.product_id))}x${Number(l.product_uom_qty)}`).sort();
    const want = order.lines.map((l) => `${l.sku}x${l.quantity}`).sort();
    if (got.join() !== want.join()) verdict.violations.push({ invariant: 'order lines', detail: `${order.orderId}: ${got.join(' ')} instead of ${want.join(' ')}` });
    const state = order.cancelled ? 'cancel' : 'sale';
    if (so.state !== state) verdict.violations.push({ invariant: 'order state', detail: `${order.orderId}: ${String(so.state)} instead of ${state}` });
  }
}

/** The loyalty platform's transactions, as the simulator keeps them. */
export interface LoyaltyBook {
  transactions(): Array<{ type: string; points: number; reference: string | null; idempotencyKey: string }>;
}

/**
 * Loyalty against the platform's own ledger: an accepted online order (its channel customer is a
 * member, enrolled on first use by the local platform) earned exactly once; a cancelled one had
 * all of it taken back; a POS order of the chaos mix (no customer) earned nothing.
 */
export function checkLoyalty(book: LoyaltyBook, ledger: Ledger, verdict: Verdict): void {
  const byOrder = new Map<string, Array<{ type: string; points: number }>>();
  for (const t of book.transactions()) if (t.reference) byOrder.set(t.reference, [...(byOrder.get(t.reference) ?? []), t]);
  for (const order of ledger.orders.values()) {
    const txs = byOrder.get(order.orderId) ?? [];
    const earns = txs.filter((t) => t.type === 'earn');
    // POS sales of the chaos mix carry no customer (the traffic records them at the store location).
    if (order.locationId === STORE_LOCATION) {
      if (txs.length > 0) verdict.violations.push({ invariant: 'loyalty: guests earn nothing', detail: `${order.orderId}: ${txs.length} movements` });
      continue;
    }
    if (earns.length === 0) verdict.violations.push({ invariant: 'loyalty accrual', detail: `${order.orderId}: no accrual on the platform` });
    if (earns.length > 1) {
      verdict.duplicated += earns.length - 1;
      verdict.violations.push({ invariant: 'loyalty accrual once', detail: `${order.orderId}: ${earns.length} accruals` });
    }
    const reversed = txs.filter((t) => t.type === 'reverse').reduce((n, t) => n + t.points, 0);
    const earned = earns.reduce((n, t) => n + t.points, 0);
    if (order.cancelled && reversed !== earned) verdict.violations.push({ invariant: 'loyalty reversal of a cancellation', detail: `${order.orderId}: ${reversed} of ${earned} points taken back` });
    if (!order.cancelled && reversed !== 0) verdict.violations.push({ invariant: 'loyalty reversal', detail: `${order.orderId}: ${reversed} points taken back from an order not cancelled` });
  }
}

function distinctEvents(records: TopicRecord[], type: string, keyOf: (value: Record<string, unknown>) => string): Map<string, Array<{ eventId: string; offset: number; partition: number }>> {
  const out = new Map<string, Array<{ eventId: string; offset: number; partition: number }>>();
  for (const r of records) {
    if (r.event?.eventType !== type) continue;
    const value = r.event.value as unknown as Record<string, unknown> & { envelope: { eventId: string } };
    const key = keyOf(value);
    const list = out.get(key) ?? [];
    if (!list.some((e) => e.eventId === value.envelope.eventId)) list.push({ eventId: value.envelope.eventId, offset: r.offset, partition: r.partition });
    out.set(key, list);
  }
  return out;
}

/** Each accepted fact is on its topic (no gap) as one event (copies of it are allowed), in key order. */
export function checkTopics(ledger: Ledger, topics: { orders: TopicRecord[]; payments: TopicRecord[]; stock: TopicRecord[] }, verdict: Verdict): void {
  const placed = distinctEvents(topics.orders, 'OrderPlaced', (v) => String(v.orderId));
  const cancelled = distinctEvents(topics.orders, 'OrderCancelled', (v) => String(v.orderId));
  for (const order of ledger.orders.values()) {
    const events = placed.get(order.orderId) ?? [];
    if (events.length === 0) {
      verdict.lost += 1;
      verdict.violations.push({ invariant: 'OrderPlaced on the topic', detail: order.orderId });
    } else if (events.length > 1) {
      verdict.duplicated += events.length - 1;
      verdict.violations.push({ invariant: 'OrderPlaced once', detail: `${order.orderId}: ${events.length} distinct events` });
    }
    const cancels = cancelled.get(order.orderId) ?? [];
    if (order.cancelled && cancels.length === 0) {
      verdict.lost += 1;
      verdict.violations.push({ invariant: 'OrderCancelled on the topic', detail: order.orderId });
    }
    if (cancels.length > 1) {
      verdict.duplicated += cancels.length - 1;
      verdict.violations.push({ invariant: 'OrderCancelled once', detail: `${order.orderId}: ${cancels.length} distinct events` });
    }
    if (events[0] && cancels[0] && (events[0].partition !== cancels[0].partition || events[0].offset > cancels[0].offset)) {
      verdict.violations.push({ invariant: 'key order', detail: `${order.orderId}: OrderCancelled before OrderPlaced` });
    }
  }
  const returns = [...distinctEvents(topics.orders, 'ReturnReceived', (v) => String(v.returnId)).values()];
  if (returns.length < ledger.returnsAccepted) {
    verdict.lost += ledger.returnsAccepted - returns.length;
    verdict.violations.push({ invariant: 'ReturnReceived on the topic', detail: `${returns.length} of ${ledger.returnsAccepted} accepted returns` });
  }
  for (const list of returns.filter((l) => l.length > 1)) {
    verdict.duplicated += list.length - 1;
    verdict.violations.push({ invariant: 'ReturnReceived once', detail: `${list.length} distinct events for one return` });
  }
  const payments = distinctEvents(topics.payments, 'PaymentCaptured', (v) => String(v.providerPaymentId));
  for (const id of ledger.paymentsAccepted) {
    const n = (payments.get(id) ?? []).length;
    if (n === 0) {
      verdict.lost += 1;
      verdict.violations.push({ invariant: 'PaymentCaptured on the topic', detail: id });
    } else if (n > 1) {
      verdict.duplicated += n - 1;
      verdict.violations.push({ invariant: 'PaymentCaptured once', detail: `${id}: ${n} distinct events` });
    }
  }
  const movements = new Set(topics.stock.filter((r) => r.event?.eventType === 'StockMovementRecorded').map((r) => String((r.event!.value as unknown as { movementId: string }).movementId)));
  for (const id of ledger.stockMovements) {
    if (!movements.has(id)) {
      verdict.lost += 1;
      verdict.violations.push({ invariant: 'stock movement on the topic', detail: id });
    }
  }
}

/**
 * Available-to-sell recomputed from the topics: newest count per SKU x location plus the movements
 * observed after it (each movement id once), minus what open orders hold (placed, not cancelled,
 * not refused on the reservations topic).
 */
export function recomputeAvailability(topics: { orders: TopicRecord[]; stock: TopicRecord[]; reservations: TopicRecord[] }): Map<string, number> {
  const snapshots = new Map<string, { asOf: number; id: string; quantity: number }>();
  const movements = new Map<string, Map<string, { at: number; delta: number }>>();
  const ms = (v: unknown) => (v instanceof Date ? v.getTime() : Number(v));
  for (const r of topics.stock) {
    if (r.event?.eventType === 'StockSnapshotTaken') {
      const v = r.event.value;
      const key = `${v.sku}@${v.locationId}`;
      const prev = snapshots.get(key);
      const asOf = ms(v.asOf);
      if (!prev || asOf > prev.asOf || (asOf === prev.asOf && v.snapshotId > prev.id)) snapshots.set(key, { asOf, id: v.snapshotId, quantity: v.quantity });
    } else if (r.event?.eventType === 'StockMovementRecorded') {
      const v = r.event.value;
      const key = `${v.sku}@${v.locationId}`;
      const byId = movements.get(key) ?? new Map<string, { at: number; delta: number }>();
      byId.set(`${v.source}:${v.movementId}`, { at: ms(v.observedAt), delta: v.quantityDelta });
      movements.set(key, byId);
    }
  }
  const available = new Map<string, number>();
  for (const key of new Set([...snapshots.keys(), ...movements.keys()])) {
    const snap = snapshots.get(key);
    const later = [...(movements.get(key)?.values() ?? [])].filter((m) => !snap || m.at > snap.asOf);
    available.set(key, (snap?.quantity ?? 0) + later.reduce((n, m) => n + m.delta, 0));
  }
  const rejected = new Set(topics.reservations.filter((r) => r.event?.eventType === 'StockReservationRejected').map((r) => String((r.event!.value as unknown as { orderId: string }).orderId)));
  const cancelled = new Set(topics.orders.filter((r) => r.event?.eventType === 'OrderCancelled').map((r) => String((r.event!.value as unknown as { orderId: string }).orderId)));
  const placed = new Map<string, { locationId: string; lines: Array<{ sku: string; quantity: number }> }>();
  for (const r of topics.orders) if (r.event?.eventType === 'OrderPlaced' && !placed.has(r.event.value.orderId)) placed.set(r.event.value.orderId, r.event.value);
  for (const [orderId, order] of placed) {
    if (rejected.has(orderId) || cancelled.has(orderId)) continue;
    for (const line of order.lines) {
      const key = `${line.sku}@${order.locationId}`;
      available.set(key, (available.get(key) ?? 0) - line.quantity);
    }
  }
  return available;
}

export async function checkAvailability(inventoryUrl: string, expected: Map<string, number>, verdict: Verdict): Promise<void> {
  for (const { sku } of DEMO_CATALOG) {
    const res = await fetch(`${inventoryUrl}/v1/availability/${encodeURIComponent(sku)}`, { signal: AbortSignal.timeout(10_000) });
    const body = res.ok ? ((await res.json()) as { locations: Array<{ locationId: string; onHand: number; reserved: number }> }) : { locations: [] };
    for (const locationId of DEMO_LOCATIONS) {
      const key = `${sku}@${locationId}`;
      const row = body.locations.find((l) => l.locationId === locationId);
      const projected = row ? row.onHand - row.reserved : undefined;
      if (projected !== expected.get(key)) verdict.violations.push({ invariant: 'availability = recomputation', detail: `${key}: projected ${projected ?? 'none'}, recomputed ${expected.get(key) ?? 'none'}` });
    }
  }
}

export function checkDlqAndLag(summary: PipelineSummary, poisoned: { topic: string; count: number }, verdict: Verdict): void {
  for (const [topic, count] of Object.entries(summary.dlqByTopic)) {
    const allowed = topic === poisoned.topic ? poisoned.count : 0;
    if (count !== allowed) verdict.violations.push({ invariant: 'no dead letter but the poisoned', detail: `${topic}: ${count} messages, ${allowed} poisoned` });
  }
  if (poisoned.count > 0 && summary.dlqByTopic[poisoned.topic] === undefined) verdict.violations.push({ invariant: 'poisoned messages dead-lettered', detail: `${poisoned.topic} missing` });
  for (const [group, lag] of Object.entries(summary.consumerLag)) if (lag !== 0) verdict.violations.push({ invariant: 'consumer lag zero', detail: `${group}: ${lag}` });
}
