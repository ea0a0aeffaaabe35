//! The error every application service returns: a storage failure, or input the service refused.

use soulspot_domain::RepositoryError;

/// Why a use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Storage failed or refused (not found, conflict, unavailable…).
    #[error(transparent)]
    Repository(#[from] RepositoryError),
    /// The caller's input broke a rule; nothing was changed.
    #[error("{0}")]
    Invalid(#[from] Invalid),
    /// A stored secret could not be opened (key file replaced, or the row altered).
    #[error("the stored secret {key:?} cannot be decrypted with the current key file")]
    Undecryptable { key: String },
}

/// One rejected input: which field (a JSON pointer-like dotted path, or `""` for the whole input)
/// and why, in a sentence a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    pub field: String,
    pub message: String,
}

impl Invalid {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;
