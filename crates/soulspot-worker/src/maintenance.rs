//! The `maintenance.database` job: optimise the database and prune finished jobs older than the
//! retention period. Idempotent: running it twice leaves the same database.

use std::sync::Arc;
use std::time::Duration;

use soulspot_domain::Job;
use soulspot_domain::ports::{DatabaseMaintenance, JobRepository};

use crate::clock::Clock;
use crate::handler::{HandlerFuture, JobContext, JobFailure, JobHandler};

pub struct MaintenanceHandler<S> {
    store: S,
    clock: Arc<dyn Clock>,
    /// Finished jobs older than this are deleted.
    keep_finished: Duration,
}

impl<S> std::fmt::Debug for MaintenanceHandler<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MaintenanceHandler")
            .field("keep_finished", &self.keep_finished)
            .finish_non_exhaustive()
    }
}

impl<S> MaintenanceHandler<S> {
    pub fn new(store: S, clock: Arc<dyn Clock>, keep_finished: Duration) -> Self {
        Self {
            store,
            clock,
            keep_finished,
        }
    }
}

impl<S: DatabaseMaintenance + JobRepository + 'static> JobHandler for MaintenanceHandler<S> {
    fn run<'a>(&'a self, _job: &'a Job, context: &'a JobContext) -> HandlerFuture<'a> {
        Box::pin(async move {
            context
                .report(0, Some(2), Some("optimising the database".into()))
                .map_err(|_| JobFailure::Cancelled)?;
            self.store
                .optimize()
                .await
                .map_err(|error| JobFailure::Retryable(format!("optimising failed: {error}")))?;
            context
                .report(1, Some(2), Some("pruning finished jobs".into()))
                .map_err(|_| JobFailure::Cancelled)?;
            let keep =
                chrono::Duration::from_std(self.keep_finished).unwrap_or(chrono::Duration::MAX);
            let before = self
                .clock
                .now()
                .checked_sub_signed(keep)
                .unwrap_or(chrono::NaiveDateTime::MIN);
            let pruned = self
                .store
                .prune_finished(before)
                .await
                .map_err(|error| JobFailure::Retryable(format!("pruning failed: {error}")))?;
            // The progress write is best effort: the job is done either way.
            let _ = context.report(2, Some(2), Some(format!("pruned {pruned} finished jobs")));
            Ok(Some(format!("{{\"pruned_jobs\":{pruned}}}")))
        })
    }
}
