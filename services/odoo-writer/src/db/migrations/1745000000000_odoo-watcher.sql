-- Up Migration
-- The Odoo watcher (src/watcher): what it has read from Odoo and what it made of it.

-- Where the watcher is in each model's change feed: the (write_date, id) of the last record it
-- handled, in Odoo's own clock ('YYYY-MM-DD HH:MM:SS' UTC, compared as Odoo compares them).
CREATE TABLE watch_cursors (
  model        text PRIMARY KEY,
  write_date   text NOT NULL,
  record_id    integer NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- One row per Odoo record and state the watcher has handled (e.g. 'stock.move:42:done'), written
-- in the transaction that records its events in the outbox, so re-reading the overlap window or a
-- page after a crash emits nothing twice. Records it decided not to emit are kept with the reason.
CREATE TABLE watched_records (
  dedup_key    text PRIMARY KEY,
  model        text NOT NULL,
  record_id    integer NOT NULL,
  write_date   text NOT NULL,
  outcome      text NOT NULL CHECK (outcome IN ('emitted', 'skipped')),
  event_type   text,
  event_ids    text[] NOT NULL DEFAULT '{}',
  reason       text,
  detail       jsonb,
  recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX watched_records_model_idx ON watched_records (model, record_id);

-- Down Migration
DROP TABLE watched_records;
DROP TABLE watch_cursors;
