//! Spotify: connecting a user's account (authorization code with PKCE) and reading that user's
//! library — their playlists and each playlist's items, Liked Songs, and tracks, albums and
//! artists by id.
//!
//! Three ports, because three parties are involved: [`SpotifyAccounts`] talks to Spotify's
//! accounts service and hands out tokens; [`SpotifySession`] is implemented by the application,
//! which stores the tokens and refreshes them; [`SpotifyLibrary`] reads the Web API with the
//! session's access token, asking the session for a fresh one when Spotify says it expired.
//!
//! The types keep what SoulSpot mirrors and no more. Fields Spotify dropped for development-mode
//! apps in February 2026 (popularity, markets, followers, labels) are absent or optional, and a
//! playlist position is a [`SpotifyPlaylistItem`] enum, so a caller must decide what to do with
//! local files, unavailable tracks and podcast episodes instead of meeting them as surprises.

use std::fmt;
use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::UpstreamFailure;
use crate::values::{Isrc, SpotifyId, TrackDuration};

/// The scopes SoulSpot asks for: private and collaborative playlists, Liked Songs and followed
/// artists. Nothing that writes.
pub const SPOTIFY_SCOPES: [&str; 4] = [
    "playlist-read-private",
    "playlist-read-collaborative",
    "user-library-read",
    "user-follow-read",
];

/// Why a Spotify call failed, with the cases the application handles differently from a plain
/// upstream failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpotifyFailure {
    /// No such playlist, or a private one of another user (Spotify answers both with 404).
    #[error("Spotify has no playlist {playlist_id} that this user may see")]
    PlaylistNotFound { playlist_id: SpotifyId },
    /// The playlist exists but its items may not be read: since February 2026 a development-mode
    /// app reads the items only of playlists the user owns or collaborates on. Its metadata is
    /// still readable; the way forward is to copy the playlist into the user's own library.
    #[error(
        "Spotify refuses the items of playlist {playlist_id}: only its owner and collaborators may \
         read them"
    )]
    PlaylistItemsForbidden { playlist_id: SpotifyId },
    /// The user's authorization is gone (a revoked or rotated-out refresh token, a reused or
    /// expired authorization code, or an access token refused even after a refresh): the user must
    /// connect Spotify again.
    #[error("the Spotify authorization is no longer valid; connect Spotify again: {message}")]
    ReconnectRequired { message: String },
    #[error(transparent)]
    Upstream(#[from] UpstreamFailure),
}

impl SpotifyFailure {
    /// Whether trying the same call later may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Upstream(failure) => failure.is_transient(),
            Self::PlaylistNotFound { .. }
            | Self::PlaylistItemsForbidden { .. }
            | Self::ReconnectRequired { .. } => false,
        }
    }
}

/// An OAuth access token. Its `Debug` form hides the value, so tokens never reach a log.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SpotifyAccessToken(String);

/// An OAuth refresh token; hidden from `Debug` like the access token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SpotifyRefreshToken(String);

macro_rules! secret_token {
    ($name:ident) => {
        impl $name {
            pub fn new(token: impl Into<String>) -> Self {
                Self(token.into())
            }

            /// The token itself, for the one place that sends or stores it.
            pub fn expose(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(
                    formatter,
                    "{}(<{} characters>)",
                    stringify!($name),
                    self.0.len()
                )
            }
        }
    };
}

secret_token!(SpotifyAccessToken);
secret_token!(SpotifyRefreshToken);

/// What the accounts service granted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpotifyTokens {
    pub access_token: SpotifyAccessToken,
    /// After a refresh this is the new refresh token when Spotify rotated it, else the one the
    /// refresh was made with; store it every time.
    pub refresh_token: Option<SpotifyRefreshToken>,
    /// When the access token stops working (computed from `expires_in` on receipt).
    pub expires_at: DateTime<Utc>,
    /// The scopes granted, which may be fewer than those asked for.
    pub scopes: Vec<String>,
}

impl SpotifyTokens {
    /// Whether the access token is expired at `now`, or will be within `margin`.
    pub fn expires_within(&self, now: DateTime<Utc>, margin: chrono::Duration) -> bool {
        self.expires_at <= now + margin
    }
}

/// An authorization in progress: send the user to `authorize_url`, keep the rest until Spotify
/// redirects back to `redirect_uri` with `code` and `state`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpotifyAuthorization {
    pub authorize_url: String,
    /// Where Spotify sends the user back; the code exchange must name it again.
    pub redirect_uri: String,
    /// A random value the redirect must carry back unchanged (it ties the callback to this
    /// request, against cross-site request forgery).
    pub state: String,
    /// The PKCE secret whose SHA-256 went to Spotify as the code challenge; it proves at the code
    /// exchange that the exchanger started the authorization.
    pub code_verifier: String,
}

impl SpotifyAuthorization {
    /// Whether a callback's `state` is the one this authorization sent (compared in constant
    /// time, as any secret is).
    pub fn matches_state(&self, returned_state: &str) -> bool {
        let expected = self.state.as_bytes();
        let returned = returned_state.as_bytes();
        expected.len() == returned.len()
            && expected
                .iter()
                .zip(returned)
                .fold(0_u8, |difference, (left, right)| {
                    difference | (left ^ right)
                })
                == 0
    }
}

impl fmt::Debug for SpotifyAuthorization {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("SpotifyAuthorization")
            .field("authorize_url", &self.authorize_url)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// A Spotify account. User ids are not base-62 object ids (old accounts have their chosen user
/// name), so they stay plain strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SpotifyUser {
    pub id: String,
    pub display_name: Option<String>,
}

/// A cover or portrait in one size.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SpotifyImage {
    pub url: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// A release date as precise as Spotify knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SpotifyReleaseDate {
    Year(i32),
    Month { year: i32, month: u32 },
    Day(NaiveDate),
}

impl SpotifyReleaseDate {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (Spotify's `release_date`, whose precision the
    /// shape itself shows). Year 0, which Spotify sends for an unknown date, is `None`.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().splitn(3, '-');
        let year: i32 = parts.next()?.parse().ok().filter(|year| *year > 0)?;
        let Some(month) = parts.next() else {
            return Some(Self::Year(year));
        };
        let month: u32 = month
            .parse()
            .ok()
            .filter(|month| (1..=12).contains(month))?;
        let Some(day) = parts.next() else {
            return Some(Self::Month { year, month });
        };
        NaiveDate::from_ymd_opt(year, month, day.parse().ok()?).map(Self::Day)
    }

    pub fn year(&self) -> i32 {
        use chrono::Datelike as _;
        match self {
            Self::Year(year) | Self::Month { year, .. } => *year,
            Self::Day(date) => date.year(),
        }
    }
}

impl fmt::Display for SpotifyReleaseDate {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Year(year) => write!(formatter, "{year:04}"),
            Self::Month { year, month } => write!(formatter, "{year:04}-{month:02}"),
            Self::Day(date) => write!(formatter, "{}", date.format("%Y-%m-%d")),
        }
    }
}

/// An artist as tracks and albums credit it. The id is missing only in Spotify's odd cases (the
/// artist of a local file, which is a [`SpotifyLocalFile`] here, never a track).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SpotifyArtistRef {
    pub id: Option<SpotifyId>,
    pub name: String,
}

/// The album a track appears on, as the track names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SpotifyAlbumRef {
    pub id: Option<SpotifyId>,
    pub name: String,
    /// `album`, `single` or `compilation`.
    pub album_type: Option<String>,
    pub artists: Vec<SpotifyArtistRef>,
    /// Largest first, as Spotify lists them.
    pub images: Vec<SpotifyImage>,
    pub release_date: Option<SpotifyReleaseDate>,
    pub total_tracks: Option<u32>,
}

/// A track (a song on Spotify, not a local file or an episode).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SpotifyTrack {
    pub id: SpotifyId,
    pub name: String,
    pub duration: Option<TrackDuration>,
    /// From `external_ids.isrc` when present and a valid ISRC.
    pub isrc: Option<Isrc>,
    pub explicit: bool,
    pub disc_number: Option<u32>,
    pub track_number: Option<u32>,
    /// In credit order.
    pub artists: Vec<SpotifyArtistRef>,
    pub album: Option<SpotifyAlbumRef>,
    /// Whether the user can play it in their market; `None` when Spotify did not say.
    pub is_playable: Option<bool>,
    /// The id that was asked for (or that the playlist holds) when Spotify answered with another
    /// copy of the song playable in the user's market ("track relinking"); `id` is that copy's.
    /// Keep this one as the stable id when it is set.
    pub linked_from: Option<SpotifyId>,
}

/// An album looked up by id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SpotifyAlbum {
    pub id: SpotifyId,
    pub name: String,
    pub album_type: Option<String>,
    pub artists: Vec<SpotifyArtistRef>,
    pub images: Vec<SpotifyImage>,
    pub release_date: Option<SpotifyReleaseDate>,
    pub total_tracks: Option<u32>,
    pub genres: Vec<String>,
    /// Only extended-quota apps still get the label and the UPC.
    pub label: Option<String>,
    pub upc: Option<String>,
}

/// An artist looked up by id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SpotifyArtist {
    pub id: SpotifyId,
    pub name: String,
    pub genres: Vec<String>,
    pub images: Vec<SpotifyImage>,
}

/// A file the playlist's owner added from their own disk. Spotify knows only its tags.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SpotifyLocalFile {
    pub name: String,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub duration: Option<TrackDuration>,
    /// `spotify:local:artist:album:title:seconds`, the only stable handle Spotify gives it.
    pub uri: Option<String>,
}

/// A podcast episode in a playlist.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SpotifyEpisode {
    pub id: SpotifyId,
    pub name: String,
    pub show_name: Option<String>,
    pub duration: Option<TrackDuration>,
}

/// What one playlist position holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SpotifyPlaylistItem {
    Track(SpotifyTrack),
    LocalFile(SpotifyLocalFile),
    Episode(SpotifyEpisode),
    /// Content Spotify no longer has (the entry's item is `null` or has no usable id).
    Unavailable,
}

/// One position of a playlist (or of Liked Songs), in playlist order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SpotifyPlaylistEntry {
    /// When it was added; very old playlists have no date.
    pub added_at: Option<DateTime<Utc>>,
    /// Who added it (`None` for Liked Songs and old entries).
    pub added_by: Option<String>,
    pub item: SpotifyPlaylistItem,
}

/// A playlist without its items.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SpotifyPlaylistSummary {
    pub id: SpotifyId,
    pub name: String,
    pub description: Option<String>,
    pub owner: SpotifyUser,
    /// Spotify's version tag: while it is unchanged, so are the items.
    pub snapshot_id: String,
    pub collaborative: bool,
    /// `None` when Spotify does not say (it sends `null` for some playlists).
    pub public: Option<bool>,
    pub item_count: u32,
    pub images: Vec<SpotifyImage>,
}

/// Connecting an account: authorization code with PKCE, for a public client (no secret).
pub trait SpotifyAccounts: Send + Sync {
    /// Starts an authorization: a fresh random `state` and PKCE verifier, and the URL to send the
    /// user to. The redirect URI must be HTTPS or `http://` with a loopback IP literal
    /// (`127.0.0.1`, `[::1]`; Spotify refuses `localhost`); another one is refused as
    /// `Upstream(NotConfigured)` without asking Spotify.
    fn begin_authorization(
        &self,
        redirect_uri: &str,
    ) -> Result<SpotifyAuthorization, SpotifyFailure>;

    /// Exchanges the `code` of the redirect for tokens. The caller checks the redirect's `state`
    /// first ([`SpotifyAuthorization::matches_state`]). Never repeated by the adapter: a code is
    /// single-use. A bad, reused or expired code (or a wrong verifier) is `ReconnectRequired`; an
    /// unknown Client ID is `Upstream(NotConfigured)`.
    fn exchange_code(
        &self,
        code: &str,
        authorization: &SpotifyAuthorization,
    ) -> impl Future<Output = Result<SpotifyTokens, SpotifyFailure>> + Send;

    /// New tokens for a refresh token. The result's `refresh_token` is always set: the rotated
    /// one when Spotify sent one, else `refresh_token` itself. A revoked or rotated-out refresh
    /// token is `ReconnectRequired`.
    fn refresh(
        &self,
        refresh_token: &SpotifyRefreshToken,
    ) -> impl Future<Output = Result<SpotifyTokens, SpotifyFailure>> + Send;
}

/// The connected user's tokens, kept by the application. The library client asks for the access
/// token before every request, so an implementation should answer from memory and refresh ahead
/// of expiry as it sees fit.
pub trait SpotifySession: Send + Sync {
    /// The access token to use now. No connected account is `ReconnectRequired` (or
    /// `Upstream(NotConfigured)`).
    fn access_token(
        &self,
    ) -> impl Future<Output = Result<SpotifyAccessToken, SpotifyFailure>> + Send;

    /// Spotify refused `stale` (expired or revoked): return a fresh token. Several requests may
    /// report the same stale token at once; refresh only when `stale` is still the current token
    /// and otherwise hand out the token that already replaced it. A refresh that Spotify refuses
    /// is `ReconnectRequired`.
    fn token_rejected(
        &self,
        stale: &SpotifyAccessToken,
    ) -> impl Future<Output = Result<SpotifyAccessToken, SpotifyFailure>> + Send;
}

/// The connected user's library, read through the Web API. Every method reads all pages; when
/// Spotify refuses the access token (401, typically "The access token expired"), the adapter asks
/// the session for a fresh one and repeats that request once (a second refusal is
/// `ReconnectRequired`). A rate limit longer than a call may wait is `Upstream(RateLimited)`, and
/// no further request goes out until it ends.
pub trait SpotifyLibrary: Send + Sync {
    fn current_user(&self) -> impl Future<Output = Result<SpotifyUser, SpotifyFailure>> + Send;

    /// Every playlist in the user's library: their own, collaborative ones and followed ones.
    fn playlists(
        &self,
    ) -> impl Future<Output = Result<Vec<SpotifyPlaylistSummary>, SpotifyFailure>> + Send;

    /// One playlist's metadata and `snapshot_id` (cheap: compare the snapshot before reading the
    /// items). Readable for followed playlists too. `PlaylistNotFound` when Spotify has none.
    fn playlist(
        &self,
        id: &SpotifyId,
    ) -> impl Future<Output = Result<SpotifyPlaylistSummary, SpotifyFailure>> + Send;

    /// Every item of a playlist, in playlist order. `PlaylistItemsForbidden` for a playlist the
    /// user neither owns nor collaborates on (development-mode apps); `PlaylistNotFound` when
    /// Spotify has none.
    fn playlist_items(
        &self,
        id: &SpotifyId,
    ) -> impl Future<Output = Result<Vec<SpotifyPlaylistEntry>, SpotifyFailure>> + Send;

    /// Liked Songs, most recently liked first (as Spotify lists them).
    fn liked_songs(
        &self,
    ) -> impl Future<Output = Result<Vec<SpotifyPlaylistEntry>, SpotifyFailure>> + Send;

    /// Tracks by id: one answer per requested id, in order; `None` for an id Spotify does not
    /// know. Extended-quota apps get them 50 per request; development-mode apps are refused the
    /// batch endpoints since February 2026, so the adapter falls back to one request per id —
    /// many more requests against the rate limit, so look up only what is missing.
    fn tracks(
        &self,
        ids: &[SpotifyId],
    ) -> impl Future<Output = Result<Vec<Option<SpotifyTrack>>, SpotifyFailure>> + Send;

    /// Albums by id, as [`SpotifyLibrary::tracks`] (20 per batch request).
    fn albums(
        &self,
        ids: &[SpotifyId],
    ) -> impl Future<Output = Result<Vec<Option<SpotifyAlbum>>, SpotifyFailure>> + Send;

    /// Artists by id, as [`SpotifyLibrary::tracks`] (50 per batch request).
    fn artists(
        &self,
        ids: &[SpotifyId],
    ) -> impl Future<Output = Result<Vec<Option<SpotifyArtist>>, SpotifyFailure>> + Send;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn release_dates_of_every_precision_parse_and_print_back() {
        for text in ["1997", "1997-06", "1997-06-16"] {
            assert_eq!(SpotifyReleaseDate::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(
            SpotifyReleaseDate::parse("1997-06-16").unwrap().year(),
            1997
        );
        for unusable in ["", "0000", "1997-13", "1997-02-30", "soon", "-1"] {
            assert_eq!(SpotifyReleaseDate::parse(unusable), None, "{unusable:?}");
        }
    }

    #[test]
    fn tokens_and_verifiers_stay_out_of_debug_output() {
        let tokens = SpotifyTokens {
            access_token: SpotifyAccessToken::new("BQsecret-access"),
            refresh_token: Some(SpotifyRefreshToken::new("AQsecret-refresh")),
            expires_at: DateTime::<Utc>::MIN_UTC,
            scopes: vec!["user-library-read".to_owned()],
        };
        let authorization = SpotifyAuthorization {
            authorize_url: "https://accounts.example/authorize".to_owned(),
            redirect_uri: "http://127.0.0.1:8080/callback".to_owned(),
            state: "secret-state".to_owned(),
            code_verifier: "secret-verifier".to_owned(),
        };
        let printed = format!("{tokens:?} {authorization:?}");
        assert!(!printed.contains("secret"), "{printed}");
        assert!(authorization.matches_state("secret-state"));
        assert!(!authorization.matches_state("secret-statf"));
        assert!(!authorization.matches_state("secret"));
    }

    #[test]
    fn only_spotify_failures_that_may_pass_are_transient() {
        let rate_limited = SpotifyFailure::Upstream(UpstreamFailure::RateLimited {
            service: "spotify".to_owned(),
            retry_in: std::time::Duration::from_secs(60),
        });
        assert!(rate_limited.is_transient());
        assert!(
            !SpotifyFailure::ReconnectRequired {
                message: "revoked".to_owned()
            }
            .is_transient()
        );
    }
}
