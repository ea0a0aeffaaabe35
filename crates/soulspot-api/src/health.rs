//! `/health/live` (the process answers) and `/health/ready` (its dependencies are usable). Both are
//! open: supervisors and load balancers call them without a key.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use serde_json::json;
use soulspot_application::ReadinessService;
use soulspot_application::health::{ComponentHealth, HealthRegistry};
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
    registry: web::Data<HealthRegistry>,
) -> HttpResponse {
    let mut readiness = readiness.check().await;
    // Workers and upstreams: a required one down, or a required upstream's breaker open.
    let verdict = registry.verdict();
    if !registry.snapshot().is_empty() {
        readiness
            .checks
            .push(soulspot_application::DependencyCheck {
                name: "components",
                ok: verdict.ready,
                detail: if verdict.ready {
                    "every required worker and upstream is usable".to_owned()
                } else {
                    verdict.problems.join("; ")
                },
            });
        readiness.ready &= verdict.ready;
    }
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
            resident memory. Needs the API key unless `metrics.require_api_key` is false.")))]
#[expect(dead_code, reason = "only its OpenAPI description is used")]
pub(crate) async fn metrics() {}

/// One worker or upstream, as `/health/workers` lists it.
#[derive(Serialize, ToSchema)]
pub struct ComponentDto {
    pub name: String,
    /// `worker` or `upstream`.
    pub kind: String,
    /// `idle`, `running`, `degraded`, `down` or `stopped`.
    pub state: String,
    /// Whether readiness depends on it.
    pub required: bool,
    pub last_run: Option<chrono::DateTime<chrono::Utc>>,
    pub last_success: Option<chrono::DateTime<chrono::Utc>>,
    /// The last failure's text, which an upstream may have written: shown only to a request
    /// with the API key (`null` otherwise).
    pub last_error: Option<String>,
    pub last_error_at: Option<chrono::DateTime<chrono::Utc>>,
    pub consecutive_failures: u32,
    /// `closed`, `open` or `half_open` (upstreams only).
    pub breaker: Option<String>,
}

impl From<ComponentHealth> for ComponentDto {
    fn from(health: ComponentHealth) -> Self {
        Self {
            name: health.name,
            kind: health.kind.as_str().to_owned(),
            state: health.state.as_str().to_owned(),
            required: health.required,
            last_run: health.last_run,
            last_success: health.last_success,
            last_error_at: health.last_error.as_ref().map(|error| error.at),
            last_error: health.last_error.map(|error| error.message),
            consecutive_failures: health.consecutive_failures,
            breaker: health.breaker.map(|state| {
                serde_json::to_value(state)
                    .ok()
                    .and_then(|value| value.as_str().map(str::to_owned))
                    .unwrap_or_default()
            }),
        }
    }
}

#[utoipa::path(get, path = "/health/workers", tag = "health", security((), ("api_key" = []), ("bearer" = [])),
    responses((status = 200, body = Vec<ComponentDto>,
        description = "Every worker and upstream with its state, last run, last success, last error, \
            consecutive failures and circuit breaker. Open; the text of the last error only with \
            the API key (an open route shows states, never what an upstream wrote).")))]
pub(crate) async fn workers(
    request: actix_web::HttpRequest,
    registry: web::Data<HealthRegistry>,
) -> HttpResponse {
    let with_detail = crate::auth::carries_api_key(&request);
    let components: Vec<ComponentDto> = registry
        .snapshot()
        .into_iter()
        .map(|health| {
            let mut component = ComponentDto::from(health);
            if !with_detail {
                component.last_error = None;
            }
            component
        })
        .collect();
    HttpResponse::Ok().json(components)
}
