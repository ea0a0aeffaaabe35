//! Jobs: list, read, cancel, retry, and starting database maintenance (202 + the job).

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Json, Path, Query};
use serde::Deserialize;
use soulspot_application::jobs::{DatabaseMaintenance, MaintenancePayload};
use soulspot_application::{JobService, Store};
use soulspot_domain::{JobFilter, JobId, JobKind, JobState};

use crate::cursor::{PageQuery, Paged, paged};
use crate::dto::JobDto;
use crate::problem::{ApiError, Problem};

type Jobs<S> = Data<JobService<S>>;

/// Paging and the allow-listed filters of the job list; any other parameter is refused.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct JobListQuery {
    /// Rows per page, 1–500 (larger values are capped); 50 when absent.
    limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Only jobs of this kind (e.g. `maintenance.database`).
    kind: Option<String>,
    /// Only jobs in this state: `queued`, `running`, `succeeded`, `dead` or `cancelled`.
    state: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/jobs", tag = "jobs", params(JobListQuery),
    responses((status = 200, body = Paged<JobDto>, description = "Newest first"),
        (status = 400, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_jobs<S: Store>(
    jobs: Jobs<S>,
    query: Query<JobListQuery>,
) -> Result<Json<Paged<JobDto>>, ApiError> {
    let query = query.into_inner();
    let kind = query
        .kind
        .as_deref()
        .map(JobKind::parse)
        .transpose()
        .map_err(|error| ApiError::bad_request("invalid-query", format!("kind: {error}")))?;
    let state = query
        .state
        .as_deref()
        .map(JobState::parse)
        .transpose()
        .map_err(|error| ApiError::bad_request("invalid-query", format!("state: {error}")))?;
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    }
    .request::<JobId>()?;
    let page = jobs.jobs(JobFilter { kind, state }, page).await?;
    Ok(Json(paged(page, JobDto::from)))
}

#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "jobs",
    params(("id" = i64, Path, description = "Job id")),
    responses((status = 200, body = JobDto),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn get_job<S: Store>(
    jobs: Jobs<S>,
    id: Path<i64>,
) -> Result<Json<JobDto>, ApiError> {
    Ok(Json(jobs.job(JobId(*id)).await?.into()))
}

#[utoipa::path(post, path = "/api/v1/jobs/{id}/cancel", tag = "jobs",
    params(("id" = i64, Path, description = "Job id")),
    responses((status = 200, body = JobDto,
            description = "Queued: cancelled. Running: `cancel_requested`; it stops at its next progress report"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "The job already finished")))]
pub(crate) async fn cancel_job<S: Store>(
    jobs: Jobs<S>,
    id: Path<i64>,
) -> Result<Json<JobDto>, ApiError> {
    Ok(Json(jobs.cancel(JobId(*id)).await?.into()))
}

#[utoipa::path(post, path = "/api/v1/jobs/{id}/retry", tag = "jobs",
    params(("id" = i64, Path, description = "Job id")),
    responses((status = 202, body = JobDto, description = "Queued again with fresh attempts"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "Only dead or cancelled jobs can be retried")))]
pub(crate) async fn retry_job<S: Store>(
    jobs: Jobs<S>,
    id: Path<i64>,
) -> Result<HttpResponse, ApiError> {
    Ok(accepted(jobs.retry(JobId(*id)).await?.into()))
}

#[utoipa::path(post, path = "/api/v1/maintenance/database", tag = "jobs",
    responses((status = 202, body = JobDto,
        description = "Database optimisation and pruning of old jobs, as a job (the waiting one if already queued)")))]
pub(crate) async fn start_maintenance<S: Store>(jobs: Jobs<S>) -> Result<HttpResponse, ApiError> {
    let payload = MaintenancePayload::default();
    Ok(accepted(
        jobs.enqueue::<DatabaseMaintenance>(&payload).await?.into(),
    ))
}

/// `202 Accepted` with the job and where to follow it.
pub(crate) fn accepted(job: JobDto) -> HttpResponse {
    HttpResponse::Accepted()
        .insert_header((header::LOCATION, format!("/api/v1/jobs/{}", job.id)))
        .json(job)
}
