//! The accounts client: the PKCE dance end to end, a token request never repeated, refresh with
//! and without rotation, and the refusals that mean "connect again" or "fix the Client ID".

use http::StatusCode;
use soulspot_domain::upstream::UpstreamFailure;
use soulspot_domain::upstream::spotify::{
    SPOTIFY_SCOPES, SpotifyAccounts as _, SpotifyFailure, SpotifyLibrary as _, SpotifyRefreshToken,
    SpotifyUser,
};
use soulspot_infrastructure::http::UpstreamRequest;
use soulspot_testkit::fake::Fault;
use soulspot_testkit::fake::spotify::{RefreshTokenPolicy, RunningSpotify};

use super::{
    CLIENT_ID, FixedSession, REDIRECT_URI, accounts_client, accounts_client_for, library, started,
    token_requests, upstream_with_redirects,
};

/// Follows the user's browser to the authorize URL (without following the redirect back) and
/// returns the redirect's `code` and `state`.
async fn approve(spotify: &RunningSpotify, authorize_url: &str) -> (String, String) {
    // A browser shown the redirect back, not following it.
    let browser = upstream_with_redirects("browser", spotify.accounts_url(), 0);
    let answer = browser
        .send(UpstreamRequest::get(authorize_url))
        .await
        .unwrap();
    assert_eq!(answer.status, StatusCode::FOUND);
    let location = url::Url::parse(answer.header("location").unwrap()).unwrap();
    assert_eq!(
        location.as_str().split('?').next(),
        Some(REDIRECT_URI),
        "{location}"
    );
    let pair = |name: &str| {
        location
            .query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
            .unwrap()
    };
    (pair("code"), pair("state"))
}

#[tokio::test]
async fn the_pkce_dance_yields_tokens_that_read_the_library() {
    let spotify = started().await;
    let accounts = accounts_client(&spotify);
    let authorization = accounts.begin_authorization(REDIRECT_URI).unwrap();
    assert!(
        authorization
            .authorize_url
            .starts_with(&spotify.authorize_url()),
        "{}",
        authorization.authorize_url
    );
    let query: Vec<(String, String)> = url::Url::parse(&authorization.authorize_url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    let parameter = |name: &str| {
        query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    assert_eq!(parameter("client_id"), Some(CLIENT_ID));
    assert_eq!(parameter("response_type"), Some("code"));
    assert_eq!(parameter("code_challenge_method"), Some("S256"));
    assert_eq!(parameter("scope"), Some(SPOTIFY_SCOPES.join(" ").as_str()));
    assert_eq!(parameter("state"), Some(authorization.state.as_str()));
    assert!((43..=128).contains(&authorization.code_verifier.len()));
    let another = accounts.begin_authorization(REDIRECT_URI).unwrap();
    assert_ne!(another.state, authorization.state);
    assert_ne!(another.code_verifier, authorization.code_verifier);

    let (code, state) = approve(&spotify, &authorization.authorize_url).await;
    assert!(authorization.matches_state(&state));
    let before = chrono::Utc::now();
    let tokens = accounts.exchange_code(&code, &authorization).await.unwrap();
    assert!(tokens.refresh_token.is_some());
    assert_eq!(tokens.scopes, SPOTIFY_SCOPES);
    let lifetime = tokens.expires_at - before;
    assert!(
        (3590..=3601).contains(&lifetime.num_seconds()),
        "{lifetime}"
    );

    let exchange = &spotify.accounts.requests_to("/api/token")[0];
    assert_eq!(
        exchange.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let me = library(&spotify, FixedSession(tokens.access_token.clone()))
        .current_user()
        .await
        .unwrap();
    assert_eq!(
        me,
        SpotifyUser {
            id: "alice".to_owned(),
            display_name: Some("Alice".to_owned())
        }
    );

    // A code is single-use.
    assert!(matches!(
        accounts.exchange_code(&code, &authorization).await,
        Err(SpotifyFailure::ReconnectRequired { .. })
    ));
}

#[tokio::test]
async fn a_wrong_verifier_means_reconnect_and_a_bad_redirect_uri_is_refused_up_front() {
    let spotify = started().await;
    let accounts = accounts_client(&spotify);
    let authorization = accounts.begin_authorization(REDIRECT_URI).unwrap();
    let (code, _) = approve(&spotify, &authorization.authorize_url).await;
    let other = accounts.begin_authorization(REDIRECT_URI).unwrap();
    let mut forged = authorization.clone();
    forged.code_verifier = other.code_verifier;
    let refused = accounts.exchange_code(&code, &forged).await;
    assert!(
        matches!(&refused, Err(SpotifyFailure::ReconnectRequired { message }) if message.contains("code_verifier")),
        "{refused:?}"
    );

    for refused_uri in [
        "http://localhost:43123/callback",
        "http://soulspot.example/callback",
    ] {
        assert!(matches!(
            accounts.begin_authorization(refused_uri),
            Err(SpotifyFailure::Upstream(
                UpstreamFailure::NotConfigured { .. }
            ))
        ));
    }
}

#[tokio::test]
async fn a_token_request_that_fails_is_never_repeated() {
    let spotify = started().await;
    let accounts = accounts_client(&spotify);
    let authorization = accounts.begin_authorization(REDIRECT_URI).unwrap();
    let (code, _) = approve(&spotify, &authorization.authorize_url).await;
    spotify.accounts.faults().next(1, Fault::status(503));
    let failed = accounts.exchange_code(&code, &authorization).await;
    assert!(
        matches!(
            failed,
            Err(SpotifyFailure::Upstream(
                UpstreamFailure::Unavailable { .. }
            ))
        ),
        "{failed:?}"
    );
    assert_eq!(token_requests(&spotify), 1, "a POST is not retried blindly");
}

#[tokio::test]
async fn a_refresh_keeps_the_rotated_refresh_token_or_the_old_one_when_none_comes() {
    let spotify = started().await;
    let accounts = accounts_client(&spotify);
    let minted = spotify.fake.mint_access_token(CLIENT_ID, "alice", &[]);
    let original = SpotifyRefreshToken::new(minted.refresh_token.clone());

    let rotated = accounts.refresh(&original).await.unwrap();
    let rotated_refresh = rotated.refresh_token.clone().unwrap();
    assert_ne!(rotated_refresh, original);
    assert_ne!(rotated.access_token.expose(), minted.access_token);
    assert!(
        spotify
            .fake
            .refresh_token_is_active(rotated_refresh.expose())
    );
    assert!(!spotify.fake.refresh_token_is_active(original.expose()));
    assert!(matches!(
        accounts.refresh(&original).await,
        Err(SpotifyFailure::ReconnectRequired { .. })
    ));

    spotify
        .fake
        .set_refresh_token_policy(RefreshTokenPolicy::Omit);
    let kept = accounts.refresh(&rotated_refresh).await.unwrap();
    assert_eq!(kept.refresh_token, Some(rotated_refresh.clone()));

    spotify.fake.revoke_refresh_tokens("alice");
    let revoked = accounts.refresh(&rotated_refresh).await;
    assert!(
        matches!(&revoked, Err(SpotifyFailure::ReconnectRequired { message }) if message.contains("revoked")),
        "{revoked:?}"
    );
}

#[tokio::test]
async fn an_unknown_client_id_is_a_configuration_problem() {
    let spotify = started().await;
    let minted = spotify.fake.mint_access_token(CLIENT_ID, "alice", &[]);
    let refused = accounts_client_for(&spotify, "nobody-registered-this")
        .refresh(&SpotifyRefreshToken::new(minted.refresh_token))
        .await;
    assert!(
        matches!(
            &refused,
            Err(SpotifyFailure::Upstream(UpstreamFailure::NotConfigured { message, .. }))
                if message.contains("nobody-registered-this")
        ),
        "{refused:?}"
    );
}
