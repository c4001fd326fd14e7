import type { DecodedEvent } from '@retail-backbone/contracts';
import { STORE_LOCATION } from '@retail-backbone/local-platform';
import { checkLoyalty, checkTopics, recomputeAvailability, type Verdict } from './invariants';
import type { TopicRecord } from './topics';
import type { Ledger } from './traffic';

let offset = 0;
function record(eventType: string, value: Record<string, unknown>, eventId = `e${offset}`): TopicRecord {
  return { partition: 0, offset: offset++, key: '', event: { eventType, schemaId: 1, value: { envelope: { eventId }, ...value } } as unknown as DecodedEvent };
}

function ledger(orders: Array<{ orderId: string; cancelled?: boolean }>): Ledger {
  return {
    orders: new Map(orders.map((o) => [o.orderId, { orderId: o.orderId, locationId: 'online', lines: [], cancelled: o.cancelled ?? false }])),
    unanswered: 0,
    refused: [],
    returnsAccepted: 0,
    paymentsAccepted: new Set(),
    stockMovements: new Set(),
    requests: 0,
    retries: 0,
  };
}

const fresh = (): Verdict => ({ violations: [], lost: 0, duplicated: 0, orders: 0 });

describe('chaos invariants', () => {
  it('loyalty: an online order earned once, a cancelled one all taken back, a POS guest order nothing', () => {
    const tx = (type: string, points: number, reference: string) => ({ type, points, reference, idempotencyKey: `${type}:${reference}:${points}` });
    const orders = ledger([{ orderId: 'shopify:s:1' }, { orderId: 'shopify:s:2', cancelled: true }, { orderId: 'pos:e:3' }]);
    orders.orders.get('pos:e:3')!.locationId = STORE_LOCATION;
    const good = fresh();
    checkLoyalty({ transactions: () => [tx('earn', 10, 'shopify:s:1'), tx('earn', 7, 'shopify:s:2'), tx('reverse', 7, 'shopify:s:2')] }, orders, good);
    expect(good.violations).toEqual([]);
    const bad = fresh();
    checkLoyalty({ transactions: () => [tx('earn', 10, 'shopify:s:1'), tx('earn', 10, 'shopify:s:1'), tx('earn', 7, 'shopify:s:2'), tx('reverse', 3, 'shopify:s:2'), tx('earn', 1, 'pos:e:3')] }, orders, bad);
    expect(bad.violations.map((v) => v.invariant).sort()).toEqual(['loyalty accrual once', 'loyalty reversal of a cancellation', 'loyalty: guests earn nothing'].sort());
    expect(bad.duplicated).toBe(1);
  });

  it('recomputes availability from the newest count, later movements once each, and open orders', () => {
    const stock = [
      record('StockSnapshotTaken', { sku: 'A', locationId: 'online', snapshotId: 's1', quantity: 10, asOf: 100 }),
      record('StockMovementRecorded', { sku: 'A', locationId: 'online', source: 'wms', movementId: 'm0', quantityDelta: 50, observedAt: 90 }),
      record('StockMovementRecorded', { sku: 'A', locationId: 'online', source: 'wms', movementId: 'm1', quantityDelta: 5, observedAt: 110 }),
      record('StockMovementRecorded', { sku: 'A', locationId: 'online', source: 'wms', movementId: 'm1', quantityDelta: 5, observedAt: 110 }, 'copy'),
    ];
    const orders = [
      record('OrderPlaced', { orderId: 'o1', locationId: 'online', lines: [{ sku: 'A', quantity: 2 }] }),
      record('OrderPlaced', { orderId: 'o2', locationId: 'online', lines: [{ sku: 'A', quantity: 3 }] }),
      record('OrderCancelled', { orderId: 'o2' }),
      record('OrderPlaced', { orderId: 'o3', locationId: 'online', lines: [{ sku: 'A', quantity: 4 }] }),
    ];
    const reservations = [record('StockReservationRejected', { orderId: 'o3' })];
    expect(recomputeAvailability({ orders, stock, reservations })).toEqual(new Map([['A@online', 10 + 5 - 2]]));
  });

  it('counts a missing fact as lost and a second distinct event for one fact as duplicated, but not copies', () => {
    const orders = [
      record('OrderPlaced', { orderId: 'o1' }, 'x'),
      record('OrderPlaced', { orderId: 'o1' }, 'x'),
      record('OrderPlaced', { orderId: 'o2' }, 'y1'),
      record('OrderPlaced', { orderId: 'o2' }, 'y2'),
    ];
    const verdict = fresh();
    checkTopics(ledger([{ orderId: 'o1' }, { orderId: 'o2' }, { orderId: 'o3', cancelled: true }]), { orders, payments: [], stock: [] }, verdict);
    expect(verdict.lost).toBe(2);
    expect(verdict.duplicated).toBe(1);
    expect(verdict.violations.map((v) => v.invariant).sort()).toEqual(['OrderCancelled on the topic', 'OrderPlaced on the topic', 'OrderPlaced once']);
  });
});
