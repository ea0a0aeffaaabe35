//! The library scan's store: scan runs (begun, resumed, finished), the batched reads a scan
//! compares the disk with, and the one-transaction write of each batch it commits.
//!
//! Paths are stored in their lossless text form ([`LibraryPath::as_stored`]) and compared byte by
//! byte on both backends (PostgreSQL's path columns use the "C" collation), so "the folders under
//! a root" is an index range rather than a `LIKE`.
//!
//! The batch write lives in `batch` (its steps' statements in `batch/steps`); the batch's checked,
//! converted form in `prepare`; and the decisions between its statements, which run none
//! themselves, in the domain (`catalog::identity`: which stored artist, album or track a file
//! names) and in `catalogue` (the artists and albums the files mention), `tracks` (which track
//! each audio file links to) and `file_rows`.

mod batch;
mod catalogue;
mod file_rows;
mod prepare;
mod tracks;

use std::collections::HashSet;

use chrono::{NaiveDateTime, Timelike};
use soulspot_domain::ports::ScanRepository;
use soulspot_domain::scan::{
    KnownFile, KnownFolder, LibraryPath, ScanBatch, ScanBatchOutcome, ScanCounts, ScanMode,
    ScanRun, ScanRunId,
};
use soulspot_domain::{LibraryFileId, LibraryFolderId, RepositoryError, TrackId};

use super::catalog::ID_CHUNK;
use super::error::invalid_data;
use super::prelude::*;
use super::schema::{library_files, library_folders, library_scans};
use super::{Database, read, write};

/// Identities per `files_with_identity` statement. Diesel nests each `OR` one level deeper, and
/// SQLite refuses expressions nested beyond 1,000 levels.
const IDENTITY_CHUNK: usize = 100;

/// A stored scan mode that is neither "quick" nor "full".
#[derive(Debug, thiserror::Error)]
#[error("unknown scan mode {0:?}")]
struct UnknownScanMode(String);

#[derive(Queryable, Selectable)]
#[diesel(table_name = library_scans)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct ScanRunRow {
    id: i64,
    root: String,
    mode: String,
    checkpoint: Option<String>,
    counts_json: String,
    started_at: NaiveDateTime,
    finished_at: Option<NaiveDateTime>,
}

impl ScanRunRow {
    fn into_domain(self) -> diesel::QueryResult<ScanRun> {
        Ok(ScanRun {
            id: ScanRunId(self.id),
            root: LibraryPath::from_stored(self.root).map_err(invalid_data)?,
            mode: ScanMode::parse(&self.mode)
                .ok_or_else(|| invalid_data(UnknownScanMode(self.mode.clone())))?,
            checkpoint: self
                .checkpoint
                .map(LibraryPath::from_stored)
                .transpose()
                .map_err(invalid_data)?,
            counts: serde_json::from_str(&self.counts_json).map_err(invalid_data)?,
            started_at: self.started_at,
            finished_at: self.finished_at,
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = library_folders)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct KnownFolderRow {
    id: i64,
    path: String,
    content_hash: Option<String>,
}

impl KnownFolderRow {
    fn into_domain(self) -> diesel::QueryResult<KnownFolder> {
        Ok(KnownFolder {
            id: LibraryFolderId(self.id),
            path: LibraryPath::from_stored(self.path).map_err(invalid_data)?,
            content_hash: self.content_hash,
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = library_files)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct KnownFileRow {
    id: i64,
    path: String,
    folder_id: Option<i64>,
    size_bytes: i64,
    modified_at: Option<NaiveDateTime>,
    track_id: Option<i64>,
    missing_since: Option<NaiveDateTime>,
}

impl KnownFileRow {
    fn into_domain(self) -> diesel::QueryResult<KnownFile> {
        Ok(KnownFile {
            id: LibraryFileId(self.id),
            path: LibraryPath::from_stored(self.path).map_err(invalid_data)?,
            folder_id: self.folder_id.map(LibraryFolderId),
            size_bytes: self.size_bytes,
            modified_at: self.modified_at,
            track_id: self.track_id.map(TrackId),
            missing_since: self.missing_since,
        })
    }
}

fn convert_all<Row, Item>(
    rows: Vec<Row>,
    convert: impl Fn(Row) -> diesel::QueryResult<Item>,
) -> diesel::QueryResult<Vec<Item>> {
    rows.into_iter().map(convert).collect()
}

/// A modification time as both backends store it: PostgreSQL keeps microseconds, SQLite would
/// keep the nanoseconds it is given. Cutting them here makes a stored time read back equal on
/// either backend, and makes the identity lookup compare like with like.
pub(crate) fn stored_time(time: NaiveDateTime) -> NaiveDateTime {
    let whole_micros = time.nanosecond() / 1_000 * 1_000;
    time.with_nanosecond(whole_micros).unwrap_or(time)
}

/// The upper end of the path range under `root`: `root` followed by the character after '/'.
fn range_end_after_slash(root: &str) -> String {
    format!("{root}0")
}

impl ScanRepository for Database {
    async fn begin_scan(
        &self,
        root: &LibraryPath,
        mode: ScanMode,
        now: NaiveDateTime,
    ) -> Result<ScanRun, RepositoryError> {
        let root = root.as_stored().to_owned();
        let mode = mode.as_str();
        let counts_json = serde_json::to_string(&ScanCounts::default())
            .map_err(|error| RepositoryError::InvalidData(error.to_string()))?;
        let row: ScanRunRow = write!(self, |conn| {
            let unfinished: Option<ScanRunRow> = run!(
                library_scans::table
                    .filter(library_scans::root.eq(&root))
                    .filter(library_scans::mode.eq(mode))
                    .filter(library_scans::finished_at.is_null())
                    .select(ScanRunRow::as_select())
                    .first(conn)
            )
            .optional()?;
            match unfinished {
                Some(row) => Ok(row),
                None => run!(
                    diesel::insert_into(library_scans::table)
                        .values((
                            library_scans::root.eq(&root),
                            library_scans::mode.eq(mode),
                            library_scans::counts_json.eq(&counts_json),
                            library_scans::started_at.eq(now),
                        ))
                        .returning(ScanRunRow::as_returning())
                        .get_result(conn)
                ),
            }
        })?;
        Ok(row.into_domain().map_err(super::DbError::Query)?)
    }

    async fn finish_scan(
        &self,
        id: ScanRunId,
        now: NaiveDateTime,
    ) -> Result<ScanRun, RepositoryError> {
        let run_id = id.0;
        let row: ScanRunRow = write!(self, |conn| {
            // Finishing twice keeps the first finish time.
            let finished: Option<ScanRunRow> = run!(
                diesel::update(
                    library_scans::table
                        .find(run_id)
                        .filter(library_scans::finished_at.is_null())
                )
                .set(library_scans::finished_at.eq(now))
                .returning(ScanRunRow::as_returning())
                .get_result(conn)
            )
            .optional()?;
            match finished {
                Some(row) => Ok(row),
                None => run!(
                    library_scans::table
                        .find(run_id)
                        .select(ScanRunRow::as_select())
                        .first(conn)
                ),
            }
        })
        .map_err(|error| error.not_found_as("scan run", id))?;
        Ok(row.into_domain().map_err(super::DbError::Query)?)
    }

    async fn known_folders(
        &self,
        paths: Vec<LibraryPath>,
    ) -> Result<Vec<KnownFolder>, RepositoryError> {
        if paths.is_empty() {
            return Ok(Vec::new());
        }
        let paths: Vec<String> = paths.into_iter().map(LibraryPath::into_stored).collect();
        let folders = read!(self, |conn| {
            let mut rows: Vec<KnownFolderRow> = Vec::new();
            for chunk in paths.chunks(ID_CHUNK) {
                rows.extend(run!(
                    library_folders::table
                        .filter(library_folders::path.eq_any(chunk))
                        .order(library_folders::path.asc())
                        .select(KnownFolderRow::as_select())
                        .load::<KnownFolderRow>(conn)
                )?);
            }
            convert_all(rows, KnownFolderRow::into_domain)
        })?;
        Ok(folders)
    }

    async fn known_files(
        &self,
        folders: Vec<LibraryFolderId>,
    ) -> Result<Vec<KnownFile>, RepositoryError> {
        if folders.is_empty() {
            return Ok(Vec::new());
        }
        let folder_ids: Vec<i64> = folders.into_iter().map(LibraryFolderId::get).collect();
        let files = read!(self, |conn| {
            let mut rows: Vec<KnownFileRow> = Vec::new();
            for chunk in folder_ids.chunks(ID_CHUNK) {
                rows.extend(run!(
                    library_files::table
                        .filter(library_files::folder_id.eq_any(chunk))
                        .order(library_files::path.asc())
                        .select(KnownFileRow::as_select())
                        .load::<KnownFileRow>(conn)
                )?);
            }
            convert_all(rows, KnownFileRow::into_domain)
        })?;
        Ok(files)
    }

    async fn files_with_identity(
        &self,
        identities: Vec<(i64, NaiveDateTime)>,
    ) -> Result<Vec<KnownFile>, RepositoryError> {
        let wanted: HashSet<(i64, NaiveDateTime)> = identities
            .into_iter()
            .map(|(size, modified_at)| (size, stored_time(modified_at)))
            .collect();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        // Each identity as its own `size = ? AND time = ?` term, `IDENTITY_CHUNK` to a statement:
        // every term is one probe of the (size_bytes, modified_at) index. Two lists (`size IN …
        // AND time IN …`) made the index probe every size with every time, 250,000 probes for a
        // batch of 500 new files, and read every row pairing one file's size with another's time.
        let identities: Vec<(i64, NaiveDateTime)> = wanted.iter().copied().collect();
        let rows = read!(self, |conn| {
            let mut rows: Vec<KnownFileRow> = Vec::new();
            for chunk in identities.chunks(IDENTITY_CHUNK) {
                let mut query = library_files::table
                    .select(KnownFileRow::as_select())
                    .order(library_files::id.asc())
                    .into_boxed();
                for (index, (size, time)) in chunk.iter().enumerate() {
                    let term = library_files::size_bytes
                        .eq(*size)
                        .and(library_files::modified_at.eq(*time));
                    query = if index == 0 {
                        query.filter(term)
                    } else {
                        query.or_filter(term)
                    };
                }
                rows.extend(run!(query.load::<KnownFileRow>(conn))?);
            }
            Ok(rows)
        })?;
        let mut seen = HashSet::new();
        let files = rows
            .into_iter()
            .filter(|row| {
                row.modified_at
                    .is_some_and(|time| wanted.contains(&(row.size_bytes, time)))
                    && seen.insert(row.id)
            })
            .map(KnownFileRow::into_domain)
            .collect::<diesel::QueryResult<Vec<_>>>()
            .map_err(super::DbError::Query)?;
        Ok(files)
    }

    async fn folders_under(
        &self,
        root: &LibraryPath,
        after: Option<&LibraryPath>,
        limit: u32,
    ) -> Result<Vec<KnownFolder>, RepositoryError> {
        let root = root.as_stored().trim_end_matches('/').to_owned();
        let below = format!("{root}/");
        let end = range_end_after_slash(&root);
        let after = after.map(|path| path.as_stored().to_owned());
        let limit = i64::from(limit);
        let folders = read!(self, |conn| {
            // One index range from the root to just past its subtree. Between the root and
            // root + "/" sort the siblings whose names extend the root's with a character below
            // '/' ("/music/a b" for "/music/a"); the last condition drops them.
            let mut query = library_folders::table
                .filter(library_folders::path.ge(&root))
                .filter(library_folders::path.lt(&end))
                .filter(
                    library_folders::path
                        .eq(&root)
                        .or(library_folders::path.ge(&below)),
                )
                .order(library_folders::path.asc())
                .limit(limit)
                .select(KnownFolderRow::as_select())
                .into_boxed();
            if let Some(after) = &after {
                query = query.filter(library_folders::path.gt(after.clone()));
            }
            let rows: Vec<KnownFolderRow> = run!(query.load(conn))?;
            convert_all(rows, KnownFolderRow::into_domain)
        })?;
        Ok(folders)
    }

    async fn apply_scan_batch(
        &self,
        batch: ScanBatch,
    ) -> Result<ScanBatchOutcome, RepositoryError> {
        batch::apply_scan_batch(self, batch).await
    }
}
