//! The fake slskd over real HTTP: authentication, application and server state, the search
//! lifecycle (responses arriving over time, inactivity timeout, filters, limits, cancellation),
//! the in-flight `429`s, downloads progressing to a written file or to each scripted failure, the
//! one-call listing of every user's downloads, and the `400`/`404` answers.
//!
//! Timing tests freeze the fake's clock and move it by hand, so they are exact whatever the load.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use soulspot_testkit::fake::Running;
use soulspot_testkit::fake::slskd::{
    FakeSlskd, Peer, SearchStates, ServerStates, SharedFile, SlskdConfig, TransferFailure,
    TransferOutcome, TransferPhase, TransferScript, TransferStates, generate_catalogue,
};

const API_KEY: &str = "soulspot-test-api-key-0123456789";
const JSON: (&str, &str) = ("content-type", "application/json");
const KEY: (&str, &str) = ("x-api-key", API_KEY);

async fn start(downloads: &Path) -> Running<FakeSlskd> {
    Running::start(FakeSlskd::new(SlskdConfig::new(API_KEY, downloads))).await
}

fn milliseconds(count: u64) -> Duration {
    Duration::from_millis(count)
}

async fn get(running: &Running<FakeSlskd>, path: &str) -> common::Answer {
    common::get(&format!("{}{path}", running.api_url()), &[KEY]).await
}

async fn send(
    running: &Running<FakeSlskd>,
    method: &str,
    path: &str,
    body: &Value,
) -> common::Answer {
    common::send(
        method,
        &format!("{}{path}", running.api_url()),
        &[KEY, JSON],
        body.to_string(),
    )
    .await
}

async fn delete(running: &Running<FakeSlskd>, path: &str) -> common::Answer {
    common::send(
        "DELETE",
        &format!("{}{path}", running.api_url()),
        &[KEY],
        "",
    )
    .await
}

/// The testkit's river-song peers, answering at 100, 400 and 900 ms.
fn river_peers() -> Vec<Peer> {
    soulspot_testkit::fake::slskd::scenario::river_peers(milliseconds(400), milliseconds(900))
}

#[tokio::test]
async fn every_call_needs_the_api_key_or_a_session_token() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start(downloads.path()).await;
    let url = format!("{}/application", running.api_url());

    assert_eq!(common::get(&url, &[]).await.status, 401);
    assert_eq!(
        common::get(&url, &[("x-api-key", "not-the-right-key-at-all")])
            .await
            .status,
        401
    );
    let application = common::get(&url, &[KEY]).await;
    assert_eq!(application.status, 200);
    let body = application.json();
    assert_eq!(body["version"]["current"], "0.24.1");
    assert_eq!(body["server"]["state"], "Connected, LoggedIn");
    assert!(body["shares"]["ready"].as_bool().unwrap());

    // The web UI's sign-in: a JWT honoured as a bearer token.
    let enabled = common::get(&format!("{}/session/enabled", running.api_url()), &[]).await;
    assert_eq!(enabled.json(), json!(true));
    let session = format!("{}/session", running.api_url());
    let refused = common::send(
        "POST",
        &session,
        &[JSON],
        json!({"username": "slskd", "password": "wrong"}).to_string(),
    )
    .await;
    assert_eq!(refused.status, 401);
    let blank = common::send(
        "POST",
        &session,
        &[JSON],
        json!({"username": "slskd"}).to_string(),
    )
    .await;
    assert_eq!(blank.status, 400);
    let signed_in = common::send(
        "POST",
        &session,
        &[JSON],
        json!({"username": "slskd", "password": "slskd"}).to_string(),
    )
    .await;
    assert_eq!(signed_in.status, 200);
    let token = signed_in.json()["token"].as_str().unwrap().to_owned();
    assert_eq!(token.split('.').count(), 3);
    assert_eq!(signed_in.json()["tokenType"], "Bearer");
    let bearer = format!("Bearer {token}");
    let with_token = common::get(
        &format!("{}/searches", running.api_url()),
        &[("authorization", bearer.as_str())],
    )
    .await;
    assert_eq!(with_token.status, 200);
    let forged = common::get(
        &format!("{}/searches", running.api_url()),
        &[("authorization", "Bearer a.b.c")],
    )
    .await;
    assert_eq!(forged.status, 401);

    // Routing comes before authentication.
    assert_eq!(
        common::get(&format!("{}/nothing", running.api_url()), &[])
            .await
            .status,
        404
    );
    assert_eq!(
        common::send(
            "PATCH",
            &format!("{}/searches", running.api_url()),
            &[KEY],
            ""
        )
        .await
        .status,
        405
    );
}

#[test]
#[should_panic(expected = "16–255 characters")]
fn a_short_api_key_is_refused() {
    let _ = FakeSlskd::new(SlskdConfig::new("too-short", "/tmp"));
}

#[tokio::test]
async fn the_server_connection_can_be_scripted_down() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start(downloads.path()).await;
    running.fake.add_peers(river_peers());

    let version = get(&running, "/application/version").await;
    assert_eq!(version.json(), json!("0.24.1"));
    let server = get(&running, "/server").await.json();
    assert_eq!(server["state"], "Connected, LoggedIn");
    assert_eq!(server["isConnected"], true);
    assert_eq!(server["isLoggedIn"], true);
    assert_eq!(server["isTransitioning"], false);
    assert!(server["ipEndPoint"].is_string());

    running.fake.set_server_state(ServerStates::DISCONNECTED);
    let server = get(&running, "/server").await.json();
    assert_eq!(server["state"], "Disconnected");
    assert_eq!(server["isConnected"], false);
    assert!(server.get("ipEndPoint").is_none());

    // A search cannot start (409, recorded as Errored); an enqueue fails (500).
    let search = send(
        &running,
        "POST",
        "/searches",
        &json!({"searchText": "river song"}),
    )
    .await;
    assert_eq!(search.status, 409);
    let listed = get(&running, "/searches").await.json();
    assert_eq!(listed[0]["state"], "Errored");
    assert_eq!(listed[0]["isComplete"], true);
    assert!(running.fake.started_searches().is_empty());
    let enqueue = send(
        &running,
        "POST",
        "/transfers/downloads/middle",
        &json!([{"filename": r"@@share\River Song.mp3", "size": 9_600_000}]),
    )
    .await;
    assert_eq!(enqueue.status, 500);

    running.fake.set_server_state(ServerStates::CONNECTING);
    assert_eq!(
        get(&running, "/server").await.json()["isTransitioning"],
        true
    );

    // PUT /server connects again.
    assert_eq!(
        send(&running, "PUT", "/server", &json!(null)).await.status,
        200
    );
    assert_eq!(get(&running, "/server").await.json()["isLoggedIn"], true);
}

#[tokio::test]
async fn a_search_gathers_responses_over_time_and_ends_on_inactivity() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start(downloads.path()).await;
    running.fake.add_peers(river_peers());
    // A peer that would answer after the inactivity timer ran out.
    running.fake.add_peer(
        Peer::new("too-late")
            .response_delay(milliseconds(2_500))
            .with_file(SharedFile::mp3(r"@@x\River Song.mp3", 128, 240)),
    );
    running.fake.freeze_time();

    let started = send(
        &running,
        "POST",
        "/searches",
        &json!({"searchText": "River  song", "searchTimeout": 1000}),
    )
    .await;
    assert_eq!(started.status, 200);
    let search = started.json();
    assert_eq!(search["state"], "Requested");
    assert_eq!(search["isComplete"], false);
    assert_eq!(search["responses"], json!([]));
    assert!(search["startedAt"].as_str().unwrap().ends_with('Z'));
    assert!(search["token"].is_i64());
    assert!(search.get("endedAt").is_none());
    let id = search["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 36);
    let path = format!("/searches/{id}");

    let counts = |search: &Value| {
        (
            search["responseCount"].as_u64().unwrap(),
            search["fileCount"].as_u64().unwrap(),
            search["lockedFileCount"].as_u64().unwrap(),
        )
    };
    let read = get(&running, &path).await.json();
    assert_eq!(read["state"], "InProgress");
    assert_eq!(counts(&read), (0, 0, 0));

    running.fake.advance_time(milliseconds(450));
    let read = get(&running, &format!("{path}?includeResponses=true"))
        .await
        .json();
    assert_eq!(read["state"], "InProgress");
    assert_eq!(counts(&read), (2, 3, 0));
    // slskd stores the responses only when the search completes.
    assert_eq!(read["responses"], json!([]));
    assert_eq!(
        get(&running, &format!("{path}/responses")).await.json(),
        json!([])
    );

    // The last response arrives at 900 ms; the search ends 1000 ms later.
    running.fake.advance_time(milliseconds(1_400));
    let read = get(&running, &path).await.json();
    assert_eq!(read["state"], "InProgress");
    assert_eq!(counts(&read), (3, 4, 1));
    running.fake.advance_time(milliseconds(100));
    let read = get(&running, &format!("{path}?includeResponses=true"))
        .await
        .json();
    assert_eq!(read["state"], "Completed, TimedOut");
    assert_eq!(read["isComplete"], true);
    assert!(read["endedAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(counts(&read), (3, 4, 1));
    let responses = read["responses"].as_array().unwrap();
    let usernames: Vec<&str> = responses
        .iter()
        .map(|response| response["username"].as_str().unwrap())
        .collect();
    assert_eq!(usernames, ["fast", "middle", "slow"]);

    let from_endpoint = get(&running, &format!("{path}/responses")).await.json();
    assert_eq!(&from_endpoint, &read["responses"]);
    let fast = &responses[0];
    assert_eq!(fast["fileCount"], 2);
    assert_eq!(fast["lockedFileCount"], 0);
    assert_eq!(fast["hasFreeUploadSlot"], true);
    assert_eq!(fast["queueLength"], 0);
    assert_eq!(fast["uploadSpeed"], 1_000_000);
    assert_eq!(fast["token"], search["token"]);
    let flac = &fast["files"][0];
    assert_eq!(
        flac["filename"],
        r"@@music\Band\2001 - River Song\01 - River Song.flac"
    );
    assert_eq!(flac["extension"], "flac");
    assert_eq!(flac["bitDepth"], 16);
    assert_eq!(flac["sampleRate"], 44_100);
    assert_eq!(flac["length"], 240);
    assert_eq!(flac["code"], 1);
    assert_eq!(flac["size"], 240 * 112_500);
    assert!(flac.get("bitRate").is_none());
    let mp3 = &responses[1]["files"][0];
    assert_eq!(mp3["bitRate"], 320);
    assert_eq!(mp3["isVariableBitRate"], false);
    let slow = &responses[2];
    assert_eq!(slow["fileCount"], 1);
    assert_eq!(slow["lockedFileCount"], 1);
    assert_eq!(
        slow["lockedFiles"][0]["filename"],
        r"@@audio\locked\River Song.flac"
    );
    assert_eq!(
        running.fake.search_states(),
        [(id, SearchStates::COMPLETED | SearchStates::TIMED_OUT)]
    );
}

#[tokio::test]
async fn response_filters_and_limits_apply() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start(downloads.path()).await;
    running.fake.set_search_in_flight(Duration::ZERO);
    running.fake.add_peers([
        Peer::new("queued")
            .free_upload_slot(false)
            .queue_length(500)
            .response_delay(milliseconds(100))
            .with_file(SharedFile::flac(r"a\Night Drive 1.flac", 200))
            .with_file(SharedFile::flac(r"a\Night Drive 2.flac", 200)),
        Peer::new("slow-line")
            .upload_speed(20_000)
            .response_delay(milliseconds(200))
            .with_file(SharedFile::flac(r"b\Night Drive 1.flac", 200))
            .with_file(SharedFile::flac(r"b\Night Drive 2.flac", 200)),
        Peer::new("single")
            .response_delay(milliseconds(300))
            .with_file(SharedFile::flac(r"c\Night Drive.flac", 200)),
        Peer::new("only-locked")
            .response_delay(milliseconds(400))
            .with_file(SharedFile::flac(r"d\Night Drive.flac", 200).locked()),
        Peer::new("good")
            .response_delay(milliseconds(500))
            .with_file(SharedFile::flac(r"e\Night Drive 1.flac", 200))
            .with_file(SharedFile::flac(r"e\Night Drive 2.flac", 200)),
    ]);
    running.fake.freeze_time();

    let search = |body: Value| {
        let running = &running;
        async move {
            let answer = send(running, "POST", "/searches", &body).await;
            assert_eq!(
                answer.status,
                200,
                "{}",
                String::from_utf8_lossy(&answer.body)
            );
            answer.json()["id"].as_str().unwrap().to_owned()
        }
    };
    let filtered = search(json!({
        "searchText": "night drive",
        "searchTimeout": 1000,
        "maximumPeerQueueLength": 10,
        "minimumPeerUploadSpeed": 50_000,
        "minimumResponseFileCount": 2,
    }))
    .await;
    let unfiltered = search(json!({
        "searchText": "night drive",
        "searchTimeout": "1000",
        "filterResponses": false,
    }))
    .await;
    let response_limit = search(json!({
        "searchText": "night drive",
        "filterResponses": false,
        "responseLimit": 2,
    }))
    .await;
    let file_limit = search(json!({
        "SearchText": "night drive",
        "FileLimit": 3,
    }))
    .await;
    let excluding = search(json!({"searchText": "night drive -e", "filterResponses": false})).await;

    running.fake.advance_time(milliseconds(250));
    // The response limit is reached by the second response (at 200 ms).
    let limited = get(&running, &format!("/searches/{response_limit}"))
        .await
        .json();
    assert_eq!(limited["state"], "Completed, ResponseLimitReached");
    assert_eq!(limited["responseCount"], 2);

    // Past the default 15 s inactivity timer of the searches that kept it.
    running.fake.advance_time(Duration::from_secs(20));
    let usernames = |id: String| {
        let running = &running;
        async move {
            let responses = get(running, &format!("/searches/{id}/responses"))
                .await
                .json();
            responses
                .as_array()
                .unwrap()
                .iter()
                .map(|response| response["username"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(usernames(filtered).await, ["good"]);
    assert_eq!(
        usernames(unfiltered).await,
        ["queued", "slow-line", "single", "only-locked", "good"]
    );
    assert_eq!(
        usernames(excluding).await,
        ["queued", "slow-line", "single", "only-locked"]
    );
    let file_limited = get(&running, &format!("/searches/{file_limit}"))
        .await
        .json();
    assert_eq!(file_limited["state"], "Completed, FileLimitReached");
    // The second response (two files more) crosses the limit of three, and is kept.
    assert_eq!(file_limited["fileCount"], 4);
    assert_eq!(file_limited["responseCount"], 2);
}

#[tokio::test]
async fn bad_searches_are_refused_and_unknown_ids_are_not_found() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start(downloads.path()).await;
    running.fake.set_search_in_flight(Duration::ZERO);

    for body in [
        json!({"searchText": "   "}),
        json!({"searchTimeout": 1000}),
        json!({"searchText": "-only -exclusions"}),
        json!({"searchText": 42}),
        json!({"searchText": "x", "searchTimeout": "soon"}),
        json!({"searchText": "x", "id": "not-a-guid"}),
        json!(["not", "an", "object"]),
    ] {
        let answer = send(&running, "POST", "/searches", &body).await;
        assert_eq!(answer.status, 400, "{body}");
    }
    let not_json = common::send(
        "POST",
        &format!("{}/searches", running.api_url()),
        &[KEY, JSON],
        "{\"searchText\":",
    )
    .await;
    assert_eq!(not_json.status, 400);

    let id = "6f1c2a4e-58b7-4d0b-9a53-0c7c2b1d9e11";
    let first = send(
        &running,
        "POST",
        "/searches",
        &json!({"id": id, "searchText": "x"}),
    )
    .await;
    assert_eq!(first.status, 200);
    assert_eq!(first.json()["id"], id);
    let duplicate = send(
        &running,
        "POST",
        "/searches",
        &json!({"id": id.to_uppercase(), "searchText": "y"}),
    )
    .await;
    assert_eq!(duplicate.status, 409);

    let unknown = "0b8f0e4c-3f0a-4c55-b0a6-8d5b7c3c1a22";
    assert_eq!(
        get(&running, &format!("/searches/{unknown}")).await.status,
        404
    );
    assert_eq!(
        get(&running, &format!("/searches/{unknown}/responses"))
            .await
            .status,
        404
    );
    assert_eq!(get(&running, "/searches/not-a-guid").await.status, 404);
    assert_eq!(
        send(
            &running,
            "PUT",
            &format!("/searches/{unknown}"),
            &json!(null)
        )
        .await
        .status,
        404
    );
    assert_eq!(
        delete(&running, &format!("/searches/{unknown}"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn a_concurrent_search_is_refused_with_429() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start(downloads.path()).await;
    running.fake.add_peers(river_peers());
    running.fake.freeze_time();
    // Long enough that the second request surely arrives while the first is processed.
    running.fake.set_search_in_flight(milliseconds(400));

    let body = json!({"searchText": "river song"});
    let started = std::time::Instant::now();
    let (first, second) = tokio::join!(
        send(&running, "POST", "/searches", &body),
        send(&running, "POST", "/searches", &body)
    );
    let mut statuses = [first.status, second.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 429]);
    // The accepted one was answered after its processing time, the frozen clock notwithstanding.
    assert!(
        started.elapsed() >= milliseconds(400),
        "{:?}",
        started.elapsed()
    );
    let refused = if first.status == 429 { first } else { second };
    assert_eq!(
        refused.json(),
        json!(
            "Only one concurrent operation is permitted. Wait until the previous request completes"
        )
    );
    assert_eq!(running.fake.started_searches().len(), 1);

    running.fake.set_search_in_flight(Duration::ZERO);
    let (first, second) = tokio::join!(
        send(&running, "POST", "/searches", &body),
        send(&running, "POST", "/searches", &body)
    );
    assert_eq!((first.status, second.status), (200, 200));
}

#[tokio::test]
async fn a_client_that_waits_for_each_answer_is_never_refused() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start(downloads.path()).await;
    running.fake.add_peers(river_peers());
    running.fake.freeze_time();
    running.fake.set_search_in_flight(milliseconds(30));
    running.fake.set_enqueue_in_flight(milliseconds(30), 1);

    // Back to back, each sent the moment the previous answer arrived.
    for index in 0..10 {
        let answer = send(
            &running,
            "POST",
            "/searches",
            &json!({"searchText": format!("river song {index}")}),
        )
        .await;
        assert_eq!(answer.status, 200, "search {index}: {:?}", answer.json());
    }
    for (username, filename) in [
        ("middle", r"@@share\River Song.mp3"),
        ("fast", r"@@music\Band\2001 - River Song\cover.jpg"),
        ("slow", r"@@audio\Band - River Song [V0].mp3"),
    ] {
        let answer = send(
            &running,
            "POST",
            &format!("/transfers/downloads/{username}"),
            &json!([{ "filename": filename }]),
        )
        .await;
        assert_eq!(answer.status, 201, "{username}: {:?}", answer.json());
    }

    // A refusal (here a duplicate id) does no work: it answers at once, not held back.
    running.fake.set_search_in_flight(milliseconds(400));
    let id = "0f8fad5b-d9cb-469f-a165-70867728950e";
    let body = json!({"id": id, "searchText": "river song"});
    assert_eq!(send(&running, "POST", "/searches", &body).await.status, 200);
    let started = std::time::Instant::now();
    assert_eq!(send(&running, "POST", "/searches", &body).await.status, 409);
    assert!(
        started.elapsed() < milliseconds(300),
        "{:?}",
        started.elapsed()
    );
    let other = json!({"searchText": "ocean"});
    assert_eq!(
        send(&running, "POST", "/searches", &other).await.status,
        200
    );
}

#[tokio::test]
async fn searches_are_cancelled_listed_and_deleted() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start(downloads.path()).await;
    running.fake.add_peers(river_peers());
    running.fake.set_search_in_flight(Duration::ZERO);
    running.fake.freeze_time();

    let id = send(
        &running,
        "POST",
        "/searches",
        &json!({"searchText": "river song"}),
    )
    .await
    .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = send(
        &running,
        "POST",
        "/searches",
        &json!({"searchText": "ocean"}),
    )
    .await;
    assert_eq!(other.status, 200);
    running.fake.advance_time(milliseconds(500));
    assert_eq!(
        send(&running, "PUT", &format!("/searches/{id}"), &json!(null))
            .await
            .status,
        200
    );
    running.fake.advance_time(milliseconds(5_000));
    let cancelled = get(&running, &format!("/searches/{id}?includeResponses=true"))
        .await
        .json();
    assert_eq!(cancelled["state"], "Completed, Cancelled");
    assert_eq!(cancelled["isComplete"], true);
    // The two responses that arrived before the cancellation are kept.
    assert_eq!(cancelled["responseCount"], 2);
    assert_eq!(cancelled["responses"].as_array().unwrap().len(), 2);
    // Cancelling a finished search changes nothing.
    assert_eq!(
        send(&running, "PUT", &format!("/searches/{id}"), &json!(null))
            .await
            .status,
        200
    );

    let listed = get(&running, "/searches").await;
    assert_eq!(listed.header("x-total-count"), Some("2"));
    let listed = listed.json();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|search| search["responses"] == json!([]))
    );
    let page = get(&running, "/searches?offset=1&limit=1").await.json();
    assert_eq!(page.as_array().unwrap().len(), 1);
    assert_eq!(page[0]["searchText"], "ocean");
    assert_eq!(get(&running, "/searches?offset=-1").await.status, 400);
    assert_eq!(get(&running, "/searches?limit=0").await.status, 400);

    assert_eq!(
        delete(&running, &format!("/searches/{id}")).await.status,
        204
    );
    assert_eq!(get(&running, &format!("/searches/{id}")).await.status, 404);
    assert_eq!(
        get(&running, "/searches")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn the_fake_counts_searches_for_budget_checks() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start(downloads.path()).await;
    running.fake.freeze_time();
    for index in 0..6 {
        let answer = send(
            &running,
            "POST",
            "/searches",
            &json!({"searchText": format!("query {index}")}),
        )
        .await;
        assert_eq!(answer.status, 200);
        running.fake.advance_time(Duration::from_secs(60));
    }
    assert_eq!(running.fake.started_searches().len(), 6);
    assert_eq!(running.fake.started_searches()[2].search_text, "query 2");
    assert_eq!(
        running.fake.most_searches_within(Duration::from_secs(220)),
        4
    );
    assert_eq!(
        running.fake.most_searches_within(Duration::from_secs(30)),
        1
    );
}

#[tokio::test]
async fn a_download_progresses_to_success_and_lands_in_the_downloads_directory() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start(downloads.path()).await;
    let content: Vec<u8> = (0..1_000_000_u32)
        .map(|index| (index % 251) as u8)
        .collect();
    let filename = r"@@music\Band\2001 - River Song\01 - River Song.flac";
    running.fake.add_peer(
        Peer::new("fast").with_file(SharedFile::flac(filename, 240).with_content(content.clone())),
    );
    running.fake.script_user_transfers(
        "fast",
        TransferScript::default()
            .phases(milliseconds(100))
            .queued_remotely(milliseconds(400), 4)
            .bytes_per_second(500_000),
    );
    running.fake.freeze_time();

    let enqueued = send(
        &running,
        "POST",
        "/transfers/downloads/fast",
        &json!([{"filename": filename, "size": 1_000_000}]),
    )
    .await;
    assert_eq!(enqueued.status, 201);
    let body = enqueued.json();
    assert_eq!(body["failed"], json!([]));
    let transfer = &body["enqueued"][0];
    assert_eq!(transfer["state"], "Queued, Locally");
    assert_eq!(transfer["stateDescription"], "Queued, Locally");
    assert_eq!(transfer["direction"], "Download");
    assert_eq!(transfer["username"], "fast");
    assert_eq!(transfer["filename"], filename);
    assert_eq!(transfer["size"], 1_000_000);
    assert_eq!(transfer["bytesTransferred"], 0);
    assert_eq!(transfer["percentComplete"], 0);
    assert!(transfer["requestedAt"].as_str().unwrap().ends_with('Z'));
    let id = transfer["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 36);
    let path = format!("/transfers/downloads/fast/{id}");

    let state_after = |advance: u64| {
        let running = &running;
        let path = path.clone();
        async move {
            running.fake.advance_time(milliseconds(advance));
            get(running, &path).await.json()
        }
    };
    let read = state_after(0).await;
    assert_eq!(read["state"], "Queued, Locally");
    // Read back "from the database", requestedAt carries no offset.
    assert!(!read["requestedAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(state_after(150).await["state"], "Requested");
    let queued = state_after(100).await;
    assert_eq!(queued["state"], "Queued, Remotely");
    assert_eq!(queued["placeInQueue"], 4);
    assert!(queued.get("enqueuedAt").is_some());
    let position = get(&running, &format!("{path}/position")).await;
    assert_eq!(position.json(), json!(4));
    let later = state_after(300).await;
    assert_eq!(later["placeInQueue"], 1);
    assert_eq!(state_after(100).await["state"], "Initializing");
    assert_eq!(get(&running, &format!("{path}/position")).await.status, 500);

    let in_progress = state_after(100).await;
    assert_eq!(in_progress["state"], "InProgress");
    assert!(in_progress["startedAt"].as_str().unwrap().ends_with('Z'));
    let halfway = state_after(950).await;
    assert_eq!(halfway["state"], "InProgress");
    assert_eq!(halfway["bytesTransferred"], 500_000);
    assert_eq!(halfway["bytesRemaining"], 500_000);
    assert_eq!(halfway["percentComplete"], 50);
    assert_eq!(halfway["averageSpeed"], 500_000);
    assert_eq!(halfway["elapsedTime"], "00:00:01");
    assert_eq!(halfway["remainingTime"], "00:00:01");
    assert!(!downloads.path().join("2001 - River Song").exists());

    let done = state_after(1_000).await;
    assert_eq!(done["state"], "Completed, Succeeded");
    assert_eq!(done["bytesTransferred"], 1_000_000);
    assert_eq!(done["percentComplete"], 100);
    assert_eq!(done["remainingTime"], "00:00:00");
    assert_eq!(done["elapsedTime"], "00:00:02");
    assert!(done["endedAt"].as_str().unwrap().ends_with('Z'));
    assert!(done.get("exception").is_none());
    assert_eq!(done["attempts"], 1);

    let written = downloads
        .path()
        .join("2001 - River Song")
        .join("01 - River Song.flac");
    assert_eq!(std::fs::read(&written).unwrap(), content);
    assert_eq!(running.fake.local_path(filename), written);
    let summary = &running.fake.downloads()[0];
    assert_eq!(summary.state, TransferStates::COMPLETED_SUCCEEDED);
    assert_eq!(summary.local_path.as_deref(), Some(written.as_path()));
}

#[tokio::test]
async fn with_the_clock_running_downloads_progress_in_real_time() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start(downloads.path()).await;
    let filename = r"@@r\Live Album\Track.flac";
    running
        .fake
        .add_peer(Peer::new("realtime").with_file(SharedFile::new(filename, 50_000)));
    running.fake.set_default_transfer_script(
        TransferScript::default()
            .phases(milliseconds(100))
            .bytes_per_second(100_000),
    );
    running.fake.freeze_time();
    let answer = send(
        &running,
        "POST",
        "/transfers/downloads/realtime",
        &json!([{"filename": filename, "size": 50_000}]),
    )
    .await;
    let id = answer.json()["enqueued"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/transfers/downloads/realtime/{id}");
    running.fake.advance_time(milliseconds(150));
    // Time runs again from where the test left it, without jumping back.
    running.fake.resume_time();
    let state = get(&running, &path).await.json()["state"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(state, "Queued, Locally");
    let mut seen = vec![state];
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while seen.last().map(String::as_str) != Some("Completed, Succeeded") {
        assert!(std::time::Instant::now() < deadline, "stuck: {seen:?}");
        tokio::time::sleep(milliseconds(20)).await;
        let state = get(&running, &path).await.json()["state"]
            .as_str()
            .unwrap()
            .to_owned();
        if seen.last() != Some(&state) {
            seen.push(state);
        }
    }
    assert!(seen.iter().any(|state| state == "InProgress"), "{seen:?}");
    assert!(
        downloads
            .path()
            .join("Live Album")
            .join("Track.flac")
            .exists()
    );
}

#[tokio::test]
async fn a_download_without_seeded_bytes_writes_filler_of_its_size_and_never_overwrites() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start(downloads.path()).await;
    running.fake.set_enqueue_in_flight(Duration::ZERO, 1);
    running
        .fake
        .add_peer(Peer::new("one").with_file(SharedFile::new(r"@@x\Album\Track.mp3", 300_000)));
    running
        .fake
        .add_peer(Peer::new("two").with_file(SharedFile::new(r"@@y\Album\Track.mp3", 300_000)));
    running
        .fake
        .set_default_transfer_script(TransferScript::default().phases(Duration::ZERO));
    running.fake.freeze_time();
    for (user, filename) in [
        ("one", r"@@x\Album\Track.mp3"),
        ("two", r"@@y\Album\Track.mp3"),
    ] {
        let answer = send(
            &running,
            "POST",
            &format!("/transfers/downloads/{user}"),
            &json!([{"filename": filename, "size": 300_000}]),
        )
        .await;
        assert_eq!(answer.status, 201);
    }
    running.fake.advance_time(Duration::from_secs(5));
    let summaries = running.fake.downloads();
    assert!(
        summaries
            .iter()
            .all(|summary| summary.state == TransferStates::COMPLETED_SUCCEEDED)
    );
    let first = summaries[0].local_path.clone().unwrap();
    let second = summaries[1].local_path.clone().unwrap();
    assert_eq!(first, downloads.path().join("Album").join("Track.mp3"));
    // Same folder and name from another user: slskd adds `_<ticks>` instead of overwriting.
    assert_ne!(first, second);
    let second_name = second.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        second_name.starts_with("Track_") && second_name.ends_with(".mp3"),
        "{second_name}"
    );
    assert_eq!(std::fs::metadata(&first).unwrap().len(), 300_000);
    assert_eq!(std::fs::metadata(&second).unwrap().len(), 300_000);
    assert_ne!(
        std::fs::read(&first).unwrap(),
        std::fs::read(&second).unwrap()
    );
}

#[tokio::test]
async fn scripted_failures_end_in_each_failure_state() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start(downloads.path()).await;
    let names = [
        "errored",
        "rejected",
        "timed-out",
        "cancelled",
        "aborted",
        "custom",
    ];
    let files: Vec<String> = names
        .iter()
        .map(|name| format!(r"@@m\Album\{name}.flac"))
        .collect();
    running.fake.add_peer(
        Peer::new("flaky").with_files(
            files
                .iter()
                .map(|file| SharedFile::new(file.clone(), 200_000)),
        ),
    );
    let outcomes = [
        TransferOutcome::errored(),
        TransferOutcome::rejected(),
        TransferOutcome::timed_out(),
        TransferOutcome::cancelled(),
        TransferOutcome::aborted(),
        TransferOutcome::failing(
            TransferFailure::Errored,
            TransferPhase::QueuedLocally,
            "Disk full",
        ),
    ];
    for (file, outcome) in files.iter().zip(outcomes) {
        running.fake.script_file_transfer(
            "flaky",
            file,
            TransferScript::default()
                .phases(milliseconds(10))
                .outcome(outcome),
        );
    }
    running.fake.freeze_time();
    let mut requests: Vec<Value> = files
        .iter()
        .map(|file| json!({"filename": file, "size": 200_000}))
        .collect();
    // A file the peer does not share is rejected by the peer.
    requests.push(json!({"filename": r"@@m\Album\missing.flac", "size": 1}));
    let answer = send(
        &running,
        "POST",
        "/transfers/downloads/flaky",
        &Value::Array(requests),
    )
    .await;
    assert_eq!(answer.status, 201);
    assert_eq!(answer.json()["enqueued"].as_array().unwrap().len(), 7);

    running.fake.advance_time(Duration::from_secs(10));
    let listing = get(&running, "/transfers/downloads/flaky").await.json();
    let transfers = listing["directories"][0]["files"].as_array().unwrap();
    let state_of = |name: &str| {
        transfers
            .iter()
            .find(|transfer| {
                transfer["filename"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!("{name}.flac"))
            })
            .unwrap()
            .clone()
    };
    let expected = [
        ("errored", "Completed, Errored", "Remote connection closed"),
        ("rejected", "Completed, Rejected", "Banned"),
        (
            "timed-out",
            "Completed, TimedOut",
            "The operation has timed out.",
        ),
        (
            "cancelled",
            "Completed, Cancelled",
            "The operation was canceled.",
        ),
        (
            "aborted",
            "Completed, Aborted",
            "The remote user aborted the transfer",
        ),
        ("custom", "Completed, Errored", "Disk full"),
        ("missing", "Completed, Rejected", "File not shared."),
    ];
    for (name, state, exception) in expected {
        let transfer = state_of(name);
        assert_eq!(transfer["state"], state, "{name}");
        assert_eq!(transfer["exception"], exception, "{name}");
        assert!(transfer.get("endedAt").is_some(), "{name}");
    }
    // Errored halfway through the bytes; rejected before any started.
    assert_eq!(state_of("errored")["bytesTransferred"], 100_000);
    assert!(state_of("rejected").get("startedAt").is_none());
    assert!(state_of("rejected").get("enqueuedAt").is_none());
    assert!(state_of("timed-out").get("enqueuedAt").is_some());
    assert!(!downloads.path().join("Album").exists());
}

#[tokio::test]
async fn a_timed_out_download_can_resume_when_the_peer_starts_it_late() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start(downloads.path()).await;
    let filename = r"@@q\Slow Album\Track.flac";
    running
        .fake
        .add_peer(Peer::new("sleepy").with_file(SharedFile::new(filename, 10_000)));
    running.fake.script_user_transfers(
        "sleepy",
        TransferScript::default().phases(milliseconds(100)).outcome(
            TransferOutcome::TimesOutThenResumes {
                after: Duration::from_secs(3),
            },
        ),
    );
    running.fake.freeze_time();
    let answer = send(
        &running,
        "POST",
        "/transfers/downloads/sleepy",
        &json!([{"filename": filename}]),
    )
    .await;
    let id = answer.json()["enqueued"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Without a declared size, the shared file's size is used.
    assert_eq!(answer.json()["enqueued"][0]["size"], 10_000);
    running.fake.advance_time(milliseconds(500));
    let timed_out = get(&running, &format!("/transfers/downloads/sleepy/{id}"))
        .await
        .json();
    assert_eq!(timed_out["state"], "Completed, TimedOut");
    running.fake.advance_time(Duration::from_secs(4));
    let resumed = get(&running, &format!("/transfers/downloads/sleepy/{id}"))
        .await
        .json();
    assert_eq!(resumed["state"], "Completed, Succeeded");
    assert!(resumed.get("exception").is_none());
    assert!(
        downloads
            .path()
            .join("Slow Album")
            .join("Track.flac")
            .exists()
    );
}

#[tokio::test]
async fn one_listing_call_returns_the_downloads_of_every_user() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start(downloads.path()).await;
    running.fake.set_enqueue_in_flight(Duration::ZERO, 1);
    running.fake.add_peers([
        Peer::new("alice")
            .with_file(SharedFile::new(r"@@a\Music\Album One\01.flac", 1_000))
            .with_file(SharedFile::new(r"@@a\Music\Album One\02.flac", 1_000))
            .with_file(SharedFile::new(r"@@a\Music\Album Two\01.flac", 1_000)),
        Peer::new("bob two").with_file(SharedFile::new(r"@@b\Album Three\01.mp3", 1_000)),
    ]);
    let alice = send(
        &running,
        "POST",
        "/transfers/downloads/alice",
        &json!([
            {"filename": r"@@a\Music\Album One\01.flac", "size": 1_000},
            {"filename": r"@@a\Music\Album One\02.flac", "size": 1_000},
            {"filename": r"@@a\Music\Album Two\01.flac", "size": 1_000},
        ]),
    )
    .await;
    assert_eq!(alice.status, 201);
    let bob = send(
        &running,
        "POST",
        "/transfers/downloads/bob%20two",
        &json!([{"filename": r"@@b\Album Three\01.mp3", "size": 1_000}]),
    )
    .await;
    assert_eq!(bob.status, 201);

    let listing = get(&running, "/transfers/downloads?includeRemoved=false")
        .await
        .json();
    let users = listing.as_array().unwrap();
    assert_eq!(users.len(), 2);
    assert_eq!(users[0]["username"], "alice");
    assert_eq!(users[1]["username"], "bob two");
    let directories = users[0]["directories"].as_array().unwrap();
    assert_eq!(directories.len(), 2);
    assert_eq!(directories[0]["directory"], r"@@a\Music\Album One");
    assert_eq!(directories[0]["fileCount"], 2);
    assert_eq!(directories[0]["files"].as_array().unwrap().len(), 2);
    assert_eq!(directories[1]["directory"], r"@@a\Music\Album Two");
    assert_eq!(
        users[1]["directories"][0]["files"][0]["username"],
        "bob two"
    );

    let only_bob = get(&running, "/transfers/downloads/bob%20two").await.json();
    assert_eq!(only_bob["username"], "bob two");
    assert_eq!(only_bob["directories"][0]["fileCount"], 1);
    assert_eq!(
        get(&running, "/transfers/downloads/nobody").await.status,
        404
    );
}

#[tokio::test]
async fn bad_enqueues_are_refused() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start(downloads.path()).await;
    running.fake.set_enqueue_in_flight(Duration::ZERO, 1);
    running.fake.add_peers(river_peers());
    let enqueue = |user: &'static str, body: Value| {
        let running = &running;
        async move {
            send(
                running,
                "POST",
                &format!("/transfers/downloads/{user}"),
                &body,
            )
            .await
        }
    };
    for body in [
        json!([]),
        json!(null),
        json!({"filename": "x"}),
        json!([{"size": 10}]),
        json!([{"filename": "   "}]),
        json!([{"filename": r"@@music\..\..\etc\passwd", "size": 10}]),
        json!([{"filename": "@@music/../secrets.flac", "size": 10}]),
        json!([{"filename": r"@@share\River Song.mp3", "size": "big"}]),
    ] {
        assert_eq!(enqueue("middle", body.clone()).await.status, 400, "{body}");
    }
    let not_json = common::send(
        "POST",
        &format!("{}/transfers/downloads/middle", running.api_url()),
        &[KEY, JSON],
        "[{",
    )
    .await;
    assert_eq!(not_json.status, 400);
    assert_eq!(
        not_json.header("content-type"),
        Some("application/problem+json; charset=utf-8")
    );

    let file = json!([{"filename": r"@@share\River Song.mp3", "size": 9_600_000}]);
    running.fake.set_user_online("middle", false);
    let offline = enqueue("middle", file.clone()).await;
    assert_eq!(offline.status, 500);
    assert_eq!(offline.json(), json!("User middle appears to be offline"));
    assert_eq!(enqueue("stranger", file.clone()).await.status, 500);
    running.fake.set_user_online("middle", true);
    assert_eq!(enqueue("middle", file).await.status, 201);
}

#[tokio::test]
async fn a_concurrent_enqueue_is_refused_with_429() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start(downloads.path()).await;
    running.fake.add_peers(river_peers());
    running.fake.freeze_time();
    // Long enough that the other requests surely arrive while the first is processed.
    running.fake.set_enqueue_in_flight(milliseconds(400), 1);
    let body = json!([{"filename": r"@@share\River Song.mp3", "size": 9_600_000}]);
    let other = json!([{"filename": r"@@music\Band\2001 - River Song\cover.jpg", "size": 120_000}]);
    let (first, second) = tokio::join!(
        send(&running, "POST", "/transfers/downloads/middle", &body),
        send(&running, "POST", "/transfers/downloads/fast", &other)
    );
    let mut statuses = [first.status, second.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 429]);

    // Two permits (as slskd's current source has): two at once pass, a third is refused.
    running.fake.set_enqueue_in_flight(milliseconds(400), 2);
    let variable = json!([{"filename": r"@@audio\Band - River Song [V0].mp3"}]);
    let locked = json!([{"filename": r"@@audio\locked\River Song.flac"}]);
    let (first, second, third) = tokio::join!(
        send(&running, "POST", "/transfers/downloads/fast", &other),
        send(&running, "POST", "/transfers/downloads/slow", &variable),
        send(&running, "POST", "/transfers/downloads/slow", &locked)
    );
    let mut statuses = [first.status, second.status, third.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 201, 429]);
}

#[tokio::test]
async fn downloads_are_cancelled_removed_and_cleared() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start(downloads.path()).await;
    running.fake.set_enqueue_in_flight(Duration::ZERO, 1);
    let files = [
        r"@@c\Album\1.flac",
        r"@@c\Album\2.flac",
        r"@@c\Album\3.flac",
    ];
    running.fake.add_peer(
        Peer::new("carol").with_files(files.iter().map(|file| SharedFile::new(*file, 4_000_000))),
    );
    running.fake.set_default_transfer_script(
        TransferScript::default()
            .phases(milliseconds(10))
            .bytes_per_second(1_000_000),
    );
    running.fake.freeze_time();
    let body: Vec<Value> = files
        .iter()
        .map(|file| json!({"filename": file, "size": 4_000_000}))
        .collect();
    let answer = send(
        &running,
        "POST",
        "/transfers/downloads/carol",
        &Value::Array(body),
    )
    .await;
    let ids: Vec<String> = answer.json()["enqueued"]
        .as_array()
        .unwrap()
        .iter()
        .map(|transfer| transfer["id"].as_str().unwrap().to_owned())
        .collect();
    running.fake.advance_time(milliseconds(1_040));

    // Enqueueing a file that is still downloading fails for that file.
    let again = send(
        &running,
        "POST",
        "/transfers/downloads/carol",
        &json!([{"filename": files[0], "size": 4_000_000}]),
    )
    .await;
    assert_eq!(again.status, 201);
    let again = again.json();
    assert_eq!(again["enqueued"], json!([]));
    assert_eq!(again["failed"][0]["state"], "Completed, Aborted");
    assert_eq!(
        again["failed"][0]["exception"],
        "A download for this file from this user is already underway"
    );

    // Cancel without removing.
    let first = format!("/transfers/downloads/carol/{}", ids[0]);
    assert_eq!(delete(&running, &first).await.status, 204);
    let cancelled = get(&running, &first).await.json();
    assert_eq!(cancelled["state"], "Completed, Cancelled");
    assert_eq!(cancelled["bytesTransferred"], 1_000_000);
    running.fake.advance_time(Duration::from_secs(10));
    assert_eq!(
        get(&running, &first).await.json()["state"],
        "Completed, Cancelled"
    );
    assert!(!downloads.path().join("Album").join("1.flac").exists());
    assert!(downloads.path().join("Album").join("2.flac").exists());

    // Removing a finished download hides it from the listing, not from a lookup by id.
    assert_eq!(
        delete(&running, &format!("{first}?remove=true"))
            .await
            .status,
        204
    );
    let listing = get(&running, "/transfers/downloads").await.json();
    assert_eq!(listing[0]["directories"][0]["fileCount"], 2);
    let with_removed = get(&running, "/transfers/downloads?includeRemoved=true")
        .await
        .json();
    assert_eq!(with_removed[0]["directories"][0]["fileCount"], 3);
    assert_eq!(get(&running, &first).await.status, 200);

    // Removing a running download cancels it but answers 500, as slskd's asynchronous
    // cancellation has not completed when it tries to remove the record.
    let restarted = send(
        &running,
        "POST",
        "/transfers/downloads/carol",
        &json!([{"filename": files[0], "size": 4_000_000}]),
    )
    .await
    .json();
    let restarted_id = restarted["enqueued"][0]["id"].as_str().unwrap().to_owned();
    let restarted_path = format!("/transfers/downloads/carol/{restarted_id}");
    running.fake.advance_time(milliseconds(500));
    assert_eq!(
        delete(&running, &format!("{restarted_path}?remove=true"))
            .await
            .status,
        500
    );
    assert_eq!(
        get(&running, &restarted_path).await.json()["state"],
        "Completed, Cancelled"
    );
    assert_eq!(
        delete(&running, &format!("{restarted_path}?remove=true"))
            .await
            .status,
        204
    );

    // Unknown and malformed ids.
    let unknown = "0b8f0e4c-3f0a-4c55-b0a6-8d5b7c3c1a22";
    assert_eq!(
        get(&running, &format!("/transfers/downloads/carol/{unknown}"))
            .await
            .status,
        404
    );
    assert_eq!(
        get(&running, "/transfers/downloads/carol/not-a-guid")
            .await
            .status,
        400
    );
    assert_eq!(
        delete(&running, &format!("/transfers/downloads/carol/{unknown}"))
            .await
            .status,
        204
    );
    assert_eq!(
        delete(
            &running,
            &format!("/transfers/downloads/carol/{unknown}?remove=true")
        )
        .await
        .status,
        404
    );
    assert_eq!(
        delete(&running, "/transfers/downloads/carol/not-a-guid")
            .await
            .status,
        400
    );

    assert_eq!(
        delete(&running, "/transfers/downloads/all/completed")
            .await
            .status,
        204
    );
    assert_eq!(
        get(&running, "/transfers/downloads").await.json(),
        json!([])
    );
    assert_eq!(
        get(&running, "/transfers/downloads/carol").await.status,
        404
    );
    assert!(
        running
            .fake
            .downloads()
            .iter()
            .all(|summary| summary.removed)
    );
}

#[tokio::test]
async fn the_generated_catalogue_is_repeatable_and_searchable() {
    let first = generate_catalogue(7, 12);
    assert_eq!(first, generate_catalogue(7, 12));
    assert_ne!(first, generate_catalogue(8, 12));
    assert_eq!(first.peers.len(), 12);
    let extensions: std::collections::HashSet<&str> = first
        .peers
        .iter()
        .flat_map(|peer| peer.files.iter())
        .map(|file| file.filename.rsplit('.').next().unwrap())
        .collect();
    assert!(
        extensions.contains("flac") && extensions.contains("mp3"),
        "{extensions:?}"
    );

    let downloads = tempfile::tempdir().unwrap();
    let running = start(downloads.path()).await;
    running.fake.add_peers(first.peers.clone());
    running.fake.freeze_time();
    let album = &first.albums[0];
    let text = format!("{} {}", album.artist, album.title);
    let answer = send(&running, "POST", "/searches", &json!({"searchText": text})).await;
    let id = answer.json()["id"].as_str().unwrap().to_owned();
    running.fake.advance_time(Duration::from_secs(30));
    let responses = get(&running, &format!("/searches/{id}/responses"))
        .await
        .json();
    let responses = responses.as_array().unwrap();
    assert!(!responses.is_empty());
    for response in responses {
        for file in response["files"].as_array().unwrap() {
            let filename = file["filename"].as_str().unwrap();
            assert!(filename.contains(&album.title), "{filename}");
        }
    }
}

#[test]
fn every_documented_state_string_can_be_produced() {
    let transfer_states = [
        (TransferStates::REQUESTED, "Requested"),
        (TransferStates::QUEUED_LOCALLY, "Queued, Locally"),
        (TransferStates::QUEUED_REMOTELY, "Queued, Remotely"),
        (TransferStates::INITIALIZING, "Initializing"),
        (TransferStates::IN_PROGRESS, "InProgress"),
        (TransferStates::COMPLETED_SUCCEEDED, "Completed, Succeeded"),
        (TransferStates::COMPLETED_CANCELLED, "Completed, Cancelled"),
        (TransferStates::COMPLETED_TIMED_OUT, "Completed, TimedOut"),
        (TransferStates::COMPLETED_ERRORED, "Completed, Errored"),
        (TransferStates::COMPLETED_REJECTED, "Completed, Rejected"),
        (TransferStates::COMPLETED_ABORTED, "Completed, Aborted"),
    ];
    for (state, name) in transfer_states {
        assert_eq!(state.name(), name);
        assert_eq!(TransferStates::parse(name), Some(state));
    }
    assert_eq!(TransferStates::COMPLETED_SUCCEEDED.0, 48);
    assert_eq!(TransferStates::COMPLETED_REJECTED.0, 528);
    assert!(TransferStates::COMPLETED_ABORTED.is_terminal());
    assert_eq!(
        (SearchStates::COMPLETED | SearchStates::FILE_LIMIT_REACHED).name(),
        "Completed, FileLimitReached"
    );
    assert!(SearchStates::ERRORED.is_complete());
    assert!(!SearchStates::IN_PROGRESS.is_complete());
    assert_eq!(
        ServerStates::CONNECTED_LOGGED_IN.name(),
        "Connected, LoggedIn"
    );
}
