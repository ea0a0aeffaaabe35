//! The download repository. State changes are compare-and-set: the update only applies when the
//! row still has the state the event was checked against.

use super::prelude::*;
use chrono::NaiveDateTime;
use soulspot_domain::ports::DownloadRepository;
use soulspot_domain::{
    ChosenCandidate, Download, DownloadEvent, DownloadId, DownloadState, Page, PageRequest,
    RepositoryError, TrackId,
};

use super::error::invalid_data;
use super::schema::{downloads, tracks};
use super::{Database, id_page, read, write};

#[derive(Queryable, Selectable)]
#[diesel(table_name = downloads)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct DownloadRow {
    id: i64,
    track_id: i64,
    state: String,
    priority: i32,
    attempts: i32,
    next_attempt_at: Option<NaiveDateTime>,
    candidate_username: Option<String>,
    candidate_filename: Option<String>,
    candidate_size_bytes: Option<i64>,
    slskd_transfer_id: Option<String>,
    bytes_transferred: i64,
    bytes_total: Option<i64>,
    error: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl DownloadRow {
    fn into_domain(self) -> diesel::QueryResult<Download> {
        let candidate = match (
            self.candidate_username,
            self.candidate_filename,
            self.candidate_size_bytes,
        ) {
            (Some(username), Some(filename), Some(size_bytes)) => Some(ChosenCandidate {
                username,
                filename,
                size_bytes,
            }),
            _ => None,
        };
        Ok(Download {
            id: DownloadId(self.id),
            track_id: TrackId(self.track_id),
            state: DownloadState::parse(&self.state).map_err(invalid_data)?,
            priority: self.priority,
            attempts: self.attempts,
            next_attempt_at: self.next_attempt_at,
            candidate,
            slskd_transfer_id: self.slskd_transfer_id,
            bytes_transferred: self.bytes_transferred,
            bytes_total: self.bytes_total,
            error: self.error,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// What `apply_download_event` found, decided inside its transaction.
enum EventOutcome {
    Applied(DownloadRow),
    Missing,
    Refused(String),
}

impl DownloadRepository for Database {
    async fn create_download(
        &self,
        track_id: TrackId,
        priority: i32,
    ) -> Result<Download, RepositoryError> {
        let stamp = self.now();
        let created = write!(self, |conn| {
            let exists: Option<i64> = run!(
                tracks::table
                    .find(track_id.0)
                    .select(tracks::id)
                    .first::<i64>(conn)
            )
            .optional()?;
            if exists.is_none() {
                return Ok(None);
            }
            let row: DownloadRow = run!(
                diesel::insert_into(downloads::table)
                    .values((
                        downloads::track_id.eq(track_id.0),
                        downloads::state.eq(DownloadState::Wanted.as_str()),
                        downloads::priority.eq(priority),
                        downloads::created_at.eq(stamp),
                        downloads::updated_at.eq(stamp),
                    ))
                    .returning(DownloadRow::as_returning())
                    .get_result(conn)
            )?;
            Ok(Some(row))
        })
        .map_err(|error| match RepositoryError::from(error) {
            RepositoryError::Conflict(_) => RepositoryError::Conflict(format!(
                "track {track_id} already has an active download"
            )),
            other => other,
        })?;
        match created {
            Some(row) => row
                .into_domain()
                .map_err(|error| RepositoryError::InvalidData(error.to_string())),
            None => Err(RepositoryError::not_found("track", track_id)),
        }
    }

    async fn download(&self, id: DownloadId) -> Result<Download, RepositoryError> {
        let download = read!(self, |conn| run!(
            downloads::table
                .find(id.0)
                .select(DownloadRow::as_select())
                .first(conn)
        )
        .and_then(DownloadRow::into_domain))
        .map_err(|error| error.not_found_as("download", id))?;
        Ok(download)
    }

    async fn apply_download_event(
        &self,
        id: DownloadId,
        event: DownloadEvent,
        error: Option<String>,
    ) -> Result<Download, RepositoryError> {
        let stamp = self.now();
        let outcome = write!(self, |conn| {
            let current: Option<String> = run!(
                downloads::table
                    .find(id.0)
                    .select(downloads::state)
                    .first::<String>(conn)
            )
            .optional()?;
            let Some(current) = current else {
                return Ok(EventOutcome::Missing);
            };
            let from = DownloadState::parse(&current).map_err(invalid_data)?;
            let next = match from.apply(event) {
                Ok(next) => next,
                Err(refusal) => return Ok(EventOutcome::Refused(refusal.to_string())),
            };
            let attempts_increment = i32::from(event == DownloadEvent::SearchStarted);
            let row: DownloadRow = run!(
                diesel::update(
                    downloads::table
                        .find(id.0)
                        .filter(downloads::state.eq(from.as_str()))
                )
                .set((
                    downloads::state.eq(next.as_str()),
                    downloads::attempts.eq(downloads::attempts + attempts_increment),
                    downloads::error.eq(error),
                    downloads::updated_at.eq(stamp),
                ))
                .returning(DownloadRow::as_returning())
                .get_result(conn)
            )?;
            Ok(EventOutcome::Applied(row))
        })?;
        match outcome {
            EventOutcome::Applied(row) => row
                .into_domain()
                .map_err(|error| RepositoryError::InvalidData(error.to_string())),
            EventOutcome::Missing => Err(RepositoryError::not_found("download", id)),
            EventOutcome::Refused(reason) => Err(RepositoryError::Conflict(reason)),
        }
    }

    async fn next_wanted(
        &self,
        now: NaiveDateTime,
        limit: u32,
    ) -> Result<Vec<Download>, RepositoryError> {
        let limit = i64::from(limit.clamp(1, 500));
        let downloads = read!(self, |conn| {
            let rows: Vec<DownloadRow> = run!(
                downloads::table
                    .filter(downloads::state.eq(DownloadState::Wanted.as_str()))
                    .filter(
                        downloads::next_attempt_at
                            .is_null()
                            .or(downloads::next_attempt_at.le(now))
                    )
                    .order((
                        downloads::priority.desc(),
                        downloads::created_at.asc(),
                        downloads::id.asc()
                    ))
                    .limit(limit)
                    .select(DownloadRow::as_select())
                    .load(conn)
            )?;
            rows.into_iter()
                .map(DownloadRow::into_domain)
                .collect::<Result<Vec<_>, _>>()
        })?;
        Ok(downloads)
    }

    async fn list_downloads(
        &self,
        page: PageRequest<DownloadId>,
    ) -> Result<Page<Download, DownloadId>, RepositoryError> {
        Ok(id_page!(self, downloads, DownloadRow, page, |item| item.id))
    }
}
