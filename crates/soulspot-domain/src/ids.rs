//! Typed row identifiers, so a track id can never be passed where an album id is expected.

use serde::{Deserialize, Serialize};

macro_rules! define_id {
    ($($(#[$meta:meta])* $name:ident),* $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            /// The raw database value.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<i64> for $name {
            fn from(value: i64) -> Self {
                Self(value)
            }
        }
    )*};
}

define_id!(
    /// Identifies an [`crate::Artist`].
    ArtistId,
    /// Identifies an [`crate::Album`].
    AlbumId,
    /// Identifies a [`crate::Track`].
    TrackId,
    /// Identifies a [`crate::Playlist`].
    PlaylistId,
    /// Identifies a folder of the music library.
    LibraryFolderId,
    /// Identifies a [`crate::LibraryFile`].
    LibraryFileId,
    /// Identifies a [`crate::Download`].
    DownloadId,
    /// Identifies a [`crate::Job`].
    JobId,
    /// Identifies a [`crate::QualityProfile`].
    QualityProfileId,
    /// Identifies a [`crate::DownloadCandidate`].
    DownloadCandidateId,
    /// Identifies a [`crate::BlocklistEntry`].
    BlocklistEntryId,
);
