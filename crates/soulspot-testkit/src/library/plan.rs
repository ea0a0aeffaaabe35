//! The seeded plan of a generated library: which albums exist, where each file goes, in which
//! format, and exactly which tags it carries. Planning does no I/O, so a test can recompute what
//! the generator wrote from the count and the seed alone, and compare it with what a scan read.
//!
//! Everything comes from one seeded random stream, drawn in a fixed order, so the same count and
//! seed always give the same plan. Sets are only asked whether they hold a name, never iterated,
//! because their iteration order changes from run to run.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use soulspot_domain::scan::{MusicBrainzTags, TagSnapshot};

use super::names::{file_name, folder_name, unique_album_folder};
use super::words;
use crate::audio::{TagsToWrite, TemplateFormat};

/// The album artist of compilations that name one, and its MusicBrainz id (the real one, as
/// Picard writes it).
pub const VARIOUS_ARTISTS: &str = "Various Artists";
const VARIOUS_ARTISTS_MUSICBRAINZ_ID: &str = "89ad4ac3-39f7-470e-963a-56509c546377";
/// The folder of compilations whose files name no album artist (only the compilation flag), as
/// iTunes files them.
pub const COMPILATIONS_FOLDER: &str = "Compilations";
/// The album title one artist in some libraries releases twice, years apart, so a scan must keep
/// the two albums apart by year.
pub const GREATEST_HITS: &str = "Greatest Hits";

/// The share of files per format, in percent, in the order of [`TemplateFormat::ALL`]: roughly
/// what a personal library of downloads and rips holds.
const FORMAT_WEIGHTS_PERCENT: [u32; 9] = [45, 25, 6, 5, 10, 3, 2, 2, 2];
/// Compilations draw their track artists from the most recent artists, up to this many.
const ARTIST_POOL_SIZE: usize = 256;

/// One file of the generated library and the tags written into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Where the file is, relative to the library's root folder.
    pub relative_path: PathBuf,
    pub format: TemplateFormat,
    /// The tags written, exactly; an empty snapshot means the file has no tag at all.
    pub written: TagsToWrite,
}

/// One album folder of the plan and its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedAlbum {
    /// The album's folder, relative to the library's root: `<album artist>/<year> - <album>`.
    pub folder: PathBuf,
    /// Whether this is the first album in its album artist's folder, which then is new too.
    pub opens_artist_folder: bool,
    pub files: Vec<GeneratedFile>,
}

/// An artist as credited on tracks, with what a tagged file says about them.
#[derive(Debug, Clone)]
struct Credit {
    name: String,
    musicbrainz_id: String,
    /// The country and registrant parts of the ISRCs of this artist's recordings.
    isrc_prefix: String,
}

/// The artist whose albums are being planned.
#[derive(Debug)]
struct CurrentArtist {
    credit: Credit,
    folder: String,
    genre: String,
    albums_left: u32,
    albums_done: u32,
    next_year: u16,
    /// The albums (counted from 0) that are a "Greatest Hits".
    greatest_hits_albums: Vec<u32>,
    /// Lower-cased album folder names in use, so two albums never share a folder.
    album_folders: HashSet<String>,
    /// Titles of this artist's earlier tracks, which a "Greatest Hits" repeats.
    earlier_titles: Vec<String>,
}

/// How complete one album's tags are; drawn once per album, as a tagger tags whole releases.
#[derive(Debug)]
struct AlbumTagging {
    musicbrainz: bool,
    isrc: bool,
    cover: bool,
    track_total: bool,
    disc_fields: bool,
}

/// What every track of one album shares.
#[derive(Debug)]
struct AlbumDraft {
    /// Relative to the library's root.
    folder: PathBuf,
    format: TemplateFormat,
    title: String,
    year: u16,
    date: Option<String>,
    album_artists: Vec<String>,
    album_artist_ids: Vec<String>,
    compilation: Option<bool>,
    release_id: String,
    release_group_id: String,
    discs: u32,
    tagging: AlbumTagging,
}

/// The plan as an iterator of albums, drawn lazily so memory stays small for any count.
#[derive(Debug)]
pub struct LibraryPlan {
    random: StdRng,
    files_left: u64,
    /// Formats for the first albums, one of each, so even a small library holds every format.
    first_album_formats: Vec<TemplateFormat>,
    current_artist: Option<CurrentArtist>,
    /// Lower-cased artist folder names in use.
    artist_folders: HashSet<String>,
    /// Lower-cased album folder names in use in the two compilation folders.
    various_artists_albums: HashSet<String>,
    compilations_albums: HashSet<String>,
    recent_artists: Vec<Credit>,
    /// The next designation number per ISRC prefix and year, so ISRCs never repeat.
    isrc_counters: HashMap<String, u32>,
    greatest_hits_planned: bool,
    artists_planned: u64,
}

impl LibraryPlan {
    /// The plan of a library of exactly `count` files, drawn from `seed`.
    pub fn new(count: u64, seed: u64) -> Self {
        let mut random = StdRng::seed_from_u64(seed);
        let mut first_album_formats = TemplateFormat::ALL.to_vec();
        first_album_formats.shuffle(&mut random);
        let artist_folders = [VARIOUS_ARTISTS, COMPILATIONS_FOLDER]
            .into_iter()
            .map(str::to_lowercase)
            .collect();
        Self {
            random,
            files_left: count,
            first_album_formats,
            current_artist: None,
            artist_folders,
            various_artists_albums: HashSet::new(),
            compilations_albums: HashSet::new(),
            recent_artists: Vec::new(),
            isrc_counters: HashMap::new(),
            greatest_hits_planned: false,
            artists_planned: 0,
        }
    }

    /// Every file of the plan, album after album.
    pub fn files(self) -> impl Iterator<Item = GeneratedFile> {
        self.flat_map(|album| album.files)
    }

    fn next_format(&mut self) -> TemplateFormat {
        if let Some(format) = self.first_album_formats.pop() {
            return format;
        }
        let total: u32 = FORMAT_WEIGHTS_PERCENT.iter().sum();
        let mut target = self.random.random_range(0..total);
        for (format, weight) in TemplateFormat::ALL.into_iter().zip(FORMAT_WEIGHTS_PERCENT) {
            if target < weight {
                return format;
            }
            target -= weight;
        }
        TemplateFormat::Mp3
    }

    fn new_credit(&mut self, name: String) -> Credit {
        let (country, registrant) = words::isrc_registrant(&mut self.random);
        Credit {
            name,
            musicbrainz_id: words::uuid(&mut self.random),
            isrc_prefix: format!("{country}{registrant}"),
        }
    }

    fn remember_artist(&mut self, credit: Credit) {
        if self.recent_artists.len() < ARTIST_POOL_SIZE {
            self.recent_artists.push(credit);
        } else {
            let replaced = self.random.random_range(0..ARTIST_POOL_SIZE);
            self.recent_artists[replaced] = credit;
        }
    }

    fn start_artist(&mut self) -> CurrentArtist {
        // Redraw taken names; after a few tries a numeral keeps the name distinct.
        let mut attempt = 0;
        let (name, folder) = loop {
            let mut name = words::artist_name(&mut self.random);
            if attempt >= 8 {
                name = format!("{name} {}", attempt - 6);
            }
            let folder = folder_name(&name);
            if self.artist_folders.insert(folder.to_lowercase()) {
                break (name, folder);
            }
            attempt += 1;
        };
        let credit = self.new_credit(name);
        self.remember_artist(credit.clone());

        let mut albums = match self.random.random_range(0..100) {
            0..=29 => 1,
            30..=54 => 2,
            55..=69 => 3,
            _ => self.random.random_range(4..=8),
        };
        if self.artists_planned == 0 {
            // The first artist has a discography, so even a small library has a "Greatest Hits".
            albums = albums.max(3);
        }
        // Some artists release a "Greatest Hits" late in their career and another years later:
        // the last two albums, the second one 8 to 20 years after the first.
        let mut greatest_hits_albums = Vec::new();
        if albums >= 3 && (!self.greatest_hits_planned || self.random.random_bool(0.1)) {
            self.greatest_hits_planned = true;
            greatest_hits_albums = vec![albums - 2, albums - 1];
        }
        self.artists_planned += 1;
        // Years rise by one to three per album (and by up to 20 before a second "Greatest
        // Hits"), so the last album is at most 2025. The later of two draws favours recent
        // years, as most libraries do.
        let latest_start = 2025 - 3 * albums as u16 - 20;
        let start = self
            .random
            .random_range(1960..=latest_start)
            .max(self.random.random_range(1960..=latest_start));
        CurrentArtist {
            credit,
            folder,
            genre: words::genre(&mut self.random),
            albums_left: albums,
            albums_done: 0,
            next_year: start,
            greatest_hits_albums,
            album_folders: HashSet::new(),
            earlier_titles: Vec::new(),
        }
    }

    fn draw_track_count(&mut self) -> u64 {
        let drawn = match self.random.random_range(0..100) {
            0..=9 => self.random.random_range(1..=4),
            10..=94 => 5 + self.random.random_range(0..=5) + self.random.random_range(0..=5),
            _ => self.random.random_range(16..=20),
        };
        drawn.min(self.files_left)
    }

    fn draw_date(&mut self, year: u16) -> Option<String> {
        match self.random.random_range(0..100) {
            0..=59 => Some(year.to_string()),
            60..=94 => Some(format!(
                "{year}-{:02}-{:02}",
                self.random.random_range(1..=12),
                self.random.random_range(1..=28)
            )),
            _ => None,
        }
    }

    fn draw_tagging(&mut self) -> AlbumTagging {
        AlbumTagging {
            musicbrainz: self.random.random_bool(1.0 / 3.0),
            isrc: self.random.random_bool(0.5),
            cover: self.random.random_bool(0.25),
            track_total: self.random.random_bool(0.85),
            disc_fields: self.random.random_bool(0.55),
        }
    }

    /// Splits `tracks` over one to three discs; returns (disc, track on disc, tracks on disc).
    fn draw_disc_layout(&mut self, tracks: u64) -> Vec<(u32, u32, u32)> {
        let discs: u64 = match self.random.random_range(0..100) {
            0..=1 if tracks >= 9 => 3,
            2..=11 if tracks >= 6 => 2,
            _ => 1,
        };
        let mut layout = Vec::new();
        for disc in 0..discs {
            let on_disc = tracks / discs + u64::from(disc < tracks % discs);
            for track in 0..on_disc {
                layout.push((disc as u32 + 1, track as u32 + 1, on_disc as u32));
            }
        }
        layout
    }

    /// The next designation number for a recording of `prefix` in `year`; `None` when the code
    /// space of that prefix and year is used up (never at realistic counts).
    fn next_isrc(&mut self, prefix: &str, year: u16) -> Option<String> {
        let key = format!("{prefix}{:02}", year % 100);
        let counter = self.isrc_counters.entry(key.clone()).or_insert(0);
        *counter += 1;
        (*counter <= 99_999).then(|| format!("{key}{:05}", *counter))
    }

    fn regular_album(&mut self, mut artist: CurrentArtist) -> PlannedAlbum {
        let album_number = artist.albums_done;
        let year = artist.next_year;
        let is_greatest_hits = artist.greatest_hits_albums.contains(&album_number);
        let title = if is_greatest_hits {
            GREATEST_HITS.to_owned()
        } else {
            words::album_title(&mut self.random)
        };
        let (title, folder) = unique_album_folder(&mut artist.album_folders, title, year);
        let genres = match self.random.random_range(0..100) {
            0..=69 => vec![artist.genre.clone()],
            70..=84 => vec![artist.genre.clone(), words::genre(&mut self.random)],
            _ => Vec::new(),
        };
        let has_album_artist = self.random.random_bool(0.88);
        let (album_artists, album_artist_ids) = if has_album_artist {
            (
                vec![artist.credit.name.clone()],
                vec![artist.credit.musicbrainz_id.clone()],
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let compilation = self.random.random_bool(0.08).then_some(false);
        let (album, layout) = self.draft_album(
            PathBuf::from(&artist.folder).join(folder),
            title,
            year,
            (album_artists, album_artist_ids),
            compilation,
        );

        let last = layout.len().saturating_sub(1);
        let long_enough = layout.len() >= 6;
        let intro = long_enough && self.random.random_bool(0.2);
        let outro = long_enough && self.random.random_bool(0.12);
        let interlude = (long_enough && self.random.random_bool(0.1)).then_some(last / 2);
        let mut files = Vec::with_capacity(layout.len());
        for (position, &numbers) in layout.iter().enumerate() {
            let title = if intro && position == 0 {
                "Intro".to_owned()
            } else if outro && position == last {
                "Outro".to_owned()
            } else if interlude == Some(position) {
                "Interlude".to_owned()
            } else if is_greatest_hits
                && !artist.earlier_titles.is_empty()
                && self.random.random_bool(0.7)
            {
                let index = self.random.random_range(0..artist.earlier_titles.len());
                artist.earlier_titles[index].clone()
            } else {
                words::track_title(&mut self.random)
            };
            if artist.earlier_titles.len() < 200 {
                artist.earlier_titles.push(title.clone());
            }
            files.push(self.track_file(&album, &artist.credit, title, genres.clone(), numbers));
        }

        artist.albums_done += 1;
        artist.albums_left -= 1;
        artist.next_year +=
            if is_greatest_hits && artist.greatest_hits_albums.contains(&artist.albums_done) {
                self.random.random_range(8..=20)
            } else {
                self.random.random_range(1..=3)
            };
        if artist.albums_left > 0 {
            self.current_artist = Some(artist);
        }
        PlannedAlbum {
            folder: album.folder,
            opens_artist_folder: album_number == 0,
            files,
        }
    }

    fn compilation_album(&mut self) -> PlannedAlbum {
        let year = self.random.random_range(1975..=2025);
        let names_various_artists = self.random.random_bool(0.5);
        let title = words::compilation_title(&mut self.random, year);
        let (artist_folder, used_album_folders) = if names_various_artists {
            (VARIOUS_ARTISTS, &mut self.various_artists_albums)
        } else {
            (COMPILATIONS_FOLDER, &mut self.compilations_albums)
        };
        let opens_artist_folder = used_album_folders.is_empty();
        let (title, folder) = unique_album_folder(used_album_folders, title, year);
        let album_artist = if names_various_artists {
            (
                vec![VARIOUS_ARTISTS.to_owned()],
                vec![VARIOUS_ARTISTS_MUSICBRAINZ_ID.to_owned()],
            )
        } else {
            (Vec::new(), Vec::new())
        };
        // Files that name Various Artists mostly carry the flag too; the others only have it.
        let compilation = if names_various_artists && self.random.random_bool(0.2) {
            None
        } else {
            Some(true)
        };
        let (album, layout) = self.draft_album(
            PathBuf::from(artist_folder).join(folder),
            title,
            year,
            album_artist,
            compilation,
        );

        let mut files = Vec::with_capacity(layout.len());
        for numbers in layout {
            let index = self.random.random_range(0..self.recent_artists.len());
            let performer = self.recent_artists[index].clone();
            let title = words::track_title(&mut self.random);
            let genres = vec![words::genre(&mut self.random)];
            files.push(self.track_file(&album, &performer, title, genres, numbers));
        }
        PlannedAlbum {
            folder: album.folder,
            opens_artist_folder,
            files,
        }
    }

    /// Draws what every track of an album shares, and its (disc, track, tracks on disc) layout.
    fn draft_album(
        &mut self,
        folder: PathBuf,
        title: String,
        year: u16,
        (album_artists, album_artist_ids): (Vec<String>, Vec<String>),
        compilation: Option<bool>,
    ) -> (AlbumDraft, Vec<(u32, u32, u32)>) {
        let format = self.next_format();
        let date = self.draw_date(year);
        let tagging = self.draw_tagging();
        let release_id = words::uuid(&mut self.random);
        let release_group_id = words::uuid(&mut self.random);
        let tracks = self.draw_track_count();
        let layout = self.draw_disc_layout(tracks);
        let album = AlbumDraft {
            folder,
            format,
            title,
            year,
            date,
            album_artists,
            album_artist_ids,
            compilation,
            release_id,
            release_group_id,
            discs: layout.last().map_or(1, |&(disc, _, _)| disc),
            tagging,
        };
        (album, layout)
    }

    /// One track of `album` by `performer` (with guests, maybe), and its file.
    fn track_file(
        &mut self,
        album: &AlbumDraft,
        performer: &Credit,
        title: String,
        genres: Vec<String>,
        (disc, track, tracks_on_disc): (u32, u32, u32),
    ) -> GeneratedFile {
        let tagging = &album.tagging;
        let credits = self.track_credits(performer);
        let isrc = if tagging.isrc {
            self.next_isrc(&credits.isrc_prefix, album.year)
        } else {
            None
        };
        let title = credits.title_with_guest(title);
        // A set of several discs always numbers them; a single disc often says "1/1" too.
        let with_disc_fields = tagging.disc_fields || album.discs > 1;
        let mut tags = TagSnapshot {
            title: Some(title.clone()),
            artists: credits.artists,
            album: Some(album.title.clone()),
            album_artists: album.album_artists.clone(),
            track_number: Some(track),
            track_total: tagging.track_total.then_some(tracks_on_disc),
            disc_number: with_disc_fields.then_some(disc),
            disc_total: with_disc_fields.then_some(album.discs),
            date: album.date.clone(),
            genres,
            isrc_text: isrc,
            musicbrainz: MusicBrainzTags::default(),
            compilation: album.compilation,
        };
        if tagging.musicbrainz {
            tags.musicbrainz = MusicBrainzTags {
                recording_id: Some(words::uuid(&mut self.random)),
                track_id: Some(words::uuid(&mut self.random)),
                release_id: Some(album.release_id.clone()),
                release_group_id: Some(album.release_group_id.clone()),
                artist_ids: credits.musicbrainz_ids,
                album_artist_ids: album.album_artist_ids.clone(),
            };
        }
        let name = file_name(
            &format!("{disc}-{track:02} - {title}"),
            album.format.extension(),
        );
        // A few files keep only their title, or no tag at all.
        let written = match self.random.random_range(0..100) {
            0..=1 => TagsToWrite::default(),
            2..=3 => TagsToWrite {
                tags: TagSnapshot {
                    title: tags.title,
                    ..TagSnapshot::default()
                },
                front_cover: false,
            },
            _ => TagsToWrite {
                tags,
                front_cover: tagging.cover,
            },
        };
        GeneratedFile {
            relative_path: album.folder.join(name),
            format: album.format,
            written,
        }
    }

    /// Who a track credits: usually the artist alone, sometimes with guests as separate values,
    /// sometimes with a "feat." credit inside the artist value or the title.
    fn track_credits(&mut self, main: &Credit) -> TrackCredits {
        let mut credits = TrackCredits {
            artists: vec![main.name.clone()],
            musicbrainz_ids: vec![main.musicbrainz_id.clone()],
            isrc_prefix: main.isrc_prefix.clone(),
            featured_in_title: None,
        };
        match self.random.random_range(0..100) {
            0..=5 => {
                // Several artists, each its own tag value.
                let guests = self.random.random_range(1..=2);
                for _ in 0..guests {
                    let guest = self.guest();
                    credits.artists.push(guest.name);
                    credits.musicbrainz_ids.push(guest.musicbrainz_id);
                }
            }
            6..=9 => {
                // One value naming both, as most taggers write a featured artist.
                let guest = self.guest();
                credits.artists = vec![format!("{} feat. {}", main.name, guest.name)];
                credits.musicbrainz_ids.push(guest.musicbrainz_id);
            }
            10..=12 => {
                let guest = self.guest();
                credits.featured_in_title = Some(guest.name);
                credits.musicbrainz_ids.push(guest.musicbrainz_id);
            }
            _ => {}
        }
        credits
    }

    /// A guest: an artist of the library, or someone who only ever appears as a guest.
    fn guest(&mut self) -> Credit {
        if self.recent_artists.len() >= 8 && self.random.random_bool(0.5) {
            let index = self.random.random_range(0..self.recent_artists.len());
            self.recent_artists[index].clone()
        } else {
            let name = words::guest_name(&mut self.random);
            self.new_credit(name)
        }
    }
}

impl Iterator for LibraryPlan {
    type Item = PlannedAlbum;

    fn next(&mut self) -> Option<PlannedAlbum> {
        if self.files_left == 0 {
            return None;
        }
        let album = if self.recent_artists.len() >= 4 && self.random.random_bool(0.06) {
            self.compilation_album()
        } else {
            let artist = match self.current_artist.take() {
                Some(artist) => artist,
                None => self.start_artist(),
            };
            self.regular_album(artist)
        };
        self.files_left -= album.files.len() as u64;
        Some(album)
    }
}

/// The artists of one track, their MusicBrainz ids, and a guest named in the title.
#[derive(Debug)]
struct TrackCredits {
    artists: Vec<String>,
    musicbrainz_ids: Vec<String>,
    isrc_prefix: String,
    featured_in_title: Option<String>,
}

impl TrackCredits {
    /// The title as tagged: with the guest, when one is credited in the title.
    fn title_with_guest(&self, title: String) -> String {
        match &self.featured_in_title {
            Some(guest) => format!("{title} (feat. {guest})"),
            None => title,
        }
    }
}
