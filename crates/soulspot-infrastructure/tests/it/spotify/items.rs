//! Reading the library: playlists and Liked Songs across pages, a 1,000-item playlist in order,
//! every kind of playlist item typed whichever field name carries it, a foreign playlist's items
//! refused (its metadata still read), and an access token that expires in the middle of paging.

use chrono::{TimeZone as _, Utc};
use soulspot_domain::TrackDuration;
use soulspot_domain::upstream::spotify::{
    SpotifyEpisode, SpotifyFailure, SpotifyLibrary as _, SpotifyLocalFile, SpotifyPlaylistEntry,
    SpotifyPlaylistItem, SpotifyReleaseDate,
};
use soulspot_testkit::fake::spotify::{ApiMode, PlaylistEntry, SpotifyPlaylist};

use super::{
    EPISODE, FOREIGN_PLAYLIST, MIXED_PLAYLIST, RefreshingSession, TRACK, UNPLAYABLE_TRACK,
    alice_library, api_requests, id, library, started, token_requests,
};

fn track_id(entry: &SpotifyPlaylistEntry) -> Option<&str> {
    match &entry.item {
        SpotifyPlaylistItem::Track(track) => Some(track.id.as_str()),
        _ => None,
    }
}

#[tokio::test]
async fn a_thousand_item_playlist_is_read_in_order_with_every_kind_of_item_typed() {
    let spotify = started().await;
    let generated = spotify.fake.generate_playlist("alice", "Big", 7, 997);
    let playlist = &generated.playlist_id;
    spotify.fake.add_playlist_entries(
        playlist,
        Some(10),
        vec![PlaylistEntry::local_file("Demo", "Band", "Tape", 61_000)],
    );
    spotify
        .fake
        .add_playlist_entries(playlist, Some(500), vec![PlaylistEntry::unavailable()]);
    spotify
        .fake
        .add_playlist_entries(playlist, None, vec![PlaylistEntry::episode(EPISODE)]);

    let entries = alice_library(&spotify)
        .playlist_items(&id(playlist))
        .await
        .unwrap();
    assert_eq!(entries.len(), 1_000);
    let mut expected_tracks = generated.track_ids.iter();
    for (position, entry) in entries.iter().enumerate() {
        match (position, &entry.item) {
            (10, SpotifyPlaylistItem::LocalFile(file)) => assert_eq!(file.name, "Demo"),
            (500, SpotifyPlaylistItem::Unavailable) => {}
            (999, SpotifyPlaylistItem::Episode(episode)) => {
                assert_eq!(episode.id.as_str(), EPISODE);
            }
            (_, SpotifyPlaylistItem::Track(track)) => {
                assert_eq!(
                    Some(track.id.as_str()),
                    expected_tracks.next().map(String::as_str),
                    "position {position}"
                );
                assert!(track.isrc.is_some(), "position {position}");
                assert!(track.duration.is_some());
                assert_eq!(track.is_playable, Some(true));
                assert!(!track.artists.is_empty());
                let album = track.album.as_ref().unwrap();
                assert!(album.id.is_some() && album.release_date.is_some());
                assert_eq!(album.images.len(), 3);
            }
            (position, item) => panic!("position {position}: unexpected {item:?}"),
        }
        assert!(entry.added_at.is_some() && entry.added_by.as_deref() == Some("alice"));
    }
    assert_eq!(expected_tracks.next(), None);
    let tracks_added_at: Vec<_> = entries
        .iter()
        .filter(|entry| track_id(entry).is_some())
        .map(|entry| entry.added_at)
        .collect();
    assert!(
        tracks_added_at.is_sorted(),
        "the generated tracks were added in playlist order"
    );

    let pages = api_requests(&spotify, &format!("/playlists/{playlist}/items"));
    assert_eq!(pages.len(), 20, "50 items per page");
    for page in &pages {
        for parameter in ["limit=50", "additional_types=track", "fields=", "market="] {
            assert!(
                page.query.contains(parameter),
                "{parameter}: {}",
                page.query
            );
        }
    }
}

#[tokio::test]
async fn items_read_the_same_whether_spotify_names_them_item_track_or_both() {
    let spotify = started().await;
    let library = alice_library(&spotify);
    let both = library.playlist_items(&id(MIXED_PLAYLIST)).await.unwrap();

    let [track, local, unavailable, unplayable, episode] = both.as_slice() else {
        panic!("{both:?}");
    };
    let SpotifyPlaylistItem::Track(track) = &track.item else {
        panic!("{track:?}");
    };
    assert_eq!(track.id.as_str(), TRACK);
    assert_eq!(track.name, "Subterranean Homesick Alien");
    assert_eq!(track.isrc.as_ref().unwrap().as_str(), "GBAYE9700148");
    assert_eq!(
        track.duration,
        Some(TrackDuration::from_millis(284_000).unwrap())
    );
    assert_eq!((track.disc_number, track.track_number), (Some(1), Some(3)));
    assert_eq!(track.artists[0].name, "Radiohead");
    let album = track.album.as_ref().unwrap();
    assert_eq!(album.name, "OK Computer");
    assert_eq!(album.release_date, SpotifyReleaseDate::parse("2020-05-01"));
    assert_eq!(
        local.item,
        SpotifyPlaylistItem::LocalFile(SpotifyLocalFile {
            name: "Home Demo".to_owned(),
            artist: Some("My Band".to_owned()),
            album: Some("Tapes".to_owned()),
            duration: Some(TrackDuration::from_millis(125_400).unwrap()),
            uri: Some("spotify:local:My+Band:Tapes:Home+Demo:125".to_owned()),
        })
    );
    assert_eq!(unavailable.item, SpotifyPlaylistItem::Unavailable);
    assert!(matches!(&unplayable.item, SpotifyPlaylistItem::Track(track)
            if track.id.as_str() == UNPLAYABLE_TRACK && track.is_playable == Some(false)));
    assert_eq!(
        episode.item,
        SpotifyPlaylistItem::Episode(SpotifyEpisode {
            id: id(EPISODE),
            name: "Episode One".to_owned(),
            show_name: Some("A Show".to_owned()),
            duration: Some(TrackDuration::from_millis(1_800_000).unwrap()),
        })
    );

    spotify.fake.set_deprecated_track_field(false);
    let item_only = library.playlist_items(&id(MIXED_PLAYLIST)).await.unwrap();
    assert_eq!(item_only, both);

    spotify.fake.set_api_mode(ApiMode::ExtendedQuota);
    spotify.fake.set_playlist_items_max_limit(100);
    let track_only = library.playlist_items(&id(MIXED_PLAYLIST)).await.unwrap();
    assert_eq!(track_only, both);
}

#[tokio::test]
async fn a_foreign_playlists_items_are_a_typed_refusal_while_its_metadata_reads() {
    let spotify = started().await;
    let library = alice_library(&spotify);
    let refused = library.playlist_items(&id(FOREIGN_PLAYLIST)).await;
    assert_eq!(
        refused,
        Err(SpotifyFailure::PlaylistItemsForbidden {
            playlist_id: id(FOREIGN_PLAYLIST)
        })
    );

    let foreign = library.playlist(&id(FOREIGN_PLAYLIST)).await.unwrap();
    assert_eq!(foreign.name, "Bob's mix");
    assert_eq!(foreign.owner.id, "bob");
    assert_eq!(foreign.owner.display_name.as_deref(), Some("Bob"));
    assert_eq!(foreign.item_count, 1);
    assert_eq!(
        foreign.snapshot_id,
        spotify.fake.snapshot_id(FOREIGN_PLAYLIST)
    );
    let metadata_request = api_requests(&spotify, &format!("/playlists/{FOREIGN_PLAYLIST}"))
        .into_iter()
        .find(|request| request.path == format!("/v1/playlists/{FOREIGN_PLAYLIST}"))
        .unwrap();
    assert!(metadata_request.query.contains("fields=id%2Cname"));

    let missing = id("zzzzzzzzzzzzzzzzzzzzzz");
    assert_eq!(
        library.playlist(&missing).await,
        Err(SpotifyFailure::PlaylistNotFound {
            playlist_id: missing.clone()
        })
    );
    assert_eq!(
        library.playlist_items(&missing).await,
        Err(SpotifyFailure::PlaylistNotFound {
            playlist_id: missing
        })
    );

    let changed =
        spotify
            .fake
            .add_playlist_entries(MIXED_PLAYLIST, None, vec![PlaylistEntry::track(TRACK)]);
    let mine = library.playlist(&id(MIXED_PLAYLIST)).await.unwrap();
    assert_eq!(mine.snapshot_id, changed);
    assert_eq!(mine.item_count, 6);
}

#[tokio::test]
async fn playlists_and_liked_songs_are_read_across_every_page() {
    let spotify = started().await;
    for number in 0..60 {
        spotify.fake.add_playlist(SpotifyPlaylist {
            public: number % 2 == 0,
            ..SpotifyPlaylist::new(
                &format!("{number:0>22}"),
                &format!("List {number}"),
                "alice",
            )
        });
    }
    let liked = spotify.fake.generate_catalog(3, 0, 120);
    let liked_ids: Vec<&str> = liked.iter().map(String::as_str).collect();
    spotify.fake.like_tracks("alice", &liked_ids);
    let library = alice_library(&spotify);

    let playlists = library.playlists().await.unwrap();
    assert_eq!(playlists.len(), 62);
    assert_eq!(playlists[0].id.as_str(), MIXED_PLAYLIST);
    assert_eq!(playlists[0].item_count, 5);
    assert_eq!(playlists[1].owner.id, "bob");
    assert_eq!(playlists[61].name, "List 59");
    assert_eq!(playlists[3].public, Some(false));
    assert_eq!(api_requests(&spotify, "/me/playlists").len(), 2);

    let songs = library.liked_songs().await.unwrap();
    let newest_first: Vec<&str> = liked_ids.iter().rev().copied().collect();
    assert_eq!(
        songs.iter().map(track_id).collect::<Vec<_>>(),
        newest_first.into_iter().map(Some).collect::<Vec<_>>()
    );
    assert!(songs.iter().all(|song| song.added_by.is_none()));
    assert!(songs[0].added_at > Some(Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()));
    assert_eq!(api_requests(&spotify, "/me/tracks").len(), 3);
}

#[tokio::test]
async fn an_access_token_expiring_mid_paging_is_refreshed_once_and_paging_goes_on() {
    let spotify = started().await;
    let generated = spotify.fake.generate_playlist("alice", "Long", 11, 500);
    let session = RefreshingSession::for_user(&spotify, "alice")
        .expiring_before_request(4, spotify.fake.clone());
    let library = library(&spotify, session);

    let entries = library
        .playlist_items(&id(&generated.playlist_id))
        .await
        .unwrap();
    let ids: Vec<Option<&str>> = entries.iter().map(track_id).collect();
    let expected: Vec<Option<&str>> = generated
        .track_ids
        .iter()
        .map(|id| Some(id.as_str()))
        .collect();
    assert_eq!(ids, expected);

    let pages = api_requests(&spotify, "/playlists/");
    assert_eq!(
        pages.len(),
        11,
        "10 pages and one repeated after the refresh"
    );
    assert_eq!(
        pages[3].query, pages[4].query,
        "the refused page is asked again"
    );
    assert_ne!(
        pages[3].header("authorization"),
        pages[4].header("authorization")
    );
    assert_eq!(library.session().refreshes(), 1);
    assert_eq!(token_requests(&spotify), 1);
}
