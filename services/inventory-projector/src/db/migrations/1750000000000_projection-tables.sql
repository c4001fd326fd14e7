-- Up Migration
-- Runs with search_path set to the projector's schema.
--
-- The projection tables as the projector created them before it had versioned migrations (with
-- CREATE ... IF NOT EXISTS at every start). The statements stay idempotent on purpose: a database
-- created that way adopts this first version without change, and the triggers are replaced by ones
-- that name their channel (<schema>_stock) from the table's schema instead of an argument.
CREATE TABLE IF NOT EXISTS stock (
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
CREATE TABLE IF NOT EXISTS stock_contributions (
  sku          text NOT NULL,
  location_id  text NOT NULL,
  id           text NOT NULL,
  observed_at  bigint NOT NULL,
  delta        integer NOT NULL,
  PRIMARY KEY (sku, location_id, id)
);
CREATE INDEX IF NOT EXISTS stock_contributions_observed_idx ON stock_contributions (sku, location_id, observed_at);
CREATE TABLE IF NOT EXISTS order_reservations (
  order_id     text PRIMARY KEY,
  placement    jsonb,
  cancelled    boolean NOT NULL,
  shipped      jsonb NOT NULL,
  shipment_ids jsonb NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS oversell_policy (
  location_id text PRIMARY KEY,
  policy      text NOT NULL CHECK (policy IN ('reject', 'backorder'))
);
-- Keys whose availability changed since they were last published; flushed on a timer.
CREATE TABLE IF NOT EXISTS availability_dirty (
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
CREATE TABLE IF NOT EXISTS availability_published (
  sku          text NOT NULL,
  location_id  text NOT NULL,
  version      bigint NOT NULL,
  on_hand      integer NOT NULL,
  reserved     integer NOT NULL,
  published_at timestamptz NOT NULL,
  PRIMARY KEY (sku, location_id)
);
-- Highest offset applied per partition: the point a rebuild replays up to for a like-for-like diff.
CREATE TABLE IF NOT EXISTS applied_offsets (
  topic           text NOT NULL,
  kafka_partition integer NOT NULL,
  kafka_offset    bigint NOT NULL,
  PRIMARY KEY (topic, kafka_partition)
);
-- Tells API instances which SKUs' rows changed, so their caches drop them ('*': drop everything).
CREATE OR REPLACE FUNCTION notify_stock_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE skus text;
BEGIN
  SELECT json_agg(DISTINCT sku)::text INTO skus FROM changed;
  IF skus IS NOT NULL THEN
    PERFORM pg_notify(TG_TABLE_SCHEMA || '_stock', CASE WHEN octet_length(skus) > 7000 THEN '*' ELSE skus END);
  END IF;
  RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION notify_all_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify(TG_TABLE_SCHEMA || '_stock', '*');
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER stock_inserted AFTER INSERT ON stock REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION notify_stock_changed();
CREATE OR REPLACE TRIGGER stock_updated AFTER UPDATE ON stock REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION notify_stock_changed();
CREATE OR REPLACE TRIGGER stock_deleted AFTER DELETE ON stock REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION notify_stock_changed();
CREATE OR REPLACE TRIGGER stock_truncated AFTER TRUNCATE ON stock
  FOR EACH STATEMENT EXECUTE FUNCTION notify_all_changed();
-- The policy decides the served 'available' of every row of its location.
CREATE OR REPLACE TRIGGER oversell_policy_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON oversell_policy
  FOR EACH STATEMENT EXECUTE FUNCTION notify_all_changed();
