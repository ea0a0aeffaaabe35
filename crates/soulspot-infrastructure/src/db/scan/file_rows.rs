//! The file rows of a scan batch: which stored row each file rewrites (by `existing` id, else by
//! path), the rows in the way of the batch's paths, and the values every row is written with.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;

use super::super::rows::TrackRow;
use super::prepare::{FileValues, KnownFileValues, PreparedContent, PreparedFile};

/// A file row the batch may rewrite (named by a file's `existing` id or path), with its track.
#[derive(Debug)]
pub(super) struct CurrentFile {
    pub id: i64,
    pub path: String,
    pub track_id: Option<i64>,
    pub track: Option<TrackRow>,
}

/// Which stored row each file rewrites, and the rows in the way of the batch's paths.
#[derive(Debug)]
pub(super) struct FileRowsPlan {
    /// Per file, the index in the loaded rows of the row it rewrites.
    pub targets: Vec<Option<usize>>,
    /// Rows holding a path the batch writes that no file of the batch rewrites: stale rows of a
    /// file that is gone, replaced by a moved one. They are deleted.
    pub displaced: Vec<i64>,
    /// Rewritten rows that still hold a path another file of the batch moves to (moves in a
    /// chain or a cycle): they take a temporary path first so no statement meets a duplicate.
    pub vacated: Vec<i64>,
}

/// Which row each file rewrites: the row named by its `existing` id, else the row of its path
/// unless another file names that row (it moves away, and this file is new at its old path).
pub(super) fn plan_file_rows(files: &[PreparedFile], current: &[CurrentFile]) -> FileRowsPlan {
    let by_id: HashMap<i64, usize> = current
        .iter()
        .enumerate()
        .map(|(index, row)| (row.id, index))
        .collect();
    let by_path: HashMap<&str, usize> = current
        .iter()
        .enumerate()
        .map(|(index, row)| (row.path.as_str(), index))
        .collect();
    // `existing` ids are distinct (the batch was checked), and so are paths.
    let mut targets: Vec<Option<usize>> = files
        .iter()
        .map(|file| file.existing.and_then(|id| by_id.get(&id)).copied())
        .collect();
    let mut rewritten: HashSet<usize> = targets.iter().flatten().copied().collect();
    for (file, target) in files.iter().zip(targets.iter_mut()) {
        if target.is_none()
            && let Some(&row) = by_path.get(file.path.as_str())
            && rewritten.insert(row)
        {
            *target = Some(row);
        }
    }
    let new_paths: HashSet<&str> = files.iter().map(|file| file.path.as_str()).collect();
    let displaced = current
        .iter()
        .enumerate()
        .filter(|(index, row)| !rewritten.contains(index) && new_paths.contains(row.path.as_str()))
        .map(|(_, row)| row.id)
        .collect();
    let vacated = files
        .iter()
        .zip(&targets)
        .filter_map(|(file, target)| target.map(|row| (file, &current[row])))
        .filter(|(file, row)| row.path != file.path && new_paths.contains(row.path.as_str()))
        .map(|(_, row)| row.id)
        .collect();
    FileRowsPlan {
        targets,
        displaced,
        vacated,
    }
}

/// The rows the batch's files are written as: rows rewritten in place (by id) and new rows.
/// `track_ids` holds each audio file's track on entry; on return it holds every file's track,
/// a broken file keeping its row's (it may be readable again tomorrow).
pub(super) fn file_values(
    files: &[PreparedFile],
    plan: &FileRowsPlan,
    current: &[CurrentFile],
    folder_ids: &[Option<i64>],
    track_ids: &mut [Option<i64>],
    now: NaiveDateTime,
) -> (Vec<KnownFileValues>, Vec<FileValues>) {
    let mut known = Vec::new();
    let mut new = Vec::new();
    for (index, file) in files.iter().enumerate() {
        let target = plan.targets[index].map(|row| &current[row]);
        let mut values = FileValues {
            path: file.path.clone(),
            folder_id: folder_ids[file.folder],
            size_bytes: file.size_bytes,
            modified_at: Some(file.modified_at),
            format: None,
            codec: None,
            bitrate_kbps: None,
            sample_rate_hz: None,
            bit_depth: None,
            channels: None,
            duration_ms: None,
            track_id: None,
            tags_json: None,
            broken_reason: None,
            missing_since: None,
            has_embedded_art: None,
            updated_at: now,
        };
        match &file.content {
            PreparedContent::Audio(audio) => {
                values.format = Some(audio.format.to_owned());
                values.codec = Some(audio.codec.to_owned());
                values.bitrate_kbps = audio.bitrate_kbps;
                values.sample_rate_hz = audio.sample_rate_hz;
                values.bit_depth = audio.bit_depth;
                values.channels = audio.channels;
                values.duration_ms = Some(audio.duration_ms);
                values.track_id = track_ids[index];
                values.tags_json = Some(audio.tags_json.clone());
                values.has_embedded_art = Some(audio.has_embedded_art);
            }
            PreparedContent::Broken { reason } => {
                values.track_id = target.and_then(|row| row.track_id);
                values.broken_reason = Some(reason.clone());
            }
        }
        track_ids[index] = values.track_id;
        match target {
            Some(row) => known.push(KnownFileValues { id: row.id, values }),
            None => new.push(values),
        }
    }
    (known, new)
}

/// Each file's row id: the row it rewrote, or the one inserted for its path.
pub(super) fn file_ids(
    files: &[PreparedFile],
    plan: &FileRowsPlan,
    current: &[CurrentFile],
    inserted: &HashMap<String, i64>,
) -> Vec<i64> {
    files
        .iter()
        .zip(&plan.targets)
        .map(|(file, target)| match target {
            Some(row) => current[*row].id,
            None => inserted.get(&file.path).copied().unwrap_or(0),
        })
        .collect()
}
