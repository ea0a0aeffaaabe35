//! The filesystem walker on real trees in temporary folders: the byte order of names, hidden and
//! AppleDouble entries, non-audio files, names that are not UTF-8, links to files and folders,
//! link loops and dangling links, paths longer than `PATH_MAX`, unreadable folders, the content
//! hash, resuming after a folder, counting, and laziness.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use sha2::{Digest as _, Sha256};
use soulspot_domain::scan::{
    LibraryPath, LibraryWalker, ListedFolder, WalkEvent, WalkOptions, WalkProblem, WalkTotals,
};
use soulspot_infrastructure::walk::FsWalker;
use tempfile::TempDir;

fn default_options() -> WalkOptions {
    WalkOptions::default()
}

fn all_options(include_hidden: bool, follow_folder_links: bool) -> WalkOptions {
    WalkOptions {
        include_hidden,
        follow_folder_links,
        link_boundary: None,
    }
}

fn following_links() -> WalkOptions {
    all_options(false, true)
}

/// Options for a walk of part of a library whose music folder is `music_folder`.
fn inside_library(music_folder: &Path, follow_folder_links: bool) -> WalkOptions {
    WalkOptions {
        link_boundary: Some(music_folder.to_owned()),
        ..all_options(false, follow_folder_links)
    }
}

fn write_file(path: &Path, content: &[u8]) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(path, content).unwrap();
}

fn set_modified(path: &Path, time: SystemTime) {
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(time)
        .unwrap();
}

/// Walks to the end on another thread and fails instead of hanging when the walk does not end.
fn walk_events(
    root: &Path,
    options: &WalkOptions,
    resume_after: Option<&LibraryPath>,
) -> Vec<WalkEvent> {
    let events = FsWalker::new().walk(root, options, resume_after).unwrap();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || sender.send(events.collect::<Vec<_>>()));
    receiver
        .recv_timeout(Duration::from_secs(20))
        .expect("the walk did not end within 20 s")
}

fn folders(events: &[WalkEvent]) -> Vec<ListedFolder> {
    events
        .iter()
        .filter_map(|event| match event {
            WalkEvent::Folder(folder) => Some(folder.clone()),
            WalkEvent::Problem(_) => None,
        })
        .collect()
}

fn problems(events: &[WalkEvent]) -> Vec<WalkProblem> {
    events
        .iter()
        .filter_map(|event| match event {
            WalkEvent::Problem(problem) => Some(problem.clone()),
            WalkEvent::Folder(_) => None,
        })
        .collect()
}

/// The folders' paths relative to the root, `""` for the root, as readable text.
fn relative_folder_paths(root: &Path, events: &[WalkEvent]) -> Vec<String> {
    folders(events)
        .iter()
        .map(|folder| relative(root, &folder.path))
        .collect()
}

fn relative(root: &Path, path: &LibraryPath) -> String {
    path.to_path_buf()
        .strip_prefix(root)
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

fn file_names(folder: &ListedFolder) -> Vec<String> {
    folder
        .files
        .iter()
        .map(|file| {
            file.path
                .to_path_buf()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

fn folder_at<'a>(root: &Path, events: &'a [WalkEvent], relative_path: &str) -> &'a ListedFolder {
    events
        .iter()
        .find_map(|event| match event {
            WalkEvent::Folder(folder) if relative(root, &folder.path) == relative_path => {
                Some(folder)
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no folder {relative_path:?} in {events:#?}"))
}

fn hash_of(root: &Path) -> String {
    let events = walk_events(root, &default_options(), None);
    folder_at(root, &events, "").content_hash.clone()
}

#[test]
fn folders_come_in_byte_order_of_their_component_lists() {
    let temp = TempDir::new().unwrap();
    let root = temp.path();
    for folder in ["a/b/x", "a-b", "B", "Z", "é"] {
        fs::create_dir_all(root.join(folder)).unwrap();
    }
    for file in ["b.mp3", "A.mp3", "a.flac", "a/b/x/1.opus", "é/é.ogg"] {
        write_file(&root.join(file), b"audio");
    }

    let events = walk_events(root, &default_options(), None);

    // "B" and "Z" sort before "a" by bytes; "a" is a prefix of "a-b", so "a" and everything
    // under it come first, although the text "a-b" sorts before "a/b".
    assert_eq!(
        relative_folder_paths(root, &events),
        ["", "B", "Z", "a", "a/b", "a/b/x", "a-b", "é"]
    );
    assert_eq!(
        file_names(folder_at(root, &events, "")),
        ["A.mp3", "a.flac", "b.mp3"]
    );
    assert!(
        folder_at(root, &events, "Z").files.is_empty(),
        "an empty folder is still yielded"
    );
    assert_eq!(file_names(folder_at(root, &events, "a/b/x")), ["1.opus"]);
    assert!(problems(&events).is_empty());
}

#[test]
fn a_root_given_with_a_trailing_slash_yields_the_same_paths() {
    let temp = TempDir::new().unwrap();
    write_file(&temp.path().join("a/1.mp3"), b"audio");
    let with_slash = PathBuf::from(format!("{}/", temp.path().display()));

    let plain = walk_events(temp.path(), &default_options(), None);
    let slashed = walk_events(&with_slash, &default_options(), None);

    assert_eq!(plain, slashed);
}

#[test]
fn only_audio_files_are_listed_with_their_size_and_time_in_microseconds() {
    let temp = TempDir::new().unwrap();
    let root = temp.path();
    for name in [
        "cover.jpg",
        "notes.txt",
        "album.cue",
        "mp3",
        ".mp3",
        "playlist.m3u",
    ] {
        write_file(&root.join(name), b"not audio");
    }
    write_file(&root.join("Song.MP3"), b"twelve bytes");
    let nanoseconds_past = Duration::new(1_700_000_000, 123_456_789);
    set_modified(
        &root.join("Song.MP3"),
        SystemTime::UNIX_EPOCH + nanoseconds_past,
    );

    let events = walk_events(root, &all_options(true, true), None);

    let listed = folder_at(root, &events, "");
    assert_eq!(file_names(listed), ["Song.MP3"]);
    let file = &listed.files[0];
    assert_eq!(file.size_bytes, 12);
    assert_eq!(file.path, LibraryPath::from_path(&root.join("Song.MP3")));
    // Truncated, not rounded: the database keeps microseconds and the quick scan compares them.
    assert_eq!(file.modified_at.and_utc().timestamp(), 1_700_000_000);
    assert_eq!(
        file.modified_at.and_utc().timestamp_subsec_nanos(),
        123_456_000
    );
}

#[test]
fn hidden_entries_are_walked_only_when_asked_and_apple_double_files_never() {
    let temp = TempDir::new().unwrap();
    let root = temp.path();
    for file in [
        ".hidden/in-hidden.mp3",
        ".secret.mp3",
        "._Song.mp3",
        "Song.mp3",
        "a/._x.flac",
    ] {
        write_file(&root.join(file), b"audio");
    }

    let without = walk_events(root, &all_options(false, true), None);
    let with = walk_events(root, &all_options(true, true), None);

    assert_eq!(relative_folder_paths(root, &without), ["", "a"]);
    assert_eq!(file_names(folder_at(root, &without, "")), ["Song.mp3"]);
    assert_eq!(relative_folder_paths(root, &with), ["", ".hidden", "a"]);
    assert_eq!(
        file_names(folder_at(root, &with, "")),
        [".secret.mp3", "Song.mp3"]
    );
    assert_eq!(
        file_names(folder_at(root, &with, ".hidden")),
        ["in-hidden.mp3"]
    );
    assert!(folder_at(root, &with, "a").files.is_empty());
}

#[test]
fn names_that_are_not_utf8_are_listed_and_their_paths_round_trip() {
    let temp = TempDir::new().unwrap();
    let root = temp.path();
    let folder = root.join(OsStr::from_bytes(b"Bj\xf6rk"));
    let file = folder.join(OsStr::from_bytes(b"J\xf3ga.mp3"));
    write_file(&file, b"audio");

    let events = walk_events(root, &default_options(), None);

    let listed = folder_at(root, &events, "Bj\u{fffd}rk");
    assert_eq!(listed.path.to_path_buf(), folder);
    assert_eq!(listed.files.len(), 1);
    let listed_file = &listed.files[0].path;
    assert_eq!(listed_file.to_path_buf(), file);
    assert!(!listed_file.is_utf8());
    let stored_again = LibraryPath::from_stored(listed_file.as_stored()).unwrap();
    assert_eq!(fs::read(stored_again.to_path_buf()).unwrap(), b"audio");
}

#[test]
fn a_link_to_a_file_is_listed_under_the_link_path() {
    let temp = TempDir::new().unwrap();
    // The walk covers one folder of the library; the link leads to another one.
    let music_folder = temp.path();
    let root = music_folder.join("library");
    let elsewhere = music_folder.join("elsewhere/real.flac");
    write_file(&elsewhere, b"real audio");
    fs::create_dir_all(&root).unwrap();
    symlink(&elsewhere, root.join("linked.flac")).unwrap();
    symlink(&elsewhere, root.join("linked-cover.jpg")).unwrap();

    let events = walk_events(&root, &inside_library(music_folder, false), None);

    let listed = folder_at(&root, &events, "");
    assert_eq!(file_names(listed), ["linked.flac"]);
    assert_eq!(listed.files[0].path.to_path_buf(), root.join("linked.flac"));
    assert_eq!(listed.files[0].size_bytes, 10, "the size is the target's");
}

#[test]
fn a_link_to_a_folder_is_walked_under_its_path_only_when_following_links() {
    let temp = TempDir::new().unwrap();
    let root = temp.path().join("library");
    write_file(&temp.path().join("elsewhere/album/1.mp3"), b"audio");
    fs::create_dir_all(&root).unwrap();
    symlink(temp.path().join("elsewhere"), root.join("linked")).unwrap();

    let followed = walk_events(&root, &inside_library(temp.path(), true), None);
    let not_followed = walk_events(&root, &inside_library(temp.path(), false), None);

    assert_eq!(
        relative_folder_paths(&root, &followed),
        ["", "linked", "linked/album"]
    );
    assert_eq!(
        folder_at(&root, &followed, "linked/album").files[0]
            .path
            .to_path_buf(),
        root.join("linked/album/1.mp3")
    );
    assert_eq!(relative_folder_paths(&root, &not_followed), [""]);
    assert!(problems(&not_followed).is_empty());
}

#[test]
fn a_link_loop_ends_with_a_problem_and_every_real_folder_once() {
    let temp = TempDir::new().unwrap();
    let root = temp.path();
    write_file(&root.join("a/b/1.mp3"), b"audio");
    write_file(&root.join("c/2.mp3"), b"audio");
    symlink("../..", root.join("a/b/up-to-root")).unwrap();
    symlink(".", root.join("c/itself")).unwrap();

    let events = walk_events(root, &following_links(), None);

    assert_eq!(relative_folder_paths(root, &events), ["", "a", "a/b", "c"]);
    let problems = problems(&events);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert_eq!(problems[0].path.to_path_buf(), root.join("a/b/up-to-root"));
    assert_eq!(problems[1].path.to_path_buf(), root.join("c/itself"));
    for problem in &problems {
        assert!(
            problem
                .reason
                .contains("is a link to a folder already scanned"),
            "{problem:?}"
        );
    }
    let real_root = fs::canonicalize(root).unwrap();
    assert!(
        problems[0]
            .reason
            .contains(&real_root.display().to_string()),
        "{problems:?}"
    );
}

#[test]
fn a_second_link_to_a_folder_already_walked_is_not_walked_again() {
    let temp = TempDir::new().unwrap();
    let root = temp.path();
    write_file(&root.join("album/1.mp3"), b"audio");
    symlink("album", root.join("same-album")).unwrap();

    let events = walk_events(root, &following_links(), None);

    assert_eq!(relative_folder_paths(root, &events), ["", "album"]);
    let problems = problems(&events);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].path.to_path_buf(), root.join("same-album"));
}

#[test]
fn folder_links_are_not_followed_by_default() {
    let temp = TempDir::new().unwrap();
    let root = temp.path();
    write_file(&root.join("album/1.mp3"), b"audio");
    symlink("album", root.join("same-album")).unwrap();

    let events = walk_events(root, &default_options(), None);

    assert_eq!(relative_folder_paths(root, &events), ["", "album"]);
    assert!(problems(&events).is_empty(), "{events:#?}");
}

/// A music folder with links to `/etc`, to a sibling folder outside it, to a file outside it,
/// and to a folder and a file inside it.
fn library_with_links_out(temp: &Path) -> PathBuf {
    let music = temp.join("music");
    write_file(&music.join("album/1.mp3"), b"audio");
    write_file(&temp.join("sibling/album/2.mp3"), b"outside audio");
    write_file(&temp.join("outside.flac"), b"outside audio");
    symlink("/etc", music.join("etc_link")).unwrap();
    symlink("../sibling", music.join("sibling_link")).unwrap();
    symlink(
        temp.join("outside.flac"),
        music.join("album/outside_link.flac"),
    )
    .unwrap();
    symlink("album", music.join("inside_link")).unwrap();
    symlink("1.mp3", music.join("album/inside_link.mp3")).unwrap();
    music
}

#[test]
fn links_that_lead_out_of_the_library_are_reported_once_and_never_followed() {
    let temp = TempDir::new().unwrap();
    let music = library_with_links_out(temp.path());
    let real_music = fs::canonicalize(&music).unwrap();

    for follow_folder_links in [false, true] {
        let options = inside_library(&music, follow_folder_links);
        let events = walk_events(&music, &options, None);

        for folder in folders(&events) {
            for path in std::iter::once(&folder.path).chain(folder.files.iter().map(|f| &f.path)) {
                let resolved = fs::canonicalize(path.to_path_buf()).unwrap();
                assert!(
                    resolved.starts_with(&real_music),
                    "{path:?} leads to {resolved:?} (following: {follow_folder_links})"
                );
            }
        }
        let mut outside: Vec<_> = problems(&events)
            .into_iter()
            .filter(|problem| problem.reason.contains("outside the music folder"))
            .map(|problem| relative(&music, &problem.path))
            .collect();
        outside.sort();
        assert_eq!(
            outside,
            ["album/outside_link.flac", "etc_link", "sibling_link"],
            "following: {follow_folder_links}"
        );
        // The folder behind the inside link is listed once, under one of its two paths.
        let album_listings = folders(&events)
            .iter()
            .filter(|folder| !relative(&music, &folder.path).is_empty())
            .count();
        assert_eq!(album_listings, 1, "{events:#?}");
        assert_eq!(
            FsWalker::new().count(&music, &options),
            WalkTotals {
                folders: 2,
                files: 2
            },
            "the file and its inside link; nothing from outside"
        );
    }
}

#[test]
fn a_link_leading_out_of_a_walk_of_part_of_the_library_is_judged_by_the_music_folder() {
    let temp = TempDir::new().unwrap();
    let music = library_with_links_out(temp.path());
    let root = music.join("album");

    // Without a boundary the walk's own root is the boundary: a link to a sibling inside the
    // library leads out of it.
    symlink("../inside_target", root.join("to_sibling")).unwrap();
    write_file(&music.join("inside_target/3.mp3"), b"audio");
    let unbounded = walk_events(&root, &following_links(), None);
    let bounded = walk_events(&root, &inside_library(&music, true), None);

    assert!(
        problems(&unbounded)
            .iter()
            .any(|problem| problem.path.to_path_buf() == root.join("to_sibling"))
    );
    assert_eq!(
        relative_folder_paths(&root, &bounded),
        ["", "to_sibling"],
        "{bounded:#?}"
    );
}

#[test]
fn a_dangling_link_is_a_problem_and_the_walk_goes_on() {
    let temp = TempDir::new().unwrap();
    let root = temp.path();
    write_file(&root.join("a/1.mp3"), b"audio");
    write_file(&root.join("z/2.mp3"), b"audio");
    symlink("nowhere.mp3", root.join("a/gone.mp3")).unwrap();
    symlink("endless", root.join("a/endless")).unwrap();

    let events = walk_events(root, &default_options(), None);

    assert_eq!(relative_folder_paths(root, &events), ["", "a", "z"]);
    assert_eq!(file_names(folder_at(root, &events, "a")), ["1.mp3"]);
    let problems = problems(&events);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert_eq!(problems[0].path.to_path_buf(), root.join("a/endless"));
    assert!(
        problems[0].reason.contains("cannot follow the link"),
        "{problems:?}"
    );
    assert_eq!(problems[1].path.to_path_buf(), root.join("a/gone.mp3"));
    assert_eq!(
        problems[1].reason,
        "is a link to nowhere.mp3, which does not exist"
    );
    // A folder's problems come before the folder itself.
    let position = |wanted: &WalkEvent| events.iter().position(|event| event == wanted).unwrap();
    let folder_a = WalkEvent::Folder(folder_at(root, &events, "a").clone());
    assert!(position(&WalkEvent::Problem(problems[1].clone())) < position(&folder_a));
}

/// Builds a chain of `levels` folders with 200-byte names under `base` and returns the deepest.
fn folder_chain(base: &Path, levels: usize, letter: char) -> PathBuf {
    let name = letter.to_string().repeat(200);
    let mut path = base.to_path_buf();
    for _ in 0..levels {
        path.push(&name);
    }
    fs::create_dir_all(&path).unwrap();
    path
}

#[test]
fn a_path_longer_than_path_max_is_a_problem_and_the_rest_is_walked() {
    let temp = TempDir::new().unwrap();
    let root = temp.path();
    // Every system call below gets a path under PATH_MAX: two chains of 12 levels are made
    // separately, then one is moved to the end of the other, giving 24 levels (over 4,800 bytes).
    let first_half = folder_chain(&root.join("deep"), 12, 'x');
    let second_half = folder_chain(&root.join("second-half"), 11, 'y');
    write_file(&second_half.join("too-deep.mp3"), b"audio");
    fs::rename(root.join("second-half"), first_half.join("second-half")).unwrap();
    write_file(&root.join("z/after.mp3"), b"audio");

    let events = walk_events(root, &default_options(), None);

    let problems = problems(&events);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    let too_long = problems[0].path.to_path_buf();
    assert!(too_long.as_os_str().len() > 4096);
    assert!(problems[0].reason.contains("too long"), "{problems:?}");
    let listed = relative_folder_paths(root, &events);
    assert_eq!(
        listed.last().unwrap(),
        "z",
        "the walk went on after the deep path"
    );
    let deepest_listed = folders(&events)
        .iter()
        .map(|folder| folder.path.to_path_buf().as_os_str().len())
        .max()
        .unwrap();
    assert!(
        deepest_listed < 4096 && deepest_listed > 3800,
        "{deepest_listed}"
    );
    assert_eq!(
        FsWalker::new().count(root, &default_options()).folders,
        listed.len() as u64
    );
}

/// Sets a folder's permission bits and tells whether this process can still list it: running as
/// root (as CI does), permissions do not stop reading.
fn restrict(folder: &Path, mode: u32) -> bool {
    fs::set_permissions(folder, fs::Permissions::from_mode(mode)).unwrap();
    fs::read_dir(folder).is_ok() && fs::symlink_metadata(folder.join("1.mp3")).is_ok()
}

fn unrestrict(folder: &Path) {
    fs::set_permissions(folder, fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn an_unreadable_folder_is_a_problem_and_the_rest_is_walked() {
    let temp = TempDir::new().unwrap();
    let root = temp.path();
    write_file(&root.join("locked/1.mp3"), b"audio");
    write_file(&root.join("listable/1.mp3"), b"audio");
    fs::create_dir(root.join("listable/inner")).unwrap();
    write_file(&root.join("open/2.mp3"), b"audio");
    let locked_is_readable = restrict(&root.join("locked"), 0o000);
    // Readable but not searchable: the names can be listed, nothing inside can be `stat`ed.
    let listable_is_searchable = restrict(&root.join("listable"), 0o444);

    let events = walk_events(root, &default_options(), None);
    unrestrict(&root.join("locked"));
    unrestrict(&root.join("listable"));

    if locked_is_readable || listable_is_searchable {
        // Running as root, the folders are walked like any other: all this test can check there.
        assert_eq!(
            relative_folder_paths(root, &events),
            ["", "listable", "listable/inner", "locked", "open"]
        );
        assert!(problems(&events).is_empty());
        return;
    }
    assert_eq!(
        relative_folder_paths(root, &events),
        ["", "listable", "open"]
    );
    assert!(folder_at(root, &events, "listable").files.is_empty());
    let problems = problems(&events);
    let problem_paths: Vec<_> = problems
        .iter()
        .map(|problem| relative(root, &problem.path))
        .collect();
    assert_eq!(
        problem_paths,
        ["listable/1.mp3", "listable/inner", "locked"]
    );
    assert!(
        problems[0]
            .reason
            .starts_with("cannot read the file's size and time"),
        "{problems:?}"
    );
    for problem in &problems {
        assert!(problem.reason.contains("ermission denied"), "{problems:?}");
    }
}

#[test]
fn a_root_that_cannot_be_read_is_an_error() {
    let temp = TempDir::new().unwrap();
    let root = temp.path().join("root");
    write_file(&root.join("1.mp3"), b"audio");
    let still_readable = restrict(&root, 0o000);

    let result = FsWalker::new()
        .walk(&root, &default_options(), None)
        .map(Iterator::count);
    unrestrict(&root);

    match result {
        // Running as root (as CI does), permissions do not stop reading.
        Ok(events) if still_readable => assert_eq!(events, 1),
        Ok(events) => panic!("an unreadable root walked, with {events} events"),
        Err(problem) => {
            assert!(!still_readable);
            assert_eq!(problem.path, LibraryPath::from_path(&root));
            assert!(problem.reason.contains("ermission denied"), "{problem:?}");
        }
    }
}

#[test]
fn only_a_root_that_cannot_be_listed_is_an_error() {
    let temp = TempDir::new().unwrap();
    let missing = temp.path().join("missing");
    let file = temp.path().join("file.mp3");
    write_file(&file, b"audio");

    let Err(missing_error) = FsWalker::new().walk(&missing, &default_options(), None) else {
        panic!("a missing root walked");
    };
    let Err(file_error) = FsWalker::new().walk(&file, &default_options(), None) else {
        panic!("a file walked as a root");
    };

    assert_eq!(missing_error.path, LibraryPath::from_path(&missing));
    assert!(
        missing_error.reason.contains("No such file"),
        "{missing_error:?}"
    );
    assert_eq!(file_error.reason, "is not a folder");
    assert_eq!(
        FsWalker::new().count(&missing, &default_options()),
        WalkTotals::default()
    );
}

#[test]
fn the_content_hash_follows_the_documented_formula() {
    let temp = TempDir::new().unwrap();
    let root = temp.path();
    write_file(&root.join("b.flac"), b"four");
    write_file(&root.join("a.mp3"), b"sixteen bytes!!!");
    set_modified(
        &root.join("a.mp3"),
        SystemTime::UNIX_EPOCH + Duration::new(1_600_000_000, 999_999),
    );
    set_modified(
        &root.join("b.flac"),
        SystemTime::UNIX_EPOCH + Duration::new(1_000, 5_000),
    );

    // Computed independently of the walker, so a hash that depends on anything but the listing
    // (a process's random state, the walk order) fails here.
    let mut expected = Sha256::new();
    expected.update(b"soulspot-folder-v1\0");
    for (name, size, micros) in [
        (&b"a.mp3"[..], 16_i64, 1_600_000_000_000_999_i64),
        (b"b.flac", 4, 1_000_000_005),
    ] {
        expected.update(name);
        expected.update([0]);
        expected.update(size.to_le_bytes());
        expected.update(micros.to_le_bytes());
    }
    let expected: String = expected.finalize()[..16]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();

    assert_eq!(hash_of(root), expected);
    assert_eq!(hash_of(root).len(), 32);
}

#[test]
fn the_content_hash_changes_with_the_audio_files_and_only_with_them() {
    let temp = TempDir::new().unwrap();
    let root = temp.path();
    let song = root.join("song.mp3");
    write_file(&song, b"audio");
    write_file(&root.join("other.flac"), b"audio");
    set_modified(
        &song,
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
    );
    let original = hash_of(root);
    assert_eq!(
        hash_of(root),
        original,
        "the same listing gives the same hash"
    );

    let mut seen = vec![original.clone()];
    let mut assert_changed = |what: &str| {
        let hash = hash_of(root);
        assert!(!seen.contains(&hash), "{what} did not change the hash");
        seen.push(hash);
    };
    set_modified(
        &song,
        SystemTime::UNIX_EPOCH + Duration::new(1_700_000_000, 1_000),
    );
    assert_changed("touching a file by a microsecond");
    fs::write(&song, b"longer audio").unwrap();
    set_modified(
        &song,
        SystemTime::UNIX_EPOCH + Duration::new(1_700_000_000, 1_000),
    );
    assert_changed("changing a file's size");
    fs::rename(&song, root.join("renamed.mp3")).unwrap();
    assert_changed("renaming a file");
    let after_rename = hash_of(root);
    write_file(&root.join("added.ogg"), b"audio");
    assert_changed("adding a file");
    fs::remove_file(root.join("added.ogg")).unwrap();
    assert_eq!(
        hash_of(root),
        after_rename,
        "the same listing again gives the same hash"
    );
    fs::remove_file(root.join("other.flac")).unwrap();
    assert_changed("removing a file");

    let before_cover = hash_of(root);
    write_file(&root.join("cover.jpg"), b"image");
    fs::create_dir(root.join("scans")).unwrap();
    assert_eq!(
        hash_of(root),
        before_cover,
        "non-audio entries are not part of the hash"
    );
}

/// A tree with nesting at several levels, a link loop and an empty folder.
fn nested_tree(root: &Path) {
    for file in [
        "1.mp3",
        "A/1.mp3",
        "A/x/1.mp3",
        "A/x/y/1.mp3",
        "A/x/y/z/1.mp3",
        "A/x-y/1.mp3",
        "B/1.mp3",
        "a/b/c/1.mp3",
        "a/b/d/1.mp3",
        "a/c/1.mp3",
        "a-b/1.mp3",
        "z/1.mp3",
    ] {
        write_file(&root.join(file), b"audio");
    }
    fs::create_dir_all(root.join("a/b/empty")).unwrap();
    symlink("../..", root.join("A/x/loop")).unwrap();
    symlink("missing.mp3", root.join("a/b/dangling.mp3")).unwrap();
}

#[test]
fn resuming_after_any_folder_yields_exactly_the_events_after_it() {
    let temp = TempDir::new().unwrap();
    let root = temp.path();
    nested_tree(root);
    let full = walk_events(root, &following_links(), None);
    assert_eq!(problems(&full).len(), 2, "{full:#?}");
    assert_eq!(folders(&full).len(), 15);

    for (index, event) in full.iter().enumerate() {
        let WalkEvent::Folder(resume_point) = event else {
            continue;
        };
        let resumed = walk_events(root, &following_links(), Some(&resume_point.path));
        assert_eq!(
            resumed,
            full[index + 1..],
            "resuming after {}",
            resume_point.path
        );
    }
}

#[test]
fn resuming_after_a_folder_that_no_longer_exists_yields_the_folders_after_it() {
    let temp = TempDir::new().unwrap();
    let root = temp.path();
    nested_tree(root);
    let parking = TempDir::new().unwrap();
    let full = folders(&walk_events(root, &default_options(), None));
    for gone in ["A/x", "a/b/c", "a/b"] {
        let gone_path = LibraryPath::from_path(&root.join(gone));
        let position = full
            .iter()
            .position(|folder| folder.path == gone_path)
            .unwrap();
        let expected: Vec<_> = full[position + 1..]
            .iter()
            .filter(|folder| !folder.path.is_within(&gone_path))
            .cloned()
            .collect();
        let moved_away = parking.path().join("moved-away");
        fs::rename(root.join(gone), &moved_away).unwrap();

        let resumed = folders(&walk_events(root, &default_options(), Some(&gone_path)));
        fs::rename(&moved_away, root.join(gone)).unwrap();

        assert_eq!(resumed, expected, "resuming after the deleted {gone}");
    }
}

#[test]
fn resuming_at_the_root_yields_everything_but_the_root() {
    let temp = TempDir::new().unwrap();
    nested_tree(temp.path());
    let full = walk_events(temp.path(), &default_options(), None);

    let resumed = walk_events(
        temp.path(),
        &default_options(),
        Some(&LibraryPath::from_path(temp.path())),
    );

    assert!(
        matches!(&full[0], WalkEvent::Folder(root) if root.path == LibraryPath::from_path(temp.path()))
    );
    assert_eq!(resumed, full[1..]);
}

#[test]
fn a_resume_point_outside_the_root_is_an_error() {
    let temp = TempDir::new().unwrap();
    fs::create_dir_all(temp.path().join("root")).unwrap();
    let outside = LibraryPath::from_path(&temp.path().join("other"));

    let result = FsWalker::new().walk(
        &temp.path().join("root"),
        &default_options(),
        Some(&outside),
    );

    let Err(problem) = result else {
        panic!("resumed after a folder outside the root");
    };
    assert_eq!(problem.path, outside);
    assert!(problem.reason.contains("does not lie under"), "{problem:?}");
}

#[test]
fn count_equals_what_the_walk_yields() {
    let temp = TempDir::new().unwrap();
    let root = temp.path();
    nested_tree(root);
    write_file(&root.join(".hidden/1.mp3"), b"audio");
    write_file(&root.join("a/cover.jpg"), b"image");
    symlink(root.join("z/1.mp3"), root.join("a/linked.mp3")).unwrap();
    symlink(root.join("a/b"), root.join("linked-folder")).unwrap();

    for options in [
        all_options(false, false),
        all_options(true, true),
        all_options(false, true),
    ] {
        let events = walk_events(root, &options, None);
        let listed = folders(&events);
        let walked = WalkTotals {
            folders: listed.len() as u64,
            files: listed.iter().map(|folder| folder.files.len() as u64).sum(),
        };
        assert_eq!(FsWalker::new().count(root, &options), walked, "{options:?}");
    }
    let with_everything = FsWalker::new().count(root, &all_options(true, true));
    assert_eq!(
        with_everything,
        WalkTotals {
            folders: 16,
            files: 14
        }
    );
}

#[test]
fn folders_are_read_only_when_the_walk_reaches_them() {
    let temp = TempDir::new().unwrap();
    let root = temp.path();
    write_file(&root.join("a/1.mp3"), b"audio");
    fs::create_dir(root.join("b")).unwrap();
    let mut events = FsWalker::new()
        .walk(root, &default_options(), None)
        .unwrap();
    let mut next_folder = || match events.next() {
        Some(WalkEvent::Folder(folder)) => relative(root, &folder.path),
        other => panic!("expected a folder, got {other:?}"),
    };

    assert_eq!(next_folder(), "");
    assert_eq!(next_folder(), "a");
    // "b" was found with the root, but its entries are read only now.
    write_file(&root.join("b/late/2.mp3"), b"audio");
    assert_eq!(next_folder(), "b");
    assert_eq!(next_folder(), "b/late");
}

#[test]
fn is_folder_and_is_file_follow_links() {
    let temp = TempDir::new().unwrap();
    let root = temp.path();
    write_file(&root.join("album/1.mp3"), b"audio");
    symlink("album", root.join("linked-album")).unwrap();
    symlink("album/1.mp3", root.join("linked.mp3")).unwrap();
    let walker = FsWalker::new();

    assert!(walker.is_folder(&root.join("album")));
    assert!(walker.is_folder(&root.join("linked-album")));
    assert!(!walker.is_folder(&root.join("album/1.mp3")));
    assert!(!walker.is_folder(&root.join("gone")));
    assert!(walker.is_file(&root.join("album/1.mp3")));
    assert!(walker.is_file(&root.join("linked.mp3")));
    assert!(!walker.is_file(&root.join("album")));
    assert!(!walker.is_file(&root.join("gone.mp3")));
}
