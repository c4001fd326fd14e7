-- Up Migration
-- Runs with search_path set to the propagator's schema.

-- What the propagator knows of each order, from OrderPlaced: where it came from (which channel to
-- tell) and its lines (to check a shipment against). contact holds the customer's e-mail, phone
-- and first name for the notification hook: personal data, never logged.
CREATE TABLE orders (
  order_id          text PRIMARY KEY,
  channel           text NOT NULL,
  channel_id        text NOT NULL,
  channel_order_id  text NOT NULL,
  channel_order_number text,
  store_id          text,
  lines             jsonb NOT NULL,
  contact           jsonb NOT NULL DEFAULT '{}'::jsonb,
  placed_at         timestamptz NOT NULL,
  recorded_at       timestamptz NOT NULL DEFAULT now()
);

-- One row per shipment (source + shipment id). 'accepted': checked against its order and its
-- propagations recorded as outside effects. 'parked': refused before any call (unknown order or
-- lines, more than ordered), kept with the event so that it can be checked again (automatically
-- when its order arrives, or by the retry-parked CLI after a fix).
CREATE TABLE shipments (
  shipment_key      text PRIMARY KEY,
  order_id          text NOT NULL,
  status            text NOT NULL CHECK (status IN ('accepted', 'parked')),
  failure_code      text,
  failure_reason    text,
  event             jsonb NOT NULL,
  cause             jsonb NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shipments_order_idx ON shipments (order_id);
CREATE INDEX shipments_parked_idx ON shipments (order_id) WHERE status = 'parked';

-- Down Migration
DROP TABLE shipments;
DROP TABLE orders;
