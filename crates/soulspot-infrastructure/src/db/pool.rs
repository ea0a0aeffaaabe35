//! Building the connection pool for either backend, with the per-connection set-up (SQLite
//! pragmas, statement counting) and the limits from configuration.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::{ConnectionError, SqliteConnection};
use diesel_async::pooled_connection::deadpool::{Hook, HookError, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};

use super::{ConnectError, DatabaseUrl};

/// Applies the configured limits to a pool builder of either backend (a macro: the builder types
/// differ per backend and the generic bounds of a function over them are unwieldy).
macro_rules! configure_pool {
    ($builder:expr, $settings:expr) => {{
        let settings: &PoolSettings = $settings;
        let mut builder = $builder
            .max_size(settings.max_size)
            .runtime(deadpool::Runtime::Tokio1)
            .wait_timeout(Some(settings.wait_timeout))
            .create_timeout(Some(settings.create_timeout))
            .recycle_timeout(Some(settings.recycle_timeout));
        if let Some(max_lifetime) = settings.max_lifetime {
            // A connection past its lifetime fails the pre-recycle hook, which makes the pool drop
            // it and hand out (or open) another one: callers never see this as an error.
            builder = builder.pre_recycle(Hook::sync_fn(move |_, metrics| {
                if metrics.age() > max_lifetime {
                    Err(HookError::message(
                        "the connection reached its maximum lifetime",
                    ))
                } else {
                    Ok(())
                }
            }));
        }
        builder
    }};
}

pub type SqliteConnectionWrapper = SyncConnectionWrapper<SqliteConnection>;

/// Which database engine a pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// Pool limits. The defaults and the reasons for them are in docs/CONFIGURATION.md.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSettings {
    /// Most connections open at once.
    pub max_size: usize,
    /// How long a caller waits for a free connection before the call fails as unavailable.
    pub wait_timeout: Duration,
    /// How long opening one connection may take.
    pub create_timeout: Duration,
    /// How long checking a returned connection may take.
    pub recycle_timeout: Duration,
    /// Connections older than this are closed instead of reused (`None`: kept forever).
    pub max_lifetime: Option<Duration>,
    /// SQLite only: how long a writer waits for the write lock before "database is locked".
    pub sqlite_busy_timeout: Duration,
    /// SQLite only: WAL pages a commit may leave before it checkpoints them into the database
    /// file (SQLite's default is 1,000).
    pub sqlite_wal_autocheckpoint_pages: u32,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_size: 8,
            wait_timeout: Duration::from_secs(10),
            create_timeout: Duration::from_secs(5),
            recycle_timeout: Duration::from_secs(5),
            max_lifetime: Some(Duration::from_secs(30 * 60)),
            sqlite_busy_timeout: Duration::from_secs(5),
            sqlite_wal_autocheckpoint_pages: 10_000,
        }
    }
}

/// A snapshot of the pool's occupancy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    pub max_size: usize,
    pub size: usize,
    pub available: usize,
    pub waiting: usize,
}

/// Counts SQL statements started on the pool's connections.
#[derive(Debug, Clone, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn instrumentation(&self) -> CountingInstrumentation {
        CountingInstrumentation(self.0.clone())
    }
}

struct CountingInstrumentation(Arc<AtomicU64>);

impl Instrumentation for CountingInstrumentation {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if matches!(event, InstrumentationEvent::StartQuery { .. }) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The pool of whichever backend the configuration chose; one per process.
#[derive(Clone)]
pub enum DbPool {
    Sqlite(Pool<SqliteConnectionWrapper>),
    Pg(Pool<AsyncPgConnection>),
}

impl DbPool {
    pub(crate) fn build(
        url: &DatabaseUrl,
        settings: &PoolSettings,
        statements: StatementCounter,
    ) -> Result<Self, ConnectError> {
        if settings.max_size == 0 {
            return Err(ConnectError::InvalidSettings(
                "the pool needs at least one connection".into(),
            ));
        }
        match url {
            DatabaseUrl::Sqlite(path) => {
                let path = path.to_str().ok_or_else(|| {
                    ConnectError::InvalidUrl(format!(
                        "the SQLite path {} is not valid UTF-8",
                        path.display()
                    ))
                })?;
                if settings.sqlite_wal_autocheckpoint_pages == 0 {
                    return Err(ConnectError::InvalidSettings(
                        "the SQLite WAL checkpoint interval needs at least one page".into(),
                    ));
                }
                let pragmas = format!(
                    "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = {}; PRAGMA foreign_keys = ON; \
                     PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = {};",
                    settings.sqlite_busy_timeout.as_millis(),
                    settings.sqlite_wal_autocheckpoint_pages
                );
                let mut config = ManagerConfig::<SqliteConnectionWrapper>::default();
                config.recycling_method = RecyclingMethod::Fast;
                config.custom_setup = Box::new(move |url| {
                    let url = url.to_owned();
                    let pragmas = pragmas.clone();
                    let statements = statements.clone();
                    Box::pin(async move {
                        let mut connection = SqliteConnectionWrapper::establish(&url).await?;
                        connection
                            .batch_execute(&pragmas)
                            .await
                            .map_err(ConnectionError::CouldntSetupConfiguration)?;
                        connection.set_instrumentation(statements.instrumentation());
                        Ok(connection)
                    })
                });
                let manager = AsyncDieselConnectionManager::new_with_config(path, config);
                let pool = configure_pool!(Pool::builder(manager), settings)
                    .build()
                    .map_err(|error| ConnectError::InvalidSettings(error.to_string()))?;
                Ok(Self::Sqlite(pool))
            }
            DatabaseUrl::Postgres(url) => {
                let mut config = ManagerConfig::<AsyncPgConnection>::default();
                config.recycling_method = RecyclingMethod::Fast;
                config.custom_setup = Box::new(move |url| {
                    let url = url.to_owned();
                    let statements = statements.clone();
                    Box::pin(async move {
                        let mut connection = AsyncPgConnection::establish(&url).await?;
                        connection.set_instrumentation(statements.instrumentation());
                        Ok(connection)
                    })
                });
                let manager = AsyncDieselConnectionManager::new_with_config(url, config);
                let pool = configure_pool!(Pool::builder(manager), settings)
                    .build()
                    .map_err(|error| ConnectError::InvalidSettings(error.to_string()))?;
                Ok(Self::Pg(pool))
            }
        }
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Pg(_) => Backend::Postgres,
        }
    }

    pub(crate) fn status(&self) -> PoolStatus {
        let status = match self {
            Self::Sqlite(pool) => pool.status(),
            Self::Pg(pool) => pool.status(),
        };
        PoolStatus {
            max_size: status.max_size,
            size: status.size,
            available: status.available,
            waiting: status.waiting,
        }
    }

    /// Opens (and returns to the pool) one connection, turning a failure into a readable reason.
    pub(crate) async fn check_connection(&self) -> Result<(), ConnectError> {
        let result = match self {
            Self::Sqlite(pool) => pool.get().await.map(drop),
            Self::Pg(pool) => pool.get().await.map(drop),
        };
        result.map_err(ConnectError::from_pool_error)
    }
}
