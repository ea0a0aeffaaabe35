//! Contract of the library scan's store (`ScanRepository`) on both backends: batches create the
//! catalogue a file's tags describe (artists and albums deduplicated, wanted tracks filled), are
//! idempotent, keep ids and track links across moves, missing and broken files, take a constant
//! number of statements, and the reads a scan compares the disk with are index lookups.

use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use diesel::QueryableByName;
use soulspot_domain::ports::{
    CatalogRepository, LibraryFileRepository, PlaylistRepository, ScanRepository,
};
use soulspot_domain::scan::{
    self, AudioCodec, AudioFileFacts, AudioFormat, BrokenFile, FileContent, FileWrite, FolderWrite,
    LibraryPath, MusicBrainzTags, ScanBatch, ScanCounts, ScanMode, ScanRunId, TagSnapshot,
};
use soulspot_domain::{
    CatalogBatch, Isrc, LibraryFileId, LibraryFolderId, Mbid, NewAlbum, NewArtist, NewLibraryFile,
    NewPlaylist, NewTrack, RepositoryError, TrackDetails, TrackDuration, TrackId,
};
use soulspot_infrastructure::{Backend, Database, DatabaseUrl};
use soulspot_testkit::catalog::spotify_id;

contract_tests! {
    album_batch_and_reapply => super::album_batch_and_reapply;
    artists_dedupe => super::artists_dedupe_by_mbid_then_name;
    albums_dedupe => super::albums_dedupe_by_mbid_then_title_artist_year;
    wanted_tracks => super::wanted_tracks_are_filled_by_isrc_mbid_then_name;
    moved_files => super::moved_files_keep_id_track_and_playlist;
    missing_files => super::missing_files_are_marked_once;
    broken_files => super::broken_files_keep_their_track;
    track_follows_tags => super::scan_created_tracks_follow_tags_spotify_tracks_do_not;
    scan_runs => super::scan_runs_resume_until_finished;
    folder_reads => super::folder_and_file_reads;
    non_utf8_paths => super::non_utf8_paths_round_trip;
    constant_statements => super::batches_take_constant_statements;
    plans => super::scan_lookups_use_indexes;
    has_file => super::has_file_follows_every_write_to_library_files;
}

// ---------------------------------------------------------------------------------------------
// Building batches.

const MBID_1: &str = "b10bbbfc-cf9e-42e0-be17-e2c3e1d2600d";
const MBID_2: &str = "a74b1b7f-71a5-4011-9441-d0b5e4122711";
const MBID_3: &str = "5b11f4ce-a62d-471e-81fc-a69a8278c7da";
const MBID_4: &str = "f27ec8db-af05-4f36-916e-3d57f91ecf5e";
const MBID_5: &str = "0383dadf-2a4e-4d10-a46a-e9e041da8eb3";

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap()
}

const NOW: &str = "2026-11-30 12:00:00";

fn library_path(text: &str) -> LibraryPath {
    LibraryPath::from_path(Path::new(text))
}

fn millis(value: i64) -> TrackDuration {
    TrackDuration::from_millis(value).unwrap()
}

fn tags(title: &str, artists: &[&str], album: &str) -> TagSnapshot {
    TagSnapshot {
        title: Some(title.into()),
        artists: artists.iter().map(|artist| (*artist).to_owned()).collect(),
        album: (!album.is_empty()).then(|| album.to_owned()),
        ..TagSnapshot::default()
    }
}

fn with(mut tags: TagSnapshot, change: impl FnOnce(&mut TagSnapshot)) -> TagSnapshot {
    change(&mut tags);
    tags
}

fn audio(tags: TagSnapshot, duration_ms: i64) -> FileContent {
    FileContent::Audio(Box::new(AudioFileFacts {
        properties: scan::AudioProperties {
            format: AudioFormat::Flac,
            codec: AudioCodec::Flac,
            duration: millis(duration_ms),
            bitrate_kbps: Some(1_011),
            sample_rate_hz: Some(44_100),
            bit_depth: Some(24),
            channels: Some(2),
        },
        tags,
        has_embedded_art: true,
    }))
}

fn song(title: &str, artist: &str) -> FileContent {
    audio(tags(title, &[artist], "Album"), 180_000)
}

fn file(path: &str, content: FileContent) -> FileWrite {
    FileWrite {
        path: library_path(path),
        folder: 0,
        size_bytes: 1_000 + path.len() as i64,
        modified_at: at("2026-11-01 08:00:00"),
        existing: None,
        content,
    }
}

fn batch(run: ScanRunId, folder: &str, files: Vec<FileWrite>) -> ScanBatch {
    ScanBatch {
        run,
        now: at(NOW),
        folders: vec![FolderWrite {
            path: library_path(folder),
            content_hash: Some(format!("hash of {folder}")),
        }],
        files,
        missing: Vec::new(),
        checkpoint: Some(library_path(folder)),
        counts: ScanCounts::default(),
    }
}

async fn start(db: &Database) -> ScanRunId {
    db.begin_scan(&library_path("/music"), ScanMode::Full, at(NOW))
        .await
        .unwrap()
        .id
}

fn track_ids(outcome: &scan::ScanBatchOutcome) -> Vec<TrackId> {
    outcome
        .files
        .iter()
        .map(|(_, track)| track.expect("every audio file has a track"))
        .collect()
}

async fn details(db: &Database, id: TrackId) -> TrackDetails {
    db.track_details(id).await.unwrap()
}

fn artist_names(details: &TrackDetails) -> Vec<&str> {
    details
        .artists
        .iter()
        .map(|artist| artist.name.as_str())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Reading whole tables, for before/after comparisons.

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = diesel::sql_types::Text)]
    line: String,
}

/// The rows `sql` (which selects one text column named `line`) returns, on a connection of its
/// own (the statement counter of `db` does not see it).
async fn lines(db: &Database, sql: &str) -> Vec<String> {
    let sql = sql.to_owned();
    let rows: Vec<Line> = match db.url().clone() {
        DatabaseUrl::Sqlite(path) => tokio::task::spawn_blocking(move || {
            use diesel::Connection as _;
            let mut connection =
                diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
            diesel::RunQueryDsl::load::<Line>(diesel::sql_query(sql), &mut connection).unwrap()
        })
        .await
        .unwrap(),
        DatabaseUrl::Postgres(url) => {
            use diesel_async::AsyncConnection as _;
            let mut connection = diesel_async::AsyncPgConnection::establish(&url)
                .await
                .unwrap();
            diesel_async::RunQueryDsl::load::<Line>(diesel::sql_query(sql), &mut connection)
                .await
                .unwrap()
        }
    };
    rows.into_iter().map(|row| row.line).collect()
}

const TABLES: &[(&str, &str, &[&str])] = &[
    (
        "artists",
        "id",
        &[
            "id",
            "name",
            "sort_name",
            "normalized_name",
            "spotify_id",
            "mbid",
            "created_at",
            "updated_at",
        ],
    ),
    (
        "albums",
        "id",
        &[
            "id",
            "title",
            "normalized_title",
            "album_artist_id",
            "year",
            "release_type",
            "spotify_id",
            "mbid",
            "release_group_mbid",
            "cover_path",
            "created_at",
            "updated_at",
        ],
    ),
    (
        "tracks",
        "id",
        &[
            "id",
            "title",
            "normalized_title",
            "album_id",
            "disc_number",
            "track_number",
            "duration_ms",
            "isrc",
            "spotify_id",
            "mbid",
            "explicit",
            "created_at",
            "updated_at",
        ],
    ),
    (
        "track_artists",
        "track_id, position",
        &["track_id", "position", "artist_id"],
    ),
    (
        "library_folders",
        "id",
        &["id", "path", "content_hash", "scanned_at"],
    ),
    (
        "library_files",
        "id",
        &[
            "id",
            "path",
            "folder_id",
            "size_bytes",
            "modified_at",
            "format",
            "codec",
            "bitrate_kbps",
            "sample_rate_hz",
            "bit_depth",
            "channels",
            "duration_ms",
            "track_id",
            "tags_json",
            "broken_reason",
            "missing_since",
            "has_embedded_art",
            "created_at",
            "updated_at",
        ],
    ),
    (
        "library_scans",
        "id",
        &[
            "id",
            "root",
            "mode",
            "checkpoint",
            "counts_json",
            "started_at",
            "finished_at",
        ],
    ),
];

/// Every row of every table a batch writes, as text.
async fn snapshot(db: &Database) -> Vec<String> {
    let mut all = Vec::new();
    for (table, order, columns) in TABLES {
        let row = columns
            .iter()
            .map(|column| format!("COALESCE(CAST({column} AS TEXT), '-')"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let sql = format!("SELECT '{table}|' || {row} AS line FROM {table} ORDER BY {order}");
        all.extend(lines(db, &sql).await);
    }
    all
}

async fn count(db: &Database, table: &str) -> usize {
    lines(
        db,
        &format!("SELECT CAST(COUNT(*) AS TEXT) AS line FROM {table}"),
    )
    .await
    .first()
    .unwrap()
    .parse()
    .unwrap()
}

// ---------------------------------------------------------------------------------------------
// The contract.

fn album_files(run: ScanRunId) -> ScanBatch {
    let album = |tags: TagSnapshot, number: u32| {
        with(tags, |tags| {
            tags.album_artists = vec!["Main Act".into()];
            tags.track_number = Some(number);
            tags.track_total = Some(3);
            tags.disc_number = Some(1);
            tags.date = Some("2024-03-01".into());
            tags.genres = vec!["Rock".into(), "Pop".into()];
            tags.isrc_text = Some(format!("GB-AYE-24-0000{number}"));
        })
    };
    batch(
        run,
        "/music/Main Act/The Album",
        vec![
            file(
                "/music/Main Act/The Album/01 Uno.flac",
                audio(
                    album(tags("Uno", &["Main Act feat. Guest"], "The Album"), 1),
                    200_000,
                ),
            ),
            file(
                "/music/Main Act/The Album/02 Dos.flac",
                audio(album(tags("Dos", &["Main Act"], "The Album"), 2), 201_000),
            ),
            file(
                "/music/Main Act/The Album/03 Tres.flac",
                audio(
                    album(tags("Tres", &["Main Act", "Other One"], "The Album"), 3),
                    202_000,
                ),
            ),
        ],
    )
}

pub async fn album_batch_and_reapply(db: Database) {
    let run = start(&db).await;
    let outcome = db.apply_scan_batch(album_files(run)).await.unwrap();
    assert_eq!(outcome.files.len(), 3);
    assert_eq!(outcome.matched_wanted, 0);
    assert_eq!(outcome.newly_missing, 0);
    let tracks = track_ids(&outcome);
    assert_eq!(
        tracks
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len(),
        3
    );

    let uno = details(&db, tracks[0]).await;
    assert_eq!(uno.track.title, "Uno");
    assert_eq!(artist_names(&uno), ["Main Act", "Guest"]);
    assert_eq!(uno.track.track_number, Some(1));
    assert_eq!(uno.track.disc_number, Some(1));
    assert_eq!(uno.track.duration, Some(millis(200_000)));
    assert_eq!(uno.track.isrc.as_ref().unwrap().as_str(), "GBAYE2400001");
    assert_eq!(uno.track.spotify_id, None);
    assert!(uno.has_library_file);
    let album = uno.album.clone().unwrap();
    assert_eq!(album.title, "The Album");
    assert_eq!(album.year, Some(2024));
    assert_eq!(album.album_artist_id, Some(uno.artists[0].id));
    let tres = details(&db, tracks[2]).await;
    assert_eq!(artist_names(&tres), ["Main Act", "Other One"]);
    assert_eq!(tres.artists[0].id, uno.artists[0].id);
    assert_eq!(tres.track.album_id, Some(album.id));
    assert_eq!(details(&db, tracks[1]).await.track.album_id, Some(album.id));
    assert_eq!(count(&db, "artists").await, 3);
    assert_eq!(count(&db, "albums").await, 1);
    assert_eq!(count(&db, "tracks").await, 3);

    // The file rows carry every audio column and the tags as written.
    let (file_id, _) = outcome.files[0];
    let stored = db.file(file_id).await.unwrap();
    assert_eq!(stored.path, "/music/Main Act/The Album/01 Uno.flac");
    assert!(stored.folder_id.is_some());
    assert_eq!(stored.modified_at, Some(at("2026-11-01 08:00:00")));
    assert_eq!(stored.audio.format.as_deref(), Some("flac"));
    assert_eq!(stored.audio.codec.as_deref(), Some("flac"));
    assert_eq!(stored.audio.bitrate_kbps, Some(1_011));
    assert_eq!(stored.audio.sample_rate_hz, Some(44_100));
    assert_eq!(stored.audio.bit_depth, Some(24));
    assert_eq!(stored.audio.channels, Some(2));
    assert_eq!(stored.audio.duration, Some(millis(200_000)));
    assert_eq!(stored.track_id, Some(tracks[0]));
    assert_eq!(stored.broken_reason, None);
    let written: TagSnapshot = serde_json::from_str(stored.tags_json.as_deref().unwrap()).unwrap();
    assert_eq!(written.artists, ["Main Act feat. Guest"]);
    assert_eq!(written.genres, ["Rock", "Pop"]);
    assert_eq!(written.isrc_text.as_deref(), Some("GB-AYE-24-00001"));
    let art = lines(
        &db,
        &format!(
            "SELECT CAST(has_embedded_art AS TEXT) AS line FROM library_files WHERE id = {}",
            file_id.0
        ),
    )
    .await;
    assert!(matches!(art[0].as_str(), "1" | "true"), "{art:?}");

    // The full-text index follows: by title, by a credited artist, by both.
    let found = |hits: Vec<soulspot_domain::TrackSearchHit>| {
        hits.into_iter().map(|hit| hit.track_id).collect::<Vec<_>>()
    };
    assert_eq!(
        found(db.search_tracks("Uno", 10).await.unwrap()),
        [tracks[0]]
    );
    assert_eq!(
        found(db.search_tracks("Guest", 10).await.unwrap()),
        [tracks[0]]
    );
    assert_eq!(
        found(db.search_tracks("tres other", 10).await.unwrap()),
        [tracks[2]]
    );

    // Re-applying the same batch changes nothing at all.
    let before = snapshot(&db).await;
    let again = db.apply_scan_batch(album_files(run)).await.unwrap();
    assert_eq!(again, outcome);
    assert_eq!(snapshot(&db).await, before);
}

pub async fn artists_dedupe_by_mbid_then_name(db: Database) {
    // A Spotify artist already in the catalogue: scanned credits with its name join it.
    let catalogue = db
        .upsert_catalog(CatalogBatch {
            artists: vec![NewArtist {
                name: "Beyoncé".into(),
                sort_name: None,
                spotify_id: Some(spotify_id(1, 1)),
                mbid: None,
            }],
            albums: Vec::new(),
            tracks: Vec::new(),
        })
        .await
        .unwrap();
    let run = start(&db).await;
    let with_artist_ids = |tags: TagSnapshot, ids: &[&str]| {
        with(tags, |tags| {
            tags.musicbrainz.artist_ids = ids.iter().map(|id| (*id).to_owned()).collect();
        })
    };
    let first = db
        .apply_scan_batch(batch(
            run,
            "/music/a",
            vec![
                file("/music/a/1.flac", song("One", "beyonce")),
                file("/music/a/2.flac", song("Two", "BEYONCÉ")),
                file(
                    "/music/a/3.flac",
                    audio(
                        with_artist_ids(tags("Three", &["John Smith"], ""), &[MBID_1]),
                        1,
                    ),
                ),
                file(
                    "/music/a/4.flac",
                    audio(
                        with_artist_ids(tags("Four", &["John Smith"], ""), &[MBID_2]),
                        1,
                    ),
                ),
                file("/music/a/5.flac", audio(tags("Five", &["Jane Doe"], ""), 1)),
                file(
                    "/music/a/6.flac",
                    audio(
                        with_artist_ids(tags("Six", &["john smith"], ""), &[MBID_1]),
                        1,
                    ),
                ),
            ],
        ))
        .await
        .unwrap();
    let tracks = track_ids(&first);
    let beyonce = catalogue.artists[0];
    assert_eq!(details(&db, tracks[0]).await.artists[0].id, beyonce);
    assert_eq!(details(&db, tracks[1]).await.artists[0].id, beyonce);
    let smith_1 = details(&db, tracks[2]).await.artists[0].clone();
    let smith_2 = details(&db, tracks[3]).await.artists[0].clone();
    assert_ne!(
        smith_1.id, smith_2.id,
        "one name, two MusicBrainz ids: two artists"
    );
    assert_eq!(smith_1.mbid.as_ref().unwrap().as_str(), MBID_1);
    assert_eq!(smith_2.mbid.as_ref().unwrap().as_str(), MBID_2);
    assert_eq!(details(&db, tracks[5]).await.artists[0].id, smith_1.id);
    let jane = details(&db, tracks[4]).await.artists[0].clone();
    assert_eq!(jane.mbid, None);
    // Beyoncé, John Smith ×2, Jane Doe.
    assert_eq!(count(&db, "artists").await, 4);

    // Later: Jane Doe with an id takes it; John Smith without one is the lowest-id John Smith.
    let second = db
        .apply_scan_batch(batch(
            run,
            "/music/b",
            vec![
                file(
                    "/music/b/1.flac",
                    audio(
                        with_artist_ids(tags("Seven", &["Jane Doe"], ""), &[MBID_3]),
                        1,
                    ),
                ),
                file(
                    "/music/b/2.flac",
                    audio(tags("Eight", &["JOHN SMITH"], ""), 1),
                ),
            ],
        ))
        .await
        .unwrap();
    let tracks = track_ids(&second);
    let jane_again = details(&db, tracks[0]).await.artists[0].clone();
    assert_eq!(jane_again.id, jane.id);
    assert_eq!(jane_again.mbid.as_ref().unwrap().as_str(), MBID_3);
    assert_eq!(jane_again.name, "Jane Doe");
    // (Which of the two was created first follows the identity rules' order, not the batch's.)
    let lowest_smith = smith_1.id.min(smith_2.id);
    assert_eq!(details(&db, tracks[1]).await.artists[0].id, lowest_smith);
    assert_eq!(count(&db, "artists").await, 4);
    // Names stay as first written.
    assert_eq!(db.artist(beyonce).await.unwrap().name, "Beyoncé");
    assert_eq!(db.artist(smith_1.id).await.unwrap().name, "John Smith");
}

pub async fn albums_dedupe_by_mbid_then_title_artist_year(db: Database) {
    let run = start(&db).await;
    let hits = |title: &str, album: &str, date: Option<&str>| {
        with(tags(title, &["Queen"], album), |tags| {
            tags.date = date.map(str::to_owned);
        })
    };
    let with_release = |tags: TagSnapshot, release: &str| {
        with(tags, |tags| {
            tags.musicbrainz.release_id = Some(release.into())
        })
    };
    let outcome = db
        .apply_scan_batch(batch(
            run,
            "/music/q",
            vec![
                file(
                    "/music/q/1.flac",
                    audio(hits("A", "Greatest Hits", Some("1992")), 1),
                ),
                file(
                    "/music/q/2.flac",
                    audio(hits("B", "Greatest Hits", Some("1992-10-26")), 1),
                ),
                file(
                    "/music/q/3.flac",
                    audio(hits("C", "Greatest Hits", Some("2015")), 1),
                ),
                file(
                    "/music/q/4.flac",
                    audio(hits("D", "greatest hits!", Some("1992")), 1),
                ),
                file(
                    "/music/q/5.flac",
                    audio(hits("E", "Greatest Hits", None), 1),
                ),
                file(
                    "/music/q/6.flac",
                    audio(with_release(hits("F", "Live", Some("1986")), MBID_4), 1),
                ),
                file(
                    "/music/q/7.flac",
                    audio(
                        with_release(hits("G", "Live at Wembley", Some("1992")), MBID_4),
                        1,
                    ),
                ),
                file(
                    "/music/q/8.flac",
                    audio(
                        with(tags("H", &["Someone"], "Hits 2000"), |tags| {
                            tags.compilation = Some(true);
                            tags.musicbrainz.release_group_id = Some(MBID_5.into());
                        }),
                        1,
                    ),
                ),
            ],
        ))
        .await
        .unwrap();
    let tracks = track_ids(&outcome);
    let mut albums = Vec::new();
    for track in &tracks {
        albums.push(details(&db, *track).await.album.unwrap());
    }
    assert_eq!(albums[0].id, albums[1].id, "same title, artist and year");
    assert_eq!(albums[0].id, albums[3].id, "titles compare normalised");
    assert_eq!(albums[0].title, "Greatest Hits", "stored as first written");
    assert_ne!(albums[0].id, albums[2].id, "1992 and 2015 are two albums");
    assert_ne!(albums[0].id, albums[4].id, "no year is not 1992");
    assert_ne!(albums[2].id, albums[4].id);
    assert_eq!(
        albums[5].id, albums[6].id,
        "the MusicBrainz id wins over the title"
    );
    assert_eq!(albums[5].title, "Live");
    assert_eq!(albums[5].mbid.as_ref().unwrap().as_str(), MBID_4);
    let compilation = &albums[7];
    assert_eq!(compilation.release_type.as_deref(), Some("compilation"));
    assert_eq!(
        compilation.release_group_mbid.as_ref().unwrap().as_str(),
        MBID_5
    );
    let various = db
        .artist(compilation.album_artist_id.unwrap())
        .await
        .unwrap();
    assert_eq!(various.name, scan::VARIOUS_ARTISTS);
    assert_eq!(count(&db, "albums").await, 5);

    // A later file names the 2015 album with a release id: the album takes it.
    let later = db
        .apply_scan_batch(batch(
            run,
            "/music/r",
            vec![file(
                "/music/r/1.flac",
                audio(
                    with_release(hits("I", "Greatest Hits", Some("2015")), MBID_1),
                    1,
                ),
            )],
        ))
        .await
        .unwrap();
    let album = details(&db, track_ids(&later)[0]).await.album.unwrap();
    assert_eq!(album.id, albums[2].id);
    assert_eq!(album.mbid.as_ref().unwrap().as_str(), MBID_1);
    assert_eq!(count(&db, "albums").await, 5);
}

fn spotify_track(
    title: &str,
    number: u64,
    album: Option<usize>,
    seconds: i64,
    isrc: Option<&str>,
    mbid: Option<&str>,
) -> NewTrack {
    NewTrack {
        title: title.into(),
        album,
        artists: vec![0],
        disc_number: None,
        track_number: None,
        duration: Some(millis(seconds * 1_000)),
        isrc: isrc.map(|isrc| Isrc::parse(isrc).unwrap()),
        spotify_id: Some(spotify_id(3, number)),
        mbid: mbid.map(|mbid| Mbid::parse(mbid).unwrap()),
        explicit: false,
    }
}

fn spotify_album(title: &str, number: u64) -> NewAlbum {
    NewAlbum {
        title: title.into(),
        album_artist: Some(0),
        year: None,
        release_type: Some("album".into()),
        spotify_id: Some(spotify_id(2, number)),
        mbid: None,
        release_group_mbid: None,
    }
}

pub async fn wanted_tracks_are_filled_by_isrc_mbid_then_name(db: Database) {
    let catalogue = db
        .upsert_catalog(CatalogBatch {
            artists: vec![NewArtist {
                name: "Band".into(),
                sort_name: None,
                spotify_id: Some(spotify_id(1, 1)),
                mbid: None,
            }],
            albums: vec![spotify_album("First", 1), spotify_album("Second", 2)],
            tracks: vec![
                spotify_track("By Isrc", 0, Some(0), 100, Some("QZABC2400000"), None),
                spotify_track("By Mbid", 1, Some(0), 100, None, Some(MBID_1)),
                spotify_track("By Name", 2, Some(0), 200, None, None),
                spotify_track("Far Off", 3, None, 200, None, None),
                spotify_track("Intro", 4, Some(0), 60, None, None),
                spotify_track("Intro", 5, Some(1), 60, None, None),
                spotify_track("Has File", 6, None, 100, Some("QZABC2400006"), None),
                spotify_track("Shared", 7, None, 100, Some("QZABC2400007"), None),
                spotify_track("Edge", 8, None, 200, None, None),
            ],
        })
        .await
        .unwrap();
    let wanted = |index: usize| catalogue.tracks[index];
    db.upsert_files(vec![NewLibraryFile {
        path: "/elsewhere/has-file.flac".into(),
        folder_id: None,
        size_bytes: 10,
        modified_at: None,
        audio: soulspot_domain::AudioProperties::default(),
        track_id: Some(wanted(6)),
        tags_json: None,
        broken_reason: None,
    }])
    .await
    .unwrap();

    let run = start(&db).await;
    let isrc =
        |tags: TagSnapshot, isrc: &str| with(tags, |tags| tags.isrc_text = Some(isrc.into()));
    let outcome = db
        .apply_scan_batch(batch(
            run,
            "/music/w",
            vec![
                // 0: the ISRC decides, whatever the names say.
                file(
                    "/music/w/0.flac",
                    audio(
                        isrc(tags("Something Else", &["Nobody"], ""), "QZ-ABC-24-00000"),
                        1,
                    ),
                ),
                // 1: the recording MBID.
                file(
                    "/music/w/1.flac",
                    audio(
                        with(tags("x", &["Nobody"], ""), |tags| {
                            tags.musicbrainz = MusicBrainzTags {
                                recording_id: Some(MBID_1.to_uppercase()),
                                ..MusicBrainzTags::default()
                            };
                        }),
                        1,
                    ),
                ),
                // 2: artist and title, 2 s off.
                file(
                    "/music/w/2.flac",
                    audio(tags("by name", &["BAND"], ""), 202_000),
                ),
                // 3: 3.001 s off is too far.
                file(
                    "/music/w/3.flac",
                    audio(tags("Far Off", &["Band"], ""), 203_001),
                ),
                // 4: two "Intro"s: the one on the same album.
                file(
                    "/music/w/4.flac",
                    audio(tags("Intro", &["Band"], "Second"), 60_000),
                ),
                // 5: a track with a present file is not wanted.
                file(
                    "/music/w/5.flac",
                    audio(
                        isrc(tags("Has File", &["Band"], ""), "QZABC2400006"),
                        100_000,
                    ),
                ),
                // 6 and 7: one wanted track, two files: the first fills it.
                file(
                    "/music/w/6.flac",
                    audio(isrc(tags("Shared", &["Band"], ""), "QZABC2400007"), 100_000),
                ),
                file(
                    "/music/w/7.flac",
                    audio(isrc(tags("Shared", &["Band"], ""), "QZABC2400007"), 100_000),
                ),
                // 8: exactly 3 s off still matches.
                file(
                    "/music/w/8.flac",
                    audio(tags("Edge", &["Band"], ""), 203_000),
                ),
            ],
        ))
        .await
        .unwrap();
    let tracks = track_ids(&outcome);
    assert_eq!(tracks[0], wanted(0));
    assert_eq!(tracks[1], wanted(1));
    assert_eq!(tracks[2], wanted(2));
    assert!(
        !catalogue.tracks.contains(&tracks[3]),
        "beyond 3 s: a new track"
    );
    assert_eq!(tracks[4], wanted(5));
    assert!(!catalogue.tracks.contains(&tracks[5]));
    assert_eq!(tracks[6], wanted(7));
    assert!(!catalogue.tracks.contains(&tracks[7]));
    assert_eq!(tracks[8], wanted(8));
    assert_eq!(outcome.matched_wanted, 6);
    // A Spotify track a file fills keeps its own data.
    let filled = details(&db, wanted(0)).await;
    assert_eq!(filled.track.title, "By Isrc");
    assert_eq!(artist_names(&filled), ["Band"]);
    assert!(filled.has_library_file);
    assert!(!details(&db, wanted(4)).await.has_library_file);

    // Re-applied, every file keeps its track and nothing else changes.
    let before = snapshot(&db).await;
    let again = db
        .apply_scan_batch(batch(
            run,
            "/music/w",
            vec![file(
                "/music/w/7.flac",
                audio(isrc(tags("Shared", &["Band"], ""), "QZABC2400007"), 100_000),
            )],
        ))
        .await
        .unwrap();
    assert_eq!(again.files[0], outcome.files[7]);
    assert_eq!(again.matched_wanted, 0);
    assert_eq!(snapshot(&db).await, before);
}

pub async fn moved_files_keep_id_track_and_playlist(db: Database) {
    let run = start(&db).await;
    let first = db
        .apply_scan_batch(batch(
            run,
            "/music/old",
            vec![
                file("/music/old/a.flac", song("Song A", "Artist")),
                file("/music/old/b.flac", song("Song B", "Artist")),
                file("/music/old/c.flac", song("Song C", "Artist")),
            ],
        ))
        .await
        .unwrap();
    let [
        (file_a, Some(track_a)),
        (file_b, Some(track_b)),
        (file_c, Some(track_c)),
    ] = first.files[..]
    else {
        panic!("{first:?}");
    };
    let playlist = db
        .upsert_playlist(NewPlaylist {
            name: "Mix".into(),
            description: None,
            spotify_id: Some(spotify_id(4, 1)),
            snapshot_id: None,
            owner: None,
            is_liked_songs: false,
            sync_enabled: true,
        })
        .await
        .unwrap();
    db.replace_entries(playlist.id, vec![(track_a, None)])
        .await
        .unwrap();
    let tracks_before = count(&db, "tracks").await;

    // a moves to another folder; b and c swap names.
    let moved = |path: &str, existing: LibraryFileId, title: &str| FileWrite {
        existing: Some(existing),
        folder: 1,
        ..file(path, song(title, "Artist"))
    };
    let mut second = batch(
        run,
        "/music/old",
        vec![
            moved("/music/new/a.flac", file_a, "Song A"),
            FileWrite {
                folder: 0,
                ..moved("/music/old/c.flac", file_b, "Song B")
            },
            FileWrite {
                folder: 0,
                ..moved("/music/old/b.flac", file_c, "Song C")
            },
        ],
    );
    second.folders.push(FolderWrite {
        path: library_path("/music/new"),
        content_hash: Some("new".into()),
    });
    let outcome = db.apply_scan_batch(second).await.unwrap();
    assert_eq!(
        outcome.files,
        [
            (file_a, Some(track_a)),
            (file_b, Some(track_b)),
            (file_c, Some(track_c))
        ]
    );
    let a = db.file(file_a).await.unwrap();
    assert_eq!(a.path, "/music/new/a.flac");
    let new_folder = db
        .known_folders(vec![library_path("/music/new")])
        .await
        .unwrap();
    assert_eq!(a.folder_id, Some(new_folder[0].id));
    assert_eq!(db.file(file_b).await.unwrap().path, "/music/old/c.flac");
    assert_eq!(db.file(file_c).await.unwrap().path, "/music/old/b.flac");
    assert!(
        db.file_by_path("/music/old/a.flac")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(count(&db, "tracks").await, tracks_before);
    assert_eq!(count(&db, "library_files").await, 3);
    let entries = db.all_entries(playlist.id).await.unwrap();
    assert_eq!(entries[0].track.track.id, track_a);
    assert!(entries[0].track.has_library_file);

    // a moves on, and a new file takes its old place, in one batch.
    let renamed = db
        .apply_scan_batch(batch(
            run,
            "/music/new",
            vec![
                FileWrite {
                    existing: Some(file_a),
                    ..file("/music/new/a-renamed.flac", song("Song A", "Artist"))
                },
                file("/music/new/a.flac", song("Song D", "Artist")),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(renamed.files[0], (file_a, Some(track_a)));
    let newcomer = renamed.files[1];
    assert_ne!(newcomer.0, file_a);
    assert_ne!(newcomer.1, Some(track_a));
    assert_eq!(
        db.file(file_a).await.unwrap().path,
        "/music/new/a-renamed.flac"
    );
    assert_eq!(db.file(newcomer.0).await.unwrap().path, "/music/new/a.flac");

    let stale = db
        .apply_scan_batch(batch(
            run,
            "/music/z",
            vec![file("/music/z/stale.flac", song("Stale", "Other"))],
        ))
        .await
        .unwrap();
    let outcome = db
        .apply_scan_batch(batch(
            run,
            "/music/z",
            vec![FileWrite {
                existing: Some(file_a),
                ..file("/music/z/stale.flac", song("Song A", "Artist"))
            }],
        ))
        .await
        .unwrap();
    assert_eq!(outcome.files, [(file_a, Some(track_a))]);
    assert!(matches!(
        db.file(stale.files[0].0).await,
        Err(RepositoryError::NotFound { .. })
    ));
}

pub async fn missing_files_are_marked_once(db: Database) {
    let run = start(&db).await;
    let first = db
        .apply_scan_batch(batch(
            run,
            "/music/m",
            vec![
                file("/music/m/a.flac", song("Gone", "Artist")),
                file("/music/m/b.flac", song("Stays", "Artist")),
            ],
        ))
        .await
        .unwrap();
    let (gone, Some(track)) = first.files[0] else {
        panic!("{first:?}");
    };
    let mut marking = batch(run, "/music/m", Vec::new());
    marking.missing = vec![gone];
    let marked = db.apply_scan_batch(marking).await.unwrap();
    assert_eq!(marked.newly_missing, 1);
    let stored = db.file(gone).await.unwrap();
    assert_eq!(stored.missing_since, Some(at(NOW)));
    assert_eq!(stored.track_id, Some(track), "the track link stays");
    assert!(!details(&db, track).await.has_library_file);
    assert!(
        db.file(first.files[1].0)
            .await
            .unwrap()
            .missing_since
            .is_none()
    );

    let mut again = batch(run, "/music/m", Vec::new());
    again.now = at("2026-12-01 00:00:00");
    again.missing = vec![gone];
    assert_eq!(db.apply_scan_batch(again).await.unwrap().newly_missing, 0);
    assert_eq!(
        db.file(gone).await.unwrap().missing_since,
        Some(at(NOW)),
        "first seen missing, kept"
    );

    // The file comes back: present again, same row and track.
    let back = db
        .apply_scan_batch(batch(
            run,
            "/music/m",
            vec![file("/music/m/a.flac", song("Gone", "Artist"))],
        ))
        .await
        .unwrap();
    assert_eq!(back.files, [(gone, Some(track))]);
    assert_eq!(db.file(gone).await.unwrap().missing_since, None);

    // In one batch, a file goes missing and another with its tags appears (moved and retagged,
    // say): the missing mark comes first, so the newcomer fills the track it left wanted.
    let (left, Some(left_track)) = first.files[1] else {
        panic!("{first:?}");
    };
    let mut replaced = batch(
        run,
        "/music/m",
        vec![file(
            "/music/m/elsewhere.flac",
            audio(tags("Stays", &["Artist"], "Album"), 181_000),
        )],
    );
    replaced.missing = vec![left];
    let outcome = db.apply_scan_batch(replaced).await.unwrap();
    assert_eq!(outcome.newly_missing, 1);
    assert_eq!(outcome.matched_wanted, 1);
    assert_eq!(outcome.files[0].1, Some(left_track));
    // has_file (written up front for the tracks a batch creates) says what the files say.
    let (stored, derived) = has_file_states(&db).await;
    assert_eq!(stored, derived);
}

pub async fn broken_files_keep_their_track(db: Database) {
    let run = start(&db).await;
    let first = db
        .apply_scan_batch(batch(
            run,
            "/music/x",
            vec![file("/music/x/a.flac", song("Fine", "Artist"))],
        ))
        .await
        .unwrap();
    let (file_id, Some(track)) = first.files[0] else {
        panic!("{first:?}");
    };
    let broken = || {
        FileContent::Broken(BrokenFile {
            code: "corrupt".into(),
            message: "the FLAC data is truncated or corrupt: bad header".into(),
        })
    };
    let outcome = db
        .apply_scan_batch(batch(
            run,
            "/music/x",
            vec![
                file("/music/x/a.flac", broken()),
                file("/music/x/new.flac", broken()),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(outcome.files[0], (file_id, Some(track)));
    assert_eq!(outcome.files[1].1, None);
    let stored = db.file(file_id).await.unwrap();
    assert_eq!(stored.track_id, Some(track));
    assert_eq!(
        stored.broken_reason.as_deref(),
        Some("corrupt: the FLAC data is truncated or corrupt: bad header")
    );
    assert_eq!(stored.audio.format, None);
    assert_eq!(stored.audio.duration, None);
    assert_eq!(stored.tags_json, None);
    assert!(!details(&db, track).await.has_library_file);
    assert_eq!(count(&db, "tracks").await, 1);
    let (stored, derived) = has_file_states(&db).await;
    assert_eq!(stored, derived);
}

pub async fn scan_created_tracks_follow_tags_spotify_tracks_do_not(db: Database) {
    let band = || NewArtist {
        name: "Band".into(),
        sort_name: None,
        spotify_id: Some(spotify_id(1, 1)),
        mbid: None,
    };
    let catalogue = db
        .upsert_catalog(CatalogBatch {
            artists: vec![band()],
            albums: Vec::new(),
            tracks: vec![spotify_track(
                "Spot Song",
                1,
                None,
                100,
                Some("QZABC2400001"),
                None,
            )],
        })
        .await
        .unwrap();
    let spotify = catalogue.tracks[0];
    let run = start(&db).await;
    let first = db
        .apply_scan_batch(batch(
            run,
            "/music/t",
            vec![
                file(
                    "/music/t/a.flac",
                    audio(tags("Title One", &["Alpha"], "LP"), 100_000),
                ),
                file(
                    "/music/t/s.flac",
                    audio(
                        with(tags("Spot Song", &["Band"], ""), |tags| {
                            tags.isrc_text = Some("QZABC2400001".into())
                        }),
                        100_000,
                    ),
                ),
            ],
        ))
        .await
        .unwrap();
    let tracks = track_ids(&first);
    assert_eq!(tracks[1], spotify);
    let created = tracks[0];

    let second = db
        .apply_scan_batch(batch(
            run,
            "/music/t",
            vec![
                file(
                    "/music/t/a.flac",
                    audio(
                        with(tags("Title Two", &["Beta", "Alpha"], "LP2"), |tags| {
                            tags.track_number = Some(3);
                        }),
                        120_000,
                    ),
                ),
                file(
                    "/music/t/s.flac",
                    audio(tags("Renamed", &["Someone Else"], "Other"), 90_000),
                ),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(track_ids(&second), [created, spotify]);
    let updated = details(&db, created).await;
    assert_eq!(updated.track.title, "Title Two");
    assert_eq!(updated.track.track_number, Some(3));
    assert_eq!(updated.track.duration, Some(millis(120_000)));
    assert_eq!(artist_names(&updated), ["Beta", "Alpha"]);
    assert_eq!(updated.album.unwrap().title, "LP2");
    let hits = db.search_tracks("Two", 10).await.unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].track_id, created);
    assert!(db.search_tracks("Title One", 10).await.unwrap().is_empty());
    assert!(!db.search_tracks("beta", 10).await.unwrap().is_empty());
    // The batch refreshed each track's search row once, with every field.
    let hits = db
        .search_tracks("title two beta alpha lp2", 10)
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].track_id, created);
    assert_eq!(
        db.search_tracks("spot song band", 10).await.unwrap()[0].track_id,
        spotify
    );

    // The search triggers stand aside only inside a batch's transaction: any other writer's
    // tracks are indexed as before.
    if db.backend() == Backend::Sqlite {
        assert_eq!(
            lines(
                &db,
                "SELECT CAST(deferred AS TEXT) AS line FROM track_search_sync"
            )
            .await,
            ["0"]
        );
    }
    let later = db
        .upsert_catalog(CatalogBatch {
            artists: vec![band()],
            albums: Vec::new(),
            tracks: vec![spotify_track("Later Tune", 2, None, 100, None, None)],
        })
        .await
        .unwrap();
    assert_eq!(
        db.search_tracks("later tune band", 10).await.unwrap()[0].track_id,
        later.tracks[0]
    );

    let kept = details(&db, spotify).await;
    assert_eq!(kept.track.title, "Spot Song");
    assert_eq!(kept.track.duration, Some(millis(100_000)));
    assert_eq!(artist_names(&kept), ["Band"]);
    assert_eq!(kept.album, None);
}

pub async fn scan_runs_resume_until_finished(db: Database) {
    let root = library_path("/music");
    let begun = db
        .begin_scan(&root, ScanMode::Quick, at(NOW))
        .await
        .unwrap();
    assert_eq!(begun.root, root);
    assert_eq!(begun.mode, ScanMode::Quick);
    assert_eq!(begun.checkpoint, None);
    assert_eq!(begun.counts, ScanCounts::default());
    assert_eq!(begun.started_at, at(NOW));
    assert_eq!(begun.finished_at, None);

    let counts = ScanCounts {
        folders: 3,
        files: 10,
        added: 7,
        broken: 1,
        ..ScanCounts::default()
    };
    let mut progress = batch(begun.id, "/music/b", Vec::new());
    progress.counts = counts;
    db.apply_scan_batch(progress).await.unwrap();

    // A crash later, the same root and mode resume the run; another mode is another run.
    let resumed = db
        .begin_scan(&root, ScanMode::Quick, at("2026-12-01 00:00:00"))
        .await
        .unwrap();
    assert_eq!(resumed.id, begun.id);
    assert_eq!(resumed.started_at, at(NOW));
    assert_eq!(resumed.checkpoint, Some(library_path("/music/b")));
    assert_eq!(resumed.counts, counts);
    let full = db.begin_scan(&root, ScanMode::Full, at(NOW)).await.unwrap();
    assert_ne!(full.id, begun.id);

    let finished = db
        .finish_scan(begun.id, at("2026-12-01 01:00:00"))
        .await
        .unwrap();
    assert_eq!(finished.finished_at, Some(at("2026-12-01 01:00:00")));
    let twice = db
        .finish_scan(begun.id, at("2026-12-02 00:00:00"))
        .await
        .unwrap();
    assert_eq!(twice.finished_at, Some(at("2026-12-01 01:00:00")));
    let next = db
        .begin_scan(&root, ScanMode::Quick, at("2026-12-03 00:00:00"))
        .await
        .unwrap();
    assert_ne!(next.id, begun.id);
    assert_eq!(next.counts, ScanCounts::default());
    assert_eq!(next.checkpoint, None);

    assert!(matches!(
        db.finish_scan(ScanRunId(9_999), at(NOW)).await,
        Err(RepositoryError::NotFound { .. })
    ));
    assert!(matches!(
        db.apply_scan_batch(batch(ScanRunId(9_999), "/music/x", Vec::new()))
            .await,
        Err(RepositoryError::NotFound { .. })
    ));
}

pub async fn folder_and_file_reads(db: Database) {
    let run = start(&db).await;
    let folders = [
        "/music/a",
        "/music/a/x",
        "/music/a/x/y",
        "/music/a/z",
        "/music/a b",
        "/music/a-b",
        "/music/a0",
        "/music/ab",
        "/music/b",
    ];
    let mut write = batch(run, "/music", Vec::new());
    write.folders = folders
        .iter()
        .map(|path| FolderWrite {
            path: library_path(path),
            content_hash: Some(format!("h{path}")),
        })
        .collect();
    write.files = vec![
        FileWrite {
            folder: 1,
            ..file("/music/a/x/1.flac", song("One", "A"))
        },
        FileWrite {
            folder: 1,
            ..file("/music/a/x/2.flac", song("Two", "A"))
        },
        FileWrite {
            folder: 3,
            size_bytes: 3_333,
            modified_at: at("2026-11-02 09:30:00"),
            ..file("/music/a/z/3.flac", song("Three", "A"))
        },
    ];
    let outcome = db.apply_scan_batch(write).await.unwrap();

    let under = |after: Option<&str>, limit: u32| {
        let db = db.clone();
        let after = after.map(library_path);
        async move {
            db.folders_under(&library_path("/music/a"), after.as_ref(), limit)
                .await
                .unwrap()
                .into_iter()
                .map(|folder| folder.path.display())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        under(None, 100).await,
        ["/music/a", "/music/a/x", "/music/a/x/y", "/music/a/z"]
    );
    assert_eq!(under(None, 2).await, ["/music/a", "/music/a/x"]);
    assert_eq!(
        under(Some("/music/a/x"), 2).await,
        ["/music/a/x/y", "/music/a/z"]
    );
    assert!(under(Some("/music/a/z"), 2).await.is_empty());

    let known = db
        .known_folders(vec![
            library_path("/music/a/x"),
            library_path("/music/a/z"),
            library_path("/music/unknown"),
        ])
        .await
        .unwrap();
    assert_eq!(known.len(), 2);
    assert_eq!(known[0].path, library_path("/music/a/x"));
    assert_eq!(known[0].content_hash.as_deref(), Some("h/music/a/x"));
    let files = db
        .known_files(vec![known[0].id, known[1].id, LibraryFolderId(9_999)])
        .await
        .unwrap();
    let paths: Vec<String> = files.iter().map(|file| file.path.display()).collect();
    assert_eq!(
        paths,
        [
            "/music/a/x/1.flac",
            "/music/a/x/2.flac",
            "/music/a/z/3.flac"
        ]
    );
    assert_eq!(files[0].id, outcome.files[0].0);
    assert_eq!(files[0].folder_id, Some(known[0].id));
    assert_eq!(files[0].track_id, outcome.files[0].1);
    assert_eq!(
        files[0].size_bytes,
        1_000 + "/music/a/x/1.flac".len() as i64
    );
    assert_eq!(files[2].modified_at, Some(at("2026-11-02 09:30:00")));
    assert_eq!(files[0].missing_since, None);

    // Identity: (size, modification time) pairs, never one's size with another's time.
    let by_identity = db
        .files_with_identity(vec![
            (files[0].size_bytes, at("2026-11-01 08:00:00")),
            (files[2].size_bytes, at("2026-11-02 09:30:00")),
            (files[2].size_bytes, at("2026-11-01 08:00:00")),
            (1, at("2026-11-01 08:00:00")),
        ])
        .await
        .unwrap();
    let mut found: Vec<LibraryFileId> = by_identity.iter().map(|file| file.id).collect();
    found.sort();
    assert_eq!(found, [files[0].id, files[1].id, files[2].id]);
    // Sizes and times of different identities do not pair up.
    let crossed = db
        .files_with_identity(vec![
            (files[0].size_bytes, at("2026-11-02 09:30:00")),
            (files[2].size_bytes, at("2026-11-01 08:00:00")),
        ])
        .await
        .unwrap();
    assert!(crossed.is_empty(), "{crossed:?}");
    let only_third = db
        .files_with_identity(vec![(files[2].size_bytes, at("2026-11-02 09:30:00"))])
        .await
        .unwrap();
    assert_eq!(only_third.len(), 1);
    assert_eq!(only_third[0].id, files[2].id);
    // Many identities take several statements; the ones that match are found in any of them.
    let mut many: Vec<(i64, NaiveDateTime)> = (0..250)
        .map(|index| (50_000 + index, at("2026-11-01 08:00:00")))
        .collect();
    many[0] = (files[0].size_bytes, at("2026-11-01 08:00:00"));
    many[120] = (files[2].size_bytes, at("2026-11-02 09:30:00"));
    many[249] = (files[1].size_bytes, at("2026-11-01 08:00:00"));
    let mut found: Vec<LibraryFileId> = db
        .files_with_identity(many)
        .await
        .unwrap()
        .iter()
        .map(|file| file.id)
        .collect();
    found.sort();
    assert_eq!(found, [files[0].id, files[1].id, files[2].id]);
    // Sub-microsecond parts are not stored, on either backend, and do not break the lookup.
    let precise = at("2026-11-02 09:30:00") + chrono::Duration::nanoseconds(1_500);
    let mut retimed = batch(run, "/music/a/z", Vec::new());
    retimed.files = vec![FileWrite {
        size_bytes: 3_333,
        modified_at: precise,
        ..file("/music/a/z/3.flac", song("Three", "A"))
    }];
    db.apply_scan_batch(retimed).await.unwrap();
    let stored_time = at("2026-11-02 09:30:00") + chrono::Duration::microseconds(1);
    let again = db
        .files_with_identity(vec![(files[2].size_bytes, precise)])
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].modified_at, Some(stored_time));
}

pub async fn non_utf8_paths_round_trip(db: Database) {
    #[cfg(unix)]
    let raw = {
        use std::os::unix::ffi::OsStringExt;
        PathBuf::from(std::ffi::OsString::from_vec(
            b"/music/Bj\xf6rk/J\xf3ga 100%.flac".to_vec(),
        ))
    };
    #[cfg(not(unix))]
    let raw = PathBuf::from("/music/Björk/Jóga 100%.flac");
    let path = LibraryPath::from_path(&raw);
    let folder = LibraryPath::from_path(raw.parent().unwrap());
    let run = start(&db).await;
    let mut write = batch(run, "/music", Vec::new());
    write.folders = vec![FolderWrite {
        path: folder.clone(),
        content_hash: None,
    }];
    write.files = vec![FileWrite {
        path: path.clone(),
        ..file("/placeholder", song("Jóga", "Björk"))
    }];
    let outcome = db.apply_scan_batch(write).await.unwrap();
    let known = db.known_folders(vec![folder.clone()]).await.unwrap();
    assert_eq!(known[0].path, folder);
    let files = db.known_files(vec![known[0].id]).await.unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].id, outcome.files[0].0);
    assert_eq!(files[0].path, path);
    assert_eq!(files[0].path.to_path_buf(), raw);
    let under = db
        .folders_under(&library_path("/music"), None, 10)
        .await
        .unwrap();
    assert_eq!(under.len(), 1);
    assert_eq!(under[0].path, folder);
    // The title falls back to the readable file name when the tags have none.
    let mut untitled = batch(run, "/music", Vec::new());
    untitled.folders = vec![FolderWrite {
        path: folder,
        content_hash: None,
    }];
    untitled.files = vec![FileWrite {
        path,
        ..file("/placeholder", audio(tags("", &["Björk"], ""), 1_000))
    }];
    let outcome = db.apply_scan_batch(untitled).await.unwrap();
    let title = details(&db, outcome.files[0].1.unwrap()).await.track.title;
    #[cfg(unix)]
    assert_eq!(title, "J\u{fffd}ga 100%");
}

/// A batch of `files` new files, each with its own artist, album and track.
fn distinct_files(run: ScanRunId, prefix: &str, files: usize) -> ScanBatch {
    batch(
        run,
        &format!("/music/{prefix}"),
        (0..files)
            .map(|index| {
                file(
                    &format!("/music/{prefix}/{index:04}.flac"),
                    audio(
                        with(
                            tags(
                                &format!("{prefix} song {index}"),
                                &[&format!(
                                    "{prefix} artist {index} feat. {prefix} guest {index}"
                                )],
                                &format!("{prefix} album {index}"),
                            ),
                            |tags| tags.isrc_text = Some(format!("QZ{prefix}24{index:05}")),
                        ),
                        180_000,
                    ),
                )
            })
            .collect(),
    )
}

pub async fn batches_take_constant_statements(db: Database) {
    let run = start(&db).await;
    let counter = db.statement_counter().clone();
    let mut counts = Vec::new();
    for (prefix, files) in [("AAA", 10), ("BBB", 200)] {
        let before = counter.get();
        let outcome = db
            .apply_scan_batch(distinct_files(run, prefix, files))
            .await
            .unwrap();
        assert_eq!(outcome.files.len(), files);
        let inserted = counter.get() - before;
        // Re-applied: every row known, nothing new.
        let before = counter.get();
        db.apply_scan_batch(distinct_files(run, prefix, files))
            .await
            .unwrap();
        counts.push((inserted, counter.get() - before));
    }
    assert_eq!(counts[0], counts[1], "statements grew with the files");
    eprintln!(
        "{:?}: apply_scan_batch takes {} statements for new files, {} re-applied",
        db.backend(),
        counts[0].0,
        counts[0].1
    );
    assert_eq!(count(&db, "tracks").await, 210);
    assert_eq!(count(&db, "artists").await, 420);
}

use crate::plans::assert_uses_index;

pub async fn scan_lookups_use_indexes(db: Database) {
    let backend = db.backend();
    let cases: &[(&str, &str, &str)] = &[
        (
            "known folders by path",
            "library_folders",
            "SELECT id FROM library_folders WHERE path IN ('/music/a', '/music/b')",
        ),
        (
            "known files by folder",
            "library_files",
            "SELECT id FROM library_files WHERE folder_id IN (1, 2) ORDER BY path",
        ),
        (
            "files by identity",
            "library_files",
            "SELECT id FROM library_files \
             WHERE (size_bytes = 10 AND modified_at = '2026-11-01 08:00:00') \
             OR (size_bytes = 20 AND modified_at = '2026-11-02 08:00:00')",
        ),
        (
            "folders under a root",
            "library_folders",
            "SELECT id FROM library_folders WHERE path >= '/music/a' AND path < '/music/a0' \
             AND (path = '/music/a' OR path >= '/music/a/') AND path > '/music/a/x' \
             ORDER BY path LIMIT 100",
        ),
        (
            "the batch's file rows",
            "library_files",
            "SELECT library_files.id, tracks.id FROM library_files \
             LEFT JOIN tracks ON tracks.id = library_files.track_id \
             WHERE library_files.id IN (1, 2) OR library_files.path IN ('/music/a/1.flac')",
        ),
        (
            "artists by MusicBrainz id or name",
            "artists",
            "SELECT id FROM artists WHERE mbid IN ('x') OR normalized_name IN ('band', 'beyonce')",
        ),
        (
            "albums by MusicBrainz id or title",
            "albums",
            "SELECT id FROM albums WHERE mbid IN ('x') OR normalized_title IN ('greatest hits')",
        ),
        (
            "wanted tracks by ISRC",
            "tracks",
            "SELECT tracks.id, albums.normalized_title FROM tracks \
             LEFT JOIN albums ON albums.id = tracks.album_id \
             WHERE tracks.isrc IN ('QZABC2400001') AND NOT (tracks.has_file)",
        ),
        (
            "wanted tracks by MusicBrainz id",
            "tracks",
            "SELECT tracks.id, albums.normalized_title FROM tracks \
             LEFT JOIN albums ON albums.id = tracks.album_id \
             WHERE tracks.mbid IN ('x') AND NOT (tracks.has_file)",
        ),
        (
            "wanted tracks by title",
            "tracks",
            "SELECT tracks.id, albums.normalized_title FROM tracks \
             LEFT JOIN albums ON albums.id = tracks.album_id \
             WHERE tracks.normalized_title IN ('intro', 'outro') AND NOT (tracks.has_file)",
        ),
        (
            "the unfinished run",
            "library_scans",
            "SELECT id FROM library_scans WHERE root = '/music' AND mode = 'quick' \
             AND finished_at IS NULL",
        ),
    ];
    for (what, table, sql) in cases {
        let plan = db.query_plan(sql).await.unwrap();
        assert_uses_index(backend, what, &plan, table);
        // Wanted tracks are read through the partial indexes that hold only them, never through
        // the full ones (which hold every track sharing a title).
        if what.starts_with("wanted tracks") {
            assert!(
                plan.join("\n").contains("tracks_wanted_"),
                "{what} reads the wanted-track index: {plan:?}"
            );
        }
        if *what == "folders under a root" && backend == Backend::Sqlite {
            assert!(
                !plan.join("\n").contains("TEMP B-TREE"),
                "{what} needs no sort: {plan:?}"
            );
        }
    }
}

/// `(track id, has_file)` of every track, and what has_file means computed from library_files.
async fn has_file_states(db: &Database) -> (Vec<String>, Vec<String>) {
    let stored = lines(
        db,
        "SELECT CAST(id AS TEXT) || ':' || CASE WHEN has_file THEN 'y' ELSE 'n' END AS line \
         FROM tracks ORDER BY id",
    )
    .await;
    let derived = lines(
        db,
        "SELECT CAST(id AS TEXT) || ':' || CASE WHEN EXISTS (SELECT 1 FROM library_files lf \
         WHERE lf.track_id = tracks.id AND lf.missing_since IS NULL \
         AND lf.broken_reason IS NULL) THEN 'y' ELSE 'n' END AS line FROM tracks ORDER BY id",
    )
    .await;
    (stored, derived)
}

/// `tracks.has_file` (what the wanted-track indexes hold) is kept by triggers: after every kind of
/// write to library_files, by any writer, it says whether a present file links to the track.
pub async fn has_file_follows_every_write_to_library_files(db: Database) {
    use crate::reads::execute;
    execute(
        &db,
        "INSERT INTO tracks (id, title, normalized_title) \
         VALUES (1, 'A', 'a'), (2, 'B', 'b'), (3, 'C', 'c'), (4, 'D', 'd')",
    )
    .await;
    let steps: &[(&str, &str)] = &[
        (
            "one multi-row insert: present, missing, broken, no track",
            "INSERT INTO library_files (id, path, size_bytes, track_id, missing_since, \
             broken_reason) VALUES \
             (1, '/m/1', 1, 1, NULL, NULL), (2, '/m/2', 1, 2, '2026-11-01 00:00:00', NULL), \
             (3, '/m/3', 1, 3, NULL, 'corrupt: bad'), (4, '/m/4', 1, NULL, NULL, NULL)",
        ),
        (
            "a missing file comes back",
            "UPDATE library_files SET missing_since = NULL WHERE id = 2",
        ),
        (
            "a file moves to another track",
            "UPDATE library_files SET track_id = 4 WHERE id = 1",
        ),
        (
            "a second file, then the first goes missing",
            "INSERT INTO library_files (id, path, size_bytes, track_id) \
             VALUES (5, '/m/5', 1, 2); \
             UPDATE library_files SET missing_since = '2026-11-02 00:00:00' WHERE id = 2",
        ),
        (
            "a broken file is repaired",
            "UPDATE library_files SET broken_reason = NULL WHERE id = 3",
        ),
        (
            "a path change alone",
            "UPDATE library_files SET path = '/m/3b' WHERE id = 3",
        ),
        (
            "the present file of a track is deleted",
            "DELETE FROM library_files WHERE id = 5",
        ),
        ("a track is deleted", "DELETE FROM tracks WHERE id = 4"),
        (
            "every file goes missing in one statement",
            "UPDATE library_files SET missing_since = '2026-11-03 00:00:00'",
        ),
    ];
    let expected: [&[&str]; 9] = [
        &["1:y", "2:n", "3:n", "4:n"],
        &["1:y", "2:y", "3:n", "4:n"],
        &["1:n", "2:y", "3:n", "4:y"],
        &["1:n", "2:y", "3:n", "4:y"],
        &["1:n", "2:y", "3:y", "4:y"],
        &["1:n", "2:y", "3:y", "4:y"],
        &["1:n", "2:n", "3:y", "4:y"],
        &["1:n", "2:n", "3:y"],
        &["1:n", "2:n", "3:n"],
    ];
    for ((what, sql), expected) in steps.iter().zip(expected) {
        execute(&db, sql).await;
        let (stored, derived) = has_file_states(&db).await;
        assert_eq!(stored, derived, "after {what}");
        assert_eq!(stored, expected, "after {what}");
    }
}
