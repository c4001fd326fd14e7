import fc from 'fast-check';
import type { OversellPolicy, ProjectionEvent } from '../src/domain/types';

export const SKUS = ['SKU-A', 'SKU-B', 'SKU-C'];
export const LOCATIONS = ['loc-1', 'loc-2'];

export interface Delivery {
  eventId: string;
  event: ProjectionEvent;
}

export interface Scenario {
  policies: Record<string, OversellPolicy>;
  deliveries: Delivery[];
}

const sku = fc.constantFrom(...SKUS);
const location = fc.constantFrom(...LOCATIONS);
const time = fc.integer({ min: 0, max: 100 });
const lines = fc.array(fc.record({ sku, quantity: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 3 });

const movement = fc.record({
  kind: fc.constant('movement' as const),
  sku,
  locationId: location,
  source: fc.constantFrom('wms', 'pos'),
  movementId: fc.constant(''),
  movementType: fc.constantFrom('receipt', 'sale', 'adjustment', 'transfer_in', 'transfer_out', 'return', 'cycle_fix'),
  delta: fc.integer({ min: -4, max: 12 }),
  observedAt: time,
});

const snapshot = fc.record({
  kind: fc.constant('snapshot' as const),
  sku,
  locationId: location,
  snapshotId: fc.constantFrom('count-1', 'count-2', 'count-3'),
  quantity: fc.integer({ min: 0, max: 20 }),
  asOf: time,
});

/** Every event of one order, each present or not; their delivery order is decided later. */
const order = (orderId: string) =>
  fc.record({
    placed: fc.record({ kind: fc.constant('placed' as const), orderId: fc.constant(orderId), locationId: location, lines }),
    cancelled: fc.option(fc.constant({ kind: 'cancelled' as const, orderId }), { nil: undefined }),
    shipments: fc.array(
      fc.record({
        kind: fc.constant('shipped' as const),
        orderId: fc.constant(orderId),
        shipmentId: fc.constant(''),
        locationId: location,
        lines,
        dispatchedAt: time,
      }),
      { maxLength: 2 },
    ),
    placedDelivered: fc.boolean(),
  });

/**
 * A pool of business events (each snapshot id unique per key), then a delivery sequence drawn
 * from it: any cross-topic order, exact redeliveries (same event id) and re-publications (same
 * business id, new event id).
 */
export const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    policies: fc.record({ 'loc-1': fc.constantFrom<OversellPolicy>('reject', 'backorder'), 'loc-2': fc.constantFrom<OversellPolicy>('reject', 'backorder') }),
    movements: fc.array(movement, { maxLength: 14 }),
    snapshots: fc.uniqueArray(snapshot, { maxLength: 4, selector: (s) => `${s.sku}@${s.locationId}#${s.snapshotId}` }),
    orders: fc.tuple(order('o-1'), order('o-2'), order('o-3'), order('o-4'), order('o-5')),
    redeliveries: fc.array(fc.nat(), { maxLength: 10 }),
    republications: fc.array(fc.nat(), { maxLength: 5 }),
  })
  .chain((s) => {
    // Business ids are unique by construction: one id, one content.
    const pool: ProjectionEvent[] = [...s.movements.map((m, i) => ({ ...m, movementId: `m-${i}` })), ...s.snapshots];
    for (const o of s.orders) {
      if (o.placedDelivered) pool.push(o.placed);
      if (o.cancelled) pool.push(o.cancelled);
      pool.push(...o.shipments.map((sh, i) => ({ ...sh, shipmentId: `${o.placed.orderId}-s${i}` })));
    }
    let next = 0;
    const base: Delivery[] = pool.map((event) => ({ eventId: `e-${next++}`, event }));
    const extra: Delivery[] = [];
    if (base.length > 0) {
      for (const n of s.redeliveries) extra.push(base[n % base.length]!);
      for (const n of s.republications) extra.push({ eventId: `e-${next++}`, event: base[n % base.length]!.event });
    }
    return fc.shuffledSubarray([...base, ...extra], { minLength: base.length + extra.length }).map((deliveries) => ({ policies: s.policies, deliveries }));
  });
