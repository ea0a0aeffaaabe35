//! `/health/live` (the process answers) and `/health/ready` (its dependencies are usable). Both are
//! open: supervisors and load balancers call them without a key.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use serde_json::json;
use soulspot_application::ReadinessService;
use soulspot_domain::ports::DatabaseProbe;
use utoipa::ToSchema;

/// One dependency's verdict.
#[derive(Serialize, ToSchema)]
pub struct CheckDto {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

/// The readiness verdict over every dependency.
#[derive(Serialize, ToSchema)]
pub struct ReadinessDto {
    /// `ready` or `not_ready`.
    pub status: String,
    pub checks: Vec<CheckDto>,
}

#[utoipa::path(get, path = "/health/live", tag = "health", security(()),
    responses((status = 200, description = "The process answers")))]
pub(crate) async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

#[utoipa::path(get, path = "/health/ready", tag = "health", security(()),
    responses((status = 200, body = ReadinessDto, description = "Every dependency is usable"),
        (status = 503, body = ReadinessDto, description = "A dependency is not usable")))]
pub(crate) async fn ready<P: DatabaseProbe + 'static>(
    readiness: web::Data<ReadinessService<P>>,
) -> HttpResponse {
    let readiness = readiness.check().await;
    let mut response = if readiness.ready {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    response.json(ReadinessDto {
        status: if readiness.ready {
            "ready"
        } else {
            "not_ready"
        }
        .to_owned(),
        checks: readiness
            .checks
            .into_iter()
            .map(|check| CheckDto {
                name: check.name.to_owned(),
                ok: check.ok,
                detail: check.detail,
            })
            .collect(),
    })
}

/// Documents the scrape endpoint mounted from the middleware module.
#[utoipa::path(get, path = "/metrics", tag = "health", security((), ("api_key" = []), ("bearer" = [])),
    responses((status = 200, content_type = "text/plain",
        description = "Prometheus text: request counts and latencies per route, database pool, \
            resident memory. Open unless `metrics.require_api_key` is set.")))]
#[expect(dead_code, reason = "only its OpenAPI description is used")]
pub(crate) async fn metrics() {}
