//! Durable background work: how a job kind is defined ([`JobDefinition`]), what a running job
//! sees ([`JobContext`]), the service the API uses ([`JobService`]), the kinds that belong to no
//! other feature (database maintenance), and the notices of job changes that idle workers and
//! live-event clients react to.

mod context;
mod definition;
pub mod maintenance;
mod service;

use serde::{Deserialize, Serialize};
use soulspot_domain::{Job, JobId, JobKind, JobProgress, JobState};

pub use context::{Cancelled, JobContext, JobFailure, JobResult};
pub use definition::{
    JobDefinitionError, JobKindDefinition, JobRunner, JobSchedule, PayloadOf, kind_of, new_job,
};
pub use maintenance::{DatabaseMaintenance, DatabaseMaintenanceRunner, MaintenancePayload};
pub use service::JobService;

/// A change to a job: its state or progress. Sent after the change is committed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobNotice {
    pub id: JobId,
    pub kind: JobKind,
    pub state: JobState,
    pub progress: JobProgress,
}

impl From<&Job> for JobNotice {
    fn from(job: &Job) -> Self {
        Self {
            id: job.id,
            kind: job.kind.clone(),
            state: job.state,
            progress: job.progress.clone(),
        }
    }
}

/// Where job changes are announced. On one process an in-process channel; across processes
/// (PostgreSQL) the adapter forwards other processes' changes too. Receivers that fall behind
/// lose the oldest notices (they learn how many through `RecvError::Lagged`), so a slow reader
/// never grows the sender's memory.
pub trait JobNotices: Send + Sync + 'static {
    fn subscribe(&self) -> tokio::sync::broadcast::Receiver<JobNotice>;
}
