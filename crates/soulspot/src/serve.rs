//! The `serve` and `migrate` modes: open the database, bring its schema up to date (or refuse to
//! run on a stale one), and serve the API until SIGINT or SIGTERM.

use std::time::Duration;

use anyhow::Context;
use soulspot_application::ReadinessService;
use soulspot_infrastructure::{Database, DatabaseUrl};

use crate::config::Config;

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
/// start.
async fn open_database(config: &Config) -> anyhow::Result<Database> {
    let url = config.database_url()?;
    if let DatabaseUrl::Sqlite(path) = &url
        && let Some(parent) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the data directory {}", parent.display()))?;
    }
    let database = Database::connect(&url, &config.pool_settings()).await?;
    tracing::info!(database = ?url, backend = database.backend().name(), "database opened");
    Ok(database)
}

async fn apply_migrations(database: &Database) -> anyhow::Result<()> {
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

pub async fn serve(config: &Config, policy: MigrationPolicy) -> anyhow::Result<()> {
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
    let shutdown = shutdown_signal()?;
    let listener = std::net::TcpListener::bind(config.server.bind)
        .with_context(|| format!("cannot listen on {}", config.server.bind))?;
    listener.set_nonblocking(true)?;
    let address = listener.local_addr()?;
    tracing::info!(%address, "SoulSpot is listening on http://{address}");

    let state = soulspot_api::ApiState {
        readiness: ReadinessService::new(database.clone()),
    };
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
    .context("the HTTP server failed")?;
    tracing::info!("SoulSpot stopped");
    Ok(())
}

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
