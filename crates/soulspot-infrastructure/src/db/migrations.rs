//! Embedded migrations for both backends, applied at start-up or on request.

use std::collections::HashSet;

use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel::sqlite::Sqlite;
use diesel::{Connection, QueryableByName, SqliteConnection, sql_query};
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use soulspot_domain::RepositoryError;

use super::{Database, DatabaseUrl, MigrationError, read};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// The PostgreSQL advisory lock key held while migrating ("soulspot" in ASCII).
pub const MIGRATION_LOCK_KEY: i64 = 0x736f_756c_7370_6f74;

#[derive(QueryableByName)]
struct AppliedVersion {
    #[diesel(sql_type = diesel::sql_types::Text)]
    version: String,
}

fn embedded_versions<DB: diesel::backend::Backend>(
    source: &impl MigrationSource<DB>,
) -> Result<Vec<(String, String)>, RepositoryError> {
    let migrations = source.migrations().map_err(|error| {
        RepositoryError::InvalidData(format!("embedded migrations are unreadable: {error}"))
    })?;
    Ok(migrations
        .iter()
        .map(|migration| {
            (
                migration.name().version().to_string(),
                migration.name().to_string(),
            )
        })
        .collect())
}

pub(super) async fn pending(database: &Database) -> Result<Vec<String>, RepositoryError> {
    let embedded = match database.backend() {
        super::Backend::Sqlite => embedded_versions::<Sqlite>(&SQLITE_MIGRATIONS)?,
        super::Backend::Postgres => embedded_versions::<Pg>(&POSTGRES_MIGRATIONS)?,
    };
    let applied: Vec<AppliedVersion> = read!(database, |conn| {
        // A database no migration ever touched has no bookkeeping table yet: nothing is applied.
        let query = sql_query("SELECT version FROM __diesel_schema_migrations");
        match run!(query.load::<AppliedVersion>(conn)) {
            Ok(rows) => Ok(rows),
            Err(diesel::result::Error::DatabaseError(_, info))
                if info.message().contains("no such table")
                    || info.message().contains("does not exist") =>
            {
                Ok(Vec::new())
            }
            Err(error) => Err(error),
        }
    })
    .map_err(RepositoryError::from)?;
    let applied: HashSet<String> = applied.into_iter().map(|row| row.version).collect();
    Ok(embedded
        .into_iter()
        .filter(|(version, _)| !applied.contains(version))
        .map(|(_, name)| name)
        .collect())
}

pub(super) async fn run_pending(database: &Database) -> Result<Vec<String>, MigrationError> {
    let url = database.url().clone();
    let outcome = tokio::task::spawn_blocking(move || -> Result<Vec<String>, String> {
        match url {
            DatabaseUrl::Sqlite(path) => {
                let path = path.to_string_lossy().into_owned();
                let mut connection =
                    SqliteConnection::establish(&path).map_err(|error| error.to_string())?;
                // One exclusive transaction around the whole run: a second process migrating the
                // same file waits (busy_timeout) and then finds nothing left to apply, instead of
                // both reading "pending" and the second failing half-way. diesel's harness runs
                // each migration in a savepoint inside it.
                diesel::connection::SimpleConnection::batch_execute(
                    &mut connection,
                    "PRAGMA busy_timeout = 30000;",
                )
                .map_err(|error| error.to_string())?;
                let applied = connection
                    .exclusive_transaction(|connection| {
                        connection
                            .run_pending_migrations(SQLITE_MIGRATIONS)
                            .map(|versions| {
                                versions.iter().map(ToString::to_string).collect::<Vec<_>>()
                            })
                    })
                    .map_err(|error: Box<dyn std::error::Error + Send + Sync>| error.to_string())?;
                Ok(applied)
            }
            DatabaseUrl::Postgres(url) => {
                let mut connection = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url)
                    .map_err(|error| error.to_string())?;
                diesel::RunQueryDsl::execute(
                    sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")),
                    &mut connection,
                )
                .map_err(|error| error.to_string())?;
                let result = connection
                    .run_pending_migrations(POSTGRES_MIGRATIONS)
                    .map(|applied| applied.iter().map(ToString::to_string).collect())
                    .map_err(|error| error.to_string());
                // The session lock also ends with the connection; unlock explicitly anyway.
                let _ = diesel::RunQueryDsl::execute(
                    sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")),
                    &mut connection,
                );
                result
            }
        }
    })
    .await
    .map_err(|error| MigrationError::Failed(format!("the migration task stopped: {error}")))?;
    outcome.map_err(MigrationError::Failed)
}
