//! The MusicBrainz, Cover Art Archive and LRCLIB clients, cache first, against the testkit's
//! faithful fakes: MusicBrainz's rate limit is never exceeded while lookups run in a bounded
//! parallel batch, a second pass and concurrent identical lookups cost no extra calls, a generic
//! User-Agent is refused, the archive's redirect chain ends in image bytes, and LRCLIB is asked
//! cache first and its answers kept.

use std::time::{Duration, Instant};

use soulspot_application::batch::bounded;
use soulspot_application::breaker::BreakerSettings;
use soulspot_application::health::HealthRegistry;
use soulspot_domain::upstream::UpstreamFailure;
use soulspot_domain::upstream::artwork::{CoverArtSource, CoverOf, CoverSize};
use soulspot_domain::upstream::lyrics::{LyricsQuery, LyricsSource};
use soulspot_domain::upstream::musicbrainz::MusicBrainzLookup;
use soulspot_domain::{Isrc, Mbid, TrackDuration};
use soulspot_infrastructure::http::{
    HttpClient, HttpClientSettings, RateLimitSettings, Upstream, UpstreamSettings,
};
use soulspot_infrastructure::upstreams::cache::CacheSettings;
use soulspot_infrastructure::upstreams::coverart::CoverArtClient;
use soulspot_infrastructure::upstreams::decorators::{CachedLyrics, CachedMusicBrainz};
use soulspot_infrastructure::upstreams::lrclib::LrclibClient;
use soulspot_infrastructure::upstreams::musicbrainz::{MusicBrainzClient, musicbrainz_user_agent};
use soulspot_testkit::catalog::catalog_batch;
use soulspot_testkit::fake::Running;
use soulspot_testkit::fake::coverart::{CoverImageSeed, FakeCoverArtArchive};
use soulspot_testkit::fake::lrclib::FakeLrclib;
use soulspot_testkit::fake::musicbrainz::FakeMusicBrainz;

fn policy(base_url: String, user_agent: String, rate: Option<RateLimitSettings>) -> Upstream {
    let mut settings = UpstreamSettings::new("under-test", base_url, user_agent);
    settings.rate_limit = rate;
    settings.max_concurrency = 8;
    let handle = HealthRegistry::new(std::sync::Arc::new(soulspot_infrastructure::SystemClock))
        .register_upstream("under-test", false, BreakerSettings::default());
    Upstream::new(
        HttpClient::new(&HttpClientSettings::default()).unwrap(),
        settings,
        handle,
    )
    .unwrap()
}

fn cache() -> CacheSettings {
    CacheSettings::new(1_000, Duration::from_secs(3600), Duration::from_secs(60))
}

fn agent() -> String {
    musicbrainz_user_agent("0.1.0", Some("ops@soulspot.example")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bounded_batch_stays_within_the_rate_limit_and_a_second_pass_is_free() {
    let running = Running::start(FakeMusicBrainz::new()).await;
    let batch = catalog_batch(7, 0, 50);
    let seeded = running.fake.seed_catalog_batch(&batch);
    // MusicBrainz allows one request a second; the fake and the client are scaled to 20/s and
    // 10/s so the test takes seconds, keeping the client well under the server's limit as the
    // real setting (1/s against 1/s) does through the same limiter.
    running.fake.set_rate_limit(20.0, 2);
    let client = CachedMusicBrainz::new(
        MusicBrainzClient::new(policy(
            format!("{}/ws/2", running.url()),
            agent(),
            RateLimitSettings::per_second(10.0, 1),
        )),
        cache(),
    );
    let ids: Vec<Mbid> = seeded
        .recordings
        .iter()
        .map(|id| Mbid::parse(id).unwrap())
        .collect();
    assert_eq!(ids.len(), 50);

    let started = Instant::now();
    // Five in flight at once; the limiter still lets only ten a second through.
    let found = bounded(ids.iter(), 5, |id| client.recording(id)).await;
    let elapsed = started.elapsed();
    assert!(found.iter().all(|result| matches!(result, Ok(Some(_)))));
    assert_eq!(
        running.fake.throttled_requests(),
        0,
        "no 503 from MusicBrainz"
    );
    assert_eq!(running.server.requests().len(), 50);
    assert!(
        elapsed >= Duration::from_millis(4_800),
        "50 lookups at 10/s took only {elapsed:?}"
    );
    let times: Vec<_> = running.server.requests().iter().map(|r| r.at).collect();
    for pair in times.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(60),
            "two requests {:?} apart",
            pair[1] - pair[0]
        );
    }

    // The same lookups again: answered from the cache, no upstream call.
    let again = bounded(ids.iter(), 5, |id| client.recording(id)).await;
    assert_eq!(again.len(), 50);
    assert_eq!(running.server.requests().len(), 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_identical_lookups_make_one_call() {
    let running = Running::start(FakeMusicBrainz::new()).await;
    let batch = catalog_batch(11, 0, 3);
    running.fake.seed_catalog_batch(&batch);
    let isrc: Isrc = batch.tracks[0].isrc.clone().unwrap();
    let client = std::sync::Arc::new(CachedMusicBrainz::new(
        MusicBrainzClient::new(policy(
            format!("{}/ws/2", running.url()),
            agent(),
            RateLimitSettings::per_second(1.0, 1),
        )),
        cache(),
    ));
    let mut lookups = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let client = client.clone();
        let isrc = isrc.clone();
        lookups.spawn(async move { client.recordings_by_isrc(&isrc).await });
    }
    for result in lookups.join_all().await {
        assert!(!result.unwrap().is_empty());
    }
    assert_eq!(running.server.requests().len(), 1);
}

#[tokio::test]
async fn a_generic_user_agent_is_refused_by_musicbrainz() {
    let running = Running::start(FakeMusicBrainz::new()).await;
    let client = MusicBrainzClient::new(policy(
        format!("{}/ws/2", running.url()),
        "hyper/1.0".into(),
        None,
    ));
    let error = client
        .recordings_by_isrc(&Isrc::parse("GBHLT2400001").unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(error, UpstreamFailure::Refused { status: 403, .. }),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cover_art_follows_the_archive_to_image_bytes_and_falls_back_to_the_group() {
    const RELEASE: &str = "6b3b7e5f-0d8b-4a4e-9a3c-2f1d0c9b8a71";
    const BARE: &str = "7c4c8f60-1e9c-4b5f-8b4d-3a2e1d0c9b82";
    const GROUP: &str = "8d5d9071-2fad-4c60-9c5e-4b3f2e1d0a93";
    let running = Running::start(FakeCoverArtArchive::new()).await;
    running
        .fake
        .add_image(RELEASE, CoverImageSeed::front().sized(800, 800));
    running
        .fake
        .link_release_group(GROUP, &[BARE.to_owned(), RELEASE.to_owned()]);
    let client = CoverArtClient::new(policy(running.url(), agent(), None));

    let image = client
        .front_cover(
            &CoverOf::Release(Mbid::parse(RELEASE).unwrap()),
            CoverSize::Large,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(image.content_type, "image/jpeg");
    assert!(image.bytes.starts_with(&[0xff, 0xd8]) && image.bytes.ends_with(&[0xff, 0xd9]));
    assert_eq!(
        client
            .front_cover(
                &CoverOf::Release(Mbid::parse(BARE).unwrap()),
                CoverSize::Large
            )
            .await
            .unwrap(),
        None
    );
    let group = client
        .front_cover(
            &CoverOf::ReleaseGroup(Mbid::parse(GROUP).unwrap()),
            CoverSize::Small,
        )
        .await
        .unwrap();
    assert!(group.is_some());
    assert_eq!(running.fake.images_served(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lyrics_come_cache_first_and_are_then_cached() {
    let running = Running::start(FakeLrclib::with_sample_records()).await;
    let client = CachedLyrics::new(
        LrclibClient::new(policy(format!("{}/api", running.url()), agent(), None)),
        cache(),
    );
    let query = LyricsQuery {
        artist: "Neon Ghost".into(),
        title: "Midnight Signal".into(),
        album: Some("Signals".into()),
        duration: Some(TrackDuration::from_secs_f64(198.0).unwrap()),
    };
    let lyrics = client.lyrics(&query).await.unwrap().unwrap();
    assert!(lyrics.synced.is_some() || lyrics.plain.is_some());
    let paths: Vec<String> = running
        .server
        .requests()
        .iter()
        .map(|request| request.path.clone())
        .collect();
    assert_eq!(
        paths,
        ["/api/get-cached", "/api/get"],
        "cache first, then get"
    );
    assert_eq!(running.fake.external_lookups(), 1);
    // Asked again: the decorator answers, LRCLIB is not called.
    client.lyrics(&query).await.unwrap();
    assert_eq!(running.server.requests().len(), 2);
}

/// The real setting on paused time: MusicBrainz's one request a second against a client limited to
/// one a second, 50 lookups five at a time, everything on this test's single-threaded runtime.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn fifty_lookups_run_at_one_request_a_second_on_paused_time() {
    let running = Running::start(FakeMusicBrainz::new()).await;
    let batch = catalog_batch(5, 0, 50);
    let seeded = running.fake.seed_catalog_batch(&batch);
    running.fake.set_rate_limit(1.0, 1);
    let client = MusicBrainzClient::new(policy(
        format!("{}/ws/2", running.url()),
        agent(),
        RateLimitSettings::per_second(1.0, 1),
    ));
    let ids: Vec<Mbid> = seeded
        .recordings
        .iter()
        .map(|id| Mbid::parse(id).unwrap())
        .collect();
    let started = tokio::time::Instant::now();
    let found = bounded(ids.iter(), 5, |id| client.recording(id)).await;
    let elapsed = started.elapsed();
    assert!(found.iter().all(|result| matches!(result, Ok(Some(_)))));
    assert_eq!(
        running.fake.throttled_requests(),
        0,
        "no 503 from MusicBrainz"
    );
    assert_eq!(running.server.requests().len(), 50);
    assert!(
        elapsed >= Duration::from_secs(49) && elapsed < Duration::from_secs(51),
        "50 lookups at 1/s took {elapsed:?}"
    );
}
