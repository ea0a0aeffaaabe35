//! The Spotify fake's credentials: registered apps and their redirect URIs, authorization codes,
//! access and refresh tokens, and the scripting a test uses to skip the OAuth dance (minting
//! tokens), to expire tokens, to rotate or revoke refresh tokens and to refuse consent.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use sha2::{Digest as _, Sha256};
use tokio::time::Instant;

use super::{SOULSPOT_SCOPES, SpotifyApp, SpotifyFake, State};

/// What a refresh answers with, beside the new access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RefreshTokenPolicy {
    /// A new refresh token; the old one stops working (`invalid_grant`).
    #[default]
    Rotate,
    /// The same refresh token again.
    Repeat,
    /// No `refresh_token` field: the client keeps using the one it has.
    Omit,
}

/// What the (simulated) user answers on Spotify's consent screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthorizationOutcome {
    #[default]
    Approve,
    /// The user pressed "Cancel": the redirect carries `error=access_denied`.
    Deny,
}

/// Tokens minted directly by a test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MintedTokens {
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds, as `expires_in` says.
    pub expires_in: u64,
    /// Space-separated, as `scope` says.
    pub scope: String,
}

#[derive(Debug, Clone)]
pub(super) struct AuthorizationCode {
    pub(super) client_id: String,
    pub(super) user_id: String,
    pub(super) redirect_uri: String,
    pub(super) scopes: Vec<String>,
    pub(super) code_challenge: Option<String>,
    pub(super) expires_at: Instant,
}

#[derive(Debug, Clone)]
pub(super) struct AccessToken {
    pub(super) client_id: String,
    /// `None`: an app token (client credentials), which user endpoints refuse.
    pub(super) user_id: Option<String>,
    pub(super) scopes: Vec<String>,
    pub(super) expires_at: Instant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RefreshTokenStatus {
    Active,
    /// Replaced by a newer token at a refresh.
    RotatedOut,
    /// Revoked by a test (the user removed the app's access).
    Revoked,
}

#[derive(Debug, Clone)]
pub(super) struct RefreshGrant {
    pub(super) client_id: String,
    pub(super) user_id: String,
    pub(super) scopes: Vec<String>,
    pub(super) status: RefreshTokenStatus,
}

#[derive(Debug)]
pub(super) struct Credentials {
    pub(super) authorization_outcome: AuthorizationOutcome,
    pub(super) authorizing_user: Option<String>,
    pub(super) codes: HashMap<String, AuthorizationCode>,
    pub(super) access_tokens: HashMap<String, AccessToken>,
    pub(super) refresh_tokens: HashMap<String, RefreshGrant>,
    pub(super) access_token_lifetime: Duration,
    pub(super) code_lifetime: Duration,
    pub(super) refresh_policy: RefreshTokenPolicy,
    tokens_issued: u64,
}

impl Default for Credentials {
    fn default() -> Self {
        Self {
            authorization_outcome: AuthorizationOutcome::Approve,
            authorizing_user: None,
            codes: HashMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            access_token_lifetime: Duration::from_secs(3600),
            code_lifetime: Duration::from_secs(600),
            refresh_policy: RefreshTokenPolicy::Rotate,
            tokens_issued: 0,
        }
    }
}

impl Credentials {
    /// An opaque token shaped like Spotify's (`BQ…` access tokens, `AQ…` codes and refresh
    /// tokens), derived from a counter so runs are reproducible.
    pub(super) fn new_token(&mut self, prefix: &str) -> String {
        self.tokens_issued += 1;
        let digest = Sha256::digest(format!("spotify-fake-{prefix}-{}", self.tokens_issued));
        let body = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
        format!("{prefix}{body}{}", &body[..20])
    }

    pub(super) fn issue_access_token(
        &mut self,
        client_id: &str,
        user_id: Option<&str>,
        scopes: &[String],
    ) -> String {
        let token = self.new_token("BQ");
        self.access_tokens.insert(
            token.clone(),
            AccessToken {
                client_id: client_id.to_owned(),
                user_id: user_id.map(str::to_owned),
                scopes: scopes.to_vec(),
                expires_at: Instant::now() + self.access_token_lifetime,
            },
        );
        token
    }

    pub(super) fn issue_refresh_token(
        &mut self,
        client_id: &str,
        user_id: &str,
        scopes: &[String],
    ) -> String {
        let token = self.new_token("AQ");
        self.refresh_tokens.insert(
            token.clone(),
            RefreshGrant {
                client_id: client_id.to_owned(),
                user_id: user_id.to_owned(),
                scopes: scopes.to_vec(),
                status: RefreshTokenStatus::Active,
            },
        );
        token
    }

    /// `expires_in` of a token issued now, in whole seconds.
    pub(super) fn expires_in(&self) -> u64 {
        self.access_token_lifetime.as_secs()
    }
}

/// Why a redirect URI may not be registered (Spotify's rules since April 2025), or `None`.
pub(super) fn redirect_uri_problem(uri: &str) -> Option<&'static str> {
    let Ok(parsed) = url::Url::parse(uri) else {
        return Some("not an absolute URL");
    };
    match (parsed.scheme(), parsed.host()) {
        ("https", Some(_)) => None,
        ("http", Some(url::Host::Ipv4(address))) if address.is_loopback() => None,
        ("http", Some(url::Host::Ipv6(address))) if address.is_loopback() => None,
        ("http", Some(url::Host::Domain(domain))) if domain.eq_ignore_ascii_case("localhost") => {
            Some("localhost is not allowed; use the loopback literal 127.0.0.1 or [::1]")
        }
        _ => Some("insecure: use HTTPS or a loopback IP literal"),
    }
}

/// Whether a requested redirect URI matches a registered one: exactly, or — for a loopback URI
/// registered without a port — on any port (RFC 8252 §7.3: native apps bind a dynamic port).
pub(super) fn redirect_uri_matches(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    let (Ok(registered), Ok(requested)) = (url::Url::parse(registered), url::Url::parse(requested))
    else {
        return false;
    };
    let loopback = matches!(
        registered.host(),
        Some(url::Host::Ipv4(address)) if address.is_loopback()
    ) || matches!(
        registered.host(),
        Some(url::Host::Ipv6(address)) if address.is_loopback()
    );
    loopback
        && registered.scheme() == "http"
        && registered.port().is_none()
        && requested.scheme() == "http"
        && requested.host() == registered.host()
        && requested.path() == registered.path()
        && requested.query() == registered.query()
}

impl State {
    pub(super) fn app(&self, client_id: &str) -> Option<&SpotifyApp> {
        self.apps.iter().find(|app| app.client_id == client_id)
    }

    /// The user `/authorize` approves as: the scripted one, else the first user added.
    pub(super) fn authorizing_user(&self) -> Option<String> {
        self.credentials
            .authorizing_user
            .clone()
            .or_else(|| self.users.first().map(|user| user.id.clone()))
    }
}

impl SpotifyFake {
    /// Registers an app.
    ///
    /// # Panics
    /// When a redirect URI breaks Spotify's rules (HTTPS, or `http://` with a loopback IP
    /// literal; `localhost` is refused), as the developer dashboard refuses to save it.
    pub fn register_app(&self, app: SpotifyApp) {
        for uri in &app.redirect_uris {
            if let Some(problem) = redirect_uri_problem(uri) {
                panic!("Spotify refuses the redirect URI {uri:?}: {problem}");
            }
        }
        let mut state = self.lock();
        state
            .apps
            .retain(|existing| existing.client_id != app.client_id);
        state.apps.push(app);
    }

    /// The user `/authorize` approves as (by default the first user added).
    pub fn set_authorizing_user(&self, user_id: &str) {
        self.lock().credentials.authorizing_user = Some(user_id.to_owned());
    }

    /// Whether the simulated user approves or refuses on the consent screen, from now on.
    pub fn set_authorization_outcome(&self, outcome: AuthorizationOutcome) {
        self.lock().credentials.authorization_outcome = outcome;
    }

    /// Access and refresh tokens for `user_id` through `client_id`, as if the OAuth dance had
    /// happened; `scopes` empty: SoulSpot's scopes.
    ///
    /// # Panics
    /// When the app or the user is unknown.
    pub fn mint_access_token(
        &self,
        client_id: &str,
        user_id: &str,
        scopes: &[&str],
    ) -> MintedTokens {
        let mut state = self.lock();
        assert!(state.app(client_id).is_some(), "no fake app {client_id:?}");
        assert!(state.user(user_id).is_some(), "no fake user {user_id:?}");
        let scopes: Vec<String> = if scopes.is_empty() {
            SOULSPOT_SCOPES
                .iter()
                .map(|scope| (*scope).to_owned())
                .collect()
        } else {
            scopes.iter().map(|scope| (*scope).to_owned()).collect()
        };
        let credentials = &mut state.credentials;
        let access_token = credentials.issue_access_token(client_id, Some(user_id), &scopes);
        let refresh_token = credentials.issue_refresh_token(client_id, user_id, &scopes);
        MintedTokens {
            access_token,
            refresh_token,
            expires_in: credentials.expires_in(),
            scope: scopes.join(" "),
        }
    }

    /// How long access tokens issued from now on live (3600 s by default, which `expires_in`
    /// reports).
    pub fn set_access_token_lifetime(&self, lifetime: Duration) {
        self.lock().credentials.access_token_lifetime = lifetime;
    }

    /// How long an authorization code may wait for its exchange (10 minutes by default).
    pub fn set_authorization_code_lifetime(&self, lifetime: Duration) {
        self.lock().credentials.code_lifetime = lifetime;
    }

    /// Every access token issued so far expires now (`401 The access token expired`).
    pub fn expire_access_tokens(&self) {
        let now = Instant::now();
        for token in self.lock().credentials.access_tokens.values_mut() {
            token.expires_at = now;
        }
    }

    /// What refreshes answer with from now on (a rotated refresh token by default).
    pub fn set_refresh_token_policy(&self, policy: RefreshTokenPolicy) {
        self.lock().credentials.refresh_policy = policy;
    }

    /// Revokes every refresh token of `user_id` (the user removed the app's access): refreshes
    /// answer `invalid_grant` "Refresh token revoked".
    pub fn revoke_refresh_tokens(&self, user_id: &str) {
        for grant in self.lock().credentials.refresh_tokens.values_mut() {
            if grant.user_id == user_id {
                grant.status = RefreshTokenStatus::Revoked;
            }
        }
    }

    /// Whether `refresh_token` would still be accepted.
    pub fn refresh_token_is_active(&self, refresh_token: &str) -> bool {
        self.lock()
            .credentials
            .refresh_tokens
            .get(refresh_token)
            .is_some_and(|grant| grant.status == RefreshTokenStatus::Active)
    }
}
