//! A faithful fake of the MusicBrainz web service v2 (`<server>/ws/2`), JSON only.
//!
//! What it reproduces, as the real service behaves (UPSTREAMS.md §5.2):
//! - **User-Agent rule.** A request without a User-Agent, with a blank one, or with a generic one
//!   is refused with 403. "Generic" means the first product token is a library default
//!   (`python-requests`, `python-urllib`, `curl`, `wget`, `Go-http-client`, `hyper`, `reqwest`,
//!   `okhttp`, `Java`, `Apache-HttpClient`, `axios`, `node-fetch`, `undici`, `libwww-perl`, …), or
//!   the User-Agent has neither a `Name/version` product nor a contact (an e-mail address or a URL)
//!   inside parentheses. `SoulSpot/0.1.0 ( https://example.org )` passes; `SoulSpot` does not.
//! - **Format.** `fmt=json` or an `Accept` header naming `application/json` gets JSON. The real
//!   service answers XML otherwise; this fake speaks only JSON and answers such requests 406 (an
//!   unknown `fmt` value gets 400, as on the real service).
//! - **Rate limit.** One bucket for the whole client (the real limit is per source IP, and every
//!   test client is 127.0.0.1): a token bucket refilled at 1 request/s holding at most 2 tokens,
//!   so a client that averages one request per second passes even with scheduling jitter, and
//!   anything faster gets 503 with MusicBrainz's error body and `Retry-After`. Refused requests
//!   take no token, so a client is blocked exactly until its rate falls back under the limit.
//!   The rate and burst are configurable ([`FakeMusicBrainz::set_rate_limit`]), and the 503s are
//!   counted ([`FakeMusicBrainz::throttled_requests`]) so a test can assert "zero 503s". The
//!   bucket runs on tokio's clock, so paused-time tests drive it.
//! - **Lookups** of recordings, releases, release groups and artists by MBID with `inc=`
//!   sub-queries (validated per resource like the real service), the **ISRC lookup** (one or many
//!   recordings; an ISRC attached to no recording is 404, since MusicBrainz has no ISRC apart from
//!   its recordings), and the **recording search** with a Lucene query (fields, phrases, ranges,
//!   `AND`/`OR`/`NOT`/`+`/`-`, groups, wildcards and fuzzy terms), scores 0–100 relative to the
//!   best hit, `limit` (1–100, default 25) and `offset`.
//! - Field names are the real hyphenated ones (`artist-credit`, `release-group`, `sort-name`,
//!   `first-release-date`, `track-count`, …), including the search format's quirk of listing a
//!   medium's tracks under `track` (lookups use `tracks`).
//!
//! Seeding: [`FakeMusicBrainz::add_artist`], [`FakeMusicBrainz::add_recording`],
//! [`FakeMusicBrainz::add_release_group`], [`FakeMusicBrainz::add_release`], and a deterministic
//! catalogue ([`FakeMusicBrainz::seed_catalog_batch`] for the testkit's Spotify-shaped catalogue,
//! [`FakeMusicBrainz::generate_catalogue`] for the same with MusicBrainz's usual untidiness).

mod catalogue;
mod json;
mod search;
mod seeds;
mod text;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use http::StatusCode;
use serde_json::{Value, json};
use soulspot_domain::CatalogBatch;

use super::{FakeRequest, FakeResponse, FakeUpstream, json_response, text_response};

pub use seeds::{
    ArtistSeed, CoverArtSummary, CreditSeed, LabelSeed, MediumSeed, RecordingSeed,
    ReleaseGroupSeed, ReleaseSeed, ReleaseSummary, SeededCatalogue, TrackSeed,
};
pub(crate) use text::fold_to_ascii_lowercase;
pub use text::{deterministic_mbid, is_valid_mbid, user_agent_refusal};

use catalogue::{add_untidiness, seed_batch};
use json::{artist_json, parse_includes, recording_json, release_group_json, release_json};
use search::search_recordings;
use text::{default_sort_name, is_valid_isrc};

/// The path every endpoint of the web service lives under.
pub const WEB_SERVICE_PREFIX: &str = "/ws/2";

/// The body of the real service's rate-limit 503.
pub const RATE_LIMIT_ERROR: &str = "Your requests are exceeding the allowable rate limit. Please see http://wiki.musicbrainz.org/XMLWebService for more information.";

const HELP: &str = "For usage, please see: https://musicbrainz.org/development/mmd";

/// An artist as the catalogue keeps it.
#[derive(Debug, Clone)]
struct Artist {
    id: String,
    name: String,
    sort_name: String,
    artist_type: Option<String>,
    country: Option<String>,
    disambiguation: String,
}

/// One artist of an artist credit (`artist` is a position in the catalogue's artists).
#[derive(Debug, Clone)]
struct Credit {
    artist: usize,
    credited_as: String,
    joinphrase: String,
}

/// A recording; catalogue entities refer to each other by position.
#[derive(Debug, Clone)]
struct Recording {
    id: String,
    title: String,
    length_ms: Option<u32>,
    isrcs: Vec<String>,
    credit: Vec<Credit>,
    disambiguation: String,
    video: bool,
}

/// A release group and the positions of its releases.
#[derive(Debug, Clone)]
struct ReleaseGroup {
    id: String,
    title: String,
    primary_type: Option<String>,
    secondary_types: Vec<String>,
    credit: Vec<Credit>,
    disambiguation: String,
    releases: Vec<usize>,
}

/// A track of a medium: a recording as printed on one release.
#[derive(Debug, Clone)]
struct Track {
    id: String,
    recording: usize,
    title: String,
    length_ms: Option<u32>,
    number: String,
    credit: Vec<Credit>,
}

/// A disc (or other medium) of a release.
#[derive(Debug, Clone)]
struct Medium {
    format: Option<String>,
    title: String,
    tracks: Vec<Track>,
}

/// A release: an edition of a release group, with its media.
#[derive(Debug, Clone)]
struct Release {
    id: String,
    title: String,
    credit: Vec<Credit>,
    date: Option<String>,
    country: Option<String>,
    status: Option<String>,
    barcode: Option<String>,
    packaging: Option<String>,
    release_group: usize,
    labels: Vec<LabelSeed>,
    media: Vec<Medium>,
    cover_art: CoverArtSummary,
    disambiguation: String,
}

/// Where a recording appears: (release, medium, track) positions.
type Appearance = (usize, usize, usize);

/// A token bucket on tokio's clock.
#[derive(Debug)]
struct TokenBucket {
    requests_per_second: f64,
    capacity: f64,
    tokens: f64,
    refilled_at: Option<tokio::time::Instant>,
}

impl TokenBucket {
    fn new(requests_per_second: f64, burst: u32) -> Self {
        let capacity = f64::from(burst.max(1));
        Self {
            requests_per_second,
            capacity,
            tokens: capacity,
            refilled_at: None,
        }
    }

    fn refill(&mut self) {
        let now = tokio::time::Instant::now();
        if let Some(before) = self.refilled_at {
            let earned = now.duration_since(before).as_secs_f64() * self.requests_per_second;
            self.tokens = (self.tokens + earned).min(self.capacity);
        }
        self.refilled_at = Some(now);
    }

    /// Takes a token, or says how long until one is there.
    fn take(&mut self) -> Result<(), Duration> {
        self.refill();
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - self.tokens) / self.requests_per_second,
            ))
        }
    }
}

/// The catalogue, its indexes by MBID, and the rate limit and its counters.
#[derive(Debug, Default)]
struct State {
    artists: Vec<Artist>,
    recordings: Vec<Recording>,
    release_groups: Vec<ReleaseGroup>,
    releases: Vec<Release>,
    artist_index: HashMap<String, usize>,
    recording_index: HashMap<String, usize>,
    release_group_index: HashMap<String, usize>,
    release_index: HashMap<String, usize>,
    appearances: HashMap<usize, Vec<Appearance>>,
    generated_ids: u64,
    rate_limit: Option<TokenBucket>,
    throttled: u64,
    refused_user_agents: u64,
}

/// The fake MusicBrainz web service. Serve it with `Running::start(FakeMusicBrainz::new())`
/// and point the client at `<url>/ws/2`.
#[derive(Debug)]
pub struct FakeMusicBrainz {
    state: Mutex<State>,
}

impl Default for FakeMusicBrainz {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeMusicBrainz {
    /// An empty catalogue, rate-limited like the real service (1 request/s, burst of 2).
    pub fn new() -> Self {
        let state = State {
            rate_limit: Some(TokenBucket::new(1.0, 2)),
            ..State::default()
        };
        Self {
            state: Mutex::new(state),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Allows `requests_per_second` on average, `burst` at once after a quiet spell (the bucket
    /// starts full).
    ///
    /// # Panics
    /// When `requests_per_second` is not a positive number.
    pub fn set_rate_limit(&self, requests_per_second: f64, burst: u32) {
        assert!(
            requests_per_second.is_finite() && requests_per_second > 0.0,
            "a rate limit needs a positive rate, not {requests_per_second}"
        );
        self.state().rate_limit = Some(TokenBucket::new(requests_per_second, burst));
    }

    /// No rate limit (a local mirror).
    pub fn disable_rate_limit(&self) {
        self.state().rate_limit = None;
    }

    /// Requests answered 503 because they exceeded the rate limit.
    pub fn throttled_requests(&self) -> u64 {
        self.state().throttled
    }

    /// Requests refused with 403 for a missing or generic User-Agent.
    pub fn refused_user_agents(&self) -> u64 {
        self.state().refused_user_agents
    }

    /// Adds an artist and returns its MBID.
    ///
    /// # Panics
    /// When the MBID is malformed or taken.
    pub fn add_artist(&self, seed: ArtistSeed) -> String {
        let mut state = self.state();
        let id = state.new_id("artist", seed.id.as_deref());
        let sort_name = seed
            .sort_name
            .unwrap_or_else(|| default_sort_name(&seed.name));
        let index = state.artists.len();
        state.artists.push(Artist {
            id: id.clone(),
            name: seed.name,
            sort_name,
            artist_type: seed.artist_type,
            country: seed.country,
            disambiguation: seed.disambiguation,
        });
        state.artist_index.insert(id.clone(), index);
        id
    }

    /// Adds a recording and returns its MBID.
    ///
    /// # Panics
    /// When the MBID is malformed or taken, or the credit names an unknown artist.
    pub fn add_recording(&self, seed: RecordingSeed) -> String {
        let mut state = self.state();
        let id = state.new_id("recording", seed.id.as_deref());
        let credit = state.resolve_credit(&seed.artist_credit);
        let index = state.recordings.len();
        state.recordings.push(Recording {
            id: id.clone(),
            title: seed.title,
            length_ms: seed.length_ms,
            isrcs: seed
                .isrcs
                .iter()
                .map(|isrc| isrc.to_ascii_uppercase())
                .collect(),
            credit,
            disambiguation: seed.disambiguation,
            video: seed.video,
        });
        state.recording_index.insert(id.clone(), index);
        id
    }

    /// Attaches another ISRC to an existing recording.
    ///
    /// # Panics
    /// When the recording is unknown.
    pub fn add_isrc(&self, recording_id: &str, isrc: &str) {
        let mut state = self.state();
        let index = state.recording(recording_id);
        state.recordings[index]
            .isrcs
            .push(isrc.to_ascii_uppercase());
    }

    /// Adds a release group and returns its MBID.
    ///
    /// # Panics
    /// When the MBID is malformed or taken, or the credit names an unknown artist.
    pub fn add_release_group(&self, seed: ReleaseGroupSeed) -> String {
        let mut state = self.state();
        state.insert_release_group(seed)
    }

    /// Adds a release (and its release group when it names none) and returns its MBID.
    ///
    /// # Panics
    /// When an MBID is malformed or taken, or the release names an unknown release group,
    /// recording or artist.
    pub fn add_release(&self, seed: ReleaseSeed) -> String {
        let mut state = self.state();
        state.insert_release(seed)
    }

    /// The release group a release belongs to.
    pub fn release_group_of(&self, release_id: &str) -> Option<String> {
        let state = self.state();
        let release = *state.release_index.get(release_id)?;
        Some(
            state.release_groups[state.releases[release].release_group]
                .id
                .clone(),
        )
    }

    /// Every release, in the order they were added.
    pub fn releases(&self) -> Vec<ReleaseSummary> {
        let state = self.state();
        state
            .releases
            .iter()
            .map(|release| ReleaseSummary {
                id: release.id.clone(),
                release_group_id: state.release_groups[release.release_group].id.clone(),
                title: release.title.clone(),
                date: release.date.clone(),
                cover_art: release.cover_art,
            })
            .collect()
    }

    /// The recordings carrying `isrc`.
    pub fn recordings_with_isrc(&self, isrc: &str) -> Vec<String> {
        let state = self.state();
        let isrc = isrc.to_ascii_uppercase();
        state
            .recordings
            .iter()
            .filter(|recording| recording.isrcs.contains(&isrc))
            .map(|recording| recording.id.clone())
            .collect()
    }

    /// Mirrors a Spotify-shaped catalogue batch exactly: an artist per batch artist, a release
    /// group and one release per album (its tracks on media by disc number), a recording per
    /// track with the same title, length, ISRC and credits. Deterministic: the same batch gives
    /// the same MBIDs.
    pub fn seed_catalog_batch(&self, batch: &CatalogBatch) -> SeededCatalogue {
        let mut state = self.state();
        seed_batch(&mut state, batch)
    }

    /// A realistic catalogue of `tracks` tracks from the testkit's generator (same titles,
    /// artists, albums and ISRCs as the Spotify side of the catalogue), plus MusicBrainz's usual
    /// untidiness: every fourth album has a second edition (another country, a later date, the
    /// same recordings), and every seventh ISRC is shared by a second, remastered recording a
    /// little longer than the first, on a compilation. The returned ids name the primary
    /// entities.
    pub fn generate_catalogue(&self, seed: u64, tracks: u64) -> SeededCatalogue {
        let batch = crate::catalog::catalog_batch(seed, 0, tracks);
        let mut state = self.state();
        let seeded = seed_batch(&mut state, &batch);
        add_untidiness(&mut state, &batch, &seeded);
        seeded
    }
}

impl State {
    /// An MBID for a new entity: the given one (validated) or a deterministic new one.
    fn new_id(&mut self, kind: &str, given: Option<&str>) -> String {
        let id = match given {
            Some(id) => {
                assert!(is_valid_mbid(id), "{id:?} is not a valid MBID");
                id.to_ascii_lowercase()
            }
            None => {
                self.generated_ids += 1;
                deterministic_mbid(&format!("{kind}/{}", self.generated_ids))
            }
        };
        let taken = match kind {
            "artist" => self.artist_index.contains_key(&id),
            "recording" => self.recording_index.contains_key(&id),
            "release-group" => self.release_group_index.contains_key(&id),
            _ => self.release_index.contains_key(&id),
        };
        assert!(!taken, "{kind} {id} was already added");
        id
    }

    fn artist(&self, id: &str) -> usize {
        match self.artist_index.get(id) {
            Some(index) => *index,
            None => panic!("unknown artist {id}: add it first"),
        }
    }

    fn recording(&self, id: &str) -> usize {
        match self.recording_index.get(id) {
            Some(index) => *index,
            None => panic!("unknown recording {id}: add it first"),
        }
    }

    fn resolve_credit(&self, seeds: &[CreditSeed]) -> Vec<Credit> {
        seeds
            .iter()
            .map(|seed| {
                let artist = self.artist(&seed.artist_id);
                Credit {
                    artist,
                    credited_as: seed
                        .credited_as
                        .clone()
                        .unwrap_or_else(|| self.artists[artist].name.clone()),
                    joinphrase: seed.joinphrase.clone(),
                }
            })
            .collect()
    }

    fn insert_release_group(&mut self, seed: ReleaseGroupSeed) -> String {
        let id = self.new_id("release-group", seed.id.as_deref());
        let credit = self.resolve_credit(&seed.artist_credit);
        let index = self.release_groups.len();
        self.release_groups.push(ReleaseGroup {
            id: id.clone(),
            title: seed.title,
            primary_type: seed.primary_type,
            secondary_types: seed.secondary_types,
            credit,
            disambiguation: seed.disambiguation,
            releases: Vec::new(),
        });
        self.release_group_index.insert(id.clone(), index);
        id
    }

    fn insert_release(&mut self, seed: ReleaseSeed) -> String {
        let id = self.new_id("release", seed.id.as_deref());
        let mut media = Vec::with_capacity(seed.media.len());
        for medium in &seed.media {
            let mut tracks = Vec::with_capacity(medium.tracks.len());
            for (position, track) in medium.tracks.iter().enumerate() {
                let recording = self.recording(&track.recording_id);
                let track_id = match &track.id {
                    Some(id) => id.to_ascii_lowercase(),
                    None => {
                        self.generated_ids += 1;
                        deterministic_mbid(&format!("track/{}", self.generated_ids))
                    }
                };
                let credit = match &track.artist_credit {
                    Some(credit) => self.resolve_credit(credit),
                    None => self.recordings[recording].credit.clone(),
                };
                tracks.push(Track {
                    id: track_id,
                    recording,
                    title: track
                        .title
                        .clone()
                        .unwrap_or_else(|| self.recordings[recording].title.clone()),
                    length_ms: track.length_ms.or(self.recordings[recording].length_ms),
                    number: track
                        .number
                        .clone()
                        .unwrap_or_else(|| (position + 1).to_string()),
                    credit,
                });
            }
            media.push(Medium {
                format: medium.format.clone(),
                title: medium.title.clone(),
                tracks,
            });
        }
        let mut credit = self.resolve_credit(&seed.artist_credit);
        let release_group = match &seed.release_group_id {
            Some(group_id) => match self.release_group_index.get(group_id) {
                Some(index) => *index,
                None => panic!("unknown release group {group_id}: add it first"),
            },
            None => {
                let group_seed = ReleaseGroupSeed {
                    id: None,
                    title: seed.title.clone(),
                    primary_type: Some(seed.new_release_group_type.clone()),
                    secondary_types: Vec::new(),
                    artist_credit: seed.artist_credit.clone(),
                    disambiguation: String::new(),
                };
                let group_id = self.insert_release_group(group_seed);
                self.release_group_index[&group_id]
            }
        };
        if credit.is_empty() {
            credit = self.release_groups[release_group].credit.clone();
        }
        if credit.is_empty()
            && let Some(first) = media.iter().flat_map(|medium| &medium.tracks).next()
        {
            credit = first.credit.clone();
        }
        if self.release_groups[release_group].credit.is_empty() {
            self.release_groups[release_group].credit = credit.clone();
        }
        let index = self.releases.len();
        for (medium_position, medium) in media.iter().enumerate() {
            for (track_position, track) in medium.tracks.iter().enumerate() {
                self.appearances.entry(track.recording).or_default().push((
                    index,
                    medium_position,
                    track_position,
                ));
            }
        }
        self.releases.push(Release {
            id: id.clone(),
            title: seed.title,
            credit,
            date: seed.date,
            country: seed.country,
            status: seed.status,
            barcode: seed.barcode,
            packaging: seed.packaging,
            release_group,
            labels: seed.labels,
            media,
            cover_art: seed.cover_art,
            disambiguation: seed.disambiguation,
        });
        self.release_groups[release_group].releases.push(index);
        self.release_index.insert(id.clone(), index);
        id
    }

    fn release_group_first_date(&self, group: usize) -> Option<&str> {
        self.release_groups[group]
            .releases
            .iter()
            .filter_map(|release| self.releases[*release].date.as_deref())
            .min()
    }

    fn recording_first_date(&self, recording: usize) -> Option<&str> {
        self.appearances
            .get(&recording)
            .into_iter()
            .flatten()
            .filter_map(|(release, _, _)| self.releases[*release].date.as_deref())
            .min()
    }

    /// The releases a recording appears on, each once, in the order they were added.
    fn releases_of(&self, recording: usize) -> Vec<usize> {
        let set: BTreeSet<usize> = self
            .appearances
            .get(&recording)
            .into_iter()
            .flatten()
            .map(|(release, _, _)| *release)
            .collect();
        set.into_iter().collect()
    }
}

// ----- Request handling ----------------------------------------------------------------------

/// A response that ends a request early; boxed, because a response is large to carry in `Err`.
type Refusal = Box<FakeResponse>;

fn refuse(response: FakeResponse) -> Refusal {
    Box::new(response)
}

fn error(status: StatusCode, message: &str) -> FakeResponse {
    json_response(status, &json!({ "error": message, "help": HELP }))
}

fn not_found() -> FakeResponse {
    error(StatusCode::NOT_FOUND, "Not Found")
}

fn invalid_mbid() -> FakeResponse {
    error(StatusCode::BAD_REQUEST, "Invalid mbid.")
}

/// Checks that the client asked for JSON.
fn check_format(request: &FakeRequest) -> Result<(), Refusal> {
    match request.query("fmt") {
        Some("json") => Ok(()),
        Some("xml") => Err(refuse(text_response(
            StatusCode::NOT_ACCEPTABLE,
            "text/plain; charset=utf-8",
            "This fake MusicBrainz speaks JSON only: ask with fmt=json or Accept: application/json."
                .to_owned(),
        ))),
        Some(_) => Err(refuse(error(
            StatusCode::BAD_REQUEST,
            "Invalid format. Either set an Accept header (recognized mime types are application/json and application/xml), or include a fmt= argument in the query string (valid values for fmt are json and xml).",
        ))),
        None if request
            .header("accept")
            .is_some_and(|accept| accept.contains("application/json")) =>
        {
            Ok(())
        }
        None => Err(refuse(text_response(
            StatusCode::NOT_ACCEPTABLE,
            "text/plain; charset=utf-8",
            "This fake MusicBrainz speaks JSON only (the real service would answer XML): ask with fmt=json or Accept: application/json."
                .to_owned(),
        ))),
    }
}

impl FakeUpstream for FakeMusicBrainz {
    fn handle(&self, request: &FakeRequest) -> FakeResponse {
        let mut state = self.state();
        let Some(segments) = request.segments_after(WEB_SERVICE_PREFIX) else {
            return not_found();
        };
        // The real service checks the rate first; a refused request takes no token.
        if let Some(bucket) = state.rate_limit.as_mut()
            && let Err(wait) = bucket.take()
        {
            state.throttled += 1;
            let mut response = json_response(
                StatusCode::SERVICE_UNAVAILABLE,
                &json!({ "error": RATE_LIMIT_ERROR }),
            );
            let seconds = wait.as_secs_f64().ceil().max(1.0);
            if let Ok(value) = http::HeaderValue::try_from(format!("{seconds}")) {
                response.headers_mut().insert("retry-after", value);
            }
            return response;
        }
        if let Some(reason) = user_agent_refusal(request.header("user-agent")) {
            state.refused_user_agents += 1;
            return json_response(
                StatusCode::FORBIDDEN,
                &json!({
                    "error": format!("Forbidden: {reason}. Identify your application as `Name/version ( contact )`; see https://musicbrainz.org/doc/MusicBrainz_API/Rate_Limiting"),
                }),
            );
        }
        if request.method != http::Method::GET && request.method != http::Method::HEAD {
            return error(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed");
        }
        if let Err(refusal) = check_format(request) {
            return *refusal;
        }
        let outcome = match segments.as_slice() {
            ["isrc", isrc] => lookup_isrc(&state, request, isrc),
            ["recording"] => search_recordings(&state, request),
            [
                resource @ ("recording" | "release" | "release-group" | "artist"),
                mbid,
            ] => lookup(&state, request, resource, mbid),
            [resource @ ("release" | "release-group" | "artist" | "label" | "work")] => {
                Err(refuse(error(
                    StatusCode::BAD_REQUEST,
                    &format!(
                        "This fake MusicBrainz searches recordings only, not {resource} entities."
                    ),
                )))
            }
            _ => Err(refuse(not_found())),
        };
        outcome.unwrap_or_else(|refusal| *refusal)
    }
}

fn lookup(
    state: &State,
    request: &FakeRequest,
    resource: &str,
    mbid: &str,
) -> Result<FakeResponse, Refusal> {
    if !is_valid_mbid(mbid) {
        return Err(refuse(invalid_mbid()));
    }
    let includes = parse_includes(request, resource)?;
    let mbid = mbid.to_ascii_lowercase();
    let body = match resource {
        "recording" => {
            let index = *state
                .recording_index
                .get(&mbid)
                .ok_or_else(|| refuse(not_found()))?;
            recording_json(state, index, includes)
        }
        "release" => {
            let index = *state
                .release_index
                .get(&mbid)
                .ok_or_else(|| refuse(not_found()))?;
            release_json(state, index, includes)
        }
        "release-group" => {
            let index = *state
                .release_group_index
                .get(&mbid)
                .ok_or_else(|| refuse(not_found()))?;
            release_group_json(state, index, includes)
        }
        _ => {
            let index = *state
                .artist_index
                .get(&mbid)
                .ok_or_else(|| refuse(not_found()))?;
            artist_json(state, index, includes)
        }
    };
    Ok(json_response(StatusCode::OK, &body))
}

fn lookup_isrc(state: &State, request: &FakeRequest, isrc: &str) -> Result<FakeResponse, Refusal> {
    if !is_valid_isrc(isrc) {
        return Err(refuse(error(StatusCode::BAD_REQUEST, "Invalid isrc.")));
    }
    let includes = parse_includes(request, "isrc")?;
    let isrc = isrc.to_ascii_uppercase();
    let recordings: Vec<Value> = state
        .recordings
        .iter()
        .enumerate()
        .filter(|(_, recording)| recording.isrcs.contains(&isrc))
        .map(|(index, _)| recording_json(state, index, includes))
        .collect();
    if recordings.is_empty() {
        return Err(refuse(not_found()));
    }
    Ok(json_response(
        StatusCode::OK,
        &json!({ "isrc": isrc, "recordings": recordings }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_are_judged_like_the_real_service() {
        assert!(user_agent_refusal(Some("SoulSpot/0.1.0 ( https://example.org )")).is_none());
        assert!(user_agent_refusal(Some("SoulSpot/0.1.0")).is_none());
        assert!(user_agent_refusal(Some("SoulSpot ( admin@example.org )")).is_none());
        assert!(user_agent_refusal(None).is_some());
        assert!(user_agent_refusal(Some("  ")).is_some());
        assert!(user_agent_refusal(Some("SoulSpot")).is_some());
        assert!(user_agent_refusal(Some("python-requests/2.31.0")).is_some());
        assert!(user_agent_refusal(Some("curl/8.5.0")).is_some());
        assert!(user_agent_refusal(Some("Go-http-client/1.1")).is_some());
        assert!(user_agent_refusal(Some("reqwest/0.12")).is_some());
    }

    #[test]
    fn deterministic_mbids_are_valid_and_stable() {
        let id = deterministic_mbid("x");
        assert!(is_valid_mbid(&id));
        assert_eq!(id, deterministic_mbid("x"));
        assert_ne!(id, deterministic_mbid("y"));
        assert_eq!(&id[14..15], "4");
    }
}
