//! Credentials of the services SoulSpot talks to, sealed before they reach storage. Nothing here
//! returns a secret to a caller outside the process: the API only learns whether one is set.

use chrono::NaiveDateTime;
use soulspot_domain::ports::{SecretCipher, SecretRepository};

use crate::error::{Invalid, ServiceError, ServiceResult};

/// The longest secret accepted (API keys and client secrets are far shorter).
pub const MAX_SECRET_CHARS: usize = 4096;

/// A service a credential belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialProvider {
    /// slskd's API key (`X-Api-Key`).
    Slskd,
    /// The client secret of the user's Spotify app (optional: PKCE works without it).
    Spotify,
}

impl CredentialProvider {
    pub const ALL: [Self; 2] = [Self::Slskd, Self::Spotify];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Slskd => "slskd",
            Self::Spotify => "spotify",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|provider| provider.as_str() == name)
    }

    pub fn description(self) -> &'static str {
        match self {
            Self::Slskd => "slskd API key (X-Api-Key)",
            Self::Spotify => "Spotify app client secret",
        }
    }

    /// The key the sealed secret is stored under, also bound to the ciphertext.
    fn storage_key(self) -> String {
        format!("credential.{}", self.as_str())
    }
}

/// Whether a provider's credential is set, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialStatus {
    pub provider: CredentialProvider,
    pub set: bool,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone)]
pub struct CredentialService<S, K> {
    store: S,
    cipher: K,
}

impl<S: SecretRepository, K: SecretCipher> CredentialService<S, K> {
    pub fn new(store: S, cipher: K) -> Self {
        Self { store, cipher }
    }

    pub async fn status(&self, provider: CredentialProvider) -> ServiceResult<CredentialStatus> {
        let stored = self.store.secret(&provider.storage_key()).await?;
        Ok(CredentialStatus {
            provider,
            set: stored.is_some(),
            updated_at: stored.map(|stored| stored.updated_at),
        })
    }

    /// Every provider's status (one read per provider; there are two).
    pub async fn statuses(&self) -> ServiceResult<Vec<CredentialStatus>> {
        let mut statuses = Vec::with_capacity(CredentialProvider::ALL.len());
        for provider in CredentialProvider::ALL {
            statuses.push(self.status(provider).await?);
        }
        Ok(statuses)
    }

    /// Seals and stores a credential, replacing any earlier one.
    pub async fn put(
        &self,
        provider: CredentialProvider,
        secret: &str,
    ) -> ServiceResult<CredentialStatus> {
        if secret.trim().is_empty() {
            return Err(Invalid::new("secret", "the secret is empty").into());
        }
        if secret.chars().count() > MAX_SECRET_CHARS {
            return Err(Invalid::new(
                "secret",
                format!("the secret is longer than {MAX_SECRET_CHARS} characters"),
            )
            .into());
        }
        if secret.chars().any(char::is_control) {
            return Err(Invalid::new("secret", "the secret contains control characters").into());
        }
        let key = provider.storage_key();
        let sealed = self.cipher.seal(&key, secret.as_bytes());
        self.store.put_secret(&key, sealed).await?;
        self.status(provider).await
    }

    /// Whether there was a credential to delete.
    pub async fn delete(&self, provider: CredentialProvider) -> ServiceResult<bool> {
        Ok(self.store.delete_secret(&provider.storage_key()).await?)
    }

    /// The plaintext, for the upstream client that needs it (never for an API response).
    pub async fn reveal(&self, provider: CredentialProvider) -> ServiceResult<Option<String>> {
        let key = provider.storage_key();
        let Some(stored) = self.store.secret(&key).await? else {
            return Ok(None);
        };
        let plaintext = self
            .cipher
            .open(&key, &stored.sealed)
            .map_err(|_| ServiceError::Undecryptable { key: key.clone() })?;
        String::from_utf8(plaintext)
            .map(Some)
            .map_err(|_| ServiceError::Undecryptable { key })
    }
}
