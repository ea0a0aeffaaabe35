//! Realistic catalogue data: artists, albums and tracks shaped like a Spotify import (1–3 artists
//! per track, albums of ~12 tracks, ISRCs, durations), generated deterministically from a seed.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use soulspot_domain::{
    CatalogBatch, Isrc, NewAlbum, NewArtist, NewTrack, SpotifyId, TrackDuration,
};

/// Real words placed among the generated vocabulary at ranks 40, 80, 120, …: common enough to
/// match hundreds of tracks in a large catalogue, as "love" or "night" do in a real one.
const REAL_WORDS: &[&str] = &[
    "moon", "river", "night", "light", "dream", "fire", "heart", "city", "rain", "summer",
    "shadow", "golden", "electric", "silent", "wild", "blue", "echo", "velvet", "stone", "ocean",
    "garden", "midnight", "crystal", "paper", "neon", "winter", "thunder", "honey", "ghost",
    "signal", "Beyoncé", "Sigur", "Rós", "Björk",
];
const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ra", "ven", "tor", "sha", "el", "dri", "qua", "bel", "nor", "fi", "zan",
    "ul", "pe", "gra", "son", "ti", "mar", "do", "wen", "lu", "ser", "ya", "bro", "ith", "cal",
    "re", "mon",
];
/// Distinct words in the generated vocabulary.
const VOCABULARY_SIZE: usize = 6_000;

/// Word frequencies follow Zipf's law (the k-th most common word is k times rarer than the first),
/// like titles in a real catalogue: a few words everywhere, most words rare.
struct Vocabulary {
    words: Vec<String>,
    cumulative: Vec<f64>,
}

impl Vocabulary {
    fn new() -> Self {
        let mut words = Vec::with_capacity(VOCABULARY_SIZE);
        let mut real = REAL_WORDS.iter();
        for rank in 0..VOCABULARY_SIZE {
            if rank % 40 == 39
                && let Some(word) = real.next()
            {
                words.push((*word).to_owned());
                continue;
            }
            let mut word = String::new();
            let mut value = rank + 7;
            for _ in 0..(2 + rank % 2) {
                word.push_str(SYLLABLES[value % SYLLABLES.len()]);
                value /= SYLLABLES.len();
            }
            words.push(word);
        }
        let mut total = 0.0;
        let cumulative = (1..=VOCABULARY_SIZE)
            .map(|rank| {
                total += 1.0 / rank as f64;
                total
            })
            .collect();
        Self { words, cumulative }
    }

    fn pick(&self, rng: &mut StdRng) -> &str {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let target = rng.random::<f64>() * total;
        let index = self
            .cumulative
            .partition_point(|&value| value < target)
            .min(self.words.len() - 1);
        &self.words[index]
    }
}

/// A base-62 Spotify-shaped id derived from a namespace and a number (distinct for distinct inputs).
pub fn spotify_id(namespace: u8, number: u64) -> SpotifyId {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut value = (u128::from(namespace) << 64) | u128::from(number);
    let mut text = String::with_capacity(22);
    for _ in 0..22 {
        text.push(char::from(ALPHABET[(value % 62) as usize]));
        value /= 62;
    }
    match SpotifyId::parse(&text) {
        Ok(id) => id,
        Err(error) => panic!("generated Spotify id {text} is invalid: {error}"),
    }
}

fn isrc(number: u64) -> Isrc {
    let text = format!(
        "QZ{}{:02}{:05}",
        ["ABC", "DEF", "K7X"][(number % 3) as usize],
        10 + number % 15,
        number % 100_000
    );
    match Isrc::parse(&text) {
        Ok(isrc) => isrc,
        Err(error) => panic!("generated ISRC {text} is invalid: {error}"),
    }
}

fn title(vocabulary: &Vocabulary, rng: &mut StdRng, words: usize) -> String {
    let mut parts = Vec::with_capacity(words);
    for _ in 0..words {
        parts.push(vocabulary.pick(rng));
    }
    let mut text = parts.join(" ");
    if let Some(first) = text.get(0..1) {
        text.replace_range(0..1, &first.to_uppercase());
    }
    text
}

/// `tracks` tracks (numbered from `first_track`), titled from a Zipf-distributed vocabulary, on albums of 12, by a pool of `tracks / 8 + 1`
/// artists, each track credited to 1–3 of them. Every entity has a Spotify id, so re-generating
/// the same range upserts instead of duplicating.
pub fn catalog_batch(seed: u64, first_track: u64, tracks: u64) -> CatalogBatch {
    let mut rng = StdRng::seed_from_u64(seed ^ first_track);
    let vocabulary = Vocabulary::new();
    let artist_count = tracks / 8 + 1;
    let first_artist = first_track / 8;
    let artists: Vec<NewArtist> = (0..artist_count)
        .map(|index| NewArtist {
            name: format!(
                "{} {}",
                title(&vocabulary, &mut rng, 1),
                first_artist + index
            ),
            sort_name: None,
            spotify_id: Some(spotify_id(1, first_artist + index)),
            mbid: None,
        })
        .collect();
    let album_count = tracks.div_ceil(12);
    let albums: Vec<NewAlbum> = (0..album_count)
        .map(|index| NewAlbum {
            title: title(&vocabulary, &mut rng, 2),
            album_artist: Some((index % artist_count) as usize),
            year: Some(1970 + rng.random_range(0..55)),
            release_type: Some("album".into()),
            spotify_id: Some(spotify_id(2, first_track / 12 + index)),
            mbid: None,
            release_group_mbid: None,
        })
        .collect();
    let tracks: Vec<NewTrack> = (0..tracks)
        .map(|index| {
            let number = first_track + index;
            let album = (index / 12) as usize;
            let credited = rng.random_range(1..=3_u64);
            let mut credits: Vec<usize> = Vec::new();
            for offset in 0..credited {
                let artist =
                    ((album as u64 + offset * 7 + rng.random_range(0..2)) % artist_count) as usize;
                if !credits.contains(&artist) {
                    credits.push(artist);
                }
            }
            let words = rng.random_range(1..=4);
            NewTrack {
                title: title(&vocabulary, &mut rng, words),
                album: Some(album),
                artists: credits,
                disc_number: Some(1),
                track_number: Some((index % 12 + 1) as i32),
                duration: TrackDuration::from_millis(rng.random_range(90_000..420_000)).ok(),
                isrc: Some(isrc(number)),
                spotify_id: Some(spotify_id(3, number)),
                mbid: None,
                explicit: rng.random_bool(0.1),
            }
        })
        .collect();
    CatalogBatch {
        artists,
        albums,
        tracks,
    }
}

/// A present, readable FLAC library file of `size_bytes` at `<folder>/<track id>.flac`, linked to
/// `track`: what tests and benchmarks seed when they need "the library has this track".
pub fn present_flac_file(
    track: soulspot_domain::TrackId,
    folder: &str,
    size_bytes: i64,
) -> soulspot_domain::NewLibraryFile {
    soulspot_domain::NewLibraryFile {
        path: format!("{folder}/{}.flac", track.0),
        folder_id: None,
        size_bytes,
        modified_at: None,
        audio: soulspot_domain::AudioProperties {
            format: Some("flac".into()),
            ..soulspot_domain::AudioProperties::default()
        },
        track_id: Some(track),
        tags_json: None,
        broken_reason: None,
    }
}
