//! The accounts service: building the authorization (PKCE S256, RFC 7636), exchanging the code
//! and refreshing tokens at `/api/token`. SoulSpot is a public client: each household brings its
//! own Client ID and no secret, so PKCE alone proves that whoever exchanges the code started the
//! authorization.
//!
//! Token requests are POSTs that are never repeated blindly: a code is single-use and a refresh
//! may rotate the refresh token, so a lost answer must not be "retried" into an `invalid_grant`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{Method, StatusCode, header};
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};
use soulspot_domain::upstream::UpstreamFailure;
use soulspot_domain::upstream::spotify::{
    SPOTIFY_SCOPES, SpotifyAccessToken, SpotifyAccounts, SpotifyAuthorization, SpotifyFailure,
    SpotifyRefreshToken, SpotifyTokens,
};

use super::ErrorAnswer;
use super::wire::TokenAnswer;
use crate::http::{Upstream, UpstreamRequest};
use crate::upstreams::{decode, failure, unexpected_status};

/// Random bytes in a code verifier: 64 bytes are 86 base64url characters, inside PKCE's 43–128.
const CODE_VERIFIER_BYTES: usize = 64;
/// Random bytes in a `state`: 128 bits, as hard to guess as any session id.
const STATE_BYTES: usize = 16;
/// What Spotify documents for `expires_in`, used when an answer leaves it out.
const DEFAULT_EXPIRES_IN_SECS: u64 = 3600;
/// The longest token lifetime believed: a day (Spotify's are an hour).
const LONGEST_EXPIRES_IN_SECS: u64 = 86_400;

/// The accounts service client for one app (Client ID).
#[derive(Debug, Clone)]
pub struct SpotifyAccountsClient {
    upstream: Upstream,
    client_id: String,
}

impl SpotifyAccountsClient {
    /// `upstream`'s base URL is the accounts service root (see
    /// [`SPOTIFY_ACCOUNTS_URL`](super::SPOTIFY_ACCOUNTS_URL)). The client refuses redirects
    /// whatever the policy's settings: a 3xx is an error.
    pub fn new(upstream: Upstream, client_id: impl Into<String>) -> Self {
        Self {
            upstream: upstream.refusing_redirects(),
            client_id: client_id.into(),
        }
    }

    fn service(&self) -> &str {
        self.upstream.name()
    }

    /// POSTs a token request and reads the tokens or Spotify's OAuth error.
    async fn token_request(&self, form: &[(&str, &str)]) -> Result<SpotifyTokens, SpotifyFailure> {
        let request = UpstreamRequest::new(Method::POST, "/api/token")
            .form_body(form)
            .header(header::ACCEPT, "application/json")
            // Explicit although it is the default for POST: a token request is never repeated.
            .idempotent(false);
        let response = self
            .upstream
            .send(request)
            .await
            .map_err(|error| failure(self.service(), error))?;
        if response.status == StatusCode::OK {
            let answer: TokenAnswer = decode(self.service(), &response)?;
            return self.tokens(answer);
        }
        let error = ErrorAnswer::of(&response);
        match error.code.as_deref() {
            // Spotify answers a bad, reused or expired code, a wrong verifier and a revoked or
            // rotated-out refresh token alike: only a new authorization helps.
            Some("invalid_grant") => Err(SpotifyFailure::ReconnectRequired {
                message: error.message,
            }),
            // 400 on Spotify (not RFC 6749's 401): the Client ID is wrong or deleted.
            Some("invalid_client") => Err(UpstreamFailure::NotConfigured {
                service: self.service().to_owned(),
                message: format!(
                    "Spotify does not accept the Client ID {:?} ({}); check it in the developer \
                     dashboard",
                    self.client_id, error.message
                ),
            }
            .into()),
            _ => Err(unexpected_status(self.service(), &response).into()),
        }
    }

    fn tokens(&self, answer: TokenAnswer) -> Result<SpotifyTokens, SpotifyFailure> {
        let access_token = answer
            .access_token
            .filter(|token| !token.is_empty())
            .ok_or_else(|| UpstreamFailure::Malformed {
                service: self.service().to_owned(),
                message: "the token answer has no access_token".to_owned(),
            })?;
        // Clamped, so a nonsensical `expires_in` can neither overflow the date arithmetic nor
        // keep a token "valid" for years.
        let expires_in = answer
            .expires_in
            .unwrap_or(DEFAULT_EXPIRES_IN_SECS)
            .min(LONGEST_EXPIRES_IN_SECS);
        let expires_in = chrono::Duration::seconds(i64::try_from(expires_in).unwrap_or(0));
        Ok(SpotifyTokens {
            access_token: SpotifyAccessToken::new(access_token),
            refresh_token: answer
                .refresh_token
                .filter(|token| !token.is_empty())
                .map(SpotifyRefreshToken::new),
            expires_at: self.upstream.clock().now_utc() + expires_in,
            scopes: answer
                .scope
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
        })
    }
}

impl SpotifyAccounts for SpotifyAccountsClient {
    fn begin_authorization(
        &self,
        redirect_uri: &str,
    ) -> Result<SpotifyAuthorization, SpotifyFailure> {
        if let Some(problem) = redirect_uri_problem(redirect_uri) {
            return Err(UpstreamFailure::NotConfigured {
                service: self.service().to_owned(),
                message: format!("Spotify refuses the redirect URI {redirect_uri:?}: {problem}"),
            }
            .into());
        }
        let state = random_url_safe(STATE_BYTES);
        let code_verifier = random_url_safe(CODE_VERIFIER_BYTES);
        let base = self.upstream.base_url().trim_end_matches('/');
        let mut authorize_url = url::Url::parse(&format!("{base}/authorize")).map_err(|error| {
            UpstreamFailure::NotConfigured {
                service: self.service().to_owned(),
                message: format!("the accounts URL {base:?} is invalid: {error}"),
            }
        })?;
        authorize_url
            .query_pairs_mut()
            .append_pair("client_id", &self.client_id)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", &SPOTIFY_SCOPES.join(" "))
            .append_pair("state", &state)
            .append_pair("code_challenge_method", "S256")
            .append_pair("code_challenge", &code_challenge(&code_verifier));
        Ok(SpotifyAuthorization {
            authorize_url: authorize_url.into(),
            redirect_uri: redirect_uri.to_owned(),
            state,
            code_verifier,
        })
    }

    async fn exchange_code(
        &self,
        code: &str,
        authorization: &SpotifyAuthorization,
    ) -> Result<SpotifyTokens, SpotifyFailure> {
        self.token_request(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &authorization.redirect_uri),
            ("client_id", &self.client_id),
            ("code_verifier", &authorization.code_verifier),
        ])
        .await
    }

    async fn refresh(
        &self,
        refresh_token: &SpotifyRefreshToken,
    ) -> Result<SpotifyTokens, SpotifyFailure> {
        let mut tokens = self
            .token_request(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token.expose()),
                ("client_id", &self.client_id),
            ])
            .await?;
        // Spotify may rotate the refresh token; when it does not send one, the old one stays good.
        if tokens.refresh_token.is_none() {
            tokens.refresh_token = Some(refresh_token.clone());
        }
        Ok(tokens)
    }
}

/// `len` bytes from the thread's CSPRNG (ChaCha, seeded from the OS), as base64url without
/// padding: only unreserved URL characters, as PKCE requires of a verifier.
fn random_url_safe(len: usize) -> String {
    let mut bytes = vec![0_u8; len];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The S256 code challenge: base64url (no padding) of the verifier's SHA-256.
pub(super) fn code_challenge(code_verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(code_verifier.as_bytes()))
}

/// Why Spotify would refuse `uri` as a redirect URI (its rules since April 2025), or `None`.
fn redirect_uri_problem(uri: &str) -> Option<&'static str> {
    let Ok(parsed) = url::Url::parse(uri) else {
        return Some("it is not an absolute URL");
    };
    if parsed.fragment().is_some() {
        return Some("a redirect URI may not have a fragment");
    }
    match (parsed.scheme(), parsed.host()) {
        ("https", Some(_)) => None,
        ("http", Some(url::Host::Ipv4(address))) if address.is_loopback() => None,
        ("http", Some(url::Host::Ipv6(address))) if address.is_loopback() => None,
        ("http", Some(url::Host::Domain(domain))) if domain.eq_ignore_ascii_case("localhost") => {
            Some("`localhost` is not allowed; use the loopback address 127.0.0.1 or [::1]")
        }
        _ => Some("use HTTPS, or http:// with a loopback IP address"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_challenge_is_rfc_7636s_example() {
        // RFC 7636, appendix B.
        assert_eq!(
            code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifiers_and_states_are_random_unreserved_text_of_the_right_length() {
        let verifier = random_url_safe(CODE_VERIFIER_BYTES);
        assert!((43..=128).contains(&verifier.len()), "{}", verifier.len());
        assert!(
            verifier
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
        );
        assert_ne!(verifier, random_url_safe(CODE_VERIFIER_BYTES));
        assert_eq!(random_url_safe(STATE_BYTES).len(), 22);
    }

    #[test]
    fn redirect_uris_follow_spotifys_rules() {
        for accepted in [
            "https://soulspot.example/callback",
            "http://127.0.0.1:8080/callback",
            "http://[::1]:8080/callback",
        ] {
            assert_eq!(redirect_uri_problem(accepted), None, "{accepted}");
        }
        for refused in [
            "http://localhost:8080/callback",
            "http://192.168.1.2:8080/callback",
            "http://soulspot.example/callback",
            "https://soulspot.example/callback#x",
            "/callback",
        ] {
            assert!(redirect_uri_problem(refused).is_some(), "{refused}");
        }
    }
}
