//! Jobs as the API sees them: list, read, cancel, retry, and enqueue a job of any kind (typed).

use std::sync::Arc;

use soulspot_domain::ports::JobRepository;
use soulspot_domain::{Clock, Job, JobFilter, JobId, Page, PageRequest, RepositoryError};

use super::definition::{JobKindDefinition, new_job};
use crate::error::ServiceResult;

#[derive(Clone)]
pub struct JobService<S> {
    store: S,
    clock: Arc<dyn Clock>,
}

impl<S> std::fmt::Debug for JobService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobService").finish_non_exhaustive()
    }
}

impl<S: JobRepository> JobService<S> {
    pub fn new(store: S, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// Enqueues a job of kind `K` now, or returns the one with the same dedupe key already
    /// waiting or running. The kind's bounds apply (`MAX_QUEUED`, the cooldown): a request
    /// beyond them is `RepositoryError::Limited`, which the API answers with `429`.
    pub async fn enqueue<K: JobKindDefinition>(&self, payload: &K::Payload) -> ServiceResult<Job> {
        let job = new_job::<K>(payload, None)
            .map_err(|error| RepositoryError::Internal(Box::new(error)))?;
        Ok(self.store.enqueue(job).await?)
    }

    /// Like [`Self::enqueue`] without the kind's bounds, for the product's own producers that
    /// bound themselves (watch mode collapses a burst of changes into a few scans, and must not
    /// lose a change to a cooldown).
    pub async fn enqueue_unbounded<K: JobKindDefinition>(
        &self,
        payload: &K::Payload,
    ) -> ServiceResult<Job> {
        let mut job = new_job::<K>(payload, None)
            .map_err(|error| RepositoryError::Internal(Box::new(error)))?;
        job.limits = soulspot_domain::EnqueueLimits::default();
        Ok(self.store.enqueue(job).await?)
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
        Ok(self.store.cancel(id, self.clock.now()).await?)
    }

    /// A dead or cancelled job runs again with fresh attempts; other states: `Conflict`.
    pub async fn retry(&self, id: JobId) -> ServiceResult<Job> {
        Ok(self.store.retry(id, self.clock.now()).await?)
    }
}
