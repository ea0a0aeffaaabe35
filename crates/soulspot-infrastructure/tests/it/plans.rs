//! Query-plan proofs: the hot lookups use their indexes, never a full scan of tracks or downloads.
//! On PostgreSQL, sequential scans are discouraged while explaining (see `Database::query_plan`),
//! so a remaining `Seq Scan` means no index can serve the query.

use soulspot_infrastructure::{Backend, Database};

pub(crate) fn assert_uses_index(backend: Backend, what: &str, plan: &[String], table: &str) {
    let text = plan.join("\n");
    match backend {
        Backend::Sqlite => {
            assert!(
                !text.contains(&format!("SCAN {table}")),
                "{what}: full scan of {table}:\n{text}"
            );
            assert!(text.contains("INDEX"), "{what}: no index used:\n{text}");
        }
        Backend::Postgres => {
            assert!(
                !text.contains(&format!("Seq Scan on {table}")),
                "{what}: full scan of {table}:\n{text}"
            );
            assert!(
                text.contains("Index") || text.contains("Bitmap"),
                "{what}: no index used:\n{text}"
            );
        }
    }
}

pub async fn query_plans_use_indexes(db: Database) {
    let backend = db.backend();
    let by_isrc = db
        .query_plan("SELECT id FROM tracks WHERE isrc = 'GBAAA2400001'")
        .await
        .unwrap();
    assert_uses_index(backend, "track by ISRC", &by_isrc, "tracks");

    let by_spotify = db
        .query_plan("SELECT id FROM tracks WHERE spotify_id = '4uLU6hMCjMI75M1A2tKUQC'")
        .await
        .unwrap();
    assert_uses_index(backend, "track by Spotify id", &by_spotify, "tracks");

    // The same shape as DownloadRepository::next_wanted.
    let next = db
        .query_plan(
            "SELECT id FROM downloads WHERE state = 'wanted' \
             AND (next_attempt_at IS NULL OR next_attempt_at <= '2030-01-01 00:00:00') \
             ORDER BY priority DESC, created_at ASC, id ASC LIMIT 10",
        )
        .await
        .unwrap();
    assert_uses_index(backend, "next downloads by priority", &next, "downloads");
    if backend == Backend::Sqlite {
        assert!(
            !next.join("\n").contains("TEMP B-TREE"),
            "next downloads needs no sort:\n{next:?}"
        );
    }

    let search = match backend {
        Backend::Sqlite => db.query_plan("SELECT rowid FROM track_search WHERE track_search MATCH '\"moon\"*'").await,
        Backend::Postgres => {
            db.query_plan("SELECT track_id FROM track_search WHERE document @@ to_tsquery('simple', 'moon:*')").await
        }
    }
    .unwrap();
    match backend {
        Backend::Sqlite => assert!(
            search.join("\n").contains("VIRTUAL TABLE INDEX"),
            "{search:?}"
        ),
        Backend::Postgres => {
            assert_uses_index(backend, "full-text search", &search, "track_search")
        }
    }
}

/// The shapes of the browsing reads: each starts from an index on what it filters by, so its cost
/// follows the rows it returns, not the size of the catalogue.
pub async fn read_plans_use_indexes(db: Database) {
    let backend = db.backend();
    // list_tracks filtered by artist: the artist's credits from the page's start, in track order.
    let by_artist = db
        .query_plan(
            "SELECT tracks.id FROM tracks WHERE tracks.id > 10 AND tracks.id IN \
             (SELECT track_id FROM track_artists WHERE artist_id = 17 AND track_id > 10) \
             ORDER BY tracks.id LIMIT 201",
        )
        .await
        .unwrap();
    assert_uses_index(backend, "tracks by artist", &by_artist, "track_artists");
    if backend == Backend::Sqlite {
        let text = by_artist.join("\n");
        assert!(
            !text.contains("SCAN tracks") && !text.contains("rowid>?"),
            "tracks by artist must not walk the catalogue:\n{text}"
        );
    }

    let album_tracks = db
        .query_plan(
            "SELECT id FROM tracks WHERE album_id = 17 ORDER BY disc_number IS NULL, \
             disc_number, track_number IS NULL, track_number, id",
        )
        .await
        .unwrap();
    assert_uses_index(backend, "album tracks", &album_tracks, "tracks");

    let albums_of_artist = db
        .query_plan(
            "SELECT id FROM albums WHERE albums.id IN (SELECT id FROM albums a \
             WHERE a.album_artist_id = 17 UNION ALL SELECT tracks.album_id FROM track_artists \
             JOIN tracks ON tracks.id = track_artists.track_id WHERE track_artists.artist_id = 17) \
             ORDER BY year IS NULL, year, title, id",
        )
        .await
        .unwrap();
    assert_uses_index(backend, "albums of artist", &albums_of_artist, "albums");
    assert_uses_index(
        backend,
        "albums of artist",
        &albums_of_artist,
        "track_artists",
    );

    for table in ["artist_search", "album_search"] {
        let search = match backend {
            Backend::Sqlite => {
                db.query_plan(&format!(
                    "SELECT rowid FROM {table} WHERE {table} MATCH '\"moon\"*'"
                ))
                .await
            }
            Backend::Postgres => {
                db.query_plan(&format!(
                    "SELECT document FROM {table} WHERE document @@ to_tsquery('simple', 'moon:*')"
                ))
                .await
            }
        }
        .unwrap();
        match backend {
            Backend::Sqlite => assert!(
                search.join("\n").contains("VIRTUAL TABLE INDEX"),
                "{table}: {search:?}"
            ),
            Backend::Postgres => assert_uses_index(backend, table, &search, table),
        }
    }
}

/// A deep page in name order starts with an index seek on (normalised key, id), for every list.
pub async fn name_order_plans_use_indexes(db: Database) {
    let backend = db.backend();
    for (table, column) in [
        ("artists", "normalized_name"),
        ("albums", "normalized_title"),
        ("tracks", "normalized_title"),
    ] {
        let plan = db
            .query_plan(&format!(
                "SELECT id FROM {table} WHERE {column} >= 'm' AND ({column} > 'm' OR id > 5) \
                 ORDER BY {column}, id LIMIT 51"
            ))
            .await
            .unwrap();
        assert_uses_index(backend, &format!("{table} by name"), &plan, table);
        let text = plan.join("\n");
        match backend {
            // SQLite reads the index in order: no temporary b-tree to sort.
            Backend::Sqlite => assert!(
                !text.contains("TEMP B-TREE"),
                "{table}: sorts instead of reading in index order:\n{text}"
            ),
            // PostgreSQL's choice between an ordered index scan and bitmap + sort depends on the
            // table's statistics (empty here); what matters is that the composite index serves it.
            Backend::Postgres => assert!(
                text.contains("_order_idx"),
                "{table}: the (key, id) index is not used:\n{text}"
            ),
        }
    }
}

/// The job queue's statements: claiming reads the runnable jobs in claim order from an index (no
/// sort of every runnable job per claim), the lease sweep and the filtered lists start from an
/// index, and the lists read newest first without sorting.
pub async fn job_plans_use_indexes(db: Database) {
    let backend = db.backend();
    // The statement JobRepository::claim sends, with literals for its parameters.
    let (member, kinds, locking) = match backend {
        Backend::Sqlite => ("IN", "IN ('a', 'b')", ""),
        Backend::Postgres => ("= ANY", "= ANY('{a,b}')", " FOR UPDATE SKIP LOCKED"),
    };
    let claim = db
        .query_plan(&format!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1 WHERE id {member} \
             (SELECT runnable.id FROM jobs AS runnable WHERE runnable.state = 'queued' \
             AND runnable.run_at <= '2030-01-01 00:00:00' AND runnable.kind {kinds} \
             ORDER BY runnable.priority DESC, runnable.run_at ASC, runnable.id ASC \
             LIMIT 10{locking}) RETURNING id"
        ))
        .await
        .unwrap();
    let text = claim.join("\n");
    assert!(
        text.contains("jobs_claim_idx"),
        "claim: the claim index is not used:\n{text}"
    );
    match backend {
        Backend::Sqlite => assert!(
            !text.contains("TEMP B-TREE"),
            "claim sorts instead of reading in index order:\n{text}"
        ),
        Backend::Postgres => assert!(
            !text.contains("Sort"),
            "claim sorts instead of reading in index order:\n{text}"
        ),
    }

    let sweep = db
        .query_plan(
            "SELECT id FROM jobs WHERE state = 'running' AND lease_expires_at < '2030-01-01 00:00:00'",
        )
        .await
        .unwrap();
    assert_uses_index(backend, "lease sweep", &sweep, "jobs");

    for (what, filter, index) in [
        ("jobs by state", "state = 'dead'", "jobs_state_id_idx"),
        ("jobs by kind", "kind = 'library.scan'", "jobs_kind_id_idx"),
    ] {
        let plan = db
            .query_plan(&format!(
                "SELECT id FROM jobs WHERE {filter} AND id < 1000 ORDER BY id DESC LIMIT 51"
            ))
            .await
            .unwrap();
        let text = plan.join("\n");
        assert!(text.contains(index), "{what}: {index} is not used:\n{text}");
        assert_uses_index(backend, what, &plan, "jobs");
        if backend == Backend::Sqlite {
            assert!(!text.contains("TEMP B-TREE"), "{what} sorts:\n{text}");
        }
    }
}
