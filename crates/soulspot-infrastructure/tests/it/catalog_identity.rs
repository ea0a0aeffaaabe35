//! One catalogue, two writers: a scanned library and a Spotify playlist's tracks (through
//! `upsert_catalog`, shaped by `CatalogBatch::from_spotify_tracks`) meet on the same artists,
//! albums and tracks, in either order, and the playlist's tracks keep or get their files.

use std::path::Path;

use chrono::NaiveDateTime;
use soulspot_domain::ports::{CatalogRepository, ScanRepository};
use soulspot_domain::scan::{
    AudioCodec, AudioFileFacts, AudioFormat, AudioProperties, FileContent, FileWrite, FolderWrite,
    LibraryPath, ScanBatch, ScanCounts, ScanMode, TagSnapshot,
};
use soulspot_domain::upstream::spotify::{
    SpotifyAlbumRef, SpotifyArtistRef, SpotifyReleaseDate, SpotifyTrack,
};
use soulspot_domain::{
    CatalogBatch, Isrc, ListOrder, PageRequest, TrackDuration, TrackFilter, TrackId,
};
use soulspot_infrastructure::Database;
use soulspot_testkit::catalog::spotify_id;

contract_tests! {
    scan_then_playlist => super::a_playlist_after_a_scan_finds_the_scanned_catalogue;
    playlist_then_scan => super::a_scan_after_a_playlist_fills_its_tracks;
}

const ARTISTS: u64 = 3;
const ALBUMS: u64 = 2;
const TRACKS: u64 = 5;

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap()
}

fn millis(value: i64) -> TrackDuration {
    TrackDuration::from_millis(value).unwrap()
}

fn isrc(artist: u64, album: u64, track: u64) -> Isrc {
    Isrc::parse(&format!("QZABC24{artist}{album}{track:03}")).unwrap()
}

fn title(artist: u64, album: u64, track: u64) -> String {
    format!("Song {artist}-{album}-{track}")
}

/// Even tracks carry their ISRC in their tags; odd ones only names and a duration 1.5 s off
/// Spotify's.
fn file_has_isrc(track: u64) -> bool {
    track.is_multiple_of(2)
}

/// One scan batch per album folder, every file tagged like a ripped CD.
fn library(run: soulspot_domain::scan::ScanRunId) -> Vec<ScanBatch> {
    let mut batches = Vec::new();
    for artist in 0..ARTISTS {
        for album in 0..ALBUMS {
            let folder = format!("/music/Artist {artist}/Album {album}");
            let files = (0..TRACKS)
                .map(|track| {
                    let tags = TagSnapshot {
                        title: Some(title(artist, album, track).to_uppercase()),
                        artists: vec![format!("Artist {artist}")],
                        album_artists: vec![format!("artist {artist}")],
                        album: Some(format!("Album {artist}-{album}")),
                        date: Some(format!("{}-01-01", 2000 + album)),
                        track_number: Some(track as u32 + 1),
                        isrc_text: file_has_isrc(track)
                            .then(|| isrc(artist, album, track).as_str().to_owned()),
                        ..TagSnapshot::default()
                    };
                    let offset = if file_has_isrc(track) { 0 } else { 1_500 };
                    FileWrite {
                        path: LibraryPath::from_path(Path::new(&format!(
                            "{folder}/{track:02}.flac"
                        ))),
                        folder: 0,
                        size_bytes: 1_000 + track as i64,
                        modified_at: at("2026-11-01 08:00:00"),
                        existing: None,
                        content: FileContent::Audio(Box::new(AudioFileFacts {
                            properties: AudioProperties {
                                format: AudioFormat::Flac,
                                codec: AudioCodec::Flac,
                                duration: millis(200_000 + track as i64 * 1_000 + offset),
                                bitrate_kbps: Some(900),
                                sample_rate_hz: Some(44_100),
                                bit_depth: Some(16),
                                channels: Some(2),
                            },
                            tags,
                            has_embedded_art: false,
                        })),
                    }
                })
                .collect();
            batches.push(ScanBatch {
                run,
                now: at("2026-11-30 12:00:00"),
                folders: vec![FolderWrite {
                    path: LibraryPath::from_path(Path::new(&folder)),
                    content_hash: Some(format!("hash of {folder}")),
                }],
                files,
                missing: Vec::new(),
                checkpoint: Some(LibraryPath::from_path(Path::new(&folder))),
                counts: ScanCounts::default(),
            });
        }
    }
    batches
}

/// The playlist as Spotify describes it: every track of the library, credited to its artist and
/// (for the first track of each album) a guest the library does not know.
fn playlist() -> Vec<SpotifyTrack> {
    let mut tracks = Vec::new();
    for artist in 0..ARTISTS {
        let main = SpotifyArtistRef {
            id: Some(spotify_id(1, artist)),
            name: format!("Artist {artist}"),
        };
        for album in 0..ALBUMS {
            let album_ref = SpotifyAlbumRef {
                id: Some(spotify_id(2, artist * 10 + album)),
                name: format!("Album {artist}-{album}"),
                album_type: Some("album".into()),
                artists: vec![main.clone()],
                images: Vec::new(),
                release_date: SpotifyReleaseDate::parse(&format!("{}-03-04", 2000 + album)),
                total_tracks: Some(TRACKS as u32),
            };
            for track in 0..TRACKS {
                let mut artists = vec![main.clone()];
                if track == 0 {
                    artists.push(SpotifyArtistRef {
                        id: Some(spotify_id(1, 100 + artist)),
                        name: format!("Guest {artist}"),
                    });
                }
                tracks.push(SpotifyTrack {
                    id: spotify_id(3, (artist * 10 + album) * 100 + track),
                    name: title(artist, album, track),
                    duration: Some(millis(200_000 + track as i64 * 1_000)),
                    isrc: Some(isrc(artist, album, track)),
                    explicit: false,
                    disc_number: Some(1),
                    track_number: Some(track as u32 + 1),
                    artists,
                    album: Some(album_ref.clone()),
                    is_playable: Some(true),
                    linked_from: None,
                });
            }
        }
    }
    tracks
}

async fn scan(db: &Database) -> Vec<TrackId> {
    let run = db
        .begin_scan(
            &LibraryPath::from_path(Path::new("/music")),
            ScanMode::Full,
            at("2026-11-30 12:00:00"),
        )
        .await
        .unwrap();
    let mut tracks = Vec::new();
    for batch in library(run.id) {
        let outcome = db.apply_scan_batch(batch).await.unwrap();
        tracks.extend(outcome.files.iter().map(|(_, track)| track.unwrap()));
    }
    tracks
}

/// The number of artists, albums and tracks, and whether every track has its file.
async fn census(db: &Database) -> (usize, usize, usize, bool) {
    let artists = db
        .list_artists(ListOrder::Added, PageRequest::first(500))
        .await
        .unwrap();
    let albums = db
        .list_albums(ListOrder::Added, PageRequest::first(500))
        .await
        .unwrap();
    let tracks = db
        .list_tracks(
            TrackFilter::default(),
            ListOrder::Added,
            PageRequest::first(500),
        )
        .await
        .unwrap();
    let all_have_files = tracks.items.iter().all(|track| track.has_library_file);
    (
        artists.items.len(),
        albums.items.len(),
        tracks.items.len(),
        all_have_files,
    )
}

const EXPECTED: (usize, usize, usize, bool) = (
    (ARTISTS * 2) as usize,
    (ARTISTS * ALBUMS) as usize,
    (ARTISTS * ALBUMS * TRACKS) as usize,
    true,
);

pub async fn a_playlist_after_a_scan_finds_the_scanned_catalogue(db: Database) {
    let scanned = scan(&db).await;
    let batch = CatalogBatch::from_spotify_tracks(&playlist());
    let ids = db.upsert_catalog(batch.clone()).await.unwrap();
    assert_eq!(
        ids.tracks, scanned,
        "every playlist track is its scanned track"
    );
    assert_eq!(
        census(&db).await,
        EXPECTED,
        "no duplicate, every track has its file"
    );
    // The scanned track now speaks as Spotify: its title, its credits, its Spotify id.
    let details = db.track_details(ids.tracks[0]).await.unwrap();
    assert_eq!(details.track.title, "Song 0-0-0");
    assert_eq!(details.track.spotify_id, Some(spotify_id(3, 0)));
    assert_eq!(details.artists.len(), 2);
    assert_eq!(
        details.album.unwrap().spotify_id,
        Some(spotify_id(2, 0)),
        "the scanned album took the Spotify album's id"
    );
    // The next sync changes nothing.
    assert_eq!(db.upsert_catalog(batch).await.unwrap(), ids);
    assert_eq!(census(&db).await, EXPECTED);
}

pub async fn a_scan_after_a_playlist_fills_its_tracks(db: Database) {
    let ids = db
        .upsert_catalog(CatalogBatch::from_spotify_tracks(&playlist()))
        .await
        .unwrap();
    let (artists, albums, tracks, with_files) = census(&db).await;
    assert_eq!(
        (artists, albums, tracks),
        (EXPECTED.0, EXPECTED.1, EXPECTED.2)
    );
    assert!(!with_files, "wanted before the scan");
    let scanned = scan(&db).await;
    assert_eq!(scanned, ids.tracks, "every file filled its playlist track");
    assert_eq!(
        census(&db).await,
        EXPECTED,
        "no duplicate, every track has its file"
    );
    let details = db.track_details(ids.tracks[1]).await.unwrap();
    assert_eq!(
        details.track.title, "Song 0-0-1",
        "the tags never overwrite Spotify"
    );
}
