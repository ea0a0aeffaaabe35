//! Settings, quality profiles, and secrets with the cipher that seals them.

use super::*;

/// Sealed secrets (credentials by key) and sealed OAuth tokens (by provider). Sealing happens
/// before this port; it never sees a plaintext.
pub trait SecretRepository: Send + Sync {
    fn put_secret(
        &self,
        key: &str,
        sealed: SealedSecret,
    ) -> impl Future<Output = Result<()>> + Send;

    fn secret(&self, key: &str) -> impl Future<Output = Result<Option<StoredSecret>>> + Send;

    /// Whether a secret was there to delete.
    fn delete_secret(&self, key: &str) -> impl Future<Output = Result<bool>> + Send;

    /// Creates or replaces the tokens of `token.provider` (its `updated_at` is set by storage).
    fn put_oauth_token(&self, token: StoredOAuthToken) -> impl Future<Output = Result<()>> + Send;

    fn oauth_token(
        &self,
        provider: &str,
    ) -> impl Future<Output = Result<Option<StoredOAuthToken>>> + Send;

    fn delete_oauth_token(&self, provider: &str) -> impl Future<Output = Result<bool>> + Send;
}

/// Quality profiles; at most one is active.
pub trait QualityProfileRepository: Send + Sync {
    /// `Conflict` when the name is taken.
    fn create_profile(
        &self,
        rules: QualityRules,
    ) -> impl Future<Output = Result<QualityProfile>> + Send;

    fn update_profile(
        &self,
        id: QualityProfileId,
        rules: QualityRules,
    ) -> impl Future<Output = Result<QualityProfile>> + Send;

    /// `Conflict` when the profile is the active one.
    fn delete_profile(&self, id: QualityProfileId) -> impl Future<Output = Result<()>> + Send;

    fn profile(&self, id: QualityProfileId) -> impl Future<Output = Result<QualityProfile>> + Send;

    /// All profiles by name (there are few).
    fn list_profiles(&self) -> impl Future<Output = Result<Vec<QualityProfile>>> + Send;

    /// Makes this profile the only active one, in one transaction.
    fn activate_profile(
        &self,
        id: QualityProfileId,
    ) -> impl Future<Output = Result<QualityProfile>> + Send;

    fn active_profile(&self) -> impl Future<Output = Result<Option<QualityProfile>>> + Send;
}

/// Non-secret settings as JSON documents by key.
pub trait SettingsRepository: Send + Sync {
    fn setting(&self, key: &str) -> impl Future<Output = Result<Option<String>>> + Send;

    fn put_setting(&self, key: &str, json_value: &str) -> impl Future<Output = Result<()>> + Send;

    fn all_settings(&self) -> impl Future<Output = Result<Vec<(String, String)>>> + Send;
}

/// Why a sealed secret could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretCipherError {
    #[error("the secret cannot be decrypted: the key file changed or the stored value was altered")]
    Undecryptable,
}

/// Seals and opens secrets with an authenticated cipher. `context` (e.g. the secret's key) is bound
/// to the ciphertext as associated data, so a sealed value copied to another key does not open.
/// Synchronous: sealing a few hundred bytes is a pure computation.
pub trait SecretCipher: Send + Sync {
    /// Seals `plaintext` with a fresh random nonce.
    fn seal(&self, context: &str, plaintext: &[u8]) -> SealedSecret;

    /// `Undecryptable` when the key, the context or any stored byte differs from sealing time.
    fn open(
        &self,
        context: &str,
        sealed: &SealedSecret,
    ) -> std::result::Result<Vec<u8>, SecretCipherError>;
}
