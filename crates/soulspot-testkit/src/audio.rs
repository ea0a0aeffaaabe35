//! Real audio files for tests and the generated benchmark library: one tiny untagged template per
//! format (in `fixtures/audio/`, made once by `fixtures/audio/make.sh`), and
//! [`write_tagged_copy`], which copies a template and writes tags into the copy with lofty.
//!
//! Retagging templates rather than encoding audio keeps tests and `cargo xtask gen-library` free
//! of ffmpeg and fast: a copy and a tag write per file.

use std::fmt;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use lofty::ape::ApeTag;
use lofty::config::WriteOptions;
use lofty::file::TaggedFileExt;
use lofty::id3::v2::{Frame, Id3v2Tag};
use lofty::io::FileLike;
use lofty::picture::{MimeType, Picture, PictureType};
use lofty::probe::Probe;
use lofty::tag::{ItemKey, ItemValue, Tag, TagExt, TagItem, TagType};
use soulspot_domain::scan::TagSnapshot;

/// The formats with a committed template, each about one second of a 440 Hz sine, mono.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TemplateFormat {
    /// MP3 (MPEG Layer III, 32 kbit/s, 22,050 Hz), tagged with ID3v2.
    Mp3,
    /// FLAC (16-bit, 8,000 Hz), tagged with Vorbis comments.
    Flac,
    /// Vorbis in Ogg (22,050 Hz), tagged with Vorbis comments.
    OggVorbis,
    /// Opus in Ogg (48,000 Hz), tagged with Vorbis comments.
    Opus,
    /// AAC in MPEG-4 (32 kbit/s, 22,050 Hz), tagged with MP4 atoms.
    M4aAac,
    /// Apple Lossless in MPEG-4 (16-bit, 8,000 Hz), tagged with MP4 atoms.
    M4aAlac,
    /// 16-bit PCM WAV (8,000 Hz), tagged with an ID3v2 chunk.
    Wav,
    /// 16-bit PCM AIFF (8,000 Hz), tagged with an ID3v2 chunk.
    Aiff,
    /// WavPack (16-bit lossless, 8,000 Hz), tagged with APEv2.
    WavPack,
}

impl TemplateFormat {
    /// Every format, in a fixed order.
    pub const ALL: [Self; 9] = [
        Self::Mp3,
        Self::Flac,
        Self::OggVorbis,
        Self::Opus,
        Self::M4aAac,
        Self::M4aAlac,
        Self::Wav,
        Self::Aiff,
        Self::WavPack,
    ];

    /// Where the format stands in [`TemplateFormat::ALL`].
    pub fn position(self) -> usize {
        match self {
            Self::Mp3 => 0,
            Self::Flac => 1,
            Self::OggVorbis => 2,
            Self::Opus => 3,
            Self::M4aAac => 4,
            Self::M4aAlac => 5,
            Self::Wav => 6,
            Self::Aiff => 7,
            Self::WavPack => 8,
        }
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Mp3 => "mp3",
            Self::Flac => "flac",
            Self::OggVorbis => "ogg",
            Self::Opus => "opus",
            Self::M4aAac | Self::M4aAlac => "m4a",
            Self::Wav => "wav",
            Self::Aiff => "aiff",
            Self::WavPack => "wv",
        }
    }

    /// The sample rate the template was encoded at (what a reader must report).
    pub fn sample_rate_hz(self) -> u32 {
        match self {
            Self::Mp3 | Self::OggVorbis | Self::M4aAac => 22_050,
            Self::Opus => 48_000,
            Self::Flac | Self::M4aAlac | Self::Wav | Self::Aiff | Self::WavPack => 8_000,
        }
    }

    /// The bit depth of lossless and PCM templates; lossy formats have none.
    pub fn bit_depth(self) -> Option<u8> {
        match self {
            Self::Mp3 | Self::OggVorbis | Self::Opus | Self::M4aAac => None,
            Self::Flac | Self::M4aAlac | Self::Wav | Self::Aiff | Self::WavPack => Some(16),
        }
    }

    /// The committed template file for this format.
    pub fn template_path(self) -> PathBuf {
        let file_name = match self {
            Self::M4aAac => "template-aac.m4a".to_owned(),
            Self::M4aAlac => "template-alac.m4a".to_owned(),
            other => format!("template.{}", other.extension()),
        };
        audio_fixtures_folder().join(file_name)
    }
}

impl fmt::Display for TemplateFormat {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::Mp3 => "mp3",
            Self::Flac => "flac",
            Self::OggVorbis => "ogg-vorbis",
            Self::Opus => "opus",
            Self::M4aAac => "m4a-aac",
            Self::M4aAlac => "m4a-alac",
            Self::Wav => "wav",
            Self::Aiff => "aiff",
            Self::WavPack => "wavpack",
        };
        formatter.write_str(name)
    }
}

/// The folder holding the audio templates and `make.sh`.
pub fn audio_fixtures_folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/audio")
}

/// What to write into a copy: the same snapshot a `TagReader` reports (so a round-trip test
/// compares what it wrote with what it read), plus whether to embed a front cover. Every text is
/// written exactly as given, so tests can check that readers keep trailing spaces, combining
/// characters and the like; `None` and empty lists write nothing for that field; multi-value
/// fields are written as separate values (repeated fields, or the format's multi-value form).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagsToWrite {
    pub tags: TagSnapshot,
    /// Embeds a tiny PNG as the front cover.
    pub front_cover: bool,
}

/// Why a tagged copy could not be written.
#[derive(Debug)]
pub enum WriteTaggedCopyError {
    /// Copying the template failed.
    Copy {
        template: PathBuf,
        destination: PathBuf,
        source: std::io::Error,
    },
    /// lofty could not read the copy back to find its tag type.
    Read {
        destination: PathBuf,
        source: lofty::error::FileParseError,
    },
    /// lofty could not write the tag.
    Write {
        destination: PathBuf,
        source: lofty::error::FileEncodingError,
    },
}

impl fmt::Display for WriteTaggedCopyError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Copy {
                template,
                destination,
                ..
            } => write!(
                formatter,
                "could not copy the audio template {} to {}",
                template.display(),
                destination.display()
            ),
            Self::Read { destination, .. } => write!(
                formatter,
                "could not read the copied template {}",
                destination.display()
            ),
            Self::Write { destination, .. } => {
                write!(
                    formatter,
                    "could not write tags to {}",
                    destination.display()
                )
            }
        }
    }
}

impl std::error::Error for WriteTaggedCopyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Copy { source, .. } => Some(source),
            Self::Read { source, .. } => Some(source),
            Self::Write { source, .. } => Some(source),
        }
    }
}

/// Copies the template of `format` to `destination` (a file path; its extension is the
/// caller's choice, so tests can also make files whose name lies) and writes `tags` into the
/// copy's primary tag: ID3v2 for MP3, WAV and AIFF; Vorbis comments for FLAC, Ogg and Opus; MP4
/// atoms for M4A; APEv2 for WavPack. Returns the destination.
pub fn write_tagged_copy(
    format: TemplateFormat,
    destination: &Path,
    tags: &TagsToWrite,
) -> Result<PathBuf, WriteTaggedCopyError> {
    let template = format.template_path();
    std::fs::copy(&template, destination).map_err(|source| WriteTaggedCopyError::Copy {
        template: template.clone(),
        destination: destination.to_owned(),
        source,
    })?;

    // The type comes from the content, because `destination` may carry any extension.
    let tag_type = Probe::open(destination)
        .and_then(|probe| Ok(probe.guess_file_type()?))
        .and_then(Probe::read)
        .map_err(|source| WriteTaggedCopyError::Read {
            destination: destination.to_owned(),
            source,
        })?
        .primary_tag_type();

    let tag = tag_for(tags, tag_type);
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(destination)
        .map_err(lofty::error::FileEncodingError::from)
        .and_then(|mut file| save_tag(tag, tag_type, &mut file))
        .map_err(|source| WriteTaggedCopyError::Write {
            destination: destination.to_owned(),
            source,
        })?;
    Ok(destination.to_owned())
}

/// Every template read into memory once, for writers of many files (`cargo xtask gen-library`
/// writes 100,000): [`AudioTemplates::tagged_bytes`] tags a copy of the cached bytes in memory,
/// which spares each file the template copy on disk and the re-read that finds its tag type.
/// The bytes are the same [`write_tagged_copy`] leaves on disk for the same tags.
#[derive(Debug, Clone)]
pub struct AudioTemplates {
    /// One per format, in the order of [`TemplateFormat::ALL`].
    templates: Vec<CachedTemplate>,
}

#[derive(Debug, Clone)]
struct CachedTemplate {
    bytes: Vec<u8>,
    tag_type: TagType,
}

/// Why the templates could not be cached, or a tagged copy not made from them.
#[derive(Debug)]
pub enum AudioTemplatesError {
    /// A template file could not be read.
    ReadTemplate {
        template: PathBuf,
        source: std::io::Error,
    },
    /// lofty could not parse a template to find its tag type.
    ParseTemplate {
        template: PathBuf,
        source: lofty::error::FileParseError,
    },
    /// lofty could not write the tag into the copy.
    Write {
        format: TemplateFormat,
        source: lofty::error::FileEncodingError,
    },
}

impl fmt::Display for AudioTemplatesError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ReadTemplate { template, .. } => write!(
                formatter,
                "could not read the audio template {}",
                template.display()
            ),
            Self::ParseTemplate { template, .. } => write!(
                formatter,
                "could not parse the audio template {}",
                template.display()
            ),
            Self::Write { format, .. } => {
                write!(formatter, "could not write tags into a {format} copy")
            }
        }
    }
}

impl std::error::Error for AudioTemplatesError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::ReadTemplate { source, .. } => Some(source),
            Self::ParseTemplate { source, .. } => Some(source),
            Self::Write { source, .. } => Some(source),
        }
    }
}

impl AudioTemplates {
    /// Reads every template from `fixtures/audio/` and finds its primary tag type.
    pub fn load() -> Result<Self, AudioTemplatesError> {
        let templates = TemplateFormat::ALL
            .into_iter()
            .map(|format| {
                let template = format.template_path();
                let bytes = std::fs::read(&template).map_err(|source| {
                    AudioTemplatesError::ReadTemplate {
                        template: template.clone(),
                        source,
                    }
                })?;
                let tag_type = Probe::new(Cursor::new(bytes.as_slice()))
                    .guess_file_type()
                    .map_err(lofty::error::FileParseError::from)
                    .and_then(Probe::read)
                    .map_err(|source| AudioTemplatesError::ParseTemplate {
                        template: template.clone(),
                        source,
                    })?
                    .primary_tag_type();
                Ok(CachedTemplate { bytes, tag_type })
            })
            .collect::<Result<Vec<_>, AudioTemplatesError>>()?;
        Ok(Self { templates })
    }

    /// The untagged template of `format`, as committed.
    pub fn template_bytes(&self, format: TemplateFormat) -> &[u8] {
        &self.cached(format).bytes
    }

    /// A whole audio file: the template of `format` with `tags` written into its primary tag,
    /// exactly as [`write_tagged_copy`] would write it.
    pub fn tagged_bytes(
        &self,
        format: TemplateFormat,
        tags: &TagsToWrite,
    ) -> Result<Vec<u8>, AudioTemplatesError> {
        let cached = self.cached(format);
        // Room for the tag up front, so writing it does not reallocate the copy.
        let mut bytes = Vec::with_capacity(cached.bytes.len() + 4_096);
        bytes.extend_from_slice(&cached.bytes);
        let mut file = Cursor::new(bytes);
        save_tag(tag_for(tags, cached.tag_type), cached.tag_type, &mut file)
            .map_err(|source| AudioTemplatesError::Write { format, source })?;
        Ok(file.into_inner())
    }

    fn cached(&self, format: TemplateFormat) -> &CachedTemplate {
        // `load` caches one template per format in the order of `ALL`.
        &self.templates[format.position()]
    }
}

/// A lofty tag of `tag_type` holding `tags`, laid out as [`write_tagged_copy`] documents.
fn tag_for(tags: &TagsToWrite, tag_type: TagType) -> Tag {
    let snapshot = &tags.tags;
    let mut tag = Tag::new(tag_type);
    let mut push_text = |key: ItemKey, value: &str| {
        // `push` keeps earlier values of the same key, which is how several artists are written.
        tag.push(TagItem::new(key, ItemValue::Text(value.to_owned())));
    };
    let texts: [(ItemKey, Option<&String>); 8] = [
        (ItemKey::TrackTitle, snapshot.title.as_ref()),
        (ItemKey::AlbumTitle, snapshot.album.as_ref()),
        (ItemKey::RecordingDate, snapshot.date.as_ref()),
        (ItemKey::Isrc, snapshot.isrc_text.as_ref()),
        (
            ItemKey::MusicBrainzRecordingId,
            snapshot.musicbrainz.recording_id.as_ref(),
        ),
        (
            ItemKey::MusicBrainzTrackId,
            snapshot.musicbrainz.track_id.as_ref(),
        ),
        (
            ItemKey::MusicBrainzReleaseId,
            snapshot.musicbrainz.release_id.as_ref(),
        ),
        (
            ItemKey::MusicBrainzReleaseGroupId,
            snapshot.musicbrainz.release_group_id.as_ref(),
        ),
    ];
    for (key, value) in texts {
        if let Some(value) = value {
            push_text(key, value);
        }
    }
    let lists: [(ItemKey, &Vec<String>); 5] = [
        (ItemKey::TrackArtist, &snapshot.artists),
        (ItemKey::AlbumArtist, &snapshot.album_artists),
        (ItemKey::Genre, &snapshot.genres),
        (
            ItemKey::MusicBrainzArtistId,
            &snapshot.musicbrainz.artist_ids,
        ),
        (
            ItemKey::MusicBrainzReleaseArtistId,
            &snapshot.musicbrainz.album_artist_ids,
        ),
    ];
    for (key, values) in lists {
        if tag_type == TagType::Ape {
            // APEv2 stores several values as one item separated by NULs, but lofty's conversion
            // from a generic tag keeps only the last item of a key, so the values are joined here.
            if !values.is_empty() {
                push_text(key, &values.join("\0"));
            }
        } else {
            for value in values {
                push_text(key, value);
            }
        }
    }
    let numbers = [
        (ItemKey::TrackNumber, snapshot.track_number),
        (ItemKey::TrackTotal, snapshot.track_total),
        (ItemKey::DiscNumber, snapshot.disc_number),
        (ItemKey::DiscTotal, snapshot.disc_total),
    ];
    for (key, number) in numbers {
        if let Some(number) = number {
            push_text(key, &number.to_string());
        }
    }
    if let Some(compilation) = snapshot.compilation {
        push_text(
            ItemKey::FlagCompilation,
            if compilation { "1" } else { "0" },
        );
    }
    if tags.front_cover {
        tag.push_picture(
            Picture::unchecked(ONE_PIXEL_PNG.to_vec())
                .pic_type(PictureType::CoverFront)
                .mime_type(MimeType::Png)
                .build(),
        );
    }

    tag
}

/// Writes `tag` into `file`, which holds a whole audio file of a format whose primary tag type
/// is `tag_type`, replacing any tag of that type.
fn save_tag<File: FileLike>(
    tag: Tag,
    tag_type: TagType,
    file: &mut File,
) -> Result<(), lofty::error::FileEncodingError> {
    // No padding: the generated library holds many thousands of these files, and the default
    // padding would more than double the size of the Ogg ones.
    let write_options = WriteOptions::default().preferred_padding(0);
    match tag_type {
        // Saving a generic tag as APE drops its pictures; converting to an `ApeTag` first turns
        // them into the `Cover Art (Front)` binary items readers look for.
        TagType::Ape => ApeTag::from(tag).save_to(file, write_options),
        TagType::Id3v2 => id3v2_in_a_fixed_order(tag).save_to(file, write_options),
        _ => tag.save_to(file, write_options),
    }
}

/// `tag` as ID3v2 with its frames in a fixed order. lofty's conversion from a generic tag
/// collects the frames in a hash set, so their order (and the file's bytes) would change from
/// run to run, and the generated library must be the same byte for byte for the same seed.
fn id3v2_in_a_fixed_order(tag: Tag) -> Id3v2Tag {
    let mut frames: Vec<Frame<'static>> = Id3v2Tag::from(tag).into_iter().collect();
    // The debug form starts with the frame's kind and id, then holds every field, so it orders
    // any two different frames.
    frames.sort_by_cached_key(|frame| format!("{frame:?}"));
    let mut ordered = Id3v2Tag::new();
    for frame in frames {
        // The frames came out of one tag, so none replaces another.
        ordered.insert(frame);
    }
    ordered
}

/// A valid 1×1 transparent PNG (67 bytes), the smallest honest front cover.
const ONE_PIXEL_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];
