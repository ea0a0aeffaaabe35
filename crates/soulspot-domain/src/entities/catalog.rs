//! Artists, albums and tracks: the catalogue that playlists point into and library files fill.

use serde::{Deserialize, Serialize};

use crate::{AlbumId, ArtistId, Isrc, Mbid, SpotifyId, TrackDuration, TrackId};

/// A performer or band. `name` is stored exactly as received; matching uses a separate normalised
/// key the adapter derives from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artist {
    pub id: ArtistId,
    pub name: String,
    pub sort_name: Option<String>,
    pub spotify_id: Option<SpotifyId>,
    pub mbid: Option<Mbid>,
}

/// A release: an album, single, EP or compilation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Album {
    pub id: AlbumId,
    pub title: String,
    pub album_artist_id: Option<ArtistId>,
    pub year: Option<i32>,
    pub release_type: Option<String>,
    pub spotify_id: Option<SpotifyId>,
    pub mbid: Option<Mbid>,
    pub release_group_mbid: Option<Mbid>,
    pub cover_path: Option<String>,
}

/// A recording as it appears on one release. `artist_ids` keeps the credited order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Track {
    pub id: TrackId,
    pub title: String,
    pub album_id: Option<AlbumId>,
    pub disc_number: Option<i32>,
    pub track_number: Option<i32>,
    pub duration: Option<TrackDuration>,
    pub isrc: Option<Isrc>,
    pub spotify_id: Option<SpotifyId>,
    pub mbid: Option<Mbid>,
    pub explicit: bool,
    pub artist_ids: Vec<ArtistId>,
}

/// A track with everything a list or detail view shows about it, loaded without per-row queries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackDetails {
    pub track: Track,
    /// The credited artists, in credit order.
    pub artists: Vec<Artist>,
    pub album: Option<Album>,
    /// Whether a present (not missing, not broken) library file is linked to the track.
    pub has_library_file: bool,
}

/// Which tracks a list returns: every set field narrows the list; an empty filter returns all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackFilter {
    pub album_id: Option<AlbumId>,
    /// Tracks crediting this artist (in any position).
    pub artist_id: Option<ArtistId>,
    /// `Some(true)`: only tracks with a present library file; `Some(false)`: only those without.
    pub has_library_file: Option<bool>,
    pub isrc: Option<Isrc>,
}

/// An artist to insert or update. Rows with a `spotify_id` are matched on it, then rows with an
/// `mbid` on that; rows with neither are always inserted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewArtist {
    pub name: String,
    pub sort_name: Option<String>,
    pub spotify_id: Option<SpotifyId>,
    pub mbid: Option<Mbid>,
}

/// An album to insert or update; `album_artist` is an index into the same batch's artists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlbum {
    pub title: String,
    pub album_artist: Option<usize>,
    pub year: Option<i32>,
    pub release_type: Option<String>,
    pub spotify_id: Option<SpotifyId>,
    pub mbid: Option<Mbid>,
    pub release_group_mbid: Option<Mbid>,
}

/// A track to insert or update; `album` and `artists` are indexes into the same batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTrack {
    pub title: String,
    pub album: Option<usize>,
    pub artists: Vec<usize>,
    pub disc_number: Option<i32>,
    pub track_number: Option<i32>,
    pub duration: Option<TrackDuration>,
    pub isrc: Option<Isrc>,
    pub spotify_id: Option<SpotifyId>,
    pub mbid: Option<Mbid>,
    pub explicit: bool,
}

/// A self-contained set of artists, albums and tracks written in one transaction. References
/// between them are positions in the batch's own vectors, so a caller never needs database ids to
/// describe what it imports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogBatch {
    pub artists: Vec<NewArtist>,
    pub albums: Vec<NewAlbum>,
    pub tracks: Vec<NewTrack>,
}

/// Why a [`CatalogBatch`] cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogBatchError {
    #[error("album {album} names album artist {artist}, but the batch has only {artists} artists")]
    UnknownAlbumArtist {
        album: usize,
        artist: usize,
        artists: usize,
    },
    #[error("track {track} names album {album}, but the batch has only {albums} albums")]
    UnknownAlbum {
        track: usize,
        album: usize,
        albums: usize,
    },
    #[error("track {track} names artist {artist}, but the batch has only {artists} artists")]
    UnknownArtist {
        track: usize,
        artist: usize,
        artists: usize,
    },
}

impl CatalogBatch {
    /// Checks that every in-batch reference points at an existing entry.
    pub fn validate(&self) -> Result<(), CatalogBatchError> {
        let artists = self.artists.len();
        let albums = self.albums.len();
        for (album_index, album) in self.albums.iter().enumerate() {
            if let Some(artist) = album.album_artist.filter(|artist| *artist >= artists) {
                return Err(CatalogBatchError::UnknownAlbumArtist {
                    album: album_index,
                    artist,
                    artists,
                });
            }
        }
        for (track_index, track) in self.tracks.iter().enumerate() {
            if let Some(album) = track.album.filter(|album| *album >= albums) {
                return Err(CatalogBatchError::UnknownAlbum {
                    track: track_index,
                    album,
                    albums,
                });
            }
            if let Some(artist) = track
                .artists
                .iter()
                .copied()
                .find(|artist| *artist >= artists)
            {
                return Err(CatalogBatchError::UnknownArtist {
                    track: track_index,
                    artist,
                    artists,
                });
            }
        }
        Ok(())
    }
}

/// The database ids a written [`CatalogBatch`] got, position for position.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogBatchIds {
    pub artists: Vec<ArtistId>,
    pub albums: Vec<AlbumId>,
    pub tracks: Vec<TrackId>,
}

/// One full-text search hit, best first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackSearchHit {
    pub track_id: TrackId,
    /// Backend-specific relevance; only the order it induces is meaningful.
    pub score: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(album: Option<usize>, artists: Vec<usize>) -> NewTrack {
        NewTrack {
            title: "t".into(),
            album,
            artists,
            disc_number: None,
            track_number: None,
            duration: None,
            isrc: None,
            spotify_id: None,
            mbid: None,
            explicit: false,
        }
    }

    #[test]
    fn batch_references_are_checked() {
        let artist = NewArtist {
            name: "a".into(),
            sort_name: None,
            spotify_id: None,
            mbid: None,
        };
        let mut batch = CatalogBatch {
            artists: vec![artist],
            albums: vec![],
            tracks: vec![track(None, vec![0])],
        };
        assert_eq!(batch.validate(), Ok(()));
        batch.tracks.push(track(Some(0), vec![]));
        assert_eq!(
            batch.validate(),
            Err(CatalogBatchError::UnknownAlbum {
                track: 1,
                album: 0,
                albums: 0
            })
        );
        batch.tracks.pop();
        batch.tracks.push(track(None, vec![0, 3]));
        assert_eq!(
            batch.validate(),
            Err(CatalogBatchError::UnknownArtist {
                track: 1,
                artist: 3,
                artists: 1
            })
        );
    }
}
