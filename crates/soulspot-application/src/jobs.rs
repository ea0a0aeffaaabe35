//! Jobs as the API sees them: list, read, cancel, retry, and start maintenance; plus the
//! notifications idle workers and live-event clients react to.

use crate::scan::{LIBRARY_SCAN_KIND, ScanPayload};
use chrono::{NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use soulspot_domain::ports::JobRepository;
use soulspot_domain::{
    Job, JobFilter, JobId, JobKind, JobProgress, JobState, NewJob, Page, PageRequest,
};

use crate::error::ServiceResult;

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

/// The job kind of database upkeep (optimise, analyse, prune old jobs).
pub const MAINTENANCE_KIND: &str = "maintenance.database";

/// The current wall-clock time as storage keeps it (UTC, no offset).
pub fn utc_now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

#[derive(Debug, Clone)]
pub struct JobService<S> {
    store: S,
}

impl<S: JobRepository> JobService<S> {
    pub fn new(store: S) -> Self {
        Self { store }
    }

    pub async fn jobs(
        &self,
        filter: JobFilter,
        page: PageRequest<JobId>,
    ) -> ServiceResult<Page<Job, JobId>> {
        Ok(self.store.list_jobs(filter, page).await?)
    }

    pub async fn job(&self, id: JobId) -> ServiceResult<Job> {
        Ok(self.store.job(id).await?)
    }

    /// Queued: cancelled at once. Running: cancellation is requested and the handler stops at its
    /// next progress report. Final: `Conflict`.
    pub async fn cancel(&self, id: JobId) -> ServiceResult<Job> {
        Ok(self.store.cancel(id, utc_now()).await?)
    }

    /// A dead or cancelled job runs again with fresh attempts; other states: `Conflict`.
    pub async fn retry(&self, id: JobId) -> ServiceResult<Job> {
        Ok(self.store.retry(id, utc_now()).await?)
    }

    /// Enqueues a library scan, or returns the scan of the same folder and mode already waiting
    /// or running. The payload's path must already be checked ([`crate::scan::scan_root`]).
    pub async fn start_scan(&self, payload: &ScanPayload) -> ServiceResult<Job> {
        let kind = JobKind::parse(LIBRARY_SCAN_KIND)
            .map_err(|error| soulspot_domain::RepositoryError::Internal(Box::new(error)))?;
        let folder = payload.path.as_ref().map_or_else(
            || "*".to_owned(),
            |path| path.to_string_lossy().into_owned(),
        );
        let json = serde_json::to_string(payload)
            .map_err(|error| soulspot_domain::RepositoryError::Internal(Box::new(error)))?;
        Ok(self
            .store
            .enqueue(NewJob {
                kind,
                payload: json,
                priority: 0,
                dedupe_key: Some(format!("library.scan:{}:{folder}", payload.mode.as_str())),
                // A scan resumes where it stopped, so attempts cut short by a crash are cheap.
                max_attempts: 10,
                run_at: None,
            })
            .await?)
    }

    /// Enqueues database maintenance now, or returns the one already waiting or running.
    pub async fn start_maintenance(&self) -> ServiceResult<Job> {
        let kind = JobKind::parse(MAINTENANCE_KIND)
            .map_err(|error| soulspot_domain::RepositoryError::Internal(Box::new(error)))?;
        Ok(self
            .store
            .enqueue(NewJob {
                kind,
                payload: "{}".into(),
                priority: 0,
                dedupe_key: Some("maintenance.database:requested".into()),
                max_attempts: 3,
                run_at: None,
            })
            .await?)
    }
}
