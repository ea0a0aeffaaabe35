//! The generated library: the same seed gives the same files byte for byte, every file reads
//! back with exactly the tags the plan says were written, the plan has the variety a real library
//! has (and valid, unique identifiers), and a folder that is not empty is refused untouched.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use soulspot_domain::scan::{AudioFormat, TagReader};
use soulspot_domain::values::{Isrc, Mbid};
use soulspot_infrastructure::tags::LoftyTagReader;
use soulspot_testkit::audio::{AudioTemplates, TagsToWrite, TemplateFormat, write_tagged_copy};
use soulspot_testkit::library::{
    COMPILATIONS_FOLDER, GREATEST_HITS, GenerateLibraryError, LibraryManifest, LibraryOptions,
    LibraryPlan, VARIOUS_ARTISTS, folder_name, generate_library, planned_files,
};

const SMALL_LIBRARY: u64 = 200;

/// Every file under `root`, by path relative to it, with its bytes; folders must hold only
/// folders and files.
fn tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn visit(root: &Path, folder: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(folder).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                visit(root, &path, files);
            } else {
                let relative = path.strip_prefix(root).unwrap().to_owned();
                files.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut files = BTreeMap::new();
    visit(root, root, &mut files);
    files
}

fn generate(count: u64, seed: u64) -> (tempfile::TempDir, PathBuf) {
    let parent = tempfile::tempdir().unwrap();
    // A folder that does not exist yet: the generator creates it.
    let out = parent.path().join("library");
    let summary = generate_library(&LibraryOptions::new(count, seed, &out)).unwrap();
    assert_eq!(summary.manifest.files, count);
    assert_eq!(summary.manifest, LibraryManifest::of_plan(count, seed));
    (parent, out)
}

#[test]
fn the_same_seed_gives_the_same_files_byte_for_byte_and_another_seed_does_not() {
    let (_first_parent, first) = generate(SMALL_LIBRARY, 41);
    let (_second_parent, second) = generate(SMALL_LIBRARY, 41);
    let (_other_parent, other) = generate(SMALL_LIBRARY, 42);

    let first_tree = tree(&first);
    assert_eq!(first_tree.len() as u64, SMALL_LIBRARY);
    assert!(first_tree == tree(&second), "same seed, different trees");

    let planned: BTreeSet<PathBuf> = planned_files(SMALL_LIBRARY, 41)
        .map(|file| file.relative_path)
        .collect();
    let written: BTreeSet<PathBuf> = first_tree.keys().cloned().collect();
    assert_eq!(written, planned, "the files on disk are exactly the plan's");

    let other_tree = tree(&other);
    assert_eq!(other_tree.len() as u64, SMALL_LIBRARY);
    let other_paths: BTreeSet<&PathBuf> = other_tree.keys().collect();
    let shared_paths = first_tree
        .keys()
        .filter(|path| other_paths.contains(path))
        .count();
    assert!(
        shared_paths < 20,
        "another seed should give another library; {shared_paths} paths are the same"
    );
}

#[test]
fn every_generated_file_reads_back_with_the_tags_written() {
    let seed = 1_992;
    let (_parent, out) = generate(SMALL_LIBRARY, seed);
    let reader = LoftyTagReader::new();
    let mut formats_seen = HashSet::new();
    for file in planned_files(SMALL_LIBRARY, seed) {
        let path = out.join(&file.relative_path);
        let facts = reader
            .read(&path)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        assert_eq!(facts.tags, file.written.tags, "{}", path.display());
        assert_eq!(
            facts.has_embedded_art,
            file.written.front_cover,
            "{}",
            path.display()
        );
        let expected_format = match file.format {
            TemplateFormat::Mp3 => AudioFormat::Mpeg,
            TemplateFormat::Flac => AudioFormat::Flac,
            TemplateFormat::OggVorbis => AudioFormat::OggVorbis,
            TemplateFormat::Opus => AudioFormat::OggOpus,
            TemplateFormat::M4aAac | TemplateFormat::M4aAlac => AudioFormat::Mp4,
            TemplateFormat::Wav => AudioFormat::Wav,
            TemplateFormat::Aiff => AudioFormat::Aiff,
            TemplateFormat::WavPack => AudioFormat::WavPack,
        };
        assert_eq!(
            facts.properties.format,
            expected_format,
            "{}",
            path.display()
        );
        assert_eq!(
            path.extension().and_then(|extension| extension.to_str()),
            Some(file.format.extension())
        );
        formats_seen.insert(file.format);
    }
    assert_eq!(
        formats_seen.len(),
        TemplateFormat::ALL.len(),
        "a small library still holds every format"
    );
}

#[test]
fn a_folder_that_is_not_empty_is_refused_and_left_untouched() {
    let parent = tempfile::tempdir().unwrap();
    let out = parent.path().join("music");
    std::fs::create_dir_all(out.join("Some Artist")).unwrap();
    std::fs::write(out.join("keep.txt"), b"precious").unwrap();
    let before = tree(&out);

    let error = generate_library(&LibraryOptions::new(10, 1, &out)).unwrap_err();
    assert!(
        matches!(&error, GenerateLibraryError::OutputNotEmpty { out: refused } if refused == &out),
        "{error:?}"
    );
    assert!(error.to_string().contains("not empty"), "{error}");
    assert_eq!(tree(&out), before);
    let entries: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
    assert_eq!(
        entries.len(),
        2,
        "nothing added next to the existing entries"
    );

    // An output path that is a file is refused as well, and the file stays as it was.
    let file = out.join("keep.txt");
    let error = generate_library(&LibraryOptions::new(10, 1, &file)).unwrap_err();
    assert!(
        matches!(error, GenerateLibraryError::OutputNotAFolder { .. }),
        "{error:?}"
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"precious");

    // An empty folder that already exists is fine.
    let empty = parent.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let summary = generate_library(&LibraryOptions::new(12, 1, &empty)).unwrap();
    assert_eq!(summary.manifest.files, 12);
    assert_eq!(tree(&empty).len(), 12);
}

/// The variety of a large plan, computed without writing anything.
#[test]
fn a_large_plan_has_the_variety_of_a_real_library() {
    const COUNT: u64 = 20_000;
    let seed = 6;
    let manifest = LibraryManifest::of_plan(COUNT, seed);
    assert_eq!(manifest.files, COUNT);
    let share = |part: u64| part as f64 / COUNT as f64;

    let expected_format_shares = [0.45, 0.25, 0.06, 0.05, 0.10, 0.03, 0.02, 0.02, 0.02];
    for (format, expected) in TemplateFormat::ALL.into_iter().zip(expected_format_shares) {
        let actual = share(manifest.files_in(format));
        assert!(
            (actual - expected).abs() < 0.04 && actual > 0.0,
            "{format}: {actual:.3} of the files, expected about {expected}"
        );
    }
    let around = |part: u64, low: f64, high: f64, what: &str| {
        let actual = share(part);
        assert!(
            (low..=high).contains(&actual),
            "{what}: {actual:.3} of the files"
        );
    };
    around(manifest.with_isrc, 0.40, 0.55, "with ISRC");
    around(
        manifest.with_musicbrainz_ids,
        0.25,
        0.40,
        "with MusicBrainz ids",
    );
    around(manifest.untagged, 0.01, 0.03, "untagged");
    around(manifest.title_only, 0.01, 0.03, "title only");
    around(manifest.on_compilations, 0.02, 0.12, "on compilations");
    around(manifest.flagged_compilation, 0.02, 0.12, "compilation flag");
    around(manifest.with_several_artists, 0.03, 0.10, "several artists");
    around(manifest.with_featuring, 0.03, 0.10, "feat.");
    around(manifest.with_non_ascii_text, 0.15, 0.80, "non-ASCII text");
    around(manifest.with_cover, 0.15, 0.35, "cover");
    let tracks_per_album = COUNT as f64 / manifest.albums as f64;
    assert!(
        (8.0..=12.0).contains(&tracks_per_album),
        "{tracks_per_album:.1} tracks per album"
    );

    let mut isrcs = HashSet::new();
    let mut recording_ids = HashSet::new();
    let mut paths = HashSet::new();
    let mut tracks_per_folder: HashMap<PathBuf, u32> = HashMap::new();
    let mut greatest_hits_years: HashMap<PathBuf, BTreeSet<String>> = HashMap::new();
    let mut albums_with_intro = HashSet::new();
    let mut texts = String::new();
    let (mut plain_years, mut full_dates, mut no_album_artist) = (0, 0, 0);
    let (mut various_artists_files, mut compilations_folder_files) = (0, 0);
    for file in planned_files(COUNT, seed) {
        let tags = &file.written.tags;
        let folder = file.relative_path.parent().unwrap().to_owned();
        *tracks_per_folder.entry(folder.clone()).or_default() += 1;
        assert!(
            paths.insert(file.relative_path.clone()),
            "two files at one path"
        );
        for component in file.relative_path.iter() {
            let name = component.to_str().unwrap();
            assert!(!name.is_empty() && name.len() <= 255, "{name:?}");
            assert!(!name.contains('\0'), "{name:?}");
            assert!(!name.ends_with('.') && !name.ends_with(' '), "{name:?}");
        }
        if let Some(isrc_text) = &tags.isrc_text {
            let isrc = Isrc::parse(isrc_text).unwrap();
            assert_eq!(isrc.as_str(), isrc_text, "written in the canonical form");
            assert!(isrcs.insert(isrc_text.clone()), "ISRC {isrc_text} repeated");
        }
        let musicbrainz = &tags.musicbrainz;
        if let Some(recording_id) = &musicbrainz.recording_id {
            assert!(recording_ids.insert(recording_id.clone()));
            let ids = [
                Some(recording_id),
                musicbrainz.track_id.as_ref(),
                musicbrainz.release_id.as_ref(),
                musicbrainz.release_group_id.as_ref(),
            ];
            for id in ids.into_iter().map(Option::unwrap).chain(
                musicbrainz
                    .artist_ids
                    .iter()
                    .chain(&musicbrainz.album_artist_ids),
            ) {
                Mbid::parse(id).unwrap_or_else(|error| panic!("{id}: {error}"));
            }
            assert!(musicbrainz.artist_ids.len() >= tags.artists.len());
        }
        if tags.album.as_deref() == Some(GREATEST_HITS) {
            // The album folder is `<year> - Greatest Hits`.
            let album_folder = folder.file_name().unwrap().to_str().unwrap().to_owned();
            assert!(album_folder.ends_with(" - Greatest Hits"), "{album_folder}");
            greatest_hits_years
                .entry(folder.parent().unwrap().to_owned())
                .or_default()
                .insert(album_folder[..4].to_owned());
        }
        if tags.title.as_deref() == Some("Intro") {
            albums_with_intro.insert(folder.clone());
        }
        match tags.date.as_deref().map(str::len) {
            Some(4) => plain_years += 1,
            Some(10) => full_dates += 1,
            _ => {}
        }
        // Files with all their tags (not only a title) have an album.
        let fully_tagged = tags.album.is_some();
        if folder.starts_with(VARIOUS_ARTISTS) {
            various_artists_files += 1;
            if fully_tagged {
                assert_eq!(tags.album_artists, [VARIOUS_ARTISTS]);
            }
        } else if folder.starts_with(COMPILATIONS_FOLDER) {
            compilations_folder_files += 1;
            assert!(tags.album_artists.is_empty());
            if fully_tagged {
                assert_eq!(tags.compilation, Some(true));
            }
        } else if fully_tagged && tags.album_artists.is_empty() {
            no_album_artist += 1;
        }
        if texts.len() < 1_000_000 {
            texts.push_str(tags.title.as_deref().unwrap_or_default());
            texts.extend(tags.artists.iter().map(String::as_str));
        }
    }
    assert_eq!(paths.len() as u64, COUNT);
    assert!(
        tracks_per_folder
            .values()
            .all(|&tracks| (1..=20).contains(&tracks))
    );
    assert!(
        greatest_hits_years.values().any(|years| years.len() >= 2),
        "one artist has a Greatest Hits in two years: {greatest_hits_years:?}"
    );
    assert!(albums_with_intro.len() > 50, "{}", albums_with_intro.len());
    assert!(plain_years > 1_000 && full_dates > 1_000);
    assert!(no_album_artist > 100);
    assert!(various_artists_files > 0 && compilations_folder_files > 0);
    // Unicode of every kind the word lists promise.
    for (what, found) in [
        ("an accent", texts.contains('é') || texts.contains('ö')),
        (
            "Japanese",
            texts
                .chars()
                .any(|character| ('\u{3040}'..='\u{30ff}').contains(&character)),
        ),
        (
            "Cyrillic",
            texts
                .chars()
                .any(|character| ('\u{0400}'..='\u{04ff}').contains(&character)),
        ),
        (
            "a combining accent",
            texts.contains('\u{301}') || texts.contains('\u{308}'),
        ),
        ("an emoji", texts.contains('🔥') || texts.contains('🌙')),
        ("a slash", texts.contains('/')),
    ] {
        assert!(found, "no {what} in the titles and artists");
    }
}

#[test]
fn a_plan_is_the_same_for_the_same_seed_and_has_exactly_the_count() {
    for count in [0, 1, 7, 333] {
        let first: Vec<_> = LibraryPlan::new(count, 5).collect();
        let second: Vec<_> = LibraryPlan::new(count, 5).collect();
        assert_eq!(first, second);
        let files: usize = first.iter().map(|album| album.files.len()).sum();
        assert_eq!(files as u64, count);
    }
}

#[test]
fn folder_names_lose_only_what_file_systems_refuse() {
    assert_eq!(folder_name("AC/DC"), "AC_DC");
    assert_eq!(folder_name("a\0b"), "a_b");
    assert_eq!(folder_name("Mr. Nobody."), "Mr. Nobody");
    assert_eq!(folder_name("Everything Else . "), "Everything Else");
    assert_eq!(folder_name("..."), "_");
    assert_eq!(folder_name("Cafe\u{301} 東京 🔥"), "Cafe\u{301} 東京 🔥");
    let long = "東".repeat(100);
    let cut = folder_name(&long);
    assert!(cut.len() <= 180 && long.starts_with(&cut) && !cut.is_empty());
}

#[test]
fn cached_templates_write_the_same_bytes_as_a_tagged_copy() {
    for (position, format) in TemplateFormat::ALL.into_iter().enumerate() {
        assert_eq!(format.position(), position);
    }
    let templates = AudioTemplates::load().unwrap();
    let folder = tempfile::tempdir().unwrap();
    // A planned file with many fields and several values in some, given a cover as well.
    let mut tags: TagsToWrite = planned_files(20_000, 3)
        .map(|file| file.written)
        .find(|written| {
            written.tags.musicbrainz.recording_id.is_some()
                && written.tags.isrc_text.is_some()
                && written.tags.genres.len() == 2
                && written.tags.artists.len() > 1
        })
        .unwrap();
    tags.front_cover = true;
    for format in TemplateFormat::ALL {
        let path = folder
            .path()
            .join(format!("copy-{format}.{}", format.extension()));
        write_tagged_copy(format, &path, &tags).unwrap();
        let on_disk = std::fs::read(&path).unwrap();
        assert!(
            templates.tagged_bytes(format, &tags).unwrap() == on_disk,
            "{format}: the cached template gave other bytes"
        );
        assert_eq!(
            templates.template_bytes(format),
            std::fs::read(format.template_path()).unwrap()
        );
    }
}
