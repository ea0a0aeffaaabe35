//! The database adapter: one enum pool over SQLite or PostgreSQL, the macros that run the same
//! diesel code against either, migrations, and the repositories implementing the domain's ports.
//!
//! SQLite work runs on tokio's blocking pool with the plain synchronous connection (one
//! `spawn_blocking` per repository call, not per statement), and every SQLite write transaction
//! is `BEGIN IMMEDIATE`: a deferred transaction that upgrades its read snapshot to a write lock
//! fails at once with "database is locked" instead of waiting for `busy_timeout`.

/// The diesel items the repositories use. Not `diesel::prelude::*`: that brings diesel's
/// synchronous `RunQueryDsl` into scope, which makes every `run!` ambiguous on PostgreSQL.
pub(crate) mod prelude {
    pub(crate) use diesel::{
        AsChangeset, BoolExpressionMethods, ExpressionMethods, Insertable, OptionalExtension,
        QueryDsl, Queryable, Selectable, SelectableHelper,
    };
}

mod blocklist;
mod candidates;
mod catalog;
mod catalog_upsert;
mod catalog_write;
mod downloads;
mod error;
mod jobs;
mod library;
mod maintenance;
mod migrations;
mod notices;
mod playlists;
mod pool;
mod quality;
mod rows;
mod scan;
pub mod schema;
mod search;
mod secrets;
mod settings;
mod stats;

pub use error::{ConnectError, DbError, MigrationError};
pub use migrations::MIGRATION_LOCK_KEY;
pub use notices::{
    JOB_NOTICE_CAPACITY, JOB_NOTICE_CHANNEL, LISTENER_APPLICATION_NAME, NOTICE_MESSAGE_CHARS,
};
pub use pool::{Backend, DbPool, PoolSettings, PoolStatus, StatementCounter};

use soulspot_domain::RepositoryError;
use soulspot_domain::ports::{DatabaseProbe, DatabaseStatus};
use soulspot_domain::redact::redact_url;

/// The SQLite arm of the repository macros: `$body` runs in one `spawn_blocking` on the pooled
/// synchronous connection, inside `BEGIN IMMEDIATE … COMMIT` when `immediate` is given.
macro_rules! on_sqlite {
    ($pool:expr, |$conn:ident| $body:expr) => {{
        let mut pooled = $pool.get().await.map_err($crate::db::DbError::Pool)?;
        pooled
            .spawn_blocking(move |$conn| {
                #[allow(unused_macros)]
                macro_rules! run {
                    ($query:expr) => {{
                        // Unused when the expression is a step of our own (`ScanSteps`).
                        #[allow(unused_imports)]
                        use diesel::RunQueryDsl as _;
                        $query
                    }};
                }
                $body
            })
            .await
            .map_err($crate::db::DbError::Query)
    }};
    ($pool:expr, immediate |$conn:ident| $body:expr) => {
        $crate::db::on_sqlite!($pool, |$conn| $conn.immediate_transaction(|$conn| $body))
    };
}

/// The PostgreSQL arm of the repository macros: `$body` runs on the pooled async connection,
/// inside a transaction when `transaction` is given.
macro_rules! on_postgres {
    ($pool:expr, |$conn:ident| $body:expr) => {{
        let mut pooled = $pool.get().await.map_err($crate::db::DbError::Pool)?;
        let $conn: &mut diesel_async::AsyncPgConnection = &mut *pooled;
        #[allow(unused_macros)]
        macro_rules! run {
            ($query:expr) => {{
                #[allow(unused_imports)]
                use diesel_async::RunQueryDsl as _;
                $query.await
            }};
        }
        let result: diesel::QueryResult<_> = async move { $body }.await;
        result.map_err($crate::db::DbError::Query)
    }};
    ($pool:expr, transaction |$conn:ident| $body:expr) => {{
        use diesel_async::AsyncConnection as _;
        let mut pooled = $pool.get().await.map_err($crate::db::DbError::Pool)?;
        let connection: &mut diesel_async::AsyncPgConnection = &mut *pooled;
        let result: diesel::QueryResult<_> = connection
            .transaction(async move |$conn: &mut diesel_async::AsyncPgConnection| {
                #[allow(unused_macros)]
                macro_rules! run {
                    ($query:expr) => {{
                        #[allow(unused_imports)]
                        use diesel_async::RunQueryDsl as _;
                        $query.await
                    }};
                }
                $body
            })
            .await;
        result.map_err($crate::db::DbError::Query)
    }};
}

/// Runs `$body` on a pooled connection, outside any transaction (reads). Inside the body,
/// `run!(query.load::<T>(conn))` runs a diesel query on whichever backend is in use: the body is
/// compiled once per backend, with the synchronous `RunQueryDsl` for SQLite and the async one (and
/// an `.await`) for PostgreSQL. The body must only capture owned values, and evaluates to a
/// `diesel::QueryResult`.
macro_rules! read {
    ($db:expr, |$conn:ident| $body:expr) => {
        match &$db.pool {
            $crate::db::DbPool::Sqlite(pool) => $crate::db::on_sqlite!(pool, |$conn| $body),
            $crate::db::DbPool::Pg(pool) => $crate::db::on_postgres!(pool, |$conn| $body),
        }
    };
}

/// Like [`read!`], inside one write transaction: `BEGIN IMMEDIATE` on SQLite, a plain
/// transaction on PostgreSQL. An `Err` from the body rolls back.
macro_rules! write {
    ($db:expr, |$conn:ident| $body:expr) => {
        match &$db.pool {
            $crate::db::DbPool::Sqlite(pool) => {
                $crate::db::on_sqlite!(pool, immediate | $conn | $body)
            }
            $crate::db::DbPool::Pg(pool) => {
                $crate::db::on_postgres!(pool, transaction | $conn | $body)
            }
        }
    };
}

/// Like [`write!`] for a body whose write is a single statement (possibly followed by reads that
/// only explain why it changed nothing). On SQLite it still runs inside `BEGIN IMMEDIATE`: an
/// autocommit write takes its lock the deferred way and can fail with "database is locked". On
/// PostgreSQL it runs without an explicit transaction: one statement is atomic by itself, and
/// `BEGIN`/`COMMIT` would add two round trips to the hottest paths (claiming and finishing jobs).
macro_rules! write_one {
    ($db:expr, |$conn:ident| $body:expr) => {
        match &$db.pool {
            $crate::db::DbPool::Sqlite(pool) => {
                $crate::db::on_sqlite!(pool, immediate | $conn | $body)
            }
            $crate::db::DbPool::Pg(pool) => $crate::db::on_postgres!(pool, |$conn| $body),
        }
    };
}

/// One keyset page of a table listed in id order, converting each row with its `into_domain`.
/// Evaluates to a `Page` keyed by the id; reads `limit + 1` rows to know whether more follow.
macro_rules! id_page {
    ($db:expr, $table:ident, $row:ty, $page:expr, |$item:ident| $key:expr) => {{
        let page = $page;
        let after = page.after.map_or(0, |id| id.0);
        let limit = i64::from(page.limit()) + 1;
        let items = $crate::db::read!($db, |conn| {
            let rows: Vec<$row> = run!(
                $table::table
                    .filter($table::id.gt(after))
                    .order($table::id.asc())
                    .limit(limit)
                    .select(<$row>::as_select())
                    .load(conn)
            )?;
            rows.into_iter()
                .map(<$row>::into_domain)
                .collect::<Result<Vec<_>, _>>()
        })?;
        soulspot_domain::Page::from_overfetched(items, page.limit(), |$item| $key)
    }};
}

pub(crate) use id_page;
pub(crate) use on_postgres;
pub(crate) use on_sqlite;
pub(crate) use read;
pub(crate) use write;
pub(crate) use write_one;

/// Where the database lives: an SQLite file or a PostgreSQL server.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A file path (`sqlite://data/soulspot.db`, `sqlite:///abs/path.db` or a bare path).
    Sqlite(std::path::PathBuf),
    /// A `postgres://` or `postgresql://` URL.
    Postgres(String),
}

impl DatabaseUrl {
    /// Reads a database URL. Anything that is not `postgres://…`/`postgresql://…` is an SQLite
    /// path, with an optional `sqlite://` or `sqlite:` prefix.
    pub fn parse(value: &str) -> Result<Self, ConnectError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(ConnectError::InvalidUrl("the database URL is empty".into()));
        }
        if value.starts_with("postgres://") || value.starts_with("postgresql://") {
            url::Url::parse(value).map_err(|error| {
                ConnectError::InvalidUrl(format!("not a valid PostgreSQL URL: {error}"))
            })?;
            return Ok(Self::Postgres(value.to_owned()));
        }
        if let Some((scheme, _)) = value.split_once("://")
            && scheme != "sqlite"
        {
            return Err(ConnectError::InvalidUrl(format!(
                "unsupported database scheme {scheme:?}: use sqlite://PATH or postgres://…"
            )));
        }
        // libpq's `host=… user=… password=…` form would otherwise be taken for a file name (and
        // the password written into the folder's listing).
        let words: Vec<&str> = value.split_whitespace().collect();
        if words.len() > 1 && words.iter().all(|word| word.contains('=')) {
            return Err(ConnectError::InvalidUrl(
                "a `key=value` connection string is not supported: write it as \
                 postgres://user@host/database"
                    .into(),
            ));
        }
        let path = value
            .strip_prefix("sqlite://")
            .or_else(|| value.strip_prefix("sqlite:"))
            .unwrap_or(value);
        if path.is_empty() || path == ":memory:" {
            return Err(ConnectError::InvalidUrl(
                "an SQLite database needs a file path (each pooled connection would get its own in-memory database)"
                    .into(),
            ));
        }
        Ok(Self::Sqlite(path.into()))
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// The URL with its user info and secret parameters (`?password=`) replaced, for logs and
    /// `soulspot config` (the domain's rule: [`soulspot_domain::redact::redact_url`]).
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(path) => redact_url(&format!("sqlite://{}", path.display())),
            Self::Postgres(value) => redact_url(value),
        }
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// The process's one database handle: a pool and the repositories on top of it. Cheap to clone
/// (clones share the pool).
#[derive(Clone)]
pub struct Database {
    pub(crate) pool: DbPool,
    statements: StatementCounter,
    url: DatabaseUrl,
    /// Job notices, shared by every clone (see `notices`).
    pub(crate) notices: std::sync::Arc<notices::NoticeHub>,
    /// Where row timestamps (`created_at`, `updated_at`) come from.
    clock: std::sync::Arc<dyn soulspot_domain::Clock>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Database {
    /// Builds the pool and opens one connection to prove the database is reachable, so a bad
    /// path or an unreachable server fails here, at start-up, with the reason.
    ///
    /// An SQLite file is created with mode 0600 before SQLite opens it (so its log and index are
    /// too), and an existing one readable by others is made private (logged once, here).
    pub async fn connect(url: &DatabaseUrl, settings: &PoolSettings) -> Result<Self, ConnectError> {
        if let DatabaseUrl::Sqlite(path) = url {
            let fixed = crate::private_files::private_sqlite_files(path).map_err(|error| {
                ConnectError::Unreachable(format!(
                    "cannot create the database file {} with mode 0600: {error}",
                    path.display()
                ))
            })?;
            if !fixed.is_empty() {
                let files: Vec<String> = fixed
                    .iter()
                    .map(|change| {
                        format!(
                            "{} ({:o} -> {:o})",
                            change.path.display(),
                            change.was,
                            change.now
                        )
                    })
                    .collect();
                tracing::warn!(
                    files = %files.join(", "),
                    "the database files were readable by other users; made them private (0600)"
                );
            }
        }
        let statements = StatementCounter::default();
        let pool = DbPool::build(url, settings, statements.clone())?;
        pool.check_connection().await?;
        let notices = match url {
            DatabaseUrl::Sqlite(_) => notices::NoticeHub::in_process(),
            DatabaseUrl::Postgres(server) => notices::NoticeHub::postgres(server),
        };
        Ok(Self {
            pool,
            statements,
            url: url.clone(),
            notices: std::sync::Arc::new(notices),
            clock: std::sync::Arc::new(crate::clock::SystemClock),
        })
    }

    /// Stamps rows with `clock`'s time instead of the system clock's (tests on paused time).
    pub fn with_clock(mut self, clock: std::sync::Arc<dyn soulspot_domain::Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The current time as rows store it: UTC without a zone, like SQLite's `CURRENT_TIMESTAMP`.
    pub(crate) fn now(&self) -> chrono::NaiveDateTime {
        self.clock.now()
    }

    pub fn backend(&self) -> Backend {
        self.pool.backend()
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// Counts every SQL statement any connection of this pool has started. Tests use it to prove
    /// that a read does not grow with the number of rows; metrics can export it.
    pub fn statement_counter(&self) -> &StatementCounter {
        &self.statements
    }

    pub fn pool_status(&self) -> PoolStatus {
        self.pool.status()
    }

    /// Applies every embedded migration the database lacks and returns their names. On
    /// PostgreSQL a session advisory lock keeps two processes from migrating at once.
    pub async fn run_pending_migrations(&self) -> Result<Vec<String>, MigrationError> {
        migrations::run_pending(self).await
    }

    /// A receiver of job notices: one per committed job write that inserts a job or sets its
    /// state or progress, from now on. On SQLite they come from this process's writes (through
    /// any clone of this handle); on PostgreSQL from every process's, through a listener on its
    /// own connection that the first call starts and that reconnects when it drops (see
    /// [`Database::job_notices_live`]). The channel holds [`JOB_NOTICE_CAPACITY`] notices: a
    /// receiver that falls further behind gets `RecvError::Lagged` and continues with the
    /// oldest notice kept. Notices are hints (some are lost while the listener reconnects), never
    /// the only way to learn of work.
    pub fn job_notices(&self) -> tokio::sync::broadcast::Receiver<soulspot_application::JobNotice> {
        self.notices.subscribe()
    }

    /// Whether notices of every process currently arrive: always on SQLite; on PostgreSQL while
    /// the listener is connected and listening (false before the first subscription).
    pub fn job_notices_live(&self) -> bool {
        self.notices.is_live()
    }

    /// Names of embedded migrations the database has not applied.
    pub async fn pending_migrations(&self) -> Result<Vec<String>, RepositoryError> {
        migrations::pending(self).await
    }
}

#[derive(diesel::QueryableByName)]
struct SqlitePlanRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    detail: String,
}

#[derive(diesel::QueryableByName)]
struct PostgresPlanRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    #[diesel(column_name = "QUERY PLAN")]
    plan: String,
}

impl Database {
    /// The query plan of `sql` (which must be a complete statement with literal values), one line
    /// per plan node. On PostgreSQL sequential scans are discouraged for the duration of the call,
    /// so the plan shows whether an index *can* serve the query even on a tiny test table.
    /// For diagnostics and the query-plan tests; never give it user input.
    pub async fn query_plan(&self, sql: &str) -> Result<Vec<String>, RepositoryError> {
        let sql = sql.to_owned();
        let lines = match self.backend() {
            Backend::Sqlite => {
                let rows: Vec<SqlitePlanRow> = read!(self, |conn| run!(
                    diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
                        .load::<SqlitePlanRow>(conn)
                ))?;
                rows.into_iter().map(|row| row.detail).collect()
            }
            Backend::Postgres => {
                let rows: Vec<PostgresPlanRow> = write!(self, |conn| {
                    run!(diesel::sql_query("SET LOCAL enable_seqscan = off").execute(conn))?;
                    run!(diesel::sql_query(format!("EXPLAIN {sql}")).load::<PostgresPlanRow>(conn))
                })?;
                rows.into_iter().map(|row| row.plan).collect()
            }
        };
        Ok(lines)
    }
}

impl soulspot_application::JobNotices for Database {
    fn subscribe(&self) -> tokio::sync::broadcast::Receiver<soulspot_application::JobNotice> {
        self.job_notices()
    }
}

impl DatabaseProbe for Database {
    async fn database_status(&self) -> Result<DatabaseStatus, RepositoryError> {
        let pending_migrations = self.pending_migrations().await?;
        Ok(DatabaseStatus {
            backend: self.backend().name(),
            pending_migrations,
        })
    }
}
