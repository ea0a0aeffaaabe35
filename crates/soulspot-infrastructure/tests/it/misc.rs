//! Contract of the smaller repositories: downloads, quality profiles, settings, library files,
//! migrations. (Jobs have their own module.)

use chrono::{Duration, Utc};
use soulspot_domain::ports::{
    CatalogRepository, DownloadRepository, LibraryFileRepository, QualityProfileRepository,
    SettingsRepository,
};
use soulspot_domain::{
    AudioFormat, AudioProperties, DownloadEvent, DownloadState, NewLibraryFile, PageRequest,
    QualityRules, RepositoryError, TrackDuration, TrackId,
};
use soulspot_infrastructure::Database;
use soulspot_testkit::catalog::catalog_batch;

pub async fn downloads_state_machine(db: Database) {
    let ids = db.upsert_catalog(catalog_batch(5, 0, 3)).await.unwrap();
    let download = db.create_download(ids.tracks[0], 0).await.unwrap();
    assert_eq!(download.state, DownloadState::Wanted);
    let again = db.create_download(ids.tracks[0], 5).await.unwrap_err();
    assert!(
        matches!(again, RepositoryError::Conflict(_)),
        "one active download per track: {again:?}"
    );
    let missing = db.create_download(TrackId(i64::MAX), 0).await.unwrap_err();
    assert!(
        matches!(missing, RepositoryError::NotFound { .. }),
        "{missing:?}"
    );

    let searching = db
        .apply_download_event(download.id, DownloadEvent::SearchStarted, None)
        .await
        .unwrap();
    assert_eq!(searching.state, DownloadState::Searching);
    assert_eq!(searching.attempts, 1);
    let refused = db
        .apply_download_event(download.id, DownloadEvent::ImportSucceeded, None)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, RepositoryError::Conflict(_)),
        "{refused:?}"
    );
    let failed = db
        .apply_download_event(
            download.id,
            DownloadEvent::NoCandidateLeft,
            Some("no results".into()),
        )
        .await
        .unwrap();
    assert_eq!(failed.state, DownloadState::Failed);
    assert_eq!(failed.error.as_deref(), Some("no results"));
    // A failed download is no longer active: the track may get a new one.
    db.create_download(ids.tracks[0], 0).await.unwrap();
    let listed = db.list_downloads(PageRequest::first(10)).await.unwrap();
    assert_eq!(listed.items.len(), 2);
    assert_eq!(
        db.download(download.id).await.unwrap().state,
        DownloadState::Failed
    );
}

pub async fn downloads_next_wanted_by_priority(db: Database) {
    let ids = db.upsert_catalog(catalog_batch(6, 0, 4)).await.unwrap();
    let low = db.create_download(ids.tracks[0], 0).await.unwrap();
    let high = db.create_download(ids.tracks[1], 10).await.unwrap();
    let low_later = db.create_download(ids.tracks[2], 0).await.unwrap();
    let started = db.create_download(ids.tracks[3], 99).await.unwrap();
    db.apply_download_event(started.id, DownloadEvent::SearchStarted, None)
        .await
        .unwrap();
    let now = Utc::now().naive_utc() + Duration::seconds(1);
    let next = db.next_wanted(now, 10).await.unwrap();
    assert_eq!(
        next.iter().map(|download| download.id).collect::<Vec<_>>(),
        vec![high.id, low.id, low_later.id]
    );
    assert_eq!(db.next_wanted(now, 1).await.unwrap().len(), 1);
}

fn rules(name: &str) -> QualityRules {
    QualityRules {
        name: name.into(),
        formats: vec![AudioFormat::Flac, AudioFormat::Mp3],
        min_bitrate_kbps: Some(256),
        max_bitrate_kbps: None,
        min_size_bytes: None,
        max_size_bytes: Some(200_000_000),
        duration_tolerance: TrackDuration::from_millis(3_000).unwrap(),
        excluded_terms: vec!["live".into(), "karaoke".into()],
    }
}

pub async fn quality_profiles(db: Database) {
    let lossless = db.create_profile(rules("Lossless")).await.unwrap();
    let any = db.create_profile(rules("Anything")).await.unwrap();
    assert_eq!(lossless.rules, rules("Lossless"));
    let duplicate = db.create_profile(rules("Lossless")).await.unwrap_err();
    assert!(
        matches!(duplicate, RepositoryError::Conflict(_)),
        "{duplicate:?}"
    );
    assert!(db.active_profile().await.unwrap().is_none());

    db.activate_profile(lossless.id).await.unwrap();
    db.activate_profile(any.id).await.unwrap();
    let active = db.active_profile().await.unwrap().unwrap();
    assert_eq!(active.id, any.id, "activating one deactivates the other");
    let all = db.list_profiles().await.unwrap();
    assert_eq!(all.iter().filter(|profile| profile.active).count(), 1);
    assert_eq!(all[0].rules.name, "Anything", "listed by name");

    let refused = db.delete_profile(any.id).await.unwrap_err();
    assert!(
        matches!(refused, RepositoryError::Conflict(_)),
        "{refused:?}"
    );
    let mut changed = rules("Lossless only");
    changed.formats = vec![AudioFormat::Flac];
    let updated = db
        .update_profile(lossless.id, changed.clone())
        .await
        .unwrap();
    assert_eq!(updated.rules, changed);
    db.delete_profile(lossless.id).await.unwrap();
    let gone = db.profile(lossless.id).await.unwrap_err();
    assert!(matches!(gone, RepositoryError::NotFound { .. }), "{gone:?}");
}

pub async fn settings_round_trip(db: Database) {
    assert_eq!(db.setting("library.naming").await.unwrap(), None);
    db.put_setting("library.naming", r#""{artist}/{album}""#)
        .await
        .unwrap();
    db.put_setting("library.naming", r#""{album_artist}/{album}""#)
        .await
        .unwrap();
    db.put_setting("downloads.parallel", "3").await.unwrap();
    assert_eq!(
        db.setting("library.naming").await.unwrap().as_deref(),
        Some(r#""{album_artist}/{album}""#)
    );
    let all = db.all_settings().await.unwrap();
    assert_eq!(
        all.iter().map(|(key, _)| key.as_str()).collect::<Vec<_>>(),
        ["downloads.parallel", "library.naming"]
    );
}

pub async fn library_files_upsert_by_path(db: Database) {
    let ids = db.upsert_catalog(catalog_batch(8, 0, 2)).await.unwrap();
    let file = |path: &str, size: i64, track: Option<TrackId>| NewLibraryFile {
        path: path.into(),
        folder_id: None,
        size_bytes: size,
        modified_at: None,
        audio: AudioProperties {
            format: Some("flac".into()),
            codec: Some("FLAC".into()),
            bitrate_kbps: Some(900),
            sample_rate_hz: Some(44_100),
            bit_depth: Some(16),
            channels: Some(2),
            duration: TrackDuration::from_millis(201_000).ok(),
        },
        track_id: track,
        tags_json: Some(r#"{"title":"  Spaced  Title "}"#.into()),
        broken_reason: None,
    };
    let first = db
        .upsert_files(vec![
            file("/music/a/01.flac", 10, Some(ids.tracks[0])),
            file("/music/a/02.flac", 20, None),
        ])
        .await
        .unwrap();
    let again = db
        .upsert_files(vec![file("/music/a/02.flac", 21, Some(ids.tracks[1]))])
        .await
        .unwrap();
    assert_eq!(again[0], first[1], "a known path keeps its id");
    let stored = db.file_by_path("/music/a/02.flac").await.unwrap().unwrap();
    assert_eq!(stored.size_bytes, 21);
    assert_eq!(stored.track_id, Some(ids.tracks[1]));
    assert_eq!(
        stored.tags_json.as_deref(),
        Some(r#"{"title":"  Spaced  Title "}"#),
        "stored exactly"
    );
    assert!(db.file_by_path("/music/none.flac").await.unwrap().is_none());
    assert_eq!(
        db.file(first[0]).await.unwrap().audio.sample_rate_hz,
        Some(44_100)
    );
    assert!(
        db.track_details(ids.tracks[0])
            .await
            .unwrap()
            .has_library_file
    );
    assert_eq!(
        db.list_files(PageRequest::first(10))
            .await
            .unwrap()
            .items
            .len(),
        2
    );
}

pub async fn migrations_are_current_and_idempotent(db: Database) {
    assert!(db.pending_migrations().await.unwrap().is_empty());
    assert!(
        db.run_pending_migrations().await.unwrap().is_empty(),
        "a second run applies nothing"
    );
}
