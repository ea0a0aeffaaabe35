//! What the library scan learns from one audio file, and the port that reads it.
//!
//! The scanner walks the music folder and hands each candidate file to a [`TagReader`]. The reader
//! answers with [`AudioFileFacts`] (the audio properties and a [`TagSnapshot`] of the tags) or with
//! an [`UnreadableFile`] that says, in words a user understands, why the file cannot be used. A
//! bad file never stops a scan: the scanner records the reason and moves on.
//!
//! Tag values are kept exactly as the file writes them: no trimming, no case changes, no Unicode
//! normalisation, and several values (artists, genres) stay separate values rather than one joined
//! string. "feat." credits are not split here either; matching derives its normalised keys from
//! these raw values later, so what is stored can always be shown back to the user unchanged.

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::values::{Isrc, TrackDuration};

mod matching;
mod path;
mod run;
mod walk;

pub use matching::*;
pub use path::*;
pub use run::*;
pub use walk::*;

/// Reads the audio properties and tags of one file.
///
/// The method is synchronous on purpose: tag libraries block on file I/O, and a scan reads
/// thousands of small files, so the scanner runs readers on blocking threads (`spawn_blocking` or a
/// dedicated pool) rather than wrapping every file in a future.
pub trait TagReader: Send + Sync {
    /// Reads the file at `path`.
    ///
    /// An adapter decides the format from the file's content, not from its name alone, and must
    /// never panic, whatever the bytes. It returns:
    /// - [`UnreadableFile::Empty`] for a zero-byte file;
    /// - [`UnreadableFile::NotAudio`] when the content is no audio format it recognises;
    /// - [`UnreadableFile::UnsupportedFormat`] when the name says a known audio format that the
    ///   adapter cannot read (WMA, DSD…) and the content is not one it reads either;
    /// - [`UnreadableFile::ExtensionMismatch`] when the content is audio of a different format
    ///   than the extension says (a FLAC stream named `.mp3`);
    /// - [`UnreadableFile::Corrupt`] when the content starts like a supported format but its
    ///   headers or tags are truncated or malformed;
    /// - [`UnreadableFile::Io`] when the file cannot be opened or read at all.
    fn read(&self, path: &Path) -> Result<AudioFileFacts, UnreadableFile>;
}

/// Everything one successful read of an audio file tells the scan.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioFileFacts {
    /// How the audio is stored and how long it plays.
    pub properties: AudioProperties,
    /// The tag values, exactly as written.
    pub tags: TagSnapshot,
    /// Whether any tag in the file embeds a picture (usually the front cover).
    pub has_embedded_art: bool,
}

/// How the audio in a file is stored: container, codec and stream properties.
///
/// Properties a format does not record are `None` rather than a made-up zero: lossy codecs have
/// no bit depth, and some headers omit the bitrate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioProperties {
    /// The file format, as detected from the content.
    pub format: AudioFormat,
    /// The codec of the audio stream.
    pub codec: AudioCodec,
    /// How long the audio plays.
    pub duration: TrackDuration,
    /// The audio bitrate in kilobits per second (the overall bitrate when the format gives no
    /// separate audio figure).
    pub bitrate_kbps: Option<u32>,
    /// Samples per second, per channel.
    pub sample_rate_hz: Option<u32>,
    /// Bits per sample; lossless and PCM formats only.
    pub bit_depth: Option<u8>,
    /// Number of audio channels.
    pub channels: Option<u8>,
}

/// The file format (container) of an audio file, as detected from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AudioFormat {
    /// MPEG audio (layers 1 to 3) in a bare stream, usually with ID3 tags.
    Mpeg,
    /// A bare AAC stream in ADTS frames (`.aac`).
    AdtsAac,
    /// An MPEG-4 file (`.m4a`, `.mp4`), holding AAC, ALAC or another codec.
    Mp4,
    /// A native FLAC stream.
    Flac,
    /// Vorbis in an Ogg container.
    OggVorbis,
    /// Opus in an Ogg container.
    OggOpus,
    /// Speex in an Ogg container.
    OggSpeex,
    /// A RIFF WAVE file.
    Wav,
    /// An AIFF or AIFF-C file.
    Aiff,
    /// A WavPack file.
    WavPack,
    /// A Monkey's Audio file.
    Ape,
    /// A Musepack file.
    Musepack,
}

impl AudioFormat {
    /// A stable lowercase name, suitable for storing in the `library_files.format` column.
    pub fn code(self) -> &'static str {
        match self {
            Self::Mpeg => "mpeg",
            Self::AdtsAac => "aac",
            Self::Mp4 => "mp4",
            Self::Flac => "flac",
            Self::OggVorbis => "ogg-vorbis",
            Self::OggOpus => "ogg-opus",
            Self::OggSpeex => "ogg-speex",
            Self::Wav => "wav",
            Self::Aiff => "aiff",
            Self::WavPack => "wavpack",
            Self::Ape => "ape",
            Self::Musepack => "musepack",
        }
    }

    /// The name people know the format by, for messages.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Mpeg => "MPEG audio",
            Self::AdtsAac => "AAC (ADTS)",
            Self::Mp4 => "MPEG-4",
            Self::Flac => "FLAC",
            Self::OggVorbis => "Ogg Vorbis",
            Self::OggOpus => "Opus",
            Self::OggSpeex => "Speex",
            Self::Wav => "WAV",
            Self::Aiff => "AIFF",
            Self::WavPack => "WavPack",
            Self::Ape => "Monkey's Audio",
            Self::Musepack => "Musepack",
        }
    }
}

impl fmt::Display for AudioFormat {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.display_name())
    }
}

/// The codec of an audio stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AudioCodec {
    /// MPEG-1/2 Audio Layer III.
    Mp3,
    /// MPEG-1/2 Audio Layer II.
    Mp2,
    /// MPEG-1/2 Audio Layer I.
    Mp1,
    /// Advanced Audio Coding.
    Aac,
    /// Apple Lossless.
    Alac,
    /// Free Lossless Audio Codec (native or inside MPEG-4).
    Flac,
    Vorbis,
    Opus,
    Speex,
    /// Uncompressed integer PCM (WAV, AIFF).
    Pcm,
    /// Uncompressed floating-point PCM.
    FloatPcm,
    WavPack,
    Ape,
    Musepack,
    /// A codec the file format allows but the reader does not name (a compressed WAV, say).
    Other,
}

impl AudioCodec {
    /// A stable lowercase name, suitable for storing in the `library_files.codec` column.
    pub fn code(self) -> &'static str {
        match self {
            Self::Mp3 => "mp3",
            Self::Mp2 => "mp2",
            Self::Mp1 => "mp1",
            Self::Aac => "aac",
            Self::Alac => "alac",
            Self::Flac => "flac",
            Self::Vorbis => "vorbis",
            Self::Opus => "opus",
            Self::Speex => "speex",
            Self::Pcm => "pcm",
            Self::FloatPcm => "float-pcm",
            Self::WavPack => "wavpack",
            Self::Ape => "ape",
            Self::Musepack => "musepack",
            Self::Other => "other",
        }
    }

    /// Whether the codec keeps every bit of the original audio. WavPack has a lossy hybrid mode
    /// that this does not tell apart, so it counts as lossless here.
    pub fn is_lossless(self) -> bool {
        matches!(
            self,
            Self::Alac | Self::Flac | Self::Pcm | Self::FloatPcm | Self::WavPack | Self::Ape
        )
    }
}

impl fmt::Display for AudioCodec {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.code())
    }
}

/// The tag values of one file, exactly as written.
///
/// Text is never trimmed, recased or normalised; an absent field is `None` or an empty list, and
/// a field written as an empty string stays `Some("")`. Multi-value fields keep each value the
/// file stores separately (repeated Vorbis `ARTIST` comments, ID3v2.4 null-separated values,
/// several MP4 data atoms) and never split a single value on `/`, `;` or "feat.".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TagSnapshot {
    pub title: Option<String>,
    /// The track artists, one entry per value in the tag.
    pub artists: Vec<String>,
    pub album: Option<String>,
    /// The album artists, one entry per value in the tag.
    pub album_artists: Vec<String>,
    pub track_number: Option<u32>,
    pub track_total: Option<u32>,
    pub disc_number: Option<u32>,
    pub disc_total: Option<u32>,
    /// The recording or release date as written: `2024`, `2024-03-05`, or whatever the file says.
    pub date: Option<String>,
    pub genres: Vec<String>,
    /// The ISRC text as written; see [`TagSnapshot::isrc`] for the validated code.
    pub isrc_text: Option<String>,
    pub musicbrainz: MusicBrainzTags,
    /// The compilation flag (`TCMP`, `COMPILATION`, `cpil`); `None` when the file does not say.
    pub compilation: Option<bool>,
}

impl TagSnapshot {
    /// The ISRC, when the written text is a valid one (in any of the usual spellings).
    pub fn isrc(&self) -> Option<Isrc> {
        self.isrc_text
            .as_deref()
            .and_then(|text| Isrc::parse(text).ok())
    }

    /// Whether the file has none of the fields above.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// MusicBrainz identifiers as written in the tags (Picard's names), unvalidated: a malformed id
/// is still worth showing, and validation belongs to whoever uses it for matching.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MusicBrainzTags {
    /// The recording id (`MUSICBRAINZ_TRACKID`, ID3 `UFID`, MP4 `MusicBrainz Track Id`).
    pub recording_id: Option<String>,
    /// The release track id (`MUSICBRAINZ_RELEASETRACKID`).
    pub track_id: Option<String>,
    /// The release id (`MUSICBRAINZ_ALBUMID`).
    pub release_id: Option<String>,
    pub release_group_id: Option<String>,
    /// The track artists' ids, one per value.
    pub artist_ids: Vec<String>,
    /// The album artists' ids, one per value.
    pub album_artist_ids: Vec<String>,
}

/// Why a file cannot be used as audio. The message is written for the user who owns the file.
#[derive(Debug, thiserror::Error)]
pub enum UnreadableFile {
    #[error("the file is empty (zero bytes)")]
    Empty,
    #[error("the content is not audio in any format SoulSpot reads{}", describe_extension(.extension.as_deref()))]
    NotAudio {
        /// The file's extension, when it has one.
        extension: Option<String>,
    },
    #[error("\".{extension}\" files are audio SoulSpot cannot read")]
    UnsupportedFormat { extension: String },
    #[error(
        "the extension \".{extension}\" does not match the content, which is {actual_format}; rename the file to fix it"
    )]
    ExtensionMismatch {
        extension: String,
        actual_format: AudioFormat,
    },
    #[error("the {format} data is truncated or corrupt: {detail}")]
    Corrupt {
        format: AudioFormat,
        /// What the reader tripped over, in its own words.
        detail: String,
    },
    #[error("the file could not be read: {source}")]
    Io {
        #[source]
        source: std::io::Error,
    },
}

impl UnreadableFile {
    /// A stable kebab-case code for the reason, suitable for storing next to the message and for
    /// an API's machine-readable field.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::NotAudio { .. } => "not-audio",
            Self::UnsupportedFormat { .. } => "unsupported-format",
            Self::ExtensionMismatch { .. } => "extension-mismatch",
            Self::Corrupt { .. } => "corrupt",
            Self::Io { .. } => "io",
        }
    }
}

fn describe_extension(extension: Option<&str>) -> String {
    match extension {
        Some(extension) => format!(" (despite its \".{extension}\" extension)"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn isrc_is_parsed_from_the_text_only_when_valid() {
        let mut tags = TagSnapshot {
            isrc_text: Some("us-rc1-76-07839".to_owned()),
            ..TagSnapshot::default()
        };
        assert_eq!(tags.isrc().unwrap().as_str(), "USRC17607839");
        tags.isrc_text = Some("not an isrc".to_owned());
        assert_eq!(tags.isrc(), None);
        tags.isrc_text = None;
        assert_eq!(tags.isrc(), None);
    }

    #[test]
    fn an_empty_snapshot_is_empty_and_any_field_makes_it_not() {
        assert!(TagSnapshot::default().is_empty());
        let with_empty_title = TagSnapshot {
            title: Some(String::new()),
            ..TagSnapshot::default()
        };
        assert!(!with_empty_title.is_empty());
    }

    #[test]
    fn reasons_read_as_sentences_and_have_stable_codes() {
        let not_audio = UnreadableFile::NotAudio {
            extension: Some("mp3".to_owned()),
        };
        assert_eq!(
            not_audio.to_string(),
            "the content is not audio in any format SoulSpot reads (despite its \".mp3\" extension)"
        );
        assert_eq!(not_audio.code(), "not-audio");
        let mismatch = UnreadableFile::ExtensionMismatch {
            extension: "mp3".to_owned(),
            actual_format: AudioFormat::Flac,
        };
        assert!(mismatch.to_string().contains("which is FLAC"));
        assert_eq!(mismatch.code(), "extension-mismatch");
        assert_eq!(UnreadableFile::Empty.code(), "empty");
    }
}
