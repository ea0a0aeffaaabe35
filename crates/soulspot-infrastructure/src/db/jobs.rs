//! The job repository: enqueueing (with dedupe keys) and reads. Claiming with leases belongs to the
//! worker runtime.

use super::prelude::*;
use chrono::NaiveDateTime;
use soulspot_domain::ports::JobRepository;
use soulspot_domain::{
    Job, JobId, JobKind, JobProgress, JobState, NewJob, Page, PageRequest, RepositoryError,
};

use super::error::invalid_data;
use super::rows::now;
use super::schema::jobs;
use super::{Database, id_page, read, write};

#[derive(Queryable, Selectable)]
#[diesel(table_name = jobs)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct JobRow {
    id: i64,
    kind: String,
    payload: String,
    state: String,
    priority: i32,
    dedupe_key: Option<String>,
    attempts: i32,
    max_attempts: i32,
    run_at: NaiveDateTime,
    lease_owner: Option<String>,
    lease_expires_at: Option<NaiveDateTime>,
    progress_done: i64,
    progress_total: Option<i64>,
    progress_message: Option<String>,
    cancel_requested: bool,
    result: Option<String>,
    error: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl JobRow {
    fn into_domain(self) -> diesel::QueryResult<Job> {
        Ok(Job {
            id: JobId(self.id),
            kind: JobKind::parse(&self.kind).map_err(invalid_data)?,
            payload: self.payload,
            state: JobState::parse(&self.state).map_err(invalid_data)?,
            priority: self.priority,
            dedupe_key: self.dedupe_key,
            attempts: self.attempts,
            max_attempts: self.max_attempts,
            run_at: self.run_at,
            lease_owner: self.lease_owner,
            lease_expires_at: self.lease_expires_at,
            progress: JobProgress {
                done: self.progress_done,
                total: self.progress_total,
                message: self.progress_message,
            },
            cancel_requested: self.cancel_requested,
            result: self.result,
            error: self.error,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

const ACTIVE_STATES: [&str; 2] = ["queued", "running"];

impl JobRepository for Database {
    async fn enqueue(&self, job: NewJob) -> Result<Job, RepositoryError> {
        if job.max_attempts < 1 {
            return Err(RepositoryError::InvalidData(
                "a job needs at least one attempt".into(),
            ));
        }
        let stamp = now();
        let row: JobRow = write!(self, |conn| {
            if let Some(key) = &job.dedupe_key {
                let existing: Option<JobRow> = run!(
                    jobs::table
                        .filter(jobs::dedupe_key.eq(key))
                        .filter(jobs::state.eq_any(ACTIVE_STATES))
                        .select(JobRow::as_select())
                        .first(conn)
                )
                .optional()?;
                if let Some(existing) = existing {
                    return Ok(existing);
                }
            }
            run!(
                diesel::insert_into(jobs::table)
                    .values((
                        jobs::kind.eq(job.kind.as_str()),
                        jobs::payload.eq(&job.payload),
                        jobs::state.eq(JobState::Queued.as_str()),
                        jobs::priority.eq(job.priority),
                        jobs::dedupe_key.eq(&job.dedupe_key),
                        jobs::max_attempts.eq(job.max_attempts),
                        jobs::run_at.eq(job.run_at.unwrap_or(stamp)),
                        jobs::created_at.eq(stamp),
                        jobs::updated_at.eq(stamp),
                    ))
                    .returning(JobRow::as_returning())
                    .get_result(conn)
            )
        })?;
        row.into_domain()
            .map_err(|error| RepositoryError::InvalidData(error.to_string()))
    }

    async fn job(&self, id: JobId) -> Result<Job, RepositoryError> {
        let job = read!(self, |conn| run!(
            jobs::table
                .find(id.0)
                .select(JobRow::as_select())
                .first(conn)
        )
        .and_then(JobRow::into_domain))
        .map_err(|error| error.not_found_as("job", id))?;
        Ok(job)
    }

    async fn list_jobs(
        &self,
        page: PageRequest<JobId>,
    ) -> Result<Page<Job, JobId>, RepositoryError> {
        Ok(id_page!(self, jobs, JobRow, page, |item| item.id))
    }
}
