//! A scan batch turned into what its transaction writes, before any statement runs: folder and
//! file rows, each audio file's catalogue entries derived from its tags, and the checks that
//! refuse a batch no transaction could write (a file naming a folder the batch lacks, one path
//! or one known row written twice).
//!
//! Every insertable here writes `None` as NULL (`treat_none_as_default_value = false`): when a
//! `None` could mean DEFAULT, diesel splits a multi-row SQLite insert into one statement per row.
//! (`treat_none_as_null` only concerns changesets; on an insertable diesel silently ignores it.)

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::NaiveDateTime;
use soulspot_domain::scan::{FileContent, MatchKeys, ScanBatch, ScannedTrack};
use soulspot_domain::{RepositoryError, title_match_key};

use super::super::prelude::*;
use super::super::schema::{library_files, library_folders};
use super::stored_time;

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = library_folders)]
#[diesel(treat_none_as_default_value = false)]
pub(super) struct FolderValues {
    pub path: String,
    pub content_hash: Option<String>,
    pub scanned_at: Option<NaiveDateTime>,
}

/// Every column a scan writes on a file row.
#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = library_files)]
#[diesel(treat_none_as_default_value = false)]
pub(super) struct FileValues {
    pub path: String,
    pub folder_id: Option<i64>,
    pub size_bytes: i64,
    pub modified_at: Option<NaiveDateTime>,
    pub format: Option<String>,
    pub codec: Option<String>,
    pub bitrate_kbps: Option<i32>,
    pub sample_rate_hz: Option<i32>,
    pub bit_depth: Option<i32>,
    pub channels: Option<i32>,
    pub duration_ms: Option<i32>,
    pub track_id: Option<i64>,
    pub tags_json: Option<String>,
    pub broken_reason: Option<String>,
    pub missing_since: Option<NaiveDateTime>,
    pub has_embedded_art: Option<bool>,
    pub updated_at: NaiveDateTime,
}

/// A file row rewritten in place (by id): the same columns, keyed by the row it keeps.
#[derive(Insertable, Debug)]
#[diesel(table_name = library_files)]
#[diesel(treat_none_as_default_value = false)]
pub(super) struct KnownFileValues {
    pub id: i64,
    #[diesel(embed)]
    pub values: FileValues,
}

/// The batch, checked and converted.
#[derive(Debug)]
pub(super) struct PreparedBatch {
    pub run: i64,
    pub now: NaiveDateTime,
    /// One per distinct folder path.
    pub folders: Vec<FolderValues>,
    pub files: Vec<PreparedFile>,
    pub missing: Vec<i64>,
    pub checkpoint: Option<String>,
    pub counts_json: String,
}

#[derive(Debug)]
pub(super) struct PreparedFile {
    pub path: String,
    /// Index into [`PreparedBatch::folders`].
    pub folder: usize,
    pub existing: Option<i64>,
    pub size_bytes: i64,
    pub modified_at: NaiveDateTime,
    pub content: PreparedContent,
}

#[derive(Debug)]
pub(super) enum PreparedContent {
    Audio(Box<PreparedAudio>),
    Broken { reason: String },
}

/// An audio file's stored properties and the catalogue entries its tags stand for.
#[derive(Debug)]
pub(super) struct PreparedAudio {
    pub format: &'static str,
    pub codec: &'static str,
    pub bitrate_kbps: Option<i32>,
    pub sample_rate_hz: Option<i32>,
    pub bit_depth: Option<i32>,
    pub channels: Option<i32>,
    pub duration_ms: i32,
    pub has_embedded_art: bool,
    pub tags_json: String,
    pub track: ScannedTrack,
    pub keys: MatchKeys,
    /// The title's matching key as stored in `tracks.normalized_title`.
    pub title_key: String,
}

impl PreparedFile {
    pub(super) fn audio(&self) -> Option<&PreparedAudio> {
        match &self.content {
            PreparedContent::Audio(audio) => Some(audio),
            PreparedContent::Broken { .. } => None,
        }
    }
}

fn invalid(message: String) -> RepositoryError {
    RepositoryError::InvalidData(message)
}

/// The file name without its extension, readable: the title of a file whose tags give none.
fn file_stem(path: &soulspot_domain::scan::LibraryPath) -> String {
    let display = path.display();
    Path::new(&display)
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn to_column(value: Option<u32>) -> Option<i32> {
    value.and_then(|value| i32::try_from(value).ok())
}

impl PreparedBatch {
    pub(super) fn new(batch: ScanBatch) -> Result<Self, RepositoryError> {
        let now = batch.now;
        // One row per folder path, the last write winning; files name folders by batch index.
        let mut folder_slot_by_path: HashMap<String, usize> = HashMap::new();
        let mut folders: Vec<FolderValues> = Vec::new();
        let mut folder_slots = Vec::with_capacity(batch.folders.len());
        for folder in batch.folders {
            let path = folder.path.into_stored();
            let slot = *folder_slot_by_path.entry(path.clone()).or_insert_with(|| {
                folders.push(FolderValues {
                    path,
                    content_hash: None,
                    scanned_at: Some(now),
                });
                folders.len() - 1
            });
            folders[slot].content_hash = folder.content_hash;
            folder_slots.push(slot);
        }

        let mut paths = HashSet::new();
        let mut existing_ids = HashSet::new();
        let mut files = Vec::with_capacity(batch.files.len());
        for file in batch.files {
            let folder = *folder_slots.get(file.folder).ok_or_else(|| {
                invalid(format!(
                    "file {} names folder {} of a batch of {} folders",
                    file.path,
                    file.folder,
                    folder_slots.len()
                ))
            })?;
            if !paths.insert(file.path.as_stored().to_owned()) {
                return Err(invalid(format!("file {} is written twice", file.path)));
            }
            if let Some(existing) = file.existing
                && !existing_ids.insert(existing.0)
            {
                return Err(invalid(format!(
                    "library file {existing} is rewritten twice"
                )));
            }
            let content = match file.content {
                FileContent::Broken(broken) => PreparedContent::Broken {
                    reason: broken.stored_reason(),
                },
                FileContent::Audio(facts) => {
                    let properties = facts.properties;
                    let track = ScannedTrack::from_tags(
                        &facts.tags,
                        properties.duration,
                        &file_stem(&file.path),
                    );
                    let keys = track.match_keys();
                    let tags_json = serde_json::to_string(&facts.tags)
                        .map_err(|error| invalid(format!("tags of {}: {error}", file.path)))?;
                    PreparedContent::Audio(Box::new(PreparedAudio {
                        format: properties.format.code(),
                        codec: properties.codec.code(),
                        bitrate_kbps: to_column(properties.bitrate_kbps),
                        sample_rate_hz: to_column(properties.sample_rate_hz),
                        bit_depth: properties.bit_depth.map(i32::from),
                        channels: properties.channels.map(i32::from),
                        // A TrackDuration is at most 24 h = 86.4M ms, well inside i32.
                        duration_ms: i32::try_from(properties.duration.as_millis())
                            .unwrap_or(i32::MAX),
                        has_embedded_art: facts.has_embedded_art,
                        tags_json,
                        title_key: title_match_key(&track.title).as_str().to_owned(),
                        track,
                        keys,
                    }))
                }
            };
            files.push(PreparedFile {
                path: file.path.into_stored(),
                folder,
                existing: file.existing.map(|id| id.0),
                size_bytes: file.size_bytes,
                modified_at: stored_time(file.modified_at),
                content,
            });
        }

        let counts_json = serde_json::to_string(&batch.counts)
            .map_err(|error| invalid(format!("scan counts: {error}")))?;
        Ok(Self {
            run: batch.run.0,
            now,
            folders,
            files,
            missing: batch.missing.into_iter().map(|id| id.0).collect(),
            checkpoint: batch.checkpoint.map(|path| path.into_stored()),
            counts_json,
        })
    }
}
