//! The identity rules without a database: examples of each rule, and properties over generated
//! batches (applying the same input twice changes nothing; the order of a batch changes nothing).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

use super::*;
use crate::{
    Album, AlbumId, Artist, ArtistId, Isrc, Mbid, NewArtist, SpotifyId, TrackDuration, TrackId,
};

fn spotify(number: u64) -> SpotifyId {
    SpotifyId::parse(&format!("{number:0>22}")).unwrap()
}

fn mbid(number: u64) -> Mbid {
    Mbid::parse(&format!("00000000-0000-4000-8000-{number:012}")).unwrap()
}

fn isrc(number: u64) -> Isrc {
    Isrc::parse(&format!("QZABC24{number:05}")).unwrap()
}

fn secs(seconds: i64) -> TrackDuration {
    TrackDuration::from_millis(seconds * 1_000).unwrap()
}

fn new_artist(name: &str, spotify_id: Option<u64>, mbid_number: Option<u64>) -> NewArtist {
    NewArtist {
        name: name.into(),
        sort_name: None,
        spotify_id: spotify_id.map(spotify),
        mbid: mbid_number.map(mbid),
    }
}

fn stored_artist(id: i64, artist: NewArtist) -> Artist {
    Artist {
        id: ArtistId(id),
        name: artist.name,
        sort_name: artist.sort_name,
        spotify_id: artist.spotify_id,
        mbid: artist.mbid,
    }
}

fn ids<V>(plan: &Plan<ArtistId, NameKey, V>, next: i64) -> Vec<i64> {
    let new = plan.new_rows().count() as i64;
    let inserted: Vec<ArtistId> = (next..next + new).map(ArtistId).collect();
    plan.mention_ids(&inserted)
        .into_iter()
        .map(|id| id.unwrap().0)
        .collect()
}

#[test]
fn artists_resolve_by_spotify_id_then_mbid_then_name() {
    let stored = [
        stored_artist(1, new_artist("Band", Some(1), None)),
        stored_artist(2, new_artist("Solo", None, Some(2))),
        stored_artist(3, new_artist("Duo", None, None)),
        stored_artist(4, new_artist("Twin", None, Some(4))),
    ];
    let incoming = [
        new_artist("Renamed Band", Some(1), None),
        new_artist("Solo", None, Some(2)),
        new_artist("DUO", Some(3), Some(3)),
        new_artist("twin", None, Some(5)),
        new_artist("Twin", None, None),
    ];
    let plan = plan_artists(&stored, &incoming, Source::Spotify);
    assert_eq!(ids(&plan, 10), [1, 2, 3, 10, 4]);
    // Duo gained both identifiers; "twin" with another MBID is another artist.
    let changed: Vec<(ArtistId, &NewArtist)> = plan.changed_rows().collect();
    assert_eq!(changed.len(), 2, "{changed:?}");
    assert_eq!(
        changed[0].1.name, "Renamed Band",
        "Spotify renames its artist"
    );
    assert_eq!(changed[1].1.spotify_id, Some(spotify(3)));
    assert_eq!(changed[1].1.mbid, Some(mbid(3)));
    assert_eq!(changed[1].1.name, "DUO");
    let new: Vec<&NewArtist> = plan.new_rows().collect();
    assert_eq!(new[0].mbid, Some(mbid(5)));
}

#[test]
fn tags_fill_artists_but_never_rename_them_and_empty_overwrites_nothing() {
    let mut band = new_artist("Band", None, None);
    band.sort_name = Some("Band, The".into());
    let stored = [stored_artist(1, band)];
    let plan = plan_artists(&stored, &[new_artist("BAND", None, Some(1))], Source::Tags);
    let changed: Vec<(ArtistId, &NewArtist)> = plan.changed_rows().collect();
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].1.name, "Band");
    assert_eq!(changed[0].1.sort_name.as_deref(), Some("Band, The"));
    assert_eq!(changed[0].1.mbid, Some(mbid(1)));
    // Spotify, which owns nothing here yet, says no sort name: the stored one stays.
    let plan = plan_artists(
        &stored,
        &[new_artist("Band", Some(7), None)],
        Source::Spotify,
    );
    let changed: Vec<(ArtistId, &NewArtist)> = plan.changed_rows().collect();
    assert_eq!(changed[0].1.sort_name.as_deref(), Some("Band, The"));
}

#[test]
fn an_identifier_is_never_replaced_and_never_taken_twice() {
    let stored = [
        stored_artist(1, new_artist("Band", Some(1), None)),
        stored_artist(2, new_artist("Other", None, Some(2))),
    ];
    // Another Spotify id: a namesake, a new artist.
    let plan = plan_artists(
        &stored,
        &[new_artist("Band", Some(9), None)],
        Source::Spotify,
    );
    assert_eq!(ids(&plan, 10), [10]);
    // Found by Spotify id, its MBID belongs to artist 2: artist 1 does not take it.
    let plan = plan_artists(
        &stored,
        &[new_artist("Band", Some(1), Some(2))],
        Source::Spotify,
    );
    assert_eq!(ids(&plan, 10), [1]);
    assert_eq!(plan.changed_rows().count(), 0);
}

#[test]
fn names_without_letters_compare_exactly() {
    assert_ne!(NameKey::of("!!!"), NameKey::of("???"));
    assert_eq!(NameKey::of("Beyoncé"), NameKey::of("beyonce"));
}

fn album(title: &str, artist: Option<i64>, year: Option<i32>) -> AlbumFields {
    AlbumFields {
        title: title.into(),
        album_artist_id: artist.map(ArtistId),
        year,
        release_type: None,
        spotify_id: None,
        mbid: None,
        release_group_mbid: None,
    }
}

#[test]
fn albums_resolve_by_title_album_artist_and_year() {
    let stored = [Album {
        id: AlbumId(5),
        title: "LP".into(),
        album_artist_id: Some(ArtistId(1)),
        year: Some(2001),
        release_type: Some("album".into()),
        spotify_id: Some(spotify(5)),
        mbid: None,
        release_group_mbid: None,
        cover_path: None,
    }];
    let mut compilation = album("lp", Some(1), Some(2001));
    compilation.release_type = Some("compilation".into());
    compilation.release_group_mbid = Some(mbid(8));
    let incoming = [
        compilation,
        album("LP", Some(2), Some(2001)),
        album("LP", Some(1), Some(2002)),
    ];
    let plan = plan_albums(&stored, &incoming, Source::Tags);
    let inserted = [AlbumId(6), AlbumId(7)];
    let ids: Vec<Option<AlbumId>> = plan.mention_ids(&inserted);
    assert_eq!(ids[0], Some(AlbumId(5)));
    assert!(ids[1..].contains(&Some(AlbumId(6))) && ids[1..].contains(&Some(AlbumId(7))));
    let changed: Vec<(AlbumId, &AlbumFields)> = plan.changed_rows().collect();
    assert_eq!(changed.len(), 1);
    assert_eq!(
        changed[0].1.release_type.as_deref(),
        Some("album"),
        "filled only"
    );
    assert_eq!(changed[0].1.release_group_mbid, Some(mbid(8)));
}

fn fields(title: &str, spotify_id: Option<u64>) -> TrackFields {
    TrackFields {
        title: title.into(),
        album_id: Some(AlbumId(1)),
        disc_number: Some(1),
        track_number: Some(1),
        duration: Some(secs(100)),
        isrc: None,
        spotify_id: spotify_id.map(spotify),
        mbid: None,
        explicit: Some(false),
        artist_ids: vec![ArtistId(1)],
    }
}

#[test]
fn tags_never_overwrite_a_spotify_track_and_fill_only_its_identifiers() {
    let stored = fields("Spot Song", Some(1));
    let mut tags = TrackFields {
        explicit: None,
        isrc: Some(isrc(1)),
        mbid: Some(mbid(1)),
        artist_ids: vec![ArtistId(9)],
        album_id: None,
        ..fields("Renamed", None)
    };
    let merged = merge_track(&stored, &tags, Source::Tags);
    assert_eq!(merged.title, "Spot Song");
    assert_eq!(merged.artist_ids, [ArtistId(1)]);
    assert_eq!(merged.isrc, Some(isrc(1)));
    assert_eq!(merged.mbid, Some(mbid(1)));
    // A track the tags own follows them, except where they say nothing.
    let own = merge_track(&fields("Old", None), &tags, Source::Tags);
    assert_eq!(own.title, "Renamed");
    assert_eq!(own.album_id, Some(AlbumId(1)), "empty never overwrites");
    assert_eq!(own.explicit, Some(false));
    assert_eq!(own.artist_ids, [ArtistId(9)]);
    // An identifier once set is never replaced.
    tags.isrc = Some(isrc(2));
    assert_eq!(
        merge_track(&merged, &tags, Source::Spotify).isrc,
        Some(isrc(1))
    );
    // Spotify takes over a scanned track and gives it its id.
    let spotify_track = fields("Spot Song", Some(4));
    let taken = merge_track(&own, &spotify_track, Source::Spotify);
    assert_eq!(taken.title, "Spot Song");
    assert_eq!(taken.spotify_id, Some(spotify(4)));
    assert_eq!(taken.artist_ids, [ArtistId(1)]);
}

fn identity(title: &str, artist: &str, album: &str, seconds: i64) -> TrackIdentity {
    TrackIdentity {
        duration: Some(secs(seconds)),
        ..TrackIdentity::named(title, [artist], Some(album))
    }
}

fn candidate(id: i64, identity: TrackIdentity) -> TrackCandidate {
    TrackCandidate {
        id: TrackId(id),
        identity,
        has_file: false,
    }
}

#[test]
fn track_rules_apply_in_order_and_the_album_breaks_ties() {
    let candidates = vec![
        candidate(1, identity("Intro", "Band", "First", 60)),
        candidate(2, identity("Intro", "Band", "Second", 61)),
        candidate(3, identity("Intro", "Band", "Third", 70)),
    ];
    let mut track = identity("Intro (feat. Guest)", "BAND", "Second", 60);
    let none = HashSet::new();
    assert_eq!(
        match_track(&track, Source::Tags, &candidates, &none),
        Some((TrackId(2), TrackMatch::TitleArtistAndDuration))
    );
    // Beyond ±3 s, no match by title.
    track.duration = Some(secs(65));
    assert_eq!(
        match_track(&track, Source::Tags, &candidates[..2], &none),
        None
    );
    // An ISRC wins over everything, a Spotify id over an ISRC.
    track.isrc = Some(isrc(1));
    let mut by_isrc = candidate(9, identity("Other", "Someone", "Else", 300));
    by_isrc.identity.isrc = Some(isrc(1));
    let mut by_spotify = candidate(10, identity("Other", "Someone", "Else", 300));
    by_spotify.identity.spotify_id = Some(spotify(1));
    let all = [candidates.clone(), vec![by_isrc, by_spotify]].concat();
    assert_eq!(
        match_track(&track, Source::Tags, &all, &none),
        Some((TrackId(9), TrackMatch::Isrc))
    );
    track.spotify_id = Some(spotify(1));
    assert_eq!(
        match_track(&track, Source::Spotify, &all, &none),
        Some((TrackId(10), TrackMatch::SpotifyId))
    );
    // Another Spotify id never matches, not even by ISRC.
    track.spotify_id = Some(spotify(2));
    let mut other = all[3].clone();
    other.identity.spotify_id = Some(spotify(3));
    assert_eq!(match_track(&track, Source::Spotify, &[other], &none), None);
}

#[test]
fn a_file_never_takes_a_track_with_a_file_and_two_files_never_share_one() {
    let mut with_file = candidate(1, identity("Song", "A", "X", 100));
    with_file.has_file = true;
    let track = identity("Song", "A", "X", 100);
    let none = HashSet::new();
    assert_eq!(
        match_track(
            &track,
            Source::Tags,
            std::slice::from_ref(&with_file),
            &none
        ),
        None
    );
    assert_eq!(
        match_track(
            &track,
            Source::Spotify,
            std::slice::from_ref(&with_file),
            &none
        ),
        Some((TrackId(1), TrackMatch::TitleArtistAndDuration))
    );
    let wanted = [candidate(2, identity("Song", "A", "X", 100))];
    let matches = match_tracks(
        &[track.clone(), track],
        Source::Tags,
        &wanted,
        HashSet::new(),
    );
    assert_eq!(
        matches,
        [Some((TrackId(2), TrackMatch::TitleArtistAndDuration)), None]
    );
}

#[test]
fn another_artist_an_empty_title_or_another_isrc_never_match_by_title() {
    let none = HashSet::new();
    let track = identity("Song", "A", "X", 100);
    let other_artist = [candidate(1, identity("Song", "B", "X", 100))];
    assert_eq!(
        match_track(&track, Source::Tags, &other_artist, &none),
        None
    );
    let blank = identity("!!!", "A", "X", 100);
    let blank_candidate = [candidate(1, identity("!!!", "A", "X", 100))];
    assert_eq!(
        match_track(&blank, Source::Tags, &blank_candidate, &none),
        None
    );
    let mut live = candidate(1, identity("Song", "A", "X", 100));
    live.identity.isrc = Some(isrc(1));
    let mut studio = track;
    studio.isrc = Some(isrc(2));
    assert_eq!(match_track(&studio, Source::Tags, &[live], &none), None);
}

mod properties;
