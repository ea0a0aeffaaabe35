//! Properties of the identity rules over generated batches: applying the same input twice
//! changes nothing, and the order of a batch does not change its result.

use std::collections::HashSet;

use proptest::prelude::*;

use super::super::*;
use super::{ids, isrc, mbid, new_artist, secs, spotify, stored_artist};
use crate::{Artist, ArtistId, NewArtist, TrackId};

/// A few names that collide after normalisation, so keys meet often.
const NAMES: [&str; 6] = ["Band", "BAND", "Bänd", "Solo", "!!!", "The Duo"];

fn any_artist() -> impl Strategy<Value = NewArtist> {
    (
        0..NAMES.len(),
        proptest::option::of(0_u64..4),
        proptest::option::of(0_u64..4),
        proptest::option::of("[a-c]"),
    )
        .prop_map(|(name, spotify_id, mbid_number, sort_name)| NewArtist {
            sort_name,
            ..new_artist(NAMES[name], spotify_id, mbid_number)
        })
}

/// Stored artists as a store holds them: no Spotify id or MBID twice.
fn any_stored_artists() -> impl Strategy<Value = Vec<Artist>> {
    proptest::collection::vec(any_artist(), 0..6).prop_map(|artists| {
        let mut spotify_ids = HashSet::new();
        let mut mbids = HashSet::new();
        artists
            .into_iter()
            .enumerate()
            .map(|(index, mut artist)| {
                if artist
                    .spotify_id
                    .as_ref()
                    .is_some_and(|id| !spotify_ids.insert(id.clone()))
                {
                    artist.spotify_id = None;
                }
                if artist
                    .mbid
                    .as_ref()
                    .is_some_and(|id| !mbids.insert(id.clone()))
                {
                    artist.mbid = None;
                }
                stored_artist(index as i64 + 1, artist)
            })
            .collect()
    })
}

fn any_source() -> impl Strategy<Value = Source> {
    prop_oneof![
        Just(Source::Tags),
        Just(Source::MusicBrainz),
        Just(Source::Spotify)
    ]
}

/// The store after a plan: new rows get ids after the stored ones, changed rows their values.
fn apply_artists(stored: &[Artist], plan: &Plan<ArtistId, NameKey, NewArtist>) -> Vec<Artist> {
    let next = stored.iter().map(|artist| artist.id.0).max().unwrap_or(0) + 1;
    let mut store: Vec<Artist> = stored.to_vec();
    for (id, values) in plan.changed_rows() {
        let row = store.iter_mut().find(|artist| artist.id == id).unwrap();
        *row = stored_artist(id.0, values.clone());
    }
    for (offset, values) in plan.new_rows().enumerate() {
        store.push(stored_artist(next + offset as i64, values.clone()));
    }
    store
}

/// Each mention's artist as the store holds it after the plan.
fn outcome(stored: &[Artist], incoming: &[NewArtist], source: Source) -> Vec<Artist> {
    let plan = plan_artists(stored, incoming, source);
    let store = apply_artists(stored, &plan);
    let next = stored.iter().map(|artist| artist.id.0).max().unwrap_or(0) + 1;
    ids(&plan, next)
        .into_iter()
        .map(|id| {
            store
                .iter()
                .find(|artist| artist.id.0 == id)
                .unwrap()
                .clone()
        })
        .collect()
}

proptest! {
    #[test]
    fn applying_the_same_artists_twice_changes_nothing(
        stored in any_stored_artists(),
        incoming in proptest::collection::vec(any_artist(), 0..8),
        source in any_source(),
    ) {
        let first = plan_artists(&stored, &incoming, source);
        let store = apply_artists(&stored, &first);
        let next = stored.iter().map(|artist| artist.id.0).max().unwrap_or(0) + 1;
        let again = plan_artists(&store, &incoming, source);
        prop_assert_eq!(again.new_rows().count(), 0);
        prop_assert_eq!(again.changed_rows().count(), 0);
        prop_assert_eq!(ids(&again, i64::MAX), ids(&first, next));
    }

    #[test]
    fn the_order_of_a_batch_does_not_change_its_artists(
        stored in any_stored_artists(),
        incoming in proptest::collection::vec(any_artist(), 0..8)
            .prop_flat_map(|artists| {
                let shuffled = Just(artists.clone()).prop_shuffle();
                (Just(artists), shuffled)
            }),
        source in any_source(),
    ) {
        let (incoming, shuffled) = incoming;
        let mut first: Vec<(String, Artist)> = incoming
            .iter()
            .map(|artist| format!("{artist:?}"))
            .zip(outcome(&stored, &incoming, source))
            .collect();
        let mut second: Vec<(String, Artist)> = shuffled
            .iter()
            .map(|artist| format!("{artist:?}"))
            .zip(outcome(&stored, &shuffled, source))
            .collect();
        first.sort_by(|left, right| left.0.cmp(&right.0));
        second.sort_by(|left, right| left.0.cmp(&right.0));
        // New rows may be numbered differently; everything else is the same.
        let strip = |rows: Vec<(String, Artist)>| -> Vec<(String, Option<ArtistId>, NewArtist)> {
            let limit = stored.iter().map(|artist| artist.id).max();
            rows.into_iter()
                .map(|(key, artist)| {
                    let stored_id = limit.filter(|limit| artist.id <= *limit).map(|_| artist.id);
                    (key, stored_id, NewArtist {
                        name: artist.name,
                        sort_name: artist.sort_name,
                        spotify_id: artist.spotify_id,
                        mbid: artist.mbid,
                    })
                })
                .collect()
        };
        prop_assert_eq!(strip(first), strip(second));
    }
}

fn any_track_identity() -> impl Strategy<Value = TrackIdentity> {
    (
        proptest::option::of(0_u64..4),
        proptest::option::of(0_u64..3),
        proptest::option::of(0_u64..3),
        0..3_usize,
        0..NAMES.len(),
        98_i64..104,
    )
        .prop_map(
            |(spotify_id, isrc_number, mbid_number, title, artist, seconds)| TrackIdentity {
                spotify_id: spotify_id.map(spotify),
                isrc: isrc_number.map(isrc),
                mbid: mbid_number.map(mbid),
                duration: Some(secs(seconds)),
                ..TrackIdentity::named(["Song", "song!", "Intro"][title], [NAMES[artist]], None)
            },
        )
}

fn any_candidates() -> impl Strategy<Value = Vec<TrackCandidate>> {
    proptest::collection::vec((any_track_identity(), any::<bool>()), 0..6).prop_map(|tracks| {
        let mut spotify_ids = HashSet::new();
        tracks
            .into_iter()
            .enumerate()
            .map(|(index, (mut identity, has_file))| {
                if identity
                    .spotify_id
                    .as_ref()
                    .is_some_and(|id| !spotify_ids.insert(id.clone()))
                {
                    identity.spotify_id = None;
                }
                TrackCandidate {
                    id: TrackId(index as i64 + 1),
                    identity,
                    has_file,
                }
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn the_order_of_a_batch_does_not_change_its_tracks(
        candidates in any_candidates(),
        incoming in proptest::collection::vec(any_track_identity(), 0..8)
            .prop_flat_map(|tracks| (Just(tracks.clone()), Just(tracks).prop_shuffle())),
        source in any_source(),
    ) {
        let (incoming, shuffled) = incoming;
        let pairs = |tracks: &[TrackIdentity]| {
            let mut pairs: Vec<(TrackIdentity, Option<(TrackId, TrackMatch)>)> = tracks
                .iter()
                .cloned()
                .zip(match_tracks(tracks, source, &candidates, HashSet::new()))
                .collect();
            pairs.sort_by(|left, right| {
                left.0.cmp(&right.0).then_with(|| {
                    format!("{:?}", left.1).cmp(&format!("{:?}", right.1))
                })
            });
            pairs
        };
        prop_assert_eq!(pairs(&incoming), pairs(&shuffled));
    }

    #[test]
    fn matching_the_same_spotify_tracks_twice_finds_the_same_tracks(
        candidates in any_candidates(),
        incoming in proptest::collection::vec(any_track_identity(), 0..8),
    ) {
        // Spotify sends each track once, with its id.
        let mut seen = HashSet::new();
        let incoming: Vec<TrackIdentity> = incoming
            .into_iter()
            .enumerate()
            .map(|(index, mut track)| {
                track.spotify_id = Some(spotify(100 + index as u64));
                track
            })
            .filter(|track| seen.insert(track.spotify_id.clone()))
            .collect();
        let first = match_tracks(&incoming, Source::Spotify, &candidates, HashSet::new());
        // The store after the first sync: found tracks gain the identifiers they lacked, the
        // others are new.
        let mut store = candidates.clone();
        let mut ids = Vec::new();
        for (track, found) in incoming.iter().zip(&first) {
            match found {
                Some((id, _)) => {
                    let row = store.iter_mut().find(|candidate| candidate.id == *id).unwrap();
                    let fields = &mut row.identity;
                    if fields.spotify_id.is_none() { fields.spotify_id.clone_from(&track.spotify_id); }
                    if fields.isrc.is_none() { fields.isrc.clone_from(&track.isrc); }
                    if fields.mbid.is_none() { fields.mbid.clone_from(&track.mbid); }
                    ids.push(*id);
                }
                None => {
                    let id = TrackId(1_000 + ids.len() as i64);
                    store.push(TrackCandidate { id, identity: track.clone(), has_file: false });
                    ids.push(id);
                }
            }
        }
        let again = match_tracks(&incoming, Source::Spotify, &store, HashSet::new());
        let again: Vec<TrackId> = again.into_iter().map(|found| found.unwrap().0).collect();
        prop_assert_eq!(again, ids);
    }
}
