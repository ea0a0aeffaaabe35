//! `cargo xtask bench jobs`: the job store and the worker runtime under load. For each backend
//! and each slot count (1, 4, 16) on a fresh database: enqueue `--jobs` no-op jobs one by one (one
//! transaction each, as the API does), then let the real `Worker` drain them — claim with a lease,
//! run the no-op handler, write the success — and time both phases. Prints one markdown table per
//! backend for docs/PERFORMANCE.md, and fails when any job did not succeed exactly once.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use clap::Args;
use soulspot_domain::ports::JobRepository;
use soulspot_domain::{Job, JobFilter, JobKind, JobState, NewJob, PageRequest};
use soulspot_infrastructure::SystemClock;
use soulspot_infrastructure::{Database, PoolSettings};
use soulspot_testkit::TestDatabase;
use soulspot_testkit::database::POSTGRES_URL_VARIABLE;
use soulspot_worker::{HandlerFuture, JobContext, JobHandler, Worker, WorkerSettings};
use tokio::sync::{Notify, oneshot};

use super::report::with_thousands;

/// The slot counts every backend is measured with.
const SLOTS: [usize; 3] = [1, 4, 16];
const KIND: &str = "bench.noop";

#[derive(Debug, Args)]
pub struct JobsBenchArgs {
    /// PostgreSQL server to create fresh benchmark databases on (skipped when absent).
    #[arg(long, env = POSTGRES_URL_VARIABLE)]
    postgres_url: Option<String>,
    /// No-op jobs per measurement.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    jobs: u64,
}

/// One measurement: a backend, a slot count, and the two phases' durations.
#[derive(Debug, Clone, Copy)]
struct Run {
    slots: usize,
    enqueue: Duration,
    drain: Duration,
}

fn per_second(count: u64, elapsed: Duration) -> String {
    let seconds = elapsed.as_secs_f64();
    let rate = if seconds > 0.0 {
        (count as f64 / seconds).round() as u64
    } else {
        0
    };
    format!("{} jobs/s", with_thousands(rate))
}

pub async fn run(arguments: JobsBenchArgs) -> anyhow::Result<ExitCode> {
    if cfg!(debug_assertions) {
        return super::rerun_in_release().await;
    }
    let postgres_url = arguments.postgres_url.filter(|url| !url.trim().is_empty());
    let jobs = arguments.jobs;

    println!("## Job benchmark");
    println!();
    println!("{}", super::machine_line());
    println!();
    println!(
        "{jobs} no-op jobs per row on a fresh database: enqueued one by one (one transaction \
         each), then drained by the real worker runtime (claim with a lease, run, record the \
         success); the default pool ({pool} connections).",
        jobs = with_thousands(jobs),
        pool = PoolSettings::default().max_size,
    );
    println!();

    let mut runs = Vec::new();
    for slots in SLOTS {
        let sqlite = TestDatabase::sqlite_with(PoolSettings::default()).await;
        eprintln!("SQLite, {slots} slots");
        runs.push(
            measure(&sqlite.database, jobs, slots)
                .await
                .with_context(|| format!("SQLite, {slots} slots"))?,
        );
    }
    print_table("SQLite", jobs, &runs);

    match postgres_url {
        Some(server_url) => {
            let mut runs = Vec::new();
            for slots in SLOTS {
                let postgres = super::fresh_postgres(&server_url).await?;
                eprintln!("PostgreSQL, {slots} slots, in {}", postgres.name);
                let run = measure(&postgres.database, jobs, slots)
                    .await
                    .with_context(|| format!("PostgreSQL, {slots} slots"));
                postgres.drop_database().await;
                runs.push(run?);
            }
            print_table("PostgreSQL", jobs, &runs);
        }
        None => eprintln!("PostgreSQL skipped: pass --postgres-url or set {POSTGRES_URL_VARIABLE}"),
    }
    Ok(ExitCode::SUCCESS)
}

fn print_table(backend: &str, jobs: u64, runs: &[Run]) {
    println!("### {backend}");
    println!();
    println!("| slots | enqueue | claim + run + complete | end to end |");
    println!("|---|---|---|---|");
    for run in runs {
        println!(
            "| {} | {} ({:.1} s) | {} ({:.1} s) | {} |",
            run.slots,
            per_second(jobs, run.enqueue),
            run.enqueue.as_secs_f64(),
            per_second(jobs, run.drain),
            run.drain.as_secs_f64(),
            per_second(jobs, run.enqueue + run.drain),
        );
    }
    println!();
}

/// Counts its runs and wakes the benchmark when the last one has run.
struct Noop {
    runs: Arc<AtomicU64>,
    target: u64,
    all_ran: Arc<Notify>,
}

impl JobHandler for Noop {
    fn run<'a>(&'a self, _job: &'a Job, _context: &'a JobContext) -> HandlerFuture<'a> {
        Box::pin(async move {
            if self.runs.fetch_add(1, Ordering::SeqCst) + 1 == self.target {
                self.all_ran.notify_one();
            }
            Ok(None)
        })
    }
}

async fn measure(database: &Database, jobs: u64, slots: usize) -> anyhow::Result<Run> {
    let kind = JobKind::parse(KIND)?;
    let started = Instant::now();
    for _ in 0..jobs {
        database
            .enqueue(NewJob {
                kind: kind.clone(),
                payload: "{}".into(),
                priority: 0,
                dedupe_key: None,
                max_attempts: 3,
                run_at: None,
                limits: Default::default(),
            })
            .await?;
    }
    let enqueue = started.elapsed();

    let runs = Arc::new(AtomicU64::new(0));
    let all_ran = Arc::new(Notify::new());
    let mut settings = WorkerSettings::with_owner(format!("bench-{slots}"));
    settings.slots = slots;
    // Long enough that no lease expires and no grace period cuts a success short.
    settings.lease = Duration::from_secs(300);
    settings.shutdown_grace = Duration::from_secs(300);
    let worker = Worker::new(database.clone(), settings, Arc::new(SystemClock)).handle(
        kind.clone(),
        Noop {
            runs: runs.clone(),
            target: jobs,
            all_ran: all_ran.clone(),
        },
    );
    let (stop, stopped) = oneshot::channel::<()>();
    let started = Instant::now();
    let worker = tokio::spawn(worker.run(async {
        let _ = stopped.await;
    }));
    all_ran.notified().await;
    // Shutdown waits for the runs in flight to record their successes.
    let _ = stop.send(());
    worker.await??;
    let drain = started.elapsed();

    ensure!(
        runs.load(Ordering::SeqCst) == jobs,
        "{} runs for {jobs} jobs",
        runs.load(Ordering::SeqCst)
    );
    let succeeded = count(database, &kind, JobState::Succeeded).await?;
    ensure!(
        succeeded == jobs,
        "{succeeded} of {jobs} jobs recorded as succeeded"
    );
    Ok(Run {
        slots,
        enqueue,
        drain,
    })
}

async fn count(database: &Database, kind: &JobKind, state: JobState) -> anyhow::Result<u64> {
    let filter = JobFilter {
        kind: Some(kind.clone()),
        state: Some(state),
    };
    let mut total = 0;
    let mut page = PageRequest::first(500);
    loop {
        let jobs = database.list_jobs(filter.clone(), page).await?;
        total += jobs.items.len() as u64;
        match jobs.next {
            Some(next) => page = PageRequest::after(next, 500),
            None => return Ok(total),
        }
    }
}
