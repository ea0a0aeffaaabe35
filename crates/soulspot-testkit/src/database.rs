//! Fresh databases for tests: an SQLite file in a temporary directory, or a new database on the
//! PostgreSQL server named by `TEST_POSTGRES_URL`, each migrated and private to one test, so tests
//! run in parallel without sharing state.

use std::sync::atomic::{AtomicU64, Ordering};

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use soulspot_infrastructure::{Database, DatabaseUrl, PoolSettings};

/// The environment variable naming the PostgreSQL server tests may create databases on.
pub const POSTGRES_URL_VARIABLE: &str = "TEST_POSTGRES_URL";

/// Test databases are named `soulspot_test_<unix seconds>_<pid>_<sequence>`.
const NAME_PREFIX: &str = "soulspot_test_";
/// Leftover test databases older than this are dropped when a new one is created.
const LEFTOVER_AGE_SECS: u64 = 2 * 60 * 60;

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// The server URL for PostgreSQL tests, or `None` (after saying so on stderr) when unset, so a
/// bare test run passes while CI, which sets it, always runs them.
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
/// temporary directory. PostgreSQL databases are dropped by [`TestDatabase::drop_database`], or,
/// when a test ends without it (dropping in `Drop` would need a runtime), by the clean-up of a
/// later run once they are two hours old; CI throws its whole cluster away.
pub struct TestDatabase {
    pub database: Database,
    pub name: String,
    /// Keeps the SQLite file's directory alive.
    _directory: Option<tempfile::TempDir>,
    /// The PostgreSQL server the database lives on.
    server_url: Option<String>,
}

impl std::fmt::Debug for TestDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDatabase")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
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
        let url = DatabaseUrl::Sqlite(directory.path().join("soulspot-test.db"));
        let database = connect_and_migrate(&url, &settings).await;
        Self {
            database,
            name: "sqlite".into(),
            _directory: Some(directory),
            server_url: None,
        }
    }

    /// A fresh PostgreSQL database on the test server, migrated; `None` when no server is set.
    pub async fn postgres(test_name: &str) -> Option<Self> {
        Self::postgres_with(test_name, PoolSettings::default()).await
    }

    pub async fn postgres_with(test_name: &str, settings: PoolSettings) -> Option<Self> {
        let server_url = postgres_url_for_tests(test_name)?;
        Some(Self::postgres_on(&server_url, settings).await)
    }

    /// A fresh, migrated database on the given PostgreSQL server (benchmarks name it directly).
    pub async fn postgres_on(server_url: &str, settings: PoolSettings) -> Self {
        let (name, url) = create_empty_postgres_database(server_url).await;
        let database = connect_and_migrate(&DatabaseUrl::Postgres(url), &settings).await;
        Self {
            database,
            name,
            _directory: None,
            server_url: Some(server_url.to_owned()),
        }
    }

    /// Closes the pool and drops the PostgreSQL database (SQLite files go with their directory).
    pub async fn drop_database(self) {
        let Some(server_url) = self.server_url else {
            return;
        };
        drop(self.database);
        if let Ok(mut admin) = AsyncPgConnection::establish(&server_url).await {
            let statement = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
            let _ = diesel::sql_query(statement).execute(&mut admin).await;
        }
    }
}

/// Creates a new, empty (unmigrated) database on the server and returns its name and URL, for
/// tests of migrating itself. It is dropped like the others: by a later run once two hours old.
pub async fn create_empty_postgres_database(server_url: &str) -> (String, String) {
    let name = unique_name();
    let mut admin = match AsyncPgConnection::establish(server_url).await {
        Ok(connection) => connection,
        Err(error) => panic!("the PostgreSQL server {server_url} is unreachable: {error}"),
    };
    drop_leftovers(&mut admin).await;
    if let Err(error) = diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
    {
        panic!("cannot create test database {name}: {error}");
    }
    let url = replace_database_name(server_url, &name);
    (name, url)
}

fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

fn unique_name() -> String {
    let sequence = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    format!(
        "{NAME_PREFIX}{}_{}_{sequence}",
        unix_seconds(),
        std::process::id()
    )
}

#[derive(diesel::QueryableByName)]
struct DatabaseName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    datname: String,
}

/// Drops test databases that earlier runs left behind (a killed test never drops its own). Only
/// old ones: a database of a test running right now in another process must not vanish.
async fn drop_leftovers(admin: &mut AsyncPgConnection) {
    let query = format!("SELECT datname FROM pg_database WHERE datname LIKE '{NAME_PREFIX}%'");
    let Ok(names) = diesel::sql_query(query).load::<DatabaseName>(admin).await else {
        return;
    };
    let now = unix_seconds();
    for DatabaseName { datname } in names {
        let created = datname
            .strip_prefix(NAME_PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|seconds| seconds.parse::<u64>().ok());
        if created.is_some_and(|created| now.saturating_sub(created) > LEFTOVER_AGE_SECS) {
            let statement = format!("DROP DATABASE IF EXISTS {datname} WITH (FORCE)");
            let _ = diesel::sql_query(statement).execute(admin).await;
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
