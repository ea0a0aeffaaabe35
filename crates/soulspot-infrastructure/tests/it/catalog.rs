//! Catalogue contract: batched upserts, reads with details, keyset pages, full-text search.

use soulspot_domain::ports::CatalogRepository;
use soulspot_domain::{
    CatalogBatch, Isrc, ListOrder, NewAlbum, NewArtist, NewTrack, PageRequest, RepositoryError,
    TrackDuration, TrackFilter, TrackId,
};
use soulspot_infrastructure::Database;
use soulspot_testkit::catalog::{catalog_batch, spotify_id};

fn artist(name: &str, number: u64) -> NewArtist {
    NewArtist {
        name: name.into(),
        sort_name: None,
        spotify_id: Some(spotify_id(1, number)),
        mbid: None,
    }
}

fn track(title: &str, number: u64, album: Option<usize>, artists: Vec<usize>) -> NewTrack {
    NewTrack {
        title: title.into(),
        album,
        artists,
        disc_number: Some(1),
        track_number: Some(number as i32),
        duration: Some(TrackDuration::from_millis(200_000).unwrap()),
        isrc: Some(Isrc::parse(&format!("GB-AAA-24-{number:05}")).unwrap()),
        spotify_id: Some(spotify_id(3, number)),
        mbid: None,
        explicit: false,
    }
}

fn small_batch() -> CatalogBatch {
    CatalogBatch {
        artists: vec![
            artist("Beyoncé", 1),
            artist("JAY-Z", 2),
            artist("Beyoncé", 1),
        ],
        albums: vec![NewAlbum {
            title: "Dangerously in Love".into(),
            album_artist: Some(0),
            year: Some(2003),
            release_type: Some("album".into()),
            spotify_id: Some(spotify_id(2, 1)),
            mbid: None,
            release_group_mbid: None,
        }],
        tracks: vec![
            track("Crazy in Love", 1, Some(0), vec![0, 1]),
            track("Naughty Girl", 2, Some(0), vec![2]),
            // The same Spotify track twice in one batch folds onto one row.
            track("Crazy in Love", 1, Some(0), vec![0, 1]),
        ],
    }
}

pub async fn upsert_round_trip(db: Database) {
    let ids = db.upsert_catalog(small_batch()).await.unwrap();
    assert_eq!(
        ids.artists[0], ids.artists[2],
        "duplicate artists fold onto one row"
    );
    assert_eq!(
        ids.tracks[0], ids.tracks[2],
        "duplicate tracks fold onto one row"
    );

    let details = db.track_details(ids.tracks[0]).await.unwrap();
    assert_eq!(details.track.title, "Crazy in Love");
    let names: Vec<&str> = details
        .artists
        .iter()
        .map(|artist| artist.name.as_str())
        .collect();
    assert_eq!(names, ["Beyoncé", "JAY-Z"], "credits keep their order");
    assert_eq!(
        details.track.artist_ids,
        vec![ids.artists[0], ids.artists[1]]
    );
    assert_eq!(
        details.album.as_ref().map(|album| album.title.as_str()),
        Some("Dangerously in Love")
    );
    assert_eq!(
        details
            .album
            .as_ref()
            .and_then(|album| album.album_artist_id),
        Some(ids.artists[0])
    );
    assert!(!details.has_library_file);

    let isrc = Isrc::parse("GBAAA2400002").unwrap();
    let by_isrc = db.tracks_by_isrc(&isrc).await.unwrap();
    assert_eq!(by_isrc.len(), 1);
    assert_eq!(by_isrc[0].title, "Naughty Girl");
    let by_spotify = db
        .track_by_spotify_id(&spotify_id(3, 2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_spotify.id, ids.tracks[1]);
    assert!(
        db.track_by_spotify_id(&spotify_id(3, 99))
            .await
            .unwrap()
            .is_none()
    );

    let missing = db.track_details(TrackId(i64::MAX)).await.unwrap_err();
    assert!(
        matches!(missing, RepositoryError::NotFound { .. }),
        "{missing:?}"
    );
}

pub async fn reupsert_is_stable(db: Database) {
    let first = db.upsert_catalog(small_batch()).await.unwrap();
    let second = db.upsert_catalog(small_batch()).await.unwrap();
    assert_eq!(first, second, "re-importing the same data keeps every id");

    // A change upstream (new title, credits reordered) updates the rows in place.
    let mut changed = small_batch();
    changed.tracks[0].title = "Crazy in Love (feat. JAY-Z)".into();
    changed.tracks[0].artists = vec![1, 0];
    changed.tracks.truncate(2);
    let third = db.upsert_catalog(changed).await.unwrap();
    assert_eq!(third.tracks[0], first.tracks[0]);
    let details = db.track_details(first.tracks[0]).await.unwrap();
    assert_eq!(details.track.title, "Crazy in Love (feat. JAY-Z)");
    let names: Vec<&str> = details
        .artists
        .iter()
        .map(|artist| artist.name.as_str())
        .collect();
    assert_eq!(names, ["JAY-Z", "Beyoncé"]);
}

pub async fn rejects_broken_batch(db: Database) {
    let mut batch = small_batch();
    batch.tracks.push(track("Broken", 9, Some(7), vec![0]));
    let error = db.upsert_catalog(batch).await.unwrap_err();
    assert!(
        matches!(error, RepositoryError::InvalidData(_)),
        "{error:?}"
    );
    let page = db
        .list_tracks(
            TrackFilter::default(),
            ListOrder::Added,
            PageRequest::first(10),
        )
        .await
        .unwrap();
    assert!(
        page.items.is_empty(),
        "nothing of a rejected batch is written"
    );
}

pub async fn keyset_pages_cover_everything(db: Database) {
    db.upsert_catalog(catalog_batch(7, 0, 95)).await.unwrap();
    let mut seen = Vec::new();
    let mut request = PageRequest::first(20);
    loop {
        let page = db
            .list_tracks(TrackFilter::default(), ListOrder::Added, request)
            .await
            .unwrap();
        seen.extend(page.items.iter().map(|details| details.track.id));
        match page.next {
            Some(next) => request = PageRequest::after(next, 20),
            None => break,
        }
    }
    assert_eq!(seen.len(), 95);
    assert!(
        seen.windows(2).all(|pair| pair[0] < pair[1]),
        "ordered, no duplicates"
    );

    let artists = db
        .list_artists(ListOrder::Added, PageRequest::first(500))
        .await
        .unwrap();
    assert_eq!(artists.items.len(), 95 / 8 + 1);
    let albums = db
        .list_albums(ListOrder::Added, PageRequest::first(3))
        .await
        .unwrap();
    assert_eq!(albums.items.len(), 3);
    let next = db
        .list_albums(
            ListOrder::Added,
            PageRequest::after(albums.next.unwrap(), 500),
        )
        .await
        .unwrap();
    assert_eq!(next.items.len(), 95_usize.div_ceil(12) - 3);
    assert!(db.album(albums.items[0].id).await.is_ok());
    assert!(db.artist(artists.items[0].id).await.is_ok());
}

pub async fn search_is_kept_current_by_triggers(db: Database) {
    let ids = db.upsert_catalog(small_batch()).await.unwrap();
    let hits = db.search_tracks("crazy", 10).await.unwrap();
    assert_eq!(
        hits.iter().map(|hit| hit.track_id).collect::<Vec<_>>(),
        vec![ids.tracks[0]]
    );
    // Prefix words, all required, across title, artists and album.
    let hits = db.search_tracks("naugh dangerous", 10).await.unwrap();
    assert_eq!(
        hits.iter().map(|hit| hit.track_id).collect::<Vec<_>>(),
        vec![ids.tracks[1]]
    );
    let hits = db.search_tracks("jay", 10).await.unwrap();
    assert_eq!(
        hits.iter().map(|hit| hit.track_id).collect::<Vec<_>>(),
        vec![ids.tracks[0]]
    );

    // Renaming an artist, an album and a track reaches the index without any extra call.
    let mut renamed = small_batch();
    renamed.artists[1].name = "Shawn Carter".into();
    renamed.albums[0].title = "Houston Tapes".into();
    renamed.tracks[1].title = "Nice Girl".into();
    db.upsert_catalog(renamed).await.unwrap();
    assert!(db.search_tracks("jay", 10).await.unwrap().is_empty());
    assert_eq!(db.search_tracks("shawn", 10).await.unwrap().len(), 1);
    assert_eq!(db.search_tracks("houston", 10).await.unwrap().len(), 2);
    assert!(db.search_tracks("naughty", 10).await.unwrap().is_empty());
    assert_eq!(
        db.search_tracks("nice girl", 10).await.unwrap()[0].track_id,
        ids.tracks[1]
    );
}

pub async fn search_treats_operators_as_text(db: Database) {
    db.upsert_catalog(small_batch()).await.unwrap();
    for query in [
        "\"",
        "'",
        "crazy\"",
        "NEAR(crazy love)",
        "crazy OR naughty",
        "-crazy",
        "crazy*",
        "title:crazy",
        "^crazy",
        "(",
        "AND",
        "!!",
        "crazy & | love",
        "'; DROP TABLE tracks; --",
        "",
    ] {
        let result = db.search_tracks(query, 10).await;
        assert!(result.is_ok(), "query {query:?} failed: {result:?}");
    }
    // Operator words are plain words: nothing is titled "or".
    assert!(
        db.search_tracks("crazy OR naughty", 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(db.search_tracks("crazy\" love", 10).await.unwrap().len(), 1);
    assert_eq!(
        db.list_tracks(
            TrackFilter::default(),
            ListOrder::Added,
            PageRequest::first(10)
        )
        .await
        .unwrap()
        .items
        .len(),
        2
    );
}

/// Statements of one `upsert_catalog` call.
async fn statements(db: &Database, batch: CatalogBatch) -> u64 {
    let counter = db.statement_counter().clone();
    let before = counter.get();
    db.upsert_catalog(batch).await.unwrap();
    counter.get() - before
}

pub async fn upsert_takes_constant_statements(db: Database) {
    let mut counts = Vec::new();
    for (first, tracks) in [(0, 10), (100_000, 1_000)] {
        let new = statements(&db, catalog_batch(31, first, tracks)).await;
        let again = statements(&db, catalog_batch(31, first, tracks)).await;
        counts.push((new, again));
    }
    eprintln!(
        "{:?}: upsert_catalog takes {:?} statements (new, re-applied) for 10 and 1,000 tracks",
        db.backend(),
        counts
    );
    // New: artists, albums and tracks looked up and inserted, the tracks' candidates by Spotify
    // id, ISRC and title (their credits only when there are candidates), credits inserted, and
    // the transaction around them. Re-applied: the lookups and the candidates' credits.
    // Before the identity work, SQLite inserted one row per statement (more than a thousand
    // statements for 1,000 new tracks).
    assert_eq!(counts, [(11, 8), (11, 8)]);
}
