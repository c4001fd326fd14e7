-- Up Migration
-- Runs with search_path set to the service's schema.

-- One row per intended effect on an outside system (Odoo, loyalty platform, channel API), written
-- in the consumer transaction with its inbox row; the call itself is made later, by an
-- EffectExecutor, outside any transaction, and the outcome recorded in a second transaction.
--   state: pending (not attempted, or a retry that is known not to have been applied)
--          unknown (the last attempt may have been applied: looked up once the other side's time
--                   limit has passed)
--          failed  (refused for a business reason; retried on a slow schedule or by the CLI)
--          done | cancelled (closed)
-- next_attempt_at doubles as the ambiguity fence: a claim moves it past the other side's time
-- limit, so an attempt whose worker vanished is not repeated while the first call may still run.
CREATE TABLE outside_effects (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  effect_key       text NOT NULL UNIQUE,
  kind             text NOT NULL,
  aggregate_key    text NOT NULL,
  waits_for        text,
  payload          jsonb NOT NULL,
  cause            jsonb NOT NULL DEFAULT '{}'::jsonb,
  state            text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'unknown', 'failed', 'done', 'cancelled')),
  attempts         integer NOT NULL DEFAULT 0,
  failures         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  lease_owner      text,
  leased_until     timestamptz,
  last_attempt_at  timestamptz,
  last_error       text,
  result           jsonb,
  created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
  completed_at     timestamptz
);
-- Open effects in claim order, and per aggregate for the "earlier effect still open" check.
CREATE INDEX outside_effects_open_idx ON outside_effects (id) INCLUDE (kind, next_attempt_at) WHERE state IN ('pending', 'unknown', 'failed');
CREATE INDEX outside_effects_aggregate_idx ON outside_effects (aggregate_key, id) WHERE state IN ('pending', 'unknown', 'failed');
CREATE INDEX outside_effects_waits_for_idx ON outside_effects (waits_for) WHERE waits_for IS NOT NULL AND state IN ('pending', 'unknown', 'failed');

-- Down Migration
DROP TABLE outside_effects;
