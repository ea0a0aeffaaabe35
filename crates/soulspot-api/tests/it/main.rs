//! The API mounted over fake ports: routes answer with the right status and shape.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use actix_web::{App, test, web};
use soulspot_api::{ApiState, configure};
use soulspot_application::ReadinessService;
use soulspot_domain::RepositoryError;
use soulspot_domain::ports::{DatabaseProbe, DatabaseStatus};

/// A database probe whose answer each test chooses.
struct FakeDatabase(Result<Vec<String>, &'static str>);

impl DatabaseProbe for FakeDatabase {
    async fn database_status(&self) -> Result<DatabaseStatus, RepositoryError> {
        match &self.0 {
            Ok(pending) => Ok(DatabaseStatus {
                backend: "fake",
                pending_migrations: pending.clone(),
            }),
            Err(reason) => Err(RepositoryError::Unavailable((*reason).into())),
        }
    }
}

async fn get(database: FakeDatabase, path: &str) -> (u16, serde_json::Value) {
    let state = web::Data::new(ApiState {
        readiness: ReadinessService::new(database),
    });
    let app = test::init_service(App::new().configure(configure(state))).await;
    let response = test::call_service(&app, test::TestRequest::get().uri(path).to_request()).await;
    let status = response.status().as_u16();
    let body: serde_json::Value = test::read_body_json(response).await;
    (status, body)
}

#[actix_web::test]
async fn live_is_always_ok() {
    let (status, body) = get(FakeDatabase(Err("down")), "/health/live").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
}

#[actix_web::test]
async fn ready_reports_each_dependency() {
    let (status, body) = get(FakeDatabase(Ok(vec![])), "/health/ready").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ready");
    assert_eq!(body["checks"][0]["name"], "database");

    let (status, body) = get(
        FakeDatabase(Ok(vec!["20261128000001_initial".into()])),
        "/health/ready",
    )
    .await;
    assert_eq!(status, 503);
    assert_eq!(body["status"], "not_ready");
    assert!(
        body["checks"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("20261128000001_initial")
    );

    let (status, body) = get(FakeDatabase(Err("connection refused")), "/health/ready").await;
    assert_eq!(status, 503);
    assert!(
        body["checks"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("unreachable")
    );
}
