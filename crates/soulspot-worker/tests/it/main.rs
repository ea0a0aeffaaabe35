//! The worker runtime over a real SQLite job store, on paused tokio time where delays matter:
//! retries with backoff, dead jobs, cancellation of queued and running jobs, and shutdown that
//! gives leases back; per-kind limits; schedulers of several processes sharing one store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use soulspot_application::backoff::Backoff;
use soulspot_domain::ports::JobRepository;
use soulspot_domain::{Job, JobFilter, JobId, JobKind, JobState, NewJob, PageRequest};
use soulspot_infrastructure::Database;
use soulspot_infrastructure::TokioClock;
use soulspot_testkit::TestDatabase;
use soulspot_worker::{
    Clock, HandlerFuture, JobContext, JobFailure, JobHandler, Schedule, Scheduler, Worker,
    WorkerSettings,
};

mod kinds;
use tokio::sync::oneshot;

fn kind() -> JobKind {
    JobKind::parse("test.work").unwrap()
}

fn settings() -> WorkerSettings {
    let mut settings = WorkerSettings::with_owner("test-worker");
    settings.slots = 2;
    settings.poll_every = Duration::from_millis(100);
    settings.heartbeat_every = Duration::from_millis(200);
    settings.lease = Duration::from_secs(2);
    settings.shutdown_grace = Duration::from_millis(500);
    settings.backoff = Backoff {
        base: Duration::from_secs(10),
        max: Duration::from_secs(60),
        factor: 2.0,
    };
    settings
}

async fn enqueue(database: &Database, max_attempts: i32, now: chrono::NaiveDateTime) -> Job {
    database
        .enqueue(NewJob {
            kind: kind(),
            payload: "{}".into(),
            priority: 0,
            dedupe_key: None,
            max_attempts,
            run_at: Some(now),
            limits: Default::default(),
        })
        .await
        .unwrap()
}

/// Waits (on tokio time) until the job reaches a final state.
async fn until_final(database: &Database, id: JobId) -> Job {
    for _ in 0..10_000 {
        let job = database.job(id).await.unwrap();
        if job.state.is_final() {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job {id} never finished");
}

/// Fails `failures` times, then succeeds; records the tokio instant of every run.
struct Flaky {
    failures: u32,
    runs: Arc<AtomicU32>,
    at: Arc<Mutex<Vec<tokio::time::Instant>>>,
}

impl JobHandler for Flaky {
    fn run<'a>(&'a self, _job: &'a Job, _context: &'a JobContext) -> HandlerFuture<'a> {
        Box::pin(async move {
            self.at.lock().unwrap().push(tokio::time::Instant::now());
            let run = self.runs.fetch_add(1, Ordering::SeqCst) + 1;
            if run <= self.failures {
                Err(JobFailure::Retryable(format!("failure number {run}")))
            } else {
                Ok(Some("{\"ok\":true}".into()))
            }
        })
    }
}

fn spawn_worker(worker: Worker<Database>) -> (oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let (stop, stopped) = oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        worker
            .run(async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    (stop, handle)
}

#[tokio::test(start_paused = true)]
async fn fails_twice_then_succeeds_with_backoff_between_attempts() {
    let test = TestDatabase::sqlite().await;
    let clock = Arc::new(TokioClock::new());
    let job = enqueue(&test.database, 5, clock.now()).await;
    let runs = Arc::new(AtomicU32::new(0));
    let at = Arc::new(Mutex::new(Vec::new()));
    let settings = settings();
    let backoff = settings.backoff;
    let worker = Worker::new(test.database.clone(), settings, clock.clone()).handle(
        kind(),
        Flaky {
            failures: 2,
            runs: runs.clone(),
            at: at.clone(),
        },
    );
    let (stop, handle) = spawn_worker(worker);
    let done = until_final(&test.database, job.id).await;
    stop.send(()).unwrap();
    handle.await.unwrap();

    assert_eq!(done.state, JobState::Succeeded);
    assert_eq!(done.attempts, 3);
    assert_eq!(done.result.as_deref(), Some("{\"ok\":true}"));
    assert_eq!(runs.load(Ordering::SeqCst), 3);
    let at = at.lock().unwrap().clone();
    // The poll interval adds up to one poll of slack after the delay elapses.
    let slack = Duration::from_millis(300);
    for (attempt, pair) in at.windows(2).enumerate() {
        let waited = pair[1] - pair[0];
        let attempt = attempt as u32 + 1;
        assert!(
            waited >= backoff.lower_bound(attempt)
                && waited <= backoff.upper_bound(attempt) + slack,
            "attempt {attempt}: waited {waited:?}, bounds {:?}..{:?}",
            backoff.lower_bound(attempt),
            backoff.upper_bound(attempt)
        );
    }
}

#[tokio::test(start_paused = true)]
async fn always_failing_job_is_dead_after_its_attempts_with_the_last_error() {
    let test = TestDatabase::sqlite().await;
    let clock = Arc::new(TokioClock::new());
    let job = enqueue(&test.database, 3, clock.now()).await;
    let runs = Arc::new(AtomicU32::new(0));
    let worker = Worker::new(test.database.clone(), settings(), clock.clone()).handle(
        kind(),
        Flaky {
            failures: u32::MAX,
            runs: runs.clone(),
            at: Arc::default(),
        },
    );
    let (stop, handle) = spawn_worker(worker);
    let done = until_final(&test.database, job.id).await;
    stop.send(()).unwrap();
    handle.await.unwrap();
    assert_eq!(done.state, JobState::Dead);
    assert_eq!(done.attempts, 3);
    assert_eq!(done.error.as_deref(), Some("failure number 3"));
    assert_eq!(runs.load(Ordering::SeqCst), 3);
}

/// Reports progress every 100 ms until cancelled; counts its runs.
struct Patient {
    runs: Arc<AtomicU32>,
}

impl JobHandler for Patient {
    fn run<'a>(&'a self, _job: &'a Job, context: &'a JobContext) -> HandlerFuture<'a> {
        Box::pin(async move {
            self.runs.fetch_add(1, Ordering::SeqCst);
            for step in 0.. {
                if context
                    .report(step, None, Some(format!("step {step}")))
                    .is_err()
                {
                    return Err(JobFailure::Cancelled);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Ok(None)
        })
    }
}

#[tokio::test(start_paused = true)]
async fn cancelling_a_queued_job_means_it_never_runs_and_a_running_one_stops() {
    let test = TestDatabase::sqlite().await;
    let clock = Arc::new(TokioClock::new());
    let runs = Arc::new(AtomicU32::new(0));
    // Queued, and cancelled before any worker exists.
    let queued = enqueue(&test.database, 3, clock.now()).await;
    let cancelled = test.database.cancel(queued.id, clock.now()).await.unwrap();
    assert_eq!(cancelled.state, JobState::Cancelled);

    let running = enqueue(&test.database, 3, clock.now()).await;
    let worker = Worker::new(test.database.clone(), settings(), clock.clone())
        .handle(kind(), Patient { runs: runs.clone() });
    let (stop, handle) = spawn_worker(worker);
    // Wait until it runs and has reported progress.
    loop {
        let job = test.database.job(running.id).await.unwrap();
        if job.state == JobState::Running && job.progress.done > 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let requested = test.database.cancel(running.id, clock.now()).await.unwrap();
    assert_eq!(requested.state, JobState::Running);
    assert!(requested.cancel_requested);
    let done = until_final(&test.database, running.id).await;
    stop.send(()).unwrap();
    handle.await.unwrap();
    assert_eq!(done.state, JobState::Cancelled);
    assert_eq!(runs.load(Ordering::SeqCst), 1, "the queued job never ran");
    assert_eq!(test.database.job(queued.id).await.unwrap().attempts, 0);
}

#[tokio::test(start_paused = true)]
async fn shutdown_gives_unfinished_jobs_back_without_counting_the_attempt() {
    let test = TestDatabase::sqlite().await;
    let clock = Arc::new(TokioClock::new());
    let runs = Arc::new(AtomicU32::new(0));
    let job = enqueue(&test.database, 3, clock.now()).await;
    let worker = Worker::new(test.database.clone(), settings(), clock.clone())
        .handle(kind(), Patient { runs: runs.clone() });
    let (stop, handle) = spawn_worker(worker);
    while test.database.job(job.id).await.unwrap().state != JobState::Running {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(()).unwrap();
    handle.await.unwrap();
    let released = test.database.job(job.id).await.unwrap();
    assert_eq!(released.state, JobState::Queued);
    assert_eq!(released.attempts, 0);
    assert_eq!(released.lease_owner, None);
}

/// Sleeps a second of tokio time, recording how many runs of each kind overlap.
struct Counted {
    running: Arc<Mutex<HashMap<String, usize>>>,
    peaks: Arc<Mutex<HashMap<String, usize>>>,
    total_peak: Arc<AtomicU32>,
}

impl JobHandler for Counted {
    fn run<'a>(&'a self, job: &'a Job, _context: &'a JobContext) -> HandlerFuture<'a> {
        Box::pin(async move {
            let kind = job.kind.as_str().to_owned();
            {
                let mut running = self.running.lock().unwrap();
                let now = running.entry(kind.clone()).or_default();
                *now += 1;
                let mut peaks = self.peaks.lock().unwrap();
                let peak = peaks.entry(kind.clone()).or_default();
                *peak = (*peak).max(*now);
                let total: usize = running.values().sum();
                self.total_peak.fetch_max(total as u32, Ordering::SeqCst);
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
            *self.running.lock().unwrap().get_mut(&kind).unwrap() -= 1;
            Ok(None)
        })
    }
}

#[tokio::test(start_paused = true)]
async fn per_kind_limits_cap_one_kind_while_other_kinds_use_the_free_slots() {
    let test = TestDatabase::sqlite().await;
    let clock = Arc::new(TokioClock::new());
    let limited = JobKind::parse("test.limited").unwrap();
    let free = JobKind::parse("test.free").unwrap();
    let mut ids = Vec::new();
    for kind in [&limited, &free] {
        for _ in 0..6 {
            let job = test
                .database
                .enqueue(NewJob {
                    kind: kind.clone(),
                    payload: "{}".into(),
                    priority: 0,
                    dedupe_key: None,
                    max_attempts: 1,
                    run_at: Some(clock.now()),
                    limits: Default::default(),
                })
                .await
                .unwrap();
            ids.push(job.id);
        }
    }
    let handler = Counted {
        running: Arc::default(),
        peaks: Arc::default(),
        total_peak: Arc::default(),
    };
    let peaks = handler.peaks.clone();
    let total_peak = handler.total_peak.clone();
    let mut settings = settings();
    settings.slots = 4;
    settings.per_kind_limits.insert(limited.clone(), 1);
    let handler = Arc::new(handler);
    let worker = Worker::new(test.database.clone(), settings, clock.clone())
        .handle(limited.clone(), SharedHandler(handler.clone()))
        .handle(free.clone(), SharedHandler(handler));
    let (stop, handle) = spawn_worker(worker);
    for id in ids {
        assert_eq!(
            until_final(&test.database, id).await.state,
            JobState::Succeeded
        );
    }
    stop.send(()).unwrap();
    handle.await.unwrap();
    let peaks = peaks.lock().unwrap().clone();
    assert_eq!(peaks["test.limited"], 1, "{peaks:?}");
    // The limited kind always holds one slot while its queue lasts; the free kind takes the rest.
    assert_eq!(peaks["test.free"], 3, "{peaks:?}");
    assert_eq!(
        total_peak.load(Ordering::SeqCst),
        4,
        "never more than the slots"
    );
}

/// One handler registered for several kinds.
struct SharedHandler(Arc<Counted>);

impl JobHandler for SharedHandler {
    fn run<'a>(&'a self, job: &'a Job, context: &'a JobContext) -> HandlerFuture<'a> {
        self.0.run(job, context)
    }
}

/// Jobs of `kind`, by state.
async fn states_of(database: &Database, kind: &JobKind) -> Vec<Job> {
    let filter = JobFilter {
        kind: Some(kind.clone()),
        state: None,
    };
    database
        .list_jobs(filter, PageRequest::first(100))
        .await
        .unwrap()
        .items
}

/// A wall clock the test moves by hand (no paused tokio time, which would also hurry the
/// PostgreSQL pool's connect timeouts).
struct ManualClock(Mutex<chrono::NaiveDateTime>);

impl Clock for ManualClock {
    fn now(&self) -> chrono::NaiveDateTime {
        *self.0.lock().unwrap()
    }
}

impl ManualClock {
    fn advance(&self, by: chrono::Duration) {
        *self.0.lock().unwrap() += by;
    }
}

async fn two_schedulers_queue_each_run_once(database: Database) {
    let clock = Arc::new(ManualClock(Mutex::new(chrono::Utc::now().naive_utc())));
    let kind = JobKind::parse("test.periodic").unwrap();
    let schedule = Schedule {
        kind: kind.clone(),
        every: Duration::from_secs(3600),
        payload: "{}".into(),
        max_attempts: 3,
    };
    let first = Scheduler::new(
        database.clone(),
        vec![schedule.clone()],
        clock.clone(),
        Duration::from_secs(60),
    );
    let second = Scheduler::new(
        database.clone(),
        vec![schedule.clone()],
        clock.clone(),
        Duration::from_secs(60),
    );
    for _ in 0..5 {
        tokio::join!(first.tick_once(), second.tick_once());
    }
    let jobs = states_of(&database, &kind).await;
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    let upcoming = jobs[0].run_at;
    assert_eq!(upcoming, schedule.next_run(clock.now()));

    // The run comes due, one worker claims and finishes it; both schedulers then queue the next
    // run once between them.
    clock.advance(upcoming - clock.now() + chrono::Duration::seconds(1));
    let claimed = database
        .claim(
            "w",
            std::slice::from_ref(&kind),
            10,
            clock.now(),
            Duration::from_secs(30),
        )
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    // While it runs, ticking adds nothing.
    tokio::join!(first.tick_once(), second.tick_once());
    assert_eq!(states_of(&database, &kind).await.len(), 1);
    database
        .succeed(claimed[0].id, "w", None, clock.now())
        .await
        .unwrap();
    for _ in 0..3 {
        tokio::join!(first.tick_once(), second.tick_once());
    }
    let jobs = states_of(&database, &kind).await;
    assert_eq!(jobs.len(), 2, "{jobs:?}");
    let queued: Vec<&Job> = jobs
        .iter()
        .filter(|job| job.state == JobState::Queued)
        .collect();
    assert_eq!(queued.len(), 1, "{jobs:?}");
    assert_eq!(queued[0].run_at, upcoming + chrono::Duration::hours(1));
}

#[tokio::test]
async fn two_schedulers_never_double_a_periodic_run_on_sqlite() {
    let test = TestDatabase::sqlite().await;
    two_schedulers_queue_each_run_once(test.database.clone()).await;
}

#[tokio::test]
async fn two_schedulers_never_double_a_periodic_run_on_postgres() {
    let Some(test) =
        TestDatabase::postgres("two_schedulers_never_double_a_periodic_run_on_postgres").await
    else {
        return;
    };
    two_schedulers_queue_each_run_once(test.database.clone()).await;
    test.drop_database().await;
}
