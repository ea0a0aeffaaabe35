//! The catalogue's batched upsert: artists, then albums, then tracks, then credits, in one
//! transaction and a number of statements that does not grow with the batch (until a list passes
//! a chunk: `LOOKUP_CHUNK` keys, `WRITE_CHUNK` rows).
//!
//! Which stored row each incoming entry is, and what it may change there, is decided by the
//! domain (`catalog::identity`, speaking as [`Source::Spotify`]): so a playlist imported after a
//! library scan finds the scanned artists, albums and tracks (by ISRC, then names and duration)
//! instead of creating them again, and the scanned tracks keep their files. This module loads the
//! candidates and writes the plan (`catalog_write`).

use std::collections::{HashMap, HashSet};

use diesel::NullableExpressionMethods;
use soulspot_domain::catalog::identity::{
    AlbumFields, Source, TrackCandidate, TrackFields, TrackIdentity, match_tracks, merge_track,
    plan_albums, plan_artists,
};
use soulspot_domain::{
    AlbumId, ArtistId, CatalogBatch, CatalogBatchIds, NormalizedName, RepositoryError, Track,
    TrackId,
};

use super::catalog::ID_CHUNK;
use super::catalog_write::{
    LOOKUP_CHUNK, chunk_at, credit_rows, distinct, insert_rows, load_candidates, lookup_rounds,
    rewrite_tracks, write_album_plan, write_artist_plan, write_credits,
};
use super::prelude::*;
use super::rows::{AlbumRow, ArtistRow, NewTrackRow, TrackChanges, TrackRow};
use super::schema::{albums, artists, track_artists, tracks};
use super::{Database, write};

/// A stored track a batch's track may be, as loaded: the row, `has_file`, its album's title.
type TrackCandidateRow = (TrackRow, bool, Option<String>);

/// What the batch's tracks are looked up by.
struct TrackKeys {
    spotify_ids: Vec<String>,
    isrcs: Vec<String>,
    mbids: Vec<String>,
    titles: Vec<String>,
}

impl TrackKeys {
    fn new(identities: &[TrackIdentity]) -> Self {
        Self {
            spotify_ids: distinct(
                identities
                    .iter()
                    .filter_map(|track| track.spotify_id.as_ref().map(|id| id.as_str().to_owned())),
            ),
            isrcs: distinct(
                identities
                    .iter()
                    .filter_map(|track| track.isrc.as_ref().map(|isrc| isrc.as_str().to_owned())),
            ),
            mbids: distinct(
                identities
                    .iter()
                    .filter_map(|track| track.mbid.as_ref().map(|mbid| mbid.as_str().to_owned())),
            ),
            titles: distinct(
                identities
                    .iter()
                    .filter(|track| !track.title.is_empty())
                    .map(|track| track.title.as_str().to_owned()),
            ),
        }
    }
}

/// The candidates as the domain sees them, each with its stored values.
fn track_candidates(
    rows: Vec<TrackCandidateRow>,
    credits: Vec<(i64, i32, i64, String)>,
) -> diesel::QueryResult<Vec<(TrackCandidate, Track)>> {
    let mut credits = credits;
    credits.sort_by_key(|(track, position, _, _)| (*track, *position));
    let mut credited: HashMap<i64, Vec<(ArtistId, String)>> = HashMap::new();
    for (track, _, artist, name) in credits {
        credited
            .entry(track)
            .or_default()
            .push((ArtistId(artist), name));
    }
    rows.into_iter()
        .map(|(row, has_file, album_title)| {
            let credits = credited.remove(&row.id).unwrap_or_default();
            let identity = TrackIdentity {
                spotify_id: None,
                isrc: None,
                mbid: None,
                duration: None,
                ..TrackIdentity::named(
                    &row.title,
                    credits.iter().map(|(_, name)| name.as_str()),
                    album_title.as_deref(),
                )
            };
            let track = row.into_domain(credits.into_iter().map(|(id, _)| id).collect())?;
            let identity = TrackIdentity {
                spotify_id: track.spotify_id.clone(),
                isrc: track.isrc.clone(),
                mbid: track.mbid.clone(),
                duration: track.duration,
                ..identity
            };
            let candidate = TrackCandidate {
                id: track.id,
                identity,
                has_file,
            };
            Ok((candidate, track))
        })
        .collect()
}

/// Writes a whole batch in one transaction (see `CatalogRepository::upsert_catalog`).
pub(crate) async fn upsert_catalog(
    database: &Database,
    batch: CatalogBatch,
) -> Result<CatalogBatchIds, RepositoryError> {
    batch
        .validate()
        .map_err(|error| RepositoryError::InvalidData(error.to_string()))?;
    let stamp = database.now();
    let artist_spotify_ids = distinct(
        batch
            .artists
            .iter()
            .filter_map(|artist| artist.spotify_id.as_ref().map(|id| id.as_str().to_owned())),
    );
    let artist_mbids = distinct(
        batch
            .artists
            .iter()
            .filter_map(|artist| artist.mbid.as_ref().map(|id| id.as_str().to_owned())),
    );
    let artist_names = distinct(
        batch
            .artists
            .iter()
            .map(|artist| NormalizedName::new(&artist.name).as_str().to_owned()),
    );
    let album_spotify_ids = distinct(
        batch
            .albums
            .iter()
            .filter_map(|album| album.spotify_id.as_ref().map(|id| id.as_str().to_owned())),
    );
    let album_mbids = distinct(
        batch
            .albums
            .iter()
            .filter_map(|album| album.mbid.as_ref().map(|id| id.as_str().to_owned())),
    );
    let album_titles = distinct(
        batch
            .albums
            .iter()
            .map(|album| NormalizedName::new(&album.title).as_str().to_owned()),
    );
    let identities: Vec<TrackIdentity> = batch
        .tracks
        .iter()
        .map(|track| TrackIdentity {
            spotify_id: track.spotify_id.clone(),
            isrc: track.isrc.clone(),
            mbid: track.mbid.clone(),
            duration: track.duration,
            ..TrackIdentity::named(
                &track.title,
                track
                    .artists
                    .iter()
                    .map(|&artist| batch.artists[artist].name.as_str()),
                track.album.map(|album| batch.albums[album].title.as_str()),
            )
        })
        .collect();
    let track_keys = TrackKeys::new(&identities);

    let ids = write!(database, |conn| {
        // Artists.
        let stored: Vec<soulspot_domain::Artist> = load_candidates!(
            conn, artists, ArtistRow,
            spotify_id => artist_spotify_ids,
            mbid => artist_mbids,
            normalized_name => artist_names,
        );
        let plan = plan_artists(&stored, &batch.artists, Source::Spotify);
        let artist_ids: Vec<ArtistId> = write_artist_plan!(conn, &plan, stamp)
            .into_iter()
            .map(|id| id.unwrap_or(ArtistId(0)))
            .collect();

        // Albums, now that their artists have ids.
        let stored: Vec<soulspot_domain::Album> = load_candidates!(
            conn, albums, AlbumRow,
            spotify_id => album_spotify_ids,
            mbid => album_mbids,
            normalized_title => album_titles,
        );
        let incoming: Vec<AlbumFields> = batch
            .albums
            .iter()
            .map(|album| AlbumFields {
                title: album.title.clone(),
                album_artist_id: album.album_artist.map(|index| artist_ids[index]),
                year: album.year,
                release_type: album.release_type.clone(),
                spotify_id: album.spotify_id.clone(),
                mbid: album.mbid.clone(),
                release_group_mbid: album.release_group_mbid.clone(),
            })
            .collect();
        let plan = plan_albums(&stored, &incoming, Source::Spotify);
        let album_ids: Vec<AlbumId> = write_album_plan!(conn, &plan, stamp)
            .into_iter()
            .map(|id| id.unwrap_or(AlbumId(0)))
            .collect();

        // Tracks: candidates by Spotify id, then (tracks with no Spotify id of their own) by
        // ISRC, MBID and title key, one statement per key kind (see the scan's wanted lookup for
        // why not one `OR`), then the candidates' credits.
        let mut candidate_rows: Vec<TrackCandidateRow> = Vec::new();
        let mut seen: HashSet<i64> = HashSet::new();
        macro_rules! tracks_where {
            ($filter:expr) => {
                tracks::table
                    .left_join(albums::table)
                    .select((
                        TrackRow::as_select(),
                        tracks::has_file,
                        albums::title.nullable(),
                    ))
                    .filter($filter)
                    .into_boxed()
            };
        }
        let lengths = [
            track_keys.spotify_ids.len(),
            track_keys.isrcs.len(),
            track_keys.mbids.len(),
            track_keys.titles.len(),
        ];
        for round in 0..lookup_rounds(&lengths, LOOKUP_CHUNK) {
            let spotify_ids = chunk_at(&track_keys.spotify_ids, round, LOOKUP_CHUNK);
            let isrcs = chunk_at(&track_keys.isrcs, round, LOOKUP_CHUNK);
            let mbids = chunk_at(&track_keys.mbids, round, LOOKUP_CHUNK);
            let titles = chunk_at(&track_keys.titles, round, LOOKUP_CHUNK);
            let mut queries = Vec::new();
            if !spotify_ids.is_empty() {
                queries.push(tracks_where!(tracks::spotify_id.eq_any(spotify_ids)));
            }
            if !isrcs.is_empty() {
                queries.push(tracks_where!(
                    tracks::isrc.eq_any(isrcs).and(tracks::spotify_id.is_null())
                ));
            }
            if !mbids.is_empty() {
                queries.push(tracks_where!(
                    tracks::mbid.eq_any(mbids).and(tracks::spotify_id.is_null())
                ));
            }
            if !titles.is_empty() {
                queries.push(tracks_where!(
                    tracks::normalized_title
                        .eq_any(titles)
                        .and(tracks::spotify_id.is_null())
                ));
            }
            for query in queries {
                for row in run!(query.load::<TrackCandidateRow>(conn))? {
                    if seen.insert(row.0.id) {
                        candidate_rows.push(row);
                    }
                }
            }
        }
        let candidate_ids: Vec<i64> = candidate_rows.iter().map(|row| row.0.id).collect();
        let mut credits: Vec<(i64, i32, i64, String)> = Vec::new();
        for chunk in candidate_ids.chunks(ID_CHUNK) {
            credits.extend(run!(
                track_artists::table
                    .inner_join(artists::table)
                    .filter(track_artists::track_id.eq_any(chunk))
                    .select((
                        track_artists::track_id,
                        track_artists::position,
                        track_artists::artist_id,
                        artists::name,
                    ))
                    .load::<(i64, i32, i64, String)>(conn)
            )?);
        }
        let candidates = track_candidates(candidate_rows, credits)?;
        let decisions = decide_tracks(&batch, &identities, &candidates, &artist_ids, &album_ids);

        let new_rows: Vec<NewTrackRow> = decisions
            .new_tracks
            .iter()
            .map(|&index| NewTrackRow::new(&decisions.fields[index], false, stamp))
            .collect();
        let inserted = insert_rows!(conn, tracks, &new_rows, "track");
        let changes: Vec<TrackChanges> = decisions
            .changed
            .iter()
            .map(|(id, fields)| TrackChanges::new(id.get(), fields, stamp))
            .collect();
        rewrite_tracks!(conn, &changes);
        let mut track_ids = decisions.track_ids;
        let mut fresh_credits = decisions.fresh_credits;
        for (&index, id) in decisions.new_tracks.iter().zip(inserted) {
            track_ids[index] = Some(TrackId(id));
            fresh_credits.extend(credit_rows(id, &decisions.fields[index].artist_ids));
        }
        write_credits!(conn, decisions.stale_credits, fresh_credits);
        // A track listed twice (one Spotify id) is its first listing's.
        let track_ids: Vec<TrackId> = decisions
            .first
            .iter()
            .map(|&first| track_ids[first].unwrap_or(TrackId(0)))
            .collect();
        Ok(CatalogBatchIds {
            artists: artist_ids,
            albums: album_ids,
            tracks: track_ids,
        })
    })?;
    Ok(ids)
}

/// What the batch's tracks write, decided without a statement.
struct TrackDecisions {
    /// Per track, the position of its first listing (by Spotify id).
    first: Vec<usize>,
    /// Per track, its values as the batch gives them.
    fields: Vec<TrackFields>,
    /// Per first listing, the stored track it is (`None`: new).
    track_ids: Vec<Option<TrackId>>,
    /// First listings that are new tracks.
    new_tracks: Vec<usize>,
    /// Stored tracks whose values change.
    changed: Vec<(TrackId, TrackFields)>,
    stale_credits: Vec<i64>,
    fresh_credits: Vec<(i64, i32, i64)>,
}

fn decide_tracks(
    batch: &CatalogBatch,
    identities: &[TrackIdentity],
    candidates: &[(TrackCandidate, Track)],
    artist_ids: &[ArtistId],
    album_ids: &[AlbumId],
) -> TrackDecisions {
    let mut first_by_spotify: HashMap<&str, usize> = HashMap::new();
    let first: Vec<usize> = batch
        .tracks
        .iter()
        .enumerate()
        .map(|(index, track)| match &track.spotify_id {
            Some(id) => *first_by_spotify.entry(id.as_str()).or_insert(index),
            None => index,
        })
        .collect();
    let fields: Vec<TrackFields> = batch
        .tracks
        .iter()
        .map(|track| {
            let mut credited: Vec<ArtistId> = Vec::with_capacity(track.artists.len());
            for &artist in &track.artists {
                if !credited.contains(&artist_ids[artist]) {
                    credited.push(artist_ids[artist]);
                }
            }
            TrackFields {
                title: track.title.clone(),
                album_id: track.album.map(|album| album_ids[album]),
                disc_number: track.disc_number,
                track_number: track.track_number,
                duration: track.duration,
                isrc: track.isrc.clone(),
                spotify_id: track.spotify_id.clone(),
                mbid: track.mbid.clone(),
                explicit: Some(track.explicit),
                artist_ids: credited,
            }
        })
        .collect();
    let listed: Vec<usize> = (0..batch.tracks.len())
        .filter(|&index| first[index] == index)
        .collect();
    let listed_identities: Vec<TrackIdentity> = listed
        .iter()
        .map(|&index| identities[index].clone())
        .collect();
    let domain_candidates: Vec<TrackCandidate> = candidates
        .iter()
        .map(|(candidate, _)| candidate.clone())
        .collect();
    let matches = match_tracks(
        &listed_identities,
        Source::Spotify,
        &domain_candidates,
        HashSet::new(),
    );
    let stored: HashMap<TrackId, &Track> = candidates
        .iter()
        .map(|(candidate, track)| (candidate.id, track))
        .collect();
    let mut decisions = TrackDecisions {
        first,
        track_ids: vec![None; batch.tracks.len()],
        new_tracks: Vec::new(),
        changed: Vec::new(),
        stale_credits: Vec::new(),
        fresh_credits: Vec::new(),
        fields: Vec::new(),
    };
    for (&index, found) in listed.iter().zip(matches) {
        let Some((id, _)) = found else {
            decisions.new_tracks.push(index);
            continue;
        };
        decisions.track_ids[index] = Some(id);
        let Some(track) = stored.get(&id) else {
            continue;
        };
        let current = TrackFields::from(*track);
        let merged = merge_track(&current, &fields[index], Source::Spotify);
        if merged.artist_ids != current.artist_ids {
            if !current.artist_ids.is_empty() {
                decisions.stale_credits.push(id.get());
            }
            decisions
                .fresh_credits
                .extend(credit_rows(id.get(), &merged.artist_ids));
        }
        let values_differ = TrackFields {
            artist_ids: Vec::new(),
            ..merged.clone()
        } != TrackFields {
            artist_ids: Vec::new(),
            ..current
        };
        if values_differ {
            decisions.changed.push((id, merged));
        }
    }
    decisions.fields = fields;
    decisions
}
