-- Claiming reads queued jobs by priority (highest first), then run_at, then id. The old
-- (state, run_at, priority) index bounds run_at but returns rows in run_at order, so every claim
-- sorted all runnable jobs (a temporary b-tree on SQLite); this one is read in claim order and
-- stops after the first `limit` runnable rows. It also serves the lease sweep (state = 'running').
DROP INDEX jobs_state_run_at_priority_idx;
CREATE INDEX jobs_claim_idx ON jobs (state, priority DESC, run_at, id);
-- Job lists are newest first (id descending), optionally filtered by state or kind: each filter
-- gets an index that is already in id order, so a page never sorts the whole table.
DROP INDEX jobs_kind_idx;
CREATE INDEX jobs_kind_id_idx ON jobs (kind, id);
CREATE INDEX jobs_state_id_idx ON jobs (state, id);
