//! Jobs over HTTP: 202 + Location for long work, cancel and retry, live events over SSE (in order,
//! and a `lagged` event instead of unbounded buffering), worker health with circuit breakers in
//! `/health/workers`, `/health/ready` and `/metrics`.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::test::TestRequest;
use soulspot_api::EventSource;
use soulspot_application::breaker::BreakerSettings;
use soulspot_application::health::HealthRegistry;
use soulspot_domain::ports::JobRepository;
use soulspot_domain::{Job, JobKind, NewJob};
use soulspot_infrastructure::SystemClock;
use soulspot_testkit::TestDatabase;
use soulspot_worker::{HandlerFuture, JobContext, JobHandler, Worker, WorkerSettings};

use crate::{KEY, call, get};

fn post(path: &str) -> TestRequest {
    TestRequest::post()
        .uri(path)
        .insert_header(("x-api-key", KEY))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_work_answers_202_and_jobs_can_be_cancelled_and_retried() {
    let test = TestDatabase::sqlite().await;
    let keys = tempfile::tempdir().unwrap();
    let app = crate::app!(&test.database, &keys);
    let started = call(&app, post("/api/v1/maintenance/database").to_request()).await;
    assert_eq!(started.status, 202);
    let job = started.json();
    let id = job["id"].as_i64().unwrap();
    assert_eq!(
        started.headers.get("location").unwrap().to_str().unwrap(),
        format!("/api/v1/jobs/{id}")
    );
    assert_eq!(job["state"], "queued");
    assert_eq!(job["kind"], "maintenance.database");
    // Asking again while it waits returns the same job.
    let again = call(&app, post("/api/v1/maintenance/database").to_request())
        .await
        .json();
    assert_eq!(again["id"], id);

    let listed = call(
        &app,
        get("/api/v1/jobs?state=queued&kind=maintenance.database").to_request(),
    )
    .await
    .json();
    assert_eq!(listed["items"][0]["id"], id);
    let cancelled = call(
        &app,
        post(&format!("/api/v1/jobs/{id}/cancel")).to_request(),
    )
    .await;
    assert_eq!(cancelled.json()["state"], "cancelled");
    let twice = call(
        &app,
        post(&format!("/api/v1/jobs/{id}/cancel")).to_request(),
    )
    .await;
    assert_eq!(twice.status, 409);
    let retried = call(&app, post(&format!("/api/v1/jobs/{id}/retry")).to_request()).await;
    assert_eq!(retried.status, 202);
    assert_eq!(retried.json()["state"], "queued");
    let retried_twice = call(&app, post(&format!("/api/v1/jobs/{id}/retry")).to_request()).await;
    assert_eq!(retried_twice.status, 409);
    for (uri, status) in [
        ("/api/v1/jobs/999999", 404),
        ("/api/v1/jobs?state=sleeping", 400),
        ("/api/v1/jobs?kind=Not%20A%20Kind", 400),
    ] {
        assert_eq!(
            call(&app, get(uri).to_request()).await.status,
            status,
            "{uri}"
        );
    }
}

/// Reports progress 1..=5, then succeeds.
struct Counting;

impl JobHandler for Counting {
    fn run<'a>(&'a self, _job: &'a Job, context: &'a JobContext) -> HandlerFuture<'a> {
        Box::pin(async move {
            for done in 1..=5 {
                tokio::time::sleep(Duration::from_millis(300)).await;
                context
                    .report(done, Some(5), None)
                    .map_err(|_| soulspot_worker::JobFailure::Cancelled)?;
            }
            Ok(None)
        })
    }
}

/// The next SSE frame of a streaming body (`None` when it ended or `within` passed).
async fn next_frame<B: MessageBody>(body: &mut Pin<Box<B>>, within: Duration) -> Option<String> {
    let chunk = tokio::time::timeout(
        within,
        std::future::poll_fn(|cx| body.as_mut().poll_next(cx)),
    )
    .await
    .ok()??
    .ok()?;
    Some(String::from_utf8(chunk.to_vec()).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_stream_a_running_jobs_progress_in_order() {
    let test = TestDatabase::sqlite().await;
    let keys = tempfile::tempdir().unwrap();
    let state = crate::state(&test.database, &keys)
        .with_events(EventSource(Arc::new(test.database.clone())));
    let app = actix_web::test::init_service(soulspot_api::app(state)).await;
    let response = actix_web::test::call_service(&app, get("/api/v1/events").to_request()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "text/event-stream"
    );
    let mut body = Box::pin(response.into_body());
    assert_eq!(
        next_frame(&mut body, Duration::from_secs(5)).await.unwrap(),
        ": connected\n\n"
    );

    let kind = JobKind::parse("test.counting").unwrap();
    let job = test
        .database
        .enqueue(NewJob {
            kind: kind.clone(),
            payload: "{}".into(),
            priority: 0,
            dedupe_key: None,
            max_attempts: 1,
            run_at: None,
            limits: Default::default(),
        })
        .await
        .unwrap();
    let mut settings = WorkerSettings::with_owner("events-test");
    settings.poll_every = Duration::from_millis(50);
    let worker =
        Worker::new(test.database.clone(), settings, Arc::new(SystemClock)).handle(kind, Counting);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(worker.run(async {
        let _ = stopped.await;
    }));

    let mut progress = Vec::new();
    let mut states = Vec::new();
    while let Some(frame) = next_frame(&mut body, Duration::from_secs(10)).await {
        let Some(data) = frame.strip_prefix("event: job\ndata: ") else {
            continue;
        };
        let notice: serde_json::Value = serde_json::from_str(data.trim()).unwrap();
        if notice["id"] != job.id.0 {
            continue;
        }
        progress.push(notice["progress"]["done"].as_i64().unwrap());
        states.push(notice["state"].as_str().unwrap().to_owned());
        if notice["state"] == "succeeded" {
            break;
        }
    }
    stop.send(()).unwrap();
    running.await.unwrap().unwrap();
    assert_eq!(
        states.last().map(String::as_str),
        Some("succeeded"),
        "{states:?}"
    );
    assert!(states.contains(&"running".to_owned()), "{states:?}");
    assert!(
        progress.windows(2).all(|pair| pair[0] <= pair[1]),
        "progress out of order: {progress:?}"
    );
    assert!(
        progress.iter().filter(|done| **done > 0).count() >= 2,
        "{progress:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_does_not_read_lags_instead_of_buffering() {
    let test = TestDatabase::sqlite().await;
    let source = EventSource(Arc::new(test.database.clone()));
    let stream = soulspot_api::events::event_stream(&source, Duration::from_secs(3600));
    let mut stream = Box::pin(stream);
    use futures::StreamExt;
    assert!(
        stream
            .next()
            .await
            .unwrap()
            .unwrap()
            .starts_with(b": connected")
    );
    // Far more changes than the channel holds, while this client reads nothing.
    let kind = JobKind::parse("test.flood").unwrap();
    for _ in 0..1_100 {
        test.database
            .enqueue(NewJob {
                kind: kind.clone(),
                payload: "{}".into(),
                priority: 0,
                dedupe_key: None,
                max_attempts: 1,
                run_at: None,
                limits: Default::default(),
            })
            .await
            .unwrap();
    }
    let frame = stream.next().await.unwrap().unwrap();
    let frame = String::from_utf8(frame.to_vec()).unwrap();
    assert!(
        frame.starts_with("event: lagged\ndata: {\"missed\":"),
        "{frame}"
    );
    // What is left to read is bounded by the channel, not by what happened.
    let mut left = 0;
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(200), stream.next()).await {
        left += 1;
    }
    assert!(left <= 1_024, "{left} frames were buffered for one client");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_breaker_shows_in_workers_ready_and_metrics() {
    let test = TestDatabase::sqlite().await;
    let keys = tempfile::tempdir().unwrap();
    let health = HealthRegistry::new(std::sync::Arc::new(soulspot_infrastructure::SystemClock));
    let worker = health.register_worker("worker test", true);
    worker.started();
    worker.succeeded();
    let upstream = health.register_upstream(
        "slskd",
        true,
        BreakerSettings {
            failure_threshold: 3,
            cool_down: Duration::from_secs(60),
            half_open_probes: 1,
        },
    );
    let app = actix_web::test::init_service(soulspot_api::app(
        crate::state(&test.database, &keys).with_health(health.clone()),
    ))
    .await;
    let ready = call(&app, TestRequest::get().uri("/health/ready").to_request()).await;
    assert_eq!(ready.status, 200, "{ready:?}");

    let breaker = upstream.breaker().unwrap();
    for _ in 0..3 {
        breaker.try_acquire().unwrap().failed();
        upstream.failed("connection refused");
    }
    assert!(breaker.try_acquire().is_err(), "an open breaker fails fast");
    let workers = call(&app, TestRequest::get().uri("/health/workers").to_request())
        .await
        .json();
    let slskd = workers
        .as_array()
        .unwrap()
        .iter()
        .find(|component| component["name"] == "slskd")
        .unwrap()
        .clone();
    assert_eq!(slskd["breaker"], "open");
    assert_eq!(slskd["kind"], "upstream");
    assert_eq!(slskd["consecutive_failures"], 3);
    assert_eq!(
        slskd["last_error"],
        serde_json::Value::Null,
        "an open route shows states, not what an upstream wrote"
    );
    let keyed = call(
        &app,
        TestRequest::get()
            .uri("/health/workers")
            .insert_header(("X-Api-Key", crate::KEY))
            .to_request(),
    )
    .await
    .json();
    let slskd_in_detail = keyed
        .as_array()
        .unwrap()
        .iter()
        .find(|component| component["name"] == "slskd")
        .unwrap()
        .clone();
    assert_eq!(slskd_in_detail["last_error"], "connection refused");
    let ready = call(&app, TestRequest::get().uri("/health/ready").to_request()).await;
    assert_eq!(ready.status, 503);
    let detail = ready.json()["checks"][1]["detail"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(detail.contains("slskd"), "{detail}");
    assert!(!detail.contains("connection refused"), "{detail}");
    let metrics = call(&app, TestRequest::get().uri("/metrics").to_request()).await;
    let text = String::from_utf8(metrics.body).unwrap();
    assert!(
        text.lines()
            .any(|line| line.starts_with("soulspot_circuit_breaker_state")
                && line.contains("name=\"slskd\"")
                && line.ends_with(" 2")),
        "{text}"
    );
}
