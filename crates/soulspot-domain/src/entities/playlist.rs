//! Playlists mirrored from Spotify (or Liked Songs) and their ordered entries.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::{PlaylistId, SpotifyId, TrackDetails, TrackId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Playlist {
    pub id: PlaylistId,
    pub name: String,
    pub description: Option<String>,
    pub spotify_id: Option<SpotifyId>,
    /// Spotify's version tag of the playlist; an unchanged snapshot needs no re-sync.
    pub snapshot_id: Option<String>,
    pub owner: Option<String>,
    pub is_liked_songs: bool,
    pub sync_enabled: bool,
    pub last_synced_at: Option<NaiveDateTime>,
    pub entry_count: i64,
}

/// A playlist to create or update (matched on `spotify_id` when it has one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPlaylist {
    pub name: String,
    pub description: Option<String>,
    pub spotify_id: Option<SpotifyId>,
    pub snapshot_id: Option<String>,
    pub owner: Option<String>,
    pub is_liked_songs: bool,
    pub sync_enabled: bool,
}

/// One slot of a playlist. Positions are 0-based and dense.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaylistEntry {
    pub position: i32,
    pub track_id: TrackId,
    pub added_at: Option<NaiveDateTime>,
}

/// A playlist entry with its track, artists and album, as a page of a playlist shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaylistEntryDetails {
    pub position: i32,
    pub added_at: Option<NaiveDateTime>,
    pub track: TrackDetails,
}
