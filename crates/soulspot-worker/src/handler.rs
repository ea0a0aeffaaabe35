//! What a job kind's code looks like to the runtime: a handler that runs one job with a context
//! for progress and cancellation, and says how it ended.

use std::future::Future;
use std::pin::Pin;

use soulspot_domain::{Job, JobProgress};
use tokio::sync::watch;

/// How a handler's run ended when it did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobFailure {
    /// Worth another attempt (a timeout, an upstream down): retried with backoff until the job's
    /// attempts are used up, then dead.
    #[error("{0}")]
    Retryable(String),
    /// Another attempt would fail the same way (bad payload): dead at once.
    #[error("{0}")]
    Permanent(String),
    /// The handler stopped because cancellation was requested.
    #[error("cancelled")]
    Cancelled,
}

/// The handler's verdict: a JSON result on success.
pub type JobResult = Result<Option<String>, JobFailure>;

/// The future a handler returns; boxed because handlers are chosen at run time by job kind.
pub type HandlerFuture<'a> = Pin<Box<dyn Future<Output = JobResult> + Send + 'a>>;

/// The code of one job kind. Handlers must be idempotent: a job whose worker died mid-run runs
/// again, and running it twice must have the effect of running it once.
pub trait JobHandler: Send + Sync + 'static {
    fn run<'a>(&'a self, job: &'a Job, context: &'a JobContext) -> HandlerFuture<'a>;
}

/// Cancellation was requested; the handler should stop and return [`JobFailure::Cancelled`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cancellation was requested")]
pub struct Cancelled;

/// Given to a running handler: where it reports progress and learns of cancellation. The
/// runtime's heartbeat stores the latest progress (at most a few times a second) and reads the
/// cancel flag back.
#[derive(Debug)]
pub struct JobContext {
    progress: watch::Sender<Option<JobProgress>>,
    cancelled: watch::Receiver<bool>,
}

impl JobContext {
    pub(crate) fn new(
        progress: watch::Sender<Option<JobProgress>>,
        cancelled: watch::Receiver<bool>,
    ) -> Self {
        Self {
            progress,
            cancelled,
        }
    }

    /// Records progress; `Err(Cancelled)` once cancellation was requested, which is the
    /// handler's cue to stop.
    pub fn report(
        &self,
        done: i64,
        total: Option<i64>,
        message: Option<String>,
    ) -> Result<(), Cancelled> {
        self.progress.send_replace(Some(JobProgress {
            done,
            total,
            message,
        }));
        if self.is_cancelled() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }

    pub fn is_cancelled(&self) -> bool {
        *self.cancelled.borrow()
    }

    /// Completes when cancellation is requested (for handlers that wait on something long).
    pub async fn cancelled(&self) {
        let mut cancelled = self.cancelled.clone();
        // An error means the runtime dropped the sender: the job is over either way.
        let _ = cancelled.wait_for(|cancelled| *cancelled).await;
    }
}
