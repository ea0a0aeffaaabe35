//! The catalogue's batched upsert: artists, then albums, then tracks, then credits, in one
//! transaction, chunked under SQLite's bound-variable limit, with in-batch duplicates folded.

use std::collections::HashMap;

use super::prelude::*;
use soulspot_domain::{
    AlbumId, ArtistId, CatalogBatch, CatalogBatchIds, NormalizedName, RepositoryError, TrackId,
    title_match_key,
};

use super::catalog::{ID_CHUNK, WRITE_CHUNK};
use super::rows::{
    AlbumRow, ArtistRow, CreditRow, NewAlbumRow, NewArtistRow, NewTrackRow, TrackRow,
    duration_to_column,
};
use super::schema::{albums, artists, track_artists, tracks};
use super::{Database, write};

/// The id written for a row's key (0 only if the row vanished mid-transaction, which the write
/// lock rules out).
fn lookup(found: &HashMap<String, i64>, key: &Option<String>) -> i64 {
    key.as_ref()
        .and_then(|key| found.get(key))
        .copied()
        .unwrap_or(0)
}

/// Upserts one chunk of rows keyed by a unique column, portably: one statement reads the rows that
/// already exist, one multi-row INSERT adds the missing ones, an UPDATE per existing row rewrites
/// only rows whose values changed, and one statement reads back the new ids. (diesel cannot build
/// a multi-row `INSERT … ON CONFLICT` for SQLite.) Evaluates to key → id for the chunk.
macro_rules! upsert_chunk {
    ($conn:ident, $table:ident, $key:ident, $rows:expr, $existing:ty) => {{
        let rows = $rows;
        let keys: Vec<String> = rows.iter().filter_map(|row| row.$key.clone()).collect();
        let existing: Vec<$existing> = run!(
            $table::table
                .filter($table::$key.eq_any(&keys))
                .select(<$existing>::as_select())
                .load($conn)
        )?;
        let mut found: HashMap<String, i64> = HashMap::with_capacity(rows.len());
        let mut existing_by_key: HashMap<String, $existing> =
            HashMap::with_capacity(existing.len());
        for row in existing {
            if let Some(key) = row.$key.clone() {
                found.insert(key.clone(), row.id);
                existing_by_key.insert(key, row);
            }
        }
        let mut missing = Vec::new();
        let mut missing_keys = Vec::new();
        for row in &rows {
            let Some(key) = row.$key.as_ref() else {
                continue;
            };
            match existing_by_key.get(key) {
                Some(current) if row.differs_from(current) => {
                    run!(
                        diesel::update($table::table.find(current.id))
                            .set(row.changes())
                            .execute($conn)
                    )?;
                }
                Some(_) => {}
                None => {
                    missing_keys.push(key.clone());
                    missing.push(row.clone());
                }
            }
        }
        if !missing.is_empty() {
            run!(
                diesel::insert_into($table::table)
                    .values(&missing)
                    .execute($conn)
            )?;
            let inserted: Vec<(i64, Option<String>)> = run!(
                $table::table
                    .filter($table::$key.eq_any(&missing_keys))
                    .select(($table::id, $table::$key))
                    .load($conn)
            )?;
            found.extend(
                inserted
                    .into_iter()
                    .filter_map(|(id, key)| Some((key?, id))),
            );
        }
        found
    }};
}

/// The batch turned into rows, with in-batch duplicates (same Spotify id or MBID) folded onto
/// their first occurrence so no statement touches one row twice.
struct PreparedBatch {
    artists: Vec<NewArtistRow>,
    artist_canonical: Vec<usize>,
    albums: Vec<(NewAlbumRow, Option<usize>)>,
    album_canonical: Vec<usize>,
    tracks: Vec<(NewTrackRow, Option<usize>, Vec<usize>)>,
    track_canonical: Vec<usize>,
}

/// For each position, the first position with the same key (itself when unkeyed or first).
fn canonical_positions(keys: impl Iterator<Item = Option<String>>) -> Vec<usize> {
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    keys.enumerate()
        .map(|(index, key)| match key {
            Some(key) => *first_seen.entry(key).or_insert(index),
            None => index,
        })
        .collect()
}

impl PreparedBatch {
    fn new(batch: CatalogBatch, stamp: chrono::NaiveDateTime) -> Self {
        let artists: Vec<NewArtistRow> = batch
            .artists
            .into_iter()
            .map(|artist| NewArtistRow {
                normalized_name: NormalizedName::new(&artist.name).as_str().to_owned(),
                name: artist.name,
                sort_name: artist.sort_name,
                spotify_id: artist.spotify_id.map(|id| id.as_str().to_owned()),
                mbid: artist.mbid.map(|id| id.as_str().to_owned()),
                updated_at: stamp,
            })
            .collect();
        let artist_canonical = canonical_positions(artists.iter().map(|row| {
            row.spotify_id
                .as_ref()
                .map(|id| format!("s:{id}"))
                .or(row.mbid.as_ref().map(|id| format!("m:{id}")))
        }));
        let albums: Vec<(NewAlbumRow, Option<usize>)> = batch
            .albums
            .into_iter()
            .map(|album| {
                let row = NewAlbumRow {
                    normalized_title: NormalizedName::new(&album.title).as_str().to_owned(),
                    title: album.title,
                    album_artist_id: None,
                    year: album.year,
                    release_type: album.release_type,
                    spotify_id: album.spotify_id.map(|id| id.as_str().to_owned()),
                    mbid: album.mbid.map(|id| id.as_str().to_owned()),
                    release_group_mbid: album.release_group_mbid.map(|id| id.as_str().to_owned()),
                    updated_at: stamp,
                };
                (row, album.album_artist)
            })
            .collect();
        let album_canonical = canonical_positions(albums.iter().map(|(row, _)| {
            row.spotify_id
                .as_ref()
                .map(|id| format!("s:{id}"))
                .or(row.mbid.as_ref().map(|id| format!("m:{id}")))
        }));
        let tracks: Vec<(NewTrackRow, Option<usize>, Vec<usize>)> = batch
            .tracks
            .into_iter()
            .map(|track| {
                let row = NewTrackRow {
                    normalized_title: title_match_key(&track.title).as_str().to_owned(),
                    title: track.title,
                    album_id: None,
                    disc_number: track.disc_number,
                    track_number: track.track_number,
                    duration_ms: duration_to_column(track.duration),
                    isrc: track.isrc.map(|isrc| isrc.as_str().to_owned()),
                    spotify_id: track.spotify_id.map(|id| id.as_str().to_owned()),
                    mbid: track.mbid.map(|id| id.as_str().to_owned()),
                    explicit: track.explicit,
                    updated_at: stamp,
                };
                (row, track.album, track.artists)
            })
            .collect();
        let track_canonical =
            canonical_positions(tracks.iter().map(|(row, _, _)| row.spotify_id.clone()));
        Self {
            artists,
            artist_canonical,
            albums,
            album_canonical,
            tracks,
            track_canonical,
        }
    }
}

/// Which upsert path a row takes.
fn partition(
    canonical: &[usize],
    spotify: impl Fn(usize) -> bool,
    mbid: impl Fn(usize) -> bool,
) -> [Vec<usize>; 3] {
    let mut by_spotify = Vec::new();
    let mut by_mbid = Vec::new();
    let mut plain = Vec::new();
    for (index, first) in canonical.iter().enumerate() {
        if *first != index {
            continue;
        }
        if spotify(index) {
            by_spotify.push(index);
        } else if mbid(index) {
            by_mbid.push(index);
        } else {
            plain.push(index);
        }
    }
    [by_spotify, by_mbid, plain]
}

/// Writes a whole batch in one transaction (see `CatalogRepository::upsert_catalog`).
pub(crate) async fn upsert_catalog(
    database: &Database,
    batch: CatalogBatch,
) -> Result<CatalogBatchIds, RepositoryError> {
    let db = database;
    batch
        .validate()
        .map_err(|error| RepositoryError::InvalidData(error.to_string()))?;
    let mut prepared = PreparedBatch::new(batch, database.now());
    let ids = write!(db, |conn| {
        // Artists.
        let mut artist_ids = vec![0_i64; prepared.artists.len()];
        let [by_spotify, by_mbid, plain] = partition(
            &prepared.artist_canonical,
            |i| prepared.artists[i].spotify_id.is_some(),
            |i| prepared.artists[i].mbid.is_some(),
        );
        for chunk in by_spotify.chunks(WRITE_CHUNK) {
            let rows: Vec<NewArtistRow> =
                chunk.iter().map(|&i| prepared.artists[i].clone()).collect();
            let found = upsert_chunk!(conn, artists, spotify_id, rows, ArtistRow);
            for &i in chunk {
                artist_ids[i] = lookup(&found, &prepared.artists[i].spotify_id);
            }
        }
        for chunk in by_mbid.chunks(WRITE_CHUNK) {
            let rows: Vec<NewArtistRow> =
                chunk.iter().map(|&i| prepared.artists[i].clone()).collect();
            let found = upsert_chunk!(conn, artists, mbid, rows, ArtistRow);
            for &i in chunk {
                artist_ids[i] = lookup(&found, &prepared.artists[i].mbid);
            }
        }
        for &i in &plain {
            artist_ids[i] = run!(
                diesel::insert_into(artists::table)
                    .values(&prepared.artists[i])
                    .returning(artists::id)
                    .get_result::<i64>(conn)
            )?;
        }
        for (i, first) in prepared.artist_canonical.iter().enumerate() {
            artist_ids[i] = artist_ids[*first];
        }

        // Albums, now that their artists have ids.
        for (row, album_artist) in prepared.albums.iter_mut() {
            row.album_artist_id = album_artist.map(|index| artist_ids[index]);
        }
        let mut album_ids = vec![0_i64; prepared.albums.len()];
        let [by_spotify, by_mbid, plain] = partition(
            &prepared.album_canonical,
            |i| prepared.albums[i].0.spotify_id.is_some(),
            |i| prepared.albums[i].0.mbid.is_some(),
        );
        for chunk in by_spotify.chunks(WRITE_CHUNK) {
            let rows: Vec<NewAlbumRow> = chunk
                .iter()
                .map(|&i| prepared.albums[i].0.clone())
                .collect();
            let found = upsert_chunk!(conn, albums, spotify_id, rows, AlbumRow);
            for &i in chunk {
                album_ids[i] = lookup(&found, &prepared.albums[i].0.spotify_id);
            }
        }
        for chunk in by_mbid.chunks(WRITE_CHUNK) {
            let rows: Vec<NewAlbumRow> = chunk
                .iter()
                .map(|&i| prepared.albums[i].0.clone())
                .collect();
            let found = upsert_chunk!(conn, albums, mbid, rows, AlbumRow);
            for &i in chunk {
                album_ids[i] = lookup(&found, &prepared.albums[i].0.mbid);
            }
        }
        for &i in &plain {
            album_ids[i] = run!(
                diesel::insert_into(albums::table)
                    .values(&prepared.albums[i].0)
                    .returning(albums::id)
                    .get_result::<i64>(conn)
            )?;
        }
        for (i, first) in prepared.album_canonical.iter().enumerate() {
            album_ids[i] = album_ids[*first];
        }

        // Tracks.
        for (row, album, _) in prepared.tracks.iter_mut() {
            row.album_id = album.map(|index| album_ids[index]);
        }
        let mut track_ids = vec![0_i64; prepared.tracks.len()];
        let [by_spotify, _, plain] = partition(
            &prepared.track_canonical,
            |i| prepared.tracks[i].0.spotify_id.is_some(),
            |_| false,
        );
        for chunk in by_spotify.chunks(WRITE_CHUNK) {
            let rows: Vec<NewTrackRow> = chunk
                .iter()
                .map(|&i| prepared.tracks[i].0.clone())
                .collect();
            let found = upsert_chunk!(conn, tracks, spotify_id, rows, TrackRow);
            for &i in chunk {
                track_ids[i] = lookup(&found, &prepared.tracks[i].0.spotify_id);
            }
        }
        for &i in &plain {
            track_ids[i] = run!(
                diesel::insert_into(tracks::table)
                    .values(&prepared.tracks[i].0)
                    .returning(tracks::id)
                    .get_result::<i64>(conn)
            )?;
        }
        for (i, first) in prepared.track_canonical.iter().enumerate() {
            track_ids[i] = track_ids[*first];
        }

        // Credits: rewrite only the tracks whose credited artists changed, so an unchanged
        // re-import touches no credit row (and fires no full-text trigger).
        let written: Vec<usize> = prepared
            .track_canonical
            .iter()
            .enumerate()
            .filter(|(i, first)| *i == **first)
            .map(|(i, _)| i)
            .collect();
        for chunk in written.chunks(ID_CHUNK) {
            let chunk_ids: Vec<i64> = chunk.iter().map(|&i| track_ids[i]).collect();
            let existing: Vec<(i64, i32, i64)> = run!(
                track_artists::table
                    .filter(track_artists::track_id.eq_any(&chunk_ids))
                    .select((
                        track_artists::track_id,
                        track_artists::position,
                        track_artists::artist_id
                    ))
                    .order((track_artists::track_id, track_artists::position))
                    .load(conn)
            )?;
            let mut existing_by_track: HashMap<i64, Vec<i64>> = HashMap::new();
            for (track_id, _, artist_id) in existing {
                existing_by_track
                    .entry(track_id)
                    .or_default()
                    .push(artist_id);
            }
            let mut stale: Vec<i64> = Vec::new();
            let mut fresh: Vec<(i64, i32, i64)> = Vec::new();
            for &i in chunk {
                let track_id = track_ids[i];
                let mut wanted: Vec<i64> = Vec::new();
                for &artist in &prepared.tracks[i].2 {
                    let artist_id = artist_ids[artist];
                    if !wanted.contains(&artist_id) {
                        wanted.push(artist_id);
                    }
                }
                let current = existing_by_track
                    .get(&track_id)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                if current != wanted.as_slice() {
                    if !current.is_empty() {
                        stale.push(track_id);
                    }
                    fresh.extend(wanted.iter().enumerate().map(|(position, artist_id)| {
                        (
                            track_id,
                            i32::try_from(position).unwrap_or(i32::MAX),
                            *artist_id,
                        )
                    }));
                }
            }
            if !stale.is_empty() {
                run!(
                    diesel::delete(
                        track_artists::table.filter(track_artists::track_id.eq_any(&stale))
                    )
                    .execute(conn)
                )?;
            }
            for rows in fresh.chunks(WRITE_CHUNK) {
                let values: Vec<CreditRow> = rows.iter().map(CreditRow::from).collect();
                run!(
                    diesel::insert_into(track_artists::table)
                        .values(&values)
                        .execute(conn)
                )?;
            }
        }
        Ok(CatalogBatchIds {
            artists: artist_ids.into_iter().map(ArtistId).collect(),
            albums: album_ids.into_iter().map(AlbumId).collect(),
            tracks: track_ids.into_iter().map(TrackId).collect(),
        })
    })?;
    Ok(ids)
}
