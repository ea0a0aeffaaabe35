//! A job kind, defined once, in one module of the feature it belongs to: a unit type naming the
//! kind ([`JobKindDefinition`]: its name, typed payload, dedupe key, defaults for attempts,
//! priority and how many run at once) and the runner that does the work ([`JobRunner`]: the run
//! function over the ports it needs, built once in the binary, and an optional schedule).
//!
//! The two halves are apart so that whoever enqueues (the API, another job) names the kind
//! without knowing how it runs: `JobService::enqueue::<LibraryScan>(&payload)`. The worker runs
//! every runner through one generic adapter (`soulspot_worker::Kinds::with_runner`), and the binary lists
//! the runners it starts, one line each.

use std::future::Future;
use std::time::Duration;

use chrono::NaiveDateTime;
use serde::Serialize;
use serde::de::DeserializeOwned;
use soulspot_domain::{EnqueueLimits, InvalidJobKind, JobKind, NewJob};

use super::context::{JobContext, JobResult};

/// How a periodic kind recurs.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSchedule<P> {
    /// The interval; runs fall on multiples of it counted from the Unix epoch, so every process
    /// computes the same boundaries.
    pub every: Duration,
    /// What each scheduled run is asked to do.
    pub payload: P,
}

/// What one kind of job is. Implemented by a unit type named after the kind.
pub trait JobKindDefinition: Send + Sync + 'static {
    /// The kind's stored name: 1-64 lowercase letters, digits, `.`, `_` or `-`
    /// (`library.scan`).
    const NAME: &'static str;
    /// Attempts before a failing job is dead.
    const MAX_ATTEMPTS: i32 = 5;
    /// Higher runs first.
    const PRIORITY: i32 = 0;
    /// Most jobs of this kind one worker process runs at once (`None`: as many as it has slots).
    /// `worker.per_kind_limits` in the configuration overrides it.
    const PER_WORKER_LIMIT: Option<usize> = None;
    /// Most jobs of this kind waiting at once: a request beyond it is refused (the API answers
    /// `429` with `Retry-After`), so a client cannot pile up unlimited work. `None`: no bound.
    const MAX_QUEUED: Option<u32> = None;
    /// How long after a job like this one (same dedupe key) succeeded another is refused.
    const COOLDOWN_AFTER_SUCCESS: Option<Duration> = None;
    /// Seconds a refused request is told to wait when the queue is full.
    const RETRY_WHEN_FULL: Duration = Duration::from_secs(60);

    /// What a job of this kind is asked to do, stored as JSON.
    type Payload: Serialize + DeserializeOwned + Send + Sync + 'static;

    /// Jobs with the same key are one job while one of them is queued or running (enqueueing
    /// another returns the waiting one). `None`: every enqueue is a new job.
    fn dedupe_key(payload: &Self::Payload) -> Option<String>;

    /// Whether [`Self::COOLDOWN_AFTER_SUCCESS`] applies to this payload (all, by default).
    fn cooldown_applies(_payload: &Self::Payload) -> bool {
        true
    }
}

/// The payload type of kind `K`.
pub type PayloadOf<K> = <K as JobKindDefinition>::Payload;

/// How jobs of one kind run. Implementations must be idempotent: a job whose worker died
/// mid-run runs again, and running it twice must have the effect of running it once.
pub trait JobRunner: Send + Sync + 'static {
    type Kind: JobKindDefinition;

    /// Runs one job. Progress and cancellation go through `context`.
    fn run(
        &self,
        payload: PayloadOf<Self::Kind>,
        context: &JobContext,
    ) -> impl Future<Output = JobResult> + Send;

    /// When the kind is periodic: how often, with which payload.
    fn schedule(&self) -> Option<JobSchedule<PayloadOf<Self::Kind>>> {
        None
    }
}

/// Why a job of a kind cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum JobDefinitionError {
    #[error(transparent)]
    Kind(#[from] InvalidJobKind),
    #[error("the payload of a {kind} job cannot be written: {source}")]
    Payload {
        kind: &'static str,
        #[source]
        source: serde_json::Error,
    },
}

/// The stored kind of `K`.
pub fn kind_of<K: JobKindDefinition>() -> Result<JobKind, InvalidJobKind> {
    JobKind::parse(K::NAME)
}

/// The job to enqueue for `payload`, with `K`'s defaults; `run_at: None` runs it now.
pub fn new_job<K: JobKindDefinition>(
    payload: &K::Payload,
    run_at: Option<NaiveDateTime>,
) -> Result<NewJob, JobDefinitionError> {
    let json = serde_json::to_string(payload).map_err(|source| JobDefinitionError::Payload {
        kind: K::NAME,
        source,
    })?;
    Ok(NewJob {
        kind: kind_of::<K>()?,
        payload: json,
        priority: K::PRIORITY,
        dedupe_key: K::dedupe_key(payload),
        max_attempts: K::MAX_ATTEMPTS,
        run_at,
        limits: EnqueueLimits {
            max_queued: K::MAX_QUEUED,
            cooldown: K::COOLDOWN_AFTER_SUCCESS.filter(|_| K::cooldown_applies(payload)),
            retry_when_full: K::RETRY_WHEN_FULL,
        },
    })
}
