import type { OrderPlaced, ShipmentDispatched } from '@retail-backbone/contracts';
import { sampleEvent } from '@retail-backbone/contracts/src/testing';
import type { Line, ProjectionEvent } from '../src/domain/types';

const money = (amount: string) => ({ amount, currency: 'EUR' });

function orderLines(lines: Line[]): OrderPlaced['lines'] {
  return lines.map((line, i) => ({
    lineId: String(i + 1),
    sku: line.sku,
    name: `Product ${line.sku}`,
    quantity: line.quantity,
    unitPrice: money('10.00'),
    discount: money('0.00'),
    tax: money('0.00'),
    channelVariantId: null,
  }));
}

/** A contract event carrying the given projection event (test data for end-to-end runs). */
export function contractEvent(event: ProjectionEvent) {
  switch (event.kind) {
    case 'movement':
      return {
        eventType: 'StockMovementRecorded' as const,
        value: sampleEvent('StockMovementRecorded', {
          sku: event.sku,
          locationId: event.locationId,
          source: event.source,
          movementId: event.movementId,
          movementType: event.movementType,
          quantityDelta: event.delta,
          observedAt: event.observedAt,
        }),
      };
    case 'snapshot':
      return {
        eventType: 'StockSnapshotTaken' as const,
        value: sampleEvent('StockSnapshotTaken', { sku: event.sku, locationId: event.locationId, snapshotId: event.snapshotId, quantity: event.quantity, asOf: event.asOf }),
      };
    case 'placed':
      return { eventType: 'OrderPlaced' as const, value: sampleEvent('OrderPlaced', { orderId: event.orderId, locationId: event.locationId, lines: orderLines(event.lines) }) };
    case 'cancelled':
      return { eventType: 'OrderCancelled' as const, value: sampleEvent('OrderCancelled', { orderId: event.orderId }) };
    case 'shipped': {
      const lines: ShipmentDispatched['lines'] = event.lines.map((l) => ({ lineId: null, sku: l.sku, quantity: l.quantity }));
      return {
        eventType: 'ShipmentDispatched' as const,
        value: sampleEvent('ShipmentDispatched', { orderId: event.orderId, shipmentId: event.shipmentId, locationId: event.locationId, lines, dispatchedAt: event.dispatchedAt }),
      };
    }
  }
}
