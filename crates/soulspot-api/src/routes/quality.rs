//! Quality profiles: create, read, update, delete, activate one.

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{Data, Json, Path};
use soulspot_application::{QualityProfileService, Store};
use soulspot_domain::QualityProfileId;

use crate::dto::{QualityProfileDto, QualityRulesDto};
use crate::problem::{ApiError, Problem};

type Profiles<S> = Data<QualityProfileService<S>>;

#[utoipa::path(get, path = "/api/v1/quality-profiles", tag = "quality",
    responses((status = 200, body = Vec<QualityProfileDto>, description = "All profiles by name")))]
pub(crate) async fn list_profiles<S: Store>(
    profiles: Profiles<S>,
) -> Result<Json<Vec<QualityProfileDto>>, ApiError> {
    let all = profiles.profiles().await?;
    Ok(Json(all.into_iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/api/v1/quality-profiles", tag = "quality",
    request_body = QualityRulesDto,
    responses((status = 201, body = QualityProfileDto),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "The name is taken"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn create_profile<S: Store>(
    profiles: Profiles<S>,
    body: Json<QualityRulesDto>,
) -> Result<HttpResponse, ApiError> {
    let rules = body.into_inner().try_into_domain()?;
    let profile = profiles.create(rules).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/quality-profiles/{}", profile.id.0),
        ))
        .json(QualityProfileDto::from(profile)))
}

#[utoipa::path(get, path = "/api/v1/quality-profiles/{id}", tag = "quality",
    params(("id" = i64, Path, description = "Profile id")),
    responses((status = 200, body = QualityProfileDto),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn get_profile<S: Store>(
    profiles: Profiles<S>,
    id: Path<i64>,
) -> Result<Json<QualityProfileDto>, ApiError> {
    Ok(Json(profiles.profile(QualityProfileId(*id)).await?.into()))
}

#[utoipa::path(put, path = "/api/v1/quality-profiles/{id}", tag = "quality",
    params(("id" = i64, Path, description = "Profile id")),
    request_body = QualityRulesDto,
    responses((status = 200, body = QualityProfileDto),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn update_profile<S: Store>(
    profiles: Profiles<S>,
    id: Path<i64>,
    body: Json<QualityRulesDto>,
) -> Result<Json<QualityProfileDto>, ApiError> {
    let rules = body.into_inner().try_into_domain()?;
    Ok(Json(
        profiles.update(QualityProfileId(*id), rules).await?.into(),
    ))
}

#[utoipa::path(delete, path = "/api/v1/quality-profiles/{id}", tag = "quality",
    params(("id" = i64, Path, description = "Profile id")),
    responses((status = 204, description = "Deleted"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "The profile is the active one")))]
pub(crate) async fn delete_profile<S: Store>(
    profiles: Profiles<S>,
    id: Path<i64>,
) -> Result<HttpResponse, ApiError> {
    profiles.delete(QualityProfileId(*id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/quality-profiles/{id}/activate", tag = "quality",
    params(("id" = i64, Path, description = "Profile id")),
    responses((status = 200, body = QualityProfileDto, description = "Now the only active profile"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn activate_profile<S: Store>(
    profiles: Profiles<S>,
    id: Path<i64>,
) -> Result<Json<QualityProfileDto>, ApiError> {
    Ok(Json(profiles.activate(QualityProfileId(*id)).await?.into()))
}
