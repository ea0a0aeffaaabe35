//! Applying one scan batch in one transaction, with a number of statements that does not grow
//! with the number of files: every lookup is one statement of `IN` lists, every write one
//! multi-row statement (split only past `WRITE_CHUNK` rows or `LOOKUP_CHUNK` keys). The decisions
//! between the statements are pure and live in `catalogue`, `tracks` and `file_rows`.
//!
//! Rows that already exist and change in place (a track the scan created whose tags changed, a
//! moved or re-read file, an artist or album that gains a MusicBrainz id) are rewritten with one
//! `INSERT … ON CONFLICT (id) DO UPDATE` per table: a portable multi-row UPDATE. Every row it
//! names was read in this transaction, so it takes the update path (on SQLite the write lock
//! rules out anything else; on PostgreSQL only a concurrent delete, which nothing does to these
//! tables, could make it insert).
//!
//! The steps, in order: folders; missing files (before the wanted-track lookup, so a file that
//! replaced a vanished one in the same batch can fill the track that file left wanted); the rows
//! the batch's files rewrite; artists; albums; each audio file's track (its own, a wanted one, or
//! a new one) and credits; the search rows of the tracks written (the search triggers stand aside
//! meanwhile, see migration `deferred_track_search`); file rows; the run's checkpoint and totals.

use std::collections::{BTreeSet, HashMap, HashSet};

use diesel::NullableExpressionMethods;
use diesel::dsl::sql;
use diesel::sql_types::Text;
use diesel::upsert::excluded;
use soulspot_domain::scan::{ScanBatch, ScanBatchOutcome};
use soulspot_domain::{LibraryFileId, RepositoryError, TrackId};

use super::super::catalog::{ID_CHUNK, WRITE_CHUNK, has_library_file};
use super::super::error::invalid_data;
use super::super::prelude::*;
use super::super::rows::{CreditRow, TrackRow};
use super::super::schema::{
    albums, artists, library_files, library_folders, library_scans, track_artists, tracks,
};
use super::super::{Backend, Database, write};
use super::catalogue::{
    AlbumPlan, ArtistPlan, StoredAlbum, StoredArtist, album_lookup_keys, artist_lookup_keys,
    slot_ids,
};
use super::file_rows::{CurrentFile, file_ids, file_values, plan_file_rows};
use super::identity::ids_in_insert_order;
use super::prepare::PreparedBatch;
use super::tracks::{
    CandidateRow, Candidates, Credits, TrackChoice, TrackRewrites, WantedKeys, credit_rows,
    credit_track_ids, desired_tracks, first_choices,
};

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

/// Keys per `IN` list when one statement carries up to three lists: together they stay within
/// SQLite's bound-variable limit.
const LOOKUP_CHUNK: usize = ID_CHUNK / 3;

/// How many statements a lookup over lists of these lengths takes, `size` keys per list each.
fn lookup_rounds(lengths: &[usize], size: usize) -> usize {
    lengths
        .iter()
        .map(|length| length.div_ceil(size))
        .max()
        .unwrap_or(0)
}

/// The `round`th chunk of `items` (empty once they are used up).
fn chunk_at<T>(items: &[T], round: usize, size: usize) -> &[T] {
    let start = (round * size).min(items.len());
    let end = (start + size).min(items.len());
    &items[start..end]
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

fn to_count(changed: usize) -> u64 {
    u64::try_from(changed).unwrap_or(u64::MAX)
}

/// An insert that returned fewer ids than it was given rows (which no backend does).
#[derive(Debug, thiserror::Error)]
#[error("the {0} insert returned fewer ids than rows")]
struct LostRows(&'static str);

fn lost_rows(what: &'static str) -> diesel::result::Error {
    invalid_data(LostRows(what))
}

/// Applies one batch (see `ScanRepository::apply_scan_batch` and the module documentation).
pub(super) async fn apply_scan_batch(
    database: &Database,
    batch: ScanBatch,
) -> Result<ScanBatchOutcome, RepositoryError> {
    let run = batch.run;
    let prepared = PreparedBatch::new(batch)?;
    let backend = database.backend();
    let outcome = write!(database, |conn| {
        let batch = &prepared;
        let now = batch.now;

        // PostgreSQL compiles a query whose estimated cost passes `jit_above_cost` to machine
        // code, which takes 200-300 ms. Tables a first scan is filling have no statistics yet,
        // so the wanted-track lookup is estimated far above its real cost and would pay that
        // on every batch for a query that runs in a few milliseconds.
        //
        //
        // The search rows of the tracks the batch writes are refreshed once, after their credits
        // (below): until then the search triggers stand aside, for this transaction only
        // (migration `deferred_track_search`). SQLite's switch is a row of its own, set only when
        // the batch writes tracks.
        if backend == Backend::Postgres {
            run!(
                diesel::sql_query(
                    "SELECT set_config('jit', 'off', true), \
                     set_config('soulspot.defer_track_search', 'on', true)"
                )
                .execute(conn)
            )?;
        }

        // Folders, created or their hash replaced.
        let mut folder_ids_by_path: HashMap<String, i64> = HashMap::new();
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
            folder_ids_by_path.extend(rows.into_iter().map(|(id, path)| (path, id)));
        }
        let folder_ids: Vec<Option<i64>> = batch
            .folders
            .iter()
            .map(|folder| folder_ids_by_path.get(&folder.path).copied())
            .collect();

        // Missing files: marked once, their track link kept.
        let mut newly_missing: u64 = 0;
        for chunk in batch.missing.chunks(ID_CHUNK) {
            let changed = run!(
                diesel::update(
                    library_files::table
                        .filter(library_files::id.eq_any(chunk))
                        .filter(library_files::missing_since.is_null())
                )
                .set(library_files::missing_since.eq(Some(now)))
                .execute(conn)
            )?;
            newly_missing += to_count(changed);
        }

        // The rows the batch's files rewrite, by `existing` id or path, with their tracks.
        let existing_ids: Vec<i64> = batch
            .files
            .iter()
            .filter_map(|file| file.existing)
            .collect();
        let paths: Vec<&str> = batch.files.iter().map(|file| file.path.as_str()).collect();
        let mut current: Vec<CurrentFile> = Vec::new();
        let mut seen_files = HashSet::new();
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
                    .filter(|(id, _, _, _)| seen_files.insert(*id))
                    .map(|(id, path, track_id, track)| CurrentFile {
                        id,
                        path,
                        track_id,
                        track,
                    }),
            );
        }
        let file_rows = plan_file_rows(&batch.files, &current);

        // Artists: by MusicBrainz id, then normalised name.
        let (mbids, names) = artist_lookup_keys(&batch.files);
        let mut stored_artists: Vec<StoredArtist> = Vec::new();
        for round in 0..lookup_rounds(&[mbids.len(), names.len()], LOOKUP_CHUNK) {
            let query = in_any_list!(
                artists::table.select(StoredArtist::as_select()).into_boxed(),
                artists::mbid => chunk_at(&mbids, round, LOOKUP_CHUNK),
                artists::normalized_name => chunk_at(&names, round, LOOKUP_CHUNK),
            );
            if let Some(query) = query {
                stored_artists.extend(run!(query.load::<StoredArtist>(conn))?);
            }
        }
        let artist_plan = ArtistPlan::new(&batch.files, stored_artists);
        let new_artists = artist_plan.new_rows(now);
        let mut inserted_artists: Vec<i64> = Vec::with_capacity(new_artists.len());
        for chunk in new_artists.chunks(WRITE_CHUNK) {
            let ids: Vec<i64> = run!(
                diesel::insert_into(artists::table)
                    .values(chunk)
                    .returning(artists::id)
                    .load(conn)
            )?;
            inserted_artists
                .extend(ids_in_insert_order(ids, chunk.len()).ok_or_else(|| lost_rows("artist"))?);
        }
        for chunk in artist_plan.claims(now).chunks(WRITE_CHUNK) {
            run!(
                diesel::insert_into(artists::table)
                    .values(chunk)
                    .on_conflict(artists::id)
                    .do_update()
                    .set((
                        artists::mbid.eq(excluded(artists::mbid)),
                        artists::updated_at.eq(excluded(artists::updated_at)),
                    ))
                    .execute(conn)
            )?;
        }
        let artist_ids = slot_ids(artist_plan.resolver.slots(), &inserted_artists);

        // Albums: by MusicBrainz id, then normalised title + album artist + year.
        let (mbids, titles) = album_lookup_keys(&batch.files);
        let mut stored_albums: Vec<StoredAlbum> = Vec::new();
        for round in 0..lookup_rounds(&[mbids.len(), titles.len()], LOOKUP_CHUNK) {
            let query = in_any_list!(
                albums::table.select(StoredAlbum::as_select()).into_boxed(),
                albums::mbid => chunk_at(&mbids, round, LOOKUP_CHUNK),
                albums::normalized_title => chunk_at(&titles, round, LOOKUP_CHUNK),
            );
            if let Some(query) = query {
                stored_albums.extend(run!(query.load::<StoredAlbum>(conn))?);
            }
        }
        let album_artist_ids: Vec<Option<i64>> = artist_plan
            .album_artists
            .iter()
            .map(|slot| slot.map(|slot| artist_ids[slot]))
            .collect();
        let album_plan = AlbumPlan::new(&batch.files, &album_artist_ids, stored_albums);
        let new_albums = album_plan.new_rows(now);
        let mut inserted_albums: Vec<i64> = Vec::with_capacity(new_albums.len());
        for chunk in new_albums.chunks(WRITE_CHUNK) {
            let ids: Vec<i64> = run!(
                diesel::insert_into(albums::table)
                    .values(chunk)
                    .returning(albums::id)
                    .load(conn)
            )?;
            inserted_albums
                .extend(ids_in_insert_order(ids, chunk.len()).ok_or_else(|| lost_rows("album"))?);
        }
        for chunk in album_plan.fills(now).chunks(WRITE_CHUNK) {
            run!(
                diesel::insert_into(albums::table)
                    .values(chunk)
                    .on_conflict(albums::id)
                    .do_update()
                    .set((
                        albums::mbid.eq(excluded(albums::mbid)),
                        albums::release_group_mbid.eq(excluded(albums::release_group_mbid)),
                        albums::release_type.eq(excluded(albums::release_type)),
                        albums::updated_at.eq(excluded(albums::updated_at)),
                    ))
                    .execute(conn)
            )?;
        }
        let album_ids = slot_ids(album_plan.resolver.slots(), &inserted_albums);

        // Tracks: a file's own, else a wanted one (a track with no present file), else new.
        let desired = desired_tracks(
            &batch.files,
            &artist_plan,
            &artist_ids,
            &album_plan,
            &album_ids,
            now,
        );
        let mut choices = first_choices(&batch.files, &file_rows.targets, &current);
        let wanted = WantedKeys::new(&batch.files, &choices);
        let mut candidate_rows: Vec<CandidateRow> = Vec::new();
        let lengths = [wanted.isrcs.len(), wanted.mbids.len(), wanted.titles.len()];
        // One statement per key kind: SQLite serves `isrc IN (…) OR mbid IN (…) OR
        // normalized_title IN (…)` with a full scan of `tracks` whenever its statistics call one
        // index unselective (mostly NULL MusicBrainz ids), and a scan per batch makes a large
        // library's first scan quadratic. Each single-list lookup searches a partial index of
        // wanted tracks only (`NOT has_file`), so tracks that already have their file, however
        // many share a title, are never read.
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
        let mut candidate_ids: HashSet<i64> = HashSet::new();
        for round in 0..lookup_rounds(&lengths, LOOKUP_CHUNK) {
            for (kind, keys) in [&wanted.isrcs, &wanted.mbids, &wanted.titles]
                .into_iter()
                .enumerate()
            {
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
                    if candidate_ids.insert(row.0.id) {
                        candidate_rows.push(row);
                    }
                }
            }
        }
        let mut credit_rows_read: Vec<(i64, i32, i64, String)> = Vec::new();
        for chunk in credit_track_ids(&choices, &candidate_rows).chunks(ID_CHUNK) {
            credit_rows_read.extend(run!(
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
        let credits = Credits::new(credit_rows_read);
        let candidates = Candidates::new(candidate_rows, &credits);
        let taken = choices
            .iter()
            .filter_map(|choice| choice.track_id())
            .collect();
        let matched_wanted = candidates.assign(&batch.files, &mut choices, taken);
        let mut rewrites = TrackRewrites::new(&choices, &desired, &current, &candidates, &credits);

        let new_tracks: Vec<usize> = (0..batch.files.len())
            .filter(|&index| choices[index] == TrackChoice::New && desired[index].is_some())
            .collect();
        let writes_tracks = !(rewrites.updates.is_empty()
            && new_tracks.is_empty()
            && rewrites.stale_credits.is_empty()
            && rewrites.fresh_credits.is_empty());
        if writes_tracks && backend == Backend::Sqlite {
            run!(
                diesel::sql_query("UPDATE track_search_sync SET deferred = 1 WHERE id = 1")
                    .execute(conn)
            )?;
        }
        for chunk in rewrites.updates.chunks(WRITE_CHUNK) {
            run!(
                diesel::insert_into(tracks::table)
                    .values(chunk)
                    .on_conflict(tracks::id)
                    .do_update()
                    .set((
                        tracks::title.eq(excluded(tracks::title)),
                        tracks::normalized_title.eq(excluded(tracks::normalized_title)),
                        tracks::album_id.eq(excluded(tracks::album_id)),
                        tracks::disc_number.eq(excluded(tracks::disc_number)),
                        tracks::track_number.eq(excluded(tracks::track_number)),
                        tracks::duration_ms.eq(excluded(tracks::duration_ms)),
                        tracks::isrc.eq(excluded(tracks::isrc)),
                        tracks::mbid.eq(excluded(tracks::mbid)),
                        tracks::updated_at.eq(excluded(tracks::updated_at)),
                    ))
                    .execute(conn)
            )?;
        }
        let mut track_ids: Vec<Option<i64>> =
            choices.iter().map(|choice| choice.track_id()).collect();
        for chunk in new_tracks.chunks(WRITE_CHUNK) {
            let rows: Vec<_> = chunk
                .iter()
                .filter_map(|&index| desired[index].as_ref().map(|desired| &desired.row))
                .collect();
            let ids: Vec<i64> = run!(
                diesel::insert_into(tracks::table)
                    .values(rows)
                    .returning(tracks::id)
                    .load(conn)
            )?;
            let ids = ids_in_insert_order(ids, chunk.len()).ok_or_else(|| lost_rows("track"))?;
            for (&index, id) in chunk.iter().zip(ids) {
                track_ids[index] = Some(id);
                if let Some(desired) = &desired[index] {
                    rewrites
                        .fresh_credits
                        .extend(credit_rows(id, &desired.artist_ids));
                }
            }
        }
        for chunk in rewrites.stale_credits.chunks(ID_CHUNK) {
            run!(
                diesel::delete(track_artists::table.filter(track_artists::track_id.eq_any(chunk)))
                    .execute(conn)
            )?;
        }
        for chunk in rewrites.fresh_credits.chunks(WRITE_CHUNK) {
            let values: Vec<CreditRow> = chunk.iter().map(CreditRow::from).collect();
            run!(
                diesel::insert_into(track_artists::table)
                    .values(&values)
                    .execute(conn)
            )?;
        }

        // The search rows of every track whose title, album or credits the batch wrote.
        let touched: BTreeSet<i64> = rewrites
            .updates
            .iter()
            .map(|update| update.id)
            .chain(rewrites.stale_credits.iter().copied())
            .chain(rewrites.fresh_credits.iter().map(|(track, _, _)| *track))
            .chain(new_tracks.iter().filter_map(|&index| track_ids[index]))
            .collect();
        let touched: Vec<i64> = touched.into_iter().collect();
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
        if writes_tracks && backend == Backend::Sqlite {
            run!(
                diesel::sql_query("UPDATE track_search_sync SET deferred = 0 WHERE id = 1")
                    .execute(conn)
            )?;
        }

        // File rows: the rows in the way first, then the rewritten rows by id, then new rows.
        for chunk in file_rows.displaced.chunks(ID_CHUNK) {
            run!(
                diesel::delete(library_files::table.filter(library_files::id.eq_any(chunk)))
                    .execute(conn)
            )?;
        }
        for chunk in file_rows.vacated.chunks(ID_CHUNK) {
            // A '%' not followed by two hex digits: no stored library path looks like this.
            run!(
                diesel::update(library_files::table.filter(library_files::id.eq_any(chunk)))
                    .set(library_files::path.eq(sql::<Text>("'%moving%' || CAST(id AS TEXT)")))
                    .execute(conn)
            )?;
        }
        let (known_values, new_values) = file_values(
            &batch.files,
            &file_rows,
            &current,
            &folder_ids,
            &mut track_ids,
            now,
        );
        for chunk in known_values.chunks(WRITE_CHUNK) {
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
        let mut inserted_files: HashMap<String, i64> = HashMap::with_capacity(new_values.len());
        for chunk in new_values.chunks(WRITE_CHUNK) {
            let rows: Vec<(i64, String)> = run!(
                diesel::insert_into(library_files::table)
                    .values(chunk)
                    .returning((library_files::id, library_files::path))
                    .load(conn)
            )?;
            inserted_files.extend(rows.into_iter().map(|(id, path)| (path, id)));
        }

        // The run's resume point and totals, committed with the batch they describe.
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

        let files = file_ids(&batch.files, &file_rows, &current, &inserted_files)
            .into_iter()
            .zip(track_ids)
            .map(|(id, track)| (LibraryFileId(id), track.map(TrackId)))
            .collect();
        Ok(ScanBatchOutcome {
            files,
            matched_wanted,
            newly_missing,
        })
    })
    .map_err(|error| error.not_found_as("scan run", run))?;
    Ok(outcome)
}
