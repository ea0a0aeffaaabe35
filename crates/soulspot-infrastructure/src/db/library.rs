//! The library-file repository.

use super::prelude::*;
use chrono::NaiveDateTime;
use soulspot_domain::ports::{LibraryFileRepository, LibraryFolderRepository};
use soulspot_domain::{
    AudioProperties, LibraryFile, LibraryFileId, LibraryFolder, LibraryFolderId, NewLibraryFile,
    Page, PageRequest, RepositoryError, TrackId,
};

use super::catalog::WRITE_CHUNK;
use super::rows::{duration_from_column, duration_to_column};
use super::schema::{library_files, library_folders};
use super::{Database, id_page, read, write};

#[derive(Queryable, Selectable)]
#[diesel(table_name = library_files)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct LibraryFileRow {
    id: i64,
    path: String,
    folder_id: Option<i64>,
    size_bytes: i64,
    modified_at: Option<NaiveDateTime>,
    format: Option<String>,
    codec: Option<String>,
    bitrate_kbps: Option<i32>,
    sample_rate_hz: Option<i32>,
    bit_depth: Option<i32>,
    channels: Option<i32>,
    duration_ms: Option<i32>,
    track_id: Option<i64>,
    tags_json: Option<String>,
    broken_reason: Option<String>,
    missing_since: Option<NaiveDateTime>,
}

impl LibraryFileRow {
    fn into_domain(self) -> diesel::QueryResult<LibraryFile> {
        Ok(LibraryFile {
            id: LibraryFileId(self.id),
            path: self.path,
            folder_id: self.folder_id.map(LibraryFolderId),
            size_bytes: self.size_bytes,
            modified_at: self.modified_at,
            audio: AudioProperties {
                format: self.format,
                codec: self.codec,
                bitrate_kbps: self.bitrate_kbps,
                sample_rate_hz: self.sample_rate_hz,
                bit_depth: self.bit_depth,
                channels: self.channels,
                duration: duration_from_column(self.duration_ms)?,
            },
            track_id: self.track_id.map(TrackId),
            tags_json: self.tags_json,
            broken_reason: self.broken_reason,
            missing_since: self.missing_since,
        })
    }
}

#[derive(Insertable, AsChangeset, Clone)]
#[diesel(table_name = library_files)]
#[diesel(treat_none_as_null = true)]
struct NewLibraryFileRow {
    path: String,
    folder_id: Option<i64>,
    size_bytes: i64,
    modified_at: Option<NaiveDateTime>,
    format: Option<String>,
    codec: Option<String>,
    bitrate_kbps: Option<i32>,
    sample_rate_hz: Option<i32>,
    bit_depth: Option<i32>,
    channels: Option<i32>,
    duration_ms: Option<i32>,
    track_id: Option<i64>,
    tags_json: Option<String>,
    broken_reason: Option<String>,
    missing_since: Option<NaiveDateTime>,
    updated_at: NaiveDateTime,
}

impl LibraryFileRepository for Database {
    async fn upsert_files(
        &self,
        files: Vec<NewLibraryFile>,
    ) -> Result<Vec<LibraryFileId>, RepositoryError> {
        let stamp = self.now();
        let rows: Vec<NewLibraryFileRow> = files
            .into_iter()
            .map(|file| NewLibraryFileRow {
                path: file.path,
                folder_id: file.folder_id.map(|id| id.0),
                size_bytes: file.size_bytes,
                modified_at: file.modified_at,
                format: file.audio.format,
                codec: file.audio.codec,
                bitrate_kbps: file.audio.bitrate_kbps,
                sample_rate_hz: file.audio.sample_rate_hz,
                bit_depth: file.audio.bit_depth,
                channels: file.audio.channels,
                duration_ms: duration_to_column(file.audio.duration),
                track_id: file.track_id.map(|id| id.0),
                tags_json: file.tags_json,
                broken_reason: file.broken_reason,
                missing_since: None,
                updated_at: stamp,
            })
            .collect();
        let ids = write!(self, |conn| {
            let mut ids = Vec::with_capacity(rows.len());
            for chunk in rows.chunks(WRITE_CHUNK) {
                // Portable upsert (diesel cannot build a multi-row ON CONFLICT for SQLite): read
                // the known paths, update those rows, insert the rest in one statement.
                let paths: Vec<&String> = chunk.iter().map(|row| &row.path).collect();
                let known: Vec<(i64, String)> = run!(
                    library_files::table
                        .filter(library_files::path.eq_any(&paths))
                        .select((library_files::id, library_files::path))
                        .load(conn)
                )?;
                let known: std::collections::HashMap<String, i64> =
                    known.into_iter().map(|(id, path)| (path, id)).collect();
                let mut missing = Vec::new();
                for row in chunk {
                    match known.get(&row.path) {
                        Some(id) => {
                            run!(
                                diesel::update(library_files::table.find(*id))
                                    .set(row)
                                    .execute(conn)
                            )?;
                        }
                        None => missing.push(row.clone()),
                    }
                }
                if !missing.is_empty() {
                    run!(
                        diesel::insert_into(library_files::table)
                            .values(&missing)
                            .execute(conn)
                    )?;
                }
                let paths: Vec<&String> = chunk.iter().map(|row| &row.path).collect();
                let found: Vec<(i64, String)> = run!(
                    library_files::table
                        .filter(library_files::path.eq_any(paths))
                        .select((library_files::id, library_files::path))
                        .load(conn)
                )?;
                let found: std::collections::HashMap<String, i64> =
                    found.into_iter().map(|(id, path)| (path, id)).collect();
                ids.extend(
                    chunk
                        .iter()
                        .map(|row| LibraryFileId(found.get(&row.path).copied().unwrap_or(0))),
                );
            }
            Ok(ids)
        })?;
        Ok(ids)
    }

    async fn file(&self, id: LibraryFileId) -> Result<LibraryFile, RepositoryError> {
        let file = read!(self, |conn| run!(
            library_files::table
                .find(id.0)
                .select(LibraryFileRow::as_select())
                .first(conn)
        )
        .and_then(LibraryFileRow::into_domain))
        .map_err(|error| error.not_found_as("library file", id))?;
        Ok(file)
    }

    async fn file_by_path(&self, path: &str) -> Result<Option<LibraryFile>, RepositoryError> {
        let path = path.to_owned();
        let file = read!(self, |conn| run!(
            library_files::table
                .filter(library_files::path.eq(path))
                .select(LibraryFileRow::as_select())
                .first(conn)
        )
        .optional()?
        .map(LibraryFileRow::into_domain)
        .transpose())?;
        Ok(file)
    }

    async fn list_files(
        &self,
        page: PageRequest<LibraryFileId>,
    ) -> Result<Page<LibraryFile, LibraryFileId>, RepositoryError> {
        Ok(id_page!(
            self,
            library_files,
            LibraryFileRow,
            page,
            |item| item.id
        ))
    }

    async fn files_of_track(&self, id: TrackId) -> Result<Vec<LibraryFile>, RepositoryError> {
        let track_id = id.0;
        let files = read!(self, |conn| {
            let rows: Vec<LibraryFileRow> = run!(
                library_files::table
                    .filter(library_files::track_id.eq(track_id))
                    .order(library_files::id.asc())
                    .select(LibraryFileRow::as_select())
                    .load(conn)
            )?;
            rows.into_iter()
                .map(LibraryFileRow::into_domain)
                .collect::<Result<Vec<_>, _>>()
        })?;
        Ok(files)
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = library_folders)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct LibraryFolderRow {
    id: i64,
    path: String,
    content_hash: Option<String>,
    scanned_at: Option<NaiveDateTime>,
}

impl LibraryFolderRow {
    fn into_domain(self) -> LibraryFolder {
        LibraryFolder {
            id: LibraryFolderId(self.id),
            path: self.path,
            content_hash: self.content_hash,
            scanned_at: self.scanned_at,
        }
    }
}

impl LibraryFolderRepository for Database {
    async fn upsert_folder(
        &self,
        path: &str,
        content_hash: Option<&str>,
        scanned_at: NaiveDateTime,
    ) -> Result<LibraryFolder, RepositoryError> {
        let path = path.to_owned();
        let content_hash = content_hash.map(str::to_owned);
        let row: LibraryFolderRow = write!(self, |conn| {
            let changed: Option<LibraryFolderRow> = run!(
                diesel::update(library_folders::table.filter(library_folders::path.eq(&path)))
                    .set((
                        library_folders::content_hash.eq(&content_hash),
                        library_folders::scanned_at.eq(scanned_at),
                    ))
                    .returning(LibraryFolderRow::as_returning())
                    .get_result(conn)
            )
            .optional()?;
            match changed {
                Some(row) => Ok(row),
                None => run!(
                    diesel::insert_into(library_folders::table)
                        .values((
                            library_folders::path.eq(&path),
                            library_folders::content_hash.eq(&content_hash),
                            library_folders::scanned_at.eq(scanned_at),
                        ))
                        .returning(LibraryFolderRow::as_returning())
                        .get_result(conn)
                ),
            }
        })?;
        Ok(row.into_domain())
    }

    async fn folder_by_path(&self, path: &str) -> Result<Option<LibraryFolder>, RepositoryError> {
        let path = path.to_owned();
        let row: Option<LibraryFolderRow> = read!(self, |conn| run!(
            library_folders::table
                .filter(library_folders::path.eq(path))
                .select(LibraryFolderRow::as_select())
                .first(conn)
        )
        .optional())?;
        Ok(row.map(LibraryFolderRow::into_domain))
    }
}
