//! The stats repository: figures about the whole library in two aggregate statements, whatever
//! the size of the catalogue (no statement per row, no rows brought back to count).
//!
//! A file is *present* when a scan found it and could read it (`missing_since IS NULL AND
//! broken_reason IS NULL`, the condition `has_library_file` uses). A file that is gone counts as
//! missing whatever its last read said, so present + missing + broken is every file.

use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{QueryableByName, sql_query};
use soulspot_domain::ports::StatsRepository;
use soulspot_domain::{FileStats, FormatStats, LibraryStats, RepositoryError};

use super::{Database, read};

/// Scalar sub-queries in one statement. `SUM` over `BIGINT` is `numeric` on PostgreSQL, hence the
/// casts; `COALESCE` turns the `NULL` sum of no rows into 0.
const TOTALS: &str = "SELECT \
    (SELECT COUNT(*) FROM artists) AS artists, \
    (SELECT COUNT(*) FROM albums) AS albums, \
    (SELECT COUNT(*) FROM tracks) AS tracks, \
    (SELECT COUNT(*) FROM playlists) AS playlists, \
    (SELECT COUNT(DISTINCT pe.track_id) FROM playlist_entries pe \
        WHERE NOT EXISTS (SELECT 1 FROM library_files lf WHERE lf.track_id = pe.track_id \
            AND lf.missing_since IS NULL AND lf.broken_reason IS NULL)) AS wanted_tracks, \
    f.present, f.missing, f.broken, f.present_bytes \
    FROM (SELECT \
        CAST(COALESCE(SUM(CASE WHEN missing_since IS NULL AND broken_reason IS NULL \
            THEN 1 ELSE 0 END), 0) AS BIGINT) AS present, \
        CAST(COALESCE(SUM(CASE WHEN missing_since IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) \
            AS missing, \
        CAST(COALESCE(SUM(CASE WHEN missing_since IS NULL AND broken_reason IS NOT NULL \
            THEN 1 ELSE 0 END), 0) AS BIGINT) AS broken, \
        CAST(COALESCE(SUM(CASE WHEN missing_since IS NULL AND broken_reason IS NULL \
            THEN size_bytes ELSE 0 END), 0) AS BIGINT) AS present_bytes \
        FROM library_files) f";

/// Present files by format, most files first; ties by format with the unknown format last, spelled
/// so both backends order NULLs alike.
const FORMATS: &str = "SELECT format, COUNT(*) AS files, \
    CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT) AS bytes \
    FROM library_files WHERE missing_since IS NULL AND broken_reason IS NULL \
    GROUP BY format \
    ORDER BY COUNT(*) DESC, CASE WHEN format IS NULL THEN 1 ELSE 0 END, format";

#[derive(QueryableByName)]
struct TotalsRow {
    #[diesel(sql_type = BigInt)]
    artists: i64,
    #[diesel(sql_type = BigInt)]
    albums: i64,
    #[diesel(sql_type = BigInt)]
    tracks: i64,
    #[diesel(sql_type = BigInt)]
    playlists: i64,
    #[diesel(sql_type = BigInt)]
    wanted_tracks: i64,
    #[diesel(sql_type = BigInt)]
    present: i64,
    #[diesel(sql_type = BigInt)]
    missing: i64,
    #[diesel(sql_type = BigInt)]
    broken: i64,
    #[diesel(sql_type = BigInt)]
    present_bytes: i64,
}

#[derive(QueryableByName)]
struct FormatRow {
    #[diesel(sql_type = Nullable<Text>)]
    format: Option<String>,
    #[diesel(sql_type = BigInt)]
    files: i64,
    #[diesel(sql_type = BigInt)]
    bytes: i64,
}

impl StatsRepository for Database {
    async fn library_stats(&self) -> Result<LibraryStats, RepositoryError> {
        let (totals, formats) = read!(self, |conn| {
            let totals: TotalsRow = run!(sql_query(TOTALS).get_result::<TotalsRow>(conn))?;
            let formats: Vec<FormatRow> = run!(sql_query(FORMATS).load::<FormatRow>(conn))?;
            Ok((totals, formats))
        })?;
        Ok(LibraryStats {
            artists: totals.artists,
            albums: totals.albums,
            tracks: totals.tracks,
            playlists: totals.playlists,
            wanted_tracks: totals.wanted_tracks,
            files: FileStats {
                present: totals.present,
                missing: totals.missing,
                broken: totals.broken,
                present_bytes: totals.present_bytes,
            },
            formats: formats
                .into_iter()
                .map(|row| FormatStats {
                    format: row.format,
                    files: row.files,
                    bytes: row.bytes,
                })
                .collect(),
        })
    }
}
