//! Builds the job runtime of this process from the configuration: the worker with its handlers,
//! and the scheduler of periodic kinds.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use soulspot_application::backoff::Backoff;
use soulspot_application::health::HealthRegistry;
use soulspot_application::jobs::{DatabaseMaintenanceRunner, JobKindDefinition};
use soulspot_application::scan::LibraryScanRunner;
use soulspot_domain::JobKind;
use soulspot_infrastructure::Database;
use soulspot_infrastructure::tags::LoftyTagReader;
use soulspot_infrastructure::walk::FsWalker;
use soulspot_worker::{
    Clock, DiagnosticSleep, DiagnosticSleepRunner, Kinds, Scheduler, Worker, WorkerSettings,
};

use crate::config::{LibraryConfig, WorkerConfig};

/// How often the scheduler makes sure each periodic kind has its next job queued.
const SCHEDULER_TICK: Duration = Duration::from_secs(60);

/// A lease owner unique to this process: host name, process id and a random part (a restarted
/// process with a recycled pid must not be mistaken for its predecessor).
fn owner_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "host".to_owned());
    format!(
        "{host}-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

pub fn settings(config: &WorkerConfig) -> anyhow::Result<WorkerSettings> {
    let mut settings = WorkerSettings::with_owner(owner_name());
    settings.slots = config.slots;
    settings.lease = Duration::from_secs(config.lease_secs);
    settings.heartbeat_every = Duration::from_secs(config.heartbeat_secs);
    settings.poll_every = Duration::from_secs(config.poll_secs);
    settings.reclaim_every = Duration::from_secs(config.lease_secs.div_ceil(2).max(1));
    settings.shutdown_grace = Duration::from_secs(config.shutdown_grace_secs);
    settings.backoff = Backoff {
        base: Duration::from_secs(config.retry_base_secs),
        max: Duration::from_secs(config.retry_max_secs),
        factor: 2.0,
    };
    for (kind, limit) in &config.per_kind_limits {
        settings.per_kind_limits.insert(
            JobKind::parse(kind).context("worker.per_kind_limits")?,
            *limit,
        );
    }
    Ok(settings)
}

/// Every job kind this process runs, one line each: the runner built over the ports it needs.
pub fn kinds(
    database: &Database,
    config: &WorkerConfig,
    library: &LibraryConfig,
    data_dir: &std::path::Path,
    owner: &str,
    clock: &Arc<dyn Clock>,
) -> anyhow::Result<Kinds> {
    let every = |hours: u64| (hours > 0).then(|| Duration::from_secs(hours * 3600));
    let mut kinds = Kinds::new().with_runner(DatabaseMaintenanceRunner::new(
        database.clone(),
        clock.clone(),
        Duration::from_secs(config.keep_finished_jobs_days * 24 * 3600),
        every(config.maintenance_every_hours),
    ))?;
    // Without a music folder there is nothing to scan; the API refuses scan requests then.
    if !library.music_folder.as_os_str().is_empty() {
        kinds = kinds.with_runner(LibraryScanRunner::new(
            Arc::new(database.clone()),
            Arc::new(FsWalker::new()),
            Arc::new(LoftyTagReader::new()),
            clock.clone(),
            library.scan_settings(),
            library.music_folder.clone(),
        ))?;
    }
    if config.diagnostic_jobs {
        kinds = kinds.with_handler(
            DiagnosticSleep::NAME,
            DiagnosticSleepRunner::new(data_dir.join("diagnostics"), owner, clock.clone()),
        )?;
    }
    Ok(kinds)
}

/// The worker running `kinds`, reporting to `health`.
pub fn worker(
    database: &Database,
    kinds: &Kinds,
    settings: WorkerSettings,
    clock: Arc<dyn Clock>,
    health: &HealthRegistry,
) -> Worker<Database> {
    let owner = settings.owner.clone();
    Worker::new(database.clone(), settings, clock)
        .kinds(kinds)
        .report_to(health.register_worker(format!("worker {owner}"), true))
}

/// The scheduler of the periodic kinds among `kinds` (none when none is periodic).
pub fn scheduler(
    database: &Database,
    kinds: &Kinds,
    clock: Arc<dyn Clock>,
) -> Option<Scheduler<Database>> {
    let schedules = kinds.schedules();
    (!schedules.is_empty())
        .then(|| Scheduler::new(database.clone(), schedules, clock, SCHEDULER_TICK))
}
