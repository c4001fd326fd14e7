-- Up Migration
-- Runs with search_path set to the writer's schema.

-- One row per backbone order. 'pending' is committed BEFORE Odoo is called (outside the inbox
-- transaction): finding it on a later attempt means an earlier one may have written to Odoo, so
-- the writer looks the order up before creating. The other states are written with the inbox row.
CREATE TABLE orders (
  order_id          text PRIMARY KEY,
  status            text NOT NULL CHECK (status IN ('pending', 'synced', 'parked', 'cancelled')),
  odoo_order_id     integer,
  odoo_order_name   text,
  odoo_partner_id   integer,
  odoo_state        text,
  attempts          integer NOT NULL DEFAULT 0,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Follow-up operations applied to an order (cancel, return, picking validation), so a redelivered
-- or replayed event with a new event id makes no second Odoo call.
CREATE TABLE operations (
  order_id       text NOT NULL,
  operation      text NOT NULL,
  reference      text NOT NULL,
  odoo_res_id    integer,
  synced_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, operation, reference)
);

-- Cache of customer partners written by the writer (ref → res.partner id, last written values).
CREATE TABLE partners (
  ref              text PRIMARY KEY,
  odoo_partner_id  integer NOT NULL,
  fingerprint      text,
  updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Events that failed for a business reason, kept for retry instead of being dead-lettered. Later
-- events of the same order wait behind the earliest parked one so the order's history stays in order.
CREATE TABLE parked (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  order_id         text NOT NULL,
  event_id         text NOT NULL UNIQUE,
  event_type       text NOT NULL,
  payload          jsonb NOT NULL,
  status           text NOT NULL DEFAULT 'parked' CHECK (status IN ('parked', 'resolved', 'superseded')),
  reason           text NOT NULL,
  error_message    text NOT NULL,
  failure_emitted  boolean NOT NULL DEFAULT false,
  attempts         integer NOT NULL DEFAULT 1,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  resolved_at      timestamptz
);
CREATE INDEX parked_open_idx ON parked (order_id, id) WHERE status = 'parked';

-- Down Migration
DROP TABLE parked;
DROP TABLE partners;
DROP TABLE operations;
DROP TABLE orders;
