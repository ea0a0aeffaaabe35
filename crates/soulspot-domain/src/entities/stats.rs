//! Figures about the whole library, as the stats endpoint shows them.

use serde::{Deserialize, Serialize};

/// Counts and sizes over the catalogue and the library files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryStats {
    pub artists: i64,
    pub albums: i64,
    pub tracks: i64,
    pub playlists: i64,
    /// Distinct tracks that some playlist holds and no present library file fills.
    pub wanted_tracks: i64,
    pub files: FileStats,
    /// Present files by format, most files first.
    pub formats: Vec<FormatStats>,
}

/// Library files by condition. `present` excludes missing and broken files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStats {
    pub present: i64,
    /// Files a scan no longer found on disk.
    pub missing: i64,
    /// Files a scan could not read.
    pub broken: i64,
    /// Bytes of the present files.
    pub present_bytes: i64,
}

/// Present files of one format (`None`: the format is not known).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormatStats {
    pub format: Option<String>,
    pub files: i64,
    pub bytes: i64,
}
