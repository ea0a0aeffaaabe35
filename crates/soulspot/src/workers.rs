//! Builds the job runtime of this process from the configuration: the worker with its handlers,
//! and the scheduler of periodic kinds.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use soulspot_application::backoff::Backoff;
use soulspot_application::health::HealthRegistry;
use soulspot_application::jobs::MAINTENANCE_KIND;
use soulspot_application::scan::LIBRARY_SCAN_KIND;
use soulspot_domain::JobKind;
use soulspot_infrastructure::Database;
use soulspot_infrastructure::tags::LoftyTagReader;
use soulspot_infrastructure::walk::FsWalker;
use soulspot_worker::{
    Clock, DIAGNOSTIC_SLEEP_KIND, DiagnosticSleepHandler, LibraryScanHandler, MaintenanceHandler,
    Schedule, Scheduler, Worker, WorkerSettings,
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

/// The worker with every handler this build knows, reporting to `health`.
pub fn worker(
    database: &Database,
    config: &WorkerConfig,
    library: &LibraryConfig,
    data_dir: &std::path::Path,
    clock: Arc<dyn Clock>,
    health: &HealthRegistry,
) -> anyhow::Result<Worker<Database>> {
    let settings = settings(config)?;
    let owner = settings.owner.clone();
    let maintenance = MaintenanceHandler::new(
        database.clone(),
        clock.clone(),
        Duration::from_secs(config.keep_finished_jobs_days * 24 * 3600),
    );
    let mut worker = Worker::new(database.clone(), settings, clock)
        .handle(JobKind::parse(MAINTENANCE_KIND)?, maintenance)
        .report_to(health.register_worker(format!("worker {owner}"), true));
    // Without a music folder there is nothing to scan; the API refuses scan requests then.
    if !library.music_folder.as_os_str().is_empty() {
        worker = worker.handle(
            JobKind::parse(LIBRARY_SCAN_KIND)?,
            LibraryScanHandler::new(
                Arc::new(database.clone()),
                Arc::new(FsWalker::new()),
                Arc::new(LoftyTagReader::new()),
                library.scan_settings(),
                library.music_folder.clone(),
            ),
        );
    }
    if config.diagnostic_jobs {
        worker = worker.handle(
            JobKind::parse(DIAGNOSTIC_SLEEP_KIND)?,
            DiagnosticSleepHandler::new(data_dir.join("diagnostics"), owner),
        );
    }
    Ok(worker)
}

/// The scheduler of periodic kinds (none when every interval is off).
pub fn scheduler(
    database: &Database,
    config: &WorkerConfig,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<Option<Scheduler<Database>>> {
    let mut schedules = Vec::new();
    if config.maintenance_every_hours > 0 {
        schedules.push(Schedule {
            kind: JobKind::parse(MAINTENANCE_KIND)?,
            every: Duration::from_secs(config.maintenance_every_hours * 3600),
            payload: "{}".into(),
            max_attempts: 3,
        });
    }
    Ok((!schedules.is_empty())
        .then(|| Scheduler::new(database.clone(), schedules, clock, SCHEDULER_TICK)))
}
