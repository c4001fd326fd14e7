-- Up Migration
-- Parked outbox rows an operator dropped with `outbox-parked drop`: never published, kept here
-- with who dropped them and why (the outbox row itself is deleted, which unblocks its key).
CREATE TABLE outbox_dropped (
  id           bigint PRIMARY KEY,
  topic        text NOT NULL,
  message_key  text NOT NULL,
  event_id     text NOT NULL,
  event_type   text NOT NULL,
  payload      jsonb NOT NULL,
  headers      jsonb NOT NULL,
  created_at   timestamptz NOT NULL,
  attempts     integer NOT NULL,
  last_error   text,
  reason       text NOT NULL,
  dropped_by   text NOT NULL,
  dropped_at   timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE outbox_dropped;
