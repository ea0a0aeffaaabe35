//! Fresh databases for tests: an SQLite file in a temporary directory, or a new database on the
//! PostgreSQL server named by `TEST_POSTGRES_URL`, each migrated and private to one test, so tests
//! run in parallel without sharing state.

use std::sync::atomic::{AtomicU64, Ordering};

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use soulspot_infrastructure::{Database, DatabaseUrl, PoolSettings};

/// The environment variable naming the PostgreSQL server tests may create databases on.
pub const POSTGRES_URL_VARIABLE: &str = "TEST_POSTGRES_URL";

/// The server URL for PostgreSQL tests, or `None` (after saying so on stderr) when unset, so a
/// bare `cargo test` passes while CI, which sets it, always runs them.
pub fn postgres_url_for_tests(test_name: &str) -> Option<String> {
    match std::env::var(POSTGRES_URL_VARIABLE) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            eprintln!("SKIPPED (PostgreSQL): {test_name}: set {POSTGRES_URL_VARIABLE} to run it");
            None
        }
    }
}

/// A migrated database that lives as long as this value. SQLite files are deleted with their
/// temporary directory; PostgreSQL databases are dropped on the next run's clean-up (dropping in
/// `Drop` would need a runtime), see [`TestDatabase::postgres`].
pub struct TestDatabase {
    pub database: Database,
    /// Keeps the SQLite file's directory alive.
    _directory: Option<tempfile::TempDir>,
    pub name: String,
}

impl std::fmt::Debug for TestDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDatabase")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        SEQUENCE.fetch_add(1, Ordering::Relaxed),
        nanos % 1_000_000_000
    )
}

impl TestDatabase {
    /// A fresh SQLite database file, migrated.
    pub async fn sqlite() -> Self {
        Self::sqlite_with(PoolSettings::default()).await
    }

    pub async fn sqlite_with(settings: PoolSettings) -> Self {
        let directory = match tempfile::tempdir() {
            Ok(directory) => directory,
            Err(error) => panic!("cannot create a temporary directory: {error}"),
        };
        let path = directory.path().join("soulspot-test.db");
        let url = DatabaseUrl::Sqlite(path);
        let database = connect_and_migrate(&url, &settings).await;
        Self {
            database,
            _directory: Some(directory),
            name: "sqlite".into(),
        }
    }

    /// A fresh PostgreSQL database on the test server, migrated; `None` when no server is set.
    /// Databases are named `soulspot_test_*`; ones left by earlier runs are dropped first.
    pub async fn postgres(test_name: &str) -> Option<Self> {
        Self::postgres_with(test_name, PoolSettings::default()).await
    }

    pub async fn postgres_with(test_name: &str, settings: PoolSettings) -> Option<Self> {
        let server_url = postgres_url_for_tests(test_name)?;
        Some(Self::postgres_on(&server_url, settings).await)
    }

    /// A fresh, migrated database on the given PostgreSQL server (benchmarks name it directly).
    pub async fn postgres_on(server_url: &str, settings: PoolSettings) -> Self {
        let server_url = server_url.to_owned();
        let name = format!("soulspot_test_{}", unique_suffix());
        let mut admin = match AsyncPgConnection::establish(&server_url).await {
            Ok(connection) => connection,
            Err(error) => panic!("{POSTGRES_URL_VARIABLE} is set but unreachable: {error}"),
        };
        if let Err(error) = diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
        {
            panic!("cannot create test database {name}: {error}");
        }
        let url = replace_database_name(&server_url, &name);
        let database = connect_and_migrate(&DatabaseUrl::Postgres(url), &settings).await;
        Self {
            database,
            _directory: None,
            name,
        }
    }
}

async fn connect_and_migrate(url: &DatabaseUrl, settings: &PoolSettings) -> Database {
    let database = match Database::connect(url, settings).await {
        Ok(database) => database,
        Err(error) => panic!("cannot open test database {url:?}: {error}"),
    };
    if let Err(error) = database.run_pending_migrations().await {
        panic!("cannot migrate test database {url:?}: {error}");
    }
    database
}

/// The same server URL with another database name.
pub fn replace_database_name(server_url: &str, database: &str) -> String {
    match url::Url::parse(server_url) {
        Ok(mut parsed) => {
            parsed.set_path(&format!("/{database}"));
            parsed.to_string()
        }
        Err(_) => format!("{}/{database}", server_url.trim_end_matches('/')),
    }
}
