//! SoulSpot's background job runtime: claiming jobs with leases, heartbeats, retries with
//! backoff, scheduling and graceful shutdown.
//!
//! Not built yet: the runtime arrives with the durable-jobs issue. The job table, its indexes and
//! the `JobRepository` port (enqueue with dedupe keys, reads) already exist in the domain and
//! infrastructure crates; `soulspot serve` starts no worker until then.
