import type { ProjectionStore } from './store';
import type {
  ApplyResult,
  ChangeCause,
  Line,
  OrderRecord,
  OversellPolicy,
  Placement,
  PlacementOutcome,
  ProjectionEvent,
  Rejection,
  Shortage,
  StockChange,
  StockRow,
} from './types';

export interface ApplyContext {
  policyFor(locationId: string): OversellPolicy;
  /**
   * During a rebuild, the outcome recorded for an order in the log (StockReservationRejected) is
   * replayed instead of decided again: cross-topic interleaving differs between runs, and the
   * availability seen at placement time must not change a past decision.
   */
  recordedOutcome?(orderId: string): PlacementOutcome | undefined;
}

interface Pending {
  row: StockRow;
  counted: boolean;
  cause: ChangeCause;
  causeReference: string;
}

/** The rows one event touches, written back together; counts changes are reported once per key. */
class Rows {
  private readonly pending = new Map<string, Pending>();
  constructor(private readonly store: ProjectionStore) {}

  get(sku: string, locationId: string): StockRow {
    const pending = this.pending.get(`${sku}@${locationId}`);
    if (pending) return pending.row;
    const stored = this.store.getStock(sku, locationId);
    return stored ? { ...stored } : { sku, locationId, onHand: 0, reserved: 0, version: 0, snapshotAsOf: null, snapshotId: null };
  }

  update(row: StockRow, patch: Partial<StockRow>, cause: ChangeCause, causeReference: string): void {
    const next = { ...row, ...patch };
    const counted = next.onHand !== row.onHand || next.reserved !== row.reserved;
    if (counted) next.version = row.version + 1;
    if (!counted && next.snapshotAsOf === row.snapshotAsOf && next.snapshotId === row.snapshotId) return;
    const key = `${row.sku}@${row.locationId}`;
    const earlier = this.pending.get(key);
    this.pending.set(key, { row: next, counted: counted || (earlier?.counted ?? false), cause, causeReference });
  }

  commit(): StockChange[] {
    const changes: StockChange[] = [];
    for (const { row, counted, cause, causeReference } of this.pending.values()) {
      this.store.putStock(row);
      if (counted) changes.push({ row, cause, causeReference });
    }
    return changes;
  }
}

function sumBySku(lines: Line[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const line of lines) totals[line.sku] = (totals[line.sku] ?? 0) + line.quantity;
  return totals;
}

/** Units an order holds per SKU at its location: what is ordered and not yet shipped, while open. */
export function reservationOf(order: OrderRecord | undefined): Record<string, number> {
  const held: Record<string, number> = {};
  const placement = order?.placement;
  if (!order || !placement || placement.outcome !== 'reserved' || order.cancelled) return held;
  for (const [sku, ordered] of Object.entries(placement.lines)) {
    const open = ordered - (order.shipped[sku] ?? 0);
    if (open > 0) held[sku] = open;
  }
  return held;
}

function emptyOrder(orderId: string): OrderRecord {
  return { orderId, placement: null, cancelled: false, shipped: {}, shipmentIds: [] };
}

/** Moves reserved units at the order's location from what `before` held to what `after` holds. */
function adjustReservations(rows: Rows, before: OrderRecord | undefined, after: OrderRecord, cause: ChangeCause): void {
  const location = after.placement?.locationId ?? before?.placement?.locationId;
  if (!location) return;
  const held = reservationOf(before);
  const holds = reservationOf(after);
  const skus = new Set([...Object.keys(held), ...Object.keys(holds)]);
  for (const sku of [...skus].sort()) {
    const delta = (holds[sku] ?? 0) - (held[sku] ?? 0);
    if (delta === 0) continue;
    const row = rows.get(sku, location);
    rows.update(row, { reserved: row.reserved + delta }, cause, after.orderId);
  }
}

/**
 * Adds a relative on-hand change unless it is already counted or a snapshot taken at or after it
 * already covers it.
 */
function contribute(store: ProjectionStore, rows: Rows, sku: string, locationId: string, id: string, observedAt: number, delta: number, cause: ChangeCause, reference: string): void {
  const row = rows.get(sku, locationId);
  if (row.snapshotAsOf !== null && observedAt <= row.snapshotAsOf) return;
  if (store.hasContribution(sku, locationId, id)) return;
  store.addContribution(sku, locationId, { id, observedAt, delta });
  rows.update(row, { onHand: row.onHand + delta }, cause, reference);
}

function applySnapshot(store: ProjectionStore, rows: Rows, event: Extract<ProjectionEvent, { kind: 'snapshot' }>): void {
  const row = rows.get(event.sku, event.locationId);
  // The newest count wins whatever order snapshots arrive in; equal instants tie-break on the id.
  if (row.snapshotAsOf !== null) {
    if (event.asOf < row.snapshotAsOf) return;
    if (event.asOf === row.snapshotAsOf && (row.snapshotId ?? '') >= event.snapshotId) return;
  }
  const later = store.contributionsAfter(event.sku, event.locationId, event.asOf);
  const onHand = event.quantity + later.reduce((sum, c) => sum + c.delta, 0);
  store.pruneContributions(event.sku, event.locationId, event.asOf);
  rows.update(row, { onHand, snapshotAsOf: event.asOf, snapshotId: event.snapshotId }, 'snapshot', event.snapshotId);
}

function shortagesFor(rows: Rows, locationId: string, needed: Record<string, number>, store: ProjectionStore): { shortages: Shortage[]; unknown: number } {
  const shortages: Shortage[] = [];
  let unknown = 0;
  for (const sku of Object.keys(needed).sort()) {
    const need = needed[sku] ?? 0;
    if (need <= 0) continue;
    const row = rows.get(sku, locationId);
    const available = row.onHand - row.reserved;
    if (need > available) {
      shortages.push({ sku, requested: need, available: Math.max(0, available) });
      if (!store.getStock(sku, locationId)) unknown += 1;
    }
  }
  return { shortages, unknown };
}

function decide(
  store: ProjectionStore,
  rows: Rows,
  order: OrderRecord,
  event: Extract<ProjectionEvent, { kind: 'placed' }>,
  context: ApplyContext,
): { outcome: PlacementOutcome; rejection: Rejection | null } {
  if (order.cancelled) return { outcome: 'skipped', rejection: null };
  const recorded = context.recordedOutcome?.(event.orderId);
  if (recorded) return { outcome: recorded, rejection: null };
  if (context.policyFor(event.locationId) === 'backorder') return { outcome: 'reserved', rejection: null };
  const lines = sumBySku(event.lines);
  const needed: Record<string, number> = {};
  for (const [sku, ordered] of Object.entries(lines)) needed[sku] = ordered - (order.shipped[sku] ?? 0);
  const { shortages, unknown } = shortagesFor(rows, event.locationId, needed, store);
  if (shortages.length === 0) return { outcome: 'reserved', rejection: null };
  return {
    outcome: 'rejected',
    rejection: {
      orderId: event.orderId,
      locationId: event.locationId,
      shortages,
      reason: unknown === shortages.length ? 'unknown_sku' : 'insufficient_stock',
    },
  };
}

/**
 * Applies one event to the projection and returns the stock rows whose counts changed (and a
 * rejection to publish, if the order was refused). Idempotent per business id (movement, snapshot,
 * order, shipment) on top of the inbox's per-event-id idempotency, and commutative across topics:
 * see the README's ordering rules.
 */
export function applyEvent(store: ProjectionStore, event: ProjectionEvent, context: ApplyContext): ApplyResult {
  const rows = new Rows(store);
  let rejection: Rejection | null = null;
  let reserved: ApplyResult['reserved'];
  switch (event.kind) {
    case 'movement': {
      const cause: ChangeCause = event.movementType === 'return' ? 'return' : 'movement';
      const id = `movement:${event.source}:${event.movementId}`;
      contribute(store, rows, event.sku, event.locationId, id, event.observedAt, event.delta, cause, event.movementId);
      break;
    }
    case 'snapshot':
      applySnapshot(store, rows, event);
      break;
    case 'placed': {
      const before = store.getOrder(event.orderId);
      const order = before ? { ...before } : emptyOrder(event.orderId);
      if (order.placement) break; // the order was placed already (a re-published OrderPlaced)
      const decision = decide(store, rows, order, event, context);
      const placement: Placement = { locationId: event.locationId, lines: sumBySku(event.lines), outcome: decision.outcome };
      const after = { ...order, placement };
      adjustReservations(rows, before, after, 'reservation');
      store.putOrder(after);
      rejection = decision.rejection;
      if (decision.outcome === 'reserved') reserved = { orderId: event.orderId, locationId: event.locationId };
      break;
    }
    case 'cancelled': {
      const before = store.getOrder(event.orderId);
      if (before?.cancelled) break;
      const after = { ...(before ?? emptyOrder(event.orderId)), cancelled: true };
      adjustReservations(rows, before, after, 'release');
      store.putOrder(after);
      break;
    }
    case 'shipped': {
      const before = store.getOrder(event.orderId);
      if (before?.shipmentIds.includes(event.shipmentId)) break;
      const base = before ?? emptyOrder(event.orderId);
      const lines = sumBySku(event.lines);
      const shipped = { ...base.shipped };
      for (const [sku, quantity] of Object.entries(lines)) shipped[sku] = (shipped[sku] ?? 0) + quantity;
      const after = { ...base, shipped, shipmentIds: [...base.shipmentIds, event.shipmentId] };
      adjustReservations(rows, before, after, 'shipment');
      for (const sku of Object.keys(lines).sort()) {
        const id = `shipment:${event.shipmentId}:${sku}`;
        contribute(store, rows, sku, event.locationId, id, event.dispatchedAt, -(lines[sku] ?? 0), 'shipment', event.orderId);
      }
      store.putOrder(after);
      break;
    }
  }
  return { changes: rows.commit(), rejection, ...(reserved ? { reserved } : {}) };
}

/** Stock keys (sku, location) an event reads or writes, given the order record it concerns. */
export function keysTouched(event: ProjectionEvent, order: OrderRecord | undefined): Array<{ sku: string; locationId: string }> {
  const keys = new Map<string, { sku: string; locationId: string }>();
  const add = (sku: string, locationId: string) => keys.set(`${sku}@${locationId}`, { sku, locationId });
  switch (event.kind) {
    case 'movement':
    case 'snapshot':
      add(event.sku, event.locationId);
      break;
    case 'placed':
      for (const line of event.lines) add(line.sku, event.locationId);
      break;
    case 'cancelled':
      break;
    case 'shipped':
      for (const line of event.lines) add(line.sku, event.locationId);
      break;
  }
  if (order?.placement) for (const sku of Object.keys(order.placement.lines)) add(sku, order.placement.locationId);
  return [...keys.values()].sort((a, b) => (a.sku === b.sku ? a.locationId.localeCompare(b.locationId) : a.sku < b.sku ? -1 : 1));
}

/** Contribution ids an event may add, per key, so an adapter can pre-load their existence. */
export function contributionIds(event: ProjectionEvent): Array<{ sku: string; locationId: string; id: string }> {
  if (event.kind === 'movement') return [{ sku: event.sku, locationId: event.locationId, id: `movement:${event.source}:${event.movementId}` }];
  if (event.kind === 'shipped') {
    const skus = [...new Set(event.lines.map((line) => line.sku))];
    return skus.map((sku) => ({ sku, locationId: event.locationId, id: `shipment:${event.shipmentId}:${sku}` }));
  }
  return [];
}
