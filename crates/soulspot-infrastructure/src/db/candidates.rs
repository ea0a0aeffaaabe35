//! The download-candidate repository: every ranked search result of a download, with its verdict
//! and reasons, replaced as a whole when a download searches again.

use chrono::NaiveDateTime;
use soulspot_domain::ports::DownloadCandidateRepository;
use soulspot_domain::{
    CandidateFile, CandidateVerdict, DownloadCandidate, DownloadCandidateId, DownloadId,
    NewDownloadCandidate, RepositoryError,
};

use super::catalog::WRITE_CHUNK;
use super::error::invalid_data;
use super::prelude::*;
use super::rows::{duration_from_column, duration_to_column};
use super::schema::{download_candidates, downloads};
use super::{Database, read, write};

#[derive(Queryable, Selectable)]
#[diesel(table_name = download_candidates)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct CandidateRow {
    id: i64,
    download_id: i64,
    username: String,
    filename: String,
    size_bytes: i64,
    format: Option<String>,
    bitrate_kbps: Option<i32>,
    sample_rate_hz: Option<i32>,
    bit_depth: Option<i32>,
    length_ms: Option<i32>,
    upload_speed: Option<i64>,
    queue_length: Option<i32>,
    has_free_slot: Option<bool>,
    rank: Option<i32>,
    verdict: String,
    reasons_json: String,
}

impl CandidateRow {
    fn into_domain(self) -> diesel::QueryResult<DownloadCandidate> {
        Ok(DownloadCandidate {
            id: DownloadCandidateId(self.id),
            download_id: DownloadId(self.download_id),
            file: CandidateFile {
                username: self.username,
                filename: self.filename,
                size_bytes: self.size_bytes,
                format: self.format,
                bitrate_kbps: self.bitrate_kbps,
                sample_rate_hz: self.sample_rate_hz,
                bit_depth: self.bit_depth,
                length: duration_from_column(self.length_ms)?,
                upload_speed: self.upload_speed,
                queue_length: self.queue_length,
                has_free_slot: self.has_free_slot,
            },
            rank: self.rank,
            verdict: CandidateVerdict::parse(&self.verdict).map_err(invalid_data)?,
            reasons: serde_json::from_str(&self.reasons_json).map_err(invalid_data)?,
        })
    }
}

#[derive(Insertable, Clone)]
#[diesel(table_name = download_candidates)]
#[diesel(treat_none_as_null = true)]
struct NewCandidateRow {
    download_id: i64,
    username: String,
    filename: String,
    size_bytes: i64,
    format: Option<String>,
    bitrate_kbps: Option<i32>,
    sample_rate_hz: Option<i32>,
    bit_depth: Option<i32>,
    length_ms: Option<i32>,
    upload_speed: Option<i64>,
    queue_length: Option<i32>,
    has_free_slot: Option<bool>,
    rank: Option<i32>,
    verdict: String,
    reasons_json: String,
    created_at: NaiveDateTime,
}

impl DownloadCandidateRepository for Database {
    async fn replace_candidates(
        &self,
        download_id: DownloadId,
        candidates: Vec<NewDownloadCandidate>,
    ) -> Result<Vec<DownloadCandidate>, RepositoryError> {
        let stamp = self.now();
        let rows = candidates
            .into_iter()
            .map(|candidate| {
                let reasons_json = serde_json::to_string(&candidate.reasons)
                    .map_err(|error| RepositoryError::InvalidData(error.to_string()))?;
                let file = candidate.file;
                Ok(NewCandidateRow {
                    download_id: download_id.0,
                    username: file.username,
                    filename: file.filename,
                    size_bytes: file.size_bytes,
                    format: file.format,
                    bitrate_kbps: file.bitrate_kbps,
                    sample_rate_hz: file.sample_rate_hz,
                    bit_depth: file.bit_depth,
                    length_ms: duration_to_column(file.length),
                    upload_speed: file.upload_speed,
                    queue_length: file.queue_length,
                    has_free_slot: file.has_free_slot,
                    rank: candidate.rank,
                    verdict: candidate.verdict.as_str().to_owned(),
                    reasons_json,
                    created_at: stamp,
                })
            })
            .collect::<Result<Vec<_>, RepositoryError>>()?;
        let found = write!(self, |conn| {
            let exists: Option<i64> = run!(
                downloads::table
                    .find(download_id.0)
                    .select(downloads::id)
                    .first::<i64>(conn)
            )
            .optional()?;
            if exists.is_none() {
                return Ok(false);
            }
            run!(
                diesel::delete(
                    download_candidates::table
                        .filter(download_candidates::download_id.eq(download_id.0))
                )
                .execute(conn)
            )?;
            for chunk in rows.chunks(WRITE_CHUNK) {
                run!(
                    diesel::insert_into(download_candidates::table)
                        .values(chunk)
                        .execute(conn)
                )?;
            }
            Ok(true)
        })?;
        if !found {
            return Err(RepositoryError::not_found("download", download_id));
        }
        self.candidates(download_id).await
    }

    async fn candidates(
        &self,
        download_id: DownloadId,
    ) -> Result<Vec<DownloadCandidate>, RepositoryError> {
        let candidates = read!(self, |conn| {
            let rows: Vec<CandidateRow> = run!(
                download_candidates::table
                    .filter(download_candidates::download_id.eq(download_id.0))
                    .order((
                        download_candidates::rank.is_null(),
                        download_candidates::rank.asc(),
                        download_candidates::id.asc()
                    ))
                    .select(CandidateRow::as_select())
                    .load(conn)
            )?;
            rows.into_iter()
                .map(CandidateRow::into_domain)
                .collect::<Result<Vec<_>, _>>()
        })?;
        Ok(candidates)
    }
}
