//! Contract of the read models behind the browsing and stats endpoints: filtered track pages, an
//! album's tracks, an artist's albums, artist and album search, a track's files and the library
//! stats. Each is checked for what it returns and for how many statements it takes: the same
//! number for 5 rows as for 200, so nothing runs per row.

use std::collections::BTreeSet;

use soulspot_domain::ports::{
    CatalogRepository, LibraryFileRepository, PlaylistRepository, StatsRepository,
};
use soulspot_domain::{
    AlbumId, ArtistId, AudioProperties, CatalogBatch, FileStats, FormatStats, Isrc, LibraryStats,
    ListOrder, NewAlbum, NewArtist, NewLibraryFile, NewPlaylist, NewTrack, PageRequest,
    TrackDetails, TrackFilter, TrackId,
};
use soulspot_infrastructure::{Database, DatabaseUrl};
use soulspot_testkit::catalog::{catalog_batch, spotify_id};

/// Runs `sql` on a connection of its own, for states no repository method writes yet (a file a
/// scan found missing). Test-only: the statement counter of `db` does not see it.
pub(crate) async fn execute(db: &Database, sql: &str) {
    let sql = sql.to_owned();
    match db.url().clone() {
        DatabaseUrl::Sqlite(path) => tokio::task::spawn_blocking(move || {
            use diesel::Connection as _;
            let mut connection =
                diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
            diesel::connection::SimpleConnection::batch_execute(&mut connection, &sql).unwrap();
        })
        .await
        .unwrap(),
        DatabaseUrl::Postgres(url) => {
            use diesel_async::{AsyncConnection as _, SimpleAsyncConnection as _};
            let mut connection = diesel_async::AsyncPgConnection::establish(&url)
                .await
                .unwrap();
            connection.batch_execute(&sql).await.unwrap();
        }
    }
}

/// Statements `call` ran on `db`'s pool, and its result.
async fn counted<T>(db: &Database, call: impl std::future::Future<Output = T>) -> (u64, T) {
    let counter = db.statement_counter().clone();
    let before = counter.get();
    let result = call.await;
    (counter.get() - before, result)
}

fn file(path: &str, size: i64, format: Option<&str>, track: Option<TrackId>) -> NewLibraryFile {
    NewLibraryFile {
        path: path.into(),
        folder_id: None,
        size_bytes: size,
        modified_at: None,
        audio: AudioProperties {
            format: format.map(str::to_owned),
            ..AudioProperties::default()
        },
        track_id: track,
        tags_json: None,
        broken_reason: None,
    }
}

fn broken(mut file: NewLibraryFile) -> NewLibraryFile {
    file.broken_reason = Some("not an audio file".into());
    file
}

async fn mark_missing(db: &Database, path: &str) {
    execute(
        db,
        &format!(
            "UPDATE library_files SET missing_since = '2026-11-01 10:00:00' WHERE path = '{path}'"
        ),
    )
    .await;
}

fn playlist(name: &str, number: u64) -> NewPlaylist {
    NewPlaylist {
        name: name.into(),
        description: None,
        spotify_id: Some(spotify_id(4, number)),
        snapshot_id: None,
        owner: None,
        is_liked_songs: false,
        sync_enabled: true,
    }
}

fn ids(details: &[TrackDetails]) -> Vec<TrackId> {
    details.iter().map(|details| details.track.id).collect()
}

/// Every track (unfiltered), in id order.
async fn all_tracks(db: &Database) -> Vec<TrackDetails> {
    db.list_tracks(
        TrackFilter::default(),
        ListOrder::Added,
        PageRequest::first(500),
    )
    .await
    .unwrap()
    .items
}

/// Every track matching `filter`, walking keyset pages of `size`.
async fn walk(db: &Database, filter: &TrackFilter, size: u32) -> Vec<TrackId> {
    let mut seen = Vec::new();
    let mut request = PageRequest::first(size);
    loop {
        let page = db
            .list_tracks(filter.clone(), ListOrder::Added, request)
            .await
            .unwrap();
        assert!(page.items.len() <= size as usize);
        seen.extend(ids(&page.items));
        match page.next {
            Some(next) => request = PageRequest::after(next, size),
            None => return seen,
        }
    }
}

pub async fn list_tracks_filters(db: Database) {
    let batch = catalog_batch(21, 0, 60);
    let shared_isrc = batch.tracks[3].isrc.clone().unwrap();
    let mut batch = batch;
    // One recording on two releases: the ISRC filter must find both.
    batch.tracks[40].isrc = Some(shared_isrc.clone());
    let catalog = db.upsert_catalog(batch).await.unwrap();

    // Files: present for tracks 0-9, broken for 10, missing for 11, present-and-broken pair for
    // 12 (the present one counts).
    let mut files: Vec<NewLibraryFile> = (0..10)
        .map(|index| {
            file(
                &format!("/music/{index}.flac"),
                10,
                Some("flac"),
                Some(catalog.tracks[index]),
            )
        })
        .collect();
    files.push(broken(file(
        "/music/10.flac",
        10,
        None,
        Some(catalog.tracks[10]),
    )));
    files.push(file("/music/11.flac", 10, None, Some(catalog.tracks[11])));
    files.push(broken(file(
        "/music/12-a.flac",
        10,
        None,
        Some(catalog.tracks[12]),
    )));
    files.push(file("/music/12-b.flac", 10, None, Some(catalog.tracks[12])));
    db.upsert_files(files).await.unwrap();
    mark_missing(&db, "/music/11.flac").await;
    let with_file: Vec<TrackId> = (0..10).chain([12]).map(|i| catalog.tracks[i]).collect();
    let all = all_tracks(&db).await;
    assert_eq!(all.len(), 60);

    let album = catalog.albums[1];
    let expected_album: Vec<TrackId> = all
        .iter()
        .filter(|details| details.track.album_id == Some(album))
        .map(|details| details.track.id)
        .collect();
    assert_eq!(expected_album.len(), 12);
    let by_album = TrackFilter {
        album_id: Some(album),
        ..TrackFilter::default()
    };
    assert_eq!(walk(&db, &by_album, 500).await, expected_album);
    assert_eq!(walk(&db, &by_album, 5).await, expected_album);

    let artist = catalog.artists[2];
    let expected_artist: Vec<TrackId> = all
        .iter()
        .filter(|details| details.track.artist_ids.contains(&artist))
        .map(|details| details.track.id)
        .collect();
    assert!(expected_artist.len() > 1, "{expected_artist:?}");
    let by_artist = TrackFilter {
        artist_id: Some(artist),
        ..TrackFilter::default()
    };
    let page = db
        .list_tracks(by_artist.clone(), ListOrder::Added, PageRequest::first(500))
        .await
        .unwrap();
    assert_eq!(ids(&page.items), expected_artist);
    // Details stay complete: every credit, not only the filtered artist.
    for details in &page.items {
        let full = all.iter().find(|d| d.track.id == details.track.id).unwrap();
        assert_eq!(details, full);
    }
    assert_eq!(walk(&db, &by_artist, 2).await, expected_artist);

    let present = TrackFilter {
        has_library_file: Some(true),
        ..TrackFilter::default()
    };
    let listed = db
        .list_tracks(present.clone(), ListOrder::Added, PageRequest::first(500))
        .await
        .unwrap();
    assert_eq!(ids(&listed.items), with_file);
    assert!(listed.items.iter().all(|details| details.has_library_file));
    assert_eq!(walk(&db, &present, 4).await, with_file);
    let absent = TrackFilter {
        has_library_file: Some(false),
        ..TrackFilter::default()
    };
    let without: Vec<TrackId> = walk(&db, &absent, 7).await;
    assert_eq!(without.len(), 60 - with_file.len());
    assert!(
        without.contains(&catalog.tracks[10]),
        "broken is not present"
    );
    assert!(
        without.contains(&catalog.tracks[11]),
        "missing is not present"
    );
    assert!(without.iter().all(|id| !with_file.contains(id)));

    let by_isrc = TrackFilter {
        isrc: Some(shared_isrc),
        ..TrackFilter::default()
    };
    assert_eq!(
        walk(&db, &by_isrc, 500).await,
        vec![catalog.tracks[3], catalog.tracks[40]]
    );
    let unknown_isrc = TrackFilter {
        isrc: Some(Isrc::parse("ZZZZZ9999999").unwrap()),
        ..TrackFilter::default()
    };
    assert!(walk(&db, &unknown_isrc, 500).await.is_empty());

    // Filters combine (AND).
    let combined = TrackFilter {
        album_id: Some(catalog.albums[0]),
        has_library_file: Some(true),
        ..TrackFilter::default()
    };
    assert_eq!(
        walk(&db, &combined, 500).await,
        (0..10).map(|i| catalog.tracks[i]).collect::<Vec<_>>()
    );
    let disjoint = TrackFilter {
        album_id: Some(catalog.albums[4]),
        isrc: Some(all[3].track.isrc.clone().unwrap()),
        ..TrackFilter::default()
    };
    assert!(walk(&db, &disjoint, 500).await.is_empty());
    let nobody = TrackFilter {
        artist_id: Some(ArtistId(i64::MAX)),
        ..TrackFilter::default()
    };
    assert!(walk(&db, &nobody, 500).await.is_empty());
}

pub async fn tracks_details_keep_order(db: Database) {
    let catalog = db.upsert_catalog(catalog_batch(22, 0, 20)).await.unwrap();
    let wanted = vec![
        catalog.tracks[7],
        TrackId(i64::MAX),
        catalog.tracks[2],
        catalog.tracks[15],
    ];
    let (statements, details) = counted(&db, db.tracks_details(wanted)).await;
    let details = details.unwrap();
    assert_eq!(
        ids(&details),
        vec![catalog.tracks[7], catalog.tracks[2], catalog.tracks[15]],
        "given order, unknown ids skipped"
    );
    assert!(details.iter().all(|d| !d.artists.is_empty()));
    assert!(statements <= 2, "{statements} statements");
    assert!(db.tracks_details(Vec::new()).await.unwrap().is_empty());
}

fn numbered(title: &str, number: u64, disc: Option<i32>, track: Option<i32>) -> NewTrack {
    NewTrack {
        title: title.into(),
        album: Some(0),
        artists: vec![0],
        disc_number: disc,
        track_number: track,
        duration: None,
        isrc: None,
        spotify_id: Some(spotify_id(3, number)),
        mbid: None,
        explicit: false,
    }
}

fn named_artist(name: &str, number: u64) -> NewArtist {
    NewArtist {
        name: name.into(),
        sort_name: None,
        spotify_id: Some(spotify_id(1, number)),
        mbid: None,
    }
}

fn album(title: &str, number: u64, artist: Option<usize>, year: Option<i32>) -> NewAlbum {
    NewAlbum {
        title: title.into(),
        album_artist: artist,
        year,
        release_type: Some("album".into()),
        spotify_id: Some(spotify_id(2, number)),
        mbid: None,
        release_group_mbid: None,
    }
}

pub async fn album_tracks_in_disc_and_track_order(db: Database) {
    let batch = CatalogBatch {
        artists: vec![named_artist("Orderly", 1)],
        albums: vec![album("Sequence", 1, Some(0), Some(2020))],
        tracks: vec![
            numbered("d2 t1", 1, Some(2), Some(1)),
            numbered("dNULL t1", 2, None, Some(1)),
            numbered("d1 t2 first", 3, Some(1), Some(2)),
            numbered("d1 tNULL", 4, Some(1), None),
            numbered("d1 t1", 5, Some(1), Some(1)),
            numbered("d1 t2 second", 6, Some(1), Some(2)),
            numbered("dNULL tNULL", 7, None, None),
        ],
    };
    let catalog = db.upsert_catalog(batch).await.unwrap();
    let tracks = db.album_tracks(catalog.albums[0]).await.unwrap();
    let titles: Vec<&str> = tracks.iter().map(|d| d.track.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "d1 t1",
            "d1 t2 first",
            "d1 t2 second",
            "d1 tNULL",
            "d2 t1",
            "dNULL t1",
            "dNULL tNULL"
        ]
    );
    assert!(tracks.iter().all(|d| {
        d.album.as_ref().map(|album| album.id) == Some(catalog.albums[0])
            && d.artists.len() == 1
            && d.artists[0].name == "Orderly"
    }));
    assert!(db.album_tracks(AlbumId(i64::MAX)).await.unwrap().is_empty());
}

pub async fn albums_of_artist_as_album_artist_or_credit(db: Database) {
    let mut tracks = Vec::new();
    let mut track = |album: usize, artists: Vec<usize>| {
        let number = tracks.len() as u64 + 1;
        tracks.push(NewTrack {
            album: Some(album),
            artists,
            ..numbered("t", number, Some(1), Some(number as i32))
        });
    };
    // Artist 0 is the subject: album artist of 0, 1 and 3, credited on 2 (by artist 1) and on 3.
    track(0, vec![1]);
    track(1, vec![0]);
    track(2, vec![1, 0]);
    track(3, vec![0]);
    track(4, vec![1]);
    let batch = CatalogBatch {
        artists: vec![named_artist("Subject", 1), named_artist("Other", 2)],
        albums: vec![
            album("Beta", 1, Some(0), Some(2001)),
            album("Undated", 2, Some(0), None),
            album("Guest Spot", 3, Some(1), Some(1999)),
            album("Alpha", 4, Some(0), Some(2001)),
            album("Not Theirs", 5, Some(1), Some(1990)),
        ],
        tracks,
    };
    let catalog = db.upsert_catalog(batch).await.unwrap();
    let (statements, albums) = counted(&db, db.albums_of_artist(catalog.artists[0])).await;
    let titles: Vec<String> = albums.unwrap().into_iter().map(|a| a.title).collect();
    assert_eq!(titles, ["Guest Spot", "Alpha", "Beta", "Undated"]);
    assert_eq!(statements, 1);
    let other: Vec<String> = db
        .albums_of_artist(catalog.artists[1])
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.title)
        .collect();
    assert_eq!(other, ["Not Theirs", "Guest Spot", "Beta"]);
    assert!(
        db.albums_of_artist(ArtistId(i64::MAX))
            .await
            .unwrap()
            .is_empty()
    );
}

fn search_batch() -> CatalogBatch {
    let track = |title: &str, number: u64, album: usize, artist: usize| NewTrack {
        album: Some(album),
        artists: vec![artist],
        ..numbered(title, number, Some(1), Some(number as i32))
    };
    CatalogBatch {
        artists: vec![
            named_artist("Björk", 1),
            named_artist("Sigur Rós", 2),
            named_artist("Moon Unit", 3),
            named_artist("Air", 4),
        ],
        albums: vec![
            album("Homogenic", 1, Some(0), Some(1997)),
            album("Moon Safari", 2, Some(3), Some(1998)),
            album("Rising", 3, Some(2), Some(2001)),
            album("Takk", 4, Some(1), Some(2005)),
        ],
        tracks: vec![
            track("Joga", 1, 0, 0),
            track("La femme d'argent", 2, 1, 3),
            // By Björk, so only its title says "moon"; the next track only its album does.
            track("Moonrise", 3, 2, 0),
            track("Hoppipolla", 4, 3, 1),
        ],
    }
}

pub async fn search_artists_and_albums(db: Database) {
    let catalog = db.upsert_catalog(search_batch()).await.unwrap();
    let artist_names = |artists: Vec<soulspot_domain::Artist>| -> Vec<String> {
        artists.into_iter().map(|artist| artist.name).collect()
    };
    let album_titles = |albums: Vec<soulspot_domain::Album>| -> Vec<String> {
        albums.into_iter().map(|album| album.title).collect()
    };

    assert_eq!(
        artist_names(db.search_artists("bjork", 10).await.unwrap()),
        ["Björk"]
    );
    assert_eq!(
        artist_names(db.search_artists("SIG ros", 10).await.unwrap()),
        ["Sigur Rós"],
        "prefixes, accents folded, every word required"
    );
    let moon = db.search_artists("moo", 10).await.unwrap();
    assert_eq!(moon.len(), 1);
    assert_eq!(moon[0].id, catalog.artists[2]);
    assert_eq!(moon[0].spotify_id, Some(spotify_id(1, 3)), "whole rows");
    assert!(db.search_artists("homogenic", 10).await.unwrap().is_empty());

    // A title match ranks above a match on the album artist's name only.
    let albums = db.search_albums("moon", 10).await.unwrap();
    assert_eq!(album_titles(albums.clone()), ["Moon Safari", "Rising"]);
    assert_eq!(albums[0].album_artist_id, Some(catalog.artists[3]));
    assert_eq!(albums[0].year, Some(1998));
    assert_eq!(
        album_titles(db.search_albums("bjork", 10).await.unwrap()),
        ["Homogenic"],
        "the album artist's name is searched"
    );
    assert_eq!(
        album_titles(db.search_albums("moon air", 10).await.unwrap()),
        ["Moon Safari"]
    );
    assert_eq!(db.search_albums("moon", 1).await.unwrap().len(), 1);

    // The same rule for tracks: a title match ranks above an album-title match.
    let hits = db.search_tracks("moon", 10).await.unwrap();
    assert_eq!(
        hits.iter().map(|hit| hit.track_id).collect::<Vec<_>>(),
        vec![catalog.tracks[2], catalog.tracks[1]]
    );

    for query in [
        "\"",
        "'",
        "moon\"",
        "NEAR(moon safari)",
        "moon OR takk",
        "-moon",
        "moon*",
        "title:moon",
        "artist:air",
        "^moon",
        "(",
        "AND",
        "!!",
        "moon & | safari",
        "moon:* & !safari",
        "'; DROP TABLE albums; --",
        "",
        "   ",
    ] {
        let artists = db.search_artists(query, 10).await;
        assert!(artists.is_ok(), "artists {query:?}: {artists:?}");
        let albums = db.search_albums(query, 10).await;
        assert!(albums.is_ok(), "albums {query:?}: {albums:?}");
    }
    assert!(
        db.search_albums("moon OR takk", 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        db.search_albums("moon\" safari", 10).await.unwrap().len(),
        1
    );
    assert!(db.search_artists("", 10).await.unwrap().is_empty());
    assert_eq!(
        db.list_albums(ListOrder::Added, PageRequest::first(10))
            .await
            .unwrap()
            .items
            .len(),
        4
    );
}

pub async fn search_indexes_follow_renames(db: Database) {
    let catalog = db.upsert_catalog(search_batch()).await.unwrap();
    let album_titles = |albums: Vec<soulspot_domain::Album>| -> Vec<String> {
        albums.into_iter().map(|album| album.title).collect()
    };

    // Rename an artist (album artist of "Rising"), an album, and move an album to another artist.
    let mut renamed = search_batch();
    renamed.artists[2].name = "Sun Unit".into();
    renamed.albums[0].title = "Vespertine".into();
    renamed.albums[3].album_artist = Some(0);
    db.upsert_catalog(renamed).await.unwrap();

    assert!(db.search_artists("moon", 10).await.unwrap().is_empty());
    let sun = db.search_artists("sun", 10).await.unwrap();
    assert_eq!(
        sun.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![catalog.artists[2]]
    );
    assert_eq!(
        album_titles(db.search_albums("moon", 10).await.unwrap()),
        ["Moon Safari"],
        "the renamed album artist left the album index"
    );
    assert_eq!(
        album_titles(db.search_albums("sun unit", 10).await.unwrap()),
        ["Rising"]
    );
    assert!(db.search_albums("homogenic", 10).await.unwrap().is_empty());
    assert_eq!(
        album_titles(db.search_albums("vesper", 10).await.unwrap()),
        ["Vespertine"]
    );
    let by_bjork: BTreeSet<String> = album_titles(db.search_albums("bjork", 10).await.unwrap())
        .into_iter()
        .collect();
    assert_eq!(
        by_bjork,
        BTreeSet::from(["Takk".to_owned(), "Vespertine".to_owned()]),
        "a new album artist is indexed"
    );
    assert!(
        db.search_albums("sigur", 10).await.unwrap().is_empty(),
        "the old album artist is not"
    );

    // Rows added later are indexed as they are written.
    let later = CatalogBatch {
        artists: vec![named_artist("Múm", 9)],
        albums: vec![album("Finally We Are No One", 9, Some(0), Some(2002))],
        tracks: vec![],
    };
    db.upsert_catalog(later).await.unwrap();
    assert_eq!(db.search_artists("mum", 10).await.unwrap().len(), 1);
    assert_eq!(
        album_titles(db.search_albums("finally mum", 10).await.unwrap()),
        ["Finally We Are No One"]
    );
}

pub async fn files_of_track(db: Database) {
    let catalog = db.upsert_catalog(catalog_batch(23, 0, 3)).await.unwrap();
    let (first, second) = (catalog.tracks[0], catalog.tracks[1]);
    db.upsert_files(vec![
        file("/music/b.flac", 20, Some("flac"), Some(first)),
        file("/music/other.flac", 5, Some("flac"), Some(second)),
        broken(file("/music/a.mp3", 10, Some("mp3"), Some(first))),
        file("/music/c.ogg", 30, Some("ogg"), Some(first)),
        file("/music/unlinked.ogg", 30, Some("ogg"), None),
    ])
    .await
    .unwrap();
    mark_missing(&db, "/music/c.ogg").await;

    let (statements, files) = counted(&db, db.files_of_track(first)).await;
    let files = files.unwrap();
    assert_eq!(statements, 1);
    let paths: Vec<&str> = files.iter().map(|file| file.path.as_str()).collect();
    assert_eq!(
        paths,
        ["/music/b.flac", "/music/a.mp3", "/music/c.ogg"],
        "present, broken and missing, by id"
    );
    assert!(files[1].broken_reason.is_some());
    assert!(files[2].missing_since.is_some());
    assert_eq!(db.files_of_track(second).await.unwrap().len(), 1);
    assert!(
        db.files_of_track(catalog.tracks[2])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        db.files_of_track(TrackId(i64::MAX))
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn library_stats(db: Database) {
    assert_eq!(
        db.library_stats().await.unwrap(),
        LibraryStats::default(),
        "an empty library"
    );
    let catalog = db.upsert_catalog(catalog_batch(24, 0, 30)).await.unwrap();
    let track = |index: usize| catalog.tracks[index];
    let first = db.upsert_playlist(playlist("First", 1)).await.unwrap();
    let second = db.upsert_playlist(playlist("Second", 2)).await.unwrap();
    db.replace_entries(first.id, (0..10).map(|i| (track(i), None)).collect())
        .await
        .unwrap();
    // Overlaps the first playlist and repeats a track: tracks 0-14 are wanted at most once each.
    let mut entries: Vec<_> = (5..15).map(|i| (track(i), None)).collect();
    entries.push((track(0), None));
    db.replace_entries(second.id, entries).await.unwrap();

    db.upsert_files(vec![
        file("/music/0.flac", 100, Some("flac"), Some(track(0))),
        file("/music/1.flac", 200, Some("flac"), Some(track(1))),
        file("/music/2.mp3", 50, Some("mp3"), Some(track(2))),
        file("/music/loose", 7, None, None),
        broken(file("/music/3.flac", 1_000, Some("flac"), Some(track(3)))),
        file("/music/4.mp3", 2_000, Some("mp3"), Some(track(4))),
        broken(file("/music/5.mp3", 3_000, Some("mp3"), Some(track(5)))),
        // Outside every playlist: present, but it makes no track less wanted.
        file("/music/20.ogg", 9, Some("ogg"), Some(track(20))),
    ])
    .await
    .unwrap();
    mark_missing(&db, "/music/4.mp3").await;
    mark_missing(&db, "/music/5.mp3").await;

    let (statements, stats) = counted(&db, db.library_stats()).await;
    assert!(statements <= 4, "{statements} statements");
    assert_eq!(
        stats.unwrap(),
        LibraryStats {
            artists: 30 / 8 + 1,
            albums: 3,
            tracks: 30,
            playlists: 2,
            wanted_tracks: 15 - 3,
            files: FileStats {
                present: 5,
                missing: 2,
                broken: 1,
                present_bytes: 100 + 200 + 50 + 7 + 9,
            },
            formats: vec![
                FormatStats {
                    format: Some("flac".into()),
                    files: 2,
                    bytes: 300,
                },
                FormatStats {
                    format: Some("mp3".into()),
                    files: 1,
                    bytes: 50,
                },
                FormatStats {
                    format: Some("ogg".into()),
                    files: 1,
                    bytes: 9,
                },
                FormatStats {
                    format: None,
                    files: 1,
                    bytes: 7,
                },
            ],
        }
    );
}

/// 255 tracks in three groups shaped so that every filter selects either 200 tracks (big), 50
/// (medium) or 5 (small): one album, one credited artist, one ISRC per group; the big group has
/// present files, the small one none.
fn grouped_batch() -> (CatalogBatch, [std::ops::Range<usize>; 3]) {
    let groups = [0..200, 200..250, 250..255];
    let mut batch = catalog_batch(25, 0, 255);
    let isrcs = ["QZBIG2600001", "QZMED2600002", "QZSML2600003"];
    for (group, range) in groups.iter().enumerate() {
        for track in &mut batch.tracks[range.clone()] {
            track.album = Some(group);
            track.artists.retain(|artist| *artist > 2);
            track.artists.insert(0, group);
            track.isrc = Some(Isrc::parse(isrcs[group]).unwrap());
        }
    }
    (batch, groups)
}

pub async fn reads_take_constant_statements(db: Database) {
    let (empty_stats, _) = counted(&db, db.library_stats()).await;
    let (batch, [big, medium, small]) = grouped_batch();
    let catalog = db.upsert_catalog(batch).await.unwrap();
    let files: Vec<NewLibraryFile> = big
        .clone()
        .chain(medium)
        .map(|index| {
            file(
                &format!("/music/{index}.flac"),
                1_000,
                Some("flac"),
                Some(catalog.tracks[index]),
            )
        })
        .collect();
    db.upsert_files(files).await.unwrap();
    let playlist = db.upsert_playlist(playlist("All", 1)).await.unwrap();
    db.replace_entries(
        playlist.id,
        catalog.tracks.iter().map(|id| (*id, None)).collect(),
    )
    .await
    .unwrap();

    let group =
        |range: &std::ops::Range<usize>| -> Vec<TrackId> { catalog.tracks[range.clone()].to_vec() };
    let by = |group: usize| -> (TrackFilter, TrackFilter, TrackFilter) {
        let isrc = ["QZBIG2600001", "QZMED2600002", "QZSML2600003"][group];
        (
            TrackFilter {
                album_id: Some(catalog.albums[group]),
                ..TrackFilter::default()
            },
            TrackFilter {
                artist_id: Some(catalog.artists[group]),
                ..TrackFilter::default()
            },
            TrackFilter {
                isrc: Some(Isrc::parse(isrc).unwrap()),
                ..TrackFilter::default()
            },
        )
    };
    let (big_album, big_artist, big_isrc) = by(0);
    let (small_album, small_artist, small_isrc) = by(2);
    let with_files = TrackFilter {
        has_library_file: Some(true),
        ..TrackFilter::default()
    };
    let without_files = TrackFilter {
        has_library_file: Some(false),
        ..TrackFilter::default()
    };
    // (what, filter selecting 200+ rows, filter selecting 5 rows, small page size, big rows).
    let cases = [
        (
            "no filter",
            TrackFilter::default(),
            TrackFilter::default(),
            5,
            None,
        ),
        ("album", big_album, small_album, 200, Some(big.clone())),
        ("artist", big_artist, small_artist, 200, Some(big.clone())),
        ("isrc", big_isrc, small_isrc, 200, Some(big.clone())),
        ("has_library_file", with_files, without_files, 200, None),
    ];
    let mut report = Vec::new();
    for (name, large_filter, small_filter, small_limit, expected) in cases {
        let (large_count, large) = counted(
            &db,
            db.list_tracks(large_filter, ListOrder::Added, PageRequest::first(200)),
        )
        .await;
        let large = large.unwrap();
        assert_eq!(large.items.len(), 200, "{name}");
        // The groups hold exactly 200 tracks; the other filters select more.
        assert_eq!(large.next.is_none(), expected.is_some(), "{name}");
        if let Some(expected) = &expected {
            assert_eq!(ids(&large.items), group(expected), "{name}");
        }
        let (small_count, small_page) = counted(
            &db,
            db.list_tracks(
                small_filter,
                ListOrder::Added,
                PageRequest::first(small_limit),
            ),
        )
        .await;
        assert_eq!(small_page.unwrap().items.len(), 5, "{name}");
        assert!(large_count <= 3, "{name}: {large_count} statements");
        assert_eq!(large_count, small_count, "{name}: 200 rows and 5 rows");
        report.push(format!("list_tracks[{name}]={large_count}"));
    }

    let (album_large, tracks) = counted(&db, db.album_tracks(catalog.albums[0])).await;
    assert_eq!(tracks.unwrap().len(), 200);
    let (album_medium, tracks) = counted(&db, db.album_tracks(catalog.albums[1])).await;
    assert_eq!(tracks.unwrap().len(), 50);
    let (album_small, tracks) = counted(&db, db.album_tracks(catalog.albums[2])).await;
    // Generated track numbers restart every 12 tracks: the album order is not the id order.
    let mut small_ids = ids(&tracks.unwrap());
    small_ids.sort();
    assert_eq!(small_ids, group(&small));
    assert!(album_medium <= 2, "album_tracks took {album_medium}");
    assert_eq!(album_large, album_small);
    assert_eq!(album_medium, album_small);
    report.push(format!("album_tracks={album_medium}"));

    let (artist_large, albums) = counted(&db, db.albums_of_artist(catalog.artists[0])).await;
    assert!(albums.unwrap().iter().any(|a| a.id == catalog.albums[0]));
    let (artist_small, _) = counted(&db, db.albums_of_artist(catalog.artists[2])).await;
    assert_eq!((artist_large, artist_small), (1, 1));
    report.push(format!("albums_of_artist={artist_large}"));

    // Common words of the generated vocabulary match many rows; a rare one few.
    for query in ["moon", "night", "zzzz", "a"] {
        let (artists, found) = counted(&db, db.search_artists(query, 200)).await;
        found.unwrap();
        let (albums, found) = counted(&db, db.search_albums(query, 200)).await;
        found.unwrap();
        assert_eq!((artists, albums), (1, 1), "{query}");
    }
    report.push("search_artists=1 search_albums=1".into());

    let (files_large, files) = counted(&db, db.files_of_track(catalog.tracks[0])).await;
    assert_eq!(files.unwrap().len(), 1);
    let (files_none, files) = counted(&db, db.files_of_track(catalog.tracks[254])).await;
    assert!(files.unwrap().is_empty());
    assert_eq!((files_large, files_none), (1, 1));
    report.push(format!("files_of_track={files_large}"));

    let (stats_count, stats) = counted(&db, db.library_stats()).await;
    let stats = stats.unwrap();
    assert_eq!(stats.tracks, 255);
    assert_eq!(stats.wanted_tracks, 5);
    assert_eq!(stats.files.present, 250);
    assert!(stats_count <= 4, "library_stats took {stats_count}");
    assert_eq!(stats_count, empty_stats, "an empty and a full library");
    report.push(format!("library_stats={stats_count}"));

    let (details_count, details) = counted(&db, db.tracks_details(group(&big))).await;
    assert_eq!(details.unwrap().len(), 200);
    report.push(format!("tracks_details={details_count}"));
    eprintln!("statements ({:?}): {}", db.backend(), report.join(" "));
}

/// Name order: pages of one row walk every artist exactly once, ties (equal normalised names)
/// broken by id; newest-first walks ids downwards.
pub async fn name_order_walks_ties_once(db: Database) {
    use soulspot_domain::OrderedKey;
    let names = ["Zoë", "abba", "ABBA", "Ábba", "beta", "zoe", "Beta Band"];
    let batch = CatalogBatch {
        // Each its own Spotify artist: names alike are one artist only without identifiers.
        artists: names
            .iter()
            .zip(1..)
            .map(|(name, number)| NewArtist {
                name: (*name).to_owned(),
                sort_name: None,
                spotify_id: Some(soulspot_testkit::catalog::spotify_id(1, number)),
                mbid: None,
            })
            .collect(),
        albums: Vec::new(),
        tracks: Vec::new(),
    };
    db.upsert_catalog(batch).await.unwrap();
    for (order, size) in [
        (ListOrder::Name, 1),
        (ListOrder::Name, 3),
        (ListOrder::AddedDescending, 2),
    ] {
        let mut seen: Vec<(Option<String>, i64)> = Vec::new();
        let mut request = PageRequest::first(size);
        loop {
            let page = db.list_artists(order, request).await.unwrap();
            seen.extend(page.items.iter().map(|artist| (None, artist.id.0)));
            if let (Some(last), Some(next)) = (page.items.last(), &page.next) {
                assert_eq!(next.id, last.id);
                assert_eq!(next.name.is_some(), order == ListOrder::Name);
                if let Some(name) = &next.name {
                    seen.last_mut().unwrap().0 = Some(name.clone());
                }
            }
            match page.next {
                Some(next) => request = PageRequest::after(next, size),
                None => break,
            }
        }
        let ids: Vec<i64> = seen.iter().map(|(_, id)| *id).collect();
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{order:?}/{size}: {ids:?}");
        if order == ListOrder::AddedDescending {
            assert!(ids.windows(2).all(|pair| pair[0] > pair[1]));
        }
    }
    // Folded names: the three spellings of abba come first, in id order among themselves.
    let first = db
        .list_artists(ListOrder::Name, PageRequest::first(3))
        .await
        .unwrap();
    let mut first_names: Vec<&str> = first
        .items
        .iter()
        .map(|artist| artist.name.as_str())
        .collect();
    first_names.sort_unstable();
    assert_eq!(first_names, ["ABBA", "abba", "Ábba"]);
    assert!(
        first
            .items
            .windows(2)
            .all(|pair| pair[0].id.0 < pair[1].id.0)
    );
    let _ = OrderedKey::id(ArtistId(1));
}
