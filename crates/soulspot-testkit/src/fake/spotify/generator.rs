//! Big, deterministic data for the Spotify fake: catalogue slices from the testkit's catalogue
//! generator (`crate::catalog::catalog_batch`, so ids and ISRCs match what SoulSpot's own tests
//! seed) and playlists of thousands of tracks, so paging is exercised.

use crate::catalog::{catalog_batch, spotify_id};

use super::{
    PlaylistEntry, SpotifyAlbum, SpotifyArtist, SpotifyFake, SpotifyImage, SpotifyPlaylist,
    SpotifyTrack,
};

/// Spotify-id namespace of generated playlists (the catalogue generator uses 1–3).
const PLAYLIST_NAMESPACE: u8 = 4;

/// A generated playlist and its tracks in playlist order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedPlaylist {
    pub playlist_id: String,
    pub track_ids: Vec<String>,
}

impl SpotifyFake {
    /// Adds `count` generated tracks numbered from `first_track`, with their albums and artists;
    /// returns the track ids in order. Generating an overlapping range again replaces the same
    /// objects instead of duplicating them.
    pub fn generate_catalog(&self, seed: u64, first_track: u64, count: u64) -> Vec<String> {
        let batch = catalog_batch(seed, first_track, count);
        let artist_ids: Vec<String> = batch
            .artists
            .iter()
            .enumerate()
            .map(|(index, artist)| {
                artist.spotify_id.as_ref().map_or_else(
                    || spotify_id(1, first_track + index as u64).to_string(),
                    ToString::to_string,
                )
            })
            .collect();
        let album_ids: Vec<String> = batch
            .albums
            .iter()
            .enumerate()
            .map(|(index, album)| {
                album.spotify_id.as_ref().map_or_else(
                    || spotify_id(2, first_track + index as u64).to_string(),
                    ToString::to_string,
                )
            })
            .collect();
        let mut state = self.lock();
        for (artist, id) in batch.artists.iter().zip(&artist_ids) {
            let mut seeded = SpotifyArtist::new(id, &artist.name);
            seeded.genres = vec!["indie".to_owned()];
            state.add_artist(seeded);
        }
        for (index, (album, id)) in batch.albums.iter().zip(&album_ids).enumerate() {
            let album_artist = album
                .album_artist
                .and_then(|artist| artist_ids.get(artist))
                .or(artist_ids.first())
                .cloned()
                .unwrap_or_default();
            let year = album.year.unwrap_or(2000);
            // All three precisions occur, as they do on Spotify, so clients parse each of them.
            let (release_date, precision) = match index % 3 {
                0 => (format!("{year}"), "year"),
                1 => (format!("{year}-06"), "month"),
                _ => (format!("{year}-06-{:02}", 1 + index % 28), "day"),
            };
            state.add_album(SpotifyAlbum {
                album_type: album
                    .release_type
                    .clone()
                    .unwrap_or_else(|| "album".to_owned()),
                release_date,
                release_date_precision: precision.to_owned(),
                images: SpotifyImage::album_art(id),
                upc: Some(format!(
                    "{:012}",
                    600_000_000_000_u64 + first_track + index as u64
                )),
                ..SpotifyAlbum::new(id, &album.title, &[album_artist.as_str()])
            });
        }
        let mut track_ids = Vec::with_capacity(batch.tracks.len());
        for (index, track) in batch.tracks.iter().enumerate() {
            let id = track.spotify_id.as_ref().map_or_else(
                || spotify_id(3, first_track + index as u64).to_string(),
                ToString::to_string,
            );
            let album_id = track
                .album
                .and_then(|album| album_ids.get(album))
                .cloned()
                .unwrap_or_default();
            let artists: Vec<&str> = track
                .artists
                .iter()
                .filter_map(|artist| artist_ids.get(*artist).map(String::as_str))
                .collect();
            state.add_track(SpotifyTrack {
                duration_ms: track
                    .duration
                    .map_or(180_000, |duration| duration.as_millis()),
                explicit: track.explicit,
                disc_number: track
                    .disc_number
                    .and_then(|number| u32::try_from(number).ok())
                    .unwrap_or(1),
                track_number: track
                    .track_number
                    .and_then(|number| u32::try_from(number).ok())
                    .unwrap_or(1),
                isrc: track.isrc.as_ref().map(|isrc| isrc.as_str().to_owned()),
                ..SpotifyTrack::new(&id, &track.title, &album_id, &artists)
            });
            track_ids.push(id);
        }
        track_ids
    }

    /// A playlist of `count` generated tracks (numbered from 0 for `seed`), owned by `owner_id`
    /// and in their library.
    ///
    /// # Panics
    /// When the owner is unknown.
    pub fn generate_playlist(
        &self,
        owner_id: &str,
        name: &str,
        seed: u64,
        count: u64,
    ) -> GeneratedPlaylist {
        let track_ids = self.generate_catalog(seed, 0, count);
        let number = seed
            .wrapping_mul(1_000_003)
            .wrapping_add(self.lock().playlists.len() as u64);
        let playlist_id = spotify_id(PLAYLIST_NAMESPACE, number).to_string();
        let entries = track_ids
            .iter()
            .map(|id| PlaylistEntry::track(id))
            .collect();
        self.add_playlist(SpotifyPlaylist::new(&playlist_id, name, owner_id).with_entries(entries));
        GeneratedPlaylist {
            playlist_id,
            track_ids,
        }
    }
}
