import { NonRetryableError } from '@retail-backbone/messaging';
import type { OrderCancelled, OrderPlaced, ShipmentDispatched, StockMovementRecorded, StockSnapshotTaken } from '@retail-backbone/contracts';
import type { ProjectionEvent } from '../domain/types';

/** Topics the projector consumes. */
export const INPUT_TOPICS = ['retail.stock-movements.v1', 'retail.orders.v1', 'retail.shipments.v1'] as const;

/** Avro long values decoded as Date (when a logical type is registered) or number. */
function millis(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  throw new NonRetryableError(`expected epoch milliseconds, got ${typeof value}`, 'INVALID_TIMESTAMP');
}

function positive(quantity: number, field: string): number {
  if (!Number.isInteger(quantity) || quantity <= 0) throw new NonRetryableError(`${field} must be a positive integer`, 'INVALID_QUANTITY');
  return quantity;
}

/**
 * Maps a decoded contract event to the projection's vocabulary; null for event types the
 * projection does not use (ReturnReceived and ShipmentPropagated share its topics; restocked
 * returns reach on-hand as 'return' movements from the receiving location, see the README).
 */
export function normalise(eventType: string, value: Record<string, unknown>): ProjectionEvent | null {
  switch (eventType) {
    case 'StockMovementRecorded': {
      const v = value as unknown as StockMovementRecorded;
      if (!Number.isInteger(v.quantityDelta)) throw new NonRetryableError('quantityDelta must be an integer', 'INVALID_QUANTITY');
      return {
        kind: 'movement',
        sku: v.sku,
        locationId: v.locationId,
        source: v.source,
        movementId: v.movementId,
        movementType: v.movementType,
        delta: v.quantityDelta,
        observedAt: millis(v.observedAt),
      };
    }
    case 'StockSnapshotTaken': {
      const v = value as unknown as StockSnapshotTaken;
      if (!Number.isInteger(v.quantity) || v.quantity < 0) throw new NonRetryableError('snapshot quantity must be >= 0', 'INVALID_QUANTITY');
      return { kind: 'snapshot', sku: v.sku, locationId: v.locationId, snapshotId: v.snapshotId, quantity: v.quantity, asOf: millis(v.asOf) };
    }
    case 'OrderPlaced': {
      const v = value as unknown as OrderPlaced;
      if (v.lines.length === 0) throw new NonRetryableError('OrderPlaced has no lines', 'INVALID_ORDER');
      return {
        kind: 'placed',
        orderId: v.orderId,
        locationId: v.locationId,
        lines: v.lines.map((line) => ({ sku: line.sku, quantity: positive(line.quantity, 'lines.quantity') })),
      };
    }
    case 'OrderCancelled': {
      const v = value as unknown as OrderCancelled;
      return { kind: 'cancelled', orderId: v.orderId };
    }
    case 'ShipmentDispatched': {
      const v = value as unknown as ShipmentDispatched;
      return {
        kind: 'shipped',
        orderId: v.orderId,
        shipmentId: v.shipmentId,
        locationId: v.locationId,
        lines: v.lines.map((line) => ({ sku: line.sku, quantity: positive(line.quantity, 'lines.quantity') })),
        dispatchedAt: millis(v.dispatchedAt),
      };
    }
    default:
      return null;
  }
}
