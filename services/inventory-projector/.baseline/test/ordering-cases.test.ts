import { applyEvent } from '../src/domain/projection';
import { MemoryStore } from '../src/domain/memory-store';
import type { OversellPolicy, ProjectionEvent } from '../src/domain/types';

const receipt = (delta: number, observedAt = 1, id = `m${delta}-${observedAt}`): ProjectionEvent => ({
  kind: 'movement', sku: 'A', locationId: 'L', source: 'wms', movementId: id, movementType: 'receipt', delta, observedAt,
});
const placed = (orderId: string, quantity: number, sku = 'A'): ProjectionEvent => ({ kind: 'placed', orderId, locationId: 'L', lines: [{ sku, quantity }] });
const cancelled = (orderId: string): ProjectionEvent => ({ kind: 'cancelled', orderId });
const shipped = (orderId: string, quantity: number, shipmentId = `${orderId}-s`, at = 5): ProjectionEvent => ({
  kind: 'shipped', orderId, shipmentId, locationId: 'L', lines: [{ sku: 'A', quantity }], dispatchedAt: at,
});

function run(events: ProjectionEvent[], policy: OversellPolicy = 'reject') {
  const store = new MemoryStore();
  const rejections = events.map((e) => applyEvent(store, e, { policyFor: () => policy }).rejection).filter(Boolean);
  const row = store.getStock('A', 'L');
  return { onHand: row?.onHand ?? 0, reserved: row?.reserved ?? 0, rejections, store };
}

describe('ordering cases (pure rules)', () => {
  it('order then cancel releases the reservation', () => {
    expect(run([receipt(10), placed('o', 3), cancelled('o')])).toMatchObject({ onHand: 10, reserved: 0 });
  });

  it('cancel before the order: the order never reserves and is not rejected', () => {
    const r = run([cancelled('o'), placed('o', 30)]);
    expect(r).toMatchObject({ onHand: 0, reserved: 0, rejections: [] });
    expect(r.store.getOrder('o')?.placement?.outcome).toBe('skipped');
  });

  it('shipment before the order: on hand drops at once, the order reserves only the unshipped rest', () => {
    expect(run([receipt(10), shipped('o', 2)])).toMatchObject({ onHand: 8, reserved: 0 });
    expect(run([receipt(10), shipped('o', 2), placed('o', 5)])).toMatchObject({ onHand: 8, reserved: 3 });
    expect(run([receipt(10), placed('o', 5), shipped('o', 2)])).toMatchObject({ onHand: 8, reserved: 3 });
  });

  it('a fully shipped order reserves nothing even when stock is short now', () => {
    expect(run([receipt(2), shipped('o', 2), placed('o', 2)])).toMatchObject({ onHand: 0, reserved: 0, rejections: [] });
  });

  it('shipment after cancel still takes goods off hand; cancel after partial shipment releases the rest', () => {
    expect(run([receipt(10), placed('o', 4), cancelled('o'), shipped('o', 1)])).toMatchObject({ onHand: 9, reserved: 0 });
    expect(run([receipt(10), placed('o', 4), shipped('o', 1), cancelled('o')])).toMatchObject({ onHand: 9, reserved: 0 });
  });

  it('duplicates (same business id, any event id) have no second effect', () => {
    expect(run([receipt(10), receipt(10), placed('o', 3), placed('o', 3), shipped('o', 1), shipped('o', 1), cancelled('o'), cancelled('o')])).toMatchObject({
      onHand: 9,
      reserved: 0,
    });
  });

  it('reject policy: all or nothing, with the short lines', () => {
    const store = new MemoryStore();
    applyEvent(store, receipt(5), { policyFor: () => 'reject' });
    const r = applyEvent(store, { kind: 'placed', orderId: 'o', locationId: 'L', lines: [{ sku: 'A', quantity: 2 }, { sku: 'A', quantity: 4 }, { sku: 'Z', quantity: 1 }] }, { policyFor: () => 'reject' });
    expect(r.rejection).toEqual({
      orderId: 'o', locationId: 'L', reason: 'insufficient_stock',
      shortages: [{ sku: 'A', requested: 6, available: 5 }, { sku: 'Z', requested: 1, available: 0 }],
    });
    expect(store.getStock('A', 'L')).toMatchObject({ reserved: 0 });
    expect(store.getStock('Z', 'L')).toBeUndefined();
    // A later cancel or shipment of a rejected order never touches reservations.
    applyEvent(store, cancelled('o'), { policyFor: () => 'reject' });
    expect(store.getStock('A', 'L')).toMatchObject({ onHand: 5, reserved: 0 });
  });

  it('reject policy names unknown_sku when every short SKU was never seen at the location', () => {
    expect(run([placed('o', 1, 'NEW')]).rejections[0]).toMatchObject({ reason: 'unknown_sku' });
  });

  it('backorder policy reserves beyond on hand', () => {
    expect(run([receipt(1), placed('o', 3)], 'backorder')).toMatchObject({ onHand: 1, reserved: 3, rejections: [] });
  });

  it('snapshots: newest asOf wins whatever the arrival order; movements at or before asOf are covered', () => {
    const snap = (id: string, quantity: number, asOf: number): ProjectionEvent => ({ kind: 'snapshot', sku: 'A', locationId: 'L', snapshotId: id, quantity, asOf });
    const events = [receipt(5, 10, 'a'), receipt(3, 20, 'b'), snap('s1', 100, 10), snap('s2', 50, 15), shipped('o', 1, 'x', 15), shipped('o', 2, 'y', 16)];
    const forward = run(events);
    const backward = run([...events].reverse());
    expect(forward).toMatchObject({ onHand: 50 + 3 - 2 });
    expect(backward.onHand).toBe(forward.onHand);
  });

  it('bumps the version once per event that changes counts, not for no-ops', () => {
    const store = new MemoryStore();
    for (const e of [receipt(5), receipt(5), placed('o', 1), cancelled('o'), cancelled('o')]) applyEvent(store, e, { policyFor: () => 'reject' });
    expect(store.getStock('A', 'L')?.version).toBe(3);
  });
});
