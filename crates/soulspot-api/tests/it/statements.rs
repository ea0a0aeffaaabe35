//! The number of SQL statements each list and detail endpoint runs does not grow with the number
//! of rows it returns: measured with the database's statement counter around one request, on both
//! backends.

use soulspot_infrastructure::Database;
use soulspot_testkit::TestDatabase;

use crate::{call, get, seed};

/// `(small request, large request, most statements allowed)`: the two requests of a pair return
/// a handful of rows and hundreds of rows; both must take the same number of statements.
fn cases(seeded: &crate::Seeded, album: i64, artist: i64) -> Vec<(String, String, u64)> {
    let playlist = seeded.playlist.0;
    let track = seeded.tracks[0].0;
    vec![
        (
            "/api/v1/tracks?limit=5".into(),
            "/api/v1/tracks?limit=500".into(),
            3,
        ),
        (
            "/api/v1/tracks?limit=5&has_file=false".into(),
            "/api/v1/tracks?limit=500&has_file=false".into(),
            3,
        ),
        (
            format!("/api/v1/tracks?limit=5&artist_id={artist}"),
            format!("/api/v1/tracks?limit=500&artist_id={artist}"),
            3,
        ),
        (
            "/api/v1/artists?limit=5".into(),
            "/api/v1/artists?limit=500".into(),
            1,
        ),
        (
            "/api/v1/tracks?limit=5&sort=title".into(),
            "/api/v1/tracks?limit=500&sort=title".into(),
            2,
        ),
        (
            "/api/v1/artists?limit=5&sort=name".into(),
            "/api/v1/artists?limit=500&sort=name".into(),
            1,
        ),
        (
            "/api/v1/albums?limit=5&sort=-added".into(),
            "/api/v1/albums?limit=500&sort=-added".into(),
            1,
        ),
        (
            "/api/v1/albums?limit=5".into(),
            "/api/v1/albums?limit=500".into(),
            1,
        ),
        (
            "/api/v1/playlists?limit=1".into(),
            "/api/v1/playlists?limit=500".into(),
            1,
        ),
        (
            format!("/api/v1/playlists/{playlist}/entries?limit=5"),
            format!("/api/v1/playlists/{playlist}/entries?limit=500"),
            3,
        ),
        (
            format!("/api/v1/tracks/{track}"),
            format!("/api/v1/tracks/{track}"),
            3,
        ),
        (
            format!("/api/v1/albums/{album}"),
            format!("/api/v1/albums/{album}"),
            4,
        ),
        (
            format!("/api/v1/artists/{artist}"),
            format!("/api/v1/artists/{artist}"),
            2,
        ),
        (
            format!("/api/v1/playlists/{playlist}"),
            format!("/api/v1/playlists/{playlist}"),
            1,
        ),
        (
            "/api/v1/search?q=a&limit=1".into(),
            "/api/v1/search?q=a&limit=100".into(),
            5,
        ),
        ("/api/v1/stats".into(), "/api/v1/stats".into(), 4),
        ("/api/v1/settings".into(), "/api/v1/settings".into(), 1),
        (
            "/api/v1/quality-profiles".into(),
            "/api/v1/quality-profiles".into(),
            1,
        ),
    ]
}

async fn statements_stay_constant(database: Database) {
    let keys = tempfile::tempdir().unwrap();
    let seeded = seed(&database, 1_200, 500).await;
    let app = crate::app!(&database, &keys);
    let first = call(
        &app,
        get(&format!("/api/v1/tracks/{}", seeded.tracks[0].0)).to_request(),
    )
    .await
    .json();
    let album = first["album"]["id"].as_i64().unwrap();
    let artist = first["artists"][0]["id"].as_i64().unwrap();
    let counter = database.statement_counter().clone();
    for (small, large, most) in cases(&seeded, album, artist) {
        let mut counts = Vec::new();
        for uri in [&small, &large, &small] {
            let before = counter.get();
            let reply = call(&app, get(uri).to_request()).await;
            assert_eq!(reply.status, 200, "{uri}: {reply:?}");
            counts.push(counter.get() - before);
        }
        assert!(
            counts.iter().all(|count| *count == counts[0]),
            "{small} / {large}: {counts:?}"
        );
        assert!(
            counts[1] <= most,
            "{large} ran {} statements (at most {most})",
            counts[1]
        );
    }
    // The 500-entry page really held 500 entries.
    let page = call(
        &app,
        get(&format!(
            "/api/v1/playlists/{}/entries?limit=500",
            seeded.playlist.0
        ))
        .to_request(),
    )
    .await
    .json();
    assert_eq!(page["items"].as_array().unwrap().len(), 500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_statements_do_not_grow_with_rows() {
    let test = TestDatabase::sqlite().await;
    statements_stay_constant(test.database.clone()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_statements_do_not_grow_with_rows() {
    let Some(test) = TestDatabase::postgres("api_statements").await else {
        return;
    };
    statements_stay_constant(test.database.clone()).await;
}
