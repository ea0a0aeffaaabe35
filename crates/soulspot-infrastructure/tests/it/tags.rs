//! The lofty tag reader against real files of every template format: tags written by the
//! testkit come back exactly as written (several artists, Unicode with combining characters,
//! leading and trailing spaces, MusicBrainz ids, ISRC, compilation flag, cover art), the audio
//! properties are those the templates were encoded with, untagged files read as empty, and bad
//! files (empty, not audio, truncated, corrupt, lying about their format) give their typed reason.

use std::path::{Path, PathBuf};

use soulspot_domain::scan::{
    AudioCodec, AudioFileFacts, AudioFormat, MusicBrainzTags, TagReader, TagSnapshot,
    UnreadableFile,
};
use soulspot_infrastructure::tags::LoftyTagReader;
use soulspot_testkit::audio::{TagsToWrite, TemplateFormat, write_tagged_copy};

/// Tags that exercise every field, with values a careless reader would mangle: a combining
/// diaeresis, trailing and leading spaces, a `/` inside one artist's name, a "feat." credit that
/// must not be split, and a hyphenated ISRC.
fn rich_tags() -> TagsToWrite {
    TagsToWrite {
        tags: TagSnapshot {
            title: Some("Ça va\u{0301} bien ".to_owned()),
            artists: vec![
                "Bjo\u{0308}rk ".to_owned(),
                "AC/DC".to_owned(),
                "Ólafur Arnalds feat. Nils Frahm".to_owned(),
            ],
            album: Some("  Ágætis byrjun".to_owned()),
            album_artists: vec!["Various Artists".to_owned(), "東京事変".to_owned()],
            track_number: Some(3),
            track_total: Some(12),
            disc_number: Some(1),
            disc_total: Some(2),
            date: Some("2024-03-05".to_owned()),
            genres: vec!["Post-Rock".to_owned(), "Ambient".to_owned()],
            isrc_text: Some("gb-aye-06-00001".to_owned()),
            musicbrainz: MusicBrainzTags {
                recording_id: Some("8f3471b5-7e6a-48da-86a9-c1c07a0f47ae".to_owned()),
                track_id: Some("3d2a3ef4-1b4a-4a5b-9f5e-2c0c7a3d9e11".to_owned()),
                release_id: Some("9d4c5f7a-1f0e-4c7b-8a61-2a3b4c5d6e7f".to_owned()),
                release_group_id: Some("1b2c3d4e-5f60-4718-829a-0b1c2d3e4f50".to_owned()),
                artist_ids: vec![
                    "87c5dedd-371d-4a53-9f7f-80522fb7f3cb".to_owned(),
                    "66c662b6-6e2f-4930-8610-912e24c63ed1".to_owned(),
                ],
                album_artist_ids: vec!["89ad4ac3-39f7-470e-963a-56509c546377".to_owned()],
            },
            compilation: Some(true),
        },
        front_cover: true,
    }
}

/// What a reader must report for `written`: the same values, nothing added.
fn expected_snapshot(written: &TagsToWrite) -> TagSnapshot {
    written.tags.clone()
}

fn expected_format_and_codec(format: TemplateFormat) -> (AudioFormat, AudioCodec) {
    match format {
        TemplateFormat::Mp3 => (AudioFormat::Mpeg, AudioCodec::Mp3),
        TemplateFormat::Flac => (AudioFormat::Flac, AudioCodec::Flac),
        TemplateFormat::OggVorbis => (AudioFormat::OggVorbis, AudioCodec::Vorbis),
        TemplateFormat::Opus => (AudioFormat::OggOpus, AudioCodec::Opus),
        TemplateFormat::M4aAac => (AudioFormat::Mp4, AudioCodec::Aac),
        TemplateFormat::M4aAlac => (AudioFormat::Mp4, AudioCodec::Alac),
        TemplateFormat::Wav => (AudioFormat::Wav, AudioCodec::Pcm),
        TemplateFormat::Aiff => (AudioFormat::Aiff, AudioCodec::Pcm),
        TemplateFormat::WavPack => (AudioFormat::WavPack, AudioCodec::WavPack),
    }
}

fn copy_path(folder: &Path, format: TemplateFormat, stem: &str) -> PathBuf {
    folder.join(format!("{stem}-{format}.{}", format.extension()))
}

fn read(path: &Path) -> Result<AudioFileFacts, UnreadableFile> {
    LoftyTagReader::new().read(path)
}

/// The template's encoding, whatever the tags: one second of mono audio at the template's rate.
fn assert_properties_are_the_templates(format: TemplateFormat, facts: &AudioFileFacts) {
    let properties = &facts.properties;
    let (expected_format, expected_codec) = expected_format_and_codec(format);
    assert_eq!(properties.format, expected_format, "{format}");
    assert_eq!(properties.codec, expected_codec, "{format}");
    let millis = properties.duration.as_millis();
    // Encoders add priming samples and whole frames: MP3 reports about 1.07 s, Opus 1.007 s.
    assert!(
        (950..=1_150).contains(&millis),
        "{format}: duration {millis} ms"
    );
    assert_eq!(
        properties.sample_rate_hz,
        Some(format.sample_rate_hz()),
        "{format}"
    );
    assert_eq!(properties.channels, Some(1), "{format}");
    if let Some(bit_depth) = format.bit_depth() {
        assert_eq!(properties.bit_depth, Some(bit_depth), "{format}");
    }
    let bitrate = properties
        .bitrate_kbps
        .unwrap_or_else(|| panic!("{format}: no bitrate"));
    // 16 kbit/s Opus up to 8 kHz × 16 bit = 128 kbit/s PCM.
    assert!((8..=140).contains(&bitrate), "{format}: {bitrate} kbit/s");
}

#[test]
fn every_field_round_trips_in_every_format() {
    let folder = tempfile::tempdir().unwrap();
    let written = rich_tags();
    for format in TemplateFormat::ALL {
        let path = write_tagged_copy(format, &copy_path(folder.path(), format, "rich"), &written)
            .unwrap_or_else(|error| panic!("{format}: {error}"));
        let facts = read(&path).unwrap_or_else(|error| panic!("{format}: {error}"));

        assert_eq!(facts.tags, expected_snapshot(&written), "{format}");
        assert_eq!(
            facts.tags.isrc().map(|isrc| isrc.as_str().to_owned()),
            Some("GBAYE0600001".to_owned()),
            "{format}"
        );
        assert!(facts.has_embedded_art, "{format}: cover art not seen");
        assert_properties_are_the_templates(format, &facts);
    }
}

#[test]
fn missing_fields_stay_absent_and_a_false_compilation_flag_is_kept() {
    let folder = tempfile::tempdir().unwrap();
    let written = TagsToWrite {
        tags: TagSnapshot {
            title: Some("Intro".to_owned()),
            artists: vec!["Solo Artist".to_owned()],
            track_number: Some(1),
            compilation: Some(false),
            ..TagSnapshot::default()
        },
        front_cover: false,
    };
    for format in TemplateFormat::ALL {
        let path = write_tagged_copy(
            format,
            &copy_path(folder.path(), format, "sparse"),
            &written,
        )
        .unwrap_or_else(|error| panic!("{format}: {error}"));
        let facts = read(&path).unwrap_or_else(|error| panic!("{format}: {error}"));

        assert_eq!(facts.tags, expected_snapshot(&written), "{format}");
        assert_eq!(facts.tags.isrc(), None, "{format}");
        assert!(!facts.has_embedded_art, "{format}");
    }
}

#[test]
fn an_untagged_template_reads_with_empty_fields() {
    for format in TemplateFormat::ALL {
        let facts =
            read(&format.template_path()).unwrap_or_else(|error| panic!("{format}: {error}"));
        assert!(facts.tags.is_empty(), "{format}: {:?}", facts.tags);
        assert!(!facts.has_embedded_art, "{format}");
        assert_properties_are_the_templates(format, &facts);
    }
}

#[test]
fn an_invalid_isrc_keeps_its_text_but_parses_to_nothing() {
    let folder = tempfile::tempdir().unwrap();
    let written = TagsToWrite {
        tags: TagSnapshot {
            isrc_text: Some("not-an-isrc ".to_owned()),
            ..TagSnapshot::default()
        },
        front_cover: false,
    };
    let path = write_tagged_copy(
        TemplateFormat::Flac,
        &copy_path(folder.path(), TemplateFormat::Flac, "isrc"),
        &written,
    )
    .unwrap();
    let tags = read(&path).unwrap().tags;
    assert_eq!(tags.isrc_text.as_deref(), Some("not-an-isrc "));
    assert_eq!(tags.isrc(), None);
}

#[test]
fn a_zero_byte_file_is_empty() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("empty.flac");
    std::fs::write(&path, b"").unwrap();
    let error = read(&path).unwrap_err();
    assert!(matches!(error, UnreadableFile::Empty), "{error:?}");
    assert_eq!(error.code(), "empty");
}

#[test]
fn a_text_file_named_mp3_is_not_audio() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("notes.mp3");
    std::fs::write(&path, "These are my liner notes, not a song.\n".repeat(20)).unwrap();
    let error = read(&path).unwrap_err();
    match &error {
        UnreadableFile::NotAudio { extension } => assert_eq!(extension.as_deref(), Some("mp3")),
        other => panic!("expected not audio, got {other:?}"),
    }
    assert!(error.to_string().contains("\".mp3\""), "{error}");
}

#[test]
fn a_known_but_unsupported_audio_format_says_so() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("old.wma");
    // The start of an ASF header, which lofty does not read.
    std::fs::write(
        &path,
        [
            0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62,
            0xCE, 0x6C,
        ],
    )
    .unwrap();
    let error = read(&path).unwrap_err();
    assert!(
        matches!(&error, UnreadableFile::UnsupportedFormat { extension } if extension == "wma"),
        "{error:?}"
    );
}

#[test]
fn an_extension_that_lies_about_the_content_is_reported() {
    let folder = tempfile::tempdir().unwrap();
    let cases = [
        (TemplateFormat::Flac, "song.mp3", AudioFormat::Flac),
        (TemplateFormat::Mp3, "song.flac", AudioFormat::Mpeg),
        (TemplateFormat::M4aAac, "song.ogg", AudioFormat::Mp4),
        (TemplateFormat::Wav, "song.m4a", AudioFormat::Wav),
    ];
    for (format, file_name, actual) in cases {
        let path = folder.path().join(file_name);
        std::fs::copy(format.template_path(), &path).unwrap();
        let error = read(&path).unwrap_err();
        match &error {
            UnreadableFile::ExtensionMismatch {
                extension,
                actual_format,
            } => {
                assert_eq!(
                    extension.as_str(),
                    Path::new(file_name).extension().unwrap()
                );
                assert_eq!(*actual_format, actual, "{file_name}");
            }
            other => panic!("{file_name}: expected an extension mismatch, got {other:?}"),
        }
        assert_eq!(error.code(), "extension-mismatch");
    }
}

#[test]
fn content_decides_when_the_name_says_nothing_or_names_the_same_family() {
    let folder = tempfile::tempdir().unwrap();
    // Opus in a `.ogg` file is common and legitimate; a file without an extension is read by
    // its content alone.
    let opus_as_ogg = folder.path().join("voice.ogg");
    std::fs::copy(TemplateFormat::Opus.template_path(), &opus_as_ogg).unwrap();
    assert_eq!(
        read(&opus_as_ogg).unwrap().properties.format,
        AudioFormat::OggOpus
    );
    let no_extension = folder.path().join("track");
    std::fs::copy(TemplateFormat::Flac.template_path(), &no_extension).unwrap();
    assert_eq!(
        read(&no_extension).unwrap().properties.format,
        AudioFormat::Flac
    );
}

#[test]
fn truncated_files_are_corrupt_in_every_format() {
    let folder = tempfile::tempdir().unwrap();
    for format in TemplateFormat::ALL {
        let template = std::fs::read(format.template_path()).unwrap();
        // Long enough for the format to be recognised, too short for its headers.
        let path = copy_path(folder.path(), format, "truncated");
        std::fs::write(&path, &template[..40]).unwrap();
        let error = read(&path).unwrap_err();
        let (expected_format, _) = expected_format_and_codec(format);
        match &error {
            UnreadableFile::Corrupt { format: found, .. } => {
                assert_eq!(*found, expected_format, "{format}")
            }
            other => panic!("{format}: expected corrupt, got {other:?}"),
        }
        assert_eq!(error.code(), "corrupt");
    }
}

#[test]
fn garbage_after_a_valid_signature_is_corrupt() {
    let folder = tempfile::tempdir().unwrap();
    for format in [
        TemplateFormat::Flac,
        TemplateFormat::M4aAac,
        TemplateFormat::Wav,
    ] {
        let mut bytes = std::fs::read(format.template_path()).unwrap();
        // Keep the 12-byte signature (`fLaC`, `ftyp`, `RIFF....WAVE`) and scramble the headers
        // behind it with a fixed pattern, so the test is the same on every run.
        for (index, byte) in bytes.iter_mut().enumerate().skip(12).take(200) {
            *byte = (index as u8).wrapping_mul(151).wrapping_add(0x5A);
        }
        let path = copy_path(folder.path(), format, "garbage");
        std::fs::write(&path, &bytes).unwrap();
        let error = read(&path).unwrap_err();
        assert!(
            matches!(error, UnreadableFile::Corrupt { .. }),
            "{format}: {error:?}"
        );
    }
}

#[test]
fn missing_files_and_folders_are_io_errors() {
    let folder = tempfile::tempdir().unwrap();
    let missing = read(&folder.path().join("gone.mp3")).unwrap_err();
    match &missing {
        UnreadableFile::Io { source } => assert_eq!(source.kind(), std::io::ErrorKind::NotFound),
        other => panic!("expected an I/O error, got {other:?}"),
    }
    let a_folder = read(folder.path()).unwrap_err();
    assert!(
        matches!(a_folder, UnreadableFile::Io { .. }),
        "{a_folder:?}"
    );
}

/// An ID3v1 tag: "TAG", then title, artist and album (30 bytes each, NUL-padded), year (4),
/// comment (30) and a genre index.
fn id3v1_tag(title: &str, artist: &str, year: &str) -> Vec<u8> {
    let field = |text: &str, length: usize| {
        let mut bytes = text.as_bytes().to_vec();
        bytes.resize(length, 0);
        bytes
    };
    let mut tag = b"TAG".to_vec();
    tag.extend(field(title, 30));
    tag.extend(field(artist, 30));
    tag.extend(field("", 30));
    tag.extend(field(year, 4));
    tag.extend(field("", 30));
    tag.push(255); // No genre.
    tag
}

#[test]
fn fields_fall_back_to_other_tags_when_the_primary_tag_lacks_them() {
    let folder = tempfile::tempdir().unwrap();

    // Only an old ID3v1 tag: every field it has is read from it.
    let only_id3v1 = folder.path().join("only-id3v1.mp3");
    let mut bytes = std::fs::read(TemplateFormat::Mp3.template_path()).unwrap();
    bytes.extend(id3v1_tag("Old Title", "Old Artist", "1999"));
    std::fs::write(&only_id3v1, &bytes).unwrap();
    let tags = read(&only_id3v1).unwrap().tags;
    assert_eq!(tags.title.as_deref(), Some("Old Title"));
    assert_eq!(tags.artists, ["Old Artist"]);
    assert_eq!(tags.date.as_deref(), Some("1999"));

    // ID3v2 and ID3v1 together: ID3v2 wins where it has a value, ID3v1 fills the gaps.
    let both = write_tagged_copy(
        TemplateFormat::Mp3,
        &folder.path().join("both.mp3"),
        &TagsToWrite {
            tags: TagSnapshot {
                title: Some("New Title".to_owned()),
                ..TagSnapshot::default()
            },
            front_cover: false,
        },
    )
    .unwrap();
    let mut bytes = std::fs::read(&both).unwrap();
    bytes.extend(id3v1_tag("Old Title", "Old Artist", "1999"));
    std::fs::write(&both, &bytes).unwrap();
    let tags = read(&both).unwrap().tags;
    assert_eq!(tags.title.as_deref(), Some("New Title"));
    assert_eq!(tags.artists, ["Old Artist"]);
    assert_eq!(tags.date.as_deref(), Some("1999"));
}
