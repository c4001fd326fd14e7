import { createTestDatabase, type TestDatabase } from '@retail-backbone/devstack';
import pg from 'pg';
import { StockChangeListener } from '../src/api/stock-change-listener';
import { ensureProjectionSchema, stockChangesChannel } from '../src/db/schema';
import { silentLogger, waitFor } from './harness';

let db: TestDatabase;
let pool: pg.Pool;
const schema = 'inventory_projector';

beforeAll(async () => {
  db = await createTestDatabase('inventory_stock_changes');
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  await ensureProjectionSchema(pool, schema);
}, 60_000);

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('stock change notifications', () => {
  it('name the SKUs a committed statement changed, "*" for policy changes, nothing for a rollback', async () => {
    const payloads: Array<string | undefined> = [];
    let live = false;
    const listener = new StockChangeListener(
      { connectionString: db.url, channel: stockChangesChannel(schema), logger: silentLogger() },
      { listening: () => (live = true), lost: () => (live = false), changed: (p) => payloads.push(p) },
    );
    await listener.start();
    try {
      expect(live).toBe(true);
      const tx = await pool.connect();
      await tx.query('BEGIN');
      await tx.query(`INSERT INTO ${schema}.stock (sku, location_id, on_hand, reserved, version) VALUES ('R', 'l1', 1, 0, 1)`);
      await tx.query('ROLLBACK');
      tx.release();
      await pool.query(`INSERT INTO ${schema}.stock (sku, location_id, on_hand, reserved, version) VALUES ('A', 'l1', 1, 0, 1), ('A', 'l2', 1, 0, 1), ('B', 'l1', 1, 0, 1)`);
      await pool.query(`UPDATE ${schema}.stock SET on_hand = 2 WHERE sku = 'B'`);
      await pool.query(`INSERT INTO ${schema}.oversell_policy (location_id, policy) VALUES ('l1', 'backorder')`);
      await waitFor(async () => payloads.length >= 3, 10_000, 'three notifications');
      expect(payloads).toEqual(['["A", "B"]', '["B"]', '*']);
    } finally {
      await listener.stop();
    }
    expect(live).toBe(false);
  });
});
