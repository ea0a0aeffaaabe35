//! The library scan end to end, in process: real audio files in a temporary music folder, the
//! real walker and tag reader, and a real database of each backend (PostgreSQL when
//! `TEST_POSTGRES_URL` names a server).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use soulspot_application::scan::{
    LibraryScanner, NoProgress, ScanCancelled, ScanError, ScanProgress, ScanProgressSink,
    ScanSettings, ScanSummary,
};
use soulspot_domain::ports::{CatalogRepository, LibraryFileRepository, PlaylistRepository};
use soulspot_domain::scan::{
    AudioFileFacts, MusicBrainzTags, ScanMode, TagReader, TagSnapshot, UnreadableFile,
};
use soulspot_domain::{
    CatalogBatch, Isrc, ListOrder, NewArtist, NewPlaylist, NewTrack, PageRequest, SpotifyId,
    TrackDuration, TrackId,
};
use soulspot_infrastructure::Database;
use soulspot_infrastructure::tags::LoftyTagReader;
use soulspot_infrastructure::walk::FsWalker;
use soulspot_testkit::TestDatabase;
use soulspot_testkit::audio::{TagsToWrite, TemplateFormat, write_tagged_copy};

/// Runs `body(database)` on a fresh SQLite database, then on a fresh PostgreSQL one when a
/// server is configured.
macro_rules! on_both_backends {
    ($($name:ident => $body:ident;)*) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let test = soulspot_testkit::TestDatabase::sqlite().await;
                    super::$body(test.database.clone()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(test) = soulspot_testkit::TestDatabase::postgres(stringify!($name)).await else {
                        return;
                    };
                    super::$body(test.database.clone()).await;
                    test.drop_database().await;
                }
            )*
        }
    };
}

on_both_backends! {
    every_format_round_trips_into_the_database => every_format_round_trips;
    a_quick_rescan_of_an_unchanged_library_opens_no_file_and_changes_nothing => quick_rescan_unchanged;
    moves_deletions_and_tag_changes_are_told_apart => moves_deletions_and_changes;
    bad_files_and_odd_folders_are_recorded_and_the_scan_goes_on => bad_files_and_odd_folders;
    a_file_fills_the_wanted_playlist_track_it_matches => fills_wanted_tracks;
    a_cancelled_scan_resumes_to_the_database_an_uninterrupted_scan_makes => cancel_and_resume;
    a_file_moved_to_a_folder_of_the_batch_before_its_old_one_is_moved_not_missing => move_across_batches;
    links_out_of_the_music_folder_are_reported_and_nothing_behind_them_is_stored => links_out;
}

/// A tag reader that counts the files it opens.
#[derive(Default)]
struct CountingReader {
    inner: LoftyTagReader,
    reads: AtomicUsize,
}

impl TagReader for CountingReader {
    fn read(&self, path: &Path) -> Result<AudioFileFacts, UnreadableFile> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.inner.read(path)
    }
}

struct Harness {
    reader: Arc<CountingReader>,
    scanner: LibraryScanner<Database, FsWalker, CountingReader>,
    music: tempfile::TempDir,
}

impl Harness {
    fn new(database: Database) -> Self {
        let reader = Arc::new(CountingReader::default());
        let scanner = LibraryScanner::new(
            Arc::new(database.clone()),
            Arc::new(FsWalker::new()),
            reader.clone(),
            Arc::new(soulspot_infrastructure::SystemClock),
            // Small batches, so a test library spans several.
            // Folder links followed (inside the library only), so loops are met.
            ScanSettings {
                batch_files: 7,
                batch_folders: 5,
                walk: soulspot_domain::scan::WalkOptions {
                    follow_folder_links: true,
                    ..soulspot_domain::scan::WalkOptions::default()
                },
                ..ScanSettings::default()
            },
        );
        Self {
            reader,
            scanner,
            music: tempfile::tempdir().unwrap(),
        }
    }

    fn root(&self) -> PathBuf {
        std::fs::canonicalize(self.music.path()).unwrap()
    }

    async fn scan(&self, mode: ScanMode) -> ScanSummary {
        self.scanner
            .scan(&self.root(), mode, &NoProgress)
            .await
            .unwrap()
    }

    fn reads(&self) -> usize {
        self.reader.reads.load(Ordering::SeqCst)
    }

    /// Writes a tagged copy of a template at `relative` inside the music folder.
    fn write(&self, relative: &str, format: TemplateFormat, tags: TagSnapshot) -> PathBuf {
        let path = self.music.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        write_tagged_copy(
            format,
            &path,
            &TagsToWrite {
                tags,
                front_cover: false,
            },
        )
        .unwrap()
    }
}

fn tags(title: &str, artist: &str, album: &str, track: u32) -> TagSnapshot {
    TagSnapshot {
        title: Some(title.to_owned()),
        artists: vec![artist.to_owned()],
        album: Some(album.to_owned()),
        album_artists: vec![artist.to_owned()],
        track_number: Some(track),
        date: Some("2001".to_owned()),
        ..TagSnapshot::default()
    }
}

/// Every library file with its track, as comparable lines (no timestamps, which differ between
/// runs), by path; then the artists and albums by name.
pub(crate) async fn dump(database: &Database) -> Vec<String> {
    let mut lines = Vec::new();
    let mut after = None;
    loop {
        let request = match after {
            Some(after) => PageRequest::after(after, 500),
            None => PageRequest::first(500),
        };
        let page = database.list_files(request).await.unwrap();
        let track_ids: Vec<TrackId> = page.items.iter().filter_map(|file| file.track_id).collect();
        let details = database.tracks_details(track_ids).await.unwrap();
        for file in &page.items {
            let track = file.track_id.and_then(|id| {
                details
                    .iter()
                    .find(|detail| detail.track.id == id)
                    .map(|detail| {
                        let artists: Vec<&str> =
                            detail.artists.iter().map(|artist| artist.name.as_str()).collect();
                        format!(
                            "{:?} by {:?} on {:?} ({:?}) disc {:?} track {:?} isrc {:?} mbid {:?} spotify {:?}",
                            detail.track.title,
                            artists,
                            detail.album.as_ref().map(|album| &album.title),
                            detail.album.as_ref().and_then(|album| album.year),
                            detail.track.disc_number,
                            detail.track.track_number,
                            detail.track.isrc,
                            detail.track.mbid,
                            detail.track.spotify_id,
                        )
                    })
            });
            lines.push(format!(
                "{} size {} mtime {:?} {:?} tags {:?} broken {:?} missing {} -> {:?}",
                file.path,
                file.size_bytes,
                file.modified_at,
                file.audio,
                file.tags_json,
                file.broken_reason,
                file.missing_since.is_some(),
                track,
            ));
        }
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    lines.sort();
    let mut names = Vec::new();
    let mut after = None;
    loop {
        let request = match after {
            Some(after) => PageRequest::after(after, 500),
            None => PageRequest::first(500),
        };
        let page = database
            .list_artists(ListOrder::Added, request)
            .await
            .unwrap();
        names.extend(
            page.items
                .iter()
                .map(|artist| format!("artist {:?} mbid {:?}", artist.name, artist.mbid)),
        );
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let mut after = None;
    loop {
        let request = match after {
            Some(after) => PageRequest::after(after, 500),
            None => PageRequest::first(500),
        };
        let page = database
            .list_albums(ListOrder::Added, request)
            .await
            .unwrap();
        names.extend(page.items.iter().map(|album| {
            format!(
                "album {:?} {:?} mbid {:?}",
                album.title, album.year, album.mbid
            )
        }));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    names.sort();
    lines.extend(names);
    lines
}

async fn file_at(database: &Database, path: &Path) -> soulspot_domain::LibraryFile {
    let stored = soulspot_domain::scan::LibraryPath::from_path(path);
    database
        .file_by_path(stored.as_stored())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no row for {}", path.display()))
}

async fn links_out(database: Database) {
    let harness = Harness::new(database.clone());
    let music = harness.music.path();
    let outside = tempfile::tempdir().unwrap();
    harness.write(
        "album/01.mp3",
        TemplateFormat::ALL[0],
        tags("Inside", "A", "B", 1),
    );
    for relative in ["sibling/album/02.mp3", "outside.mp3"] {
        let path = outside.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        write_tagged_copy(
            TemplateFormat::ALL[0],
            &path,
            &TagsToWrite {
                tags: tags("Outside", "A", "B", 2),
                front_cover: false,
            },
        )
        .unwrap();
    }
    use std::os::unix::fs::symlink;
    symlink("/etc", music.join("etc_link")).unwrap();
    symlink(outside.path().join("sibling"), music.join("sibling_link")).unwrap();
    symlink(
        outside.path().join("outside.mp3"),
        music.join("album/outside_link.mp3"),
    )
    .unwrap();
    symlink("album", music.join("inside_link")).unwrap();

    let summary = harness.scan(ScanMode::Full).await;

    let root = harness.root();
    let stored = dump(&database).await;
    let files: Vec<&String> = stored
        .iter()
        .filter(|line| line.contains(" size "))
        .collect();
    assert_eq!(files.len(), 1, "the inside file once: {stored:#?}");
    for line in &files {
        assert!(line.starts_with(&root.display().to_string()), "{line}");
    }
    let mut outside_links: Vec<String> = summary
        .problems
        .iter()
        .filter(|problem| problem.reason.contains("outside the music folder"))
        .map(|problem| problem.path.to_string())
        .collect();
    outside_links.sort();
    assert_eq!(
        outside_links,
        [
            root.join("album/outside_link.mp3").display().to_string(),
            root.join("etc_link").display().to_string(),
            root.join("sibling_link").display().to_string(),
        ],
        "{summary:#?}"
    );
    for problem in &summary.problems {
        assert!(problem.path.to_path_buf().starts_with(&root), "{problem:?}");
        assert!(!problem.reason.contains("/etc/"), "{problem:?}");
    }
}

async fn every_format_round_trips(database: Database) {
    let harness = Harness::new(database.clone());
    let mut written = Vec::new();
    for (index, format) in TemplateFormat::ALL.into_iter().enumerate() {
        let mut snapshot = TagSnapshot {
            title: Some(format!("Ünïcode title {index} ")),
            artists: vec!["Main Act feat. Guest".to_owned(), "Second Act".to_owned()],
            album: Some("日本語 Album".to_owned()),
            album_artists: vec!["Main Act".to_owned()],
            track_number: Some(index as u32 + 1),
            track_total: Some(9),
            disc_number: Some(1),
            disc_total: Some(2),
            date: Some("1999-04-01".to_owned()),
            genres: vec!["Rock".to_owned(), "Jazz".to_owned()],
            isrc_text: Some(format!("GBAYE99000{index:02}")),
            musicbrainz: MusicBrainzTags {
                recording_id: Some(format!("b10bbbfc-cf9e-42e0-be17-e2c3e1d260{index:02}")),
                release_id: Some("a74b1b7f-71a5-4011-9441-d0b5e4122711".to_owned()),
                ..MusicBrainzTags::default()
            },
            compilation: Some(false),
        };
        if index == 0 {
            // A file with almost nothing: only a title.
            snapshot = TagSnapshot {
                title: Some("Only a title".to_owned()),
                ..TagSnapshot::default()
            };
        }
        let relative = format!("Main Act/Album/{index:02} track.{}", format.extension());
        written.push((
            harness.write(&relative, format, snapshot.clone()),
            format,
            snapshot,
        ));
    }
    let summary = harness.scan(ScanMode::Full).await;
    assert_eq!(summary.counts.files, 9);
    assert_eq!(summary.counts.added, 9);
    assert_eq!(summary.counts.broken, 0, "{summary:?}");

    for (path, format, snapshot) in &written {
        let file = file_at(&database, path).await;
        let stored: TagSnapshot = serde_json::from_str(file.tags_json.as_deref().unwrap()).unwrap();
        assert_eq!(
            &stored, snapshot,
            "{format:?}: tags stored exactly as written"
        );
        assert_eq!(
            file.audio.sample_rate_hz,
            Some(format.sample_rate_hz() as i32)
        );
        assert!(
            file.audio.duration.is_some()
                && file.audio.codec.is_some()
                && file.audio.format.is_some()
        );
        assert_eq!(
            file.audio.bit_depth,
            format.bit_depth().map(i32::from),
            "{format:?}"
        );
        assert!(file.audio.channels.is_some());
        let track = database
            .track_details(file.track_id.unwrap())
            .await
            .unwrap();
        let title = snapshot.title.clone().unwrap();
        assert_eq!(track.track.title, title, "titles are stored untrimmed");
        if snapshot.album.is_some() {
            let artists: Vec<&str> = track.artists.iter().map(|a| a.name.as_str()).collect();
            assert_eq!(
                artists,
                ["Main Act", "Guest", "Second Act"],
                "feat. credit split"
            );
            assert_eq!(track.album.as_ref().unwrap().title, "日本語 Album");
            assert_eq!(track.album.as_ref().unwrap().year, Some(1999));
            assert_eq!(track.track.isrc, snapshot.isrc());
        } else {
            assert!(track.artists.is_empty() && track.album.is_none());
        }
    }
    // One album, its artists once each, however many files name them.
    let dump = dump(&database).await;
    let albums = dump
        .iter()
        .filter(|line| line.starts_with("album "))
        .count();
    let artists = dump
        .iter()
        .filter(|line| line.starts_with("artist "))
        .count();
    assert_eq!((albums, artists), (1, 3), "{dump:#?}");
    // The full-text index knows the scanned tracks.
    let hits = database.search_tracks("second act", 10).await.unwrap();
    assert_eq!(hits.len(), 8);
}

async fn quick_rescan_unchanged(database: Database) {
    let harness = Harness::new(database.clone());
    for album in 0..4 {
        for track in 0..5 {
            let format = TemplateFormat::ALL[track % TemplateFormat::ALL.len()];
            harness.write(
                &format!(
                    "Artist {album}/Album {album}/{track:02}.{}",
                    format.extension()
                ),
                format,
                tags(
                    &format!("Song {track}"),
                    &format!("Artist {album}"),
                    &format!("Album {album}"),
                    track as u32 + 1,
                ),
            );
        }
    }
    harness.write(
        "cover.jpg.mp3.txt",
        TemplateFormat::ALL[0],
        TagSnapshot::default(),
    );
    let first = harness.scan(ScanMode::Quick).await;
    assert_eq!(first.counts.added, 20);
    assert_eq!(harness.reads(), 20);
    let before = dump(&database).await;

    let again = harness.scan(ScanMode::Quick).await;
    assert_eq!(
        harness.reads(),
        20,
        "a quick rescan of an unchanged library opens no audio file"
    );
    assert_eq!(again.counts.unchanged, 20);
    assert_eq!(again.counts.folders_unchanged, again.counts.folders);
    assert_eq!(
        (
            again.counts.added,
            again.counts.updated,
            again.counts.missing,
            again.counts.moved
        ),
        (0, 0, 0, 0)
    );
    assert_eq!(dump(&database).await, before, "and changes no row");

    // A full scan reads everything again, and still changes nothing.
    let full = harness.scan(ScanMode::Full).await;
    assert_eq!(harness.reads(), 40);
    assert_eq!(full.counts.updated, 20);
    assert_eq!(dump(&database).await, before);
}

async fn moves_deletions_and_changes(database: Database) {
    let harness = Harness::new(database.clone());
    let mut paths = Vec::new();
    for track in 0..4 {
        paths.push(harness.write(
            &format!("Band/Old Name/{track:02}.flac"),
            TemplateFormat::ALL[1],
            tags(&format!("Song {track}"), "Band", "Record", track + 1),
        ));
    }
    let other = harness.write(
        "Band/Other/01.mp3",
        TemplateFormat::ALL[0],
        tags("Keep", "Band", "Other", 1),
    );
    harness.scan(ScanMode::Quick).await;
    let tracks_before: Vec<TrackId> = {
        let mut ids = Vec::new();
        for path in &paths {
            ids.push(file_at(&database, path).await.track_id.unwrap());
        }
        ids
    };
    let file_ids_before: Vec<_> = {
        let mut ids = Vec::new();
        for path in &paths {
            ids.push(file_at(&database, path).await.id);
        }
        ids
    };
    // A playlist points at the first two tracks.
    let playlist = database
        .upsert_playlist(NewPlaylist {
            name: "Mix".into(),
            description: None,
            spotify_id: None,
            snapshot_id: None,
            owner: None,
            is_liked_songs: false,
            sync_enabled: true,
        })
        .await
        .unwrap();
    database
        .replace_entries(
            playlist.id,
            vec![(tracks_before[0], None), (tracks_before[1], None)],
        )
        .await
        .unwrap();

    // Move the folder, delete a file elsewhere, change a tag.
    let new_folder = harness.music.path().join("Band/New Name");
    std::fs::rename(harness.music.path().join("Band/Old Name"), &new_folder).unwrap();
    std::fs::remove_file(&other).unwrap();
    let changed = harness.write(
        "Band/Third/01.mp3",
        TemplateFormat::ALL[0],
        tags("Before", "Band", "Third", 1),
    );
    let summary = harness.scan(ScanMode::Quick).await;
    assert_eq!(summary.counts.moved, 4, "{summary:?}");
    assert_eq!(summary.counts.missing, 1, "{summary:?}");
    assert_eq!(summary.counts.added, 1, "{summary:?}");
    assert_eq!(summary.counts.updated, 0, "{summary:?}");

    harness.write(
        "Band/Third/01.mp3",
        TemplateFormat::ALL[0],
        tags("After", "Band", "Third", 1),
    );
    // The rewrite may land in the same second: make sure the modification time differs.
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&changed)
        .unwrap()
        .set_modified(later)
        .unwrap();
    let summary = harness.scan(ScanMode::Quick).await;
    assert_eq!(
        (
            summary.counts.updated,
            summary.counts.added,
            summary.counts.moved,
            summary.counts.missing
        ),
        (1, 0, 0, 0),
        "{summary:?}"
    );
    for (index, track) in (0..4).enumerate() {
        let moved = file_at(&database, &new_folder.join(format!("{track:02}.flac"))).await;
        assert_eq!(
            moved.id, file_ids_before[index],
            "a moved file keeps its row"
        );
        assert_eq!(moved.track_id, Some(tracks_before[index]), "and its track");
        assert!(moved.missing_since.is_none());
    }
    let entries = database.all_entries(playlist.id).await.unwrap();
    let linked: Vec<TrackId> = entries.iter().map(|entry| entry.track.track.id).collect();
    assert_eq!(
        linked,
        tracks_before[..2],
        "playlist links survive the move"
    );
    assert!(entries.iter().all(|entry| entry.track.has_library_file));

    let gone = file_at(&database, &other).await;
    assert!(
        gone.missing_since.is_some(),
        "a deleted file is marked missing, not deleted"
    );
    assert!(gone.track_id.is_some());
    let updated = file_at(&database, &changed).await;
    let track = database
        .track_details(updated.track_id.unwrap())
        .await
        .unwrap();
    assert_eq!(
        track.track.title, "After",
        "a changed tag updates the track the scan made"
    );

    // The old folder is gone from disk and has nothing present left.
    let old_folder = harness.root().join("Band/Old Name");
    assert!(!old_folder.exists());
}

/// A file moves from `B` into `A`, which is written in the batch before `B`'s. `B`'s batch is
/// compared with the store (and its files read) while `A`'s is being written, so it still sees
/// the moved row in `B`: it must not mark that row missing once `A`'s batch moved it.
async fn move_across_batches(database: Database) {
    let harness = Harness::new(database.clone());
    for track in 0..6 {
        harness.write(
            &format!("A/{track:02}.mp3"),
            TemplateFormat::ALL[0],
            tags(&format!("A{track}"), "Band", "A", track + 1),
        );
    }
    let old = harness.write("B/x.mp3", TemplateFormat::ALL[0], tags("X", "Band", "B", 1));
    harness.write("B/y.mp3", TemplateFormat::ALL[0], tags("Y", "Band", "B", 2));
    harness.scan(ScanMode::Quick).await;
    let before = file_at(&database, &old).await;

    // `A` now holds 7 files: its batch ends there (7 files a batch), `B` comes in the next one.
    let new = harness.music.path().join("A/x.mp3");
    std::fs::rename(&old, &new).unwrap();
    let summary = harness.scan(ScanMode::Quick).await;
    assert_eq!(
        (summary.counts.moved, summary.counts.missing),
        (1, 0),
        "{summary:?}"
    );
    let moved = file_at(&database, &new).await;
    assert_eq!(moved.id, before.id, "the row moved");
    assert_eq!(moved.track_id, before.track_id, "with its track");
    assert_eq!(moved.missing_since, None, "and is present");
}

async fn bad_files_and_odd_folders(database: Database) {
    let harness = Harness::new(database.clone());
    let music = harness.music.path();
    harness.write(
        "Good/01.mp3",
        TemplateFormat::ALL[0],
        tags("Fine", "A", "B", 1),
    );
    std::fs::create_dir_all(music.join("Bad")).unwrap();
    std::fs::write(music.join("Bad/empty.flac"), b"").unwrap();
    std::fs::write(
        music.join("Bad/text.mp3"),
        b"this is not audio at all, just text\n",
    )
    .unwrap();
    std::fs::write(music.join("Bad/old.wma"), vec![7u8; 2000]).unwrap();
    let flac = std::fs::read(TemplateFormat::ALL[1].template_path()).unwrap();
    std::fs::write(music.join("Bad/cut.flac"), &flac[..40]).unwrap();
    std::fs::write(music.join("Bad/really-flac.mp3"), &flac).unwrap();
    std::fs::write(music.join("Bad/._01.mp3"), b"AppleDouble").unwrap();
    std::fs::write(music.join("Bad/cover.jpg"), b"not looked at").unwrap();
    harness.write(
        ".hidden/01.mp3",
        TemplateFormat::ALL[0],
        tags("Hidden", "A", "B", 1),
    );
    // A loop: a link inside the library back to its root.
    std::os::unix::fs::symlink(harness.root(), music.join("Good/loop")).unwrap();
    std::os::unix::fs::symlink(music.join("nowhere"), music.join("Good/dangling.mp3")).unwrap();
    // A file name that is not UTF-8.
    use std::os::unix::ffi::OsStrExt;
    let latin1 = music.join(std::ffi::OsStr::from_bytes(b"Good/Bj\xf6rk.mp3"));
    write_tagged_copy(
        TemplateFormat::ALL[0],
        &latin1,
        &TagsToWrite {
            tags: tags("Jóga", "Björk", "Homogenic", 1),
            front_cover: false,
        },
    )
    .unwrap();

    let summary = harness.scan(ScanMode::Quick).await;
    assert_eq!(summary.counts.files, 7, "{summary:?}");
    assert_eq!(summary.counts.broken, 5, "{summary:?}");
    assert!(
        summary.counts.problems >= 2,
        "the loop and the dangling link: {summary:?}"
    );
    let reason = |name: &str| {
        let database = database.clone();
        let path = harness.root().join(name);
        async move { file_at(&database, &path).await.broken_reason.unwrap() }
    };
    assert!(reason("Bad/empty.flac").await.starts_with("empty: "));
    assert!(reason("Bad/text.mp3").await.starts_with("not-audio: "));
    assert!(
        reason("Bad/old.wma")
            .await
            .starts_with("unsupported-format: ")
    );
    assert!(reason("Bad/cut.flac").await.starts_with("corrupt: "));
    assert!(
        reason("Bad/really-flac.mp3")
            .await
            .starts_with("extension-mismatch: ")
    );
    let root = soulspot_domain::scan::LibraryPath::from_path(&harness.root());
    assert!(
        database
            .file_by_path(&format!("{}/.hidden/01.mp3", root.as_stored()))
            .await
            .unwrap()
            .is_none(),
        "hidden folders are skipped by default"
    );
    let björk = file_at(
        &database,
        &harness
            .root()
            .join(std::ffi::OsStr::from_bytes(b"Good/Bj\xf6rk.mp3")),
    )
    .await;
    assert!(björk.broken_reason.is_none());
    assert!(björk.path.ends_with("Bj%F6rk.mp3"), "{}", björk.path);

    // Everything is found unchanged the next time, the non-UTF-8 name included.
    let reads = harness.reads();
    let again = harness.scan(ScanMode::Quick).await;
    assert_eq!(harness.reads(), reads);
    assert_eq!(again.counts.unchanged, 7);
}

/// A track a playlist import leaves wanted: from Spotify, credited to the batch's first artist.
fn wanted_track(title: &str, millis: i64, isrc: Option<Isrc>, spotify_id: &str) -> NewTrack {
    NewTrack {
        title: title.into(),
        album: None,
        artists: vec![0],
        disc_number: None,
        track_number: None,
        duration: Some(TrackDuration::from_millis(millis).unwrap()),
        isrc,
        spotify_id: Some(SpotifyId::parse(spotify_id).unwrap()),
        mbid: None,
        explicit: false,
    }
}

async fn fills_wanted_tracks(database: Database) {
    let harness = Harness::new(database.clone());
    // Three wanted tracks, as a playlist import leaves them: no file yet.
    let isrc = Isrc::parse("USRC17607839").unwrap();
    let written = database
        .upsert_catalog(CatalogBatch {
            artists: vec![NewArtist {
                name: "Wanted Band".into(),
                sort_name: None,
                spotify_id: Some(SpotifyId::parse("0OdUWJ0sBjDrqHygGUXeCF").unwrap()),
                mbid: None,
            }],
            albums: vec![],
            tracks: vec![
                wanted_track(
                    "By Code",
                    200_000,
                    Some(isrc.clone()),
                    "6rqhFgbbKwnb9MLmUQDhG6",
                ),
                // The template plays one second: 2.5 s is within ±3 s.
                wanted_track(
                    "By Name (feat. Someone)",
                    2_500,
                    None,
                    "7rqhFgbbKwnb9MLmUQDhG6",
                ),
                wanted_track("Too Long", 300_000, None, "5rqhFgbbKwnb9MLmUQDhG6"),
            ],
        })
        .await
        .unwrap();
    let mut by_code = tags("Another Title", "Wanted Band", "X", 1);
    by_code.isrc_text = Some("US-RC1-76-07839".into());
    let code_file = harness.write("W/01.mp3", TemplateFormat::ALL[0], by_code);
    let name_file = harness.write(
        "W/02.mp3",
        TemplateFormat::ALL[0],
        tags("by name", "WANTED BAND", "X", 2),
    );
    let long_file = harness.write(
        "W/03.mp3",
        TemplateFormat::ALL[0],
        tags("Too Long", "Wanted Band", "X", 3),
    );
    let summary = harness.scan(ScanMode::Quick).await;
    assert_eq!(summary.counts.matched, 2, "{summary:?}");
    assert_eq!(
        file_at(&database, &code_file).await.track_id,
        Some(written.tracks[0])
    );
    assert_eq!(
        file_at(&database, &name_file).await.track_id,
        Some(written.tracks[1])
    );
    assert_ne!(
        file_at(&database, &long_file).await.track_id,
        Some(written.tracks[2]),
        "a duration 5 minutes off is another recording"
    );
    // The Spotify track keeps its own metadata.
    let track = database.track_details(written.tracks[0]).await.unwrap();
    assert_eq!(track.track.title, "By Code");
    assert!(track.has_library_file);
}

/// Asks to stop after the first `after` reports.
struct CancelAfter {
    after: usize,
    reports: AtomicUsize,
}

impl ScanProgressSink for CancelAfter {
    fn report(&self, _progress: &ScanProgress) -> Result<(), ScanCancelled> {
        if self.reports.fetch_add(1, Ordering::SeqCst) + 1 >= self.after {
            Err(ScanCancelled)
        } else {
            Ok(())
        }
    }
}

async fn cancel_and_resume(database: Database) {
    let harness = Harness::new(database.clone());
    // Eight albums of six files: however the walker's folders fall into groups (the first group
    // takes whatever folders are listed by then, up to 7 files), cancelling after the second
    // written group leaves at least one group unread, even with the next group read ahead.
    for album in 0..8 {
        for track in 0..6 {
            harness.write(
                &format!("A{album}/{track:02}.mp3"),
                TemplateFormat::ALL[0],
                tags(
                    &format!("T{track}"),
                    &format!("Artist {album}"),
                    &format!("Album {album}"),
                    track as u32 + 1,
                ),
            );
        }
    }
    let cancelled = harness
        .scanner
        .scan(
            &harness.root(),
            ScanMode::Full,
            // After the second batch (the first holds the root folder, which has no files; the
            // next batch's files are read while the second is written, and are read again by
            // the resumed run).
            &CancelAfter {
                after: 2,
                reports: AtomicUsize::new(0),
            },
        )
        .await;
    assert!(
        matches!(cancelled, Err(ScanError::Cancelled)),
        "{cancelled:?}"
    );
    let reads_before_resume = harness.reads();
    assert!(
        reads_before_resume < 48,
        "stopped early: {reads_before_resume}"
    );

    let resumed = harness.scan(ScanMode::Full).await;
    assert!(resumed.resumed);
    assert_eq!(resumed.counts.files, 48);
    assert_eq!(resumed.counts.added, 48);
    assert!(
        harness.reads() < 48 + reads_before_resume,
        "the resumed run did not start over: {} reads",
        harness.reads()
    );
    let interrupted = dump(&database).await;

    // The same library scanned without interruption into a fresh database.
    let fresh = TestDatabase::sqlite().await;
    let uninterrupted = Harness {
        reader: harness.reader.clone(),
        scanner: LibraryScanner::new(
            Arc::new(fresh.database.clone()),
            Arc::new(FsWalker::new()),
            harness.reader.clone(),
            Arc::new(soulspot_infrastructure::SystemClock),
            ScanSettings::default(),
        ),
        music: tempfile::tempdir().unwrap(),
    };
    uninterrupted
        .scanner
        .scan(&harness.root(), ScanMode::Full, &NoProgress)
        .await
        .unwrap();
    assert_eq!(dump(&fresh.database).await, interrupted);
}
