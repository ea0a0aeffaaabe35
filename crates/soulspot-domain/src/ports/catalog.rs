//! Artists, albums and tracks, and the figures about them.

use super::*;

/// Artists, albums and tracks.
pub trait CatalogRepository: Send + Sync {
    /// Writes a whole batch in one transaction. Which stored artist, album or track each entry is,
    /// and which of its fields the batch may fill or overwrite, is what `catalog::identity`
    /// decides (Spotify id, ISRC for tracks, MBID, then normalised keys); anything unmatched is
    /// inserted. A written track's artist credits are replaced by the batch's, in order. Large
    /// batches are chunked internally; the number of statements does not grow with the batch.
    /// Fails with `InvalidData` when the batch's internal references are broken.
    fn upsert_catalog(
        &self,
        batch: CatalogBatch,
    ) -> impl Future<Output = Result<CatalogBatchIds>> + Send;

    /// One track with its artists, album and file status; `NotFound` when it does not exist.
    fn track_details(&self, id: TrackId) -> impl Future<Output = Result<TrackDetails>> + Send;

    /// The tracks carrying this ISRC (one recording may appear on several releases).
    fn tracks_by_isrc(&self, isrc: &Isrc) -> impl Future<Output = Result<Vec<Track>>> + Send;

    /// The track with this Spotify id, if any.
    fn track_by_spotify_id(
        &self,
        id: &SpotifyId,
    ) -> impl Future<Output = Result<Option<Track>>> + Send;

    /// Tracks matching `filter`, in `order` (by name: the normalised title), with details, in a
    /// constant number of statements per page (at most three) whatever the page size.
    fn list_tracks(
        &self,
        filter: TrackFilter,
        order: ListOrder,
        page: PageRequest<OrderedKey<TrackId>>,
    ) -> impl Future<Output = Result<Page<TrackDetails, OrderedKey<TrackId>>>> + Send;

    /// Details of the given tracks in the given order; ids that do not exist are skipped. A
    /// constant number of statements per 10,000 ids.
    fn tracks_details(
        &self,
        ids: Vec<TrackId>,
    ) -> impl Future<Output = Result<Vec<TrackDetails>>> + Send;

    /// The tracks of an album by disc, track number and id, with details (empty for an unknown
    /// album: callers check the album first).
    fn album_tracks(&self, id: AlbumId) -> impl Future<Output = Result<Vec<TrackDetails>>> + Send;

    /// The albums an artist is the album artist of, or has a credited track on, by year (unknown
    /// last), title and id.
    fn albums_of_artist(&self, id: ArtistId) -> impl Future<Output = Result<Vec<Album>>> + Send;

    /// Full-text search over artist names, best first, under the same rules as `search_tracks`.
    fn search_artists(
        &self,
        query: &str,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Artist>>> + Send;

    /// Full-text search over album titles and album artist names, best first, under the same rules
    /// as `search_tracks`.
    fn search_albums(
        &self,
        query: &str,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Album>>> + Send;

    /// Full-text search over track title, artist names and album title. `query` is plain user
    /// text: adapters must never pass it to the search engine's query syntax unescaped. Words are
    /// matched as prefixes and all must match. An empty or operator-only query returns nothing.
    fn search_tracks(
        &self,
        query: &str,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<TrackSearchHit>>> + Send;

    fn artist(&self, id: ArtistId) -> impl Future<Output = Result<Artist>> + Send;

    /// Artists in `order` (by name: the normalised name), one statement per page.
    fn list_artists(
        &self,
        order: ListOrder,
        page: PageRequest<OrderedKey<ArtistId>>,
    ) -> impl Future<Output = Result<Page<Artist, OrderedKey<ArtistId>>>> + Send;

    fn album(&self, id: AlbumId) -> impl Future<Output = Result<Album>> + Send;

    /// Albums in `order` (by name: the normalised title), one statement per page.
    fn list_albums(
        &self,
        order: ListOrder,
        page: PageRequest<OrderedKey<AlbumId>>,
    ) -> impl Future<Output = Result<Page<Album, OrderedKey<AlbumId>>>> + Send;
}

/// Figures about the whole library, each one aggregate query.
pub trait StatsRepository: Send + Sync {
    fn library_stats(&self) -> impl Future<Output = Result<LibraryStats>> + Send;
}
