//! `/api/v0/searches`: starting, reading, cancelling and deleting searches (slskd's
//! `SearchesController` over Soulseek.NET's search).
//!
//! A search is planned when it starts: every peer of the catalogue with matching files answers
//! after its response delay; responses that fail the request's filters are dropped; the accepted
//! ones arrive in order of delay. `searchTimeout` is an inactivity timer (it starts with the search
//! and restarts at every accepted response), so the search ends `searchTimeout` after the last
//! response that arrived in time, or at the response that reaches `responseLimit` or `fileLimit`.
//! Reading a search computes its state from the time elapsed since it started.
//!
//! As in slskd, the counts (`responseCount`, `fileCount`, `lockedFileCount`) grow while the search
//! runs, but the responses themselves are stored only when it completes: until then
//! `/searches/{id}/responses` is `[]` and `includeResponses=true` adds nothing.

use std::time::Duration;

use chrono::{DateTime, Utc};
use http::StatusCode;
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::catalogue::{Peer, Query, SharedFile};
use super::states::{DateTimeKind, SearchStates, dotnet_date_time};
use super::{State, error_response, finish_processing, new_guid, parse_guid, problem_response};
use crate::fake::{FakeRequest, FakeResponse, empty_response, json_response};

/// The message slskd answers a concurrent `POST /searches` with (status 429).
pub(super) const CONCURRENCY_MESSAGE: &str =
    "Only one concurrent operation is permitted. Wait until the previous request completes";

/// Soulseek.NET's search options, with its defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SearchOptions {
    search_timeout: Duration,
    response_limit: u64,
    file_limit: u64,
    filter_responses: bool,
    minimum_response_file_count: u64,
    maximum_peer_queue_length: u64,
    minimum_peer_upload_speed: u64,
    minimum_peer_free_upload_slots: u64,
}

impl Default for SearchOptions {
    fn default() -> Self {
        Self {
            search_timeout: Duration::from_millis(15_000),
            response_limit: 250,
            file_limit: 25_000,
            filter_responses: true,
            minimum_response_file_count: 1,
            maximum_peer_queue_length: 1_000_000,
            minimum_peer_upload_speed: 0,
            minimum_peer_free_upload_slots: 0,
        }
    }
}

/// One peer's answer, frozen when the search started.
#[derive(Debug, Clone)]
struct ArrivingResponse {
    delay: Duration,
    username: String,
    has_free_upload_slot: bool,
    queue_length: u64,
    upload_speed: u64,
    files: Vec<SharedFile>,
    locked_files: Vec<SharedFile>,
}

impl ArrivingResponse {
    fn to_json(&self, token: i32) -> Value {
        json!({
            "fileCount": self.files.len(),
            "files": self.files.iter().map(SharedFile::to_json).collect::<Vec<_>>(),
            "hasFreeUploadSlot": self.has_free_upload_slot,
            "lockedFileCount": self.locked_files.len(),
            "lockedFiles": self.locked_files.iter().map(SharedFile::to_json).collect::<Vec<_>>(),
            "queueLength": self.queue_length,
            "token": token,
            "uploadSpeed": self.upload_speed,
            "username": self.username,
        })
    }
}

/// How a search unfolds if nobody cancels it.
#[derive(Debug, Clone)]
struct SearchPlan {
    /// The accepted responses, in order of arrival, all arriving before `end`.
    responses: Vec<ArrivingResponse>,
    /// When the search ends, after its start.
    end: Duration,
    ending: SearchStates,
}

impl SearchPlan {
    fn new(query: &Query, peers: &[Peer], options: &SearchOptions) -> Self {
        let mut candidates: Vec<ArrivingResponse> = peers
            .iter()
            .filter_map(|peer| peer_response(query, peer))
            .filter(|response| passes_filters(response, options))
            .collect();
        candidates.sort_by_key(|response| response.delay);
        let mut responses = Vec::new();
        let mut last_activity = Duration::ZERO;
        let mut file_count = 0;
        for response in candidates {
            if response.delay >= last_activity + options.search_timeout {
                break;
            }
            last_activity = response.delay;
            file_count += response.files.len() as u64;
            responses.push(response);
            let ending = if responses.len() as u64 >= options.response_limit {
                Some(SearchStates::RESPONSE_LIMIT_REACHED)
            } else if file_count >= options.file_limit {
                Some(SearchStates::FILE_LIMIT_REACHED)
            } else {
                None
            };
            if let Some(ending) = ending {
                return Self {
                    responses,
                    end: last_activity,
                    ending: SearchStates::COMPLETED | ending,
                };
            }
        }
        Self {
            responses,
            end: last_activity + options.search_timeout,
            ending: SearchStates::COMPLETED | SearchStates::TIMED_OUT,
        }
    }
}

/// The peer's answer to `query`: its matching files, unlocked and locked apart; `None` when
/// nothing matches (a peer with no match stays silent).
fn peer_response(query: &Query, peer: &Peer) -> Option<ArrivingResponse> {
    let (locked_files, files): (Vec<SharedFile>, Vec<SharedFile>) = peer
        .files
        .iter()
        .filter(|file| query.matches(&file.filename))
        .cloned()
        .partition(|file| file.is_locked);
    if files.is_empty() && locked_files.is_empty() {
        return None;
    }
    Some(ArrivingResponse {
        delay: peer.response_delay,
        username: peer.username.clone(),
        has_free_upload_slot: peer.has_free_upload_slot,
        queue_length: peer.queue_length,
        upload_speed: peer.upload_speed,
        files,
        locked_files,
    })
}

/// Soulseek.NET's response filters, applied only when `filterResponses` is on.
fn passes_filters(response: &ArrivingResponse, options: &SearchOptions) -> bool {
    if !options.filter_responses {
        return true;
    }
    response.files.len() as u64 >= options.minimum_response_file_count
        && response.queue_length <= options.maximum_peer_queue_length
        && response.upload_speed >= options.minimum_peer_upload_speed
        && (options.minimum_peer_free_upload_slots == 0 || response.has_free_upload_slot)
}

/// A search slskd knows about.
#[derive(Debug, Clone)]
pub(super) struct SearchRecord {
    id: String,
    search_text: String,
    token: i32,
    started: Instant,
    plan: SearchPlan,
    cancelled_at: Option<Instant>,
    /// Could not start (the server connection was down): `Errored` from the start.
    errored: bool,
}

/// A search as it stands at one moment.
struct SearchView<'a> {
    state: SearchStates,
    ended_at: Option<Instant>,
    /// The responses that have arrived.
    arrived: &'a [ArrivingResponse],
}

impl SearchRecord {
    fn view(&self, now: Instant) -> SearchView<'_> {
        if self.errored {
            return SearchView {
                state: SearchStates::ERRORED,
                ended_at: Some(self.started),
                arrived: &[],
            };
        }
        let natural_end = self.started + self.plan.end;
        let (end, ending) = match self.cancelled_at {
            Some(cancelled) if cancelled < natural_end => {
                (cancelled, SearchStates::COMPLETED | SearchStates::CANCELLED)
            }
            _ => (natural_end, self.plan.ending),
        };
        let observed = now.min(end);
        let arrived_count = self
            .plan
            .responses
            .iter()
            .take_while(|response| self.started + response.delay <= observed)
            .count();
        SearchView {
            state: if now >= end {
                ending
            } else {
                SearchStates::IN_PROGRESS
            },
            ended_at: (now >= end).then_some(end),
            arrived: &self.plan.responses[..arrived_count],
        }
    }

    fn to_json(
        &self,
        view: &SearchView<'_>,
        include_responses: bool,
        wall: impl Fn(Instant) -> DateTime<Utc>,
    ) -> Value {
        let mut object = Map::new();
        if let Some(ended_at) = view.ended_at {
            object.insert(
                "endedAt".into(),
                dotnet_date_time(wall(ended_at), DateTimeKind::Utc).into(),
            );
        }
        let file_count: usize = view
            .arrived
            .iter()
            .map(|response| response.files.len())
            .sum();
        let locked_file_count: usize = view
            .arrived
            .iter()
            .map(|response| response.locked_files.len())
            .sum();
        object.insert("fileCount".into(), file_count.into());
        object.insert("id".into(), self.id.clone().into());
        object.insert("isComplete".into(), view.state.is_complete().into());
        object.insert("lockedFileCount".into(), locked_file_count.into());
        object.insert("responseCount".into(), view.arrived.len().into());
        // The responses reach slskd's database only when the search completes.
        let responses: Vec<Value> = if include_responses && view.state.is_complete() {
            view.arrived
                .iter()
                .map(|response| response.to_json(self.token))
                .collect()
        } else {
            Vec::new()
        };
        object.insert("responses".into(), responses.into());
        object.insert("searchText".into(), self.search_text.clone().into());
        object.insert(
            "startedAt".into(),
            dotnet_date_time(wall(self.started), DateTimeKind::Utc).into(),
        );
        object.insert("state".into(), view.state.name().into());
        object.insert("token".into(), self.token.into());
        Value::Object(object)
    }
}

/// A search the fake started, for tests that check a client's search budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedSearch {
    pub id: String,
    pub search_text: String,
    pub at: Instant,
}

/// What `POST /searches` carried.
struct SearchRequest {
    id: Option<String>,
    search_text: Option<String>,
    options: SearchOptions,
}

/// Reads the body as ASP.NET Core's JSON binder would: property names in any case, integers also
/// from strings, unknown properties ignored. `Err` is the binder's complaint (a 400).
fn parse_search_request(body: &[u8]) -> Result<SearchRequest, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err("A non-empty request body is required.".to_owned());
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|error| format!("The request body is not valid JSON: {error}"))?;
    let Value::Object(object) = value else {
        return Err(
            "The JSON value could not be converted to slskd.Search.API.SearchRequest. Path: $"
                .to_owned(),
        );
    };
    let field = |name: &str| {
        object
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
            .filter(|value| !value.is_null())
    };
    let mut request = SearchRequest {
        id: None,
        search_text: None,
        options: SearchOptions::default(),
    };
    if let Some(id) = field("id") {
        let parsed = id.as_str().and_then(parse_guid);
        request.id =
            Some(parsed.ok_or("The JSON value could not be converted to System.Guid. Path: $.id")?);
    }
    if let Some(text) = field("searchText") {
        let text = text
            .as_str()
            .ok_or("The JSON value could not be converted to System.String. Path: $.searchText")?;
        request.search_text = Some(text.to_owned());
    }
    let options = &mut request.options;
    if let Some(value) = field("searchTimeout") {
        options.search_timeout = Duration::from_millis(integer(value, "searchTimeout")?);
    }
    if let Some(value) = field("responseLimit") {
        options.response_limit = integer(value, "responseLimit")?;
    }
    if let Some(value) = field("fileLimit") {
        options.file_limit = integer(value, "fileLimit")?;
    }
    if let Some(value) = field("filterResponses") {
        options.filter_responses = value.as_bool().ok_or(
            "The JSON value could not be converted to System.Nullable`1[System.Boolean]. Path: $.filterResponses",
        )?;
    }
    if let Some(value) = field("minimumResponseFileCount") {
        options.minimum_response_file_count = integer(value, "minimumResponseFileCount")?;
    }
    if let Some(value) = field("maximumPeerQueueLength") {
        options.maximum_peer_queue_length = integer(value, "maximumPeerQueueLength")?;
    }
    if let Some(value) = field("minimumPeerUploadSpeed") {
        options.minimum_peer_upload_speed = integer(value, "minimumPeerUploadSpeed")?;
    }
    if let Some(value) = field("minimumPeerFreeUploadSlots") {
        options.minimum_peer_free_upload_slots = integer(value, "minimumPeerFreeUploadSlots")?;
    }
    Ok(request)
}

/// A non-negative 32-bit integer, as a JSON number or a string of digits.
fn integer(value: &Value, name: &str) -> Result<u64, String> {
    let number = match value {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse::<i64>().ok(),
        _ => None,
    };
    match number {
        Some(number) if (0..=i64::from(i32::MAX)).contains(&number) => Ok(number as u64),
        Some(_) => Err(format!("{name} must be between 0 and {}", i32::MAX)),
        None => Err(format!(
            "The JSON value could not be converted to System.Nullable`1[System.Int32]. Path: $.{name}"
        )),
    }
}

/// `POST /searches`.
pub(super) fn start(state: &mut State, request: &FakeRequest, now: Instant) -> FakeResponse {
    let search_request = match parse_search_request(&request.body) {
        Ok(search_request) => search_request,
        Err(message) => return error_response(StatusCode::BAD_REQUEST, &message),
    };
    let Some(processing) = state.search_in_flight.try_begin() else {
        return error_response(StatusCode::TOO_MANY_REQUESTS, CONCURRENCY_MESSAGE);
    };
    let response = start_accepted(state, search_request, now);
    finish_processing(&mut state.search_in_flight, processing, response)
}

/// The rest of `POST /searches`, once the request is being processed.
fn start_accepted(state: &mut State, search_request: SearchRequest, now: Instant) -> FakeResponse {
    let Some(query) = search_request.search_text.as_deref().and_then(Query::parse) else {
        return error_response(
            StatusCode::BAD_REQUEST,
            "Search text must not be a null or empty string, or one consisting only of whitespace, and must contain at least one term that is not an exclusion (Parameter 'searchText')",
        );
    };
    let id = search_request
        .id
        .unwrap_or_else(|| new_guid(&mut state.random));
    if state.searches.iter().any(|search| search.id == id) {
        return error_response(
            StatusCode::CONFLICT,
            &format!("A search with ID {id} already exists"),
        );
    }
    let token = state.next_token();
    let online_peers: Vec<Peer> = state
        .peers
        .iter()
        .filter(|peer| !state.offline_users.contains(&peer.username))
        .cloned()
        .collect();
    let connected = state.server_state.is_connected_and_logged_in();
    let record = SearchRecord {
        id: id.clone(),
        search_text: search_request.search_text.unwrap_or_default(),
        token,
        started: now,
        plan: SearchPlan::new(&query, &online_peers, &search_request.options),
        cancelled_at: None,
        errored: !connected,
    };
    if !connected {
        let message = format!(
            "The server connection must be connected and logged in to perform a search (currently: {})",
            state.server_state
        );
        state.searches.push(record);
        return error_response(StatusCode::CONFLICT, &message);
    }
    state.started_searches.push(StartedSearch {
        id,
        search_text: record.search_text.clone(),
        at: now,
    });
    // The answer is the record as slskd created it, before Soulseek.NET reported progress.
    let fresh = SearchView {
        state: SearchStates::REQUESTED,
        ended_at: None,
        arrived: &[],
    };
    let body = record.to_json(&fresh, false, |at| state.clock.wall(at));
    state.searches.push(record);
    json_response(StatusCode::OK, &body)
}

/// `GET /searches` (with the optional `offset` and `limit`, and `X-Total-Count`).
pub(super) fn list(state: &State, request: &FakeRequest, now: Instant) -> FakeResponse {
    let offset = request.query("offset").map(str::parse::<i64>);
    let limit = request.query("limit").map(str::parse::<i64>);
    let (offset, limit) = match (offset, limit) {
        (Some(Err(_)), _) | (_, Some(Err(_))) => {
            return problem_response("The value is not valid.");
        }
        (Some(Ok(offset)), _) if offset < 0 => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "Offset must be greater than or equal to zero",
            );
        }
        (_, Some(Ok(limit))) if limit <= 0 => {
            return error_response(StatusCode::BAD_REQUEST, "Limit must be greater than zero");
        }
        (offset, limit) => (
            offset.and_then(Result::ok).unwrap_or(0) as usize,
            limit.and_then(Result::ok).map(|limit| limit as usize),
        ),
    };
    let searches: Vec<Value> = state
        .searches
        .iter()
        .skip(offset)
        .take(limit.unwrap_or(usize::MAX))
        .map(|search| search.to_json(&search.view(now), false, |at| state.clock.wall(at)))
        .collect();
    let mut response = json_response(StatusCode::OK, &Value::Array(searches));
    response.headers_mut().insert(
        "x-total-count",
        http::HeaderValue::from(state.searches.len()),
    );
    response
}

fn find<'a>(state: &'a State, id: &str) -> Option<&'a SearchRecord> {
    let id = parse_guid(id)?;
    state.searches.iter().find(|search| search.id == id)
}

/// `GET /searches/{id}?includeResponses=`.
pub(super) fn get(state: &State, id: &str, request: &FakeRequest, now: Instant) -> FakeResponse {
    let Some(search) = find(state, id) else {
        return empty_response(StatusCode::NOT_FOUND);
    };
    let include_responses = request
        .query("includeResponses")
        .is_some_and(|value| value.eq_ignore_ascii_case("true"));
    let body = search.to_json(&search.view(now), include_responses, |at| {
        state.clock.wall(at)
    });
    json_response(StatusCode::OK, &body)
}

/// `GET /searches/{id}/responses`.
pub(super) fn responses(state: &State, id: &str, now: Instant) -> FakeResponse {
    let Some(search) = find(state, id) else {
        return empty_response(StatusCode::NOT_FOUND);
    };
    let view = search.view(now);
    let responses: Vec<Value> = if view.state.is_complete() {
        view.arrived
            .iter()
            .map(|response| response.to_json(search.token))
            .collect()
    } else {
        Vec::new()
    };
    json_response(StatusCode::OK, &Value::Array(responses))
}

/// `PUT /searches/{id}`: stops the search if it is still running (200 either way).
pub(super) fn cancel(state: &mut State, id: &str, now: Instant) -> FakeResponse {
    let Some(id) = parse_guid(id) else {
        return empty_response(StatusCode::NOT_FOUND);
    };
    let Some(search) = state.searches.iter_mut().find(|search| search.id == id) else {
        return empty_response(StatusCode::NOT_FOUND);
    };
    if !search.view(now).state.is_complete() {
        search.cancelled_at = Some(now);
    }
    empty_response(StatusCode::OK)
}

/// `DELETE /searches/{id}`.
pub(super) fn delete(state: &mut State, id: &str) -> FakeResponse {
    let Some(id) = parse_guid(id) else {
        return empty_response(StatusCode::NOT_FOUND);
    };
    let before = state.searches.len();
    state.searches.retain(|search| search.id != id);
    if state.searches.len() == before {
        return empty_response(StatusCode::NOT_FOUND);
    }
    empty_response(StatusCode::NO_CONTENT)
}

/// The current state of every search, for tests.
pub(super) fn states(state: &State, now: Instant) -> Vec<(String, SearchStates)> {
    state
        .searches
        .iter()
        .map(|search| (search.id.clone(), search.view(now).state))
        .collect()
}
