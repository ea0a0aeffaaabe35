//! Secrets as storage sees them: already encrypted. Encryption and keys belong to the adapter that
//! owns the key file; repositories only keep the sealed bytes.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// An authenticated-cipher output: the nonce and the ciphertext (with its tag).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedSecret {
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

impl std::fmt::Debug for SealedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Even sealed, secrets stay out of logs.
        f.debug_struct("SealedSecret")
            .field("bytes", &self.ciphertext.len())
            .finish_non_exhaustive()
    }
}

/// A stored secret and when it was last set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSecret {
    pub key: String,
    pub sealed: SealedSecret,
    pub updated_at: NaiveDateTime,
}

/// OAuth tokens of one provider, each sealed separately.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOAuthToken {
    pub provider: String,
    pub access_token: SealedSecret,
    pub refresh_token: Option<SealedSecret>,
    pub expires_at: Option<NaiveDateTime>,
    /// Space-separated scopes the provider granted.
    pub scopes: String,
    pub updated_at: NaiveDateTime,
}
