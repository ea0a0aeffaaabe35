//! A fake of Spotify: the accounts service (`/authorize`, `/api/token`) and the Web API
//! (`/v1/...`) as two servers over one shared state, so a token minted by one is honoured by the
//! other. It follows the project's notes on the upstream APIs (UPSTREAMS.md §5.5) and the February 2026 development-mode rules.
//!
//! What it reproduces, and the choices made where Spotify's own behaviour is not documented:
//!
//! - **Authorization code + PKCE.** `/authorize` checks the client, the redirect URI (registered;
//!   HTTPS or a loopback IP literal, never `localhost`; a loopback URI registered without a port
//!   matches any port, RFC 8252 §7.3), `response_type=code`, `code_challenge_method=S256` and the
//!   challenge (required for an app registered without a secret), then auto-approves as the
//!   authorizing user and redirects with `302` to `redirect_uri?code=…&state=…` (or
//!   `error=access_denied` when a test scripted a refusal). Client and redirect URI problems are an
//!   HTML error page, as Spotify shows them, never a redirect.
//! - **`/api/token`** answers with Spotify's error objects and statuses: `400 invalid_client`
//!   (Spotify answers 400, not the 401 of RFC 6749, even for a wrong secret in a Basic header),
//!   `400 invalid_grant` for a bad, reused or expired code, a wrong `code_verifier` or a rotated-out
//!   refresh token, `400 unsupported_grant_type`. Codes are single-use (consumed by the exchange
//!   that succeeds) and live 10 minutes unless scripted. Refresh-token rotation is scriptable.
//! - **Web API authentication**: `401` with `No token provided`, `Invalid access token` or `The
//!   access token expired` in Spotify's `{"error":{"status","message"}}` object.
//! - **Development mode** ([`ApiMode::Development`], the default): playlist objects carry `items`
//!   instead of `tracks`, playlist entries carry `item` (and the deprecated `track` during the
//!   deprecation window, scriptable), `/playlists/{id}/items` answers `403 Forbidden` for playlists
//!   the user neither owns nor collaborates on, and the full playlist object of such a playlist
//!   carries only `items{href,total}`; the legacy `/playlists/{id}/tracks` path and the batch
//!   lookups (`/tracks?ids=`, `/albums?ids=`, `/artists?ids=`) answer `403 Forbidden`; popularity,
//!   available markets, followers, album labels and UPCs, and the user's country, e-mail and product
//!   are left out. [`ApiMode::ExtendedQuota`] serves everything with the pre-2026 field names.
//! - **Paging** objects with absolute `next`/`previous` links built from the server's own URL;
//!   playlist items default to 20 per page and allow at most 50 (the current reference; 100 was the
//!   historic maximum and can be scripted).
//! - **Field filters** (`fields=`): comma lists, dotted paths, nested parentheses to any depth and
//!   `!name` exclusions (a single field name after `!`); arrays are filtered element by element.
//! - **Rate limiting**: a rolling window per app with a request budget; excess answers `429` with
//!   `Retry-After` in seconds; a scripted ban answers every request with `429` and the remaining
//!   seconds.

mod accounts;
mod catalog;
mod credentials;
mod fields;
mod generator;
mod library;
mod objects;
mod paging;
pub mod scenario;
mod seeding;
mod web_api;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::time::Instant;

pub use catalog::{
    LocalFile, PlaylistEntry, PlaylistItem, SpotifyAlbum, SpotifyApp, SpotifyArtist,
    SpotifyEpisode, SpotifyImage, SpotifyPlaylist, SpotifyTrack, SpotifyUser,
};
pub use credentials::{AuthorizationOutcome, MintedTokens, RefreshTokenPolicy};
pub use generator::GeneratedPlaylist;

use super::{FakeRequest, FakeResponse, FakeServer, FakeUpstream};

/// Which rules of the Web API the fake applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApiMode {
    /// A development-mode app after the February 2026 changes (what every self-hoster has).
    #[default]
    Development,
    /// An extended-quota app: every endpoint and field as before February 2026.
    ExtendedQuota,
}

/// The scopes SoulSpot asks for (UPSTREAMS §5.5), which [`SpotifyFake::mint_access_token`] grants
/// when a test passes none.
pub const SOULSPOT_SCOPES: &[&str] = &[
    "playlist-read-private",
    "playlist-read-collaborative",
    "user-library-read",
    "user-follow-read",
];

/// The fake's data and script, shared by both servers; tests seed and script it directly.
#[derive(Debug, Default)]
pub struct SpotifyFake {
    state: Mutex<State>,
}

/// Both servers of a started fake, and the fake the test keeps to seed and script.
#[derive(Debug)]
pub struct RunningSpotify {
    /// The accounts service (`/authorize`, `/api/token`).
    pub accounts: FakeServer,
    /// The Web API (`/v1/...`).
    pub api: FakeServer,
    pub fake: Arc<SpotifyFake>,
}

impl RunningSpotify {
    /// `http://127.0.0.1:PORT` of the accounts service.
    pub fn accounts_url(&self) -> String {
        self.accounts.url()
    }

    /// `http://127.0.0.1:PORT/v1`: the base URL a Web API client uses.
    pub fn api_url(&self) -> String {
        format!("{}/v1", self.api.url())
    }

    /// The accounts service's `/authorize` URL.
    pub fn authorize_url(&self) -> String {
        format!("{}/authorize", self.accounts.url())
    }

    /// The accounts service's `/api/token` URL.
    pub fn token_url(&self) -> String {
        format!("{}/api/token", self.accounts.url())
    }
}

impl SpotifyFake {
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves `fake` as two servers on fresh loopback ports.
    pub async fn start(fake: Self) -> RunningSpotify {
        let fake = Arc::new(fake);
        let accounts = FakeServer::start_shared(Arc::new(AccountsService(fake.clone()))).await;
        let api = FakeServer::start_shared(Arc::new(WebApiService(fake.clone()))).await;
        fake.lock().api_base_url = Some(format!("{}/v1", api.url()));
        RunningSpotify {
            accounts,
            api,
            fake,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Switches between development-mode and extended-quota rules.
    pub fn set_api_mode(&self, mode: ApiMode) {
        self.lock().settings.mode = mode;
    }

    /// The largest `limit` `/playlists/{id}/items` accepts (50 by default, 100 historically).
    pub fn set_playlist_items_max_limit(&self, max_limit: usize) {
        self.lock().settings.playlist_items_max_limit = max_limit.max(1);
    }

    /// Whether development-mode playlist entries still carry the deprecated `track` beside `item`
    /// (true by default, as during Spotify's deprecation window).
    pub fn set_deprecated_track_field(&self, included: bool) {
        self.lock().settings.deprecated_track_field = included;
    }

    /// Whether track objects carry `external_ids` (the ISRC); true by default. Spotify removed the
    /// field for development mode in February 2026 and restored it in March.
    pub fn set_external_ids_visible(&self, visible: bool) {
        self.lock().settings.external_ids_visible = visible;
    }
}

/// What the fake knows and how it is scripted to behave.
#[derive(Debug, Default)]
struct State {
    /// `http://127.0.0.1:PORT/v1` once started (else the `Host` header decides).
    api_base_url: Option<String>,
    settings: Settings,
    users: Vec<SpotifyUser>,
    apps: Vec<SpotifyApp>,
    artists: HashMap<String, SpotifyArtist>,
    albums: HashMap<String, SpotifyAlbum>,
    /// Each album's track ids in the order they were added.
    album_tracks: HashMap<String, Vec<String>>,
    tracks: HashMap<String, SpotifyTrack>,
    episodes: HashMap<String, SpotifyEpisode>,
    playlists: HashMap<String, catalog::StoredPlaylist>,
    libraries: HashMap<String, catalog::Library>,
    /// Counts generated timestamps, so entries seeded without one still get distinct, increasing
    /// `added_at` values.
    timestamps_issued: i64,
    credentials: credentials::Credentials,
    rate_limit: RateLimit,
}

#[derive(Debug)]
struct Settings {
    mode: ApiMode,
    playlist_items_max_limit: usize,
    deprecated_track_field: bool,
    external_ids_visible: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            mode: ApiMode::Development,
            playlist_items_max_limit: 50,
            deprecated_track_field: true,
            external_ids_visible: true,
        }
    }
}

/// The rolling-window budget per app, and scripted bans.
#[derive(Debug, Default)]
struct RateLimit {
    /// Requests allowed per window; `None`: unlimited.
    budget: Option<(usize, Duration)>,
    /// When each app's counted requests arrived, oldest first.
    windows: HashMap<String, VecDeque<Instant>>,
    /// A ban of every request until then.
    ban_until: Option<Instant>,
    /// Bans of one app's requests.
    app_bans: HashMap<String, Instant>,
}

/// Whole seconds until `until`, rounded up and at least 1, as `Retry-After` carries them.
fn seconds_until(until: Instant, now: Instant) -> u64 {
    let remaining = until.saturating_duration_since(now);
    let seconds = remaining.as_secs() + u64::from(remaining.subsec_nanos() > 0);
    seconds.max(1)
}

impl SpotifyFake {
    /// Every app may make `budget` Web API requests in any rolling `window`; more answer `429`.
    pub fn set_rate_limit(&self, budget: usize, window: Duration) {
        let mut state = self.lock();
        state.rate_limit.budget = Some((budget, window));
        state.rate_limit.windows.clear();
    }

    /// Spotify's documented default: a rolling 30-second window.
    pub fn set_rate_limit_per_30_seconds(&self, budget: usize) {
        self.set_rate_limit(budget, Duration::from_secs(30));
    }

    /// No budget (the default).
    pub fn clear_rate_limit(&self) {
        let mut state = self.lock();
        state.rate_limit.budget = None;
        state.rate_limit.windows.clear();
    }

    /// Every Web API request answers `429` with the remaining seconds until `duration` has passed
    /// (e.g. 24 hours, as Spotify banned spotDL's shared client).
    pub fn start_ban(&self, duration: Duration) {
        self.lock().rate_limit.ban_until = Some(Instant::now() + duration);
    }

    /// Like [`SpotifyFake::start_ban`], for one app's requests only.
    pub fn start_app_ban(&self, client_id: &str, duration: Duration) {
        self.lock()
            .rate_limit
            .app_bans
            .insert(client_id.to_owned(), Instant::now() + duration);
    }

    /// Lifts every ban.
    pub fn end_bans(&self) {
        let mut state = self.lock();
        state.rate_limit.ban_until = None;
        state.rate_limit.app_bans.clear();
    }
}

/// The accounts service's face of the shared fake.
struct AccountsService(Arc<SpotifyFake>);

impl FakeUpstream for AccountsService {
    fn handle(&self, request: &FakeRequest) -> FakeResponse {
        accounts::handle(&mut self.0.lock(), request)
    }
}

/// The Web API's face of the shared fake.
struct WebApiService(Arc<SpotifyFake>);

impl FakeUpstream for WebApiService {
    fn handle(&self, request: &FakeRequest) -> FakeResponse {
        web_api::handle(&mut self.0.lock(), request)
    }
}
