//! A page of Spotify tracks as one [`CatalogBatch`]: every credited artist in order, the album
//! with its first artist as album artist and its release year, the ISRC, the duration, and the
//! track's stable Spotify id (the one the playlist holds when Spotify relinked it).

use std::collections::HashMap;

use crate::upstream::spotify::{SpotifyAlbumRef, SpotifyArtistRef, SpotifyTrack};
use crate::{CatalogBatch, NewAlbum, NewArtist, NewTrack, SpotifyId};

impl CatalogBatch {
    /// The catalogue entries `tracks` stand for, each artist and album once.
    pub fn from_spotify_tracks<'a>(tracks: impl IntoIterator<Item = &'a SpotifyTrack>) -> Self {
        let mut builder = SpotifyBatchBuilder::default();
        for track in tracks {
            builder.push(track);
        }
        builder.batch
    }
}

#[derive(Default)]
struct SpotifyBatchBuilder {
    batch: CatalogBatch,
    artists: HashMap<ArtistRefKey, usize>,
    albums: HashMap<AlbumRefKey, usize>,
}

/// An artist is its Spotify id, or its name when Spotify gave none.
#[derive(PartialEq, Eq, Hash)]
enum ArtistRefKey {
    Id(SpotifyId),
    Name(String),
}

#[derive(PartialEq, Eq, Hash)]
enum AlbumRefKey {
    Id(SpotifyId),
    Name(String, Option<usize>),
}

impl SpotifyBatchBuilder {
    fn artist(&mut self, artist: &SpotifyArtistRef) -> usize {
        let key = match &artist.id {
            Some(id) => ArtistRefKey::Id(id.clone()),
            None => ArtistRefKey::Name(artist.name.clone()),
        };
        let artists = &mut self.batch.artists;
        *self.artists.entry(key).or_insert_with(|| {
            artists.push(NewArtist {
                name: artist.name.clone(),
                sort_name: None,
                spotify_id: artist.id.clone(),
                mbid: None,
            });
            artists.len() - 1
        })
    }

    fn album(&mut self, album: &SpotifyAlbumRef) -> usize {
        let album_artist = album.artists.first().map(|artist| self.artist(artist));
        let key = match &album.id {
            Some(id) => AlbumRefKey::Id(id.clone()),
            None => AlbumRefKey::Name(album.name.clone(), album_artist),
        };
        let albums = &mut self.batch.albums;
        *self.albums.entry(key).or_insert_with(|| {
            albums.push(NewAlbum {
                title: album.name.clone(),
                album_artist,
                year: album.release_date.map(|date| date.year()),
                release_type: album.album_type.clone(),
                spotify_id: album.id.clone(),
                mbid: None,
                release_group_mbid: None,
            });
            albums.len() - 1
        })
    }

    fn push(&mut self, track: &SpotifyTrack) {
        let mut artists: Vec<usize> = Vec::with_capacity(track.artists.len());
        for artist in &track.artists {
            let index = self.artist(artist);
            if !artists.contains(&index) {
                artists.push(index);
            }
        }
        let album = track.album.as_ref().map(|album| self.album(album));
        self.batch.tracks.push(NewTrack {
            title: track.name.clone(),
            album,
            artists,
            disc_number: track.disc_number.and_then(|n| i32::try_from(n).ok()),
            track_number: track.track_number.and_then(|n| i32::try_from(n).ok()),
            duration: track.duration,
            isrc: track.isrc.clone(),
            spotify_id: Some(
                track
                    .linked_from
                    .clone()
                    .unwrap_or_else(|| track.id.clone()),
            ),
            mbid: None,
            explicit: track.explicit,
        });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::upstream::spotify::SpotifyReleaseDate;
    use crate::{Isrc, TrackDuration};

    fn id(text: &str) -> SpotifyId {
        SpotifyId::parse(&format!("{text:0>22}")).unwrap()
    }

    fn artist(name: &str, text: &str) -> SpotifyArtistRef {
        SpotifyArtistRef {
            id: Some(id(text)),
            name: name.into(),
        }
    }

    fn track(name: &str, text: &str, artists: Vec<SpotifyArtistRef>) -> SpotifyTrack {
        SpotifyTrack {
            id: id(text),
            name: name.into(),
            duration: Some(TrackDuration::from_millis(200_000).unwrap()),
            isrc: Some(Isrc::parse("USRC17607839").unwrap()),
            explicit: true,
            disc_number: Some(1),
            track_number: Some(2),
            artists: artists.clone(),
            album: Some(SpotifyAlbumRef {
                id: Some(id("album")),
                name: "LP".into(),
                album_type: Some("album".into()),
                artists: vec![artists[0].clone()],
                images: Vec::new(),
                release_date: SpotifyReleaseDate::parse("2003-06-23"),
                total_tracks: Some(12),
            }),
            is_playable: Some(true),
            linked_from: None,
        }
    }

    #[test]
    fn artists_and_albums_appear_once_and_credits_keep_their_order() {
        let beyonce = artist("Beyoncé", "b");
        let jay = artist("JAY-Z", "j");
        let mut relinked = track("Naughty Girl", "n2", vec![beyonce.clone()]);
        relinked.linked_from = Some(id("n1"));
        let tracks = [
            track("Crazy in Love", "c", vec![beyonce.clone(), jay.clone()]),
            relinked,
        ];
        let batch = CatalogBatch::from_spotify_tracks(&tracks);
        assert_eq!(batch.validate(), Ok(()));
        let names: Vec<&str> = batch.artists.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["Beyoncé", "JAY-Z"]);
        assert_eq!(batch.albums.len(), 1);
        assert_eq!(batch.albums[0].year, Some(2003));
        assert_eq!(batch.albums[0].album_artist, Some(0));
        assert_eq!(batch.tracks[0].artists, [0, 1]);
        assert_eq!(batch.tracks[0].album, Some(0));
        assert_eq!(batch.tracks[0].track_number, Some(2));
        assert!(batch.tracks[0].explicit);
        assert_eq!(batch.tracks[1].spotify_id, Some(id("n1")), "the stable id");
    }
}
