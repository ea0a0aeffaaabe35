//! A fake of slskd's REST API v0 (`<server>/api/v0`), following the project's notes on the
//! upstream APIs (UPSTREAMS.md §5.1)
//! and slskd's own controllers and models (`SearchesController`, `TransfersController`,
//! `DownloadService`, `Search`, `Transfer`, the `State` record): camelCase JSON, null members left
//! out, flags as comma-joined names (`"Completed, Succeeded"`), .NET date and time-span formats.
//!
//! What it reproduces:
//!
//! - **Authentication**: every call needs `X-API-Key: <key>` (16–255 characters) or
//!   `Authorization: Bearer <jwt>` from `POST /session {username, password}`; otherwise `401`.
//!   `GET /session/enabled` and `POST /session` are anonymous. Unknown paths answer `404` and known
//!   paths with another method `405`, before authentication, as ASP.NET Core routes.
//! - **Application and server**: `GET /application` (slskd's `State` record), `GET
//!   /application/version` (a JSON string), `GET /server` (`{address, ipEndPoint, state,
//!   isConnected, isLoggedIn, isTransitioning}`), `PUT /server` (connect), `DELETE /server`
//!   (disconnect). A test scripts the connection with [`FakeSlskd::set_server_state`].
//! - **Searches** (see `searches`): responses arrive per peer over time from a seeded catalogue,
//!   filtered as Soulseek.NET filters them, ending on inactivity (`searchTimeout` after the last
//!   response), on the response or file limit, or on cancellation; counts grow while it runs and
//!   the responses appear when it completes, as in slskd. `400` for a bad body or blank text,
//!   `409` for a duplicate id or a disconnected server (the search is then recorded `Errored`),
//!   `429` while another `POST /searches` is in flight, `404` for unknown ids.
//! - **Downloads** (see `downloads` and `transfers`): enqueue answers `201 {enqueued, failed}`
//!   (`failed` holds transfer objects `"Completed, Aborted"` with an `exception`, for files already
//!   being downloaded from that user, as slskd's `DownloadService` returns them); `400` for an
//!   empty or malformed list or a `..` path segment, `429` while another enqueue is in flight,
//!   `500` when the user is offline or the server disconnected. Downloads then move through their
//!   states over time and succeed (writing the file) or end as scripted.
//!
//! **In flight.** slskd answers `429` when a `POST /searches` (one at a time) or `POST
//! /transfers/downloads/{username}` arrives while another is being processed. The fake models the
//! processing: a request that does its work (`200`/`201`) is busy for its processing time
//! ([`FakeSlskd::set_search_in_flight`], 50 ms by default; [`FakeSlskd::set_enqueue_in_flight`],
//! 50 ms, also sets how many may be busy at once: 1, while slskd's current source allows 2), and
//! its answer is held back by exactly that time (a [`crate::fake::ResponseDelay`]); a refusal (a
//! duplicate id, an offline user) answers at once. A request of the same kind arriving while
//! another is busy answers `429` at once. So a client that waits for each answer before sending
//! the next request is never refused, as with slskd; only truly concurrent requests are. The
//! processing time runs on tokio's clock (the one the server sleeps on), not on the fake's own
//! clock, so it passes even while a test has frozen the fake's time. A processing time of zero
//! turns the rule off.
//!
//! **Time.** Everything is computed from the time elapsed on the fake's clock: by default
//! `tokio::time::Instant` (so paused tokio time applies where a crate enables `test-util`); a test
//! can instead [`FakeSlskd::freeze_time`] and [`FakeSlskd::advance_time`] by hand for exact timing
//! over real HTTP, and [`FakeSlskd::resume_time`]. Timestamps in the JSON are the wall clock at the
//! fake's creation plus the fake's elapsed time.
//!
//! **slskd's quirks, kept on purpose** (a client must cope with them against the real service):
//! the responses of a search are `[]` until it completes; a transfer's `requestedAt` and
//! `enqueuedAt` carry no offset (UTC read back from SQLite) while `startedAt`/`endedAt` carry `Z`,
//! and the `201` of an enqueue still shows `requestedAt` with `Z`; `isLocked` is always `false`
//! (locked files are recognised by being in `lockedFiles`); a transfer has no `removed` member;
//! `DELETE …/{id}` of an unknown id answers `204` unless `remove=true` (`404`); `remove=true` on a
//! download still running cancels it but answers `500`, because slskd's cancellation completes
//! asynchronously; `GET …/{username}/{id}` finds the id whatever the username; non-GUID ids are
//! `400` under `/transfers` and `404` under `/searches`.
//!
//! Not reproduced: batches (`/transfers/downloads/batches`), uploads, browsing and user endpoints,
//! SignalR hubs, events and webhooks, retries, partial files in the `incomplete` directory, API key
//! roles and CIDR allow-lists, per-user upload queues (each download runs on its own schedule), and
//! usernames containing `/`.

mod application;
mod catalogue;
mod downloads;
mod generator;
mod routing;
pub mod scenario;
mod scripts;
mod searches;
mod states;
mod transfers;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use http::StatusCode;
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use tokio::time::Instant;

pub use catalogue::{Peer, SharedFile};
pub use downloads::DownloadSummary;
pub use generator::{GeneratedAlbum, GeneratedCatalogue, generate_catalogue};
pub use scripts::{TransferFailure, TransferOutcome, TransferPhase, TransferScript};
pub use searches::StartedSearch;
pub use states::{SearchStates, ServerStates, TransferStates};

use super::{FakeRequest, FakeResponse, Running, text_response};

/// How the fake slskd is set up.
#[derive(Debug, Clone)]
pub struct SlskdConfig {
    /// The API key clients send as `X-API-Key` (16–255 characters).
    pub api_key: String,
    /// Where successful downloads are written (`directories.downloads`).
    pub downloads_directory: PathBuf,
    /// What `/application/version` reports.
    pub version: String,
    /// The web UI's credentials, for `POST /session`.
    pub web_username: String,
    pub web_password: String,
    /// How long a session token is valid (slskd's default: 7 days).
    pub token_lifetime: Duration,
    /// Seeds ids and tokens, so a run is repeatable.
    pub seed: u64,
}

impl SlskdConfig {
    pub fn new(api_key: impl Into<String>, downloads_directory: impl Into<PathBuf>) -> Self {
        Self {
            api_key: api_key.into(),
            downloads_directory: downloads_directory.into(),
            version: "0.24.1".to_owned(),
            web_username: "slskd".to_owned(),
            web_password: "slskd".to_owned(),
            token_lifetime: Duration::from_secs(7 * 24 * 60 * 60),
            seed: 5030,
        }
    }
}

/// The fake slskd: serve it with [`crate::fake::Running::start`], keep `running.fake` to seed the
/// simulated network and script its behaviour.
#[derive(Debug)]
pub struct FakeSlskd {
    config: SlskdConfig,
    state: Mutex<State>,
}

/// The fake's time: `tokio::time::Instant` (so paused test time applies), or a clock frozen by
/// the test and moved by hand; and the wall-clock timestamps the JSON shows for it.
#[derive(Debug, Clone, Copy)]
struct Clock {
    origin: Instant,
    origin_wall: DateTime<Utc>,
    /// Set while the test controls time: how far after `origin` it stands.
    frozen_at: Option<Duration>,
    /// Once resumed, how far the fake's clock runs ahead of (or behind) real time.
    ahead: Duration,
    behind: Duration,
}

impl Clock {
    fn now(&self) -> Instant {
        match self.frozen_at {
            Some(elapsed) => self.origin + elapsed,
            None => {
                let real = Instant::now() + self.ahead;
                real.checked_sub(self.behind).unwrap_or(real)
            }
        }
    }

    fn wall(&self, at: Instant) -> DateTime<Utc> {
        let elapsed = at.saturating_duration_since(self.origin);
        self.origin_wall + chrono::TimeDelta::from_std(elapsed).unwrap_or_default()
    }
}

/// Requests "being processed": each accepted one is busy for `processing` (its answer is held
/// back that long); a request that finds `permits` of them busy is refused. Measured on tokio's
/// clock, the one the server's hold-back sleeps on, so a busy request ends exactly when its answer
/// leaves.
#[derive(Debug, Clone)]
struct InFlight {
    processing: Duration,
    permits: usize,
    busy_until: Vec<Instant>,
}

/// A request that passed the in-flight gate and is busy until `until` (or not at all, for a
/// processing time of zero).
#[derive(Debug, Clone, Copy)]
struct Processing {
    until: Option<Instant>,
    duration: Duration,
}

impl InFlight {
    fn new(processing: Duration, permits: usize) -> Self {
        Self {
            processing,
            permits,
            busy_until: Vec::new(),
        }
    }

    /// Begins processing a request arriving now, or `None` when too many are busy (the caller
    /// answers `429`).
    fn try_begin(&mut self) -> Option<Processing> {
        let now = Instant::now();
        self.busy_until.retain(|until| *until > now);
        if self.busy_until.len() >= self.permits {
            return None;
        }
        let until = (!self.processing.is_zero()).then(|| now + self.processing);
        self.busy_until.extend(until);
        Some(Processing {
            until,
            duration: self.processing,
        })
    }

    /// Ends `processing` at once: the request was refused without doing its work.
    fn end_early(&mut self, processing: Processing) {
        if let Some(until) = processing.until
            && let Some(index) = self.busy_until.iter().position(|busy| *busy == until)
        {
            self.busy_until.remove(index);
        }
    }
}

/// The answer to a request that passed the in-flight gate: one that did its work (`2xx`) is held
/// back by the processing time, as a busy slskd would answer; a refusal (`4xx`, `5xx`) answers at
/// once and frees its place.
fn finish_processing(
    in_flight: &mut InFlight,
    processing: Processing,
    mut response: FakeResponse,
) -> FakeResponse {
    if !response.status().is_success() {
        in_flight.end_early(processing);
    } else if !processing.duration.is_zero() {
        response
            .extensions_mut()
            .insert(super::ResponseDelay(processing.duration));
    }
    response
}

/// Scripted download behaviour: per file beats per user beats the default.
#[derive(Debug, Clone, Default)]
struct TransferScripts {
    default: Option<TransferScript>,
    users: HashMap<String, TransferScript>,
    files: HashMap<(String, String), TransferScript>,
}

impl TransferScripts {
    fn resolve(&self, username: &str, filename: &str) -> Option<TransferScript> {
        self.files
            .get(&(username.to_owned(), filename.to_owned()))
            .or_else(|| self.users.get(username))
            .or(self.default.as_ref())
            .cloned()
    }
}

#[derive(Debug)]
struct State {
    clock: Clock,
    peers: Vec<Peer>,
    offline_users: HashSet<String>,
    server_state: ServerStates,
    searches: Vec<searches::SearchRecord>,
    started_searches: Vec<StartedSearch>,
    search_in_flight: InFlight,
    enqueue_in_flight: InFlight,
    transfers: Vec<transfers::TransferRecord>,
    scripts: TransferScripts,
    last_token: i32,
    random: StdRng,
    token_key: [u8; 32],
    /// Issued session tokens and when they expire.
    sessions: HashMap<String, Instant>,
}

impl State {
    /// Soulseek.NET's next search token.
    fn next_token(&mut self) -> i32 {
        self.last_token = self.last_token.wrapping_add(1).max(1);
        self.last_token
    }
}

impl FakeSlskd {
    /// # Panics
    /// When the API key is not 16–255 characters long (slskd refuses to start with one).
    pub fn new(config: SlskdConfig) -> Self {
        let key_length = config.api_key.chars().count();
        assert!(
            (16..=255).contains(&key_length),
            "slskd API keys are 16–255 characters long, not {key_length}"
        );
        let mut random = StdRng::seed_from_u64(config.seed);
        let token_key = random.random();
        let last_token = random.random_range(1_000..1_000_000);
        let state = State {
            clock: Clock {
                origin: Instant::now(),
                origin_wall: Utc::now(),
                frozen_at: None,
                ahead: Duration::ZERO,
                behind: Duration::ZERO,
            },
            peers: Vec::new(),
            offline_users: HashSet::new(),
            server_state: ServerStates::CONNECTED_LOGGED_IN,
            searches: Vec::new(),
            started_searches: Vec::new(),
            search_in_flight: InFlight::new(Duration::from_millis(50), 1),
            enqueue_in_flight: InFlight::new(Duration::from_millis(50), 1),
            transfers: Vec::new(),
            scripts: TransferScripts::default(),
            last_token,
            random,
            token_key,
            sessions: HashMap::new(),
        };
        Self {
            config,
            state: Mutex::new(state),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn config(&self) -> &SlskdConfig {
        &self.config
    }

    /// Adds a peer to the simulated network (replacing one of the same name).
    pub fn add_peer(&self, peer: Peer) {
        let mut state = self.lock();
        state.peers.retain(|known| known.username != peer.username);
        state.peers.push(peer);
    }

    pub fn add_peers(&self, peers: impl IntoIterator<Item = Peer>) {
        for peer in peers {
            self.add_peer(peer);
        }
    }

    /// An offline user answers no searches, and enqueueing from them fails with `500`.
    pub fn set_user_online(&self, username: &str, online: bool) {
        let mut state = self.lock();
        if online {
            state.offline_users.remove(username);
        } else {
            state.offline_users.insert(username.to_owned());
        }
    }

    /// The Soulseek server connection, e.g. [`ServerStates::DISCONNECTED`]; searches need
    /// `"Connected, LoggedIn"` (else `409`), enqueues too (else `500`).
    pub fn set_server_state(&self, server_state: ServerStates) {
        self.lock().server_state = server_state;
    }

    /// How long an accepted `POST /searches` is processed: its answer is held back that long, and
    /// another one arriving meanwhile answers `429` (zero: answer at once, never refuse).
    pub fn set_search_in_flight(&self, processing: Duration) {
        self.lock().search_in_flight = InFlight::new(processing, 1);
    }

    /// How long an accepted enqueue is processed (its answer held back that long), and how many
    /// may be processed at once before a further one answers `429`.
    pub fn set_enqueue_in_flight(&self, processing: Duration, permits: usize) {
        self.lock().enqueue_in_flight = InFlight::new(processing, permits.max(1));
    }

    /// The script for every download without a more specific one (else one derived from the
    /// peer: its upload speed, and a 2 s remote queue when it has no free slot).
    pub fn set_default_transfer_script(&self, script: TransferScript) {
        self.lock().scripts.default = Some(script);
    }

    /// The script for downloads from `username`.
    pub fn script_user_transfers(&self, username: &str, script: TransferScript) {
        self.lock()
            .scripts
            .users
            .insert(username.to_owned(), script);
    }

    /// The script for one file from one user (the remote path exactly as shared).
    pub fn script_file_transfer(&self, username: &str, filename: &str, script: TransferScript) {
        self.lock()
            .scripts
            .files
            .insert((username.to_owned(), filename.to_owned()), script);
    }

    /// Stops the fake's clock: searches and downloads stand still until
    /// [`FakeSlskd::advance_time`] moves them, whatever the real time does. Makes timing tests
    /// exact over real HTTP.
    pub fn freeze_time(&self) {
        let mut state = self.lock();
        let now = state.clock.now();
        state.clock.frozen_at = Some(now.saturating_duration_since(state.clock.origin));
    }

    /// Moves the fake's clock forward by `by` (freezing it first if it runs).
    pub fn advance_time(&self, by: Duration) {
        self.freeze_time();
        let mut state = self.lock();
        state.clock.frozen_at = state.clock.frozen_at.map(|elapsed| elapsed + by);
    }

    /// Lets the fake's clock run with real (or paused tokio) time again, from where it stands.
    pub fn resume_time(&self) {
        let mut state = self.lock();
        let clock = &mut state.clock;
        if let Some(elapsed) = clock.frozen_at.take() {
            // The running clock continues from the frozen moment, not from real time.
            let frozen = clock.origin + elapsed;
            let real = Instant::now();
            clock.ahead = frozen.saturating_duration_since(real);
            clock.behind = real.saturating_duration_since(frozen);
        }
    }

    /// The fake's current time (its own clock when frozen).
    pub fn now(&self) -> Instant {
        self.lock().clock.now()
    }

    /// Every search that started (was sent to the network), oldest first.
    pub fn started_searches(&self) -> Vec<StartedSearch> {
        self.lock().started_searches.clone()
    }

    /// The most searches started within any span of `window` (for budgets such as 34 per 220 s).
    pub fn most_searches_within(&self, window: Duration) -> usize {
        let state = self.lock();
        let starts: Vec<Instant> = state
            .started_searches
            .iter()
            .map(|search| search.at)
            .collect();
        starts
            .iter()
            .enumerate()
            .map(|(first, start)| {
                starts[first..]
                    .iter()
                    .take_while(|later| later.saturating_duration_since(*start) < window)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    /// Every search's id and state now.
    pub fn search_states(&self) -> Vec<(String, SearchStates)> {
        let state = self.lock();
        searches::states(&state, state.clock.now())
    }

    /// Every download's state now (after writing the files of those that succeeded).
    pub fn downloads(&self) -> Vec<DownloadSummary> {
        self.settle();
        let state = self.lock();
        downloads::summaries(&state, state.clock.now())
    }

    /// Writes the file of every download that has succeeded by now. The fake also does this at
    /// the start of every request it handles.
    pub fn settle(&self) {
        let mut state = self.lock();
        let now = state.clock.now();
        downloads::settle(&mut state, &self.config.downloads_directory, now);
    }

    /// Where a successful download of `filename` lands: `<downloads>/<remote parent>/<name>`
    /// (before any `_<ticks>` suffix for a name already taken).
    pub fn local_path(&self, filename: &str) -> PathBuf {
        downloads::local_path(&self.config.downloads_directory, filename)
    }

    fn authorized(&self, state: &mut State, request: &FakeRequest, now: Instant) -> bool {
        if request.header("x-api-key") == Some(self.config.api_key.as_str()) {
            return true;
        }
        let Some(token) = request
            .header("authorization")
            .and_then(|value| value.strip_prefix("Bearer "))
        else {
            return false;
        };
        state.sessions.retain(|_, expires| *expires > now);
        state.sessions.contains_key(token.trim())
    }
}

impl Running<FakeSlskd> {
    /// `http://127.0.0.1:PORT/api/v0`: the base a client uses.
    pub fn api_url(&self) -> String {
        format!("{}/api/v0", self.url())
    }
}

/// An error as slskd's controllers return one: the message as a JSON string.
fn error_response(status: StatusCode, message: &str) -> FakeResponse {
    super::json_response(status, &serde_json::Value::String(message.to_owned()))
}

/// ASP.NET Core's automatic `400` for a body or parameter that does not bind (a problem details
/// object).
fn problem_response(message: &str) -> FakeResponse {
    let body = serde_json::json!({
        "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        "title": "One or more validation errors occurred.",
        "status": 400,
        "errors": { "$": [message] },
        "traceId": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
    });
    text_response(
        StatusCode::BAD_REQUEST,
        "application/problem+json; charset=utf-8",
        body.to_string(),
    )
}

/// A fresh version-4 GUID in .NET's default (`D`) format.
fn new_guid(random: &mut StdRng) -> String {
    let mut bytes: [u8; 16] = random.random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// A GUID in any format .NET parses (`N`, `D`, `B`, `P`), as lower-case `D`; `None` otherwise.
fn parse_guid(text: &str) -> Option<String> {
    let text = text.trim();
    let inner = text
        .strip_prefix('{')
        .and_then(|rest| rest.strip_suffix('}'))
        .or_else(|| {
            text.strip_prefix('(')
                .and_then(|rest| rest.strip_suffix(')'))
        })
        .unwrap_or(text);
    let hex: String = match inner.len() {
        32 => inner.to_owned(),
        36 => {
            let groups: Vec<&str> = inner.split('-').collect();
            let lengths: Vec<usize> = groups.iter().map(|group| group.len()).collect();
            if lengths != [8, 4, 4, 4, 12] {
                return None;
            }
            groups.concat()
        }
        _ => return None,
    };
    if !hex.chars().all(|character| character.is_ascii_hexdigit()) {
        return None;
    }
    let hex = hex.to_ascii_lowercase();
    Some(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}
