import { createTestDatabase, type TestDatabase } from '@retail-backbone/devstack';
import pg from 'pg';
import { PgListener } from '@retail-backbone/messaging';
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
    const listener = new PgListener(
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

describe('projection migrations', () => {
  it('adopt a schema made by the pre-migration CREATE IF NOT EXISTS start-up: rows kept, version recorded, notifications on the same channel', async () => {
    const legacy = 'inventory_legacy';
    // What a projector started before versioned migrations left behind: tables and a trigger whose channel was an argument.
    await pool.query(`
      CREATE SCHEMA ${legacy};
      CREATE TABLE ${legacy}.stock (sku text NOT NULL, location_id text NOT NULL, on_hand integer NOT NULL, reserved integer NOT NULL,
        version bigint NOT NULL, snapshot_as_of bigint, snapshot_id text, updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (sku, location_id));
      CREATE FUNCTION ${legacy}.notify_stock_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_notify(TG_ARGV[0], 'legacy'); RETURN NULL; END $$;
      CREATE TRIGGER stock_inserted AFTER INSERT ON ${legacy}.stock REFERENCING NEW TABLE AS changed
        FOR EACH STATEMENT EXECUTE FUNCTION ${legacy}.notify_stock_changed('${stockChangesChannel(legacy)}');
      INSERT INTO ${legacy}.stock (sku, location_id, on_hand, reserved, version) VALUES ('KEPT', 'l1', 7, 2, 3);`);

    await ensureProjectionSchema(pool, legacy);

    const kept = await pool.query(`SELECT on_hand, reserved, version FROM ${legacy}.stock WHERE sku = 'KEPT'`);
    expect(kept.rows).toEqual([{ on_hand: 7, reserved: 2, version: '3' }]);
    const versions = await pool.query(`SELECT name FROM ${legacy}.inventory_projector_migrations ORDER BY id`);
    expect(versions.rows.map((r) => r.name)).toEqual(['1750000000000_projection-tables']);
    const payloads: Array<string | undefined> = [];
    const listener = new PgListener(
      { connectionString: db.url, channel: stockChangesChannel(legacy), logger: silentLogger() },
      { listening: () => undefined, lost: () => undefined, changed: (p) => payloads.push(p) },
    );
    await listener.start();
    try {
      await pool.query(`INSERT INTO ${legacy}.stock (sku, location_id, on_hand, reserved, version) VALUES ('NEW', 'l1', 1, 0, 1)`);
      await pool.query(`INSERT INTO ${legacy}.oversell_policy (location_id, policy) VALUES ('l1', 'reject')`);
      await waitFor(async () => payloads.length >= 2, 10_000, 'two notifications');
      expect(payloads).toEqual(['["NEW"]', '*']);
    } finally {
      await listener.stop();
    }
    // Applying them again changes nothing.
    await ensureProjectionSchema(pool, legacy);
    expect((await pool.query(`SELECT count(*)::int AS n FROM ${legacy}.inventory_projector_migrations`)).rows[0].n).toBe(1);
  });
});
