//! A job kind added the way every kind is: a unit type and a runner (what a feature's module in
//! the application crate holds), one `Kinds::with_runner` line, and a typed enqueue. Nothing else in the
//! worker, the store or the API learns of it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use soulspot_application::JobService;
use soulspot_application::jobs::{
    JobContext, JobKindDefinition, JobResult, JobRunner, JobSchedule,
};
use soulspot_domain::JobState;
use soulspot_domain::ports::JobRepository;
use soulspot_infrastructure::TokioClock;
use soulspot_testkit::TestDatabase;
use soulspot_worker::{Kinds, Scheduler, Worker};

use super::{settings, spawn_worker, until_final};

/// The kind: a greeting for someone.
struct Greeting;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct GreetingPayload {
    name: String,
}

impl JobKindDefinition for Greeting {
    const NAME: &'static str = "test.greeting";
    const MAX_ATTEMPTS: i32 = 2;
    const PER_WORKER_LIMIT: Option<usize> = Some(1);
    type Payload = GreetingPayload;

    fn dedupe_key(payload: &GreetingPayload) -> Option<String> {
        Some(format!("{}:{}", Self::NAME, payload.name))
    }
}

/// Its runner, over whatever it needs (here a counter).
struct GreetingRunner {
    runs: Arc<AtomicU32>,
}

impl JobRunner for GreetingRunner {
    type Kind = Greeting;

    async fn run(&self, payload: GreetingPayload, context: &JobContext) -> JobResult {
        self.runs.fetch_add(1, Ordering::SeqCst);
        context.report(1, Some(1), Some(format!("greeted {}", payload.name)))?;
        Ok(Some(
            serde_json::json!({ "greeting": format!("hello, {}", payload.name) }).to_string(),
        ))
    }

    fn schedule(&self) -> Option<JobSchedule<GreetingPayload>> {
        Some(JobSchedule {
            every: Duration::from_secs(3600),
            payload: GreetingPayload {
                name: "the hour".into(),
            },
        })
    }
}

#[tokio::test(start_paused = true)]
async fn a_kind_defined_once_is_enqueued_typed_run_and_scheduled() {
    let test = TestDatabase::sqlite().await;
    let clock: Arc<TokioClock> = Arc::new(TokioClock::new());
    let runs = Arc::new(AtomicU32::new(0));
    // The one wiring line.
    let kinds = Kinds::new()
        .with_runner(GreetingRunner {
            runs: Arc::clone(&runs),
        })
        .unwrap();

    let jobs = JobService::new(test.database.clone(), clock.clone());
    let payload = GreetingPayload { name: "Ada".into() };
    let job = jobs.enqueue::<Greeting>(&payload).await.unwrap();
    assert_eq!(job.kind.as_str(), "test.greeting");
    assert_eq!(job.max_attempts, 2);
    assert_eq!(job.dedupe_key.as_deref(), Some("test.greeting:Ada"));
    // The dedupe key is the kind's: the same payload is the same job while it waits.
    assert_eq!(jobs.enqueue::<Greeting>(&payload).await.unwrap().id, job.id);

    let worker = Worker::new(test.database.clone(), settings(), clock.clone()).kinds(&kinds);
    let (stop, handle) = spawn_worker(worker);
    let done = until_final(&test.database, job.id).await;
    assert_eq!(done.state, JobState::Succeeded);
    assert_eq!(done.result.as_deref(), Some(r#"{"greeting":"hello, Ada"}"#));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    stop.send(()).unwrap();
    handle.await.unwrap();

    // Its schedule comes from the same definition.
    let schedules = kinds.schedules();
    assert_eq!(schedules.len(), 1);
    assert_eq!(schedules[0].every, Duration::from_secs(3600));
    Scheduler::new(
        test.database.clone(),
        schedules,
        clock,
        Duration::from_secs(60),
    )
    .tick_once()
    .await;
    let queued = test
        .database
        .list_jobs(
            soulspot_domain::JobFilter {
                kind: Some(soulspot_domain::JobKind::parse("test.greeting").unwrap()),
                state: Some(JobState::Queued),
            },
            soulspot_domain::PageRequest::first(10),
        )
        .await
        .unwrap();
    assert_eq!(queued.items.len(), 1);
    assert_eq!(queued.items[0].payload, r#"{"name":"the hour"}"#);
    assert_eq!(
        queued.items[0].dedupe_key.as_deref(),
        Some("schedule:test.greeting")
    );
}

#[tokio::test(start_paused = true)]
async fn a_stored_payload_that_does_not_read_is_a_permanent_failure() {
    let test = TestDatabase::sqlite().await;
    let clock = Arc::new(TokioClock::new());
    let kinds = Kinds::new()
        .with_runner(GreetingRunner {
            runs: Arc::new(AtomicU32::new(0)),
        })
        .unwrap();
    let job = test
        .database
        .enqueue(soulspot_domain::NewJob {
            kind: soulspot_domain::JobKind::parse("test.greeting").unwrap(),
            payload: r#"{"nom":"Ada"}"#.into(),
            priority: 0,
            dedupe_key: None,
            max_attempts: 2,
            run_at: None,
            limits: Default::default(),
        })
        .await
        .unwrap();
    let worker = Worker::new(test.database.clone(), settings(), clock).kinds(&kinds);
    let (stop, handle) = spawn_worker(worker);
    let done = until_final(&test.database, job.id).await;
    assert_eq!(done.state, JobState::Dead);
    assert_eq!(done.attempts, 1, "not retried");
    assert!(
        done.error
            .as_deref()
            .is_some_and(|error| error.contains("payload of a test.greeting job is not valid")),
        "{:?}",
        done.error
    );
    stop.send(()).unwrap();
    handle.await.unwrap();
}
