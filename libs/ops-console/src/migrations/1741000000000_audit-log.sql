-- Up Migration
-- Runs with search_path set to the console's schema (ops_console by default).

-- One row per operator action. The row is written ('started') before the action touches
-- anything, and completed with its outcome in the transaction that also puts the
-- OperatorActionRecorded event in the outbox, so an action cut short still leaves a trace.
CREATE TABLE audit_log (
  action_id     uuid PRIMARY KEY,
  requested_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  completed_at  timestamptz,
  operator      text NOT NULL,
  via           text NOT NULL,
  action        text NOT NULL,
  target        text NOT NULL,
  outcome       text NOT NULL DEFAULT 'started' CHECK (outcome IN ('started', 'succeeded', 'failed')),
  detail        text
);
CREATE INDEX audit_log_requested_at_idx ON audit_log (requested_at DESC);

-- Down Migration
DROP TABLE audit_log;
