/**
 * A deliberately naive reference for the projection: recomputes everything from the list of
 * distinct events seen so far, with no incremental state. Order decisions are taken in delivery
 * order against the availability computed from the prefix before them.
 */
import type { OversellPolicy, ProjectionEvent } from '../src/domain/types';

export interface ModelResult {
  stock: Map<string, { onHand: number; reserved: number }>;
  rejected: Set<string>;
}

type Movement = Extract<ProjectionEvent, { kind: 'movement' }>;
type Snapshot = Extract<ProjectionEvent, { kind: 'snapshot' }>;
type Placed = Extract<ProjectionEvent, { kind: 'placed' }>;
type Shipped = Extract<ProjectionEvent, { kind: 'shipped' }>;

function computeStock(seen: ProjectionEvent[], rejected: Set<string>): Map<string, { onHand: number; reserved: number }> {
  const out = new Map<string, { onHand: number; reserved: number }>();
  const at = (key: string) => {
    let v = out.get(key);
    if (!v) {
      v = { onHand: 0, reserved: 0 };
      out.set(key, v);
    }
    return v;
  };
  const snapshots = new Map<string, Snapshot>();
  for (const e of seen) {
    if (e.kind !== 'snapshot') continue;
    const key = `${e.sku}@${e.locationId}`;
    const best = snapshots.get(key);
    if (!best || e.asOf > best.asOf || (e.asOf === best.asOf && e.snapshotId > best.snapshotId)) snapshots.set(key, e);
  }
  for (const [key, s] of snapshots) at(key).onHand = s.quantity;
  const movements = new Map<string, Movement>();
  for (const e of seen) if (e.kind === 'movement') movements.set(`${e.source}:${e.movementId}`, e);
  for (const m of movements.values()) {
    const key = `${m.sku}@${m.locationId}`;
    const base = snapshots.get(key);
    if (!base || m.observedAt > base.asOf) at(key).onHand += m.delta;
  }
  const shipments = new Map<string, Shipped>();
  for (const e of seen) if (e.kind === 'shipped' && !shipments.has(e.shipmentId)) shipments.set(e.shipmentId, e);
  for (const sh of shipments.values()) {
    for (const line of sh.lines) {
      const key = `${line.sku}@${sh.locationId}`;
      const base = snapshots.get(key);
      if (!base || sh.dispatchedAt > base.asOf) at(key).onHand -= line.quantity;
    }
  }
  const placed = new Map<string, Placed>();
  for (const e of seen) if (e.kind === 'placed' && !placed.has(e.orderId)) placed.set(e.orderId, e);
  const cancelled = new Set(seen.filter((e) => e.kind === 'cancelled').map((e) => (e as { orderId: string }).orderId));
  for (const order of placed.values()) {
    if (cancelled.has(order.orderId) || rejected.has(order.orderId)) continue;
    const ordered = new Map<string, number>();
    for (const line of order.lines) ordered.set(line.sku, (ordered.get(line.sku) ?? 0) + line.quantity);
    for (const [sku, qty] of ordered) {
      let shipped = 0;
      for (const sh of shipments.values()) if (sh.orderId === order.orderId) for (const l of sh.lines) if (l.sku === sku) shipped += l.quantity;
      const open = qty - shipped;
      if (open > 0) at(`${sku}@${order.locationId}`).reserved += open;
    }
  }
  return out;
}

/** `deliveries` may contain the same event object several times (redeliveries). */
export function model(deliveries: ProjectionEvent[], policyFor: (location: string) => OversellPolicy): ModelResult {
  const seen: ProjectionEvent[] = [];
  const rejected = new Set<string>();
  const decided = new Set<string>();
  for (const e of deliveries) {
    if (seen.includes(e)) continue;
    if (e.kind === 'placed' && !decided.has(e.orderId)) {
      decided.add(e.orderId);
      const isCancelled = seen.some((x) => x.kind === 'cancelled' && x.orderId === e.orderId);
      if (!isCancelled && policyFor(e.locationId) === 'reject') {
        const stock = computeStock(seen, rejected);
        const need = new Map<string, number>();
        for (const line of e.lines) need.set(line.sku, (need.get(line.sku) ?? 0) + line.quantity);
        for (const x of seen) if (x.kind === 'shipped' && x.orderId === e.orderId) for (const l of x.lines) if (need.has(l.sku)) need.set(l.sku, need.get(l.sku)! - l.quantity);
        const short = [...need].some(([sku, n]) => {
          const s = stock.get(`${sku}@${e.locationId}`) ?? { onHand: 0, reserved: 0 };
          return n > 0 && n > s.onHand - s.reserved;
        });
        if (short) rejected.add(e.orderId);
      }
    }
    seen.push(e);
  }
  return { stock: computeStock(seen, rejected), rejected };
}
