//! The `serve` and `migrate` modes: open the database, bring its schema up to date (or refuse to
//! run on a stale one), and serve the API until SIGINT or SIGTERM.

use std::time::Duration;

use anyhow::Context;
use std::sync::Arc;

use soulspot_application::JobNotices;
use soulspot_application::health::HealthRegistry;
use soulspot_infrastructure::SystemClock;
use soulspot_infrastructure::private_files::{self, FolderPrivacy};
use soulspot_infrastructure::secrets::{ApiKey, SecretKey, XChaChaCipher};
use soulspot_infrastructure::{Database, DatabaseUrl};
use soulspot_worker::Clock;
use std::os::unix::fs::DirBuilderExt as _;
use tokio::sync::watch;

use crate::config::Config;
use crate::workers;

/// Whether `serve` may change the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrationPolicy {
    /// Apply pending migrations at start (what a self-hosted user expects).
    Apply,
    /// Refuse to start when any migration is pending.
    RefuseStale,
}

impl MigrationPolicy {
    pub fn from_flag(no_migrate: bool) -> Self {
        if no_migrate {
            Self::RefuseStale
        } else {
            Self::Apply
        }
    }
}

/// Opens the configured database, creating the data directory (and so the SQLite file) on first
/// start. The data directory is made private first (0700), and so is the SQLite file's folder
/// when it is created here.
pub(crate) async fn open_database(config: &Config) -> anyhow::Result<Database> {
    private_data_dir(&config.data_dir)?;
    let url = config.database_url()?;
    if let DatabaseUrl::Sqlite(path) = &url
        && let Some(parent) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty() && !parent.exists())
    {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(private_files::PRIVATE_FOLDER_MODE)
            .create(parent)
            .with_context(|| format!("cannot create the data directory {}", parent.display()))?;
    }
    let database = Database::connect(&url, &config.pool_settings()).await?;
    tracing::info!(database = ?url, backend = database.backend().name(), "database opened");
    Ok(database)
}

pub(crate) async fn apply_migrations(database: &Database) -> anyhow::Result<()> {
    let applied = database.run_pending_migrations().await?;
    if applied.is_empty() {
        tracing::info!(applied = 0, "database schema is up to date");
    } else {
        tracing::info!(applied = applied.len(), migrations = ?applied, "applied database migrations");
    }
    Ok(())
}

pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    let database = open_database(config).await?;
    apply_migrations(&database).await
}

/// Which parts of SoulSpot this process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    /// The HTTP API and the job worker (the default: one process does everything).
    Both,
    /// Only the HTTP API (workers run in other processes against the same PostgreSQL).
    Api,
    /// Only the job worker and the scheduler.
    Worker,
}

pub async fn serve(config: &Config, policy: MigrationPolicy, mode: RunMode) -> anyhow::Result<()> {
    let database = open_database(config).await?;
    match policy {
        MigrationPolicy::Apply => apply_migrations(&database).await?,
        MigrationPolicy::RefuseStale => {
            let pending = database.pending_migrations().await?;
            anyhow::ensure!(
                pending.is_empty(),
                "the database schema is out of date ({} pending migration(s): {}); run `soulspot migrate` \
                 or start without --no-migrate",
                pending.len(),
                pending.join(", ")
            );
        }
    }
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let health = HealthRegistry::new(clock.clone());
    // Built (and validated) once at start; the job kinds that call upstreams receive them.
    let _upstreams = crate::upstreams::build(config, &health)?;
    // One signal stops every part: each waits on its own receiver.
    let signal = shutdown_signal()?;
    let (stop_sender, stop) = watch::channel(false);
    tokio::spawn(async move {
        signal.await;
        stop_sender.send_replace(true);
    });
    let stopped = |mut stop: watch::Receiver<bool>| async move {
        // An error means the sender is gone, which only happens after it sent.
        let _ = stop.wait_for(|stopped| *stopped).await;
    };

    let worker = if mode == RunMode::Api {
        None
    } else {
        let settings = workers::settings(&config.worker)?;
        let kinds = workers::kinds(
            &database,
            &config.worker,
            &config.library,
            &config.data_dir,
            &settings.owner,
            &clock,
        )?;
        let worker = workers::worker(&database, &kinds, settings, clock.clone(), &health)
            .wake_on(database.subscribe());
        if config.library.watch {
            let jobs = soulspot_application::JobService::new(database.clone(), clock.clone());
            let watching = crate::watch::run(
                jobs,
                config.library.music_folder.clone(),
                Duration::from_secs(config.library.watch_debounce_secs),
                stop.clone(),
            );
            tokio::spawn(async move {
                if let Err(error) = watching.await {
                    tracing::error!(error = format!("{error:#}"), "watch mode is off");
                }
            });
        }
        if let Some(scheduler) = workers::scheduler(&database, &kinds, clock.clone()) {
            tokio::spawn(scheduler.run(stopped(stop.clone())));
        }
        Some(tokio::spawn(worker.run(stopped(stop.clone()))))
    };

    if mode != RunMode::Worker {
        serve_api(config, database, health, clock, stopped(stop.clone())).await?;
    } else {
        tracing::info!("SoulSpot worker is running; no HTTP API in this process");
    }
    if let Some(worker) = worker {
        worker
            .await
            .context("the worker task failed")?
            .context("the worker failed")?;
    }
    tracing::info!("SoulSpot stopped");
    Ok(())
}

async fn serve_api(
    config: &Config,
    database: Database,
    health: HealthRegistry,
    clock: Arc<dyn Clock>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (api_key, cipher) = load_keys(config)?;
    let events = database.clone();
    let listener = std::net::TcpListener::bind(config.server.bind)
        .with_context(|| format!("cannot listen on {}", config.server.bind))?;
    listener.set_nonblocking(true)?;
    let address = listener.local_addr()?;
    tracing::info!(%address, "SoulSpot is listening on http://{address}");

    let pool = database.clone();
    let metrics = soulspot_api::MetricsEndpoint::install()
        .context("cannot set up metrics")?
        .with_collector(move || {
            let status = pool.pool_status();
            metrics::gauge!("db_pool_connections_max").set(status.max_size as f64);
            metrics::gauge!("db_pool_connections_open").set(status.size as f64);
            metrics::gauge!("db_pool_connections_idle").set(status.available as f64);
            metrics::gauge!("db_pool_waiting_requests").set(status.waiting as f64);
        });
    spawn_metrics_upkeep(metrics.clone());
    let state = soulspot_api::ApiState::new(
        database,
        cipher,
        clock,
        metrics,
        soulspot_api::ApiSettings {
            api_key,
            cors_origins: config.server.cors_origins.clone(),
            max_body_bytes: config.server.max_body_bytes,
            compression_min_bytes: config.server.compression_min_bytes,
            metrics_require_key: config.metrics.require_api_key,
            limits: config.server.limits(),
        },
    )
    .with_health(health)
    .with_events(soulspot_api::EventSource(Arc::new(events)))
    .with_music_folder(
        Some(config.library.music_folder.clone()).filter(|folder| !folder.as_os_str().is_empty()),
    );
    let workers = match config.server.workers {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        workers => workers,
    };
    soulspot_api::run(
        listener,
        state,
        workers,
        Duration::from_secs(config.server.shutdown_grace_secs),
        shutdown,
    )
    .await
    .context("the HTTP server failed")
}

/// The API key (configured, or generated on first start into the data directory) and the cipher
/// sealing stored secrets (its key file is generated on first start). Both files are created
/// with mode 0600; their paths are logged, their contents never.
fn load_keys(config: &Config) -> anyhow::Result<(soulspot_api::ApiKey, XChaChaCipher)> {
    private_data_dir(&config.data_dir)?;
    let secret_key_path = config.data_dir.join(SECRET_KEY_FILE);
    let secret_key = SecretKey::load_or_create(&secret_key_path)?;
    let cipher = XChaChaCipher::new(&secret_key);
    let api_key = if config.auth.api_key.is_empty() {
        let path = config.data_dir.join(API_KEY_FILE);
        let (key, created) = ApiKey::load_or_create(&path)?;
        if created {
            tracing::info!(path = %path.display(), "generated an API key; clients send it as `X-Api-Key` (read it from this file)");
        } else {
            tracing::info!(path = %path.display(), "API key read from its file");
        }
        key
    } else {
        tracing::info!("using the API key from the configuration");
        config.auth.api_key.clone()
    };
    Ok((soulspot_api::ApiKey::new(api_key), cipher))
}

/// Creates the data directory with mode 0700, or makes an existing one private; says so when it
/// had to correct the mode (which it does once: afterwards the mode is right).
fn private_data_dir(data_dir: &std::path::Path) -> anyhow::Result<()> {
    let privacy = private_files::private_folder(data_dir).with_context(|| {
        format!(
            "cannot create the data directory {} (or make it private)",
            data_dir.display()
        )
    })?;
    match privacy {
        FolderPrivacy::Fixed(change) => tracing::warn!(
            path = %change.path.display(),
            was = format!("{:o}", change.was),
            "the data directory was open to other users; made it private (0700)"
        ),
        FolderPrivacy::Shared { mode } => tracing::warn!(
            path = %data_dir.display(),
            mode = format!("{mode:o}"),
            "the data directory is a shared folder (sticky bit); its mode is left alone, choose a \
             folder of SoulSpot's own"
        ),
        FolderPrivacy::Created | FolderPrivacy::AlreadyPrivate => {}
    }
    Ok(())
}

/// Histogram samples accumulate between scrapes; folding them in every few seconds keeps memory
/// flat when nothing scrapes.
fn spawn_metrics_upkeep(metrics: soulspot_api::MetricsEndpoint) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(5));
        loop {
            interval.tick().await;
            metrics.run_upkeep();
        }
    });
}

/// File names inside the data directory.
pub const API_KEY_FILE: &str = "api_key";
pub const SECRET_KEY_FILE: &str = "secret.key";

/// Registers for SIGINT (Ctrl-C) and SIGTERM at once, before the server announces itself, and
/// returns a future that completes on either. (Registering lazily would leave a window in which a
/// supervisor's SIGTERM kills the process instead of stopping it gracefully.)
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
        tracing::info!("shutdown requested; finishing in-flight requests");
    })
}
