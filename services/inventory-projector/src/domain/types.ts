/**
 * The projection's own vocabulary, decoupled from the Avro contracts: events are normalised into
 * these shapes once (see ../consumer/normalise.ts) so the rules can be tested without Kafka.
 */

export type OversellPolicy = 'reject' | 'backorder';

export interface Line {
  sku: string;
  quantity: number;
}

export type ProjectionEvent =
  | {
      kind: 'movement';
      sku: string;
      locationId: string;
      source: string;
      movementId: string;
      /** 'return' keeps its own cause on the availability event; every other type is a plain movement. */
      movementType: string;
      delta: number;
      observedAt: number;
    }
  | { kind: 'snapshot'; sku: string; locationId: string; snapshotId: string; quantity: number; asOf: number }
  | { kind: 'placed'; orderId: string; locationId: string; lines: Line[] }
  | { kind: 'cancelled'; orderId: string }
  | { kind: 'shipped'; orderId: string; shipmentId: string; locationId: string; lines: Line[]; dispatchedAt: number };

/** One SKU at one location. `version` grows by one on every change of onHand or reserved. */
export interface StockRow {
  sku: string;
  locationId: string;
  onHand: number;
  reserved: number;
  version: number;
  /** asOf of the snapshot on-hand is based on; null until the first snapshot. */
  snapshotAsOf: number | null;
  snapshotId: string | null;
}

/** A relative change of on-hand observed at a point in time (movement or shipment line). */
export interface Contribution {
  id: string;
  observedAt: number;
  delta: number;
}

/**
 * - reserved: stock was (or would have been) reserved for the order.
 * - rejected: the order would have oversold a reject-policy location; nothing is reserved, ever.
 * - skipped: the order was already cancelled when it was placed; no decision was needed.
 */
export type PlacementOutcome = 'reserved' | 'rejected' | 'skipped';

export interface Placement {
  locationId: string;
  /** Units ordered per SKU (lines of one SKU summed). */
  lines: Record<string, number>;
  outcome: PlacementOutcome;
}

/**
 * Everything known about one order, whichever of its events arrived first. A cancel or shipment
 * that arrives before OrderPlaced is kept here so the placement honours it.
 */
export interface OrderRecord {
  orderId: string;
  placement: Placement | null;
  cancelled: boolean;
  /** Units shipped per SKU, summed over distinct shipments. */
  shipped: Record<string, number>;
  shipmentIds: string[];
}

export type ChangeCause = 'movement' | 'snapshot' | 'reservation' | 'release' | 'shipment' | 'return';

export interface StockChange {
  row: StockRow;
  cause: ChangeCause;
  causeReference: string;
}

export interface Shortage {
  sku: string;
  requested: number;
  available: number;
}

export interface Rejection {
  orderId: string;
  locationId: string;
  shortages: Shortage[];
  reason: 'insufficient_stock' | 'unknown_sku';
}

export interface ApplyResult {
  changes: StockChange[];
  rejection: Rejection | null;
  /** An order whose stock this event reserved (the verdict published as StockReserved). */
  reserved?: { orderId: string; locationId: string };
}
