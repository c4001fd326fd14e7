import { Gauge, type Registry } from 'prom-client';
import type { Pool } from 'pg';

interface Source {
  pool: Pool;
  schema: string;
}

interface Reading {
  schema: string;
  pending: number;
  blocked: number;
  age: number;
}

interface Entry {
  sources: Map<symbol, Source>;
  /** One query per scrape, shared by the three gauges. */
  reading?: { at: number; result: Promise<Reading[]> };
}

const entries = new WeakMap<Registry, Entry>();

async function read(sources: Iterable<Source>): Promise<Reading[]> {
  const readings: Reading[] = [];
  for (const { pool, schema } of sources) {
    try {
      const result = await pool.query<{ pending: number; blocked: number; age: number }>(
        `SELECT count(*)::int AS pending,
                (count(*) FILTER (WHERE retry_at IS NOT NULL))::int AS blocked,
                COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS age
         FROM "${schema}".outbox WHERE published_at IS NULL`,
      );
      const row = result.rows[0];
      readings.push({ schema, pending: row?.pending ?? 0, blocked: row?.blocked ?? 0, age: row?.age ?? 0 });
    } catch {
      // A scrape must not fail because one database is briefly unreachable; the gauges keep
      // their last value and the relay's own error logs say why.
    }
  }
  return readings;
}

function latest(entry: Entry): Promise<Reading[]> {
  const now = Date.now();
  if (!entry.reading || now - entry.reading.at > 250) {
    entry.reading = { at: now, result: read(entry.sources.values()) };
  }
  return entry.reading.result;
}

/**
 * Backlog gauges are computed at scrape time from the table itself, so they are right whichever
 * relay instance (or none) is running.
 */
export function registerBacklogSource(registry: Registry, pool: Pool, schema: string): () => void {
  let entry = entries.get(registry);
  if (!entry) {
    const created: Entry = { sources: new Map() };
    entry = created;
    entries.set(registry, created);
    const gauge = (name: string, help: string, pick: (r: Reading) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['schema'],
        registers: [registry],
        async collect() {
          for (const reading of await latest(created)) this.set({ schema: reading.schema }, pick(reading));
        },
      });
    gauge('outbox_backlog', 'Unpublished outbox rows', (r) => r.pending);
    gauge('outbox_oldest_pending_age_seconds', 'Age of the oldest unpublished outbox row', (r) => r.age);
    gauge('outbox_blocked_rows', 'Unpublished outbox rows that failed to encode and block their key', (r) => r.blocked);
  }
  const token = Symbol(schema);
  entry.sources.set(token, { pool, schema });
  return () => entry.sources.delete(token);
}
