//! When Spotify misbehaves or refuses: a day-long ban fails calls fast without a hot loop, missing
//! and unknown fields are tolerated, a malformed body is a typed error, a `next` link is followed
//! only on the Web API's own origin, a token refused even after a refresh means "connect again",
//! and a user missing from a development-mode app's allow-list is a configuration problem.

use std::time::{Duration, Instant};

use http::StatusCode;
use serde_json::json;
use soulspot_domain::upstream::UpstreamFailure;
use soulspot_domain::upstream::spotify::{
    SpotifyAccessToken, SpotifyFailure, SpotifyLibrary as _, SpotifyPlaylistItem, SpotifyTrack,
    SpotifyUser,
};
use soulspot_infrastructure::upstreams::spotify::SpotifyLibraryClient;
use soulspot_testkit::fake::spotify::SpotifyApp;
use soulspot_testkit::fake::{FakeRequest, FakeResponse, FakeServer, Fault, json_response};

use super::{
    CLIENT_ID, FixedSession, MIXED_PLAYLIST, RefreshingSession, TRACK, alice_library, api_requests,
    id, library, started, upstream,
};

/// The one answer of a lookup of one known track.
fn only_track(found: Vec<Option<SpotifyTrack>>) -> SpotifyTrack {
    let [Some(track)]: [Option<SpotifyTrack>; 1] = found.try_into().unwrap() else {
        panic!("the track is known");
    };
    track
}

#[tokio::test]
async fn a_day_long_ban_fails_calls_fast_and_sends_nothing_more() {
    let spotify = started().await;
    let library = alice_library(&spotify);
    spotify.fake.start_ban(Duration::from_secs(86_400));
    let started_at = Instant::now();
    for _ in 0..2 {
        let banned = library.current_user().await;
        assert!(
            matches!(
                &banned,
                Err(SpotifyFailure::Upstream(UpstreamFailure::RateLimited { retry_in, .. }))
                    if *retry_in > Duration::from_secs(86_000)
            ),
            "{banned:?}"
        );
        assert!(banned.unwrap_err().is_transient());
    }
    assert!(
        started_at.elapsed() < Duration::from_secs(2),
        "{:?}",
        started_at.elapsed()
    );
    assert_eq!(
        spotify.api.requests().len(),
        1,
        "the pause holds back the second call"
    );
}

#[tokio::test]
async fn a_malformed_body_is_a_typed_error_and_a_missing_isrc_is_none() {
    let spotify = started().await;
    let library = alice_library(&spotify);
    spotify.api.faults().next(1, Fault::Malformed);
    let malformed = library.current_user().await;
    assert!(
        matches!(
            malformed,
            Err(SpotifyFailure::Upstream(UpstreamFailure::Malformed { .. }))
        ),
        "{malformed:?}"
    );

    spotify.fake.set_external_ids_visible(false);
    let track = only_track(library.tracks(&[id(TRACK)]).await.unwrap());
    assert_eq!(track.isrc, None);
    assert_eq!(track.name, "Subterranean Homesick Alien");
}

/// A Web API of the barest objects Spotify could send, with `null`s and unknown fields, whose
/// playlist pages link elsewhere or to themselves, and which refuses batch lookups.
fn sparse_api(request: &FakeRequest) -> FakeResponse {
    let body = match request.path.as_str() {
        "/v1/me" => json!({"id": "carol", "surprise": {"nested": [1, 2]}}),
        "/v1/tracks" => {
            return json_response(
                StatusCode::FORBIDDEN,
                &json!({"error": {"status": 403, "message": "Forbidden"}}),
            );
        }
        "/v1/tracks/3n3Ppam7vgaVa1iaRUc9Lp" => json!({
            "id": TRACK,
            "name": "Bare",
            "artists": null,
            "external_ids": {"isrc": "not an isrc"},
            "album": {"name": "Somewhere", "images": null, "release_date": "0000"},
            "new_field_from_the_future": true,
        }),
        "/v1/playlists/37i9dQZF1DXcBWIGoYBM5M" => json!({
            "id": MIXED_PLAYLIST,
            "snapshot_id": "c25hcHNob3Q",
            "images": null,
            "public": null,
            "owner": {"id": "carol"},
        }),
        "/v1/playlists/37i9dQZF1DXcBWIGoYBM5M/items" => json!({
            "items": [
                null,
                {"added_at": "1970-01-01T00:00:00Z", "item": null, "track": {"id": null, "name": "Gone"}},
                {"added_at": "yesterday", "item": {"id": TRACK, "name": "Bare", "type": "track"}},
            ],
            "next": null,
        }),
        "/v1/me/playlists" => json!({
            "items": [],
            "next": "http://198.51.100.7/v1/me/playlists?offset=50&limit=50",
        }),
        "/v1/me/tracks" => json!({"items": [], "next": "/v1/me/tracks?offset=50&limit=50"}),
        _ => return json_response(StatusCode::NOT_FOUND, &json!({"error": {"status": 404}})),
    };
    json_response(StatusCode::OK, &body)
}

#[tokio::test]
async fn missing_null_and_unknown_fields_are_tolerated() {
    let server = FakeServer::start(sparse_api).await;
    let library = SpotifyLibraryClient::new(
        upstream("spotify-api", format!("{}/v1", server.url())),
        FixedSession(SpotifyAccessToken::new("token")),
    );
    assert_eq!(
        library.current_user().await.unwrap(),
        SpotifyUser {
            id: "carol".to_owned(),
            display_name: None
        }
    );

    let track = only_track(library.tracks(&[id(TRACK)]).await.unwrap());
    assert_eq!(track.name, "Bare");
    assert_eq!(
        (track.isrc, track.duration, track.explicit),
        (None, None, false)
    );
    assert!(track.artists.is_empty());
    let album = track.album.unwrap();
    assert_eq!((album.id, album.release_date), (None, None));

    let playlist = library.playlist(&id(MIXED_PLAYLIST)).await.unwrap();
    assert_eq!(
        (playlist.item_count, playlist.public, playlist.images.len()),
        (0, None, 0)
    );

    let entries = library.playlist_items(&id(MIXED_PLAYLIST)).await.unwrap();
    assert_eq!(entries.len(), 3, "a null entry keeps its position");
    assert_eq!(entries[0].item, SpotifyPlaylistItem::Unavailable);
    assert_eq!(entries[1].item, SpotifyPlaylistItem::Unavailable);
    assert_eq!(entries[1].added_at, None, "the 1970 placeholder is no date");
    assert!(matches!(&entries[2].item, SpotifyPlaylistItem::Track(track) if track.name == "Bare"));
    assert_eq!(entries[2].added_at, None);
}

#[tokio::test]
async fn a_next_link_is_followed_only_on_the_web_apis_origin_and_only_forward() {
    let server = FakeServer::start(sparse_api).await;
    let library = SpotifyLibraryClient::new(
        upstream("spotify-api", format!("{}/v1", server.url())),
        FixedSession(SpotifyAccessToken::new("token")),
    );
    let elsewhere = library.playlists().await;
    assert!(
        matches!(&elsewhere, Err(SpotifyFailure::Upstream(UpstreamFailure::Malformed { message, .. })) if message.contains("leaves")),
        "{elsewhere:?}"
    );
    assert_eq!(server.requests_to("/v1/me/playlists").len(), 1);

    let in_circles = library.liked_songs().await;
    assert!(
        matches!(&in_circles, Err(SpotifyFailure::Upstream(UpstreamFailure::Malformed { message, .. })) if message.contains("repeats")),
        "{in_circles:?}"
    );
}

#[tokio::test]
async fn a_token_refused_even_after_a_refresh_means_connect_again() {
    let spotify = started().await;
    let stale = spotify
        .fake
        .mint_access_token(CLIENT_ID, "alice", &[])
        .access_token;
    spotify.fake.expire_access_tokens();
    let cannot_refresh = library(&spotify, FixedSession(SpotifyAccessToken::new(stale)));
    assert!(matches!(
        cannot_refresh.current_user().await,
        Err(SpotifyFailure::ReconnectRequired { .. })
    ));
    assert_eq!(
        api_requests(&spotify, "/me").len(),
        2,
        "asked once more, then gave up"
    );

    let revoked = library(&spotify, RefreshingSession::for_user(&spotify, "alice"));
    spotify.fake.expire_access_tokens();
    spotify.fake.revoke_refresh_tokens("alice");
    assert!(matches!(
        revoked.playlists().await,
        Err(SpotifyFailure::ReconnectRequired { .. })
    ));
}

#[tokio::test]
async fn a_user_missing_from_the_apps_allow_list_is_a_configuration_problem() {
    let spotify = started().await;
    spotify.fake.register_app(SpotifyApp {
        allowed_users: vec!["bob".to_owned()],
        ..SpotifyApp::public(CLIENT_ID, &["http://127.0.0.1/callback"])
    });
    let refused = alice_library(&spotify)
        .playlist_items(&id(MIXED_PLAYLIST))
        .await;
    assert!(
        matches!(
            refused,
            Err(SpotifyFailure::Upstream(
                UpstreamFailure::NotConfigured { .. }
            ))
        ),
        "{refused:?}"
    );
}

/// Answers every Spotify path with a redirect to `/landed`, which would answer a user and tokens.
fn redirecting(request: &FakeRequest) -> FakeResponse {
    if request.path.starts_with("/landed") {
        json_response(
            StatusCode::OK,
            &json!({"id": "mallory", "access_token": "t", "token_type": "Bearer", "expires_in": 3600}),
        )
    } else {
        soulspot_testkit::fake::redirect_response(StatusCode::FOUND, "/landed")
    }
}

#[tokio::test]
async fn a_redirect_from_spotify_is_an_error_and_never_followed() {
    let server = FakeServer::start(redirecting).await;
    // The policy itself would follow redirects: the clients refuse them on their own.
    let api = upstream("spotify-api", format!("{}/v1", server.url()));
    assert!(api.follows_redirects());
    let library = SpotifyLibraryClient::new(api, FixedSession(SpotifyAccessToken::new("token")));

    let error = library.current_user().await.unwrap_err();

    assert!(
        format!("{error:?}").contains("refused a redirect"),
        "{error:?}"
    );
    assert!(server.requests_to("/landed").is_empty(), "never followed");

    let accounts = soulspot_infrastructure::upstreams::spotify::SpotifyAccountsClient::new(
        upstream("spotify-accounts", server.url()),
        CLIENT_ID,
    );
    let error = soulspot_domain::upstream::spotify::SpotifyAccounts::refresh(
        &accounts,
        &soulspot_domain::upstream::spotify::SpotifyRefreshToken::new("refresh"),
    )
    .await
    .unwrap_err();
    assert!(
        format!("{error:?}").contains("refused a redirect"),
        "{error:?}"
    );
    assert!(server.requests_to("/landed").is_empty(), "never followed");
}
