//! Playlist contract, including the statement-count proof: a page and a whole 10,000-entry
//! playlist load in a constant number of statements.

use soulspot_domain::ports::{CatalogRepository, PlaylistRepository};
use soulspot_domain::{NewPlaylist, PageRequest, PlaylistId, RepositoryError, TrackId};
use soulspot_infrastructure::Database;
use soulspot_testkit::catalog::{catalog_batch, spotify_id};

fn playlist(name: &str, number: u64) -> NewPlaylist {
    NewPlaylist {
        name: name.into(),
        description: None,
        spotify_id: Some(spotify_id(4, number)),
        snapshot_id: Some("snap-1".into()),
        owner: Some("me".into()),
        is_liked_songs: false,
        sync_enabled: true,
    }
}

pub async fn entries_in_constant_statements(db: Database) {
    let ids = db
        .upsert_catalog(catalog_batch(11, 0, 10_000))
        .await
        .unwrap();
    let playlist = db
        .upsert_playlist(playlist("Ten thousand", 1))
        .await
        .unwrap();
    let entries = ids.tracks.iter().map(|id| (*id, None)).collect();
    db.replace_entries(playlist.id, entries).await.unwrap();

    let counter = db.statement_counter().clone();
    let before = counter.get();
    let all = db.all_entries(playlist.id).await.unwrap();
    let whole_load = counter.get() - before;
    assert_eq!(all.len(), 10_000);
    assert!(
        whole_load <= 3,
        "loading 10,000 entries took {whole_load} statements"
    );
    assert!(
        all.iter()
            .all(|entry| !entry.track.artists.is_empty() && entry.track.album.is_some())
    );
    assert!(
        all.windows(2)
            .all(|pair| pair[0].position + 1 == pair[1].position)
    );
    let credits: usize = all.iter().map(|entry| entry.track.artists.len()).sum();
    assert!(
        credits > 10_000,
        "tracks carry 1-3 artists ({credits} credits)"
    );

    for (after, limit) in [
        (None, 500),
        (Some(4_999), 500),
        (Some(9_990), 500),
        (Some(20), 1),
    ] {
        let request = match after {
            Some(after) => PageRequest::after(after, limit),
            None => PageRequest::first(limit),
        };
        let before = counter.get();
        let page = db.entries_page(playlist.id, request).await.unwrap();
        let statements = counter.get() - before;
        assert!(statements <= 3, "a page took {statements} statements");
        let first = after.map_or(0, |after| after + 1);
        assert_eq!(page.items.first().map(|entry| entry.position), Some(first));
        assert_eq!(
            page.items.first().map(|entry| &entry.track),
            all.get(first as usize).map(|entry| &entry.track)
        );
    }
    let last = db
        .entries_page(playlist.id, PageRequest::after(9_990, 500))
        .await
        .unwrap();
    assert_eq!(last.items.len(), 9);
    assert_eq!(last.next, None);
}

pub async fn upsert_and_replace(db: Database) {
    let ids = db.upsert_catalog(catalog_batch(3, 0, 5)).await.unwrap();
    let created = db.upsert_playlist(playlist("Road trip", 7)).await.unwrap();
    let mut renamed = playlist("Road trip 2026", 7);
    renamed.snapshot_id = Some("snap-2".into());
    let updated = db.upsert_playlist(renamed).await.unwrap();
    assert_eq!(created.id, updated.id, "matched on Spotify id");
    assert_eq!(updated.name, "Road trip 2026");
    assert_eq!(updated.snapshot_id.as_deref(), Some("snap-2"));

    // The same track twice is allowed; order is kept.
    let order = vec![ids.tracks[2], ids.tracks[0], ids.tracks[2]];
    db.replace_entries(created.id, order.iter().map(|id| (*id, None)).collect())
        .await
        .unwrap();
    let entries = db.all_entries(created.id).await.unwrap();
    assert_eq!(
        entries
            .iter()
            .map(|entry| entry.track.track.id)
            .collect::<Vec<_>>(),
        order
    );
    assert_eq!(db.playlist(created.id).await.unwrap().entry_count, 3);

    // A failed replace (unknown track) keeps the previous entries.
    let error = db
        .replace_entries(
            created.id,
            vec![(ids.tracks[1], None), (TrackId(i64::MAX), None)],
        )
        .await
        .unwrap_err();
    assert!(matches!(error, RepositoryError::Conflict(_)), "{error:?}");
    assert_eq!(db.all_entries(created.id).await.unwrap().len(), 3);

    let missing = db
        .replace_entries(PlaylistId(i64::MAX), vec![])
        .await
        .unwrap_err();
    assert!(
        matches!(missing, RepositoryError::NotFound { .. }),
        "{missing:?}"
    );
    assert!(
        db.all_entries(PlaylistId(i64::MAX))
            .await
            .unwrap()
            .is_empty()
    );
    let listed = db.list_playlists(PageRequest::first(10)).await.unwrap();
    assert_eq!(listed.items.len(), 1);
}
