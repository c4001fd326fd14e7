-- Up Migration
-- Keys may be issued with an end date (a temporary till, a contractor's device).
ALTER TABLE pos_api_keys ADD COLUMN expires_at timestamptz;

-- Down Migration
ALTER TABLE pos_api_keys DROP COLUMN expires_at;
