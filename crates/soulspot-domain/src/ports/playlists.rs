//! Playlists and their ordered entries.

use super::*;

/// Playlists and their ordered entries.
pub trait PlaylistRepository: Send + Sync {
    /// Creates a playlist, or updates the one with the same Spotify id.
    fn upsert_playlist(
        &self,
        playlist: NewPlaylist,
    ) -> impl Future<Output = Result<Playlist>> + Send;

    fn playlist(&self, id: PlaylistId) -> impl Future<Output = Result<Playlist>> + Send;

    fn list_playlists(
        &self,
        page: PageRequest<PlaylistId>,
    ) -> impl Future<Output = Result<Page<Playlist, PlaylistId>>> + Send;

    /// Replaces all entries of a playlist in one transaction; positions become 0..n in the given
    /// order. `NotFound` for an unknown playlist, `Conflict` when a track id does not exist.
    fn replace_entries(
        &self,
        id: PlaylistId,
        entries: Vec<(TrackId, Option<NaiveDateTime>)>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// A page of entries by position, each with its track, artists, album and file status, in at
    /// most two statements whatever the page size (a third, only for an empty page, tells an empty
    /// playlist from an unknown one: `NotFound`).
    fn entries_page(
        &self,
        id: PlaylistId,
        page: PageRequest<i32>,
    ) -> impl Future<Output = Result<Page<PlaylistEntryDetails, i32>>> + Send;

    /// Every entry of a playlist, in at most two statements whatever its length.
    fn all_entries(
        &self,
        id: PlaylistId,
    ) -> impl Future<Output = Result<Vec<PlaylistEntryDetails>>> + Send;
}
