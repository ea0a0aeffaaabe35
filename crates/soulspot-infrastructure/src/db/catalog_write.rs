//! The one way catalogue rows are written, shared by `upsert_catalog` and the library scan's
//! batch: load the candidates an identity plan needs (a constant number of `IN`-list statements),
//! then write the plan the domain made (`soulspot_domain::catalog::identity`): new rows in one
//! multi-row `INSERT … RETURNING id`, changed stored rows in one `INSERT … ON CONFLICT (id) DO
//! UPDATE` (a portable multi-row UPDATE), each split only past `WRITE_CHUNK` rows.
//!
//! These are macros because a repository body is compiled once per backend (see `read!`): a
//! statement is `run!(…)` on the synchronous SQLite connection or awaited on the PostgreSQL one.

use super::catalog::ID_CHUNK;
use super::error::invalid_data;

/// Keys per `IN` list when one statement carries up to three lists: together they stay within
/// SQLite's bound-variable limit.
pub(crate) const LOOKUP_CHUNK: usize = ID_CHUNK / 3;

/// How many statements a lookup over lists of these lengths takes, `size` keys per list each.
pub(crate) fn lookup_rounds(lengths: &[usize], size: usize) -> usize {
    lengths
        .iter()
        .map(|length| length.div_ceil(size))
        .max()
        .unwrap_or(0)
}

/// The `round`th chunk of `items` (empty once they are used up).
pub(crate) fn chunk_at<T>(items: &[T], round: usize, size: usize) -> &[T] {
    let start = (round * size).min(items.len());
    let end = (start + size).min(items.len());
    &items[start..end]
}

/// Distinct values, in first-seen order.
pub(crate) fn distinct<T: Clone + Eq + std::hash::Hash>(values: impl Iterator<Item = T>) -> Vec<T> {
    let mut seen = std::collections::HashSet::new();
    values.filter(|value| seen.insert(value.clone())).collect()
}

/// An insert that returned fewer ids than it was given rows (which no backend does).
#[derive(Debug, thiserror::Error)]
#[error("the {0} insert returned fewer ids than rows")]
struct LostRows(&'static str);

pub(crate) fn lost_rows(what: &'static str) -> diesel::result::Error {
    invalid_data(LostRows(what))
}

/// The ids of new rows, in creation order, from the ids one multi-row `INSERT … RETURNING id`
/// gave them. Both backends number the rows of one `INSERT … VALUES` in the order of the values
/// (SQLite takes the next rowid row by row, under the write lock this transaction holds;
/// PostgreSQL calls the identity's sequence row by row, and a sequence only grows), whatever
/// order `RETURNING` reports them in, so the sorted ids line up with the rows.
pub(crate) fn ids_in_insert_order(mut returned: Vec<i64>, expected: usize) -> Option<Vec<i64>> {
    returned.sort_unstable();
    (returned.len() == expected).then_some(returned)
}

/// `$query` (boxed) narrowed to rows where any column is in its non-empty list; `None` when every
/// list is empty. An empty list is left out rather than written as diesel's `1=0`: on SQLite an
/// `OR` with a term no index serves turns the whole lookup into a full table scan.
macro_rules! in_any_list {
    ($query:expr, $($column:expr => $values:expr),+ $(,)?) => {{
        let mut query = Some($query);
        let mut narrowed = false;
        $(
            if !$values.is_empty() {
                query = query.map(|query| {
                    if narrowed {
                        query.or_filter($column.eq_any($values))
                    } else {
                        query.filter($column.eq_any($values))
                    }
                });
                narrowed = true;
            }
        )+
        query.filter(|_| narrowed)
    }};
}

/// Loads the rows of `$table` (as `$row`, converted with `into_domain`) whose `$column`s are in
/// the lists given, in as few statements as the lists' lengths allow.
macro_rules! load_candidates {
    ($conn:ident, $table:ident, $row:ty, $($column:ident => $values:expr),+ $(,)?) => {{
        use $crate::db::catalog_write::{LOOKUP_CHUNK, chunk_at, lookup_rounds};
        let mut rows: Vec<$row> = Vec::new();
        for round in 0..lookup_rounds(&[$($values.len()),+], LOOKUP_CHUNK) {
            let query = $crate::db::catalog_write::in_any_list!(
                $table::table.select(<$row>::as_select()).into_boxed(),
                $($table::$column => chunk_at(&$values, round, LOOKUP_CHUNK)),+
            );
            if let Some(query) = query {
                rows.extend(run!(query.load::<$row>($conn))?);
            }
        }
        rows.into_iter()
            .map(<$row>::into_domain)
            .collect::<diesel::QueryResult<Vec<_>>>()?
    }};
}

/// Inserts `$rows` (a slice of insertables) into `$table`, evaluating to their ids in order.
macro_rules! insert_rows {
    ($conn:ident, $table:ident, $rows:expr, $what:literal) => {{
        let rows = $rows;
        let mut ids: Vec<i64> = Vec::with_capacity(rows.len());
        for chunk in rows.chunks($crate::db::catalog::WRITE_CHUNK) {
            let returned: Vec<i64> = run!(
                diesel::insert_into($table::table)
                    .values(chunk)
                    .returning($table::id)
                    .load($conn)
            )?;
            ids.extend(
                $crate::db::catalog_write::ids_in_insert_order(returned, chunk.len())
                    .ok_or_else(|| $crate::db::catalog_write::lost_rows($what))?,
            );
        }
        ids
    }};
}

/// Rewrites stored rows of `$table` in place: `$rows` (a slice of insertables with `id`) set
/// every column listed.
macro_rules! rewrite_rows {
    ($conn:ident, $table:ident, $rows:expr, [$($column:ident),+ $(,)?]) => {{
        for chunk in $rows.chunks($crate::db::catalog::WRITE_CHUNK) {
            run!(
                diesel::insert_into($table::table)
                    .values(chunk)
                    .on_conflict($table::id)
                    .do_update()
                    .set(($($table::$column.eq(diesel::upsert::excluded($table::$column)),)+))
                    .execute($conn)
            )?;
        }
    }};
}

/// Writes an artist plan: new artists, then the stored ones that change. Evaluates to each
/// mention's artist id.
macro_rules! write_artist_plan {
    ($conn:ident, $plan:expr, $now:expr) => {{
        use $crate::db::rows::{ArtistChanges, NewArtistRow};
        let plan = $plan;
        let new_rows: Vec<NewArtistRow> = plan
            .new_rows()
            .map(|artist| NewArtistRow::new(artist, $now))
            .collect();
        let inserted: Vec<soulspot_domain::ArtistId> =
            $crate::db::catalog_write::insert_rows!($conn, artists, &new_rows, "artist")
                .into_iter()
                .map(soulspot_domain::ArtistId)
                .collect();
        let changes: Vec<ArtistChanges> = plan
            .changed_rows()
            .map(|(id, artist)| ArtistChanges {
                id: id.get(),
                values: NewArtistRow::new(artist, $now),
            })
            .collect();
        $crate::db::catalog_write::rewrite_rows!(
            $conn,
            artists,
            &changes,
            [
                name,
                sort_name,
                normalized_name,
                spotify_id,
                mbid,
                updated_at
            ]
        );
        plan.mention_ids(&inserted)
    }};
}

/// Writes an album plan: new albums, then the stored ones that change. Evaluates to each
/// mention's album id.
macro_rules! write_album_plan {
    ($conn:ident, $plan:expr, $now:expr) => {{
        use $crate::db::rows::{AlbumChanges, NewAlbumRow};
        let plan = $plan;
        let new_rows: Vec<NewAlbumRow> = plan
            .new_rows()
            .map(|album| NewAlbumRow::new(album, $now))
            .collect();
        let inserted: Vec<soulspot_domain::AlbumId> =
            $crate::db::catalog_write::insert_rows!($conn, albums, &new_rows, "album")
                .into_iter()
                .map(soulspot_domain::AlbumId)
                .collect();
        let changes: Vec<AlbumChanges> = plan
            .changed_rows()
            .map(|(id, album)| AlbumChanges {
                id: id.get(),
                values: NewAlbumRow::new(album, $now),
            })
            .collect();
        $crate::db::catalog_write::rewrite_rows!(
            $conn,
            albums,
            &changes,
            [
                title,
                normalized_title,
                album_artist_id,
                year,
                release_type,
                spotify_id,
                mbid,
                release_group_mbid,
                updated_at
            ]
        );
        plan.mention_ids(&inserted)
    }};
}

/// Rewrites stored tracks in place (`$rows`: a slice of `TrackChanges`).
macro_rules! rewrite_tracks {
    ($conn:ident, $rows:expr) => {
        $crate::db::catalog_write::rewrite_rows!(
            $conn,
            tracks,
            $rows,
            [
                title,
                normalized_title,
                album_id,
                disc_number,
                track_number,
                duration_ms,
                isrc,
                spotify_id,
                mbid,
                explicit,
                updated_at
            ]
        )
    };
}

/// Replaces the credits of tracks: deletes those of `$stale` (track ids), inserts `$fresh`
/// (`(track, position, artist)`).
macro_rules! write_credits {
    ($conn:ident, $stale:expr, $fresh:expr) => {{
        for chunk in $stale.chunks($crate::db::catalog::ID_CHUNK) {
            run!(
                diesel::delete(track_artists::table.filter(track_artists::track_id.eq_any(chunk)))
                    .execute($conn)
            )?;
        }
        // Three columns a row: a third of the bound-variable budget's rows per statement.
        for chunk in $fresh.chunks($crate::db::catalog::ID_CHUNK / 3) {
            let values: Vec<$crate::db::rows::CreditRow> = chunk
                .iter()
                .map($crate::db::rows::CreditRow::from)
                .collect();
            run!(
                diesel::insert_into(track_artists::table)
                    .values(&values)
                    .execute($conn)
            )?;
        }
    }};
}

pub(crate) use {
    in_any_list, insert_rows, load_candidates, rewrite_rows, rewrite_tracks, write_album_plan,
    write_artist_plan, write_credits,
};

/// Credit rows `(track, position, artist)` for `artist_ids` in order.
pub(crate) fn credit_rows(
    track_id: i64,
    artist_ids: &[soulspot_domain::ArtistId],
) -> impl Iterator<Item = (i64, i32, i64)> + '_ {
    artist_ids
        .iter()
        .enumerate()
        .map(move |(position, artist_id)| {
            (
                track_id,
                i32::try_from(position).unwrap_or(i32::MAX),
                artist_id.get(),
            )
        })
}
