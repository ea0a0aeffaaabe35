//! Contract of the record-keeping repositories: download candidates, the blocklist, library
//! folders, sealed secrets and OAuth tokens.

use chrono::{Duration, Timelike, Utc};
use soulspot_domain::ports::{
    BlocklistRepository, CatalogRepository, DownloadCandidateRepository, DownloadRepository,
    LibraryFolderRepository, SecretRepository,
};
use soulspot_domain::{
    BlockRule, BlocklistEntryId, CandidateFile, CandidateVerdict, DownloadId, NewDownloadCandidate,
    RepositoryError, SealedSecret, StoredOAuthToken, TrackDuration,
};
use soulspot_infrastructure::Database;
use soulspot_testkit::catalog::catalog_batch;

fn candidate(
    user: &str,
    rank: Option<i32>,
    verdict: CandidateVerdict,
    reasons: &[&str],
) -> NewDownloadCandidate {
    NewDownloadCandidate {
        file: CandidateFile {
            username: user.into(),
            filename: format!("@@music\\{user}\\Artist\\Album\\01 - Title.flac"),
            size_bytes: 31_000_000,
            format: Some("flac".into()),
            bitrate_kbps: None,
            sample_rate_hz: Some(44_100),
            bit_depth: Some(16),
            length: TrackDuration::from_millis(201_000).ok(),
            upload_speed: Some(2_500_000),
            queue_length: Some(0),
            has_free_slot: Some(true),
        },
        rank,
        verdict,
        reasons: reasons.iter().map(|reason| (*reason).to_owned()).collect(),
    }
}

pub async fn download_candidates(db: Database) {
    let ids = db.upsert_catalog(catalog_batch(9, 0, 1)).await.unwrap();
    let download = db.create_download(ids.tracks[0], 0).await.unwrap();
    let first = db
        .replace_candidates(
            download.id,
            vec![
                candidate(
                    "rejected",
                    None,
                    CandidateVerdict::Rejected,
                    &["duration off by 41 s"],
                ),
                candidate(
                    "second",
                    Some(2),
                    CandidateVerdict::Fallback,
                    &["queue 0", "lossless"],
                ),
                candidate(
                    "best",
                    Some(1),
                    CandidateVerdict::Chosen,
                    &["lossless", "free slot"],
                ),
            ],
        )
        .await
        .unwrap();
    let order: Vec<&str> = first.iter().map(|c| c.file.username.as_str()).collect();
    assert_eq!(
        order,
        ["best", "second", "rejected"],
        "ranked first, rejected last"
    );
    assert_eq!(first[2].reasons, ["duration off by 41 s"]);
    assert_eq!(
        first[0].file.filename, "@@music\\best\\Artist\\Album\\01 - Title.flac",
        "kept verbatim"
    );

    // A new search replaces the ranking.
    let second = db
        .replace_candidates(
            download.id,
            vec![candidate("other", Some(1), CandidateVerdict::Chosen, &[])],
        )
        .await
        .unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(db.candidates(download.id).await.unwrap(), second);
    let missing = db
        .replace_candidates(DownloadId(i64::MAX), vec![])
        .await
        .unwrap_err();
    assert!(
        matches!(missing, RepositoryError::NotFound { .. }),
        "{missing:?}"
    );
}

pub async fn blocklist(db: Database) {
    let now = Utc::now().naive_utc();
    let forever = db
        .add_block(
            BlockRule::new(Some("leecher"), None).unwrap(),
            "never finishes",
            None,
        )
        .await
        .unwrap();
    let expired = db
        .add_block(
            BlockRule::new(None, Some("karaoke")).unwrap(),
            "not wanted",
            Some(now - Duration::hours(1)),
        )
        .await
        .unwrap();
    let later = db
        .add_block(
            BlockRule::new(Some("slow"), Some("live")).unwrap(),
            "bad rips",
            Some(now + Duration::days(7)),
        )
        .await
        .unwrap();
    let active = db.active_blocks(now).await.unwrap();
    assert_eq!(
        active.iter().map(|entry| entry.id).collect::<Vec<_>>(),
        vec![forever.id, later.id]
    );
    assert!(active[1].rule.matches("slow", "Live in Paris.flac"));
    assert!(
        !active.iter().any(|entry| entry.id == expired.id),
        "expired entries are not in force"
    );
    db.remove_block(forever.id).await.unwrap();
    let missing = db
        .remove_block(BlocklistEntryId(i64::MAX))
        .await
        .unwrap_err();
    assert!(
        matches!(missing, RepositoryError::NotFound { .. }),
        "{missing:?}"
    );
    let blank = db
        .add_block(BlockRule::new(Some("x"), None).unwrap(), "  ", None)
        .await
        .unwrap_err();
    assert!(
        matches!(blank, RepositoryError::InvalidData(_)),
        "{blank:?}"
    );
    assert_eq!(db.active_blocks(now).await.unwrap().len(), 1);
}

pub async fn library_folders(db: Database) {
    let now = Utc::now().naive_utc().with_nanosecond(0).unwrap();
    assert!(
        db.folder_by_path("/music/Artist/Album")
            .await
            .unwrap()
            .is_none()
    );
    let first = db
        .upsert_folder("/music/Artist/Album", Some("hash-1"), now)
        .await
        .unwrap();
    let second = db
        .upsert_folder("/music/Artist/Album", Some("hash-2"), now)
        .await
        .unwrap();
    assert_eq!(first.id, second.id, "matched on path");
    let stored = db
        .folder_by_path("/music/Artist/Album")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.content_hash.as_deref(), Some("hash-2"));
    assert_eq!(stored.scanned_at, Some(now));
}

pub async fn sealed_secrets(db: Database) {
    let sealed = |byte: u8| SealedSecret {
        nonce: vec![byte; 12],
        ciphertext: vec![byte, 0, 255, byte],
    };
    assert!(db.secret("slskd.api_key").await.unwrap().is_none());
    db.put_secret("slskd.api_key", sealed(1)).await.unwrap();
    db.put_secret("slskd.api_key", sealed(2)).await.unwrap();
    assert_eq!(
        db.secret("slskd.api_key").await.unwrap().unwrap().sealed,
        sealed(2),
        "bytes survive exactly"
    );
    assert!(db.delete_secret("slskd.api_key").await.unwrap());
    assert!(!db.delete_secret("slskd.api_key").await.unwrap());

    let token = |byte: u8, refresh: bool| StoredOAuthToken {
        provider: "spotify".into(),
        access_token: sealed(byte),
        refresh_token: refresh.then(|| sealed(byte + 1)),
        expires_at: None,
        scopes: "playlist-read-private user-library-read".into(),
        updated_at: Utc::now().naive_utc(),
    };
    db.put_oauth_token(token(5, true)).await.unwrap();
    db.put_oauth_token(token(7, false)).await.unwrap();
    let stored = db.oauth_token("spotify").await.unwrap().unwrap();
    assert_eq!(stored.access_token, sealed(7));
    assert_eq!(stored.refresh_token, None);
    assert_eq!(stored.scopes, "playlist-read-private user-library-read");
    assert!(db.delete_oauth_token("spotify").await.unwrap());
    assert!(db.oauth_token("spotify").await.unwrap().is_none());
}
