-- Up Migration
-- Retention deletes by age; without these the pruner would scan whole tables.
CREATE INDEX channel_facts_accepted_at_idx ON channel_facts (accepted_at);
CREATE INDEX fact_conflicts_received_at_idx ON fact_conflicts (received_at);

-- Down Migration
DROP INDEX fact_conflicts_received_at_idx;
DROP INDEX channel_facts_accepted_at_idx;
