//! The job repository: enqueueing with dedupe keys, claiming with leases, and every move of the
//! state machine as one conditional `UPDATE`.
//!
//! Each mutation names the state (and, for a claimed job, the lease owner) it expects in its
//! `WHERE` clause, so two processes racing on one job can never both win: the loser's statement
//! changes no row, and only then does a read find out why (`NotFound` or `Conflict`).
//!
//! The states an update writes are not written here: they are what the domain's
//! `JobStatus::apply` decides for each case the row may be in (with or without a pending cancel
//! request, attempts left or not), asked before the statement is built and put into its `CASE`
//! arms. So the cancel-wins rule (a job the user cancelled never runs again) lives once, in the
//! domain, and this adapter cannot drift from it.

use super::prelude::*;
use chrono::NaiveDateTime;
use diesel::dsl::case_when;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Nullable, Text, Timestamp};
use soulspot_domain::ports::{Heartbeat, JobRepository};
use soulspot_domain::{
    Job, JobEvent, JobFilter, JobId, JobKind, JobProgress, JobState, JobStatus, NewJob, Page,
    PageRequest, RepositoryError,
};

use super::error::{DbError, invalid_data};
use super::schema::jobs;
use super::{Database, DbPool, read, write, write_one};

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
    started_at: Option<NaiveDateTime>,
    finished_at: Option<NaiveDateTime>,
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
            started_at: self.started_at,
            finished_at: self.finished_at,
        })
    }
}

/// What a heartbeat writes; `None` fields are left as they are (no progress reported).
#[derive(AsChangeset)]
#[diesel(table_name = jobs)]
struct HeartbeatChanges {
    lease_expires_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    progress_done: Option<i64>,
    progress_total: Option<Option<i64>>,
    progress_message: Option<Option<String>>,
}

/// The states the dedupe rule (and its partial unique index) treats as active.
const ACTIVE_STATES: [&str; 2] = ["queued", "running"];
const FINAL_STATES: [&str; 3] = ["succeeded", "dead", "cancelled"];
const QUEUED: &str = "queued";
const RUNNING: &str = "running";
const CANCELLED: &str = "cancelled";
/// The last error of a job whose worker vanished after its final attempt.
const LEASE_EXPIRED_ERROR: &str = "the worker running it stopped (lease expired)";

/// What the domain's state machine makes of `event` for a job in `state`, with
/// (`.cancelling`) or without (`.plain`) a pending cancel request.
#[derive(Debug, Clone, Copy)]
struct Decision {
    plain: JobStatus,
    cancelling: JobStatus,
}

impl Decision {
    fn of(state: JobState, event: JobEvent) -> Result<Self, RepositoryError> {
        let decide = |cancel_requested| {
            JobStatus::new(state, cancel_requested)
                .apply(event)
                .map_err(|error| RepositoryError::Internal(Box::new(error)))
        };
        Ok(Self {
            plain: decide(false)?,
            cancelling: decide(true)?,
        })
    }

    /// `finished_at` for the status an update lands in: `now` when it is final.
    fn finished(status: JobStatus, now: NaiveDateTime) -> Option<NaiveDateTime> {
        status.state.is_final().then_some(now)
    }
}

/// The `SET` expressions of an update of a running job on `event`, from the domain's decision:
/// `(state, cancel_requested, finished_at)`, each a `CASE` over the row's cancel flag.
macro_rules! running_outcome {
    ($decision:expr, $now:expr) => {{
        let decision: Decision = $decision;
        let now: NaiveDateTime = $now;
        (
            jobs::state.eq(case_when::<_, _, Text>(
                jobs::cancel_requested,
                decision.cancelling.state.as_str(),
            )
            .otherwise(decision.plain.state.as_str())),
            jobs::cancel_requested.eq(case_when::<_, _, diesel::sql_types::Bool>(
                jobs::cancel_requested,
                decision.cancelling.cancel_requested,
            )
            .otherwise(decision.plain.cancel_requested)),
            jobs::finished_at.eq(case_when::<_, _, Nullable<Timestamp>>(
                jobs::cancel_requested,
                Decision::finished(decision.cancelling, now),
            )
            .otherwise(Decision::finished(decision.plain, now))),
        )
    }};
}

/// Why a conditional update changed nothing: the job's current state and lease owner, or `None`
/// when there is no such job.
type Current = Option<(String, Option<String>)>;

fn to_domain(row: JobRow) -> Result<Job, RepositoryError> {
    row.into_domain()
        .map_err(|error| RepositoryError::InvalidData(error.to_string()))
}

fn to_domain_all(rows: Vec<JobRow>) -> Result<Vec<Job>, RepositoryError> {
    rows.into_iter().map(to_domain).collect()
}

/// `now + lease`, refusing a lease so long the timestamp would overflow.
fn lease_until(
    now: NaiveDateTime,
    lease: std::time::Duration,
) -> Result<NaiveDateTime, RepositoryError> {
    chrono::Duration::from_std(lease)
        .ok()
        .and_then(|lease| now.checked_add_signed(lease))
        .ok_or_else(|| RepositoryError::InvalidData(format!("a lease of {lease:?} is too long")))
}

/// Turns the outcome of a conditional update into the job, `NotFound` or a `Conflict` saying
/// what the job's state was instead of `expected`.
fn updated_or_why(
    outcome: Result<JobRow, Current>,
    id: JobId,
    expected: &str,
) -> Result<Job, RepositoryError> {
    match outcome {
        Ok(row) => to_domain(row),
        Err(None) => Err(RepositoryError::not_found("job", id)),
        Err(Some((state, owner))) => Err(RepositoryError::Conflict(match owner {
            Some(_) if state == RUNNING => {
                format!("job {id} is running under another worker's lease (expected {expected})")
            }
            _ => format!("job {id} is {state} (expected {expected})"),
        })),
    }
}

/// Runs `$update` (an `UPDATE … RETURNING` of one job, without its final `get_result`) as one
/// statement; when it changes no row, reads the job's state and owner to say why. Evaluates to
/// `Result<Result<JobRow, Current>, DbError>`.
macro_rules! update_one {
    ($db:expr, $id:expr, |$conn:ident| $update:expr) => {{
        let id: i64 = $id;
        write_one!($db, |$conn| {
            let updated: Option<JobRow> = run!($update.get_result($conn)).optional()?;
            match updated {
                Some(row) => Ok(Ok(row)),
                None => {
                    let current: Current = run!(
                        jobs::table
                            .find(id)
                            .select((jobs::state, jobs::lease_owner))
                            .first::<(String, Option<String>)>($conn)
                    )
                    .optional()?;
                    Ok(Err(current))
                }
            }
        })
    }};
}

/// The jobs of `id` that `owner` holds: running and leased to it.
macro_rules! owned_by {
    ($id:expr, $owner:expr) => {
        jobs::table
            .filter(jobs::id.eq($id))
            .filter(jobs::state.eq(RUNNING))
            .filter(jobs::lease_owner.eq($owner))
    };
}

/// What one attempt at enqueueing did.
enum Enqueued {
    /// A job with the same dedupe key was already queued or running.
    Existing(JobRow),
    Inserted(JobRow),
    /// A bound of the new job's `limits` refused it.
    Limited {
        message: String,
        retry_after: std::time::Duration,
    },
}

/// `later - earlier` as a std duration (zero when `later` is not later).
fn until(earlier: NaiveDateTime, later: NaiveDateTime) -> std::time::Duration {
    (later - earlier).to_std().unwrap_or_default()
}

impl Database {
    /// One attempt at enqueueing: the existing active job with the key, the inserted one, or the
    /// bound that refused it — all decided in the one transaction that inserts.
    async fn enqueue_once(&self, job: &NewJob) -> Result<Enqueued, DbError> {
        let stamp = self.now();
        let job = job.clone();
        write!(self, |conn| {
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
                    return Ok(Enqueued::Existing(existing));
                }
            }
            if let Some(max_queued) = job.limits.max_queued {
                let queued: i64 = run!(
                    jobs::table
                        .filter(jobs::kind.eq(job.kind.as_str()))
                        .filter(jobs::state.eq(QUEUED))
                        .count()
                        .get_result(conn)
                )?;
                if queued >= i64::from(max_queued) {
                    return Ok(Enqueued::Limited {
                        message: format!(
                            "{queued} {} jobs are already waiting (at most {max_queued}); try again later",
                            job.kind.as_str()
                        ),
                        retry_after: job.limits.retry_when_full,
                    });
                }
            }
            if let (Some(cooldown), Some(key)) = (job.limits.cooldown, &job.dedupe_key) {
                let since = chrono::Duration::from_std(cooldown)
                    .ok()
                    .and_then(|cooldown| stamp.checked_sub_signed(cooldown))
                    .unwrap_or(NaiveDateTime::MIN);
                let last: Option<Option<NaiveDateTime>> = run!(
                    jobs::table
                        .filter(jobs::dedupe_key.eq(key))
                        .filter(jobs::state.eq(JobState::Succeeded.as_str()))
                        .filter(jobs::finished_at.gt(since))
                        .select(diesel::dsl::max(jobs::finished_at))
                        .first(conn)
                )
                .optional()?;
                if let Some(Some(last)) = last {
                    let free_at = last + (stamp - since);
                    return Ok(Enqueued::Limited {
                        message: format!(
                            "the same job finished at {} UTC; it may run again {} s after that",
                            last.format("%H:%M:%S"),
                            cooldown.as_secs()
                        ),
                        retry_after: until(stamp, free_at),
                    });
                }
            }
            run!(
                diesel::insert_into(jobs::table)
                    .values((
                        jobs::kind.eq(job.kind.as_str()),
                        jobs::payload.eq(&job.payload),
                        jobs::state.eq(QUEUED),
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
            .map(Enqueued::Inserted)
        })
    }

    /// Announces a committed job write (see `notices`) and hands the job back.
    fn announced(&self, job: Job) -> Job {
        self.notices.publish([&job]);
        job
    }
}

fn is_unique_violation(error: &DbError) -> bool {
    matches!(
        error,
        DbError::Query(DieselError::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            _
        ))
    )
}

impl JobRepository for Database {
    async fn enqueue(&self, job: NewJob) -> Result<Job, RepositoryError> {
        if job.max_attempts < 1 {
            return Err(RepositoryError::InvalidData(
                "a job needs at least one attempt".into(),
            ));
        }
        let enqueued = match self.enqueue_once(&job).await {
            // On PostgreSQL two processes can both find no active job with the key and both
            // insert; the unique index refuses the second, whose retry then finds the first.
            // (SQLite's immediate transaction serialises them, so this never happens there.)
            Err(error) if job.dedupe_key.is_some() && is_unique_violation(&error) => {
                self.enqueue_once(&job).await?
            }
            other => other?,
        };
        match enqueued {
            Enqueued::Existing(row) => to_domain(row),
            Enqueued::Inserted(row) => to_domain(row).map(|job| self.announced(job)),
            Enqueued::Limited {
                message,
                retry_after,
            } => Err(RepositoryError::Limited {
                message,
                retry_after,
            }),
        }
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
        filter: JobFilter,
        page: PageRequest<JobId>,
    ) -> Result<Page<Job, JobId>, RepositoryError> {
        let limit = i64::from(page.limit()) + 1;
        let before = page.after.map(|id| id.0);
        let kind = filter.kind.map(|kind| kind.as_str().to_owned());
        let state = filter.state.map(JobState::as_str);
        let rows: Vec<JobRow> = read!(self, |conn| {
            let mut query = jobs::table
                .select(JobRow::as_select())
                .order(jobs::id.desc())
                .limit(limit)
                .into_boxed();
            if let Some(kind) = &kind {
                query = query.filter(jobs::kind.eq(kind));
            }
            if let Some(state) = state {
                query = query.filter(jobs::state.eq(state));
            }
            if let Some(before) = before {
                query = query.filter(jobs::id.lt(before));
            }
            run!(query.load(conn))
        })?;
        let jobs = to_domain_all(rows)?;
        Ok(Page::from_overfetched(jobs, page.limit(), |job| job.id))
    }

    async fn claim(
        &self,
        owner: &str,
        kinds: &[JobKind],
        limit: u32,
        now: NaiveDateTime,
        lease: std::time::Duration,
    ) -> Result<Vec<Job>, RepositoryError> {
        if kinds.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let expires = lease_until(now, lease)?;
        let kinds: Vec<String> = kinds.iter().map(|kind| kind.as_str().to_owned()).collect();
        let owner = owner.to_owned();
        let limit = i64::from(limit);
        // The runnable jobs in claim order, as a sub-select of the claiming UPDATE (over an alias
        // of the table: diesel refuses a sub-select whose table is also the outer one).
        let runnable = diesel::alias!(jobs as runnable);
        macro_rules! runnable {
            () => {
                runnable
                    .filter(runnable.field(jobs::state).eq(QUEUED))
                    .filter(runnable.field(jobs::run_at).le(now))
                    .filter(runnable.field(jobs::kind).eq_any(kinds))
                    .order((
                        runnable.field(jobs::priority).desc(),
                        runnable.field(jobs::run_at).asc(),
                        runnable.field(jobs::id).asc(),
                    ))
                    .limit(limit)
                    .select(runnable.field(jobs::id))
            };
        }
        // One statement claims them: running, leased, attempt counted, progress of an earlier
        // attempt forgotten. The last error stays until this attempt ends.
        macro_rules! claim_update {
            ($ids:expr) => {
                diesel::update(jobs::table.filter(jobs::id.eq_any($ids)))
                    .set((
                        jobs::state.eq(RUNNING),
                        jobs::lease_owner.eq(owner),
                        jobs::lease_expires_at.eq(expires),
                        jobs::attempts.eq(jobs::attempts + 1),
                        jobs::started_at.eq(now),
                        jobs::updated_at.eq(now),
                        jobs::progress_done.eq(0_i64),
                        jobs::progress_total.eq(None::<i64>),
                        jobs::progress_message.eq(None::<String>),
                    ))
                    .returning(JobRow::as_returning())
            };
        }
        // Backend-specific: only PostgreSQL can (and must) skip rows another claimer has locked;
        // on SQLite the immediate transaction already makes claimers take turns.
        let mut rows: Vec<JobRow> = match &self.pool {
            DbPool::Sqlite(pool) => {
                let mut pooled = pool.get().await.map_err(DbError::Pool)?;
                pooled
                    .spawn_blocking(move |conn| {
                        conn.immediate_transaction(|conn| {
                            diesel::RunQueryDsl::get_results(claim_update!(runnable!()), conn)
                        })
                    })
                    .await
                    .map_err(DbError::Query)?
            }
            DbPool::Pg(pool) => {
                let mut pooled = pool.get().await.map_err(DbError::Pool)?;
                let conn: &mut diesel_async::AsyncPgConnection = &mut pooled;
                diesel_async::RunQueryDsl::get_results(
                    claim_update!(runnable!().for_update().skip_locked()),
                    conn,
                )
                .await
                .map_err(DbError::Query)?
            }
        };
        // RETURNING gives no order; callers start jobs in claim order.
        rows.sort_by(|a, b| {
            b.priority
                .cmp(&a.priority)
                .then(a.run_at.cmp(&b.run_at))
                .then(a.id.cmp(&b.id))
        });
        let jobs = to_domain_all(rows)?;
        self.notices.publish(&jobs);
        Ok(jobs)
    }

    async fn heartbeat(
        &self,
        id: JobId,
        owner: &str,
        progress: Option<JobProgress>,
        now: NaiveDateTime,
        lease: std::time::Duration,
    ) -> Result<Heartbeat, RepositoryError> {
        let reports_progress = progress.is_some();
        let changes = HeartbeatChanges {
            lease_expires_at: lease_until(now, lease)?,
            updated_at: now,
            progress_done: progress.as_ref().map(|progress| progress.done),
            progress_total: progress.as_ref().map(|progress| progress.total),
            progress_message: progress.map(|progress| progress.message),
        };
        let owner = owner.to_owned();
        let outcome = update_one!(self, id.0, |conn| diesel::update(owned_by!(id.0, &owner))
            .set(&changes)
            .returning(JobRow::as_returning()))?;
        let job = updated_or_why(outcome, id, "running under this lease")?;
        if reports_progress {
            self.notices.publish([&job]);
        }
        Ok(Heartbeat {
            cancel_requested: job.cancel_requested,
        })
    }

    async fn succeed(
        &self,
        id: JobId,
        owner: &str,
        result: Option<String>,
        now: NaiveDateTime,
    ) -> Result<Job, RepositoryError> {
        let owner = owner.to_owned();
        let decision = Decision::of(JobState::Running, JobEvent::Succeeded)?;
        let outcome = update_one!(self, id.0, |conn| diesel::update(owned_by!(id.0, &owner))
            .set((
                running_outcome!(decision, now),
                jobs::result.eq(&result),
                // The attempt that succeeded replaces the error of the one before it.
                jobs::error.eq(None::<String>),
                jobs::lease_owner.eq(None::<String>),
                jobs::lease_expires_at.eq(None::<NaiveDateTime>),
                jobs::updated_at.eq(now),
            ))
            .returning(JobRow::as_returning()))?;
        updated_or_why(outcome, id, "running under this lease").map(|job| self.announced(job))
    }

    async fn fail(
        &self,
        id: JobId,
        owner: &str,
        error: &str,
        retry_at: Option<NaiveDateTime>,
        now: NaiveDateTime,
    ) -> Result<Job, RepositoryError> {
        let owner = owner.to_owned();
        let error = error.to_owned();
        let (event, run_at) = match retry_at {
            Some(retry_at) => (JobEvent::FailedWillRetry, Some(retry_at)),
            None => (JobEvent::FailedFinally, None),
        };
        let decision = Decision::of(JobState::Running, event)?;
        let outcome = update_one!(self, id.0, |conn| diesel::update(owned_by!(id.0, &owner))
            .set((
                running_outcome!(decision, now),
                // A job that ends here keeps no meaningful run time: `now` stands in.
                jobs::run_at.eq(run_at.unwrap_or(now)),
                jobs::error.eq(&error),
                jobs::lease_owner.eq(None::<String>),
                jobs::lease_expires_at.eq(None::<NaiveDateTime>),
                jobs::updated_at.eq(now),
            ))
            .returning(JobRow::as_returning()))?;
        updated_or_why(outcome, id, "running under this lease").map(|job| self.announced(job))
    }

    async fn release(
        &self,
        id: JobId,
        owner: &str,
        now: NaiveDateTime,
    ) -> Result<Job, RepositoryError> {
        let owner = owner.to_owned();
        let decision = Decision::of(JobState::Running, JobEvent::Released)?;
        let outcome = update_one!(self, id.0, |conn| diesel::update(owned_by!(id.0, &owner))
            .set((
                running_outcome!(decision, now),
                // The claim is given back, so it does not count as an attempt.
                jobs::attempts.eq(jobs::attempts - 1),
                jobs::run_at.eq(now),
                jobs::lease_owner.eq(None::<String>),
                jobs::lease_expires_at.eq(None::<NaiveDateTime>),
                jobs::updated_at.eq(now),
            ))
            .returning(JobRow::as_returning()))?;
        updated_or_why(outcome, id, "running under this lease").map(|job| self.announced(job))
    }

    async fn cancel(&self, id: JobId, now: NaiveDateTime) -> Result<Job, RepositoryError> {
        // One statement for both cases (SET expressions read the row as it was); the domain
        // decides each: a queued job is cancelled at once, a running one only flagged for its
        // handler to see.
        let queued = Decision::of(JobState::Queued, JobEvent::CancelRequested)?.plain;
        let running = Decision::of(JobState::Running, JobEvent::CancelRequested)?;
        let outcome = update_one!(self, id.0, |conn| diesel::update(
            jobs::table
                .filter(jobs::id.eq(id.0))
                .filter(jobs::state.eq_any(ACTIVE_STATES))
        )
        .set((
            jobs::state.eq(
                case_when::<_, _, Text>(jobs::state.eq(QUEUED), queued.state.as_str())
                    .when(jobs::cancel_requested, running.cancelling.state.as_str())
                    .otherwise(running.plain.state.as_str())
            ),
            jobs::cancel_requested.eq(case_when::<_, _, diesel::sql_types::Bool>(
                jobs::state.eq(QUEUED),
                queued.cancel_requested
            )
            .when(jobs::cancel_requested, running.cancelling.cancel_requested)
            .otherwise(running.plain.cancel_requested)),
            jobs::finished_at.eq(case_when::<_, _, Nullable<Timestamp>>(
                jobs::state.eq(QUEUED),
                Decision::finished(queued, now)
            )
            .otherwise(jobs::finished_at)),
            jobs::updated_at.eq(now),
        ))
        .returning(JobRow::as_returning()))?;
        updated_or_why(outcome, id, "queued or running").map(|job| self.announced(job))
    }

    async fn confirm_cancelled(
        &self,
        id: JobId,
        owner: &str,
        now: NaiveDateTime,
    ) -> Result<Job, RepositoryError> {
        let owner = owner.to_owned();
        let decision = Decision::of(JobState::Running, JobEvent::CancelConfirmed)?;
        let outcome = update_one!(self, id.0, |conn| diesel::update(owned_by!(id.0, &owner))
            .set((
                running_outcome!(decision, now),
                jobs::lease_owner.eq(None::<String>),
                jobs::lease_expires_at.eq(None::<NaiveDateTime>),
                jobs::updated_at.eq(now),
            ))
            .returning(JobRow::as_returning()))?;
        updated_or_why(outcome, id, "running under this lease").map(|job| self.announced(job))
    }

    async fn retry(&self, id: JobId, now: NaiveDateTime) -> Result<Job, RepositoryError> {
        // Dead and cancelled jobs come back the same way (the domain's table says so).
        let from_dead = Decision::of(JobState::Dead, JobEvent::Retried)?.plain;
        let retried = Decision::of(JobState::Cancelled, JobEvent::Retried)?;
        debug_assert!(from_dead == retried.plain && from_dead == retried.cancelling);
        let outcome = update_one!(self, id.0, |conn| diesel::update(
            jobs::table
                .filter(jobs::id.eq(id.0))
                .filter(jobs::state.eq_any([JobState::Dead.as_str(), CANCELLED]))
        )
        .set((
            jobs::state.eq(from_dead.state.as_str()),
            jobs::attempts.eq(0),
            jobs::cancel_requested.eq(from_dead.cancel_requested),
            jobs::run_at.eq(now),
            jobs::finished_at.eq(None::<NaiveDateTime>),
            jobs::updated_at.eq(now),
        ))
        .returning(JobRow::as_returning()));
        let outcome = match outcome {
            // Queued again, the job is active, and another active job holds its dedupe key.
            Err(error) if is_unique_violation(&error) => {
                return Err(RepositoryError::Conflict(format!(
                    "job {id} cannot be retried: an active job with the same dedupe key exists"
                )));
            }
            other => other?,
        };
        updated_or_why(outcome, id, "dead or cancelled").map(|job| self.announced(job))
    }

    async fn reclaim_expired(&self, now: NaiveDateTime) -> Result<u64, RepositoryError> {
        // A lease that expired is an attempt that failed: retried while attempts remain, final
        // after the last, and cancelled whenever cancellation was requested (the domain decides).
        let retry = Decision::of(JobState::Running, JobEvent::FailedWillRetry)?;
        let last = Decision::of(JobState::Running, JobEvent::FailedFinally)?;
        let rows: Vec<JobRow> = write_one!(self, |conn| {
            let attempts_left = jobs::attempts.lt(jobs::max_attempts);
            let cancelling = jobs::cancel_requested;
            let pick_state = || {
                case_when::<_, _, Text>(
                    cancelling.and(attempts_left),
                    retry.cancelling.state.as_str(),
                )
                .when(cancelling, last.cancelling.state.as_str())
                .when(attempts_left, retry.plain.state.as_str())
                .otherwise(last.plain.state.as_str())
            };
            let pick_flag = case_when::<_, _, diesel::sql_types::Bool>(
                cancelling.and(attempts_left),
                retry.cancelling.cancel_requested,
            )
            .when(cancelling, last.cancelling.cancel_requested)
            .when(attempts_left, retry.plain.cancel_requested)
            .otherwise(last.plain.cancel_requested);
            let pick_finished = case_when::<_, _, Nullable<Timestamp>>(
                cancelling.and(attempts_left),
                Decision::finished(retry.cancelling, now),
            )
            .when(cancelling, Decision::finished(last.cancelling, now))
            .when(attempts_left, Decision::finished(retry.plain, now))
            .otherwise(Decision::finished(last.plain, now));
            // Only a requeued job gets a new run time; only one that died gets the error (the
            // SET expressions all read the row as it was, so the CASE evaluates the same twice).
            let requeued = pick_state().eq(QUEUED);
            let died = pick_state().eq(JobState::Dead.as_str());
            run!(
                diesel::update(
                    jobs::table
                        .filter(jobs::state.eq(RUNNING))
                        .filter(jobs::lease_expires_at.lt(now))
                )
                .set((
                    jobs::state.eq(pick_state()),
                    jobs::cancel_requested.eq(pick_flag),
                    jobs::error.eq(case_when::<_, _, Nullable<Text>>(
                        died,
                        Some(LEASE_EXPIRED_ERROR)
                    )
                    .otherwise(jobs::error)),
                    jobs::run_at
                        .eq(case_when::<_, _, Timestamp>(requeued, now).otherwise(jobs::run_at)),
                    jobs::finished_at.eq(pick_finished),
                    jobs::lease_owner.eq(None::<String>),
                    jobs::lease_expires_at.eq(None::<NaiveDateTime>),
                    jobs::updated_at.eq(now),
                ))
                .returning(JobRow::as_returning())
                .get_results(conn)
            )
        })?;
        let jobs = to_domain_all(rows)?;
        self.notices.publish(&jobs);
        Ok(jobs.len() as u64)
    }

    async fn prune_finished(&self, before: NaiveDateTime) -> Result<u64, RepositoryError> {
        let deleted = write_one!(self, |conn| run!(
            diesel::delete(
                jobs::table
                    .filter(jobs::state.eq_any(FINAL_STATES))
                    .filter(jobs::finished_at.lt(before))
            )
            .execute(conn)
        ))?;
        Ok(deleted as u64)
    }
}
