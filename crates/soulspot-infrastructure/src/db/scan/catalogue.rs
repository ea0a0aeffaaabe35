//! The artists and albums a scan batch's audio files name, as mentions for the domain's identity
//! plans (`catalog::identity::plan_artists` / `plan_albums`, speaking as a file's tags), and the
//! keys their candidates are looked up by. A batch names each artist and album many times (every
//! track of an album); identical mentions are kept once, which resolves them alike and keeps the
//! plans' work proportional to the distinct names.

use std::collections::HashMap;

use soulspot_domain::catalog::identity::AlbumFields;
use soulspot_domain::scan::ScannedArtist;
use soulspot_domain::{ArtistId, Mbid, NewArtist, NormalizedName};

use super::super::catalog_write::distinct;
use super::prepare::PreparedFile;

/// Every artist the batch's audio files name, and where each file's credits and album artist
/// are among them.
pub(super) struct ArtistMentions {
    pub artists: Vec<NewArtist>,
    /// Per file: its credits' mentions, in credit order.
    pub credits: Vec<Vec<usize>>,
    /// Per file: its album artist's mention.
    pub album_artists: Vec<Option<usize>>,
}

/// The index of `artist` among `mentions`, added when it is new.
fn mention<'a>(
    mentions: &mut Vec<NewArtist>,
    seen: &mut HashMap<(&'a str, Option<&'a Mbid>), usize>,
    artist: &'a ScannedArtist,
) -> usize {
    *seen
        .entry((artist.name.as_str(), artist.mbid.as_ref()))
        .or_insert_with(|| {
            mentions.push(NewArtist {
                name: artist.name.clone(),
                sort_name: None,
                spotify_id: None,
                mbid: artist.mbid.clone(),
            });
            mentions.len() - 1
        })
}

impl ArtistMentions {
    pub(super) fn new(files: &[PreparedFile]) -> Self {
        let mut mentions = Self {
            artists: Vec::new(),
            credits: Vec::with_capacity(files.len()),
            album_artists: Vec::with_capacity(files.len()),
        };
        let mut seen = HashMap::new();
        for file in files {
            let Some(audio) = file.audio() else {
                mentions.credits.push(Vec::new());
                mentions.album_artists.push(None);
                continue;
            };
            let credits = audio
                .track
                .artists
                .iter()
                .map(|artist| mention(&mut mentions.artists, &mut seen, artist))
                .collect();
            let album_artist = audio
                .track
                .album
                .as_ref()
                .and_then(|album| album.artist.as_ref())
                .map(|artist| mention(&mut mentions.artists, &mut seen, artist));
            mentions.credits.push(credits);
            mentions.album_artists.push(album_artist);
        }
        mentions
    }

    /// What the batch's artists are looked up by: MusicBrainz ids and normalised names.
    pub(super) fn lookup_keys(&self) -> (Vec<String>, Vec<String>) {
        let mbids = distinct(
            self.artists
                .iter()
                .filter_map(|artist| artist.mbid.as_ref().map(|mbid| mbid.as_str().to_owned())),
        );
        let names = distinct(
            self.artists
                .iter()
                .map(|artist| NormalizedName::new(&artist.name).as_str().to_owned()),
        );
        (mbids, names)
    }
}

/// Every album the batch's audio files name (album artists resolved), and each file's mention.
pub(super) struct AlbumMentions {
    pub albums: Vec<AlbumFields>,
    /// Per file: its album's mention.
    pub files: Vec<Option<usize>>,
}

impl AlbumMentions {
    /// `album_artist_ids`: per file, its album artist's row.
    pub(super) fn new(files: &[PreparedFile], album_artist_ids: &[Option<ArtistId>]) -> Self {
        let mut mentions = Self {
            albums: Vec::new(),
            files: Vec::with_capacity(files.len()),
        };
        let mut seen: HashMap<_, usize> = HashMap::new();
        for (file, album_artist_id) in files.iter().zip(album_artist_ids) {
            let Some(album) = file.audio().and_then(|audio| audio.track.album.as_ref()) else {
                mentions.files.push(None);
                continue;
            };
            let key = (
                album.title.as_str(),
                *album_artist_id,
                album.year,
                album.compilation,
                album.mbid.as_ref(),
                album.release_group_mbid.as_ref(),
            );
            if let Some(&index) = seen.get(&key) {
                mentions.files.push(Some(index));
                continue;
            }
            seen.insert(key, mentions.albums.len());
            mentions.files.push(Some(mentions.albums.len()));
            mentions.albums.push(AlbumFields {
                title: album.title.clone(),
                album_artist_id: *album_artist_id,
                year: album.year,
                release_type: album.compilation.then(|| "compilation".to_owned()),
                spotify_id: None,
                mbid: album.mbid.clone(),
                release_group_mbid: album.release_group_mbid.clone(),
            });
        }
        mentions
    }

    /// What the batch's albums are looked up by: MusicBrainz ids and normalised titles.
    pub(super) fn lookup_keys(&self) -> (Vec<String>, Vec<String>) {
        let mbids = distinct(
            self.albums
                .iter()
                .filter_map(|album| album.mbid.as_ref().map(|mbid| mbid.as_str().to_owned())),
        );
        let titles = distinct(
            self.albums
                .iter()
                .map(|album| NormalizedName::new(&album.title).as_str().to_owned()),
        );
        (mbids, titles)
    }
}
