//! The Spotify fake over real HTTP: the PKCE dance and its failures, refresh-token rotation,
//! expired tokens, paging through a big playlist, limits, the awkward playlist items (local files,
//! unavailable tracks, episodes), field filters, development-mode 403s, rate limits and bans,
//! batch lookups, snapshot ids, Liked Songs and followed artists.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use soulspot_testkit::fake::spotify::{
    ApiMode, AuthorizationOutcome, PlaylistEntry, RefreshTokenPolicy, RunningSpotify, SpotifyApp,
    SpotifyFake, SpotifyPlaylist,
};

use soulspot_testkit::fake::spotify::scenario::{
    ALBUM, ARTIST, CLIENT_ID, EPISODE, FOREIGN_PLAYLIST, MIXED_PLAYLIST, TRACK, UNPLAYABLE_TRACK,
    small_household,
};

const UNKNOWN_TRACK: &str = "0000000000000000000000";

/// The testkit's small household (`fake::spotify::scenario`), started.
async fn started() -> RunningSpotify {
    SpotifyFake::start(small_household()).await
}

fn pkce_pair(seed: &str) -> (String, String) {
    let verifier = format!("{seed}-{}", "v".repeat(60));
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

fn query_of(location: &str) -> Vec<(String, String)> {
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

fn pair<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

async fn post_token(
    spotify: &RunningSpotify,
    pairs: &[(&str, &str)],
    basic: Option<&str>,
) -> common::Answer {
    let authorization = basic.map(|credentials| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        )
    });
    let mut headers = vec![("content-type", "application/x-www-form-urlencoded")];
    if let Some(authorization) = &authorization {
        headers.push(("authorization", authorization.as_str()));
    }
    common::send("POST", &spotify.token_url(), &headers, form(pairs)).await
}

/// `GET <api>/v1<path>` with a bearer token.
async fn api_get(spotify: &RunningSpotify, token: &str, path: &str) -> common::Answer {
    let url = if path.starts_with("http") {
        path.to_owned()
    } else {
        format!("{}{path}", spotify.api_url())
    };
    common::get(&url, &[("authorization", &format!("Bearer {token}"))]).await
}

fn alice_token(spotify: &RunningSpotify) -> String {
    spotify
        .fake
        .mint_access_token(CLIENT_ID, "alice", &[])
        .access_token
}

/// Runs `/authorize` for the public client and returns the redirect's query pairs.
async fn authorize(spotify: &RunningSpotify, extra: &[(&str, &str)]) -> common::Answer {
    let mut pairs = vec![
        ("client_id", CLIENT_ID),
        ("response_type", "code"),
        ("redirect_uri", "http://127.0.0.1:43123/callback"),
        ("state", "state-42"),
        ("scope", "playlist-read-private user-library-read"),
    ];
    for (name, value) in extra {
        pairs.retain(|(existing, _)| existing != name);
        pairs.push((name, value));
    }
    let url = format!("{}?{}", spotify.authorize_url(), form(&pairs));
    common::get(&url, &[]).await
}

#[tokio::test]
async fn pkce_dance_issues_tokens_and_refuses_a_wrong_verifier_and_a_reused_code() {
    let spotify = started().await;
    let (verifier, challenge) = pkce_pair("dance");
    let answer = authorize(
        &spotify,
        &[
            ("code_challenge_method", "S256"),
            ("code_challenge", &challenge),
        ],
    )
    .await;
    assert_eq!(answer.status, 302);
    let location = answer.header("location").unwrap();
    assert!(
        location.starts_with("http://127.0.0.1:43123/callback?"),
        "{location}"
    );
    let pairs = query_of(location);
    assert_eq!(pair(&pairs, "state"), Some("state-42"));
    let code = pair(&pairs, "code").unwrap().to_owned();

    let exchange = |verifier: String| {
        let code = code.clone();
        let spotify = &spotify;
        async move {
            post_token(
                spotify,
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", "http://127.0.0.1:43123/callback"),
                    ("client_id", CLIENT_ID),
                    ("code_verifier", &verifier),
                ],
                None,
            )
            .await
        }
    };
    let wrong = exchange(pkce_pair("other").0).await;
    assert_eq!(wrong.status, 400);
    assert_eq!(
        wrong.json(),
        json!({"error": "invalid_grant", "error_description": "code_verifier was incorrect"})
    );

    let granted = exchange(verifier.clone()).await;
    assert_eq!(granted.status, 200);
    let tokens = granted.json();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["scope"], "playlist-read-private user-library-read");
    assert!(tokens["refresh_token"].as_str().unwrap().len() > 20);
    let me = api_get(&spotify, tokens["access_token"].as_str().unwrap(), "/me").await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["id"], "alice");
    assert_eq!(me.json()["type"], "user");

    let reused = exchange(verifier).await;
    assert_eq!(reused.status, 400);
    assert_eq!(reused.json()["error"], "invalid_grant");
    assert_eq!(spotify.accounts.requests_to("/api/token").len(), 3);
}

#[tokio::test]
async fn authorize_refuses_bad_clients_redirect_uris_and_parameters_like_spotify() {
    let spotify = started().await;
    let (_, challenge) = pkce_pair("authorize");
    let pkce = [
        ("code_challenge_method", "S256"),
        ("code_challenge", challenge.as_str()),
    ];

    let unknown = authorize(&spotify, &[("client_id", "nobody")]).await;
    assert_eq!(unknown.status, 400);
    assert!(String::from_utf8_lossy(&unknown.body).contains("INVALID_CLIENT: Invalid client"));
    for (redirect_uri, message) in [
        (
            "http://localhost:43123/callback",
            "INVALID_CLIENT: Insecure redirect URI",
        ),
        (
            "http://192.168.1.5/callback",
            "INVALID_CLIENT: Insecure redirect URI",
        ),
        (
            "https://evil.example/callback",
            "INVALID_CLIENT: Invalid redirect URI",
        ),
        (
            "http://127.0.0.1:43123/other",
            "INVALID_CLIENT: Invalid redirect URI",
        ),
    ] {
        let mut extra = pkce.to_vec();
        extra.push(("redirect_uri", redirect_uri));
        let answer = authorize(&spotify, &extra).await;
        assert_eq!(answer.status, 400, "{redirect_uri}");
        assert!(answer.header("location").is_none());
        assert!(
            String::from_utf8_lossy(&answer.body).contains(message),
            "{redirect_uri}"
        );
    }
    // The HTTPS URI was registered exactly; it works on its own terms.
    let mut https = pkce.to_vec();
    https.push(("redirect_uri", "https://soulspot.example/callback"));
    assert_eq!(authorize(&spotify, &https).await.status, 302);

    // Once the redirect URI is trusted, errors go back to the client with the state.
    for (extra, error) in [
        (
            vec![
                ("code_challenge_method", "plain"),
                ("code_challenge", challenge.as_str()),
            ],
            "invalid_request",
        ),
        (vec![], "invalid_request"),
        (
            vec![("response_type", "token")],
            "unsupported_response_type",
        ),
        (
            [pkce.to_vec(), vec![("scope", "playlist-read-everything")]].concat(),
            "invalid_scope",
        ),
    ] {
        let answer = authorize(&spotify, &extra).await;
        assert_eq!(answer.status, 302);
        let pairs = query_of(answer.header("location").unwrap());
        assert_eq!(pair(&pairs, "error"), Some(error), "{extra:?}");
        assert_eq!(pair(&pairs, "state"), Some("state-42"));
        assert_eq!(pair(&pairs, "code"), None);
    }

    spotify
        .fake
        .set_authorization_outcome(AuthorizationOutcome::Deny);
    let denied = authorize(&spotify, &pkce).await;
    let pairs = query_of(denied.header("location").unwrap());
    assert_eq!(pair(&pairs, "error"), Some("access_denied"));
    assert_eq!(pair(&pairs, "state"), Some("state-42"));

    let localhost = std::panic::catch_unwind(|| {
        SpotifyFake::new().register_app(SpotifyApp::public("x", &["http://localhost:8080/cb"]))
    });
    assert!(
        localhost.is_err(),
        "the dashboard refuses localhost redirect URIs"
    );
}

#[tokio::test]
async fn confidential_clients_use_basic_auth_and_a_wrong_secret_is_invalid_client() {
    let spotify = started().await;
    spotify.fake.register_app(SpotifyApp::confidential(
        "server-app",
        "s3cret",
        &["https://soulspot.example/callback"],
    ));
    let code_for = |spotify: &RunningSpotify| {
        let url = format!(
            "{}?{}",
            spotify.authorize_url(),
            form(&[
                ("client_id", "server-app"),
                ("response_type", "code"),
                ("redirect_uri", "https://soulspot.example/callback"),
            ])
        );
        async move {
            let answer = common::get(&url, &[]).await;
            assert_eq!(answer.status, 302);
            pair(&query_of(answer.header("location").unwrap()), "code")
                .unwrap()
                .to_owned()
        }
    };
    let code = code_for(&spotify).await;
    let exchange = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "https://soulspot.example/callback"),
    ];
    let wrong_secret = post_token(&spotify, &exchange, Some("server-app:guess")).await;
    assert_eq!(wrong_secret.status, 400);
    assert_eq!(
        wrong_secret.json(),
        json!({"error": "invalid_client", "error_description": "Invalid client secret"})
    );
    let unknown_client = post_token(&spotify, &exchange, Some("nobody:s3cret")).await;
    assert_eq!(unknown_client.json()["error"], "invalid_client");
    // Without PKCE and without the secret nobody can prove the code is theirs.
    let mut anonymous = exchange.to_vec();
    anonymous.push(("client_id", "server-app"));
    assert_eq!(
        post_token(&spotify, &anonymous, None).await.json()["error"],
        "invalid_client"
    );
    let mut wrong_redirect = exchange.to_vec();
    wrong_redirect[2] = ("redirect_uri", "https://soulspot.example/elsewhere");
    assert_eq!(
        post_token(&spotify, &wrong_redirect, Some("server-app:s3cret"))
            .await
            .json(),
        json!({"error": "invalid_grant", "error_description": "Invalid redirect URI"})
    );
    let granted = post_token(&spotify, &exchange, Some("server-app:s3cret")).await;
    assert_eq!(granted.status, 200);
    assert_eq!(granted.json()["token_type"], "Bearer");

    let missing = post_token(&spotify, &[("code", "x")], Some("server-app:s3cret")).await;
    assert_eq!(
        missing.json(),
        json!({"error": "unsupported_grant_type", "error_description": "grant_type parameter is missing"})
    );
    let implicit = post_token(
        &spotify,
        &[("grant_type", "password")],
        Some("server-app:s3cret"),
    )
    .await;
    assert_eq!(implicit.json()["error"], "unsupported_grant_type");
    let app_token = post_token(
        &spotify,
        &[("grant_type", "client_credentials")],
        Some("server-app:s3cret"),
    )
    .await;
    assert_eq!(app_token.status, 200);
    let app_token = app_token.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        api_get(&spotify, &app_token, &format!("/tracks/{TRACK}"))
            .await
            .status,
        200
    );
    assert_eq!(api_get(&spotify, &app_token, "/me").await.status, 401);
}

#[tokio::test]
async fn refresh_rotates_the_refresh_token_and_the_rotated_out_one_fails() {
    let spotify = started().await;
    let minted = spotify.fake.mint_access_token(CLIENT_ID, "alice", &[]);
    let refresh = |token: String| {
        let spotify = &spotify;
        async move {
            post_token(
                spotify,
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &token),
                    ("client_id", CLIENT_ID),
                ],
                None,
            )
            .await
        }
    };
    let first = refresh(minted.refresh_token.clone()).await;
    assert_eq!(first.status, 200);
    let first = first.json();
    let rotated = first["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rotated, minted.refresh_token);
    assert_eq!(first["scope"], minted.scope);
    assert_eq!(first["expires_in"], 3600);
    assert_ne!(first["access_token"], minted.access_token.as_str());
    assert!(!spotify.fake.refresh_token_is_active(&minted.refresh_token));

    let stale = refresh(minted.refresh_token.clone()).await;
    assert_eq!(stale.status, 400);
    assert_eq!(
        stale.json(),
        json!({"error": "invalid_grant", "error_description": "Invalid refresh token"})
    );

    spotify
        .fake
        .set_refresh_token_policy(RefreshTokenPolicy::Omit);
    let kept = refresh(rotated.clone()).await.json();
    assert!(kept.get("refresh_token").is_none(), "{kept}");
    assert!(spotify.fake.refresh_token_is_active(&rotated));
    spotify
        .fake
        .set_refresh_token_policy(RefreshTokenPolicy::Repeat);
    assert_eq!(
        refresh(rotated.clone()).await.json()["refresh_token"],
        rotated.as_str()
    );

    spotify.fake.revoke_refresh_tokens("alice");
    assert_eq!(
        refresh(rotated).await.json(),
        json!({"error": "invalid_grant", "error_description": "Refresh token revoked"})
    );
}

#[tokio::test]
async fn an_expired_token_is_refused_until_the_client_refreshes() {
    let spotify = started().await;
    let minted = spotify.fake.mint_access_token(CLIENT_ID, "alice", &[]);
    assert_eq!(
        api_get(&spotify, &minted.access_token, "/me").await.status,
        200
    );

    let missing = common::get(&format!("{}/me", spotify.api_url()), &[]).await;
    assert_eq!(missing.status, 401);
    assert_eq!(
        missing.json(),
        json!({"error": {"status": 401, "message": "No token provided"}})
    );
    let unknown = api_get(&spotify, "BQnot-a-token", "/me").await;
    assert_eq!(unknown.json()["error"]["message"], "Invalid access token");

    spotify.fake.expire_access_tokens();
    let expired = api_get(&spotify, &minted.access_token, "/me").await;
    assert_eq!(expired.status, 401);
    assert_eq!(
        expired.json(),
        json!({"error": {"status": 401, "message": "The access token expired"}})
    );
    assert!(
        expired
            .header("www-authenticate")
            .unwrap()
            .starts_with("Bearer")
    );

    let refreshed = post_token(
        &spotify,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &minted.refresh_token),
            ("client_id", CLIENT_ID),
        ],
        None,
    )
    .await
    .json();
    let fresh = refreshed["access_token"].as_str().unwrap();
    assert_eq!(api_get(&spotify, fresh, "/me").await.status, 200);

    // A short lifetime is reported in `expires_in` and runs out on its own.
    spotify
        .fake
        .set_access_token_lifetime(Duration::from_millis(200));
    let short = spotify.fake.mint_access_token(CLIENT_ID, "alice", &[]);
    assert_eq!(short.expires_in, 0);
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(
        api_get(&spotify, &short.access_token, "/me").await.status,
        401
    );
}

#[tokio::test]
async fn following_next_through_a_thousand_item_playlist_yields_every_item_once_in_order() {
    let spotify = started().await;
    let generated = spotify
        .fake
        .generate_playlist("alice", "Everything", 7, 1_000);
    let token = alice_token(&spotify);

    let first = api_get(
        &spotify,
        &token,
        &format!("/playlists/{}/items", generated.playlist_id),
    )
    .await;
    assert_eq!(first.status, 200);
    let first = first.json();
    assert_eq!(first["limit"], 20, "the default page size");
    assert_eq!(first["total"], 1_000);
    assert_eq!(first["previous"], Value::Null);

    let mut next = Some(format!(
        "{}/playlists/{}/items?limit=50",
        spotify.api_url(),
        generated.playlist_id
    ));
    let mut seen = Vec::new();
    let mut pages = 0;
    while let Some(url) = next {
        assert!(url.starts_with(&spotify.api_url()), "{url}");
        let page = api_get(&spotify, &token, &url).await;
        assert_eq!(page.status, 200);
        let page = page.json();
        assert_eq!(page["total"], 1_000);
        if pages > 0 {
            assert!(
                page["previous"]
                    .as_str()
                    .unwrap()
                    .starts_with(&spotify.api_url())
            );
        }
        for entry in page["items"].as_array().unwrap() {
            assert_eq!(
                entry["item"], entry["track"],
                "the deprecated field mirrors the new one"
            );
            seen.push(entry["item"]["id"].as_str().unwrap().to_owned());
        }
        next = page["next"].as_str().map(str::to_owned);
        pages += 1;
    }
    assert_eq!(pages, 20);
    assert_eq!(seen, generated.track_ids);
    assert_eq!(
        spotify
            .api
            .requests_to(&format!("/v1/playlists/{}/items", generated.playlist_id))
            .len(),
        21
    );
}

#[tokio::test]
async fn limits_outside_the_documented_range_are_refused() {
    let spotify = started().await;
    let token = alice_token(&spotify);
    for path in [
        format!("/playlists/{MIXED_PLAYLIST}/items?limit=51"),
        format!("/playlists/{MIXED_PLAYLIST}/items?limit=0"),
        format!("/playlists/{MIXED_PLAYLIST}/items?limit=ten"),
        "/me/playlists?limit=51".to_owned(),
        "/me/tracks?limit=100".to_owned(),
    ] {
        let answer = api_get(&spotify, &token, &path).await;
        assert_eq!(answer.status, 400, "{path}");
        assert_eq!(
            answer.json(),
            json!({"error": {"status": 400, "message": "Invalid limit"}})
        );
    }
    let offset = api_get(&spotify, &token, "/me/playlists?offset=-1").await;
    assert_eq!(offset.json()["error"]["message"], "Invalid offset");
    assert_eq!(
        api_get(&spotify, &token, "/me/playlists?limit=50")
            .await
            .status,
        200
    );

    spotify.fake.set_playlist_items_max_limit(100);
    let historic = api_get(
        &spotify,
        &token,
        &format!("/playlists/{MIXED_PLAYLIST}/items?limit=100"),
    )
    .await;
    assert_eq!(historic.status, 200);
    assert_eq!(historic.json()["limit"], 100);
}

#[tokio::test]
async fn local_files_unavailable_tracks_and_episodes_come_as_spotify_shapes_them() {
    let spotify = started().await;
    let token = alice_token(&spotify);
    let page = api_get(
        &spotify,
        &token,
        &format!("/playlists/{MIXED_PLAYLIST}/items?market=DE"),
    )
    .await;
    let page = page.json();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);

    let track = &items[0]["item"];
    assert_eq!(track["is_playable"], true);
    assert_eq!(items[0]["is_local"], false);
    assert_eq!(items[0]["added_by"]["id"], "alice");
    assert!(items[0]["added_at"].as_str().unwrap().ends_with('Z'));

    let local = &items[1];
    assert_eq!(local["is_local"], true);
    assert_eq!(local["item"]["id"], Value::Null);
    assert_eq!(local["item"]["is_local"], true);
    assert_eq!(
        local["item"]["uri"],
        "spotify:local:My+Band:Tapes:Home+Demo:125"
    );
    assert_eq!(local["item"]["artists"][0]["name"], "My Band");

    assert_eq!(items[2]["item"], Value::Null);
    assert_eq!(items[2]["track"], Value::Null);

    assert_eq!(items[3]["item"]["is_playable"], false);
    assert_eq!(items[3]["item"]["restrictions"]["reason"], "market");

    let legacy_episode = &items[4]["item"];
    assert_eq!(legacy_episode["type"], "episode");
    assert_eq!(legacy_episode["album"]["album_type"], "show");
    assert_eq!(legacy_episode["uri"], format!("spotify:episode:{EPISODE}"));

    let with_episodes = api_get(
        &spotify,
        &token,
        &format!("/playlists/{MIXED_PLAYLIST}/items?additional_types=track,episode"),
    )
    .await
    .json();
    let episode = &with_episodes["items"][4]["item"];
    assert_eq!(episode["type"], "episode");
    assert_eq!(episode["show"]["name"], "A Show");
    assert!(episode.get("is_playable").is_some());
    // Without a market nobody learns about availability, as on Spotify.
    assert!(
        with_episodes["items"][3]["item"]
            .get("is_playable")
            .is_none()
    );

    spotify.fake.set_deprecated_track_field(false);
    let new_shape = api_get(
        &spotify,
        &token,
        &format!("/playlists/{MIXED_PLAYLIST}/items"),
    )
    .await
    .json();
    assert!(new_shape["items"][0].get("track").is_none());
    assert_eq!(new_shape["items"][0]["item"]["id"], TRACK);

    spotify.fake.set_api_mode(ApiMode::ExtendedQuota);
    let old_shape = api_get(
        &spotify,
        &token,
        &format!("/playlists/{MIXED_PLAYLIST}/tracks"),
    )
    .await
    .json();
    assert!(old_shape["items"][0].get("item").is_none());
    assert_eq!(old_shape["items"][0]["track"]["id"], TRACK);
}

#[tokio::test]
async fn fields_filters_keep_only_what_was_asked_for() {
    let spotify = started().await;
    let token = alice_token(&spotify);
    let playlist = api_get(
        &spotify,
        &token,
        &format!("/playlists/{MIXED_PLAYLIST}?fields=name,snapshot_id,owner(id),items(total)"),
    )
    .await;
    assert_eq!(playlist.status, 200);
    assert_eq!(
        playlist.json(),
        json!({
            "name": "Mixed",
            "snapshot_id": spotify.fake.snapshot_id(MIXED_PLAYLIST),
            "owner": {"id": "alice"},
            "items": {"total": 5},
        })
    );

    let items = api_get(
        &spotify,
        &token,
        &format!("/playlists/{MIXED_PLAYLIST}/items?fields=total,next,items(added_by.id,item(name,album(!images,!artists,name)))&limit=1"),
    )
    .await
    .json();
    assert_eq!(
        items,
        json!({
            "total": 5,
            "next": items["next"],
            "items": [{
                "added_by": {"id": "alice"},
                "item": {"name": "Subterranean Homesick Alien", "album": {"name": "OK Computer"}},
            }],
        })
    );
    // The links keep the filter, so every page has the same shape.
    assert!(items["next"].as_str().unwrap().contains("fields="));

    let malformed = api_get(
        &spotify,
        &token,
        &format!("/playlists/{MIXED_PLAYLIST}?fields=items(name"),
    )
    .await;
    assert_eq!(malformed.status, 400);
}

#[tokio::test]
async fn foreign_playlists_show_only_metadata_and_their_items_are_forbidden_in_development_mode() {
    let spotify = started().await;
    let token = alice_token(&spotify);
    let mine = api_get(&spotify, &token, "/me/playlists").await.json();
    assert_eq!(mine["total"], 2);
    let foreign = &mine["items"][1];
    assert_eq!(foreign["id"], FOREIGN_PLAYLIST);
    assert_eq!(foreign["owner"]["id"], "bob");
    assert_eq!(foreign["items"]["total"], 1);
    assert!(foreign.get("tracks").is_none());

    let metadata = api_get(&spotify, &token, &format!("/playlists/{FOREIGN_PLAYLIST}"))
        .await
        .json();
    assert_eq!(metadata["name"], "Bob's mix");
    assert_eq!(metadata["items"]["total"], 1);
    assert!(metadata["items"].get("items").is_none(), "{metadata}");

    let forbidden = api_get(
        &spotify,
        &token,
        &format!("/playlists/{FOREIGN_PLAYLIST}/items"),
    )
    .await;
    assert_eq!(forbidden.status, 403);
    assert_eq!(
        forbidden.json(),
        json!({"error": {"status": 403, "message": "Forbidden"}})
    );
    // The legacy path is gone for development-mode apps, even for owned playlists.
    assert_eq!(
        api_get(
            &spotify,
            &token,
            &format!("/playlists/{MIXED_PLAYLIST}/tracks")
        )
        .await
        .status,
        403
    );

    let collaborative = "1aaaaaaaaaaaaaaaaaaaaa";
    spotify.fake.add_playlist(SpotifyPlaylist {
        collaborative: true,
        public: false,
        collaborators: vec!["alice".to_owned()],
        entries: vec![PlaylistEntry::track(TRACK).added_by("alice")],
        ..SpotifyPlaylist::new(collaborative, "Together", "bob")
    });
    assert_eq!(
        api_get(
            &spotify,
            &token,
            &format!("/playlists/{collaborative}/items")
        )
        .await
        .status,
        200
    );
    assert_eq!(
        api_get(
            &spotify,
            &token,
            &format!("/playlists/{}", "zzzzzzzzzzzzzzzzzzzzzz")
        )
        .await
        .status,
        404
    );
    assert_eq!(
        api_get(&spotify, &token, "/playlists/not-an-id")
            .await
            .status,
        400
    );

    spotify.fake.set_api_mode(ApiMode::ExtendedQuota);
    assert_eq!(
        api_get(
            &spotify,
            &token,
            &format!("/playlists/{FOREIGN_PLAYLIST}/items")
        )
        .await
        .status,
        200
    );
    let legacy = api_get(&spotify, &token, &format!("/playlists/{FOREIGN_PLAYLIST}"))
        .await
        .json();
    assert_eq!(legacy["tracks"]["items"][0]["track"]["id"], TRACK);
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after_and_recovers_after_the_window() {
    let spotify = started().await;
    let token = alice_token(&spotify);
    spotify.fake.set_rate_limit(3, Duration::from_millis(800));
    for _ in 0..3 {
        assert_eq!(api_get(&spotify, &token, "/me").await.status, 200);
    }
    let limited = api_get(&spotify, &token, "/me").await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("1"));
    assert_eq!(
        limited.json(),
        json!({"error": {"status": 429, "message": "API rate limit exceeded"}})
    );

    // Another app has its own budget.
    spotify
        .fake
        .register_app(SpotifyApp::public("other-app", &["http://127.0.0.1/cb"]));
    let other = spotify
        .fake
        .mint_access_token("other-app", "alice", &[])
        .access_token;
    assert_eq!(api_get(&spotify, &other, "/me").await.status, 200);

    tokio::time::sleep(Duration::from_millis(850)).await;
    assert_eq!(api_get(&spotify, &token, "/me").await.status, 200);
}

#[tokio::test]
async fn a_ban_answers_every_request_with_the_remaining_seconds() {
    let spotify = started().await;
    let token = alice_token(&spotify);
    spotify.fake.start_ban(Duration::from_secs(86_400));
    for headers in [vec![], vec![("authorization", format!("Bearer {token}"))]] {
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        let banned = common::get(&format!("{}/me", spotify.api_url()), &headers).await;
        assert_eq!(banned.status, 429);
        assert_eq!(banned.header("retry-after"), Some("86400"));
        assert_eq!(banned.json()["error"]["status"], 429);
    }
    spotify.fake.end_bans();
    assert_eq!(api_get(&spotify, &token, "/me").await.status, 200);

    spotify
        .fake
        .start_app_ban(CLIENT_ID, Duration::from_secs(7_200));
    let banned = api_get(&spotify, &token, "/me").await;
    let remaining: u64 = banned.header("retry-after").unwrap().parse().unwrap();
    assert!((7_199..=7_200).contains(&remaining), "{remaining}");
    spotify
        .fake
        .register_app(SpotifyApp::public("other-app", &["http://127.0.0.1/cb"]));
    let other = spotify
        .fake
        .mint_access_token("other-app", "alice", &[])
        .access_token;
    assert_eq!(api_get(&spotify, &other, "/me").await.status, 200);
}

#[tokio::test]
async fn catalogue_lookups_carry_the_real_fields_and_batches_cap_their_ids() {
    let spotify = started().await;
    let token = alice_token(&spotify);
    let track = api_get(&spotify, &token, &format!("/tracks/{TRACK}")).await;
    assert_eq!(track.status, 200);
    let track = track.json();
    assert_eq!(track["id"], TRACK);
    assert_eq!(track["type"], "track");
    assert_eq!(track["uri"], format!("spotify:track:{TRACK}"));
    assert_eq!(track["duration_ms"], 284_000);
    assert_eq!(track["explicit"], false);
    assert_eq!(track["disc_number"], 1);
    assert_eq!(track["track_number"], 3);
    assert_eq!(track["is_local"], false);
    assert_eq!(track["external_ids"]["isrc"], "GBAYE9700148");
    assert_eq!(
        track["external_urls"]["spotify"],
        format!("https://open.spotify.com/track/{TRACK}")
    );
    assert_eq!(
        track["artists"][0],
        json!({
            "external_urls": {"spotify": format!("https://open.spotify.com/artist/{ARTIST}")},
            "href": format!("{}/artists/{ARTIST}", spotify.api_url()),
            "id": ARTIST, "name": "Radiohead", "type": "artist", "uri": format!("spotify:artist:{ARTIST}"),
        })
    );
    let album = &track["album"];
    assert_eq!(album["id"], ALBUM);
    assert_eq!(album["name"], "OK Computer");
    assert_eq!(album["album_type"], "album");
    assert_eq!(album["release_date"], "2020-05-01");
    assert_eq!(album["release_date_precision"], "day");
    assert_eq!(album["total_tracks"], 2);
    assert_eq!(album["images"][0]["height"], 640);
    assert_eq!(album["artists"][0]["id"], ARTIST);
    assert!(
        track.get("popularity").is_none(),
        "removed in development mode"
    );

    assert_eq!(
        api_get(&spotify, &token, &format!("/albums/{ALBUM}"))
            .await
            .json()["tracks"]["total"],
        2
    );
    assert_eq!(
        api_get(&spotify, &token, &format!("/artists/{ARTIST}"))
            .await
            .json()["name"],
        "Radiohead"
    );
    assert_eq!(
        api_get(&spotify, &token, &format!("/tracks/{UNKNOWN_TRACK}"))
            .await
            .status,
        404
    );
    assert_eq!(api_get(&spotify, &token, "/tracks/nope").await.status, 400);

    // Batch lookups are for extended-quota apps only since February 2026.
    assert_eq!(
        api_get(&spotify, &token, &format!("/tracks?ids={TRACK}"))
            .await
            .status,
        403
    );
    spotify.fake.set_api_mode(ApiMode::ExtendedQuota);
    let ids = |count: usize, first: &str| {
        let mut ids = vec![first.to_owned()];
        ids.extend((1..count).map(|index| format!("{index:0>22}")));
        ids.join(",")
    };
    let fifty = api_get(&spotify, &token, &format!("/tracks?ids={}", ids(50, TRACK))).await;
    assert_eq!(fifty.status, 200);
    let tracks = fifty.json()["tracks"].as_array().unwrap().clone();
    assert_eq!(tracks.len(), 50);
    assert_eq!(tracks[0]["id"], TRACK);
    assert!(tracks[1..].iter().all(Value::is_null));
    assert!(
        tracks[0].get("popularity").is_some(),
        "extended-quota objects keep popularity"
    );
    for (path, count, first) in [
        ("tracks", 51, TRACK),
        ("albums", 21, ALBUM),
        ("artists", 51, ARTIST),
    ] {
        let answer = api_get(
            &spotify,
            &token,
            &format!("/{path}?ids={}", ids(count, first)),
        )
        .await;
        assert_eq!(answer.status, 400, "{path}");
        assert_eq!(
            answer.json(),
            json!({"error": {"status": 400, "message": "Too many ids requested"}})
        );
    }
    let albums = api_get(&spotify, &token, &format!("/albums?ids={}", ids(20, ALBUM)))
        .await
        .json();
    assert_eq!(albums["albums"][0]["name"], "OK Computer");
    let artists = api_get(
        &spotify,
        &token,
        &format!("/artists?ids={ARTIST},{UNKNOWN_TRACK}"),
    )
    .await
    .json();
    assert_eq!(artists["artists"][1], Value::Null);
}

#[tokio::test]
async fn snapshot_ids_change_when_a_test_edits_the_playlist() {
    let spotify = started().await;
    let token = alice_token(&spotify);
    let snapshot = |spotify: &RunningSpotify, token: String| {
        let url = format!(
            "{}/playlists/{MIXED_PLAYLIST}?fields=snapshot_id",
            spotify.api_url()
        );
        async move {
            api_get_url(&url, &token).await["snapshot_id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let original = snapshot(&spotify, token.clone()).await;
    assert_eq!(original, spotify.fake.snapshot_id(MIXED_PLAYLIST));
    assert_eq!(
        snapshot(&spotify, token.clone()).await,
        original,
        "stable while unchanged"
    );

    let added = spotify.fake.add_playlist_entries(
        MIXED_PLAYLIST,
        Some(0),
        vec![PlaylistEntry::track(UNPLAYABLE_TRACK)],
    );
    assert_ne!(added, original);
    assert_eq!(snapshot(&spotify, token.clone()).await, added);
    let reordered = spotify
        .fake
        .reorder_playlist_entries(MIXED_PLAYLIST, 0, 1, 3);
    let removed = spotify.fake.remove_playlist_entries(MIXED_PLAYLIST, &[0]);
    assert_ne!(reordered, added);
    assert_ne!(removed, reordered);
    assert_eq!(snapshot(&spotify, token.clone()).await, removed);

    let items = api_get(
        &spotify,
        &token,
        &format!("/playlists/{MIXED_PLAYLIST}/items"),
    )
    .await
    .json();
    let ids: Vec<Value> = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["item"]["id"].clone())
        .collect();
    // [U, T, L, null, U, E] → move U before index 3 → [T, L, U, null, U, E] → drop index 0.
    assert_eq!(
        ids,
        vec![
            json!(null),
            json!(UNPLAYABLE_TRACK),
            json!(null),
            json!(UNPLAYABLE_TRACK),
            json!(EPISODE)
        ]
    );
}

async fn api_get_url(url: &str, token: &str) -> Value {
    common::get(url, &[("authorization", &format!("Bearer {token}"))])
        .await
        .json()
}

#[tokio::test]
async fn liked_songs_are_saved_tracks_newest_first_and_need_their_scope() {
    let spotify = started().await;
    let generated = spotify.fake.generate_catalog(3, 0, 30);
    let ids: Vec<&str> = generated.iter().map(String::as_str).collect();
    spotify.fake.like_tracks("alice", &ids);
    let token = alice_token(&spotify);
    let page = api_get(&spotify, &token, "/me/tracks?limit=50")
        .await
        .json();
    assert_eq!(page["total"], 30);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items[0]["track"]["id"], ids[29]);
    assert_eq!(items[29]["track"]["id"], ids[0]);
    assert!(items[0]["added_at"].as_str().unwrap() > items[1]["added_at"].as_str().unwrap());
    assert!(items[0]["track"]["external_ids"]["isrc"].is_string());
    let second = api_get(&spotify, &token, "/me/tracks?limit=20&offset=20")
        .await
        .json();
    assert_eq!(second["items"].as_array().unwrap().len(), 10);
    assert_eq!(second["next"], Value::Null);
    assert_eq!(
        second["previous"],
        format!("{}/me/tracks?offset=0&limit=20", spotify.api_url())
    );

    let narrow = spotify
        .fake
        .mint_access_token(CLIENT_ID, "alice", &["playlist-read-private"]);
    let refused = api_get(&spotify, &narrow.access_token, "/me/tracks").await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        refused.json()["error"]["message"],
        "Insufficient client scope"
    );
}

#[tokio::test]
async fn my_playlists_page_with_absolute_links_and_respect_scopes() {
    let spotify = started().await;
    for index in 0..43 {
        let mut playlist =
            SpotifyPlaylist::new(&format!("{index:0>22}"), &format!("List {index}"), "alice");
        playlist.public = index % 2 == 0;
        spotify.fake.add_playlist(playlist);
    }
    let token = alice_token(&spotify);
    let first = api_get(&spotify, &token, "/me/playlists").await.json();
    assert_eq!(first["total"], 45);
    assert_eq!(first["limit"], 20);
    assert_eq!(
        first["href"],
        format!("{}/me/playlists?offset=0&limit=20", spotify.api_url())
    );
    assert_eq!(
        first["next"],
        format!("{}/me/playlists?offset=20&limit=20", spotify.api_url())
    );
    let last = api_get(&spotify, &token, first["next"].as_str().unwrap())
        .await
        .json();
    let last = api_get(&spotify, &token, last["next"].as_str().unwrap())
        .await
        .json();
    assert_eq!(last["items"].as_array().unwrap().len(), 5);
    assert_eq!(last["next"], Value::Null);
    assert_eq!(
        last["items"][0]["snapshot_id"].as_str().map(str::is_empty),
        Some(false)
    );

    let public_only = spotify
        .fake
        .mint_access_token(CLIENT_ID, "alice", &["user-library-read"]);
    let visible = api_get(&spotify, &public_only.access_token, "/me/playlists")
        .await
        .json();
    assert_eq!(
        visible["total"],
        2 + 22,
        "private playlists need playlist-read-private"
    );
}

#[tokio::test]
async fn followed_artists_use_cursor_paging() {
    let spotify = started().await;
    spotify.fake.generate_catalog(11, 0, 40);
    let artists: Vec<String> = (0..5)
        .map(|index| soulspot_testkit::catalog::spotify_id(1, index).to_string())
        .collect();
    let artist_ids: Vec<&str> = artists.iter().map(String::as_str).collect();
    spotify.fake.follow_artists("alice", &artist_ids);
    let token = alice_token(&spotify);
    let first = api_get(&spotify, &token, "/me/following?type=artist&limit=2")
        .await
        .json();
    assert_eq!(first["artists"]["total"], 5);
    assert_eq!(first["artists"]["cursors"]["after"], artists[1].as_str());
    let mut seen: Vec<String> = first["artists"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|artist| artist["id"].as_str().unwrap().to_owned())
        .collect();
    let mut next = first["artists"]["next"].as_str().map(str::to_owned);
    while let Some(url) = next {
        let page = api_get(&spotify, &token, &url).await.json();
        seen.extend(
            page["artists"]["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|artist| artist["id"].as_str().unwrap().to_owned()),
        );
        next = page["artists"]["next"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, artists);
    assert_eq!(
        api_get(&spotify, &token, "/me/following?type=user")
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn development_mode_refuses_users_missing_from_the_allow_list() {
    let spotify = started().await;
    let mut app = SpotifyApp::public("family-app", &["http://127.0.0.1/callback"]);
    app.allowed_users = vec!["alice".to_owned()];
    spotify.fake.register_app(app);
    let alice = spotify
        .fake
        .mint_access_token("family-app", "alice", &[])
        .access_token;
    let bob = spotify
        .fake
        .mint_access_token("family-app", "bob", &[])
        .access_token;
    assert_eq!(api_get(&spotify, &alice, "/me").await.status, 200);
    let refused = api_get(&spotify, &bob, "/me").await;
    assert_eq!(refused.status, 403);
    assert!(
        refused.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("may not be registered")
    );
}
