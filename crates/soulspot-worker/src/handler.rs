//! What a job kind looks like to the runtime: a handler that runs one stored job with a context
//! for progress and cancellation. Every kind defined in the application crate (a
//! `JobKindDefinition` and its `JobRunner`) becomes one through the same adapter, collected in
//! [`Kinds`], the list the binary writes one line per kind into.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use soulspot_application::jobs::{
    JobContext, JobDefinitionError, JobFailure, JobKindDefinition, JobResult, JobRunner, PayloadOf,
    kind_of,
};
use soulspot_domain::{InvalidJobKind, Job, JobKind};

use crate::schedule::Schedule;

/// The future a handler returns; boxed because handlers are chosen at run time by job kind.
pub type HandlerFuture<'a> = Pin<Box<dyn Future<Output = JobResult> + Send + 'a>>;

/// The code of one job kind as the runtime calls it: over the stored job. Handlers must be
/// idempotent: a job whose worker died mid-run runs again, and running it twice must have the
/// effect of running it once.
pub trait JobHandler: Send + Sync + 'static {
    fn run<'a>(&'a self, job: &'a Job, context: &'a JobContext) -> HandlerFuture<'a>;
}

/// A runner as a handler: the stored payload read as the kind's typed payload (a payload that
/// does not read is a permanent failure), then the runner's `run`.
struct RunnerHandler<R>(Arc<R>);

impl<R: JobRunner> JobHandler for RunnerHandler<R> {
    fn run<'a>(&'a self, job: &'a Job, context: &'a JobContext) -> HandlerFuture<'a> {
        Box::pin(async move {
            let payload: PayloadOf<R::Kind> =
                serde_json::from_str(&job.payload).map_err(|error| {
                    JobFailure::Permanent(format!(
                        "the payload of a {} job is not valid: {error}",
                        <R::Kind as JobKindDefinition>::NAME
                    ))
                })?;
            self.0.run(payload, context).await
        })
    }
}

/// One kind as the worker and the scheduler see it.
#[derive(Clone)]
pub(crate) struct RegisteredKind {
    pub handler: Arc<dyn JobHandler>,
    /// The kind's own default (`JobKindDefinition::PER_WORKER_LIMIT`).
    pub per_worker_limit: Option<usize>,
    pub schedule: Option<Schedule>,
}

/// The kinds one process runs: each added in one line, with its handler, default limit and
/// schedule taken from its definition.
#[derive(Clone, Default)]
pub struct Kinds {
    pub(crate) kinds: HashMap<JobKind, RegisteredKind>,
}

impl std::fmt::Debug for Kinds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&str> = self.kinds.keys().map(JobKind::as_str).collect();
        names.sort_unstable();
        f.debug_struct("Kinds").field("kinds", &names).finish()
    }
}

impl Kinds {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the kind `runner` runs (replacing an earlier runner of the same kind).
    pub fn with_runner<R: JobRunner>(mut self, runner: R) -> Result<Self, JobDefinitionError> {
        let kind = kind_of::<R::Kind>()?;
        let schedule = match runner.schedule() {
            Some(schedule) => {
                let job = soulspot_application::jobs::new_job::<R::Kind>(&schedule.payload, None)?;
                Some(Schedule {
                    kind: kind.clone(),
                    every: schedule.every,
                    payload: job.payload,
                    max_attempts: job.max_attempts,
                })
            }
            None => None,
        };
        self.kinds.insert(
            kind,
            RegisteredKind {
                handler: Arc::new(RunnerHandler(Arc::new(runner))),
                per_worker_limit: <R::Kind as JobKindDefinition>::PER_WORKER_LIMIT,
                schedule,
            },
        );
        Ok(self)
    }

    /// Adds a handler written directly against stored jobs (tests of the runtime itself).
    pub fn with_handler(
        mut self,
        kind: &str,
        handler: impl JobHandler,
    ) -> Result<Self, InvalidJobKind> {
        self.kinds.insert(
            JobKind::parse(kind)?,
            RegisteredKind {
                handler: Arc::new(handler),
                per_worker_limit: None,
                schedule: None,
            },
        );
        Ok(self)
    }

    /// The kinds, by name.
    pub fn names(&self) -> Vec<&JobKind> {
        let mut names: Vec<&JobKind> = self.kinds.keys().collect();
        names.sort_unstable_by_key(|kind| kind.as_str());
        names
    }

    /// The schedules of the periodic kinds.
    pub fn schedules(&self) -> Vec<Schedule> {
        let mut schedules: Vec<Schedule> = self
            .kinds
            .values()
            .filter_map(|kind| kind.schedule.clone())
            .collect();
        schedules.sort_unstable_by(|a, b| a.kind.as_str().cmp(b.kind.as_str()));
        schedules
    }

    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }
}
