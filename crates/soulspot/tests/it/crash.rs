//! Crash test: 200 jobs that each take a few hundred milliseconds, a worker process killed with
//! SIGKILL at random moments five times and restarted each time. In the end every job succeeded,
//! exactly once in effect (a marker file per job), none is stuck running, none is lost.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Child;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rand::Rng;
use soulspot_domain::ports::JobRepository;
use soulspot_domain::{JobFilter, JobKind, JobState, NewJob, PageRequest};
use soulspot_infrastructure::{Database, DatabaseUrl, PoolSettings};

const JOBS: usize = 200;

/// Starts `soulspot worker` with a short lease and the diagnostic job kind; returns once it runs.
#[expect(
    clippy::zombie_processes,
    reason = "the caller kills and waits for the child it gets back"
)]
fn start_worker(directory: &Path) -> Child {
    let mut child = crate::command(directory)
        .arg("worker")
        .env("SOULSPOT_WORKER__DIAGNOSTIC_JOBS", "true")
        .env("SOULSPOT_WORKER__SLOTS", "4")
        .env("SOULSPOT_WORKER__LEASE_SECS", "3")
        .env("SOULSPOT_WORKER__HEARTBEAT_SECS", "1")
        .env("SOULSPOT_WORKER__POLL_SECS", "1")
        .env("SOULSPOT_WORKER__RETRY_BASE_SECS", "1")
        .env("SOULSPOT_WORKER__RETRY_MAX_SECS", "2")
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (sender, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    loop {
        let line = lines
            .recv_timeout(Duration::from_secs(30))
            .expect("the worker did not start");
        if line.contains("worker started") {
            // Keep draining so the child never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines {});
            return child;
        }
    }
}

async fn open(directory: &Path) -> Database {
    let url = DatabaseUrl::Sqlite(directory.join("data/soulspot.db"));
    Database::connect(&url, &PoolSettings::default())
        .await
        .unwrap()
}

async fn counts(database: &Database) -> HashMap<JobState, usize> {
    let mut counts = HashMap::new();
    let mut page = PageRequest::first(500);
    loop {
        // Only the test's kind: the scheduler also queues the next maintenance run.
        let filter = JobFilter {
            kind: Some(JobKind::parse("diagnostics.sleep").unwrap()),
            state: None,
        };
        let jobs = database.list_jobs(filter, page).await.unwrap();
        for job in &jobs.items {
            *counts.entry(job.state).or_default() += 1;
        }
        match jobs.next {
            Some(next) => page = PageRequest::after(next, 500),
            None => return counts,
        }
    }
}

#[test]
fn killed_workers_lose_no_job_and_run_each_once_in_effect() {
    let directory = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = crate::run_to_end(directory.path(), &["migrate"]);
    assert!(ok, "{stderr}");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let database = runtime.block_on(open(directory.path()));
    runtime.block_on(async {
        let kind = JobKind::parse("diagnostics.sleep").unwrap();
        for _ in 0..JOBS {
            database
                .enqueue(NewJob {
                    kind: kind.clone(),
                    payload: "{\"ms\":300}".into(),
                    priority: 0,
                    dedupe_key: None,
                    max_attempts: 20,
                    run_at: None,
                })
                .await
                .unwrap();
        }
    });

    let mut random = rand::rng();
    for _ in 0..5 {
        let mut worker = start_worker(directory.path());
        std::thread::sleep(Duration::from_millis(random.random_range(500..2_500)));
        worker.kill().unwrap(); // SIGKILL: no shutdown, no lease released.
        worker.wait().unwrap();
    }
    let mut worker = start_worker(directory.path());
    let deadline = Instant::now() + Duration::from_secs(180);
    let final_counts = loop {
        let counts = runtime.block_on(counts(&database));
        if counts.get(&JobState::Succeeded) == Some(&JOBS) || Instant::now() > deadline {
            break counts;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    let _ = worker.kill();
    let _ = worker.wait();
    assert_eq!(
        final_counts.get(&JobState::Succeeded),
        Some(&JOBS),
        "{final_counts:?}"
    );
    assert_eq!(
        final_counts.values().sum::<usize>(),
        JOBS,
        "{final_counts:?}"
    );

    // Every job's effect exists once; attempts cut short by a kill left a start without an end,
    // and no job ended twice.
    let effects = directory.path().join("data/diagnostics");
    let markers = std::fs::read_dir(&effects)
        .unwrap()
        .filter(|entry| {
            entry
                .as_ref()
                .is_ok_and(|entry| entry.file_name().to_string_lossy().ends_with(".done"))
        })
        .count();
    assert_eq!(markers, JOBS);
    let log = std::fs::read_to_string(effects.join("runs.log")).unwrap();
    let mut ended = HashSet::new();
    let mut starts = 0;
    for line in log.lines() {
        let mut fields = line.split_whitespace();
        match fields.next() {
            Some("start") => starts += 1,
            Some("end") => {
                let id = fields.next().unwrap().to_owned();
                assert!(ended.insert(id.clone()), "job {id} ran to its end twice");
            }
            _ => panic!("unexpected line {line:?}"),
        }
    }
    assert_eq!(ended.len(), JOBS);
    // The kills really cut attempts short (each kill lands while four jobs run).
    assert!(
        starts > JOBS,
        "{starts} starts for {JOBS} jobs: no attempt was interrupted"
    );
}
