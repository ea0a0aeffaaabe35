//! What each resource answers, over a seeded database.

use actix_web::test::TestRequest;
use serde_json::json;
use soulspot_testkit::TestDatabase;

use crate::{KEY, call, get, seed};

fn put(path: &str, body: serde_json::Value) -> TestRequest {
    TestRequest::put()
        .uri(path)
        .insert_header(("x-api-key", KEY))
        .set_json(body)
}

fn post(path: &str, body: serde_json::Value) -> TestRequest {
    TestRequest::post()
        .uri(path)
        .insert_header(("x-api-key", KEY))
        .set_json(body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_page_with_cursors_and_filters_narrow() {
    let test = TestDatabase::sqlite().await;
    let keys = tempfile::tempdir().unwrap();
    let seeded = seed(&test.database, 60, 40).await;
    let app = crate::app!(&test.database, &keys);

    // Walk the whole track list 25 at a time: every track once, in id order.
    let mut seen = Vec::new();
    let mut uri = "/api/v1/tracks?limit=25".to_owned();
    loop {
        let page = call(&app, get(&uri).to_request()).await.json();
        for item in page["items"].as_array().unwrap() {
            seen.push(item["id"].as_i64().unwrap());
            assert!(!item["artists"].as_array().unwrap().is_empty());
            assert!(item["album"]["title"].is_string());
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => uri = format!("/api/v1/tracks?limit=25&cursor={cursor}"),
            None => break,
        }
    }
    let expected: Vec<i64> = seeded.tracks.iter().map(|id| id.0).collect();
    assert_eq!(seen, expected);

    let with_files = call(
        &app,
        get("/api/v1/tracks?has_file=true&limit=500").to_request(),
    )
    .await
    .json();
    let items = with_files["items"].as_array().unwrap();
    assert_eq!(items.len(), 20);
    assert!(items.iter().all(|item| item["has_library_file"] == true));

    let album_id = items[0]["album"]["id"].as_i64().unwrap();
    let of_album = call(
        &app,
        get(&format!("/api/v1/tracks?album_id={album_id}")).to_request(),
    )
    .await
    .json();
    assert!(
        of_album["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["album"]["id"] == album_id)
    );

    let bad_isrc = call(&app, get("/api/v1/tracks?isrc=nope").to_request()).await;
    assert_eq!(bad_isrc.status, 400);
    let over_cap = call(&app, get("/api/v1/artists?limit=100000").to_request()).await;
    assert_eq!(over_cap.status, 200);
    let zero = call(&app, get("/api/v1/artists?limit=0").to_request()).await;
    assert_eq!(zero.status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn details_carry_their_relations() {
    let test = TestDatabase::sqlite().await;
    let keys = tempfile::tempdir().unwrap();
    let seeded = seed(&test.database, 24, 24).await;
    let app = crate::app!(&test.database, &keys);

    let track = call(
        &app,
        get(&format!("/api/v1/tracks/{}", seeded.tracks[0].0)).to_request(),
    )
    .await
    .json();
    assert_eq!(track["has_library_file"], true);
    assert_eq!(track["files"][0]["format"], "flac");
    let album_id = track["album"]["id"].as_i64().unwrap();
    let artist_id = track["artists"][0]["id"].as_i64().unwrap();

    let album = call(
        &app,
        get(&format!("/api/v1/albums/{album_id}")).to_request(),
    )
    .await
    .json();
    assert_eq!(album["tracks"].as_array().unwrap().len(), 12);
    assert!(album["album_artist"]["name"].is_string());

    let artist = call(
        &app,
        get(&format!("/api/v1/artists/{artist_id}")).to_request(),
    )
    .await
    .json();
    assert!(!artist["albums"].as_array().unwrap().is_empty());

    let playlist = call(
        &app,
        get(&format!("/api/v1/playlists/{}", seeded.playlist.0)).to_request(),
    )
    .await
    .json();
    assert_eq!(playlist["entry_count"], 24);
    let entries = call(
        &app,
        get(&format!(
            "/api/v1/playlists/{}/entries?limit=10",
            seeded.playlist.0
        ))
        .to_request(),
    )
    .await
    .json();
    let entries_items = entries["items"].as_array().unwrap();
    assert_eq!(entries_items.len(), 10);
    assert_eq!(entries_items[0]["position"], 0);
    assert!(entries_items[0]["track"]["artists"].is_array());
    assert!(entries["next_cursor"].is_string());

    for missing in [
        "/api/v1/tracks/999999",
        "/api/v1/albums/999999",
        "/api/v1/artists/999999",
        "/api/v1/playlists/999999",
        "/api/v1/playlists/999999/entries",
    ] {
        let reply = call(&app, get(missing).to_request()).await;
        assert_eq!(reply.status, 404, "{missing}");
        assert_eq!(reply.json()["code"], "not-found");
    }

    let stats = call(&app, get("/api/v1/stats").to_request()).await.json();
    assert_eq!(stats["tracks"], 24);
    assert_eq!(stats["files_present"], 8);
    assert_eq!(stats["missing_tracks"], 16);
    assert_eq!(stats["formats"][0]["format"], "flac");
    assert_eq!(stats["library_bytes"], 8 * 20_000_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_ranks_and_treats_operators_as_text() {
    let test = TestDatabase::sqlite().await;
    let keys = tempfile::tempdir().unwrap();
    seed(&test.database, 120, 0).await;
    let app = crate::app!(&test.database, &keys);
    let some_track = call(&app, get("/api/v1/tracks?limit=1").to_request())
        .await
        .json();
    let title = some_track["items"][0]["title"].as_str().unwrap().to_owned();
    let word = title.split_whitespace().next().unwrap().to_owned();
    let found = call(&app, get(&format!("/api/v1/search?q={word}")).to_request()).await;
    assert_eq!(found.status, 200);
    let hits = found.json();
    let tracks = hits["tracks"].as_array().unwrap();
    assert!(!tracks.is_empty());
    let scores: Vec<f64> = tracks
        .iter()
        .map(|hit| hit["score"].as_f64().unwrap())
        .collect();
    assert!(
        scores.windows(2).all(|pair| pair[0] >= pair[1]),
        "{scores:?}"
    );

    for nasty in [
        "%22",
        "NEAR(a%20b)",
        "a*",
        "-x",
        "title:foo",
        "%27%3B%20DROP%20TABLE%20tracks",
        "%5E",
        "OR",
        "%E2%80%8B",
    ] {
        let reply = call(&app, get(&format!("/api/v1/search?q={nasty}")).to_request()).await;
        assert!(
            reply.status == 200 || reply.status == 422,
            "{nasty}: {reply:?}"
        );
    }
    let empty = call(&app, get("/api/v1/search?q=%20").to_request()).await;
    assert_eq!(empty.status, 422);
    let missing = call(&app, get("/api/v1/search").to_request()).await;
    assert_eq!(missing.status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_round_trip_and_refuse_bad_values() {
    let test = TestDatabase::sqlite().await;
    let keys = tempfile::tempdir().unwrap();
    let app = crate::app!(&test.database, &keys);
    let defaults = call(&app, get("/api/v1/settings").to_request())
        .await
        .json();
    assert_eq!(defaults["downloads"]["max_concurrent"], 3);

    let mut changed = defaults.clone();
    changed["downloads"]["max_concurrent"] = json!(5);
    changed["library"]["scan_interval_minutes"] = json!(0);
    let saved = call(&app, put("/api/v1/settings", changed.clone()).to_request()).await;
    assert_eq!(saved.status, 200);
    assert_eq!(
        call(&app, get("/api/v1/settings").to_request())
            .await
            .json(),
        changed
    );

    let mut out_of_range = changed.clone();
    out_of_range["downloads"]["max_concurrent"] = json!(99);
    let refused = call(&app, put("/api/v1/settings", out_of_range).to_request()).await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        refused.json()["errors"][0]["field"],
        "downloads.max_concurrent"
    );
    let unknown = call(
        &app,
        put("/api/v1/settings", json!({"downlods": {}})).to_request(),
    )
    .await;
    assert_eq!(unknown.status, 422);
    let wrong_type = call(
        &app,
        put(
            "/api/v1/settings",
            json!({"downloads": {"max_concurrent": "five"}}),
        )
        .to_request(),
    )
    .await;
    assert_eq!(wrong_type.status, 422);
    // Nothing refused was stored.
    assert_eq!(
        call(&app, get("/api/v1/settings").to_request())
            .await
            .json(),
        changed
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_are_stored_sealed_and_never_returned() {
    let test = TestDatabase::sqlite().await;
    let keys = tempfile::tempdir().unwrap();
    let app = crate::app!(&test.database, &keys);
    let secret = "slskd-secret-do-not-print-4711";
    let before = call(&app, get("/api/v1/credentials/slskd").to_request())
        .await
        .json();
    assert_eq!(before["set"], false);
    let stored = call(
        &app,
        put("/api/v1/credentials/slskd", json!({"secret": secret})).to_request(),
    )
    .await;
    assert_eq!(stored.status, 200);
    assert_eq!(stored.json()["set"], true);
    assert!(stored.json()["updated_at"].is_string());
    let all = call(&app, get("/api/v1/credentials").to_request()).await;
    assert!(!String::from_utf8_lossy(&all.body).contains(secret));
    assert_eq!(all.json().as_array().unwrap().len(), 2);

    // In storage the value is sealed: no plaintext in the row.
    use soulspot_domain::ports::SecretRepository;
    let row = test
        .database
        .secret("credential.slskd")
        .await
        .unwrap()
        .unwrap();
    assert!(
        !row.sealed
            .ciphertext
            .windows(secret.len())
            .any(|w| w == secret.as_bytes())
    );

    let unknown = call(
        &app,
        put("/api/v1/credentials/lastfm", json!({"secret": "x"})).to_request(),
    )
    .await;
    assert_eq!(unknown.status, 404);
    let blank = call(
        &app,
        put("/api/v1/credentials/slskd", json!({"secret": "  "})).to_request(),
    )
    .await;
    assert_eq!(blank.status, 422);
    let deleted = call(
        &app,
        TestRequest::delete()
            .uri("/api/v1/credentials/slskd")
            .insert_header(("x-api-key", KEY))
            .to_request(),
    )
    .await;
    assert_eq!(deleted.status, 204);
    let again = call(
        &app,
        TestRequest::delete()
            .uri("/api/v1/credentials/slskd")
            .insert_header(("x-api-key", KEY))
            .to_request(),
    )
    .await;
    assert_eq!(again.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quality_profiles_crud_and_activation() {
    let test = TestDatabase::sqlite().await;
    let keys = tempfile::tempdir().unwrap();
    let app = crate::app!(&test.database, &keys);
    let rules = json!({
        "name": "Lossless", "formats": ["flac", "alac"], "duration_tolerance_ms": 3000,
        "excluded_terms": ["live"]
    });
    let created = call(
        &app,
        post("/api/v1/quality-profiles", rules.clone()).to_request(),
    )
    .await;
    assert_eq!(created.status, 201, "{created:?}");
    let id = created.json()["id"].as_i64().unwrap();
    assert_eq!(
        created.headers.get("location").unwrap().to_str().unwrap(),
        format!("/api/v1/quality-profiles/{id}")
    );
    let duplicate = call(
        &app,
        post("/api/v1/quality-profiles", rules.clone()).to_request(),
    )
    .await;
    assert_eq!(duplicate.status, 409);
    let no_formats = call(
        &app,
        post(
            "/api/v1/quality-profiles",
            json!({"name": "x", "formats": [], "duration_tolerance_ms": 0}),
        )
        .to_request(),
    )
    .await;
    assert_eq!(no_formats.status, 422);
    let bad_format = call(
        &app,
        post(
            "/api/v1/quality-profiles",
            json!({"name": "x", "formats": ["wma"], "duration_tolerance_ms": 0}),
        )
        .to_request(),
    )
    .await;
    assert_eq!(bad_format.status, 422);

    let activated = call(
        &app,
        TestRequest::post()
            .uri(&format!("/api/v1/quality-profiles/{id}/activate"))
            .insert_header(("x-api-key", KEY))
            .to_request(),
    )
    .await;
    assert_eq!(activated.json()["active"], true);
    let mut renamed = rules.clone();
    renamed["name"] = json!("Lossless only");
    let updated = call(
        &app,
        put(&format!("/api/v1/quality-profiles/{id}"), renamed).to_request(),
    )
    .await;
    assert_eq!(updated.json()["name"], "Lossless only");
    let delete_active = call(
        &app,
        TestRequest::delete()
            .uri(&format!("/api/v1/quality-profiles/{id}"))
            .insert_header(("x-api-key", KEY))
            .to_request(),
    )
    .await;
    assert_eq!(delete_active.status, 409);
    let list = call(&app, get("/api/v1/quality-profiles").to_request())
        .await
        .json();
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sorted_lists_walk_every_row_once_in_order() {
    let test = TestDatabase::sqlite().await;
    let keys = tempfile::tempdir().unwrap();
    seed(&test.database, 90, 0).await;
    let app = crate::app!(&test.database, &keys);
    for (list, sort, field) in [
        ("artists", "name", "name"),
        ("albums", "title", "title"),
        ("tracks", "title", "title"),
        ("tracks", "-added", "id"),
    ] {
        let mut rows: Vec<serde_json::Value> = Vec::new();
        let mut uri = format!("/api/v1/{list}?sort={sort}&limit=7");
        loop {
            let reply = call(&app, get(&uri).to_request()).await;
            assert_eq!(reply.status, 200, "{uri}: {reply:?}");
            let page = reply.json();
            rows.extend(page["items"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(cursor) => uri = format!("/api/v1/{list}?sort={sort}&limit=7&cursor={cursor}"),
                None => break,
            }
        }
        let all = call(&app, get(&format!("/api/v1/{list}?limit=500")).to_request())
            .await
            .json();
        assert_eq!(
            rows.len(),
            all["items"].as_array().unwrap().len(),
            "{list} by {sort}"
        );
        let mut ids: Vec<i64> = rows.iter().map(|row| row["id"].as_i64().unwrap()).collect();
        if field == "id" {
            assert!(
                ids.windows(2).all(|pair| pair[0] > pair[1]),
                "{list} newest first"
            );
        } else {
            let keys: Vec<String> = rows
                .iter()
                .map(|row| row[field].as_str().unwrap().to_lowercase())
                .collect();
            assert!(
                keys.windows(2).all(|pair| pair[0] <= pair[1]),
                "{list} by {sort}: {keys:?}"
            );
        }
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), rows.len(), "{list} by {sort}: a row came twice");
    }
    // A cursor of one order is refused by another, and unknown orders are refused.
    let by_title = call(&app, get("/api/v1/tracks?sort=title&limit=2").to_request())
        .await
        .json();
    let cursor = by_title["next_cursor"].as_str().unwrap();
    let mixed = call(
        &app,
        get(&format!("/api/v1/tracks?limit=2&cursor={cursor}")).to_request(),
    )
    .await;
    assert_eq!(mixed.status, 400);
    assert_eq!(mixed.json()["code"], "invalid-cursor");
    let unknown = call(&app, get("/api/v1/artists?sort=popularity").to_request()).await;
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.json()["code"], "invalid-query");
}
