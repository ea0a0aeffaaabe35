//! Reading the catalogue and the library: artists, albums, tracks, search and stats. Every read is
//! a constant number of repository calls, whatever the number of rows.

use soulspot_domain::ports::{CatalogRepository, LibraryFileRepository, StatsRepository};
use soulspot_domain::{
    Album, AlbumId, Artist, ArtistId, LibraryFile, LibraryStats, ListOrder, OrderedKey, Page,
    PageRequest, TrackDetails, TrackFilter, TrackId,
};

use crate::error::{Invalid, ServiceResult};

/// The most hits of each kind a search returns.
pub const MAX_SEARCH_HITS: u32 = 100;
/// The longest search text accepted; a search box never needs more.
pub const MAX_QUERY_CHARS: usize = 200;

/// An artist and the albums they appear on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtistWithAlbums {
    pub artist: Artist,
    pub albums: Vec<Album>,
}

/// An album with its album artist and tracks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlbumWithTracks {
    pub album: Album,
    pub album_artist: Option<Artist>,
    pub tracks: Vec<TrackDetails>,
}

/// A track with its details and every library file linked to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackWithFiles {
    pub details: TrackDetails,
    pub files: Vec<LibraryFile>,
}

/// Ranked hits of one search, by kind.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    pub tracks: Vec<(TrackDetails, f64)>,
    pub albums: Vec<Album>,
    pub artists: Vec<Artist>,
}

/// The read side of the library.
#[derive(Debug, Clone)]
pub struct LibraryService<S> {
    store: S,
}

impl<S> LibraryService<S>
where
    S: CatalogRepository + LibraryFileRepository + StatsRepository,
{
    pub fn new(store: S) -> Self {
        Self { store }
    }

    pub async fn artists(
        &self,
        order: ListOrder,
        page: PageRequest<OrderedKey<ArtistId>>,
    ) -> ServiceResult<Page<Artist, OrderedKey<ArtistId>>> {
        Ok(self.store.list_artists(order, page).await?)
    }

    /// Two statements: the artist, then their albums.
    pub async fn artist(&self, id: ArtistId) -> ServiceResult<ArtistWithAlbums> {
        let artist = self.store.artist(id).await?;
        let albums = self.store.albums_of_artist(id).await?;
        Ok(ArtistWithAlbums { artist, albums })
    }

    pub async fn albums(
        &self,
        order: ListOrder,
        page: PageRequest<OrderedKey<AlbumId>>,
    ) -> ServiceResult<Page<Album, OrderedKey<AlbumId>>> {
        Ok(self.store.list_albums(order, page).await?)
    }

    /// The album, its album artist and its tracks: at most four statements.
    pub async fn album(&self, id: AlbumId) -> ServiceResult<AlbumWithTracks> {
        let album = self.store.album(id).await?;
        let album_artist = match album.album_artist_id {
            Some(artist_id) => Some(self.store.artist(artist_id).await?),
            None => None,
        };
        let tracks = self.store.album_tracks(id).await?;
        Ok(AlbumWithTracks {
            album,
            album_artist,
            tracks,
        })
    }

    pub async fn tracks(
        &self,
        filter: TrackFilter,
        order: ListOrder,
        page: PageRequest<OrderedKey<TrackId>>,
    ) -> ServiceResult<Page<TrackDetails, OrderedKey<TrackId>>> {
        Ok(self.store.list_tracks(filter, order, page).await?)
    }

    pub async fn track(&self, id: TrackId) -> ServiceResult<TrackWithFiles> {
        let details = self.store.track_details(id).await?;
        let files = self.store.files_of_track(id).await?;
        Ok(TrackWithFiles { details, files })
    }

    /// Searches tracks, albums and artists; each list is ranked best first and holds at most
    /// `limit` hits. The text is plain user text: the adapters never pass it to their engine's
    /// query syntax.
    pub async fn search(&self, query: &str, limit: u32) -> ServiceResult<SearchResults> {
        let query = query.trim();
        if query.is_empty() {
            return Err(Invalid::new("q", "the search text is empty").into());
        }
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(Invalid::new(
                "q",
                format!("the search text is longer than {MAX_QUERY_CHARS} characters"),
            )
            .into());
        }
        let limit = limit.clamp(1, MAX_SEARCH_HITS);
        let hits = self.store.search_tracks(query, limit).await?;
        let scores: Vec<f64> = hits.iter().map(|hit| hit.score).collect();
        let details = self
            .store
            .tracks_details(hits.iter().map(|hit| hit.track_id).collect())
            .await?;
        // `tracks_details` keeps the order of the ids and skips none that the search just found,
        // unless a track was deleted in between; pair scores by id to stay right in that case.
        let tracks = details
            .into_iter()
            .filter_map(|details| {
                let index = hits
                    .iter()
                    .position(|hit| hit.track_id == details.track.id)?;
                Some((details, scores[index]))
            })
            .collect();
        let albums = self.store.search_albums(query, limit).await?;
        let artists = self.store.search_artists(query, limit).await?;
        Ok(SearchResults {
            tracks,
            albums,
            artists,
        })
    }

    pub async fn stats(&self) -> ServiceResult<LibraryStats> {
        Ok(self.store.library_stats().await?)
    }
}
