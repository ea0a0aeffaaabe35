//! slskd's own state and sign-in: `GET /application` (the application state record),
//! `GET /application/version`, `GET|PUT|DELETE /server` (the Soulseek server connection) and
//! `/session` (JWT sign-in with the web username and password, as the web UI does it).
//!
//! Tokens are real HS256 JWTs signed with a key private to the fake; the fake honours the ones it
//! issued until they expire (7 days by default, slskd's default).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::StatusCode;
use rand::Rng as _;
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};
use tokio::time::Instant;

use super::states::ServerStates;
use super::{SlskdConfig, State, error_response};
use crate::fake::{FakeRequest, FakeResponse, empty_response, json_response};

/// The Soulseek server slskd connects to by default, and the address it resolves to.
const SERVER_ADDRESS: &str = "vps.slsknet.org:2271";
const SERVER_ENDPOINT: &str = "208.76.170.59:2271";

/// The `server` record: address, endpoint, state and the three flags derived from it.
pub(super) fn server_json(server_state: ServerStates) -> Value {
    let mut object = Map::new();
    object.insert("address".into(), SERVER_ADDRESS.into());
    if server_state.contains(ServerStates::CONNECTED) {
        object.insert("ipEndPoint".into(), SERVER_ENDPOINT.into());
    }
    object.insert("state".into(), server_state.name().into());
    object.insert(
        "isConnected".into(),
        server_state.contains(ServerStates::CONNECTED).into(),
    );
    object.insert(
        "isLoggedIn".into(),
        server_state.contains(ServerStates::LOGGED_IN).into(),
    );
    object.insert(
        "isTransitioning".into(),
        server_state.is_transitioning().into(),
    );
    Value::Object(object)
}

/// `GET /application`: slskd's `State` record (null members left out, as slskd writes them).
pub(super) fn application(state: &State, config: &SlskdConfig) -> FakeResponse {
    json_response(
        StatusCode::OK,
        &json!({
            "version": {
                "full": format!("{}.0", config.version),
                "current": config.version,
                "isCanary": false,
                "isDevelopment": false,
            },
            "pendingReconnect": false,
            "pendingRestart": false,
            "server": server_json(state.server_state),
            "relay": {
                "mode": "None",
                "controller": { "state": "Disconnected" },
                "agents": [],
            },
            "distributedNetwork": {
                "branchLevel": 0,
                "canAcceptChildren": false,
                "childLimit": 25,
                "children": [],
                "hasParent": false,
                "isBranchRoot": false,
            },
            "shares": {
                "scanPending": false,
                "scanning": false,
                "ready": true,
                "faulted": false,
                "cancelled": false,
                "scanProgress": 1,
                "hosts": ["local"],
                "directories": 1,
                "files": 0,
            },
            "rooms": [],
        }),
    )
}

/// `GET /application/version`: the semantic version as a JSON string.
pub(super) fn version(config: &SlskdConfig) -> FakeResponse {
    json_response(StatusCode::OK, &Value::String(config.version.clone()))
}

/// `PUT /server`: connects (and logs in) when disconnected.
pub(super) fn connect(state: &mut State) -> FakeResponse {
    if !state.server_state.contains(ServerStates::CONNECTED) {
        state.server_state = ServerStates::CONNECTED_LOGGED_IN;
    }
    empty_response(StatusCode::OK)
}

/// `DELETE /server`: disconnects.
pub(super) fn disconnect(state: &mut State) -> FakeResponse {
    if state.server_state.contains(ServerStates::CONNECTED) {
        state.server_state = ServerStates::DISCONNECTED;
    }
    empty_response(StatusCode::NO_CONTENT)
}

/// `POST /session {username, password}`: a JWT for the web user, `400` when either is missing,
/// `401` when they do not match.
pub(super) fn login(
    state: &mut State,
    config: &SlskdConfig,
    request: &FakeRequest,
    now: Instant,
) -> FakeResponse {
    let Ok(Value::Object(body)) = request.json::<Value>() else {
        return error_response(
            StatusCode::BAD_REQUEST,
            "A non-empty request body is required.",
        );
    };
    let field = |name: &str| {
        body.iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .and_then(|(_, value)| value.as_str())
            .filter(|value| !value.trim().is_empty())
    };
    let (Some(username), Some(password)) = (field("username"), field("password")) else {
        return error_response(
            StatusCode::BAD_REQUEST,
            "Username and/or Password missing or invalid",
        );
    };
    if username != config.web_username || password != config.web_password {
        return empty_response(StatusCode::UNAUTHORIZED);
    }
    let issued = state.clock.wall(now).timestamp();
    let expires = issued + config.token_lifetime.as_secs() as i64;
    let header = json!({ "alg": "HS256", "typ": "JWT" });
    let claims = json!({
        "name": username,
        "role": "Administrator",
        "nbf": issued,
        "exp": expires,
        "iat": issued,
        "iss": "slskd",
        "jti": state.random.random::<u64>().to_string(),
    });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = hmac_sha256(&state.token_key, signing_input.as_bytes());
    let token = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature));
    state
        .sessions
        .insert(token.clone(), now + config.token_lifetime);
    json_response(
        StatusCode::OK,
        &json!({
            "expires": expires,
            "issued": issued,
            "name": username,
            "notBefore": issued,
            "token": token,
            "tokenType": "Bearer",
        }),
    )
}

/// HMAC-SHA256 (RFC 2104), for signing the fake's tokens.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block_key = [0_u8; BLOCK];
    if key.len() > BLOCK {
        block_key[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block_key[..key.len()].copy_from_slice(key);
    }
    let inner_key: Vec<u8> = block_key.iter().map(|byte| byte ^ 0x36).collect();
    let outer_key: Vec<u8> = block_key.iter().map(|byte| byte ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&inner_key)
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(&outer_key)
        .chain_update(inner)
        .finalize()
        .into()
}

#[cfg(test)]
mod tests {
    use super::hmac_sha256;

    #[test]
    fn hmac_matches_rfc_4231_test_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|byte| format!("{byte:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
