//! A faithful fake of LRCLIB's API (`<server>/api`, UPSTREAMS.md §5.4), following the current
//! server code where its documentation lags behind.
//!
//! What it reproduces:
//! - `GET /api/get?track_name=&artist_name=&album_name=&duration=`: `track_name` and
//!   `artist_name` are required (400 `ValidationError` when missing or empty), `album_name` and
//!   `duration` (1–3600 s) are optional. A record matches when its track, artist (and album, when
//!   given) are equal after LRCLIB's normalisation — lowercase, diacritics folded, punctuation
//!   turned into spaces, apostrophes dropped, whitespace collapsed — and its duration is within
//!   **±2 s** of the given one. Among several matches the oldest record (lowest id) wins, as the
//!   server's `ORDER BY id` does. Miss: 404 `{code: 404, name: "TrackNotFound", message}`.
//! - External sources: a record seeded as external-only is not in LRCLIB's own database. `/get`
//!   misses the database, asks "external sources" (taking the scripted
//!   [`FakeLrclib::set_external_lookup_latency`], on every miss, found or not), finds it, and from
//!   then on it is cached like any other record. `/get-cached` never asks outside: it answers 404
//!   until a `/get` has fetched the record.
//! - `GET /api/get/{id}` (404 for unknown or not-yet-fetched records).
//! - `GET /api/search?q=` (every word must occur in the track, artist or album) or
//!   `?track_name=` (a phrase in the track name) with optional `artist_name=` and `album_name=`:
//!   at most 20 cached records, oldest first, no pagination. Without `q` or `track_name` the
//!   server answers `[]`, not an error.
//! - Records: `{id, name, trackName, artistName, albumName, duration, instrumental, plainLyrics,
//!   syncedLyrics}` with `duration` a float (`233.0`) as the server's database stores it, synced
//!   lyrics as LRC (`[mm:ss.xx] line`, ending with an empty timed line), and instrumental records
//!   with `instrumental: true` and both lyrics `null`.
//! - No API key and no rate limit, as documented; the User-Agent is recorded by the server.

mod records;

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use http::StatusCode;
use serde_json::{Value, json};

pub use records::{LyricsRecordSeed, sample_records};

use super::musicbrainz::fold_to_ascii_lowercase;
use super::{FakeRequest, FakeResponse, FakeUpstream, ResponseDelay, json_response, text_response};

/// The path every endpoint lives under.
pub const API_PREFIX: &str = "/api";

/// Most records a search returns.
const SEARCH_LIMIT: usize = 20;

/// A record and its names as LRCLIB normalises them for matching.
#[derive(Debug, Clone)]
struct Record {
    id: i64,
    seed: LyricsRecordSeed,
    track_key: String,
    artist_key: String,
    album_key: String,
}

/// LRCLIB's database (external-only records included, marked not cached) and the external
/// lookups' latency and count.
#[derive(Debug)]
struct State {
    records: Vec<Record>,
    next_id: i64,
    external_lookup_latency: Duration,
    external_lookups: u64,
}

/// The fake LRCLIB. Serve it with `Running::start(FakeLrclib::new())` and point the client at
/// `<url>/api`.
#[derive(Debug)]
pub struct FakeLrclib {
    state: Mutex<State>,
}

impl Default for FakeLrclib {
    fn default() -> Self {
        Self::new()
    }
}

/// LRCLIB's normalisation of names before comparing them (the server's `prepare_input`).
pub fn normalise_for_matching(input: &str) -> String {
    let folded = fold_to_ascii_lowercase(input);
    let spaced: String = folded
        .chars()
        .filter(|character| !matches!(character, '\'' | '’'))
        .map(|character| {
            if "`~!@#$%^&*()_|+-=?;:\",.<>{}[]\\/".contains(character) {
                ' '
            } else {
                character
            }
        })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A normalised parameter, or `None` when nothing is left of it.
fn processed(parameter: Option<&str>) -> Option<String> {
    parameter
        .map(normalise_for_matching)
        .filter(|value| !value.is_empty())
}

impl FakeLrclib {
    /// An empty database.
    pub fn new() -> Self {
        Self {
            state: Mutex::new(State {
                records: Vec::new(),
                next_id: 3_400_001,
                external_lookup_latency: Duration::ZERO,
                external_lookups: 0,
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a record and returns its id (ids grow from 3400001, like a busy real database).
    pub fn add_record(&self, seed: LyricsRecordSeed) -> i64 {
        let mut state = self.state();
        let id = state.next_id;
        state.next_id += 1;
        state.records.push(Record {
            id,
            track_key: normalise_for_matching(&seed.track_name),
            artist_key: normalise_for_matching(&seed.artist_name),
            album_key: normalise_for_matching(&seed.album_name),
            seed,
        });
        id
    }

    /// How long `/get` spends asking external sources after a database miss (default none).
    ///
    /// The fake's handler is synchronous, so the wait holds the connection's task: under a
    /// multi-threaded runtime other tasks go on; under a current-thread runtime everything waits.
    pub fn set_external_lookup_latency(&self, latency: Duration) {
        self.state().external_lookup_latency = latency;
    }

    /// How many times `/get` went to external sources.
    pub fn external_lookups(&self) -> u64 {
        self.state().external_lookups
    }

    /// Whether a record is in LRCLIB's own database (`/get-cached` finds it).
    pub fn is_cached(&self, id: i64) -> bool {
        self.state()
            .records
            .iter()
            .any(|record| record.id == id && record.seed.cached)
    }
}

// ----- Request handling ----------------------------------------------------------------------

fn error_body(status: StatusCode, name: &str, message: &str) -> FakeResponse {
    json_response(
        status,
        &json!({ "code": status.as_u16(), "name": name, "message": message }),
    )
}

fn track_not_found() -> FakeResponse {
    error_body(
        StatusCode::NOT_FOUND,
        "TrackNotFound",
        "Failed to find specified track",
    )
}

fn validation_error(message: &str) -> FakeResponse {
    error_body(StatusCode::BAD_REQUEST, "ValidationError", message)
}

fn record_json(record: &Record) -> Value {
    let seed = &record.seed;
    json!({
        "id": record.id,
        "name": seed.track_name,
        "trackName": seed.track_name,
        "artistName": seed.artist_name,
        "albumName": seed.album_name,
        "duration": seed.duration_seconds,
        "instrumental": seed.instrumental,
        "plainLyrics": if seed.instrumental { None } else { seed.plain_lyrics.clone() },
        "syncedLyrics": if seed.instrumental { None } else { seed.synced_lyrics.clone() },
    })
}

/// A `/get` signature, normalised.
struct Signature {
    track: String,
    artist: String,
    album: Option<String>,
    duration: Option<f64>,
}

impl Signature {
    /// Validates the query like the server: required names, optional album, duration 1–3600.
    /// `Ok(None)` when a name normalises to nothing (the server then just answers 404).
    fn from_request(request: &FakeRequest) -> Result<Option<Self>, Box<FakeResponse>> {
        let mut problems = Vec::new();
        for name in ["track_name", "artist_name"] {
            match request.query(name) {
                None => {
                    return Err(Box::new(validation_error(&format!(
                        "Failed to deserialize query string: missing field `{name}`"
                    ))));
                }
                Some("") => problems.push(format!("{name}: cannot be empty")),
                Some(_) => {}
            }
        }
        let duration = match request.query("duration").filter(|value| !value.is_empty()) {
            None => None,
            Some(value) => match value.trim().parse::<f64>() {
                Ok(duration) if duration.is_finite() => {
                    if !(1.0..=3600.0).contains(&duration) {
                        problems.push("duration: must be between 1 and 3600".to_owned());
                    }
                    Some(duration)
                }
                _ => {
                    return Err(Box::new(validation_error(&format!(
                        "Failed to deserialize query string: duration: invalid float literal {value:?}"
                    ))));
                }
            },
        };
        if !problems.is_empty() {
            return Err(Box::new(validation_error(&problems.join("\n"))));
        }
        let (Some(track), Some(artist)) = (
            processed(request.query("track_name")),
            processed(request.query("artist_name")),
        ) else {
            return Ok(None);
        };
        Ok(Some(Self {
            track,
            artist,
            album: processed(request.query("album_name")),
            duration,
        }))
    }

    fn matches(&self, record: &Record) -> bool {
        record.track_key == self.track
            && record.artist_key == self.artist
            && self
                .album
                .as_ref()
                .is_none_or(|album| record.album_key == *album)
            && self.duration.is_none_or(|duration| {
                record.seed.duration_seconds >= duration - 2.0
                    && record.seed.duration_seconds <= duration + 2.0
            })
    }
}

impl State {
    /// The oldest record that matches, among cached ones or among external-only ones.
    fn best_match(&self, signature: &Signature, cached: bool) -> Option<usize> {
        self.records
            .iter()
            .enumerate()
            .filter(|(_, record)| record.seed.cached == cached && signature.matches(record))
            .min_by_key(|(_, record)| record.id)
            .map(|(index, _)| index)
    }
}

impl FakeLrclib {
    fn get(&self, request: &FakeRequest, may_ask_outside: bool) -> FakeResponse {
        let signature = match Signature::from_request(request) {
            Ok(Some(signature)) => signature,
            Ok(None) => return track_not_found(),
            Err(response) => return *response,
        };
        let latency = {
            let mut state = self.state();
            if let Some(index) = state.best_match(&signature, true) {
                return json_response(StatusCode::OK, &record_json(&state.records[index]));
            }
            if !may_ask_outside {
                return track_not_found();
            }
            state.external_lookups += 1;
            state.external_lookup_latency
        };
        // "External sources" take their time: the answer is held back (asynchronously, by the
        // server) for the scripted latency.
        let mut state = self.state();
        let found = state
            .best_match(&signature, true)
            .or_else(|| state.best_match(&signature, false));
        let mut response = match found {
            Some(index) => {
                state.records[index].seed.cached = true;
                json_response(StatusCode::OK, &record_json(&state.records[index]))
            }
            None => track_not_found(),
        };
        if !latency.is_zero() {
            response.extensions_mut().insert(ResponseDelay(latency));
        }
        response
    }

    fn get_by_id(&self, id: &str) -> FakeResponse {
        let Ok(id) = id.parse::<i64>() else {
            return text_response(
                StatusCode::BAD_REQUEST,
                "text/plain; charset=utf-8",
                format!("Invalid URL: Cannot parse `{id}` to a `i64`"),
            );
        };
        let state = self.state();
        match state
            .records
            .iter()
            .find(|record| record.id == id && record.seed.cached)
        {
            Some(record) => json_response(StatusCode::OK, &record_json(record)),
            None => track_not_found(),
        }
    }

    fn search(&self, request: &FakeRequest) -> FakeResponse {
        let words = |value: Option<String>| -> Option<Vec<String>> {
            value.map(|value| value.split(' ').map(str::to_owned).collect())
        };
        let q = words(processed(request.query("q")));
        let track = words(processed(request.query("track_name")));
        let artist = words(processed(request.query("artist_name")));
        let album = words(processed(request.query("album_name")));
        let state = self.state();
        let contains_phrase = |haystack: &str, phrase: &[String]| {
            let tokens: Vec<&str> = haystack.split(' ').collect();
            tokens
                .windows(phrase.len().max(1))
                .any(|window| window.iter().copied().eq(phrase.iter().map(String::as_str)))
        };
        let contains_all = |haystack: &str, words: &[String]| {
            let tokens: Vec<&str> = haystack.split(' ').collect();
            words.iter().all(|word| tokens.contains(&word.as_str()))
        };
        let results: Vec<Value> = state
            .records
            .iter()
            .filter(|record| record.seed.cached)
            .filter(|record| match (&q, &track) {
                (Some(q), _) => {
                    let all = format!(
                        "{} {} {}",
                        record.track_key, record.artist_key, record.album_key
                    );
                    contains_all(&all, q)
                }
                (None, Some(track)) => {
                    contains_phrase(&record.track_key, track)
                        && artist
                            .as_ref()
                            .is_none_or(|artist| contains_all(&record.artist_key, artist))
                        && album
                            .as_ref()
                            .is_none_or(|album| contains_phrase(&record.album_key, album))
                }
                (None, None) => false,
            })
            .take(SEARCH_LIMIT)
            .map(record_json)
            .collect();
        json_response(StatusCode::OK, &Value::Array(results))
    }
}

impl FakeUpstream for FakeLrclib {
    fn handle(&self, request: &FakeRequest) -> FakeResponse {
        let Some(segments) = request.segments_after(API_PREFIX) else {
            return text_response(StatusCode::NOT_FOUND, "text/plain", String::new());
        };
        if request.method != http::Method::GET {
            return text_response(StatusCode::METHOD_NOT_ALLOWED, "text/plain", String::new());
        }
        match segments.as_slice() {
            ["get"] => self.get(request, true),
            ["get-cached"] => self.get(request, false),
            ["get", id] => self.get_by_id(id),
            ["search"] => self.search(request),
            _ => text_response(StatusCode::NOT_FOUND, "text/plain", String::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_normalise_like_lrclib() {
        assert_eq!(
            normalise_for_matching("  Don't Let   the River-Sleep! "),
            "dont let the river sleep"
        );
        assert_eq!(
            normalise_for_matching("Ólöf Ragnarsdóttir"),
            "olof ragnarsdottir"
        );
        assert_eq!(
            normalise_for_matching("Interlude: Low Tide"),
            "interlude low tide"
        );
    }
}
