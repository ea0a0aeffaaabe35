//! MusicBrainz lookups: recordings by ISRC, recording search by artist and title (and duration),
//! a recording, a release with its tracks and release group.

use std::future::Future;

use serde::{Deserialize, Serialize};

use super::UpstreamFailure;
use crate::values::{Isrc, Mbid, TrackDuration};

/// One credited artist, in credit order; `join_phrase` follows the name ("feat.", " & ").
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ArtistCredit {
    pub artist_id: Mbid,
    /// The artist's own name.
    pub artist_name: String,
    pub sort_name: Option<String>,
    /// The name as credited on this recording or release (may differ from the artist's name).
    pub credited_as: String,
    pub join_phrase: String,
}

/// A release group (the album across its editions).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReleaseGroupSummary {
    pub id: Mbid,
    pub title: String,
    /// `Album`, `Single`, `EP`, … as MusicBrainz names it.
    pub primary_type: Option<String>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub first_release_date: Option<String>,
}

/// A release a recording appears on, as a recording lookup lists it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReleaseSummary {
    pub id: Mbid,
    pub title: String,
    pub date: Option<String>,
    pub country: Option<String>,
    /// `Official`, `Promotion`, `Bootleg`, …
    pub status: Option<String>,
    pub release_group: Option<ReleaseGroupSummary>,
}

/// A recording (one performance of a song).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Recording {
    pub id: Mbid,
    pub title: String,
    pub length: Option<TrackDuration>,
    pub artist_credit: Vec<ArtistCredit>,
    pub isrcs: Vec<Isrc>,
    pub releases: Vec<ReleaseSummary>,
    /// The search score (0–100) when the recording came from a search.
    pub score: Option<u8>,
}

/// One track of a release's medium.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReleaseTrack {
    pub id: Mbid,
    /// As printed ("1", "A1").
    pub number: String,
    pub position: u32,
    pub title: String,
    pub length: Option<TrackDuration>,
    pub recording_id: Mbid,
}

/// A disc, side or file set of a release.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Medium {
    pub position: u32,
    pub format: Option<String>,
    pub tracks: Vec<ReleaseTrack>,
}

/// A release with its tracks.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Release {
    pub id: Mbid,
    pub title: String,
    pub date: Option<String>,
    pub country: Option<String>,
    pub status: Option<String>,
    pub barcode: Option<String>,
    pub artist_credit: Vec<ArtistCredit>,
    pub release_group: Option<ReleaseGroupSummary>,
    pub media: Vec<Medium>,
}

/// A recording search: what a playlist entry or a file's tags say.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RecordingQuery {
    pub artist: String,
    pub title: String,
    /// Narrows the search to recordings within a few seconds of this length.
    pub duration: Option<TrackDuration>,
}

/// The MusicBrainz lookups SoulSpot makes. "Not found" is `Ok(None)` / an empty list; errors are
/// failures of the call.
pub trait MusicBrainzLookup: Send + Sync {
    /// Recordings carrying this ISRC: none, one, or several.
    fn recordings_by_isrc(
        &self,
        isrc: &Isrc,
    ) -> impl Future<Output = Result<Vec<Recording>, UpstreamFailure>> + Send;

    /// The best matches for an artist and title (and duration), best first, at most `limit`.
    fn search_recordings(
        &self,
        query: &RecordingQuery,
        limit: u8,
    ) -> impl Future<Output = Result<Vec<Recording>, UpstreamFailure>> + Send;

    fn recording(
        &self,
        id: &Mbid,
    ) -> impl Future<Output = Result<Option<Recording>, UpstreamFailure>> + Send;

    /// A release with its media, tracks and release group.
    fn release(
        &self,
        id: &Mbid,
    ) -> impl Future<Output = Result<Option<Release>, UpstreamFailure>> + Send;
}
