import fc from 'fast-check';
import { applyEvent } from '../src/domain/projection';
import { MemoryStore } from '../src/domain/memory-store';
import type { ProjectionEvent } from '../src/domain/types';
import { scenario, type Delivery, type Scenario } from './arbitraries';
import { model } from './model';

/** Runs deliveries through the rules with an inbox that drops repeated event ids. */
function project(s: Scenario, recorded?: Set<string>) {
  const store = new MemoryStore();
  const inbox = new Set<string>();
  const rejected = new Set<string>();
  for (const { eventId, event } of s.deliveries) {
    if (inbox.has(eventId)) continue;
    inbox.add(eventId);
    const result = applyEvent(store, event, {
      policyFor: (l) => s.policies[l] ?? 'reject',
      ...(recorded ? { recordedOutcome: (id: string) => (recorded.has(id) ? ('rejected' as const) : ('reserved' as const)) } : {}),
    });
    if (result.rejection) rejected.add(result.rejection.orderId);
  }
  return { store, rejected };
}

function counts(store: MemoryStore): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const [key, row] of store.stock) if (row.onHand !== 0 || row.reserved !== 0) out[key] = [row.onHand, row.reserved];
  return out;
}

function modelCounts(deliveries: Delivery[], s: Scenario) {
  // The model sees each business event once per event id: exact redeliveries collapse to the same object.
  const seenIds = new Set<string>();
  const events: ProjectionEvent[] = [];
  for (const d of deliveries) {
    if (seenIds.has(d.eventId)) continue;
    seenIds.add(d.eventId);
    events.push(d.event);
  }
  const result = model(events, (l) => s.policies[l] ?? 'reject');
  const out: Record<string, [number, number]> = {};
  for (const [key, v] of result.stock) if (v.onHand !== 0 || v.reserved !== 0) out[key] = [v.onHand, v.reserved];
  return { counts: out, rejected: result.rejected };
}

describe('projection rules (pure)', () => {
  it('match the naive model for random interleavings with redeliveries', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { store, rejected } = project(s);
        const expected = modelCounts(s.deliveries, s);
        expect(counts(store)).toEqual(expected.counts);
        expect([...rejected].sort()).toEqual([...expected.rejected].sort());
        for (const row of store.stock.values()) {
          expect(row.reserved).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('give the same counts for every delivery order once decisions are fixed (rebuild mode)', () => {
    fc.assert(
      fc.property(scenario, fc.integer(), (s, seed) => {
        const live = project(s);
        const shuffled = [...s.deliveries];
        let x = seed >>> 0;
        for (let i = shuffled.length - 1; i > 0; i--) {
          x = (Math.imul(x, 1103515245) + 12345) >>> 0;
          const j = x % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        const replay = project({ ...s, deliveries: shuffled }, live.rejected);
        expect(counts(replay.store)).toEqual(counts(live.store));
      }),
      { numRuns: 800 },
    );
  });

  it('never lets available go negative through reservations at a reject location', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const allReject = { ...s, policies: { 'loc-1': 'reject' as const, 'loc-2': 'reject' as const } };
        // Only order events and receipts: nothing physical can push on-hand below what was reserved.
        const deliveries = allReject.deliveries.filter((d) => d.event.kind === 'placed' || d.event.kind === 'cancelled' || (d.event.kind === 'movement' && d.event.delta > 0));
        const { store } = project({ ...allReject, deliveries });
        for (const row of store.stock.values()) expect(row.onHand - row.reserved).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 500 },
    );
  });
});
