//! Spotify: the accounts service ([`SpotifyAccountsClient`]: authorization code with PKCE, code
//! exchange, refresh) and the Web API ([`SpotifyLibraryClient`]: the connected user's playlists,
//! their items, Liked Songs, and tracks, albums and artists by id), each over its own [`Upstream`]
//! policy so a throttled Web API never holds back a token refresh and health shows them apart.
//!
//! Spotify's February 2026 rules for development-mode apps (what every self-hoster has) shape the
//! client: playlist items come from `/playlists/{id}/items` (never the removed `/tracks` path), and
//! an entry's content may arrive as `item`, as the deprecated `track`, or as both; the items of a
//! playlist the user neither owns nor collaborates on are refused (a typed
//! [`SpotifyFailure::PlaylistItemsForbidden`], not a crash); and the batch lookups
//! (`/tracks?ids=`, `/albums?ids=`, `/artists?ids=`) answer 403, so the client falls back to one
//! request per id. A 429 pauses the whole Web API upstream; a ban longer than a call may wait
//! fails every call at once as rate-limited, without sending anything, until it ends.
//!
//! [`Upstream`]: crate::http::Upstream
//! [`SpotifyFailure::PlaylistItemsForbidden`]:
//!     soulspot_domain::upstream::spotify::SpotifyFailure::PlaylistItemsForbidden

mod accounts;
mod convert;
mod library;
mod wire;

pub use accounts::SpotifyAccountsClient;
pub use library::SpotifyLibraryClient;

use crate::http::UpstreamResponse;

/// The accounts service's base URL (`/authorize`, `/api/token` below it).
pub const SPOTIFY_ACCOUNTS_URL: &str = "https://accounts.spotify.com";

/// The Web API's base URL.
pub const SPOTIFY_API_URL: &str = "https://api.spotify.com/v1";

/// What an error answer says. Spotify has two shapes: the accounts service's OAuth errors
/// (`{"error": "invalid_grant", "error_description": "…"}`) and the Web API's
/// (`{"error": {"status": 403, "message": "…"}}`); anything else is quoted.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ErrorAnswer {
    /// The OAuth error code (`invalid_grant`, `invalid_client`, …), when there is one.
    code: Option<String>,
    message: String,
}

impl ErrorAnswer {
    fn of(response: &UpstreamResponse) -> Self {
        let parsed: Option<serde_json::Value> = serde_json::from_slice(&response.body).ok();
        let error = parsed.as_ref().and_then(|body| body.get("error"));
        match error {
            Some(serde_json::Value::String(code)) => Self {
                code: Some(code.clone()),
                message: parsed
                    .as_ref()
                    .and_then(|body| body.get("error_description"))
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or(code)
                    .to_owned(),
            },
            Some(object @ serde_json::Value::Object(_)) => Self {
                code: None,
                message: object
                    .get("message")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            },
            _ => Self {
                code: None,
                message: String::from_utf8_lossy(&response.body)
                    .chars()
                    .take(300)
                    .collect(),
            },
        }
    }
}
