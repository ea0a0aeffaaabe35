//! Crash tests: 200 jobs that each take a few hundred milliseconds, worker processes killed with
//! SIGKILL at random moments and restarted each time — one process on SQLite, two cooperating
//! processes on PostgreSQL killed alternately. In the end every job succeeded, exactly once in
//! effect (a marker file per job), none is stuck running, none is lost, and (from the attempts'
//! start and end times in `runs.log`) no job ever ran in two processes at once.

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

/// Where the processes under test keep their jobs.
struct Deployment<'a> {
    directory: &'a Path,
    /// `None`: the default SQLite file under `./data`.
    database_url: Option<String>,
}

/// A running `soulspot worker` and the lease owner it announced.
struct WorkerProcess {
    child: Child,
    owner: String,
}

impl Deployment<'_> {
    fn command(&self) -> std::process::Command {
        let mut command = crate::command(self.directory);
        if let Some(url) = &self.database_url {
            command.args(["--database-url", url]);
        }
        command
    }

    /// Starts `soulspot worker` with a short lease and the diagnostic job kind; returns once it
    /// runs.
    #[expect(
        clippy::zombie_processes,
        reason = "the caller kills and waits for the child it gets back"
    )]
    fn start_worker(&self) -> WorkerProcess {
        let mut child = self
            .command()
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
                let owner = line
                    .split_whitespace()
                    .find_map(|field| field.strip_prefix("owner="))
                    .unwrap_or_else(|| panic!("no owner in {line:?}"))
                    .trim_matches('"')
                    .to_owned();
                // Keep draining so the child never blocks on a full pipe.
                std::thread::spawn(move || for _ in lines {});
                return WorkerProcess { child, owner };
            }
        }
    }

    async fn open(&self) -> Database {
        let url = match &self.database_url {
            Some(url) => DatabaseUrl::parse(url).unwrap(),
            None => DatabaseUrl::Sqlite(self.directory.join("data/soulspot.db")),
        };
        Database::connect(&url, &PoolSettings::default())
            .await
            .unwrap()
    }
}

impl WorkerProcess {
    /// SIGKILL: no shutdown, no lease released. Returns the owner and the moment (UTC
    /// microseconds) by which the process had certainly stopped writing.
    fn kill(mut self) -> (String, i64) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap();
        (self.owner, i64::try_from(now.as_micros()).unwrap())
    }
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

/// Migrates, enqueues the jobs, kills and restarts `processes` workers (in turn) `kills` times,
/// lets the survivors finish and checks the outcome.
fn crash_and_recover(deployment: &Deployment<'_>, processes: usize, kills: usize) {
    let output = deployment.command().arg("migrate").output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let database = runtime.block_on(deployment.open());
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
                    limits: Default::default(),
                })
                .await
                .unwrap();
        }
    });

    let mut random = rand::rng();
    let mut workers: Vec<WorkerProcess> =
        (0..processes).map(|_| deployment.start_worker()).collect();
    let mut killed_at: HashMap<String, i64> = HashMap::new();
    for round in 0..kills {
        std::thread::sleep(Duration::from_millis(random.random_range(500..2_500)));
        let victim = round % processes;
        let replacement = deployment.start_worker();
        let (owner, at) = std::mem::replace(&mut workers[victim], replacement).kill();
        killed_at.insert(owner, at);
    }
    let deadline = Instant::now() + Duration::from_secs(180);
    let final_counts = loop {
        let counts = runtime.block_on(counts(&database));
        if counts.get(&JobState::Succeeded) == Some(&JOBS) || Instant::now() > deadline {
            break counts;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    let survivors: Vec<String> = workers.iter().map(|worker| worker.owner.clone()).collect();
    for worker in workers {
        worker.kill();
    }
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
    let finishers = check_effects(
        &deployment.directory.join("data/diagnostics"),
        &killed_at,
        &survivors,
    );
    assert!(
        finishers >= processes,
        "jobs finished in {finishers} processes; {processes} ran at once"
    );
}

/// One attempt of one job, from `runs.log`.
#[derive(Debug)]
struct Attempt {
    owner: String,
    start: i64,
    /// The attempt's `end` line, or the kill of its process.
    end: i64,
}

/// Every job's effect exists once; attempts cut short by a kill left a start without an end and
/// ended with their process; a job ran to its end more than once only when a kill cut off the
/// process between the effect and the recorded success (the effect is idempotent, the run is
/// at-least-once); no two attempts of a job overlapped. Returns how
/// many processes finished jobs.
fn check_effects(effects: &Path, killed_at: &HashMap<String, i64>, survivors: &[String]) -> usize {
    let markers = std::fs::read_dir(effects)
        .unwrap()
        .filter(|entry| {
            entry
                .as_ref()
                .is_ok_and(|entry| entry.file_name().to_string_lossy().ends_with(".done"))
        })
        .count();
    assert_eq!(markers, JOBS);
    let log = std::fs::read_to_string(effects.join("runs.log")).unwrap();
    let mut ends: HashMap<String, Vec<(String, i64)>> = HashMap::new();
    let mut open: HashMap<(String, String), i64> = HashMap::new();
    let mut attempts: HashMap<String, Vec<Attempt>> = HashMap::new();
    let mut starts = 0;
    let mut finishers = HashSet::new();
    for line in log.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [event, id, owner, at] = fields[..] else {
            panic!("unexpected line {line:?}");
        };
        let at: i64 = at.parse().unwrap();
        let key = (id.to_owned(), owner.to_owned());
        match event {
            "start" => {
                starts += 1;
                assert!(
                    open.insert(key, at).is_none(),
                    "{owner} started job {id} twice at once"
                );
            }
            "end" => {
                ends.entry(id.to_owned())
                    .or_default()
                    .push((owner.to_owned(), at));
                finishers.insert(owner.to_owned());
                let start = open
                    .remove(&key)
                    .unwrap_or_else(|| panic!("{line:?} has no start"));
                attempts.entry(id.to_owned()).or_default().push(Attempt {
                    owner: owner.to_owned(),
                    start,
                    end: at,
                });
            }
            _ => panic!("unexpected line {line:?}"),
        }
    }
    assert_eq!(ends.len(), JOBS);
    for (id, mut job_ends) in ends {
        job_ends.sort_by_key(|(_, at)| *at);
        // Every end but the last was followed by its process's death before the success was
        // written: otherwise the job would not have run again.
        for (owner, at) in &job_ends[..job_ends.len() - 1] {
            let killed = killed_at.get(owner).copied();
            assert!(
                killed.is_some_and(|killed| killed >= *at),
                "job {id} ran to its end in {owner} at {at} and again later, though {owner} was \
                 not killed after that end ({killed:?}): {job_ends:?}"
            );
        }
    }
    for ((id, owner), start) in open {
        assert!(
            !survivors.contains(&owner),
            "job {id} started in {owner}, which was never killed, and never ended"
        );
        let end = *killed_at
            .get(&owner)
            .unwrap_or_else(|| panic!("job {id}: unknown owner {owner}"));
        attempts
            .entry(id)
            .or_default()
            .push(Attempt { owner, start, end });
    }
    for (id, mut runs) in attempts {
        runs.sort_by_key(|attempt| attempt.start);
        for pair in runs.windows(2) {
            assert!(
                pair[0].end <= pair[1].start,
                "job {id} ran in {} and {} at once: {pair:?}",
                pair[0].owner,
                pair[1].owner
            );
        }
    }
    // The kills really cut attempts short (each kill lands while jobs run).
    assert!(
        starts > JOBS,
        "{starts} starts for {JOBS} jobs: no attempt was interrupted"
    );
    finishers.len()
}

#[test]
fn killed_workers_lose_no_job_and_run_each_once_in_effect() {
    let directory = tempfile::tempdir().unwrap();
    let deployment = Deployment {
        directory: directory.path(),
        database_url: None,
    };
    crash_and_recover(&deployment, 1, 5);
}

#[test]
fn two_workers_on_postgres_killed_alternately_never_run_a_job_twice_at_once() {
    let Some(server_url) = soulspot_testkit::postgres_url_for_tests(
        "two_workers_on_postgres_killed_alternately_never_run_a_job_twice_at_once",
    ) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (_, database_url) = runtime.block_on(soulspot_testkit::create_empty_postgres_database(
        &server_url,
    ));
    let directory = tempfile::tempdir().unwrap();
    let deployment = Deployment {
        directory: directory.path(),
        database_url: Some(database_url),
    };
    crash_and_recover(&deployment, 2, 6);
}
