//! Tracks, albums and artists by id: batches of 50, 20 and 50 for an extended-quota app, one
//! answer per id in order (`None` for an unknown one), and — since development-mode apps get 403
//! from the batch endpoints — the fallback to one request per id, remembered after the first
//! refusal.

use soulspot_domain::SpotifyId;
use soulspot_domain::upstream::spotify::SpotifyLibrary as _;
use soulspot_testkit::catalog::spotify_id;
use soulspot_testkit::fake::RecordedRequest;
use soulspot_testkit::fake::spotify::{ApiMode, RunningSpotify};

use super::{alice_library, api_requests, id, started};

const UNKNOWN: &str = "0000000000000000000000";

/// 400 generated tracks: 34 albums, 51 artists.
const GENERATED_TRACKS: u64 = 400;
const GENERATED_ALBUMS: u64 = 34;
const GENERATED_ARTISTS: u64 = 51;

/// Requests to `/v1/<collection>` itself (the batch endpoint), and to `/v1/<collection>/<id>`.
fn batch_and_single_requests(
    spotify: &RunningSpotify,
    collection: &str,
) -> (Vec<RecordedRequest>, usize) {
    let all = api_requests(spotify, &format!("/{collection}"));
    let batch_path = format!("/v1/{collection}");
    let (batches, singles): (Vec<_>, Vec<_>) = all
        .into_iter()
        .partition(|request| request.path == batch_path);
    (batches, singles.len())
}

/// How many ids a batch request named.
fn ids_named(request: &RecordedRequest) -> usize {
    url::form_urlencoded::parse(request.query.as_bytes())
        .find(|(name, _)| name == "ids")
        .map_or(0, |(_, ids)| ids.split(',').count())
}

/// `count` generated ids of `namespace`, with the unknown id at `unknown_at`.
fn ids_with_unknown(namespace: u8, count: u64, unknown_at: usize) -> Vec<SpotifyId> {
    let mut ids: Vec<SpotifyId> = (0..count)
        .map(|number| spotify_id(namespace, number))
        .collect();
    ids.insert(unknown_at, id(UNKNOWN));
    ids
}

#[tokio::test]
async fn an_extended_quota_app_looks_up_fifty_tracks_twenty_albums_fifty_artists_per_request() {
    let spotify = started().await;
    spotify.fake.set_api_mode(ApiMode::ExtendedQuota);
    spotify.fake.generate_catalog(5, 0, GENERATED_TRACKS);
    let library = alice_library(&spotify);

    // 120 ids: 119 known tracks and one unknown in the middle.
    let track_ids = ids_with_unknown(3, 119, 60);
    let tracks = library.tracks(&track_ids).await.unwrap();
    assert_eq!(tracks.len(), 120);
    for (requested, found) in track_ids.iter().zip(&tracks) {
        match found {
            Some(track) => assert_eq!(&track.id, requested),
            None => assert_eq!(requested.as_str(), UNKNOWN),
        }
    }
    assert_eq!(tracks.iter().filter(|track| track.is_none()).count(), 1);
    let first = tracks[0].as_ref().unwrap();
    assert!(first.isrc.is_some() && first.album.is_some() && first.is_playable.is_some());
    let (batches, singles) = batch_and_single_requests(&spotify, "tracks");
    assert_eq!(
        batches.iter().map(ids_named).collect::<Vec<_>>(),
        vec![50, 50, 20]
    );
    assert_eq!(singles, 0);

    let album_ids = ids_with_unknown(2, GENERATED_ALBUMS, 0);
    let albums = library.albums(&album_ids).await.unwrap();
    assert_eq!(albums.len(), album_ids.len());
    assert!(albums[0].is_none());
    assert!(albums[1..].iter().all(|album| {
        album
            .as_ref()
            .is_some_and(|album| album.label.is_some() && album.upc.is_some())
    }));
    let (batches, _) = batch_and_single_requests(&spotify, "albums");
    assert_eq!(
        batches.iter().map(ids_named).collect::<Vec<_>>(),
        vec![20, 15]
    );

    let artist_ids = ids_with_unknown(1, GENERATED_ARTISTS, 51);
    let artists = library.artists(&artist_ids).await.unwrap();
    assert_eq!(
        artists
            .iter()
            .map(|artist| artist.as_ref().map(|artist| artist.id.clone()))
            .collect::<Vec<_>>(),
        artist_ids
            .iter()
            .map(|requested| (requested.as_str() != UNKNOWN).then(|| requested.clone()))
            .collect::<Vec<_>>()
    );
    assert!(
        artists[0]
            .as_ref()
            .is_some_and(|artist| artist.genres == ["indie"])
    );
    let (batches, _) = batch_and_single_requests(&spotify, "artists");
    assert_eq!(
        batches.iter().map(ids_named).collect::<Vec<_>>(),
        vec![50, 2]
    );

    assert!(library.tracks(&[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_development_mode_app_falls_back_to_single_lookups_and_remembers_the_refusal() {
    let spotify = started().await;
    spotify.fake.generate_catalog(5, 0, GENERATED_TRACKS);
    let track_ids = ids_with_unknown(3, 119, 60);

    spotify.fake.set_api_mode(ApiMode::ExtendedQuota);
    let from_batches = alice_library(&spotify).tracks(&track_ids).await.unwrap();
    spotify.fake.set_api_mode(ApiMode::Development);
    let batches_before = batch_and_single_requests(&spotify, "tracks").0.len();

    let library = alice_library(&spotify);
    let from_singles = library.tracks(&track_ids).await.unwrap();
    assert_eq!(from_singles, from_batches);
    let (batches, singles) = batch_and_single_requests(&spotify, "tracks");
    assert_eq!(
        batches.len() - batches_before,
        1,
        "one refused batch request"
    );
    assert_eq!(singles, 120);

    let again = library.tracks(&track_ids[..3]).await.unwrap();
    assert_eq!(again, from_batches[..3]);
    let (batches, singles) = batch_and_single_requests(&spotify, "tracks");
    assert_eq!(
        batches.len() - batches_before,
        1,
        "the refusal is remembered"
    );
    assert_eq!(singles, 123);

    let albums = library.albums(&ids_with_unknown(2, 3, 1)).await.unwrap();
    assert_eq!(
        albums.iter().map(Option::is_some).collect::<Vec<_>>(),
        [true, false, true, true]
    );
    assert!(
        albums[0]
            .as_ref()
            .is_some_and(|album| album.label.is_none())
    );
    let artists = library.artists(&ids_with_unknown(1, 2, 2)).await.unwrap();
    assert_eq!(
        artists.iter().map(Option::is_some).collect::<Vec<_>>(),
        [true, true, false]
    );
    for (collection, singles_expected) in [("albums", 4), ("artists", 3)] {
        let (batches, singles) = batch_and_single_requests(&spotify, collection);
        assert_eq!(
            (batches.len(), singles),
            (1, singles_expected),
            "{collection}"
        );
    }
}
