//! `/health/live` (the process answers) and `/health/ready` (its dependencies are usable).

use actix_web::{HttpResponse, web};
use serde_json::json;
use soulspot_domain::ports::DatabaseProbe;

use crate::ApiState;

pub(crate) fn routes<P: DatabaseProbe + 'static>(config: &mut web::ServiceConfig) {
    config
        .route("/health/live", web::get().to(live))
        .route("/health/ready", web::get().to(ready::<P>));
}

async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

async fn ready<P: DatabaseProbe + 'static>(state: web::Data<ApiState<P>>) -> HttpResponse {
    let readiness = state.readiness.check().await;
    let mut response = if readiness.ready {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    response.json(json!({
        "status": if readiness.ready { "ready" } else { "not_ready" },
        "checks": readiness.checks,
    }))
}
