//! A realistic music library of real audio files, generated from a seed: the corpus of the scan's
//! integration tests and of `cargo xtask bench scan`, written by [`generate_library`] (and
//! `cargo xtask gen-library`).
//!
//! The layout is `<album artist>/<year> - <album>/<disc>-<track> - <title>.<ext>`, with about ten
//! tracks per album and a varied mix of every template format. The tags are varied the way real
//! libraries are: several artists and "feat." credits, compilations, Unicode of every kind, ISRCs
//! and MusicBrainz ids on part of the files, files with only a title or no tag at all, "Intro"
//! on many albums and one artist's "Greatest Hits" in two different years.
//!
//! The same count and seed give the same library, byte for byte, and [`planned_files`] recomputes
//! every file's path and tags without touching the disk, so a test can compare what a scan read
//! with what was written. The generator never overwrites or deletes anything: it refuses an output
//! folder that is not empty and creates every file and folder as new.

mod names;
mod plan;
mod words;

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub use names::folder_name;
pub use plan::{
    COMPILATIONS_FOLDER, GREATEST_HITS, GeneratedFile, LibraryPlan, PlannedAlbum, VARIOUS_ARTISTS,
};

use soulspot_domain::scan::TagSnapshot;

use crate::audio::{AudioTemplates, AudioTemplatesError, TemplateFormat};

/// What to generate, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryOptions {
    /// Exactly how many audio files to write.
    pub count: u64,
    /// The seed every choice is drawn from.
    pub seed: u64,
    /// The library's root folder: created when absent, refused when not empty.
    pub out: PathBuf,
    /// Threads writing files (at least one). Two keep both cores of a small machine busy, the
    /// one tagging while the other waits on the file system.
    pub workers: usize,
}

impl LibraryOptions {
    /// `count` files from `seed` into `out`, with two writer threads.
    pub fn new(count: u64, seed: u64, out: impl Into<PathBuf>) -> Self {
        Self {
            count,
            seed,
            out: out.into(),
            workers: 2,
        }
    }
}

/// Every file of the library that [`generate_library`] writes for `count` and `seed`, with its
/// path (relative to the output folder), format and tags, in a fixed order; computed without any
/// I/O.
pub fn planned_files(count: u64, seed: u64) -> impl Iterator<Item = GeneratedFile> {
    LibraryPlan::new(count, seed).files()
}

/// What a library holds, counted from its plan: enough for a test to assert on without walking
/// the files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LibraryManifest {
    pub files: u64,
    /// Album folders plus album artist folders (the root not counted).
    pub folders: u64,
    pub albums: u64,
    /// Files per format, in the order of [`TemplateFormat::ALL`]; see [`Self::files_in`].
    pub files_by_format: [u64; 9],
    /// Files with an ISRC.
    pub with_isrc: u64,
    /// Files with MusicBrainz ids (recording, release, release group, artists).
    pub with_musicbrainz_ids: u64,
    /// Files whose compilation flag is set.
    pub flagged_compilation: u64,
    /// Files on a compilation (in the "Various Artists" or "Compilations" folder).
    pub on_compilations: u64,
    /// Files with more than one artist value.
    pub with_several_artists: u64,
    /// Files with a "feat." credit in the artist or the title.
    pub with_featuring: u64,
    /// Files with a title, an artist or an album that is not plain ASCII.
    pub with_non_ascii_text: u64,
    /// Files with an embedded front cover.
    pub with_cover: u64,
    /// Files whose only tag is the title.
    pub title_only: u64,
    /// Files with no tag at all.
    pub untagged: u64,
}

impl LibraryManifest {
    /// The manifest of the whole plan for `count` and `seed`, without any I/O.
    pub fn of_plan(count: u64, seed: u64) -> Self {
        let mut manifest = Self::default();
        for album in LibraryPlan::new(count, seed) {
            manifest.record(&album);
        }
        manifest
    }

    /// How many files are in `format`.
    pub fn files_in(&self, format: TemplateFormat) -> u64 {
        self.files_by_format[format.position()]
    }

    /// Counts `album` and its files.
    pub fn record(&mut self, album: &PlannedAlbum) {
        self.albums += 1;
        self.folders += 1 + u64::from(album.opens_artist_folder);
        let on_compilation = album.folder.starts_with(VARIOUS_ARTISTS)
            || album.folder.starts_with(COMPILATIONS_FOLDER);
        for file in &album.files {
            let tags = &file.written.tags;
            let count = |condition: bool| u64::from(condition);
            self.files += 1;
            self.files_by_format[file.format.position()] += 1;
            self.with_isrc += count(tags.isrc_text.is_some());
            self.with_musicbrainz_ids += count(tags.musicbrainz.recording_id.is_some());
            self.flagged_compilation += count(tags.compilation == Some(true));
            self.on_compilations += count(on_compilation);
            self.with_several_artists += count(tags.artists.len() > 1);
            self.with_featuring += count(
                tags.artists.iter().any(|artist| artist.contains(" feat. "))
                    || tags
                        .title
                        .as_deref()
                        .is_some_and(|title| title.contains("(feat. ")),
            );
            self.with_non_ascii_text += count(
                [&tags.title, &tags.album]
                    .into_iter()
                    .flatten()
                    .chain(&tags.artists)
                    .any(|text| !text.is_ascii()),
            );
            self.with_cover += count(file.written.front_cover);
            let title_only = tags.title.is_some()
                && tags
                    == &TagSnapshot {
                        title: tags.title.clone(),
                        ..Default::default()
                    };
            self.title_only += count(title_only);
            self.untagged += count(tags.is_empty());
        }
    }

    fn merge(&mut self, other: &Self) {
        self.files += other.files;
        self.folders += other.folders;
        self.albums += other.albums;
        for (total, part) in self.files_by_format.iter_mut().zip(other.files_by_format) {
            *total += part;
        }
        self.with_isrc += other.with_isrc;
        self.with_musicbrainz_ids += other.with_musicbrainz_ids;
        self.flagged_compilation += other.flagged_compilation;
        self.on_compilations += other.on_compilations;
        self.with_several_artists += other.with_several_artists;
        self.with_featuring += other.with_featuring;
        self.with_non_ascii_text += other.with_non_ascii_text;
        self.with_cover += other.with_cover;
        self.title_only += other.title_only;
        self.untagged += other.untagged;
    }
}

impl fmt::Display for LibraryManifest {
    /// One line per figure, each `name: value`, formats first.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            formatter,
            "files: {}, albums: {}, folders: {}",
            self.files, self.albums, self.folders
        )?;
        let formats: Vec<String> = TemplateFormat::ALL
            .into_iter()
            .map(|format| format!("{format} {}", self.files_in(format)))
            .collect();
        writeln!(formatter, "formats: {}", formats.join(", "))?;
        let figures = [
            ("with ISRC", self.with_isrc),
            ("with MusicBrainz ids", self.with_musicbrainz_ids),
            ("on compilations", self.on_compilations),
            ("compilation flag set", self.flagged_compilation),
            ("several artists", self.with_several_artists),
            ("feat. credits", self.with_featuring),
            ("non-ASCII text", self.with_non_ascii_text),
            ("front cover", self.with_cover),
            ("title only", self.title_only),
        ];
        for (name, value) in figures {
            writeln!(formatter, "{name}: {value}")?;
        }
        write!(formatter, "untagged: {}", self.untagged)
    }
}

/// What [`generate_library`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibrarySummary {
    pub manifest: LibraryManifest,
    /// Bytes of all files written.
    pub bytes: u64,
    pub elapsed: Duration,
}

impl LibrarySummary {
    /// Files written per second of wall time.
    pub fn files_per_second(&self) -> f64 {
        self.manifest.files as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

/// How far a running generation is, for progress reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerationProgress {
    pub files_written: u64,
    pub files_planned: u64,
    pub bytes_written: u64,
    pub elapsed: Duration,
}

/// Why a library could not be generated. Nothing written before the failure is removed.
#[derive(Debug)]
pub enum GenerateLibraryError {
    /// The output folder exists and holds something; the generator never writes among other
    /// files.
    OutputNotEmpty { out: PathBuf },
    /// The output path exists and is not a folder.
    OutputNotAFolder { out: PathBuf },
    /// The output folder could not be inspected or created.
    PrepareOutput {
        out: PathBuf,
        source: std::io::Error,
    },
    /// An album folder could not be created (it must not exist yet).
    CreateFolder {
        folder: PathBuf,
        source: std::io::Error,
    },
    /// The audio templates could not be loaded.
    Templates(AudioTemplatesError),
    /// Tags could not be written into a copy of a template.
    Tag {
        file: PathBuf,
        source: AudioTemplatesError,
    },
    /// A file could not be created (it must not exist yet) or written.
    WriteFile {
        file: PathBuf,
        source: std::io::Error,
    },
    /// A writer thread panicked.
    WriterPanicked,
}

impl fmt::Display for GenerateLibraryError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OutputNotEmpty { out } => write!(
                formatter,
                "{} is not empty; the generator writes only into a new or empty folder and \
                 never overwrites or deletes anything",
                out.display()
            ),
            Self::OutputNotAFolder { out } => {
                write!(formatter, "{} exists and is not a folder", out.display())
            }
            Self::PrepareOutput { out, .. } => write!(
                formatter,
                "could not inspect or create the output folder {}",
                out.display()
            ),
            Self::CreateFolder { folder, .. } => {
                write!(
                    formatter,
                    "could not create the folder {}",
                    folder.display()
                )
            }
            Self::Templates(_) => formatter.write_str("could not load the audio templates"),
            Self::Tag { file, .. } => write!(formatter, "could not tag {}", file.display()),
            Self::WriteFile { file, .. } => {
                write!(formatter, "could not write {}", file.display())
            }
            Self::WriterPanicked => formatter.write_str("a writer thread panicked"),
        }
    }
}

impl std::error::Error for GenerateLibraryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::PrepareOutput { source, .. }
            | Self::CreateFolder { source, .. }
            | Self::WriteFile { source, .. } => Some(source),
            Self::Templates(source) | Self::Tag { source, .. } => Some(source),
            Self::OutputNotEmpty { .. } | Self::OutputNotAFolder { .. } | Self::WriterPanicked => {
                None
            }
        }
    }
}

/// Writes the library of `options` and reports what it wrote.
pub fn generate_library(options: &LibraryOptions) -> Result<LibrarySummary, GenerateLibraryError> {
    generate_library_with_progress(options, Duration::MAX, |_| {})
}

/// [`generate_library`], calling `on_progress` about every `interval` from the calling thread
/// while the writers work.
pub fn generate_library_with_progress(
    options: &LibraryOptions,
    interval: Duration,
    mut on_progress: impl FnMut(&GenerationProgress),
) -> Result<LibrarySummary, GenerateLibraryError> {
    let started = Instant::now();
    prepare_output_folder(&options.out)?;
    let templates = AudioTemplates::load().map_err(GenerateLibraryError::Templates)?;

    let shared = SharedWork {
        plan: Mutex::new(LibraryPlan::new(options.count, options.seed)),
        templates,
        out: &options.out,
        files_written: AtomicU64::new(0),
        bytes_written: AtomicU64::new(0),
        failed: AtomicBool::new(false),
    };
    let outcomes = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..options.workers.max(1))
            .map(|_| scope.spawn(|| shared.write_albums()))
            .collect();
        let mut last_report = Instant::now();
        while !writers.iter().all(|writer| writer.is_finished()) {
            std::thread::sleep(Duration::from_millis(20));
            if last_report.elapsed() >= interval {
                last_report = Instant::now();
                on_progress(&GenerationProgress {
                    files_written: shared.files_written.load(Ordering::Relaxed),
                    files_planned: options.count,
                    bytes_written: shared.bytes_written.load(Ordering::Relaxed),
                    elapsed: started.elapsed(),
                });
            }
        }
        writers
            .into_iter()
            .map(|writer| {
                writer
                    .join()
                    .unwrap_or(Err(GenerateLibraryError::WriterPanicked))
            })
            .collect::<Vec<_>>()
    });

    let mut manifest = LibraryManifest::default();
    for outcome in outcomes {
        manifest.merge(&outcome?);
    }
    Ok(LibrarySummary {
        manifest,
        bytes: shared.bytes_written.load(Ordering::Relaxed),
        elapsed: started.elapsed(),
    })
}

/// Creates `out` when absent; refuses it when it is not an empty folder.
fn prepare_output_folder(out: &Path) -> Result<(), GenerateLibraryError> {
    let prepare_error = |source| GenerateLibraryError::PrepareOutput {
        out: out.to_owned(),
        source,
    };
    match std::fs::metadata(out) {
        Ok(metadata) if !metadata.is_dir() => Err(GenerateLibraryError::OutputNotAFolder {
            out: out.to_owned(),
        }),
        Ok(_) => {
            let mut entries = std::fs::read_dir(out).map_err(prepare_error)?;
            match entries.next() {
                None => Ok(()),
                Some(_) => Err(GenerateLibraryError::OutputNotEmpty {
                    out: out.to_owned(),
                }),
            }
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(out).map_err(prepare_error)
        }
        Err(error) => Err(prepare_error(error)),
    }
}

/// What the writer threads share: the plan they take albums from, one at a time, and the
/// counters the progress reports read.
struct SharedWork<'out> {
    plan: Mutex<LibraryPlan>,
    templates: AudioTemplates,
    out: &'out Path,
    files_written: AtomicU64,
    bytes_written: AtomicU64,
    /// Set by the first writer that fails, so the others stop at their next album.
    failed: AtomicBool,
}

impl SharedWork<'_> {
    /// Takes albums from the plan until it is exhausted (or another writer failed), writes
    /// them, and returns the manifest of the albums this thread wrote.
    fn write_albums(&self) -> Result<LibraryManifest, GenerateLibraryError> {
        let mut manifest = LibraryManifest::default();
        while !self.failed.load(Ordering::Relaxed) {
            let Ok(mut plan) = self.plan.lock() else {
                // Another writer panicked while drawing from the plan; its join reports it.
                break;
            };
            let next_album = plan.next();
            drop(plan);
            let Some(album) = next_album else { break };
            if let Err(error) = self.write_album(&album) {
                self.failed.store(true, Ordering::Relaxed);
                return Err(error);
            }
            manifest.record(&album);
        }
        Ok(manifest)
    }

    fn write_album(&self, album: &PlannedAlbum) -> Result<(), GenerateLibraryError> {
        let folder = self.out.join(&album.folder);
        let create_error = |source| GenerateLibraryError::CreateFolder {
            folder: folder.clone(),
            source,
        };
        // The artist folder may already exist (an earlier album, perhaps being written by the
        // other thread); the album folder must not.
        if let Some(artist_folder) = folder.parent() {
            std::fs::create_dir_all(artist_folder).map_err(create_error)?;
        }
        std::fs::create_dir(&folder).map_err(create_error)?;

        for file in &album.files {
            let path = self.out.join(&file.relative_path);
            let tagged;
            let bytes = if file.written.tags.is_empty() && !file.written.front_cover {
                // An untagged file is the template itself; writing an empty tag would be the
                // same at best.
                self.templates.template_bytes(file.format)
            } else {
                tagged = self
                    .templates
                    .tagged_bytes(file.format, &file.written)
                    .map_err(|source| GenerateLibraryError::Tag {
                        file: path.clone(),
                        source,
                    })?;
                tagged.as_slice()
            };
            write_new_file(&path, bytes).map_err(|source| GenerateLibraryError::WriteFile {
                file: path.clone(),
                source,
            })?;
            self.files_written.fetch_add(1, Ordering::Relaxed);
            self.bytes_written
                .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// Writes `bytes` to a file that must not exist yet.
fn write_new_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(bytes)
}
