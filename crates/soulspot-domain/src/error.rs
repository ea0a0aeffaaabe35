//! The error every repository port returns, with the meaning adapters must respect.

use std::error::Error as StdError;

/// What went wrong in a repository call.
///
/// Adapters translate their driver's errors into these variants: a missing row is `NotFound`, a
/// unique-constraint violation is `Conflict`, a pool timeout or refused connection is
/// `Unavailable`; everything else is `Internal` with its cause kept.
#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    #[error("{entity} {key} was not found")]
    NotFound { entity: &'static str, key: String },
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("the stored data is invalid: {0}")]
    InvalidData(String),
    /// A bound the caller asked the store to keep refused the write (too many queued jobs of a
    /// kind, a cooldown still running); the same write may succeed after `retry_after`.
    #[error("{message}")]
    Limited {
        message: String,
        retry_after: std::time::Duration,
    },
    #[error("the database is unavailable")]
    Unavailable(#[source] Box<dyn StdError + Send + Sync>),
    #[error("database error")]
    Internal(#[source] Box<dyn StdError + Send + Sync>),
}

impl RepositoryError {
    pub fn not_found(entity: &'static str, key: impl std::fmt::Display) -> Self {
        Self::NotFound {
            entity,
            key: key.to_string(),
        }
    }
}
