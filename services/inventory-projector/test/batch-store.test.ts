import fc from 'fast-check';
import { createTestDatabase, type TestDatabase } from '@retail-backbone/devstack';
import pg from 'pg';
import { BatchStore } from '../src/db/batch-store';
import { upsertPolicies } from '../src/db/policies';
import { ensureProjectionSchema } from '../src/db/schema';
import { MemoryStore } from '../src/domain/memory-store';
import { applyEvent } from '../src/domain/projection';
import type { ProjectionEvent } from '../src/domain/types';
import { LOCATIONS, scenario, SKUS } from './arbitraries';

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase('inventory_batch_store');
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
}, 60_000);

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

/** Applies `events` in transactions of the given sizes, as the consumer does. */
async function applyInBatches(schema: string, events: ProjectionEvent[], sizes: number[], policy: (l: string) => 'reject' | 'backorder'): Promise<string[]> {
  const rejected: string[] = [];
  let at = 0;
  for (let i = 0; at < events.length; i++) {
    const chunk = events.slice(at, at + (sizes[i % sizes.length] ?? 1));
    at += chunk.length;
    const tx = await pool.connect();
    try {
      await tx.query('BEGIN');
      const store = await BatchStore.load(tx, schema, chunk);
      for (const event of chunk) {
        const p = event.kind === 'placed' ? store.policyOf(event.locationId, 'reject') : 'reject';
        expect(p).toBe(event.kind === 'placed' ? policy(event.locationId) : 'reject');
        const { rejection } = applyEvent(store, event, { policyFor: () => p });
        if (rejection) rejected.push(rejection.orderId);
      }
      await store.save(tx);
      await tx.query('COMMIT');
    } finally {
      tx.release();
    }
  }
  return rejected;
}

describe('BatchStore (Postgres, many events per transaction)', () => {
  it('ends in the same rows, order records and contributions as applying one event at a time in memory', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(scenario, fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 }), async (s, sizes) => {
        const schema = `batch_${run++}`;
        await ensureProjectionSchema(pool, schema);
        await upsertPolicies(pool, schema, s.policies);
        // The inbox drops exact redeliveries before the projection sees them.
        const seen = new Set<string>();
        const events = s.deliveries.filter((d) => !seen.has(d.eventId) && seen.add(d.eventId)).map((d) => d.event);

        const memory = new MemoryStore();
        const expectedRejected: string[] = [];
        for (const event of events) {
          const { rejection } = applyEvent(memory, event, { policyFor: (l) => s.policies[l] ?? 'reject' });
          if (rejection) expectedRejected.push(rejection.orderId);
        }
        const rejected = await applyInBatches(schema, events, sizes, (l) => s.policies[l] ?? 'reject');
        expect(rejected).toEqual(expectedRejected);

        const stock = await pool.query(`SELECT sku, location_id, on_hand, reserved, version::int AS version, snapshot_as_of::int AS as_of, snapshot_id FROM "${schema}".stock`);
        const actualStock = Object.fromEntries(stock.rows.map((r) => [`${r.sku}@${r.location_id}`, [r.on_hand, r.reserved, r.version, r.as_of, r.snapshot_id]]));
        const expectedStock = Object.fromEntries([...memory.stock].map(([k, r]) => [k, [r.onHand, r.reserved, r.version, r.snapshotAsOf, r.snapshotId]]));
        expect(actualStock).toEqual(expectedStock);

        const orders = await pool.query(`SELECT order_id, placement, cancelled, shipped, shipment_ids FROM "${schema}".order_reservations`);
        const actualOrders = Object.fromEntries(orders.rows.map((r) => [r.order_id, { orderId: r.order_id, placement: r.placement, cancelled: r.cancelled, shipped: r.shipped, shipmentIds: r.shipment_ids }]));
        expect(actualOrders).toEqual(Object.fromEntries(memory.orders));

        const contributions = await pool.query(`SELECT sku, location_id, id, observed_at::int AS observed_at, delta FROM "${schema}".stock_contributions`);
        for (const r of contributions.rows) expect(memory.hasContribution(r.sku, r.location_id, r.id)).toBe(true);
        const expectedCount = SKUS.flatMap((k) => LOCATIONS.map((l) => memory.contributionsAfter(k, l, -1).length)).reduce((a, b) => a + b, 0);
        expect(contributions.rows).toHaveLength(expectedCount);
        await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
