import type { Pool } from 'pg';
import { assertSchemaName } from '@retail-backbone/messaging';

/**
 * Projection tables of one schema. Idempotent DDL: the same statements create the live schema at
 * start and the throw-away schema a rebuild writes into.
 */
export function projectionDdl(schema: string): string {
  const s = `"${assertSchemaName(schema)}"`;
  return `
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.stock (
  sku            text NOT NULL,
  location_id    text NOT NULL,
  on_hand        integer NOT NULL,
  reserved       integer NOT NULL,
  version        bigint NOT NULL,
  snapshot_as_of bigint,
  snapshot_id    text,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sku, location_id)
);
-- On-hand changes observed after the key's last snapshot (older ones are covered by it).
CREATE TABLE IF NOT EXISTS ${s}.stock_contributions (
  sku          text NOT NULL,
  location_id  text NOT NULL,
  id           text NOT NULL,
  observed_at  bigint NOT NULL,
  delta        integer NOT NULL,
  PRIMARY KEY (sku, location_id, id)
);
CREATE INDEX IF NOT EXISTS stock_contributions_observed_idx ON ${s}.stock_contributions (sku, location_id, observed_at);
CREATE TABLE IF NOT EXISTS ${s}.order_reservations (
  order_id     text PRIMARY KEY,
  placement    jsonb,
  cancelled    boolean NOT NULL,
  shipped      jsonb NOT NULL,
  shipment_ids jsonb NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS ${s}.oversell_policy (
  location_id text PRIMARY KEY,
  policy      text NOT NULL CHECK (policy IN ('reject', 'backorder'))
);
-- Keys whose availability changed since they were last published; flushed on a timer.
CREATE TABLE IF NOT EXISTS ${s}.availability_dirty (
  sku             text NOT NULL,
  location_id     text NOT NULL,
  cause           text NOT NULL,
  cause_reference text,
  correlation_id  text NOT NULL,
  causation_id    text,
  marked_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (sku, location_id)
);
-- Separate from stock so the flusher never waits on, or deadlocks with, a consumer transaction.
CREATE TABLE IF NOT EXISTS ${s}.availability_published (
  sku          text NOT NULL,
  location_id  text NOT NULL,
  version      bigint NOT NULL,
  on_hand      integer NOT NULL,
  reserved     integer NOT NULL,
  published_at timestamptz NOT NULL,
  PRIMARY KEY (sku, location_id)
);
-- Highest offset applied per partition: the point a rebuild replays up to for a like-for-like diff.
CREATE TABLE IF NOT EXISTS ${s}.applied_offsets (
  topic           text NOT NULL,
  kafka_partition integer NOT NULL,
  kafka_offset    bigint NOT NULL,
  PRIMARY KEY (topic, kafka_partition)
);`;
}

export async function ensureProjectionSchema(pool: Pool, schema: string): Promise<void> {
  const client = await pool.connect();
  const lock = `inventory-projector-ddl:${schema}`;
  try {
    // Several instances starting together would race on CREATE ... IF NOT EXISTS.
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [lock]);
    await client.query(projectionDdl(schema));
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lock]).catch(() => undefined);
    client.release();
  }
}
