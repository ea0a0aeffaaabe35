DROP INDEX jobs_state_id_idx;
DROP INDEX jobs_kind_id_idx;
CREATE INDEX jobs_kind_idx ON jobs (kind, state);
DROP INDEX jobs_claim_idx;
CREATE INDEX jobs_state_run_at_priority_idx ON jobs (state, run_at, priority);
