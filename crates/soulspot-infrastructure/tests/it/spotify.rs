//! The Spotify clients against the testkit's Spotify fake over real HTTP: the PKCE dance, code
//! exchange and refresh; paging through playlists, their items and Liked Songs; the awkward
//! playlist items; development-mode refusals; lookups by id in batches and their single-id
//! fallback; an access token expiring mid-paging; bans; unknown, missing and malformed JSON.
//!
//! This module holds what the tests share: the started fake, the two clients, and sessions (the
//! port the application implements) over the accounts client.

mod accounts;
mod items;
mod lookups;
mod resilience;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use soulspot_application::breaker::BreakerSettings;
use soulspot_application::health::HealthRegistry;
use soulspot_domain::SpotifyId;
use soulspot_domain::upstream::spotify::{
    SpotifyAccessToken, SpotifyAccounts as _, SpotifyFailure, SpotifyRefreshToken, SpotifySession,
    SpotifyTokens,
};
use soulspot_infrastructure::http::{
    HttpClient, HttpClientSettings, RetrySettings, Upstream, UpstreamSettings,
};
use soulspot_infrastructure::upstreams::spotify::{SpotifyAccountsClient, SpotifyLibraryClient};
use soulspot_testkit::fake::RecordedRequest;
use soulspot_testkit::fake::spotify::{RunningSpotify, SpotifyFake};

use soulspot_testkit::fake::spotify::scenario::{
    CLIENT_ID, EPISODE, FOREIGN_PLAYLIST, MIXED_PLAYLIST, TRACK, UNPLAYABLE_TRACK, small_household,
};
/// A loopback redirect URI on a dynamic port; the app registers it without one.
const REDIRECT_URI: &str = "http://127.0.0.1:43123/callback";

fn id(text: &str) -> SpotifyId {
    SpotifyId::parse(text).unwrap()
}

/// The testkit's small household (`fake::spotify::scenario`), started.
async fn started() -> RunningSpotify {
    SpotifyFake::start(small_household()).await
}

/// An upstream policy for tests: short backoffs, a 5-second longest wait. Redirects are left at
/// the policy's default (followed): the Spotify clients must refuse them themselves.
fn upstream(name: &str, base_url: String) -> Upstream {
    upstream_with_redirects(name, base_url, 5)
}

/// [`upstream`] following at most `max_redirects` redirects.
fn upstream_with_redirects(name: &str, base_url: String, max_redirects: u8) -> Upstream {
    let mut settings = UpstreamSettings::new(name, base_url, "SoulSpot-test/1 ( tests )");
    settings.retry = RetrySettings {
        max_retries: 2,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        max_wait: Duration::from_secs(5),
    };
    settings.max_redirects = max_redirects;
    let handle = HealthRegistry::new(std::sync::Arc::new(soulspot_infrastructure::SystemClock))
        .register_upstream(
            name,
            false,
            BreakerSettings {
                failure_threshold: 50,
                cool_down: Duration::from_secs(60),
                half_open_probes: 1,
            },
        );
    Upstream::new(
        HttpClient::new(&HttpClientSettings::default()).unwrap(),
        settings,
        handle,
    )
    .unwrap()
}

fn accounts_client(spotify: &RunningSpotify) -> SpotifyAccountsClient {
    accounts_client_for(spotify, CLIENT_ID)
}

fn accounts_client_for(spotify: &RunningSpotify, client_id: &str) -> SpotifyAccountsClient {
    SpotifyAccountsClient::new(
        upstream("spotify-accounts", spotify.accounts_url()),
        client_id,
    )
}

fn library<S: SpotifySession>(spotify: &RunningSpotify, session: S) -> SpotifyLibraryClient<S> {
    SpotifyLibraryClient::new(upstream("spotify-api", spotify.api_url()), session)
}

/// A library client reading as Alice, through a session that refreshes with the fake.
fn alice_library(spotify: &RunningSpotify) -> SpotifyLibraryClient<RefreshingSession> {
    library(spotify, RefreshingSession::for_user(spotify, "alice"))
}

/// The Web API requests the fake received whose path starts with `/v1<prefix>`.
fn api_requests(spotify: &RunningSpotify, prefix: &str) -> Vec<RecordedRequest> {
    spotify.api.requests_to(&format!("/v1{prefix}"))
}

/// The token requests the accounts service received.
fn token_requests(spotify: &RunningSpotify) -> usize {
    spotify.accounts.requests_to("/api/token").len()
}

/// A session over one fixed token that it cannot refresh: a rejected token comes back unchanged.
struct FixedSession(SpotifyAccessToken);

impl SpotifySession for FixedSession {
    async fn access_token(&self) -> Result<SpotifyAccessToken, SpotifyFailure> {
        Ok(self.0.clone())
    }

    async fn token_rejected(
        &self,
        _stale: &SpotifyAccessToken,
    ) -> Result<SpotifyAccessToken, SpotifyFailure> {
        Ok(self.0.clone())
    }
}

/// What the application will do: keep the tokens, refresh through the accounts client when the
/// library reports the current token rejected (once per stale token), and store the refresh
/// token each refresh returns. It can also expire every token at the fake just before handing
/// out the token for the `n`-th request, to expire a token in the middle of a paging run.
struct RefreshingSession {
    accounts: SpotifyAccountsClient,
    tokens: tokio::sync::Mutex<SpotifyTokens>,
    refreshes: AtomicUsize,
    tokens_handed_out: AtomicUsize,
    expire_before_request: Option<(usize, Arc<SpotifyFake>)>,
}

impl RefreshingSession {
    fn for_user(spotify: &RunningSpotify, user_id: &str) -> Self {
        let minted = spotify.fake.mint_access_token(CLIENT_ID, user_id, &[]);
        Self {
            accounts: accounts_client(spotify),
            tokens: tokio::sync::Mutex::new(SpotifyTokens {
                access_token: SpotifyAccessToken::new(minted.access_token),
                refresh_token: Some(SpotifyRefreshToken::new(minted.refresh_token)),
                expires_at: chrono::Utc::now() + chrono::Duration::hours(1),
                scopes: Vec::new(),
            }),
            refreshes: AtomicUsize::new(0),
            tokens_handed_out: AtomicUsize::new(0),
            expire_before_request: None,
        }
    }

    /// Expires every token at the fake right before the `request`-th token is handed out.
    fn expiring_before_request(mut self, request: usize, fake: Arc<SpotifyFake>) -> Self {
        self.expire_before_request = Some((request, fake));
        self
    }

    fn refreshes(&self) -> usize {
        self.refreshes.load(Ordering::SeqCst)
    }
}

impl SpotifySession for RefreshingSession {
    async fn access_token(&self) -> Result<SpotifyAccessToken, SpotifyFailure> {
        let handed_out = self.tokens_handed_out.fetch_add(1, Ordering::SeqCst) + 1;
        if let Some((request, fake)) = &self.expire_before_request
            && *request == handed_out
        {
            fake.expire_access_tokens();
        }
        Ok(self.tokens.lock().await.access_token.clone())
    }

    async fn token_rejected(
        &self,
        stale: &SpotifyAccessToken,
    ) -> Result<SpotifyAccessToken, SpotifyFailure> {
        let mut tokens = self.tokens.lock().await;
        if tokens.access_token != *stale {
            return Ok(tokens.access_token.clone());
        }
        let Some(refresh_token) = tokens.refresh_token.clone() else {
            return Err(SpotifyFailure::ReconnectRequired {
                message: "no refresh token".to_owned(),
            });
        };
        let refreshed = self.accounts.refresh(&refresh_token).await?;
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        *tokens = refreshed;
        Ok(tokens.access_token.clone())
    }
}
