import { postgresConnection } from '@retail-backbone/connections';
import pg from 'pg';

/**
 * The service schemas the console reads. Their tables belong to the services (their migrations are
 * the reference); the console only reads them, and writes only where a service's own retry path
 * looks (parked items' next attempt, outside effects through EffectStore).
 */
export const SCHEMAS = {
  ingest: 'order_ingest',
  projector: 'inventory_projector',
  writer: 'odoo_writer',
} as const;

export function createPool(databaseUrl: string, max = 4): pg.Pool {
  return new pg.Pool({ ...postgresConnection(databaseUrl), max, application_name: 'ops-console' });
}

/**
 * Which tables exist, as `schema.table`. A service that has not started yet (or is not deployed in
 * this region) has no tables; the console then shows nothing from it instead of failing.
 */
export class Catalog {
  private cached: { at: number; tables: Set<string> } | undefined;

  constructor(private readonly pool: pg.Pool) {}

  async tables(): Promise<Set<string>> {
    if (this.cached && Date.now() - this.cached.at < 5_000) return this.cached.tables;
    const { rows } = await this.pool.query<{ name: string }>(
      `SELECT table_schema || '.' || table_name AS name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    this.cached = { at: Date.now(), tables: new Set(rows.map((r) => r.name)) };
    return this.cached.tables;
  }

  async has(schema: string, table: string): Promise<boolean> {
    return (await this.tables()).has(`${schema}.${table}`);
  }

  /** Schemas holding a table of this name (outbox, inbox, outside_effects). */
  async schemasWith(table: string): Promise<string[]> {
    return [...(await this.tables())]
      .filter((name) => name.endsWith(`.${table}`))
      .map((name) => name.slice(0, -table.length - 1))
      .sort();
  }
}

/** Quoted `"schema".table`; schema names come from information_schema or the constants above. */
export function qualified(schema: string, table: string): string {
  return `"${schema.replace(/"/g, '""')}".${table}`;
}
