//! What a running job sees: where it reports progress and learns of cancellation, and how it says
//! it ended. The worker runtime makes one context per run; a job kind's `run` only reads it.

use soulspot_domain::JobProgress;
use tokio::sync::watch;

/// How a run ended when it did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobFailure {
    /// Worth another attempt (a timeout, an upstream down): retried with backoff until the job's
    /// attempts are used up, then dead.
    #[error("{0}")]
    Retryable(String),
    /// Another attempt would fail the same way (bad payload): dead at once.
    #[error("{0}")]
    Permanent(String),
    /// The run stopped because cancellation was requested.
    #[error("cancelled")]
    Cancelled,
}

/// A run's verdict: a JSON result on success.
pub type JobResult = Result<Option<String>, JobFailure>;

/// Cancellation was requested; the run should stop and return [`JobFailure::Cancelled`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cancellation was requested")]
pub struct Cancelled;

impl From<Cancelled> for JobFailure {
    fn from(_: Cancelled) -> Self {
        Self::Cancelled
    }
}

/// Given to a running job: where it reports progress and learns of cancellation. The runtime's
/// heartbeat stores the latest progress (at most a few times a second) and reads the cancel flag
/// back.
#[derive(Debug)]
pub struct JobContext {
    progress: watch::Sender<Option<JobProgress>>,
    cancelled: watch::Receiver<bool>,
    /// The cancel sender of a detached context, kept so that `cancelled()` never completes.
    _never_cancelled: Option<watch::Sender<bool>>,
}

impl JobContext {
    /// For the runtime: the run reports into `progress` and reads `cancelled`.
    pub fn new(
        progress: watch::Sender<Option<JobProgress>>,
        cancelled: watch::Receiver<bool>,
    ) -> Self {
        Self {
            progress,
            cancelled,
            _never_cancelled: None,
        }
    }

    /// A context nobody watches and nobody cancels (running a job's body inline, in tests or
    /// from the CLI).
    pub fn detached() -> Self {
        let (progress, _) = watch::channel(None);
        let (sender, cancelled) = watch::channel(false);
        Self {
            _never_cancelled: Some(sender),
            ..Self::new(progress, cancelled)
        }
    }

    /// Records progress; `Err(Cancelled)` once cancellation was requested, which is the run's
    /// cue to stop.
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

    /// The progress last reported, if any.
    pub fn last_progress(&self) -> Option<JobProgress> {
        self.progress.borrow().clone()
    }

    pub fn is_cancelled(&self) -> bool {
        *self.cancelled.borrow()
    }

    /// Completes when cancellation is requested (for runs that wait on something long).
    pub async fn cancelled(&self) {
        let mut cancelled = self.cancelled.clone();
        // An error means the runtime dropped the sender: the job is over either way.
        let _ = cancelled.wait_for(|cancelled| *cancelled).await;
    }
}
