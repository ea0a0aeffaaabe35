//! The statements of a scan batch, one function per step. Each step is written once and compiled
//! for both backends by `steps!`: a method of [`ScanSteps`] on SQLite's synchronous connection
//! (returning its result) and on PostgreSQL's async connection (returning a future of it), so the
//! batch's body calls `run!(conn.step(…))` on either, like any query.

use std::collections::{BTreeSet, HashMap, HashSet};

use diesel::NullableExpressionMethods;
use diesel::dsl::sql;
use diesel::sql_types::Text;
use diesel::upsert::excluded;
use soulspot_domain::catalog::identity::{Source, plan_albums, plan_artists};
use soulspot_domain::{Album, AlbumId, Artist, ArtistId};

use super::super::super::Backend;
use super::super::super::catalog::{ID_CHUNK, WRITE_CHUNK, has_library_file};
use super::super::super::catalog_write::{
    LOOKUP_CHUNK, chunk_at, in_any_list, insert_rows, load_candidates, lookup_rounds,
    rewrite_tracks, write_album_plan, write_artist_plan, write_credits,
};
use super::super::super::error::invalid_data;
use super::super::super::prelude::*;
use super::super::super::rows::{AlbumRow, ArtistRow, NewTrackRow, TrackChanges, TrackRow};
use super::super::super::schema::{
    albums, artists, library_files, library_folders, library_scans, track_artists, tracks,
};
use super::super::catalogue::{AlbumMentions, ArtistMentions};
use super::super::file_rows::{CurrentFile, FileRowsPlan};
use super::super::prepare::{FileValues, KnownFileValues, PreparedBatch};
use super::super::tracks::{CandidateRow, Credits, WantedKeys};

/// Removes the search rows of the tracks whose ids are in the JSON array bound to it.
const SQLITE_SEARCH_DELETE: &str =
    "DELETE FROM track_search WHERE rowid IN (SELECT value FROM json_each(?))";

/// Writes the search rows of the tracks whose ids are in the JSON array bound to it, as the
/// search triggers would have left them (title, credited names, album title).
const SQLITE_SEARCH_INSERT: &str = "INSERT INTO track_search (rowid, title, artists, album) \
     SELECT t.id, t.title, \
     (SELECT COALESCE(group_concat(a.name, ' '), '') FROM track_artists ta \
      JOIN artists a ON a.id = ta.artist_id WHERE ta.track_id = t.id), \
     COALESCE(al.title, '') \
     FROM tracks t LEFT JOIN albums al ON al.id = t.album_id \
     WHERE t.id IN (SELECT value FROM json_each(?))";

/// Rewrites the search documents of the tracks whose ids are in the JSON array bound to it.
const POSTGRES_SEARCH_REFRESH: &str = "SELECT soulspot_refresh_track_search(\
     ARRAY(SELECT jsonb_array_elements_text($1::jsonb)::bigint))";

fn to_count(changed: usize) -> u64 {
    u64::try_from(changed).unwrap_or(u64::MAX)
}

/// Defines [`ScanSteps`] and implements it for both connections from one body per step.
macro_rules! steps {
    ($(
        $(#[$meta:meta])*
        fn $name:ident<'a>($conn:ident $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty $body:block
    )*) => {
        /// The statements of one scan batch, step by step (see the module documentation).
        pub(in super::super) trait ScanSteps {
            /// The step's result on SQLite; a future of it on PostgreSQL.
            type Step<'a, T: 'a>
            where
                Self: 'a;
            $(
                $(#[$meta])*
                fn $name<'a>(&'a mut self $(, $arg: $ty)*)
                    -> Self::Step<'a, diesel::QueryResult<$ret>>;
            )*
        }

        // Steps without a borrowed argument would elide `'a`; one macro arm writes them all.
        #[allow(clippy::needless_lifetimes)]
        impl ScanSteps for diesel::SqliteConnection {
            type Step<'a, T: 'a> = T;
            $(
                fn $name<'a>(&'a mut self $(, $arg: $ty)*) -> diesel::QueryResult<$ret> {
                    let $conn = self;
                    #[allow(unused_macros)]
                    macro_rules! run {
                        ($query:expr) => {{
                            use diesel::RunQueryDsl as _;
                            $query
                        }};
                    }
                    $body
                }
            )*
        }

        #[allow(clippy::needless_lifetimes)]
        impl ScanSteps for diesel_async::AsyncPgConnection {
            type Step<'a, T: 'a> =
                std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
            $(
                fn $name<'a>(&'a mut self $(, $arg: $ty)*)
                    -> Self::Step<'a, diesel::QueryResult<$ret>>
                {
                    async fn step<'a>(
                        $conn: &'a mut diesel_async::AsyncPgConnection
                        $(, $arg: $ty)*
                    ) -> diesel::QueryResult<$ret> {
                        #[allow(unused_macros)]
                        macro_rules! run {
                            ($query:expr) => {{
                                use diesel_async::RunQueryDsl as _;
                                $query.await
                            }};
                        }
                        $body
                    }
                    Box::pin(step(self $(, $arg)*))
                }
            )*
        }
    };
}

steps! {
    /// PostgreSQL only: no JIT for this transaction (tables a first scan is filling have no
    /// statistics, so the wanted-track lookup looks expensive enough to compile, 200-300 ms per
    /// batch for a query that runs in milliseconds), and the search triggers stand aside until
    /// `refresh_search` (migration `deferred_track_search`).
    fn configure_transaction<'a>(conn, backend: Backend) -> () {
        if backend == Backend::Postgres {
            run!(
                diesel::sql_query(
                    "SELECT set_config('jit', 'off', true), \
                     set_config('soulspot.defer_track_search', 'on', true)"
                )
                .execute(conn)
            )?;
        }
        Ok(())
    }

    /// Folders, created or their hash replaced; evaluates to each folder's id, in batch order.
    fn write_folders<'a>(conn, batch: &'a PreparedBatch) -> Vec<Option<i64>> {
        let mut ids_by_path: HashMap<String, i64> = HashMap::new();
        for chunk in batch.folders.chunks(WRITE_CHUNK) {
            let rows: Vec<(i64, String)> = run!(
                diesel::insert_into(library_folders::table)
                    .values(chunk)
                    .on_conflict(library_folders::path)
                    .do_update()
                    .set((
                        library_folders::content_hash.eq(excluded(library_folders::content_hash)),
                        library_folders::scanned_at.eq(excluded(library_folders::scanned_at)),
                    ))
                    .returning((library_folders::id, library_folders::path))
                    .load(conn)
            )?;
            ids_by_path.extend(rows.into_iter().map(|(id, path)| (path, id)));
        }
        Ok(batch
            .folders
            .iter()
            .map(|folder| ids_by_path.get(&folder.path).copied())
            .collect())
    }

    /// Missing files, marked once (their track link kept); evaluates to how many were newly
    /// marked.
    fn mark_missing<'a>(conn, batch: &'a PreparedBatch) -> u64 {
        let mut newly_missing = 0;
        for chunk in batch.missing.chunks(ID_CHUNK) {
            let changed = run!(
                diesel::update(
                    library_files::table
                        .filter(library_files::id.eq_any(chunk))
                        .filter(library_files::missing_since.is_null())
                )
                .set(library_files::missing_since.eq(Some(batch.now)))
                .execute(conn)
            )?;
            newly_missing += to_count(changed);
        }
        Ok(newly_missing)
    }

    /// The rows the batch's files rewrite, by `existing` id or path, with their tracks.
    fn load_current_files<'a>(conn, batch: &'a PreparedBatch) -> Vec<CurrentFile> {
        let existing_ids: Vec<i64> = batch
            .files
            .iter()
            .filter_map(|file| file.existing)
            .collect();
        let paths: Vec<&str> = batch.files.iter().map(|file| file.path.as_str()).collect();
        let mut current: Vec<CurrentFile> = Vec::new();
        let mut seen = HashSet::new();
        for round in 0..lookup_rounds(&[existing_ids.len(), paths.len()], LOOKUP_CHUNK) {
            let ids = chunk_at(&existing_ids, round, LOOKUP_CHUNK);
            let paths = chunk_at(&paths, round, LOOKUP_CHUNK);
            let query = in_any_list!(
                library_files::table
                    .left_join(tracks::table)
                    .select((
                        library_files::id,
                        library_files::path,
                        library_files::track_id,
                        Option::<TrackRow>::as_select(),
                    ))
                    .into_boxed(),
                library_files::id => ids,
                library_files::path => paths,
            );
            let Some(query) = query else { continue };
            let rows: Vec<(i64, String, Option<i64>, Option<TrackRow>)> = run!(query.load(conn))?;
            current.extend(
                rows.into_iter()
                    .filter(|(id, _, _, _)| seen.insert(*id))
                    .map(|(id, path, track_id, track)| CurrentFile {
                        id,
                        path,
                        track_id,
                        track,
                    }),
            );
        }
        Ok(current)
    }

    /// The artists the files name: candidates by MusicBrainz id and normalised name, the
    /// domain's plan (speaking as tags), new rows inserted and stored rows given what they
    /// lacked. Evaluates to each mention's artist.
    fn write_artists<'a>(conn, mentions: &'a ArtistMentions, batch: &'a PreparedBatch)
        -> Vec<Option<ArtistId>>
    {
        let (mbids, names) = mentions.lookup_keys();
        let stored: Vec<Artist> = load_candidates!(
            conn, artists, ArtistRow,
            mbid => mbids,
            normalized_name => names,
        );
        let plan = plan_artists(&stored, &mentions.artists, Source::Tags);
        Ok(write_artist_plan!(conn, &plan, batch.now))
    }

    /// The albums the files name, as `write_artists` does for artists (by MusicBrainz id, then
    /// normalised title + album artist + year).
    fn write_albums<'a>(conn, mentions: &'a AlbumMentions, batch: &'a PreparedBatch)
        -> Vec<Option<AlbumId>>
    {
        let (mbids, titles) = mentions.lookup_keys();
        let stored: Vec<Album> = load_candidates!(
            conn, albums, AlbumRow,
            mbid => mbids,
            normalized_title => titles,
        );
        let plan = plan_albums(&stored, &mentions.albums, Source::Tags);
        Ok(write_album_plan!(conn, &plan, batch.now))
    }

    /// The wanted tracks (no present file) the undecided files might fill. One statement per
    /// key kind: SQLite serves `isrc IN (…) OR mbid IN (…) OR normalized_title IN (…)` with a
    /// full scan of `tracks` whenever its statistics call one index unselective (mostly NULL
    /// MusicBrainz ids), and a scan per batch makes a large library's first scan quadratic. Each
    /// single-list lookup searches a partial index of wanted tracks only (`NOT has_file`).
    fn load_wanted_tracks<'a>(conn, keys: &'a WantedKeys) -> Vec<CandidateRow> {
        macro_rules! wanted_tracks_where {
            ($column:expr, $keys:expr) => {
                tracks::table
                    .left_join(albums::table)
                    .select((
                        TrackRow::as_select(),
                        tracks::normalized_title,
                        albums::normalized_title.nullable(),
                    ))
                    .filter($column.eq_any($keys))
                    .filter(diesel::dsl::not(has_library_file()))
                    .into_boxed()
            };
        }
        let lengths = [keys.isrcs.len(), keys.mbids.len(), keys.titles.len()];
        let mut rows: Vec<CandidateRow> = Vec::new();
        let mut seen: HashSet<i64> = HashSet::new();
        for round in 0..lookup_rounds(&lengths, LOOKUP_CHUNK) {
            for (kind, keys) in [&keys.isrcs, &keys.mbids, &keys.titles].into_iter().enumerate() {
                let chunk = chunk_at(keys, round, LOOKUP_CHUNK);
                if chunk.is_empty() {
                    continue;
                }
                let query = match kind {
                    0 => wanted_tracks_where!(tracks::isrc, chunk),
                    1 => wanted_tracks_where!(tracks::mbid, chunk),
                    _ => wanted_tracks_where!(tracks::normalized_title, chunk),
                };
                for row in run!(query.load::<CandidateRow>(conn))? {
                    // A track found by two keys is one candidate.
                    if seen.insert(row.0.id) {
                        rows.push(row);
                    }
                }
            }
        }
        Ok(rows)
    }

    /// The credits of these tracks, with each artist's normalised name.
    fn load_credits<'a>(conn, track_ids: &'a [i64]) -> Credits {
        let mut rows: Vec<(i64, i32, i64, String)> = Vec::new();
        for chunk in track_ids.chunks(ID_CHUNK) {
            rows.extend(run!(
                track_artists::table
                    .inner_join(artists::table)
                    .filter(track_artists::track_id.eq_any(chunk))
                    .select((
                        track_artists::track_id,
                        track_artists::position,
                        track_artists::artist_id,
                        artists::normalized_name,
                    ))
                    .load::<(i64, i32, i64, String)>(conn)
            )?);
        }
        Ok(Credits::new(rows))
    }

    /// SQLite only: the search triggers stand aside (`deferred`) or resume; a row of its own,
    /// switched only when the batch writes tracks.
    fn defer_search<'a>(conn, backend: Backend, deferred: bool) -> () {
        if backend == Backend::Sqlite {
            let statement = if deferred {
                "UPDATE track_search_sync SET deferred = 1 WHERE id = 1"
            } else {
                "UPDATE track_search_sync SET deferred = 0 WHERE id = 1"
            };
            run!(diesel::sql_query(statement).execute(conn))?;
        }
        Ok(())
    }

    /// Linked tracks rewritten, then new tracks inserted (evaluates to their ids, in order).
    fn write_tracks<'a>(conn, updates: &'a [TrackChanges], new_rows: &'a [NewTrackRow]) -> Vec<i64> {
        rewrite_tracks!(conn, updates);
        Ok(insert_rows!(conn, tracks, new_rows, "track"))
    }

    /// Credits replaced: those of `stale` tracks deleted, `fresh` ones `(track, position,
    /// artist)` inserted.
    fn replace_credits<'a>(conn, stale: &'a [i64], fresh: &'a [(i64, i32, i64)]) -> () {
        write_credits!(conn, stale, fresh);
        Ok(())
    }

    /// The search rows of these tracks, rewritten once each (after their credits).
    fn refresh_search<'a>(conn, backend: Backend, touched: &'a BTreeSet<i64>) -> () {
        let touched: Vec<i64> = touched.iter().copied().collect();
        for chunk in touched.chunks(ID_CHUNK) {
            // The ids as one JSON array: a statement of constant text whatever their number.
            let ids = serde_json::to_string(chunk).map_err(invalid_data)?;
            let statements: &[&str] = match backend {
                Backend::Sqlite => &[SQLITE_SEARCH_DELETE, SQLITE_SEARCH_INSERT],
                Backend::Postgres => &[POSTGRES_SEARCH_REFRESH],
            };
            for statement in statements {
                run!(
                    diesel::sql_query(*statement)
                        .bind::<Text, _>(&ids)
                        .execute(conn)
                )?;
            }
        }
        Ok(())
    }

    /// File rows: the rows in the way first, then the rewritten rows by id, then new rows
    /// (evaluates to the new rows' ids by path).
    fn write_file_rows<'a>(
        conn,
        plan: &'a FileRowsPlan,
        known: &'a [KnownFileValues],
        new: &'a [FileValues],
    ) -> HashMap<String, i64> {
        for chunk in plan.displaced.chunks(ID_CHUNK) {
            run!(
                diesel::delete(library_files::table.filter(library_files::id.eq_any(chunk)))
                    .execute(conn)
            )?;
        }
        for chunk in plan.vacated.chunks(ID_CHUNK) {
            // A '%' not followed by two hex digits: no stored library path looks like this.
            run!(
                diesel::update(library_files::table.filter(library_files::id.eq_any(chunk)))
                    .set(library_files::path.eq(sql::<Text>("'%moving%' || CAST(id AS TEXT)")))
                    .execute(conn)
            )?;
        }
        for chunk in known.chunks(WRITE_CHUNK) {
            run!(
                diesel::insert_into(library_files::table)
                    .values(chunk)
                    .on_conflict(library_files::id)
                    .do_update()
                    .set((
                        library_files::path.eq(excluded(library_files::path)),
                        library_files::folder_id.eq(excluded(library_files::folder_id)),
                        library_files::size_bytes.eq(excluded(library_files::size_bytes)),
                        library_files::modified_at.eq(excluded(library_files::modified_at)),
                        library_files::format.eq(excluded(library_files::format)),
                        library_files::codec.eq(excluded(library_files::codec)),
                        library_files::bitrate_kbps.eq(excluded(library_files::bitrate_kbps)),
                        library_files::sample_rate_hz.eq(excluded(library_files::sample_rate_hz)),
                        library_files::bit_depth.eq(excluded(library_files::bit_depth)),
                        library_files::channels.eq(excluded(library_files::channels)),
                        library_files::duration_ms.eq(excluded(library_files::duration_ms)),
                        library_files::track_id.eq(excluded(library_files::track_id)),
                        library_files::tags_json.eq(excluded(library_files::tags_json)),
                        library_files::broken_reason.eq(excluded(library_files::broken_reason)),
                        library_files::missing_since.eq(excluded(library_files::missing_since)),
                        library_files::has_embedded_art
                            .eq(excluded(library_files::has_embedded_art)),
                        library_files::updated_at.eq(excluded(library_files::updated_at)),
                    ))
                    .execute(conn)
            )?;
        }
        let mut inserted: HashMap<String, i64> = HashMap::with_capacity(new.len());
        for chunk in new.chunks(WRITE_CHUNK) {
            let rows: Vec<(i64, String)> = run!(
                diesel::insert_into(library_files::table)
                    .values(chunk)
                    .returning((library_files::id, library_files::path))
                    .load(conn)
            )?;
            inserted.extend(rows.into_iter().map(|(id, path)| (path, id)));
        }
        Ok(inserted)
    }

    /// The run's resume point and totals, committed with the batch they describe.
    fn save_checkpoint<'a>(conn, batch: &'a PreparedBatch) -> () {
        let updated = run!(
            diesel::update(library_scans::table.find(batch.run))
                .set((
                    library_scans::checkpoint.eq(&batch.checkpoint),
                    library_scans::counts_json.eq(&batch.counts_json),
                ))
                .execute(conn)
        )?;
        if updated == 0 {
            return Err(diesel::result::Error::NotFound);
        }
        Ok(())
    }
}
