//! A deterministic, realistic Soulseek catalogue: a pool of albums, each shared by several peers
//! in the formats and folder layouts real shares use (FLAC 16/44.1 and 24/96, MP3 320 and V0,
//! AAC), some peers reporting no audio attributes or no extension, some with a busy queue and no
//! free slot, a few albums locked, cover images beside the tracks. The same seed always gives the
//! same catalogue.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::catalogue::{Peer, SharedFile};

const ADJECTIVES: &[&str] = &[
    "Golden", "Silent", "Electric", "Velvet", "Crimson", "Hollow", "Distant", "Paper", "Neon",
    "Frozen", "Burning", "Quiet", "Wild", "Broken", "Endless", "Midnight", "Crystal", "Amber",
    "Lonely", "Northern",
];
const NOUNS: &[&str] = &[
    "River",
    "Garden",
    "Signal",
    "Harbour",
    "Mirror",
    "Lanterns",
    "Echoes",
    "Valley",
    "Comet",
    "Machine",
    "Orchard",
    "Tides",
    "Highway",
    "Cathedral",
    "Satellite",
    "Forest",
    "Engine",
    "Island",
    "Shadows",
    "Horizon",
];
const NAME_PARTS: &[&str] = &[
    "vinyl", "flac", "crate", "digger", "sound", "wave", "needle", "groove", "tape", "audio",
    "hifi", "deep", "lost", "bass", "echo",
];

/// An album of the generated pool, with its track titles in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedAlbum {
    pub artist: String,
    pub title: String,
    pub year: u32,
    pub tracks: Vec<String>,
    /// Track lengths in seconds, beside `tracks`.
    pub lengths: Vec<u32>,
}

/// The generated peers and the album pool they share from.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedCatalogue {
    pub peers: Vec<Peer>,
    pub albums: Vec<GeneratedAlbum>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Flac,
    HighResolutionFlac,
    Mp3Constant320,
    Mp3V0,
    Aac,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Self::Flac | Self::HighResolutionFlac => "flac",
            Self::Mp3Constant320 | Self::Mp3V0 => "mp3",
            Self::Aac => "m4a",
        }
    }

    fn folder_tag(self) -> &'static str {
        match self {
            Self::Flac => "[FLAC]",
            Self::HighResolutionFlac => "[24-96 FLAC]",
            Self::Mp3Constant320 => "[MP3 320]",
            Self::Mp3V0 => "[V0]",
            Self::Aac => "[AAC]",
        }
    }

    /// Average kbit/s, for sizing files.
    fn kilobits_per_second(self, random: &mut StdRng) -> u32 {
        match self {
            Self::Flac => random.random_range(750..1_050),
            Self::HighResolutionFlac => random.random_range(2_600..3_400),
            Self::Mp3Constant320 => 320,
            Self::Mp3V0 => random.random_range(225..265),
            Self::Aac => 256,
        }
    }
}

/// How a peer names its folders and files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `@@share\Music\Artist\2001 - Album\01 - Title.flac`
    ArtistYearAlbum,
    /// `@@share\Artist - Album (2001) [FLAC]\01. Artist - Title.flac`
    TaggedFolder,
    /// `@@share\Albums\Artist\Album\1 Title.mp3`
    Plain,
}

fn pick<'a>(random: &mut StdRng, words: &[&'a str]) -> &'a str {
    words[random.random_range(0..words.len())]
}

fn album_pool(random: &mut StdRng, count: usize) -> Vec<GeneratedAlbum> {
    (0..count)
        .map(|index| {
            let artist = format!("The {} {}", pick(random, ADJECTIVES), pick(random, NOUNS));
            let title = if random.random_bool(0.5) {
                format!("{} {}", pick(random, ADJECTIVES), pick(random, NOUNS))
            } else {
                pick(random, NOUNS).to_owned()
            };
            let track_count = random.random_range(8..=12);
            let tracks = (0..track_count)
                .map(|_| match random.random_range(0..3) {
                    0 => pick(random, NOUNS).to_owned(),
                    1 => format!("{} {}", pick(random, ADJECTIVES), pick(random, NOUNS)),
                    _ => format!("The {} of {}", pick(random, NOUNS), pick(random, NOUNS)),
                })
                .collect();
            let lengths = (0..track_count)
                .map(|_| random.random_range(150..420))
                .collect();
            GeneratedAlbum {
                artist: format!("{artist} {}", index + 1),
                title,
                year: random.random_range(1968..2025),
                tracks,
                lengths,
            }
        })
        .collect()
}

fn shared_files(
    random: &mut StdRng,
    album: &GeneratedAlbum,
    share: &str,
    format: Format,
    layout: Layout,
    reports_attributes: bool,
    reports_extension: bool,
) -> Vec<SharedFile> {
    let folder = match layout {
        Layout::ArtistYearAlbum => format!(
            "@@{share}\\Music\\{}\\{} - {}",
            album.artist, album.year, album.title
        ),
        Layout::TaggedFolder => format!(
            "@@{share}\\{} - {} ({}) {}",
            album.artist,
            album.title,
            album.year,
            format.folder_tag()
        ),
        Layout::Plain => format!("@@{share}\\Albums\\{}\\{}", album.artist, album.title),
    };
    let mut files: Vec<SharedFile> = album
        .tracks
        .iter()
        .zip(&album.lengths)
        .enumerate()
        .map(|(index, (title, &length))| {
            let number = index + 1;
            let name = match layout {
                Layout::ArtistYearAlbum => format!("{number:02} - {title}"),
                Layout::TaggedFolder => format!("{number:02}. {} - {title}", album.artist),
                Layout::Plain => format!("{number} {title}"),
            };
            let kilobits = format.kilobits_per_second(random);
            let size = u64::from(kilobits) * 125 * u64::from(length) + 40_000;
            let mut file =
                SharedFile::new(format!("{folder}\\{name}.{}", format.extension()), size);
            if !reports_extension {
                file.extension = String::new();
            }
            if reports_attributes {
                file.length = Some(length);
                match format {
                    Format::Flac => {
                        file.bit_depth = Some(16);
                        file.sample_rate = Some(44_100);
                        if random.random_bool(0.3) {
                            file.bit_rate = Some(kilobits);
                        }
                    }
                    Format::HighResolutionFlac => {
                        file.bit_depth = Some(24);
                        file.sample_rate = Some(96_000);
                    }
                    Format::Mp3Constant320 | Format::Aac => {
                        file.bit_rate = Some(kilobits);
                        file.is_variable_bit_rate = Some(false);
                    }
                    Format::Mp3V0 => {
                        file.bit_rate = Some(kilobits);
                        file.is_variable_bit_rate = Some(true);
                    }
                }
            }
            file
        })
        .collect();
    if random.random_bool(0.5) {
        let mut cover = SharedFile::new(
            format!("{folder}\\cover.jpg"),
            random.random_range(80_000..900_000),
        );
        if !reports_extension {
            cover.extension = String::new();
        }
        files.push(cover);
    }
    files
}

/// `peer_count` peers sharing from a pool of albums (as many as peers, at least six), each album
/// shared by several of them. Search for `"<artist> <album title>"` of one of `albums` to reach the
/// peers that have it.
pub fn generate_catalogue(seed: u64, peer_count: usize) -> GeneratedCatalogue {
    let mut random = StdRng::seed_from_u64(seed);
    let albums = album_pool(&mut random, peer_count.max(6));
    let formats = [
        Format::Flac,
        Format::Flac,
        Format::HighResolutionFlac,
        Format::Mp3Constant320,
        Format::Mp3Constant320,
        Format::Mp3V0,
        Format::Aac,
    ];
    let layouts = [Layout::ArtistYearAlbum, Layout::TaggedFolder, Layout::Plain];
    let peers = (0..peer_count)
        .map(|index| {
            let username = format!(
                "{}{}{}",
                pick(&mut random, NAME_PARTS),
                pick(&mut random, NAME_PARTS),
                random.random_range(1..999)
            );
            let has_free_upload_slot = random.random_bool(0.7);
            let queue_length = if has_free_upload_slot {
                0
            } else {
                random.random_range(1..60)
            };
            let mut peer = Peer::new(format!("{username}_{index}"))
                .free_upload_slot(has_free_upload_slot)
                .queue_length(queue_length)
                .upload_speed(random.random_range(50_000..12_000_000))
                .response_delay(Duration::from_millis(random.random_range(40..4_000)));
            let format = formats[random.random_range(0..formats.len())];
            let layout = layouts[random.random_range(0..layouts.len())];
            let reports_attributes = random.random_bool(0.8);
            let reports_extension = random.random_bool(0.85);
            let share = pick(&mut random, &["music", "share", "audio", "Musik"]);
            // Every peer has the album of its own index, so each album has at least one source.
            let mut shared = vec![index % albums.len()];
            for _ in 0..random.random_range(1..=4) {
                let album = random.random_range(0..albums.len());
                if !shared.contains(&album) {
                    shared.push(album);
                }
            }
            let locked_album = random.random_bool(0.1).then(|| shared[shared.len() - 1]);
            for album in shared {
                let files = shared_files(
                    &mut random,
                    &albums[album],
                    share,
                    format,
                    layout,
                    reports_attributes,
                    reports_extension,
                );
                let locked = locked_album == Some(album);
                peer = peer.with_files(
                    files
                        .into_iter()
                        .map(|file| if locked { file.locked() } else { file }),
                );
            }
            peer
        })
        .collect();
    GeneratedCatalogue { peers, albums }
}
