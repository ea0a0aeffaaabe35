//! The durable job queue.

use super::*;

/// The durable job queue. Times (`now`, `run_at`, lease expiry) come from the caller's clock, so
/// the runtime (and its tests, on paused time) decides what "now" is; adapters never read the
/// wall clock for scheduling decisions.
///
/// A job's `attempts` counts claims: it grows when a worker takes the job, so an attempt cut short
/// by a crash still counts. Mutations of a claimed job name the `owner` holding its lease; a call
/// by anyone else (the lease expired and another worker took the job) fails with `Conflict` and
/// changes nothing, so a stale worker can never overwrite a newer attempt.
pub trait JobRepository: Send + Sync {
    /// Enqueues a job. When `dedupe_key` is set and a non-final job with the same key exists,
    /// that job is returned instead and nothing is inserted.
    fn enqueue(&self, job: NewJob) -> impl Future<Output = Result<Job>> + Send;

    fn job(&self, id: JobId) -> impl Future<Output = Result<Job>> + Send;

    /// Jobs matching `filter`, newest first (by id, descending).
    fn list_jobs(
        &self,
        filter: JobFilter,
        page: PageRequest<JobId>,
    ) -> impl Future<Output = Result<Page<Job, JobId>>> + Send;

    /// Atomically claims up to `limit` runnable jobs — queued, `run_at <= now`, of one of `kinds`
    /// — by priority (highest first), then `run_at`, then id: each becomes running, leased to
    /// `owner` until `now + lease`, its attempts incremented, `started_at` set. Two concurrent
    /// claimers never get the same job (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: one
    /// immediate transaction).
    fn claim(
        &self,
        owner: &str,
        kinds: &[JobKind],
        limit: u32,
        now: NaiveDateTime,
        lease: std::time::Duration,
    ) -> impl Future<Output = Result<Vec<Job>>> + Send;

    /// Extends the lease of a running job to `now + lease` and records its progress when given.
    /// Returns whether cancellation was requested, so the handler can stop.
    fn heartbeat(
        &self,
        id: JobId,
        owner: &str,
        progress: Option<JobProgress>,
        now: NaiveDateTime,
        lease: std::time::Duration,
    ) -> impl Future<Output = Result<Heartbeat>> + Send;

    /// Finishes a running job as succeeded with an optional JSON result.
    fn succeed(
        &self,
        id: JobId,
        owner: &str,
        result: Option<String>,
        now: NaiveDateTime,
    ) -> impl Future<Output = Result<Job>> + Send;

    /// Finishes an attempt that failed: queued again at `retry_at` when given (keeping `error` as
    /// the last error), else dead with `error`.
    fn fail(
        &self,
        id: JobId,
        owner: &str,
        error: &str,
        retry_at: Option<NaiveDateTime>,
        now: NaiveDateTime,
    ) -> impl Future<Output = Result<Job>> + Send;

    /// Gives a running job back without running it (a worker shutting down): queued, runnable at
    /// once, and the attempt it was claimed for is not counted.
    fn release(
        &self,
        id: JobId,
        owner: &str,
        now: NaiveDateTime,
    ) -> impl Future<Output = Result<Job>> + Send;

    /// Cancels a job: a queued one at once (cancelled); a running one by setting
    /// `cancel_requested`, which its next heartbeat reports; a final one is `Conflict`.
    fn cancel(&self, id: JobId, now: NaiveDateTime) -> impl Future<Output = Result<Job>> + Send;

    /// A running job whose handler stopped after a cancel request becomes cancelled.
    fn confirm_cancelled(
        &self,
        id: JobId,
        owner: &str,
        now: NaiveDateTime,
    ) -> impl Future<Output = Result<Job>> + Send;

    /// Queues a dead or cancelled job again with fresh attempts; other states are `Conflict`.
    fn retry(&self, id: JobId, now: NaiveDateTime) -> impl Future<Output = Result<Job>> + Send;

    /// Running jobs whose lease expired before `now` (their worker died) are queued again,
    /// runnable at once, or dead when they have used all their attempts. Returns how many.
    fn reclaim_expired(&self, now: NaiveDateTime) -> impl Future<Output = Result<u64>> + Send;

    /// Deletes final jobs that finished before `before`. Returns how many.
    fn prune_finished(&self, before: NaiveDateTime) -> impl Future<Output = Result<u64>> + Send;
}

/// What a heartbeat learns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heartbeat {
    pub cancel_requested: bool,
}
