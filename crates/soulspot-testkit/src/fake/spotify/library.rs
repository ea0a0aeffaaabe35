//! The Web API's endpoints over the current user's library: `/me/playlists` (what the granted
//! scopes let the app see), `/me/tracks` (Liked Songs, newest first) and `/me/following` (cursor
//! paging).

use http::StatusCode;
use serde_json::{Value, json};

use super::catalog;
use super::credentials::AccessToken;
use super::objects::{Render, timestamp};
use super::paging::{Page, kept_parameters, page_request, paging_object};
use super::web_api::{api_error, has_scope};
use crate::fake::{FakeRequest, FakeResponse, json_response};

pub(super) fn my_playlists(
    render: &Render<'_>,
    request: &FakeRequest,
    token: &AccessToken,
    user_id: &str,
) -> FakeResponse {
    let page = match page_request(request, 20, 50) {
        Ok(page) => page,
        Err(error) => return error.response(),
    };
    // Private playlists need playlist-read-private, collaborative ones playlist-read-collaborative.
    let visible: Vec<&catalog::StoredPlaylist> = render
        .state
        .libraries
        .get(user_id)
        .map(|library| library.playlists.as_slice())
        .unwrap_or_default()
        .iter()
        .filter_map(|id| render.state.playlists.get(id))
        .filter(|stored| {
            let playlist = &stored.playlist;
            if playlist.collaborative {
                has_scope(token, "playlist-read-collaborative")
            } else {
                playlist.public || has_scope(token, "playlist-read-private")
            }
        })
        .collect();
    let items = page
        .slice(&visible)
        .iter()
        .map(|stored| render.playlist_simple(stored))
        .collect();
    let url = format!("{}/me/playlists", render.base);
    let body = paging_object(&url, page, visible.len(), items, &kept_parameters(request));
    json_response(StatusCode::OK, &body)
}

pub(super) fn liked_songs(
    render: &Render<'_>,
    request: &FakeRequest,
    token: &AccessToken,
    user_id: &str,
) -> FakeResponse {
    if !has_scope(token, "user-library-read") {
        return api_error(403, "Insufficient client scope");
    }
    let page = match page_request(request, 20, 50) {
        Ok(page) => page,
        Err(error) => return error.response(),
    };
    let mut liked: Vec<&(String, chrono::DateTime<chrono::Utc>)> = render
        .state
        .libraries
        .get(user_id)
        .map(|library| library.liked.iter().collect())
        .unwrap_or_default();
    // Most recently liked first; among equal times, the later like first.
    liked.reverse();
    liked.sort_by_key(|(_, added_at)| std::cmp::Reverse(*added_at));
    let items = page
        .slice(&liked)
        .iter()
        .filter_map(|(track_id, added_at)| {
            let track = render.state.tracks.get(track_id)?;
            Some(json!({"added_at": timestamp(added_at), "track": render.track_full(track)}))
        })
        .collect();
    let url = format!("{}/me/tracks", render.base);
    let body = paging_object(&url, page, liked.len(), items, &kept_parameters(request));
    json_response(StatusCode::OK, &body)
}

/// `GET /me/following?type=artist`: cursor paging, `after` being the last artist id seen.
pub(super) fn followed_artists(
    render: &Render<'_>,
    request: &FakeRequest,
    token: &AccessToken,
    user_id: &str,
) -> FakeResponse {
    if !has_scope(token, "user-follow-read") {
        return api_error(403, "Insufficient client scope");
    }
    if request.query("type") != Some("artist") {
        return api_error(400, "Bad request: type must be artist");
    }
    let limit = match page_request(request, 20, 50) {
        Ok(page) => page.limit,
        Err(error) => return error.response(),
    };
    let followed: &[String] = render
        .state
        .libraries
        .get(user_id)
        .map(|library| library.followed_artists.as_slice())
        .unwrap_or_default();
    let start = match request.query("after") {
        None => 0,
        Some(after) => followed
            .iter()
            .position(|id| id == after)
            .map_or(followed.len(), |index| index + 1),
    };
    let page = Page {
        offset: start,
        limit,
    };
    let shown = page.slice(followed);
    let items: Vec<Value> = shown
        .iter()
        .filter_map(|id| render.state.artists.get(id))
        .map(|artist| render.artist_full(artist))
        .collect();
    let after = (start + shown.len() < followed.len())
        .then(|| shown.last().cloned())
        .flatten();
    let url = format!("{}/me/following?type=artist&limit={limit}", render.base);
    let href = match request.query("after") {
        Some(cursor) => format!("{url}&after={cursor}"),
        None => url.clone(),
    };
    let next = after.as_ref().map(|cursor| format!("{url}&after={cursor}"));
    json_response(
        StatusCode::OK,
        &json!({"artists": {
            "href": href,
            "items": items,
            "limit": limit,
            "next": next,
            "cursors": {"after": after, "before": null},
            "total": followed.len(),
        }}),
    )
}
