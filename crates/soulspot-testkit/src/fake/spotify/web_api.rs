//! The Web API (`/v1/...`): bans and the per-app rolling-window budget, bearer-token
//! authentication, the development-mode user allow-list, and the read endpoints SoulSpot uses,
//! answering errors with Spotify's `{"error":{"status","message"}}` object.

use http::StatusCode;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::credentials::AccessToken;
use super::fields;
use super::objects::Render;
use super::paging::{kept_parameters, page_request, paging_object};
use super::{ApiMode, State, catalog, library, seconds_until};
use crate::fake::{FakeRequest, FakeResponse, json_response};

/// Spotify's error object with this status and message.
pub(super) fn api_error(status: u16, message: &str) -> FakeResponse {
    json_response(
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        &json!({"error": {"status": status, "message": message}}),
    )
}

fn with_header(mut response: FakeResponse, name: &'static str, value: &str) -> FakeResponse {
    if let Ok(value) = http::HeaderValue::try_from(value) {
        response.headers_mut().insert(name, value);
    }
    response
}

/// A Web API error before it becomes a response: small, so `Result`s that carry it stay cheap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ApiError {
    pub(super) status: u16,
    pub(super) message: &'static str,
}

impl ApiError {
    pub(super) fn new(status: u16, message: &'static str) -> Self {
        Self { status, message }
    }

    /// The response, with `WWW-Authenticate` on a 401 as Spotify sends it.
    pub(super) fn response(self) -> FakeResponse {
        if self.status == 401 {
            unauthorized(self.message)
        } else {
            api_error(self.status, self.message)
        }
    }
}

fn too_many_requests(retry_after_seconds: u64) -> FakeResponse {
    with_header(
        api_error(429, "API rate limit exceeded"),
        "retry-after",
        &retry_after_seconds.to_string(),
    )
}

fn unauthorized(message: &str) -> FakeResponse {
    with_header(
        api_error(401, message),
        "www-authenticate",
        &format!(
            "Bearer realm=\"spotify\", error=\"invalid_token\", error_description=\"{message}\""
        ),
    )
}

pub(super) fn handle(state: &mut State, request: &FakeRequest) -> FakeResponse {
    let now = Instant::now();
    if let Some(until) = state.rate_limit.ban_until {
        if now < until {
            return too_many_requests(seconds_until(until, now));
        }
        state.rate_limit.ban_until = None;
    }
    let Some(segments) = request.segments_after("/v1") else {
        return api_error(404, "Service not found");
    };
    let token = match authenticate(state, request, now) {
        Ok(token) => token,
        Err(error) => return error.response(),
    };
    if let Some(response) = spend_budget(state, &token.client_id, now) {
        return response;
    }
    if let Some(user_id) = &token.user_id
        && state.settings.mode == ApiMode::Development
        && state.app(&token.client_id).is_some_and(|app| {
            !app.allowed_users.is_empty() && !app.allowed_users.contains(user_id)
        })
    {
        return api_error(
            403,
            "Check settings on developer.spotify.com/dashboard, the user may not be registered.",
        );
    }
    if request.method != http::Method::GET {
        return api_error(405, "Method not allowed");
    }
    let base = state.api_base_url.clone().unwrap_or_else(|| {
        format!(
            "http://{}/v1",
            request.header("host").unwrap_or("127.0.0.1")
        )
    });
    let render = Render {
        state,
        base: &base,
        market: request.query("market").is_some(),
        episodes_supported: request
            .query("additional_types")
            .is_some_and(|types| types.split(',').any(|kind| kind.trim() == "episode")),
    };
    route(&render, request, &token, &segments)
}

fn authenticate(
    state: &State,
    request: &FakeRequest,
    now: Instant,
) -> Result<AccessToken, ApiError> {
    let Some(authorization) = request.header("authorization") else {
        return Err(ApiError::new(401, "No token provided"));
    };
    let Some(token) = authorization.strip_prefix("Bearer ") else {
        return Err(ApiError::new(
            400,
            "Only valid bearer authentication supported",
        ));
    };
    let Some(access) = state.credentials.access_tokens.get(token.trim()) else {
        return Err(ApiError::new(401, "Invalid access token"));
    };
    if now >= access.expires_at {
        return Err(ApiError::new(401, "The access token expired"));
    }
    Ok(access.clone())
}

/// Counts the request against the app's rolling window; `Some(429)` when a ban or the budget
/// refuses it. Refused requests are not counted, so a client that waits `Retry-After` gets in.
fn spend_budget(state: &mut State, client_id: &str, now: Instant) -> Option<FakeResponse> {
    let limits = &mut state.rate_limit;
    if let Some(&until) = limits.app_bans.get(client_id) {
        if now < until {
            return Some(too_many_requests(seconds_until(until, now)));
        }
        limits.app_bans.remove(client_id);
    }
    let (budget, window) = limits.budget?;
    let arrivals = limits.windows.entry(client_id.to_owned()).or_default();
    while arrivals
        .front()
        .is_some_and(|&arrived| arrived + window <= now)
    {
        arrivals.pop_front();
    }
    if arrivals.len() >= budget {
        let frees_at = arrivals
            .front()
            .map_or(now + window, |&oldest| oldest + window);
        return Some(too_many_requests(seconds_until(frees_at, now)));
    }
    arrivals.push_back(now);
    None
}

fn route(
    render: &Render<'_>,
    request: &FakeRequest,
    token: &AccessToken,
    segments: &[&str],
) -> FakeResponse {
    let extended = render.extended();
    match segments {
        ["me", rest @ ..] => {
            let Some(user_id) = token.user_id.as_deref() else {
                return api_error(401, "Valid user authentication required");
            };
            match rest {
                [] => match render.state.user(user_id) {
                    Some(user) => json_response(StatusCode::OK, &render.current_user(user)),
                    None => api_error(404, "Resource not found"),
                },
                ["playlists"] => library::my_playlists(render, request, token, user_id),
                ["tracks"] => library::liked_songs(render, request, token, user_id),
                ["following"] => library::followed_artists(render, request, token, user_id),
                _ => api_error(404, "Service not found"),
            }
        }
        ["playlists", id] => playlist(render, request, token, id),
        ["playlists", id, "items"] => playlist_items(render, request, token, id, "items"),
        // Spotify removed the legacy path for development-mode apps: 403 even on owned playlists.
        ["playlists", _, "tracks"] if !extended => api_error(403, "Forbidden"),
        ["playlists", id, "tracks"] => playlist_items(render, request, token, id, "tracks"),
        ["tracks", id] => single(id, |id| {
            render
                .state
                .tracks
                .get(id)
                .map(|track| render.track_full(track))
        }),
        ["albums", id] => single(id, |id| {
            render
                .state
                .albums
                .get(id)
                .map(|album| render.album_full(album))
        }),
        ["albums", id, "tracks"] => album_tracks(render, request, id),
        ["artists", id] => single(id, |id| {
            render
                .state
                .artists
                .get(id)
                .map(|artist| render.artist_full(artist))
        }),
        // Batch lookups are restricted to extended-quota apps since February 2026.
        ["tracks" | "albums" | "artists"] if !extended => api_error(403, "Forbidden"),
        ["tracks"] => several(request, "tracks", 50, |id| {
            render
                .state
                .tracks
                .get(id)
                .map(|track| render.track_full(track))
        }),
        ["albums"] => several(request, "albums", 20, |id| {
            render
                .state
                .albums
                .get(id)
                .map(|album| render.album_full(album))
        }),
        ["artists"] => several(request, "artists", 50, |id| {
            render
                .state
                .artists
                .get(id)
                .map(|artist| render.artist_full(artist))
        }),
        _ => api_error(404, "Service not found"),
    }
}

pub(super) fn has_scope(token: &AccessToken, scope: &str) -> bool {
    token.scopes.iter().any(|granted| granted == scope)
}

/// `200` with `value` filtered by the request's `fields`, or `400` for a malformed filter.
fn filtered(request: &FakeRequest, value: &Value) -> FakeResponse {
    match request.query("fields") {
        None => json_response(StatusCode::OK, value),
        Some(text) => match fields::parse(text) {
            Ok(filter) => json_response(StatusCode::OK, &fields::apply(&filter, value)),
            Err(_) => api_error(400, "Invalid fields"),
        },
    }
}

/// The playlist `id`, if the user may see it at all (foreign private playlists are hidden).
fn visible_playlist<'a>(
    render: &'a Render<'_>,
    token: &AccessToken,
    id: &str,
) -> Result<&'a catalog::StoredPlaylist, ApiError> {
    if !catalog::is_spotify_id(id) {
        return Err(ApiError::new(400, "Invalid base62 id"));
    }
    let Some(stored) = render.state.playlists.get(id) else {
        return Err(ApiError::new(404, "Resource not found"));
    };
    let related = token
        .user_id
        .as_deref()
        .is_some_and(|user| stored.owned_or_collaborated_by(user));
    if !stored.playlist.public && !related {
        return Err(ApiError::new(404, "Resource not found"));
    }
    Ok(stored)
}

fn playlist(
    render: &Render<'_>,
    request: &FakeRequest,
    token: &AccessToken,
    id: &str,
) -> FakeResponse {
    let stored = match visible_playlist(render, token, id) {
        Ok(stored) => stored,
        Err(error) => return error.response(),
    };
    let readable = render.extended()
        || token
            .user_id
            .as_deref()
            .is_some_and(|user| stored.owned_or_collaborated_by(user));
    let kept: Vec<(String, String)> = request
        .query
        .iter()
        .filter(|(name, _)| name == "market" || name == "additional_types")
        .cloned()
        .collect();
    filtered(request, &render.playlist_full(stored, readable, &kept))
}

fn playlist_items(
    render: &Render<'_>,
    request: &FakeRequest,
    token: &AccessToken,
    id: &str,
    path: &str,
) -> FakeResponse {
    let stored = match visible_playlist(render, token, id) {
        Ok(stored) => stored,
        Err(error) => return error.response(),
    };
    let related = token
        .user_id
        .as_deref()
        .is_some_and(|user| stored.owned_or_collaborated_by(user));
    if !render.extended() && !related {
        return api_error(403, "Forbidden");
    }
    let page = match page_request(request, 20, render.state.settings.playlist_items_max_limit) {
        Ok(page) => page,
        Err(error) => return error.response(),
    };
    let entries = &stored.playlist.entries;
    let items = page
        .slice(entries)
        .iter()
        .map(|entry| render.playlist_entry(entry))
        .collect();
    let url = format!("{}/playlists/{id}/{path}", render.base);
    let body = paging_object(&url, page, entries.len(), items, &kept_parameters(request));
    filtered(request, &body)
}

fn album_tracks(render: &Render<'_>, request: &FakeRequest, id: &str) -> FakeResponse {
    if !catalog::is_spotify_id(id) {
        return api_error(400, "invalid id");
    }
    let Some(album) = render.state.albums.get(id) else {
        return api_error(404, "non existing id");
    };
    let page = match page_request(request, 20, 50) {
        Ok(page) => page,
        Err(error) => return error.response(),
    };
    let tracks = render.album_track_list(album);
    let items = page
        .slice(&tracks)
        .iter()
        .map(|track| render.track_simple(track))
        .collect();
    let url = format!("{}/albums/{id}/tracks", render.base);
    let body = paging_object(&url, page, tracks.len(), items, &kept_parameters(request));
    json_response(StatusCode::OK, &body)
}

/// One catalogue object by id: `400 invalid id` when malformed, `404 non existing id` when
/// unknown.
fn single(id: &str, lookup: impl Fn(&str) -> Option<Value>) -> FakeResponse {
    if !catalog::is_spotify_id(id) {
        return api_error(400, "invalid id");
    }
    match lookup(id) {
        Some(object) => json_response(StatusCode::OK, &object),
        None => api_error(404, "non existing id"),
    }
}

/// A batch lookup (`?ids=a,b,c`): at most `max_ids`, unknown ids as `null` in their place.
fn several(
    request: &FakeRequest,
    key: &str,
    max_ids: usize,
    lookup: impl Fn(&str) -> Option<Value>,
) -> FakeResponse {
    let ids: Vec<&str> = request
        .query("ids")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .collect();
    if ids.is_empty() {
        return api_error(400, "invalid request");
    }
    if ids.len() > max_ids {
        return api_error(400, "Too many ids requested");
    }
    if ids.iter().any(|id| !catalog::is_spotify_id(id)) {
        return api_error(400, "invalid id");
    }
    let objects: Vec<Value> = ids
        .iter()
        .map(|id| lookup(id).unwrap_or(Value::Null))
        .collect();
    json_response(StatusCode::OK, &json!({ key: objects }))
}
