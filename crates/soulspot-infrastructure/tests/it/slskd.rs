//! The slskd client over real HTTP against the testkit's fake slskd: searches from start to
//! answers to deletion, the Soulseek search budget, another client's in-flight `429`s waited out,
//! a lost answer to a search retried safely, and the API key. Downloads are in `downloads`, the
//! reading of slskd's JSON (fixtures, malformed bodies, every state string) in `reading`.

mod downloads;
mod reading;

use std::path::Path;
use std::time::{Duration, Instant};

use soulspot_application::breaker::BreakerSettings;
use soulspot_application::health::HealthRegistry;
use soulspot_domain::upstream::UpstreamFailure;
use soulspot_domain::upstream::soulseek::{
    SearchRequest, SearchStateFlags, SoulseekNetwork, SoulseekSearchId,
};
use soulspot_infrastructure::http::{
    HttpClient, HttpClientSettings, RateLimitSettings, RetrySettings, Upstream, UpstreamRequest,
    UpstreamSettings,
};
use soulspot_infrastructure::upstreams::slskd::{SlskdClient, SlskdSettings};
use soulspot_testkit::fake::Running;
use soulspot_testkit::fake::slskd::{FakeSlskd, Peer, ServerStates, SlskdConfig};

const API_KEY: &str = "soulspot-test-api-key-0123456789";

async fn start_fake(downloads: &Path) -> Running<FakeSlskd> {
    Running::start(FakeSlskd::new(SlskdConfig::new(API_KEY, downloads))).await
}

/// The policy's settings for the fake: quick retries, so tests do not wait on backoff.
fn upstream_settings(base_url: String) -> UpstreamSettings {
    let mut settings = UpstreamSettings::new("slskd", base_url, "SoulSpot-test/1 ( tests )");
    settings.retry = RetrySettings {
        max_retries: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        max_wait: Duration::from_secs(10),
    };
    settings
}

fn upstream(settings: UpstreamSettings) -> Upstream {
    let handle = HealthRegistry::new(std::sync::Arc::new(soulspot_infrastructure::SystemClock))
        .register_upstream(
            settings.name.clone(),
            false,
            BreakerSettings {
                failure_threshold: 100,
                cool_down: Duration::from_secs(60),
                half_open_probes: 1,
            },
        );
    Upstream::new(
        HttpClient::new(&HttpClientSettings::default()).unwrap(),
        settings,
        handle,
    )
    .unwrap()
}

/// Client settings for tests: a generous budget unless a test sets one, quick polling.
fn client_settings() -> SlskdSettings {
    let mut settings = SlskdSettings::new(API_KEY);
    settings.search_budget = RateLimitSettings::per_second(1_000.0, 1_000).unwrap();
    settings.search_poll_interval = Duration::from_millis(20);
    settings.busy_wait = Duration::from_secs(10);
    settings
}

fn client_with(base_url: String, settings: SlskdSettings) -> SlskdClient {
    SlskdClient::new(upstream(upstream_settings(base_url)), settings)
}

fn client(running: &Running<FakeSlskd>) -> SlskdClient {
    client_with(running.api_url(), client_settings())
}

fn milliseconds(count: u64) -> Duration {
    Duration::from_millis(count)
}

/// The testkit's river-song peers, answering at 100, 200 and 300 ms.
fn river_peers() -> Vec<Peer> {
    soulspot_testkit::fake::slskd::scenario::river_peers(milliseconds(200), milliseconds(300))
}

fn river_search() -> SearchRequest {
    let mut request = SearchRequest::new("river song");
    request.search_timeout = milliseconds(300);
    request
}

#[tokio::test]
async fn a_search_runs_to_its_answers_and_is_deleted() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start_fake(downloads.path()).await;
    running.fake.add_peers(river_peers());
    let slskd = client(&running);

    let state = slskd.server_state().await.unwrap();
    assert!(state.is_ready(), "{state:?}");
    assert_eq!(state.state, "Connected, LoggedIn");

    let id = SoulseekSearchId::from_random_bytes(rand::random());
    let started = slskd
        .start_search(&river_search().with_id(id.clone()))
        .await
        .unwrap();
    assert_eq!(started.id, id, "our own id is used");
    assert_eq!(started.state, SearchStateFlags::REQUESTED);
    assert!(!started.is_complete);
    assert_eq!(started.search_text, "river song");
    // While it runs, slskd hands out no answers yet.
    assert_eq!(slskd.search_responses(&id).await.unwrap(), Some(Vec::new()));

    let finished = slskd.follow_search(&id, milliseconds(300)).await.unwrap();
    assert!(finished.is_complete);
    assert_eq!(
        finished.state,
        SearchStateFlags::COMPLETED | SearchStateFlags::TIMED_OUT
    );
    assert_eq!(
        (
            finished.response_count,
            finished.file_count,
            finished.locked_file_count
        ),
        (3, 4, 1)
    );
    assert!(finished.started_at.is_some() && finished.ended_at.is_some());

    let responses = slskd.search_responses(&id).await.unwrap().unwrap();
    let usernames: Vec<&str> = responses
        .iter()
        .map(|response| response.username.as_str())
        .collect();
    assert_eq!(usernames, ["fast", "middle", "slow"]);
    let fast = &responses[0];
    assert_eq!(fast.files.len(), 2);
    let flac = &fast.files[0];
    assert_eq!(
        flac.filename,
        r"@@music\Band\2001 - River Song\01 - River Song.flac"
    );
    assert_eq!(flac.file_name(), "01 - River Song.flac");
    assert_eq!(flac.directory(), r"@@music\Band\2001 - River Song");
    assert_eq!(flac.extension.as_deref(), Some("flac"));
    assert_eq!(
        (flac.bit_depth, flac.sample_rate, flac.length_seconds),
        (Some(16), Some(44_100), Some(240))
    );
    assert_eq!(flac.bit_rate, None, "not reported for this FLAC");
    assert_eq!(flac.size, 240 * 112_500);
    let mp3 = &responses[1].files[0];
    assert_eq!(
        (mp3.bit_rate, mp3.is_variable_bit_rate),
        (Some(320), Some(false))
    );
    let slow = &responses[2];
    assert_eq!(slow.files.len(), 1);
    assert_eq!(slow.locked_files.len(), 1);
    assert!(
        slow.locked_files[0].is_locked,
        "known by being in lockedFiles"
    );
    assert!(!slow.files[0].is_locked);
    assert!(fast.has_free_upload_slot);
    assert_eq!(fast.upload_speed, 1_000_000);

    assert!(slskd.delete_search(&id).await.unwrap());
    assert_eq!(slskd.search_status(&id).await.unwrap(), None);
    assert_eq!(slskd.search_responses(&id).await.unwrap(), None);
    assert!(!slskd.delete_search(&id).await.unwrap());

    // Every request carried the key.
    let requests = running.server.requests();
    assert!(requests.len() >= 8);
    assert!(
        requests
            .iter()
            .all(|request| request.header("x-api-key") == Some(API_KEY))
    );
}

#[tokio::test]
async fn search_to_completion_chooses_an_id_and_collects_the_answers() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start_fake(downloads.path()).await;
    running.fake.add_peers(river_peers());
    let slskd = client(&running);

    let completed = slskd.search_to_completion(&river_search()).await.unwrap();
    assert!(completed.status.is_complete);
    assert_eq!(completed.responses.len(), 3);
    let started = running.fake.started_searches();
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].id, completed.status.id.as_str());
}

#[tokio::test]
async fn a_search_running_past_its_time_is_stopped_and_keeps_its_answers() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start_fake(downloads.path()).await;
    running.fake.add_peers(river_peers());
    running.fake.freeze_time();
    let mut settings = client_settings();
    settings.search_overrun = milliseconds(100);
    let slskd = client_with(running.api_url(), settings);

    let started = slskd.start_search(&river_search()).await.unwrap();
    // Two answers have arrived; the fake's clock then stands still, so the search never ends.
    running.fake.advance_time(milliseconds(250));
    let begun = Instant::now();
    let status = slskd
        .follow_search(&started.id, milliseconds(300))
        .await
        .unwrap();
    assert!(
        begun.elapsed() >= milliseconds(400),
        "{:?}",
        begun.elapsed()
    );
    assert_eq!(
        status.state,
        SearchStateFlags::COMPLETED | SearchStateFlags::CANCELLED
    );
    assert_eq!(
        slskd
            .search_responses(&started.id)
            .await
            .unwrap()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn searches_stay_within_the_budget() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start_fake(downloads.path()).await;
    // The fake's clock runs with real time: the budget is measured where the searches arrive.
    let mut settings = client_settings();
    settings.search_budget = RateLimitSettings::at_most(3, milliseconds(600)).unwrap();
    let slskd = client_with(running.api_url(), settings);

    let mut searches = tokio::task::JoinSet::new();
    for index in 0..7 {
        let slskd = slskd.clone();
        searches.spawn(async move {
            slskd
                .start_search(&SearchRequest::new(format!("query {index}")))
                .await
        });
    }
    for result in searches.join_all().await {
        result.unwrap();
    }
    let started = running.fake.started_searches();
    assert_eq!(started.len(), 7);
    let span = started[6].at.duration_since(started[0].at);
    // One search every 300 ms after the first: 1.8 s for seven (less a little arrival jitter).
    assert!(span >= milliseconds(1_750), "{span:?}");
    let most = running.fake.most_searches_within(milliseconds(600));
    assert!(most <= 3, "{most} searches within 600 ms");
}

#[tokio::test]
async fn another_clients_search_in_flight_is_waited_out() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start_fake(downloads.path()).await;
    running.fake.add_peers(river_peers());
    running.fake.set_search_in_flight(milliseconds(800));
    let slskd = client(&running);

    // Another client (another process using the same slskd) starts a search first.
    let other = upstream(upstream_settings(running.api_url()));
    let other_search = tokio::spawn(async move {
        let request = UpstreamRequest::new(http::Method::POST, "/searches")
            .header(http::HeaderName::from_static("x-api-key"), API_KEY)
            .json_body(&serde_json::json!({"searchText": "ocean"}))
            .unwrap();
        other.send(request).await.unwrap().status
    });
    while running.server.requests_to("/api/v0/searches").is_empty() {
        tokio::time::sleep(milliseconds(5)).await;
    }

    let begun = Instant::now();
    let ours = slskd.start_search(&river_search()).await.unwrap();
    assert_eq!(other_search.await.unwrap(), 200);
    assert!(
        begun.elapsed() >= milliseconds(500),
        "ours waited for the other: {:?}",
        begun.elapsed()
    );
    let started = running.fake.started_searches();
    assert_eq!(started.len(), 2);
    assert_eq!(started[1].id, ours.id.as_str());
    let posts = running.server.requests_to("/api/v0/searches").len();
    assert!(posts >= 3, "ours was refused at least once: {posts} POSTs");
}

#[tokio::test]
async fn a_lost_answer_to_a_search_is_retried_without_a_second_search() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start_fake(downloads.path()).await;
    running.fake.add_peers(river_peers());
    // slskd takes longer than the request timeout: the first answer is lost, though the search
    // was started; the retries meet a 429 while it is processed, then a 409 (the id exists).
    running.fake.set_search_in_flight(milliseconds(600));
    let mut settings = upstream_settings(running.api_url());
    settings.request_timeout = milliseconds(300);
    let slskd = SlskdClient::new(upstream(settings), client_settings());

    let status = slskd.start_search(&river_search()).await.unwrap();
    let started = running.fake.started_searches();
    assert_eq!(started.len(), 1, "one search, whatever the retries");
    assert_eq!(started[0].id, status.id.as_str());
    assert!(running.server.requests_to("/api/v0/searches").len() >= 3);

    // A 409 for a search that is not ours (the server connection is down) is a refusal.
    running.fake.set_search_in_flight(Duration::ZERO);
    running.fake.set_server_state(ServerStates::DISCONNECTED);
    let refused = slskd.start_search(&river_search()).await.unwrap_err();
    assert!(
        matches!(refused, UpstreamFailure::Refused { status: 409, .. }),
        "{refused}"
    );
    assert!(!slskd.server_state().await.unwrap().is_ready());
}

#[tokio::test]
async fn the_api_key_is_required() {
    let downloads = tempfile::tempdir().unwrap();
    let running = start_fake(downloads.path()).await;

    let unconfigured = client_with(running.api_url(), SlskdSettings::new("  "));
    let failure = unconfigured.server_state().await.unwrap_err();
    assert!(
        matches!(failure, UpstreamFailure::NotConfigured { .. }),
        "{failure}"
    );
    let failure = unconfigured.downloads().await.unwrap_err();
    assert!(
        matches!(failure, UpstreamFailure::NotConfigured { .. }),
        "{failure}"
    );
    assert!(running.server.requests().is_empty(), "nothing was sent");

    let wrong = client_with(
        running.api_url(),
        SlskdSettings::new("another-key-of-enough-length"),
    );
    let failure = wrong.server_state().await.unwrap_err();
    assert!(
        matches!(failure, UpstreamFailure::Refused { status: 401, .. }),
        "{failure}"
    );
    assert!(!format!("{:?}", client(&running)).contains(API_KEY));
}
