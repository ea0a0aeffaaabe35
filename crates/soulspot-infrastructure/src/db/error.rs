//! Errors of the database adapter and their translation into the domain's `RepositoryError`.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::pooled_connection::deadpool::PoolError;
use soulspot_domain::RepositoryError;

/// Why the database could not be opened at start-up. The message is meant for a person.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("invalid database URL: {0}")]
    InvalidUrl(String),
    #[error("invalid pool settings: {0}")]
    InvalidSettings(String),
    #[error("cannot open the database: {0}")]
    Unreachable(String),
}

impl ConnectError {
    pub(crate) fn from_pool_error(error: PoolError) -> Self {
        use deadpool::managed::PoolError as P;
        let reason = match error {
            P::Timeout(_) => "timed out while connecting".to_owned(),
            P::Backend(error) => error.to_string(),
            P::PostCreateHook(error) => error.to_string(),
            P::Closed => "the pool is closed".to_owned(),
            P::NoRuntimeSpecified => "no async runtime for pool timeouts".to_owned(),
        };
        Self::Unreachable(reason)
    }
}

/// Why migrating failed.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error("cannot reach the database to migrate it")]
    Unavailable(#[source] RepositoryError),
    #[error("migration failed: {0}")]
    Failed(String),
}

/// A failure inside the adapter, before translation.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("no database connection available")]
    Pool(#[source] PoolError),
    #[error(transparent)]
    Query(DieselError),
}

impl From<DbError> for RepositoryError {
    fn from(error: DbError) -> Self {
        match error {
            DbError::Pool(error) => RepositoryError::Unavailable(Box::new(error)),
            DbError::Query(DieselError::NotFound) => RepositoryError::not_found("row", "?"),
            DbError::Query(DieselError::DatabaseError(
                kind
                @ (DatabaseErrorKind::UniqueViolation | DatabaseErrorKind::ForeignKeyViolation),
                info,
            )) => {
                let what = if matches!(kind, DatabaseErrorKind::UniqueViolation) {
                    "already exists"
                } else {
                    "refers to a row that does not exist"
                };
                RepositoryError::Conflict(format!("{what} ({})", info.message()))
            }
            DbError::Query(DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection,
                info,
            )) => RepositoryError::Unavailable(info.message().to_owned().into()),
            DbError::Query(DieselError::DeserializationError(error)) => {
                RepositoryError::InvalidData(error.to_string())
            }
            DbError::Query(other) => RepositoryError::Internal(Box::new(other)),
        }
    }
}

impl DbError {
    /// Translates a missing row into `NotFound` for the named entity and key.
    pub(crate) fn not_found_as(
        self,
        entity: &'static str,
        key: impl std::fmt::Display,
    ) -> RepositoryError {
        match self {
            DbError::Query(DieselError::NotFound) => RepositoryError::not_found(entity, key),
            other => other.into(),
        }
    }
}

/// Turns a value the domain refuses (an invalid stored ISRC, say) into a query error so it can
/// travel out of a `read!` body.
pub(crate) fn invalid_data(error: impl std::error::Error + Send + Sync + 'static) -> DieselError {
    DieselError::DeserializationError(Box::new(error))
}
