-- Up Migration
-- Runs with search_path set to the service's schema.

-- Answers given to requests that carried a delivery id or an Idempotency-Key, so a repeat gets
-- the same status and body. payload_hash is sha256 of the raw body (POS: a reused key with another
-- body is refused with 409).
CREATE TABLE ingest_requests (
  scope        text NOT NULL,
  request_key  text NOT NULL,
  payload_hash bytea NOT NULL,
  status_code  smallint NOT NULL,
  response     jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, request_key)
);
CREATE INDEX ingest_requests_created_at_idx ON ingest_requests (created_at);

-- Every accepted channel fact, once per (channel, channel instance, kind, channel id). fact_hash is
-- sha256 of the canonical content, so a re-delivery with changed content is told apart; the
-- content itself is the event (event_id) on its topic.
CREATE TABLE channel_facts (
  channel        text NOT NULL,
  channel_id     text NOT NULL,
  kind           text NOT NULL,
  external_id    text NOT NULL,
  order_id       uuid NOT NULL,
  event_type     text NOT NULL,
  event_id       text NOT NULL,
  fact_hash      bytea NOT NULL,
  correlation_id text NOT NULL,
  accepted_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel, channel_id, kind, external_id)
);
CREATE INDEX channel_facts_order_idx ON channel_facts (order_id);

-- A known fact re-delivered with different content: kept for follow-up, never re-emitted.
CREATE TABLE fact_conflicts (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  channel          text NOT NULL,
  channel_id       text NOT NULL,
  kind             text NOT NULL,
  external_id      text NOT NULL,
  order_id         uuid NOT NULL,
  original_hash    bytea NOT NULL,
  conflicting_hash bytea NOT NULL,
  body             jsonb NOT NULL,
  correlation_id   text NOT NULL,
  received_at      timestamptz NOT NULL DEFAULT now(),
  resolved_at      timestamptz
);
CREATE INDEX fact_conflicts_open_idx ON fact_conflicts (received_at) WHERE resolved_at IS NULL;

-- Order lifecycle as far as ingest knows it. A cancellation that arrives before its order is
-- parked here and emitted right after the OrderPlaced, so the topic never shows cancel-before-place.
CREATE TABLE orders (
  order_id            uuid PRIMARY KEY,
  channel             text NOT NULL,
  channel_id          text NOT NULL,
  channel_order_id    text NOT NULL,
  placed              boolean NOT NULL DEFAULT false,
  cancelled           boolean NOT NULL DEFAULT false,
  parked_cancellation jsonb,
  updated_at          timestamptz NOT NULL DEFAULT now()
);

-- Authenticated payloads that were refused (card data scrubbed); also emitted as IngestRejected.
CREATE TABLE rejections (
  rejection_id   uuid PRIMARY KEY,
  channel        text NOT NULL,
  channel_id     text NOT NULL,
  endpoint       text NOT NULL,
  external_id    text,
  http_status    smallint NOT NULL,
  reason_code    text NOT NULL,
  errors         jsonb NOT NULL,
  content_type   text,
  payload        bytea NOT NULL,
  correlation_id text NOT NULL,
  received_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rejections_received_at_idx ON rejections (received_at);

-- POS API keys: only sha256 of the 256-bit secret is stored.
CREATE TABLE pos_api_keys (
  key_id      text PRIMARY KEY,
  estate_id   text NOT NULL,
  store_id    text NOT NULL,
  location_id text NOT NULL,
  secret_hash bytea NOT NULL,
  label       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);
CREATE INDEX pos_api_keys_store_idx ON pos_api_keys (estate_id, store_id);

-- Down Migration
DROP TABLE pos_api_keys;
DROP TABLE rejections;
DROP TABLE orders;
DROP TABLE fact_conflicts;
DROP TABLE channel_facts;
DROP TABLE ingest_requests;
