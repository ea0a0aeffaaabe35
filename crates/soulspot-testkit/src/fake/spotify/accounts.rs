//! The accounts service: `GET /authorize` (auto-approving as the authorizing user, or refusing
//! when scripted) and `POST /api/token` (code exchange with PKCE or a client secret, refresh with
//! scriptable rotation, client credentials), with Spotify's error pages and error objects.

use base64::Engine as _;
use http::StatusCode;
use sha2::{Digest as _, Sha256};
use tokio::time::Instant;

use super::State;
use super::credentials::{
    AuthorizationCode, AuthorizationOutcome, RefreshTokenPolicy, RefreshTokenStatus,
    redirect_uri_matches, redirect_uri_problem,
};
use crate::fake::{FakeRequest, FakeResponse, json_response, redirect_response, text_response};

/// Every scope Spotify knows; `/authorize` refuses others with `invalid_scope`.
const KNOWN_SCOPES: &[&str] = &[
    "ugc-image-upload",
    "user-read-playback-state",
    "user-modify-playback-state",
    "user-read-currently-playing",
    "app-remote-control",
    "streaming",
    "playlist-read-private",
    "playlist-read-collaborative",
    "playlist-modify-private",
    "playlist-modify-public",
    "user-follow-modify",
    "user-follow-read",
    "user-read-playback-position",
    "user-top-read",
    "user-read-recently-played",
    "user-library-modify",
    "user-library-read",
    "user-read-email",
    "user-read-private",
    "user-personalized",
    "user-soa-link",
    "user-soa-unlink",
    "soa-manage-entitlements",
    "soa-manage-partner",
    "soa-create-partner",
];

pub(super) fn handle(state: &mut State, request: &FakeRequest) -> FakeResponse {
    match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/authorize") => authorize(state, request),
        ("POST", "/api/token") => token(state, request),
        (_, "/authorize" | "/api/token") => text_response(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/html; charset=utf-8",
            "<html><body>Method Not Allowed</body></html>".to_owned(),
        ),
        _ => error_page(StatusCode::NOT_FOUND, "Page not found"),
    }
}

/// The HTML page Spotify shows when it cannot trust the redirect URI (so cannot redirect).
fn error_page(status: StatusCode, message: &str) -> FakeResponse {
    text_response(
        status,
        "text/html; charset=utf-8",
        format!(
            "<!DOCTYPE html><html><head><title>Error</title></head><body><h1>Oops! Something went wrong</h1><p>{message}</p></body></html>"
        ),
    )
}

/// A redirect back to the client with these query pairs (and `state`, when one was sent).
fn redirect_back(
    redirect_uri: &str,
    pairs: &[(&str, &str)],
    client_state: Option<&str>,
) -> FakeResponse {
    let Ok(mut target) = url::Url::parse(redirect_uri) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "INVALID_CLIENT: Invalid redirect URI",
        );
    };
    {
        let mut query = target.query_pairs_mut();
        for (name, value) in pairs {
            query.append_pair(name, value);
        }
        if let Some(client_state) = client_state {
            query.append_pair("state", client_state);
        }
    }
    redirect_response(StatusCode::FOUND, target.as_str())
}

/// A code challenge is base64url (no padding) of a SHA-256 digest: 43 characters.
fn is_code_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

fn authorize(state: &mut State, request: &FakeRequest) -> FakeResponse {
    let client_id = request.query("client_id").unwrap_or_default();
    let Some(app) = state.app(client_id).cloned() else {
        return error_page(StatusCode::BAD_REQUEST, "INVALID_CLIENT: Invalid client");
    };
    let Some(redirect_uri) = request.query("redirect_uri") else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "INVALID_CLIENT: Invalid redirect URI",
        );
    };
    if redirect_uri_problem(redirect_uri).is_some() {
        return error_page(
            StatusCode::BAD_REQUEST,
            "INVALID_CLIENT: Insecure redirect URI",
        );
    }
    if !app
        .redirect_uris
        .iter()
        .any(|registered| redirect_uri_matches(registered, redirect_uri))
    {
        return error_page(
            StatusCode::BAD_REQUEST,
            "INVALID_CLIENT: Invalid redirect URI",
        );
    }
    // From here on the redirect URI is trusted, so errors go back to the client (RFC 6749 §4.1.2.1).
    let client_state = request.query("state");
    let refuse = |error: &str, description: &str| {
        redirect_back(
            redirect_uri,
            &[("error", error), ("error_description", description)],
            client_state,
        )
    };
    match request.query("response_type") {
        Some("code") => {}
        Some(_) => return refuse("unsupported_response_type", "response_type must be code"),
        None => return refuse("invalid_request", "response_type must be provided"),
    }
    let code_challenge = match (
        request.query("code_challenge_method"),
        request.query("code_challenge"),
    ) {
        (None, None) if app.client_secret.is_some() => None,
        (None, None) => return refuse("invalid_request", "code_challenge must be provided"),
        (Some("S256"), Some(challenge)) if is_code_challenge(challenge) => {
            Some(challenge.to_owned())
        }
        (Some("S256"), Some(_)) => return refuse("invalid_request", "code_challenge is invalid"),
        (Some("S256"), None) => {
            return refuse("invalid_request", "code_challenge must be provided");
        }
        (Some(_), _) => {
            return refuse("invalid_request", "code_challenge_method must be S256");
        }
        (None, Some(_)) => {
            return refuse("invalid_request", "code_challenge_method must be provided");
        }
    };
    let scopes: Vec<String> = request
        .query("scope")
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if let Some(unknown) = scopes
        .iter()
        .find(|scope| !KNOWN_SCOPES.contains(&scope.as_str()))
    {
        return refuse("invalid_scope", &format!("Invalid scope: {unknown}"));
    }
    if state.credentials.authorization_outcome == AuthorizationOutcome::Deny {
        return redirect_back(redirect_uri, &[("error", "access_denied")], client_state);
    }
    let Some(user_id) = state.authorizing_user() else {
        return error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the fake has no user to log in as (seed one with add_user)",
        );
    };
    let code = state.credentials.new_token("AQ");
    let expires_at = Instant::now() + state.credentials.code_lifetime;
    state.credentials.codes.insert(
        code.clone(),
        AuthorizationCode {
            client_id: app.client_id,
            user_id,
            redirect_uri: redirect_uri.to_owned(),
            scopes,
            code_challenge,
            expires_at,
        },
    );
    redirect_back(redirect_uri, &[("code", &code)], client_state)
}

/// A token-endpoint error before it becomes a response: small, so `Result`s that carry it stay
/// cheap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OAuthError {
    error: &'static str,
    description: &'static str,
}

impl OAuthError {
    fn response(self) -> FakeResponse {
        oauth_error(self.error, self.description)
    }
}

/// An error object of the token endpoint (`{"error","error_description"}`).
fn oauth_error(error: &str, description: &str) -> FakeResponse {
    json_response(
        StatusCode::BAD_REQUEST,
        &serde_json::json!({ "error": error, "error_description": description }),
    )
}

const INVALID_CLIENT: OAuthError = OAuthError {
    error: "invalid_client",
    description: "Invalid client",
};

/// The client a token request comes from, and whether it proved it knows the secret.
struct AuthenticatedClient {
    client_id: String,
    with_secret: bool,
}

/// Reads `Authorization: Basic base64(client_id:client_secret)`, or `client_id` (and perhaps
/// `client_secret`) from the form. Spotify answers `400 invalid_client` for every failure here.
fn authenticate_client(
    state: &State,
    request: &FakeRequest,
    form: &[(String, String)],
) -> Result<AuthenticatedClient, OAuthError> {
    let basic = request
        .header("authorization")
        .and_then(|value| value.strip_prefix("Basic "));
    let (client_id, secret) = match basic {
        Some(encoded) => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok());
            let Some((client_id, secret)) =
                decoded.as_deref().and_then(|text| text.split_once(':'))
            else {
                return Err(INVALID_CLIENT);
            };
            (client_id.to_owned(), Some(secret.to_owned()))
        }
        None => (
            form_field(form, "client_id").unwrap_or_default().to_owned(),
            form_field(form, "client_secret").map(str::to_owned),
        ),
    };
    let Some(app) = state.app(&client_id) else {
        return Err(INVALID_CLIENT);
    };
    let with_secret = match secret {
        Some(secret) if app.client_secret.as_deref() == Some(secret.as_str()) => true,
        Some(_) => {
            return Err(OAuthError {
                error: "invalid_client",
                description: "Invalid client secret",
            });
        }
        None => false,
    };
    Ok(AuthenticatedClient {
        client_id,
        with_secret,
    })
}

fn form_field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

fn token(state: &mut State, request: &FakeRequest) -> FakeResponse {
    let form = request.form();
    let Some(grant_type) = form_field(&form, "grant_type") else {
        return oauth_error("unsupported_grant_type", "grant_type parameter is missing");
    };
    if !matches!(
        grant_type,
        "authorization_code" | "refresh_token" | "client_credentials"
    ) {
        return oauth_error(
            "unsupported_grant_type",
            "grant_type must be client_credentials, authorization_code or refresh_token",
        );
    }
    let client = match authenticate_client(state, request, &form) {
        Ok(client) => client,
        Err(error) => return error.response(),
    };
    match grant_type {
        "authorization_code" => exchange_code(state, &client, &form),
        "refresh_token" => refresh(state, &client, &form),
        _ => client_credentials(state, &client),
    }
}

fn exchange_code(
    state: &mut State,
    client: &AuthenticatedClient,
    form: &[(String, String)],
) -> FakeResponse {
    let Some(code) = form_field(form, "code") else {
        return oauth_error("invalid_request", "code must be supplied");
    };
    let Some(stored) = state.credentials.codes.get(code).cloned() else {
        return oauth_error("invalid_grant", "Invalid authorization code");
    };
    if stored.client_id != client.client_id {
        return oauth_error("invalid_grant", "Invalid authorization code");
    }
    if Instant::now() >= stored.expires_at {
        state.credentials.codes.remove(code);
        return oauth_error("invalid_grant", "Authorization code expired");
    }
    if form_field(form, "redirect_uri") != Some(stored.redirect_uri.as_str()) {
        return oauth_error("invalid_grant", "Invalid redirect URI");
    }
    match &stored.code_challenge {
        Some(challenge) => {
            let Some(verifier) = form_field(form, "code_verifier") else {
                return oauth_error("invalid_request", "code_verifier required");
            };
            let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(Sha256::digest(verifier.as_bytes()));
            if !(43..=128).contains(&verifier.len()) || &computed != challenge {
                return oauth_error("invalid_grant", "code_verifier was incorrect");
            }
        }
        // Without PKCE only the secret proves who is exchanging the code.
        None if !client.with_secret => return oauth_error("invalid_client", "Invalid client"),
        None => {}
    }
    // Single use: the exchange that succeeds consumes the code.
    state.credentials.codes.remove(code);
    let credentials = &mut state.credentials;
    let access_token =
        credentials.issue_access_token(&stored.client_id, Some(&stored.user_id), &stored.scopes);
    let refresh_token =
        credentials.issue_refresh_token(&stored.client_id, &stored.user_id, &stored.scopes);
    json_response(
        StatusCode::OK,
        &serde_json::json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "scope": stored.scopes.join(" "),
            "expires_in": credentials.expires_in(),
            "refresh_token": refresh_token,
        }),
    )
}

fn refresh(
    state: &mut State,
    client: &AuthenticatedClient,
    form: &[(String, String)],
) -> FakeResponse {
    let Some(refresh_token) = form_field(form, "refresh_token") else {
        return oauth_error("invalid_request", "refresh_token must be supplied");
    };
    let Some(grant) = state.credentials.refresh_tokens.get(refresh_token).cloned() else {
        return oauth_error("invalid_grant", "Invalid refresh token");
    };
    if grant.client_id != client.client_id {
        return oauth_error("invalid_grant", "Invalid refresh token");
    }
    match grant.status {
        RefreshTokenStatus::Active => {}
        RefreshTokenStatus::RotatedOut => {
            return oauth_error("invalid_grant", "Invalid refresh token");
        }
        RefreshTokenStatus::Revoked => {
            return oauth_error("invalid_grant", "Refresh token revoked");
        }
    }
    let credentials = &mut state.credentials;
    let access_token =
        credentials.issue_access_token(&grant.client_id, Some(&grant.user_id), &grant.scopes);
    let mut body = serde_json::json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "scope": grant.scopes.join(" "),
        "expires_in": credentials.expires_in(),
    });
    match credentials.refresh_policy {
        RefreshTokenPolicy::Rotate => {
            let rotated =
                credentials.issue_refresh_token(&grant.client_id, &grant.user_id, &grant.scopes);
            if let Some(old) = credentials.refresh_tokens.get_mut(refresh_token) {
                old.status = RefreshTokenStatus::RotatedOut;
            }
            body["refresh_token"] = rotated.into();
        }
        RefreshTokenPolicy::Repeat => body["refresh_token"] = refresh_token.into(),
        RefreshTokenPolicy::Omit => {}
    }
    json_response(StatusCode::OK, &body)
}

fn client_credentials(state: &mut State, client: &AuthenticatedClient) -> FakeResponse {
    if !client.with_secret {
        return oauth_error("invalid_client", "Invalid client");
    }
    let credentials = &mut state.credentials;
    let access_token = credentials.issue_access_token(&client.client_id, None, &[]);
    json_response(
        StatusCode::OK,
        &serde_json::json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": credentials.expires_in(),
        }),
    )
}
