//! The library scan's [`TagReader`], built on lofty: audio properties and tags of every format
//! lofty reads (MP3, FLAC, Ogg Vorbis, Opus, Speex, MP4/AAC/ALAC, WAV, AIFF, WavPack, APE,
//! Musepack).
//!
//! The format comes from the file's first bytes, not its name, so a file whose extension lies is
//! caught and reported instead of being half-read with the wrong parser. Tags are read through
//! lofty's format-independent [`Tag`], which already maps ID3v2 frames (including `TXXX`
//! MusicBrainz frames and the MusicBrainz `UFID`), Vorbis comments, MP4 atoms (including the
//! `----:com.apple.iTunes:MusicBrainz …` freeform atoms and `cpil`) and APE items onto the same
//! keys. Each field comes from the format's primary tag when it has it, else from the first other
//! tag in the file that does (an MP3 with both ID3v2 and an old ID3v1 tag, say).

use std::ffi::OsStr;
use std::fs::File;
use std::io::{BufReader, ErrorKind, Read, Seek};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use lofty::ape::{ApeFile, ApeTag};
use lofty::config::ParseOptions;
use lofty::error::{FileParseError, NotEnoughDataError};
use lofty::file::{AudioFile, FileType, TaggedFile, TaggedFileExt};
use lofty::iff::aiff::{AiffCompressionType, AiffFile};
use lofty::iff::wav::{WavFile, WavFormat};
use lofty::mp4::{Mp4Codec, Mp4File};
use lofty::mpeg::{Layer, MpegFile};
use lofty::musepack::MpcFile;
use lofty::probe::Probe;
use lofty::properties::FileProperties;
use lofty::tag::{ItemKey, ItemValue, Tag};
use lofty::wavpack::WavPackFile;
use soulspot_domain::scan::{
    AudioCodec, AudioFileFacts, AudioFormat, AudioProperties, MusicBrainzTags, TagReader,
    TagSnapshot, UnreadableFile,
};
use soulspot_domain::values::TrackDuration;

/// Extensions of audio formats lofty cannot read. A file with one of these names whose content
/// lofty does not recognise is reported as unsupported rather than "not audio", which tells the
/// user the file is probably fine, just not something SoulSpot handles.
const UNSUPPORTED_AUDIO_EXTENSIONS: &[&str] = &[
    "wma", "asf", "dsf", "dff", "mka", "ac3", "eac3", "dts", "tta", "ra", "rm", "amr", "mid",
    "midi", "mod", "xm", "it", "s3m", "shn", "tak", "ofr", "caf", "au", "snd", "voc",
];

/// Reads tags and audio properties with lofty. Stateless and cheap to share across threads.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoftyTagReader;

impl LoftyTagReader {
    pub fn new() -> Self {
        Self
    }
}

impl TagReader for LoftyTagReader {
    fn read(&self, path: &Path) -> Result<AudioFileFacts, UnreadableFile> {
        read_audio_file(path)
    }
}

fn read_audio_file(path: &Path) -> Result<AudioFileFacts, UnreadableFile> {
    let file = File::open(path).map_err(|source| UnreadableFile::Io { source })?;
    let length = file
        .metadata()
        .map_err(|source| UnreadableFile::Io { source })?
        .len();
    if length == 0 {
        return Err(UnreadableFile::Empty);
    }

    let extension = path
        .extension()
        .and_then(OsStr::to_str)
        .map(str::to_ascii_lowercase);
    let mut reader = BufReader::new(file);
    let file_type = detect_file_type_from_content(&mut reader)?;

    let Some(file_type) = file_type else {
        return Err(match extension {
            Some(extension) if UNSUPPORTED_AUDIO_EXTENSIONS.contains(&extension.as_str()) => {
                UnreadableFile::UnsupportedFormat { extension }
            }
            extension => UnreadableFile::NotAudio { extension },
        });
    };
    let format = audio_format(file_type).ok_or_else(|| UnreadableFile::NotAudio {
        extension: extension.clone(),
    })?;
    if let Some(extension) = extension
        && extension_contradicts_content(&extension, file_type)
    {
        return Err(UnreadableFile::ExtensionMismatch {
            extension,
            actual_format: format,
        });
    }

    let LoftyRead {
        tagged_file,
        codec,
        ape_cover_art,
    } = read_tagged_file_without_panicking(&mut reader, file_type, format)?;
    let properties = audio_properties(format, codec, tagged_file.properties())?;
    reject_files_too_small_for_their_duration(&properties, length)?;
    let has_embedded_art = ape_cover_art
        || tagged_file
            .tags()
            .iter()
            .any(|tag| !tag.pictures().is_empty());
    Ok(AudioFileFacts {
        properties,
        tags: tag_snapshot(&tagged_file),
        has_embedded_art,
    })
}

/// Guesses the file type from the first bytes only; `None` when nothing matches.
///
/// `Probe::open` would start from the extension and keep it when the content is unknown, which
/// hides exactly the lies this reader must report, so the probe starts without a type here.
fn detect_file_type_from_content(
    reader: &mut BufReader<File>,
) -> Result<Option<FileType>, UnreadableFile> {
    let probe = Probe::new(&mut *reader)
        .guess_file_type()
        .map_err(|source| UnreadableFile::Io { source })?;
    let file_type = probe.file_type();
    reader
        .rewind()
        .map_err(|source| UnreadableFile::Io { source })?;
    Ok(file_type)
}

/// Whether the extension names a different format than the content has. Extensions lofty does
/// not know (`.oga`, `.txt`, none) contradict nothing: the content decides.
fn extension_contradicts_content(extension: &str, content_type: FileType) -> bool {
    let Some(extension_type) = FileType::from_ext(extension) else {
        return false;
    };
    if extension_type == content_type {
        return false;
    }
    // `.ogg` and `.opus` are both used for any Ogg stream (Opus in `.ogg` is common), and
    // players pick the decoder from the stream there, so within the Ogg family nothing lies.
    let ogg_family = |file_type| {
        matches!(
            file_type,
            FileType::Vorbis | FileType::Opus | FileType::Speex
        )
    };
    !(ogg_family(extension_type) && ogg_family(content_type))
}

/// lofty parses untrusted bytes; a bug in it must cost one file, not the whole scan, so a panic
/// becomes the "corrupt" reason the scan records before moving on.
fn read_tagged_file_without_panicking(
    reader: &mut BufReader<File>,
    file_type: FileType,
    format: AudioFormat,
) -> Result<LoftyRead, UnreadableFile> {
    match catch_unwind(AssertUnwindSafe(|| read_tagged_file(reader, file_type))) {
        Ok(Ok(read)) => Ok(read),
        Ok(Err(error)) => Err(parse_error_to_reason(format, &error)),
        Err(panic) => Err(UnreadableFile::Corrupt {
            format,
            detail: format!("the tag reader crashed on it ({})", panic_message(&*panic)),
        }),
    }
}

/// Reads the whole file, going through the concrete lofty type where the generic properties do
/// not name the codec (MP4 holds AAC or ALAC, MPEG has three layers, WAV and AIFF may be float).
fn read_tagged_file<R: Read + Seek>(
    reader: &mut R,
    file_type: FileType,
) -> Result<LoftyRead, FileParseError> {
    let options = ParseOptions::new();
    let read = match file_type {
        FileType::Mpeg => {
            let file = MpegFile::read_from(reader, options)?;
            let codec = match file.properties().layer() {
                Layer::Layer1 => AudioCodec::Mp1,
                Layer::Layer2 => AudioCodec::Mp2,
                Layer::Layer3 => AudioCodec::Mp3,
            };
            let ape_cover_art = ape_tag_has_cover_art(file.ape());
            LoftyRead::new(TaggedFile::from(file), codec).with_ape_cover_art(ape_cover_art)
        }
        FileType::WavPack => {
            let file = WavPackFile::read_from(reader, options)?;
            let ape_cover_art = ape_tag_has_cover_art(file.ape());
            LoftyRead::new(TaggedFile::from(file), AudioCodec::WavPack)
                .with_ape_cover_art(ape_cover_art)
        }
        FileType::Ape => {
            let file = ApeFile::read_from(reader, options)?;
            let ape_cover_art = ape_tag_has_cover_art(file.ape());
            LoftyRead::new(TaggedFile::from(file), AudioCodec::Ape)
                .with_ape_cover_art(ape_cover_art)
        }
        FileType::Mpc => {
            let file = MpcFile::read_from(reader, options)?;
            let ape_cover_art = ape_tag_has_cover_art(file.ape());
            LoftyRead::new(TaggedFile::from(file), AudioCodec::Musepack)
                .with_ape_cover_art(ape_cover_art)
        }
        FileType::Mp4 => {
            let file = Mp4File::read_from(reader, options)?;
            let codec = match file.properties().codec() {
                Some(Mp4Codec::AAC) => AudioCodec::Aac,
                Some(Mp4Codec::ALAC) => AudioCodec::Alac,
                Some(Mp4Codec::MP3) => AudioCodec::Mp3,
                Some(Mp4Codec::FLAC) => AudioCodec::Flac,
                _ => AudioCodec::Other,
            };
            LoftyRead::new(TaggedFile::from(file), codec)
        }
        FileType::Wav => {
            let file = WavFile::read_from(reader, options)?;
            let codec = match file.properties().format() {
                WavFormat::PCM => AudioCodec::Pcm,
                WavFormat::IEEE_FLOAT => AudioCodec::FloatPcm,
                _ => AudioCodec::Other,
            };
            LoftyRead::new(TaggedFile::from(file), codec)
        }
        FileType::Aiff => {
            let file = AiffFile::read_from(reader, options)?;
            let codec = match file.properties().compression_type() {
                None | Some(AiffCompressionType::None | AiffCompressionType::sowt) => {
                    AudioCodec::Pcm
                }
                Some(AiffCompressionType::fl32 | AiffCompressionType::fl64) => AudioCodec::FloatPcm,
                Some(_) => AudioCodec::Other,
            };
            LoftyRead::new(TaggedFile::from(file), codec)
        }
        other => {
            let file = Probe::with_file_type(reader, other)
                .options(options)
                .read()?;
            LoftyRead::new(file, codec_of_single_codec_format(other))
        }
    };
    Ok(read)
}

/// One file as lofty read it, with what its generic view leaves out.
struct LoftyRead {
    tagged_file: TaggedFile,
    codec: AudioCodec,
    /// lofty's generic [`Tag`] does not carry APE pictures (`Cover Art (Front)` binary items),
    /// so they are looked for in the concrete APE tag while it is still at hand.
    ape_cover_art: bool,
}

impl LoftyRead {
    fn new(tagged_file: TaggedFile, codec: AudioCodec) -> Self {
        Self {
            tagged_file,
            codec,
            ape_cover_art: false,
        }
    }

    fn with_ape_cover_art(mut self, ape_cover_art: bool) -> Self {
        self.ape_cover_art = ape_cover_art;
        self
    }
}

fn ape_tag_has_cover_art(tag: Option<&ApeTag>) -> bool {
    tag.is_some_and(|tag| {
        tag.into_iter().any(|item| {
            item.key().to_ascii_lowercase().starts_with("cover art")
                && matches!(item.value(), ItemValue::Binary(data) if !data.is_empty())
        })
    })
}

/// The codec of formats that only ever hold one.
fn codec_of_single_codec_format(file_type: FileType) -> AudioCodec {
    match file_type {
        FileType::Aac => AudioCodec::Aac,
        FileType::Flac => AudioCodec::Flac,
        FileType::Vorbis => AudioCodec::Vorbis,
        FileType::Opus => AudioCodec::Opus,
        FileType::Speex => AudioCodec::Speex,
        _ => AudioCodec::Other,
    }
}

fn audio_format(file_type: FileType) -> Option<AudioFormat> {
    let format = match file_type {
        FileType::Mpeg => AudioFormat::Mpeg,
        FileType::Aac => AudioFormat::AdtsAac,
        FileType::Mp4 => AudioFormat::Mp4,
        FileType::Flac => AudioFormat::Flac,
        FileType::Vorbis => AudioFormat::OggVorbis,
        FileType::Opus => AudioFormat::OggOpus,
        FileType::Speex => AudioFormat::OggSpeex,
        FileType::Wav => AudioFormat::Wav,
        FileType::Aiff => AudioFormat::Aiff,
        FileType::WavPack => AudioFormat::WavPack,
        FileType::Ape => AudioFormat::Ape,
        FileType::Mpc => AudioFormat::Musepack,
        // Custom resolvers are never registered in SoulSpot; `FileType` is non-exhaustive.
        _ => return None,
    };
    Some(format)
}

fn audio_properties(
    format: AudioFormat,
    codec: AudioCodec,
    properties: &FileProperties,
) -> Result<AudioProperties, UnreadableFile> {
    let duration =
        TrackDuration::from_secs_f64(properties.duration().as_secs_f64()).map_err(|error| {
            UnreadableFile::Corrupt {
                format,
                detail: format!("the headers give an impossible duration: {error}"),
            }
        })?;
    let positive = |value: Option<u32>| value.filter(|value| *value > 0);
    Ok(AudioProperties {
        format,
        codec,
        duration,
        bitrate_kbps: positive(properties.audio_bitrate())
            .or(positive(properties.overall_bitrate())),
        sample_rate_hz: positive(properties.sample_rate()),
        bit_depth: properties.bit_depth().filter(|depth| *depth > 0),
        channels: properties.channels().filter(|channels| *channels > 0),
    })
}

/// The lowest average bitrate, in bits per second, that any real codec produces (Speex goes down
/// to about 2 kbit/s). A file below it cannot hold the audio its headers promise.
const MINIMUM_PLAUSIBLE_BITS_PER_SECOND: f64 = 1_000.0;

/// Catches a file cut off right after its headers: lofty reads properties from the headers
/// alone, so a WavPack or FLAC file truncated to its first block still "reads" with its full
/// duration. Comparing the file's size with that duration finds the grossest cases without
/// decoding; a file cut in the middle of its audio is not detected (that needs a decoder).
fn reject_files_too_small_for_their_duration(
    properties: &AudioProperties,
    file_length_bytes: u64,
) -> Result<(), UnreadableFile> {
    let seconds = properties.duration.as_secs_f64();
    // A file shorter than a second is judged as if it lasted one, so tiny but whole files pass.
    let bits_per_second = file_length_bytes as f64 * 8.0 / seconds.max(1.0);
    if seconds > 0.0 && bits_per_second < MINIMUM_PLAUSIBLE_BITS_PER_SECOND {
        return Err(UnreadableFile::Corrupt {
            format: properties.format,
            detail: format!(
                "the headers promise {} of audio but the file holds only {file_length_bytes} bytes; it was probably cut off",
                properties.duration
            ),
        });
    }
    Ok(())
}

/// Translates a lofty failure into the user's reason. lofty reports I/O failures, including
/// running out of bytes, as a cause inside its error, so the chain is searched for them.
fn parse_error_to_reason(format: AudioFormat, error: &FileParseError) -> UnreadableFile {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    let mut truncated = false;
    let mut innermost_message = error.to_string();
    while let Some(current) = cause {
        if let Some(io_error) = current.downcast_ref::<std::io::Error>() {
            if io_error.kind() == ErrorKind::UnexpectedEof {
                truncated = true;
            } else {
                // The chain is borrowed from lofty's error, so the cause is rebuilt from its kind
                // and message rather than moved out.
                return UnreadableFile::Io {
                    source: std::io::Error::new(io_error.kind(), io_error.to_string()),
                };
            }
        }
        if current.is::<NotEnoughDataError>() {
            truncated = true;
        }
        innermost_message = current.to_string();
        cause = current.source();
    }
    let detail = if truncated {
        format!("the file ends too early ({innermost_message})")
    } else {
        innermost_message
    };
    UnreadableFile::Corrupt { format, detail }
}

/// The tags of the file: each field from the first tag that has it, the primary tag first.
fn tag_snapshot(tagged_file: &TaggedFile) -> TagSnapshot {
    let primary_type = tagged_file.primary_tag_type();
    let mut tags: Vec<&Tag> = tagged_file.tags().iter().collect();
    // A stable sort keeps the file's own order among the other tags.
    tags.sort_by_key(|tag| tag.tag_type() != primary_type);

    let first_text = |keys: &[ItemKey]| -> Option<String> {
        keys.iter().find_map(|key| {
            tags.iter()
                .find_map(|tag| tag.get_strings(*key).next().map(str::to_owned))
        })
    };
    let all_texts = |key: ItemKey| -> Vec<String> {
        tags.iter()
            .map(|tag| tag.get_strings(key).map(str::to_owned).collect::<Vec<_>>())
            .find(|values| !values.is_empty())
            .unwrap_or_default()
    };
    let number = |key: ItemKey| -> Option<u32> {
        tags.iter().find_map(|tag| {
            tag.get_strings(key)
                .find_map(|text| text.trim().parse::<u32>().ok())
        })
    };

    TagSnapshot {
        title: first_text(&[ItemKey::TrackTitle]),
        artists: all_texts(ItemKey::TrackArtist),
        album: first_text(&[ItemKey::AlbumTitle]),
        album_artists: all_texts(ItemKey::AlbumArtist),
        track_number: number(ItemKey::TrackNumber),
        track_total: number(ItemKey::TrackTotal),
        disc_number: number(ItemKey::DiscNumber),
        disc_total: number(ItemKey::DiscTotal),
        date: first_text(&[ItemKey::RecordingDate, ItemKey::Year, ItemKey::ReleaseDate]),
        genres: all_texts(ItemKey::Genre),
        isrc_text: first_text(&[ItemKey::Isrc]),
        musicbrainz: MusicBrainzTags {
            recording_id: first_text(&[ItemKey::MusicBrainzRecordingId]),
            track_id: first_text(&[ItemKey::MusicBrainzTrackId]),
            release_id: first_text(&[ItemKey::MusicBrainzReleaseId]),
            release_group_id: first_text(&[ItemKey::MusicBrainzReleaseGroupId]),
            artist_ids: all_texts(ItemKey::MusicBrainzArtistId),
            album_artist_ids: all_texts(ItemKey::MusicBrainzReleaseArtistId),
        },
        compilation: first_text(&[ItemKey::FlagCompilation])
            .and_then(|text| compilation_flag(&text)),
    }
}

/// Reads a compilation flag the way taggers write it: `1`/`0` in TCMP, COMPILATION and cpil,
/// occasionally `true`/`false` or `yes`/`no`. Anything else says nothing.
fn compilation_flag(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" => Some(true),
        "0" | "false" | "no" => Some(false),
        _ => None,
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|message| (*message).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compilation_flags_in_their_usual_spellings() {
        assert_eq!(compilation_flag("1"), Some(true));
        assert_eq!(compilation_flag("TRUE"), Some(true));
        assert_eq!(compilation_flag("0"), Some(false));
        assert_eq!(compilation_flag("maybe"), None);
    }

    #[test]
    fn ogg_extensions_accept_any_ogg_codec_but_other_lies_are_caught() {
        assert!(!extension_contradicts_content("ogg", FileType::Opus));
        assert!(!extension_contradicts_content("opus", FileType::Vorbis));
        assert!(!extension_contradicts_content("M4A", FileType::Mp4));
        assert!(!extension_contradicts_content("oga", FileType::Vorbis));
        assert!(extension_contradicts_content("mp3", FileType::Flac));
        assert!(extension_contradicts_content("flac", FileType::Mpeg));
    }
}
