//! Lyrics from LRCLIB: synced (LRC) and plain, for a track's signature.

use std::future::Future;

use serde::{Deserialize, Serialize};

use super::UpstreamFailure;
use crate::values::TrackDuration;

/// What identifies a track to a lyrics service.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LyricsQuery {
    pub artist: String,
    pub title: String,
    pub album: Option<String>,
    pub duration: Option<TrackDuration>,
}

/// Lyrics found for a track.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Lyrics {
    /// LRC text: `[mm:ss.xx] line` per line.
    pub synced: Option<String>,
    pub plain: Option<String>,
    /// The track has no lyrics by design (both texts are then absent).
    pub instrumental: bool,
}

/// Lyrics lookups. `Ok(None)`: nothing known for this track.
pub trait LyricsSource: Send + Sync {
    fn lyrics(
        &self,
        query: &LyricsQuery,
    ) -> impl Future<Output = Result<Option<Lyrics>, UpstreamFailure>> + Send;
}
