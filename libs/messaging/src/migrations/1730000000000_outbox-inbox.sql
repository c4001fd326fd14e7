-- Up Migration
-- Runs with search_path set to the service's schema, so every name below lands there.

-- Pending rows are read in id order, filtered to the lanes (hash of the key, 64 lanes) a relay
-- leases; txid records the writing transaction so the relay only reads rows below the snapshot
-- xmin horizon (commit-order safe).
CREATE TABLE outbox (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  txid           xid8 NOT NULL DEFAULT pg_current_xact_id(),
  topic          text NOT NULL,
  message_key    text NOT NULL,
  lane           smallint NOT NULL GENERATED ALWAYS AS (((hashtext(message_key)::bigint & 2147483647) % 64)::smallint) STORED,
  event_id       text NOT NULL,
  event_type     text NOT NULL,
  payload        jsonb NOT NULL,
  headers        jsonb NOT NULL DEFAULT '{}'::jsonb,
  trace_context  jsonb NOT NULL DEFAULT '{}'::jsonb,
  correlation_id text,
  created_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
  published_at   timestamptz,
  attempts       integer NOT NULL DEFAULT 0,
  retry_at       timestamptz,
  last_error     text
);

CREATE INDEX outbox_pending_idx ON outbox (id) INCLUDE (lane) WHERE published_at IS NULL;
-- Tiny: only rows that failed to encode; lets the relay skip every later row of a blocked key.
CREATE INDEX outbox_blocked_idx ON outbox (lane, message_key, id) WHERE published_at IS NULL AND retry_at IS NOT NULL;
CREATE INDEX outbox_published_idx ON outbox (published_at) WHERE published_at IS NOT NULL;

-- One lease row per lane: a relay instance publishes a lane only while it holds its lease.
CREATE TABLE outbox_lanes (
  lane         smallint PRIMARY KEY,
  owner        text,
  leased_until timestamptz NOT NULL DEFAULT '-infinity'
);
INSERT INTO outbox_lanes (lane) SELECT generate_series(0, 63);

-- Live relay instances, so each can compute its fair share of lanes.
CREATE TABLE outbox_relays (
  relay_id text PRIMARY KEY,
  seen_at  timestamptz NOT NULL
);

-- A wake-up hint for relays; they also sweep on a timer because NOTIFY can be lost.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('outbox_' || TG_TABLE_SCHEMA, '');
  RETURN NULL;
END;
$$;
CREATE TRIGGER outbox_notify_trigger AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- One row per (consumer group, event id) applied; written in the handler's transaction.
CREATE TABLE inbox (
  consumer_group text NOT NULL,
  event_id       text NOT NULL,
  topic          text NOT NULL,
  kafka_partition integer NOT NULL,
  kafka_offset   bigint NOT NULL,
  processed_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, event_id)
);
CREATE INDEX inbox_processed_at_idx ON inbox (processed_at);

-- Down Migration
DROP TABLE inbox;
DROP TRIGGER outbox_notify_trigger ON outbox;
DROP FUNCTION outbox_notify();
DROP TABLE outbox_relays;
DROP TABLE outbox_lanes;
DROP TABLE outbox;
