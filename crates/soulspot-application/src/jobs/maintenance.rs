//! `maintenance.database`: optimise the database and prune finished jobs older than the
//! retention period. Idempotent: running it twice leaves the same database. Periodic when the
//! configuration gives it an interval; `POST /api/v1/maintenance/database` runs it now.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use soulspot_domain::Clock;
use soulspot_domain::ports::{self, JobRepository};

use super::context::{JobContext, JobFailure, JobResult};
use super::definition::{JobKindDefinition, JobRunner, JobSchedule};

/// The `maintenance.database` kind.
#[derive(Debug, Clone, Copy)]
pub struct DatabaseMaintenance;

impl JobKindDefinition for DatabaseMaintenance {
    const NAME: &'static str = "maintenance.database";
    const MAX_ATTEMPTS: i32 = 3;
    type Payload = MaintenancePayload;

    /// One requested run at a time (a scheduled run has its own key).
    fn dedupe_key(_: &MaintenancePayload) -> Option<String> {
        Some(format!("{}:requested", Self::NAME))
    }
}

/// What a maintenance run is asked to do (nothing to choose: the document is `{}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaintenancePayload {}

/// Runs `maintenance.database` jobs.
pub struct DatabaseMaintenanceRunner<S> {
    store: S,
    clock: Arc<dyn Clock>,
    /// Finished jobs older than this are deleted.
    keep_finished: Duration,
    /// How often it runs by itself (`None`: only on request).
    every: Option<Duration>,
}

impl<S> std::fmt::Debug for DatabaseMaintenanceRunner<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseMaintenanceRunner")
            .field("keep_finished", &self.keep_finished)
            .field("every", &self.every)
            .finish_non_exhaustive()
    }
}

impl<S> DatabaseMaintenanceRunner<S> {
    pub fn new(
        store: S,
        clock: Arc<dyn Clock>,
        keep_finished: Duration,
        every: Option<Duration>,
    ) -> Self {
        Self {
            store,
            clock,
            keep_finished,
            every,
        }
    }
}

impl<S: ports::DatabaseMaintenance + JobRepository + 'static> JobRunner
    for DatabaseMaintenanceRunner<S>
{
    type Kind = DatabaseMaintenance;

    async fn run(&self, _: MaintenancePayload, context: &JobContext) -> JobResult {
        context.report(0, Some(2), Some("optimising the database".into()))?;
        self.store
            .optimize()
            .await
            .map_err(|error| JobFailure::Retryable(format!("optimising failed: {error}")))?;
        context.report(1, Some(2), Some("pruning finished jobs".into()))?;
        let keep = chrono::Duration::from_std(self.keep_finished).unwrap_or(chrono::Duration::MAX);
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
    }

    fn schedule(&self) -> Option<JobSchedule<MaintenancePayload>> {
        self.every.map(|every| JobSchedule {
            every,
            payload: MaintenancePayload {},
        })
    }
}
