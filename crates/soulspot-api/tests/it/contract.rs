//! Contracts every route keeps: the OpenAPI document lists exactly the mounted routes, every keyed
//! route refuses a missing or wrong key, and errors are problems.

use std::collections::BTreeSet;

use actix_web::test::TestRequest;
use soulspot_infrastructure::Database;
use soulspot_infrastructure::secrets::XChaChaCipher;
use soulspot_testkit::TestDatabase;

use crate::{KEY, call, get};

/// Routes that need no key, and why: probes and scrapers call them without one.
const OPEN_ROUTES: &[(&str, &str)] = &[
    ("GET", "/health/live"),
    ("GET", "/health/ready"),
    ("GET", "/health/workers"),
    ("GET", "/metrics"),
];

/// `(method, path)` of every operation in the served document.
fn spec_operations() -> Vec<(String, String, serde_json::Value)> {
    let document = serde_json::to_value(soulspot_api::openapi::document()).unwrap();
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            operations.push((method.to_uppercase(), path.clone(), operation.clone()));
        }
    }
    operations
}

/// A concrete URI for a templated path.
pub fn concrete(path: &str) -> String {
    path.replace("{id}", "1").replace("{provider}", "slskd")
}

#[test]
fn the_document_lists_exactly_the_mounted_routes() {
    let mounted: BTreeSet<(String, String)> =
        soulspot_api::mounted_routes::<Database, XChaChaCipher>()
            .into_iter()
            .map(|(method, path)| (method.to_string(), path))
            .collect();
    let documented: BTreeSet<(String, String)> = spec_operations()
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect();
    let undocumented: Vec<_> = mounted.difference(&documented).collect();
    let unmounted: Vec<_> = documented.difference(&mounted).collect();
    assert!(
        undocumented.is_empty(),
        "mounted but not in the OpenAPI document: {undocumented:?}"
    );
    assert!(
        unmounted.is_empty(),
        "documented but not mounted: {unmounted:?}"
    );
    assert!(mounted.len() > 20);
}

#[test]
fn the_document_is_openapi_3_1_and_marks_exactly_the_open_routes() {
    let document = serde_json::to_value(soulspot_api::openapi::document()).unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    let open: BTreeSet<(String, String)> = spec_operations()
        .into_iter()
        .filter(|(_, _, operation)| {
            operation["security"]
                .as_array()
                .is_some_and(|requirements| {
                    requirements
                        .iter()
                        .any(|r| r.as_object().is_some_and(|r| r.is_empty()))
                })
        })
        .map(|(method, path, _)| (method, path))
        .collect();
    let expected: BTreeSet<(String, String)> = OPEN_ROUTES
        .iter()
        .map(|(method, path)| ((*method).to_owned(), (*path).to_owned()))
        .collect();
    assert_eq!(open, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_matrix_over_every_documented_route() {
    let test = TestDatabase::sqlite().await;
    let keys = tempfile::tempdir().unwrap();
    let app = crate::app!(&test.database, &keys);
    let open: BTreeSet<(&str, &str)> = OPEN_ROUTES.iter().copied().collect();
    let mut checked = 0;
    for (method, path, _) in spec_operations() {
        let uri = concrete(&path);
        let request = |key: Option<&str>| {
            let method = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap();
            let mut request = TestRequest::default().method(method).uri(&uri);
            if let Some(key) = key {
                request = request.insert_header(("x-api-key", key));
            }
            request.set_json(serde_json::json!({})).to_request()
        };
        let without = call(&app, request(None)).await;
        let wrong = call(&app, request(Some("wrong-key-0123456789abcdef"))).await;
        let right = call(&app, request(Some(KEY))).await;
        if open.contains(&(method.as_str(), path.as_str())) {
            assert_ne!(without.status, 401, "{method} {path} is open");
        } else {
            assert_eq!(without.status, 401, "{method} {path} without a key");
            assert_eq!(wrong.status, 401, "{method} {path} with a wrong key");
            assert_eq!(without.content_type(), "application/problem+json");
            assert_eq!(without.json()["code"], "unauthorized");
            assert!(without.headers.contains_key("www-authenticate"));
        }
        assert_ne!(right.status, 401, "{method} {path} with the right key");
        assert!(right.status < 500, "{method} {path}: {}", right.status);
        checked += 1;
    }
    assert!(checked > 20);
    // The bearer form works too, and a key in the wrong scheme does not.
    let bearer = call(
        &app,
        TestRequest::get()
            .uri("/api/v1/stats")
            .insert_header(("authorization", format!("Bearer {KEY}")))
            .to_request(),
    )
    .await;
    assert_eq!(bearer.status, 200);
    let basic = call(
        &app,
        TestRequest::get()
            .uri("/api/v1/stats")
            .insert_header(("authorization", format!("Basic {KEY}")))
            .to_request(),
    )
    .await;
    assert_eq!(basic.status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn framework_errors_are_problems_too() {
    let test = TestDatabase::sqlite().await;
    let keys = tempfile::tempdir().unwrap();
    let app = crate::app!(&test.database, &keys);
    for (request, status, code) in [
        (get("/nowhere").to_request(), 404, "not-found"),
        (get("/api/v1/nowhere").to_request(), 404, "not-found"),
        (
            TestRequest::delete()
                .uri("/api/v1/stats")
                .insert_header(("x-api-key", KEY))
                .to_request(),
            405,
            "method-not-allowed",
        ),
        (get("/api/v1/tracks/abc").to_request(), 404, "not-found"),
        (
            get("/api/v1/tracks?limit=abc").to_request(),
            400,
            "invalid-query",
        ),
        (
            get("/api/v1/tracks?colour=red").to_request(),
            400,
            "invalid-query",
        ),
        (
            get("/api/v1/tracks?cursor=bm9wZQ").to_request(),
            400,
            "invalid-cursor",
        ),
        (
            TestRequest::put()
                .uri("/api/v1/settings")
                .insert_header(("x-api-key", KEY))
                .insert_header(("content-type", "text/plain"))
                .set_payload("{}")
                .to_request(),
            415,
            "unsupported-media-type",
        ),
        (
            TestRequest::put()
                .uri("/api/v1/settings")
                .insert_header(("x-api-key", KEY))
                .insert_header(("content-type", "application/json"))
                .set_payload(vec![b' '; crate::MAX_BODY + 1])
                .to_request(),
            413,
            "body-too-large",
        ),
    ] {
        let reply = call(&app, request).await;
        assert_eq!(reply.status, status, "{reply:?}");
        assert_eq!(reply.content_type(), "application/problem+json");
        let problem = reply.json();
        assert_eq!(problem["code"], code, "{problem}");
        assert_eq!(problem["status"], status);
        assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()));
        assert!(problem["type"].as_str().unwrap().ends_with(code));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docs_and_document_are_served_without_a_key() {
    let test = TestDatabase::sqlite().await;
    let keys = tempfile::tempdir().unwrap();
    let app = crate::app!(&test.database, &keys);
    let document = call(
        &app,
        TestRequest::get().uri("/api/openapi.json").to_request(),
    )
    .await;
    assert_eq!(document.status, 200);
    assert!(document.json()["paths"]["/api/v1/tracks"].is_object());
    let page = call(&app, TestRequest::get().uri("/docs/").to_request()).await;
    assert_eq!(page.status, 200);
    assert!(String::from_utf8_lossy(&page.body).contains("swagger"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_stays_closed_without_configured_origins() {
    let test = TestDatabase::sqlite().await;
    let keys = tempfile::tempdir().unwrap();
    let app = crate::app!(&test.database, &keys);
    let reply = call(
        &app,
        get("/api/v1/stats")
            .insert_header(("origin", "https://evil.example"))
            .to_request(),
    )
    .await;
    assert!(!reply.headers.contains_key("access-control-allow-origin"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_are_compressed_only_above_the_threshold() {
    use std::io::Read;
    let test = TestDatabase::sqlite().await;
    let keys = tempfile::tempdir().unwrap();
    crate::seed(&test.database, 60, 0).await;
    let app = crate::app!(&test.database, &keys);
    // A page of 50 tracks is tens of kilobytes; `/health/live` is a few bytes.
    let identity = call(&app, get("/api/v1/tracks?limit=50").to_request()).await;
    assert!(identity.body.len() > 1024);
    assert!(!identity.headers.contains_key("content-encoding"));
    for (coding, decode) in [
        (
            "gzip",
            (|bytes: &[u8]| {
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(bytes)
                    .read_to_end(&mut out)
                    .unwrap();
                out
            }) as fn(&[u8]) -> Vec<u8>,
        ),
        ("br", |bytes: &[u8]| {
            let mut out = Vec::new();
            brotli::Decompressor::new(bytes, 4096)
                .read_to_end(&mut out)
                .unwrap();
            out
        }),
    ] {
        let large = call(
            &app,
            get("/api/v1/tracks?limit=50")
                .insert_header(("accept-encoding", coding))
                .to_request(),
        )
        .await;
        assert_eq!(large.headers.get("content-encoding").unwrap(), coding);
        assert!(large.body.len() < identity.body.len() / 2);
        assert_eq!(decode(&large.body), identity.body, "{coding}");
        let small = call(
            &app,
            TestRequest::get()
                .uri("/health/live")
                .insert_header(("accept-encoding", coding))
                .to_request(),
        )
        .await;
        assert!(small.body.len() < 1024);
        assert!(!small.headers.contains_key("content-encoding"), "{coding}");
        assert_eq!(small.json()["status"], "ok");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_ids_are_echoed_and_metrics_count_routes_by_pattern() {
    let test = TestDatabase::sqlite().await;
    let keys = tempfile::tempdir().unwrap();
    let app = crate::app!(&test.database, &keys);
    let echoed = call(
        &app,
        get("/api/v1/tracks/424242")
            .insert_header(("x-request-id", "client-chosen-id-1"))
            .to_request(),
    )
    .await;
    assert_eq!(echoed.status, 404);
    assert_eq!(
        echoed.headers.get("x-request-id").unwrap(),
        "client-chosen-id-1"
    );
    let generated = call(&app, TestRequest::get().uri("/api/v1/stats").to_request()).await;
    assert_eq!(generated.status, 401);
    assert!(!generated.headers.get("x-request-id").unwrap().is_empty());

    let scrape = call(&app, TestRequest::get().uri("/metrics").to_request()).await;
    assert_eq!(scrape.status, 200);
    let text = String::from_utf8(scrape.body).unwrap();
    assert!(
        text.lines()
            .any(|line| line.starts_with("http_requests_total")
                && line.contains("route=\"/api/v1/tracks/{id}\"")
                && line.contains("status=\"404\"")),
        "{text}"
    );
    assert!(text.contains("process_resident_memory_bytes"));
    assert!(!text.contains("424242"), "raw paths must not become labels");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_answers_configured_origins_only() {
    let test = TestDatabase::sqlite().await;
    let keys = tempfile::tempdir().unwrap();
    let secret_key = soulspot_infrastructure::secrets::SecretKey::load_or_create(
        &keys.path().join("secret.key"),
    )
    .unwrap();
    let state = soulspot_api::ApiState::new(
        test.database.clone(),
        XChaChaCipher::new(&secret_key),
        std::sync::Arc::new(soulspot_infrastructure::SystemClock),
        soulspot_api::MetricsEndpoint::install().unwrap(),
        soulspot_api::ApiSettings {
            api_key: soulspot_api::ApiKey::new(KEY.into()),
            cors_origins: vec!["http://localhost:3000".into()],
            max_body_bytes: crate::MAX_BODY,
            compression_min_bytes: 1024,
            metrics_require_key: false,
            limits: soulspot_api::ServerLimits::default(),
        },
    );
    let app = actix_web::test::init_service(soulspot_api::app(state)).await;
    // A browser's preflight carries no key; it is answered before authentication.
    let preflight = call(
        &app,
        TestRequest::default()
            .method(actix_web::http::Method::OPTIONS)
            .uri("/api/v1/settings")
            .insert_header(("origin", "http://localhost:3000"))
            .insert_header(("access-control-request-method", "PUT"))
            .insert_header(("access-control-request-headers", "x-api-key, content-type"))
            .to_request(),
    )
    .await;
    assert!(preflight.status < 300, "{preflight:?}");
    assert_eq!(
        preflight
            .headers
            .get("access-control-allow-origin")
            .unwrap(),
        "http://localhost:3000"
    );
    let allowed = call(
        &app,
        get("/api/v1/stats")
            .insert_header(("origin", "http://localhost:3000"))
            .to_request(),
    )
    .await;
    assert_eq!(allowed.status, 200);
    assert_eq!(
        allowed.headers.get("access-control-allow-origin").unwrap(),
        "http://localhost:3000"
    );
    let other = call(
        &app,
        get("/api/v1/stats")
            .insert_header(("origin", "https://evil.example"))
            .to_request(),
    )
    .await;
    assert!(!other.headers.contains_key("access-control-allow-origin"));
    if other.status >= 400 {
        assert_eq!(other.content_type(), "application/problem+json");
    }
}
