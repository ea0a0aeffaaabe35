//! The JSON Spotify sends, as far as SoulSpot reads it. Every field is optional (Spotify sends
//! `null` for many of them: a playlist's `images`, an unavailable entry's `item`, a local file's
//! ids) and unknown fields are ignored, so additions and removals on Spotify's side never break
//! the client; only JSON of the wrong shape is a malformed answer.

use serde::Deserialize;

/// `POST /api/token`'s answer.
#[derive(Debug, Deserialize)]
pub struct TokenAnswer {
    pub access_token: Option<String>,
    pub scope: Option<String>,
    pub expires_in: Option<u64>,
    pub refresh_token: Option<String>,
}

/// Spotify's offset paging object. `next` is an absolute URL, `null` on the last page. An element
/// of `items` may itself be `null` (seen in playlist listings), so each is optional.
#[derive(Debug, Deserialize)]
#[serde(bound = "T: Deserialize<'de>")]
pub struct Page<T> {
    pub items: Option<Vec<Option<T>>>,
    pub next: Option<String>,
}

/// A batch lookup's answer (`{"tracks": [...]}`, `{"albums": …}` or `{"artists": …}`): one
/// element per requested id, `null` for an unknown one.
#[derive(Debug, Deserialize)]
#[serde(bound = "T: Deserialize<'de>")]
pub struct Batch<T> {
    #[serde(alias = "tracks", alias = "albums", alias = "artists")]
    pub objects: Option<Vec<Option<T>>>,
}

#[derive(Debug, Deserialize)]
pub struct User {
    pub id: Option<String>,
    pub display_name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Image {
    pub url: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// An artist, simplified (as credited) or full (as looked up).
#[derive(Debug, Deserialize)]
pub struct Artist {
    pub id: Option<String>,
    pub name: Option<String>,
    pub genres: Option<Vec<String>>,
    pub images: Option<Vec<Image>>,
}

#[derive(Debug, Deserialize)]
pub struct ExternalIds {
    pub isrc: Option<String>,
    pub upc: Option<String>,
}

/// An album, simplified (inside a track) or full (as looked up).
#[derive(Debug, Deserialize)]
pub struct Album {
    pub id: Option<String>,
    pub name: Option<String>,
    pub album_type: Option<String>,
    pub artists: Option<Vec<Artist>>,
    pub images: Option<Vec<Image>>,
    pub release_date: Option<String>,
    pub total_tracks: Option<u32>,
    pub genres: Option<Vec<String>>,
    pub label: Option<String>,
    pub external_ids: Option<ExternalIds>,
}

#[derive(Debug, Deserialize)]
pub struct LinkedFrom {
    pub id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Show {
    pub name: Option<String>,
}

/// What a playlist position holds: a track, a local file (`is_local`), or an episode — either as
/// an episode object or squeezed into a track's shape with `type: "episode"` (what Spotify sends
/// clients that ask for `additional_types=track`).
#[derive(Debug, Deserialize)]
pub struct Track {
    pub id: Option<String>,
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub uri: Option<String>,
    pub is_local: Option<bool>,
    pub is_playable: Option<bool>,
    pub duration_ms: Option<i64>,
    pub explicit: Option<bool>,
    pub disc_number: Option<i64>,
    pub track_number: Option<i64>,
    pub external_ids: Option<ExternalIds>,
    pub linked_from: Option<LinkedFrom>,
    pub artists: Option<Vec<Artist>>,
    pub album: Option<Album>,
    /// An episode object's show.
    pub show: Option<Show>,
}

/// One playlist position, or one saved track of Liked Songs (`{added_at, track}`). Development
/// mode names the content `item` and, during Spotify's deprecation window, also `track`; older
/// answers only `track`. `item` wins when both are present.
#[derive(Debug, Deserialize)]
pub struct PlaylistEntry {
    pub added_at: Option<String>,
    pub added_by: Option<User>,
    pub is_local: Option<bool>,
    pub item: Option<Track>,
    pub track: Option<Track>,
}

/// `{href, total}` (or a whole page) of a playlist's entries; only the total is read.
#[derive(Debug, Deserialize)]
pub struct EntriesTotal {
    pub total: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub struct Playlist {
    pub id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub snapshot_id: Option<String>,
    pub collaborative: Option<bool>,
    pub public: Option<bool>,
    pub owner: Option<User>,
    pub images: Option<Vec<Image>>,
    /// Development mode since February 2026.
    pub items: Option<EntriesTotal>,
    /// Before February 2026 (and extended-quota apps).
    pub tracks: Option<EntriesTotal>,
}
