//! Files of the user's music library as the scanner found them.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::{LibraryFileId, LibraryFolderId, TrackDuration, TrackId};

/// An audio file on disk. The file belongs to the user: SoulSpot records it, and never deletes or
/// rewrites it without an explicit request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryFile {
    pub id: LibraryFileId,
    pub path: String,
    pub folder_id: Option<LibraryFolderId>,
    pub size_bytes: i64,
    pub modified_at: Option<NaiveDateTime>,
    pub audio: AudioProperties,
    pub track_id: Option<TrackId>,
    /// The tags as read, kept as a JSON object for later re-matching without re-reading the file.
    pub tags_json: Option<String>,
    /// Why the file could not be read, when it could not.
    pub broken_reason: Option<String>,
    /// When a scan last found the file gone; `None` while it is present.
    pub missing_since: Option<NaiveDateTime>,
}

/// What the audio stream of a file is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudioProperties {
    pub format: Option<String>,
    pub codec: Option<String>,
    pub bitrate_kbps: Option<i32>,
    pub sample_rate_hz: Option<i32>,
    pub bit_depth: Option<i32>,
    pub channels: Option<i32>,
    pub duration: Option<TrackDuration>,
}

/// A file to record (matched on its path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLibraryFile {
    pub path: String,
    pub folder_id: Option<LibraryFolderId>,
    pub size_bytes: i64,
    pub modified_at: Option<NaiveDateTime>,
    pub audio: AudioProperties,
    pub track_id: Option<TrackId>,
    pub tags_json: Option<String>,
    pub broken_reason: Option<String>,
}

/// A folder of the music library, with the fingerprint of its entries the last scan saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryFolder {
    pub id: LibraryFolderId,
    pub path: String,
    /// A hash over the folder's entries (name, size, modification time): unchanged means the
    /// quick scan may skip it.
    pub content_hash: Option<String>,
    pub scanned_at: Option<NaiveDateTime>,
}
