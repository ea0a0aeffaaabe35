//! The MusicBrainz, Cover Art Archive and LRCLIB clients on fixtures shaped like the services'
//! real answers (fields SoulSpot does not read included, optional fields missing or null), served
//! over loopback: the clients read what they need, ignore the rest, and turn a malformed or
//! unexpected answer into a typed failure.

use std::time::Duration;

use http::StatusCode;
use soulspot_application::breaker::BreakerSettings;
use soulspot_application::health::HealthRegistry;
use soulspot_domain::upstream::UpstreamFailure;
use soulspot_domain::upstream::artwork::{CoverArtSource, CoverOf, CoverSize};
use soulspot_domain::upstream::lyrics::{LyricsQuery, LyricsSource};
use soulspot_domain::upstream::musicbrainz::{MusicBrainzLookup, RecordingQuery};
use soulspot_domain::{Isrc, Mbid, TrackDuration};
use soulspot_infrastructure::http::{
    HttpClient, HttpClientSettings, RetrySettings, Upstream, UpstreamSettings,
};
use soulspot_infrastructure::upstreams::coverart::CoverArtClient;
use soulspot_infrastructure::upstreams::lrclib::LrclibClient;
use soulspot_infrastructure::upstreams::musicbrainz::{MusicBrainzClient, lucene_query};
use soulspot_testkit::fake::{
    FakeRequest, FakeResponse, FakeServer, Fault, json_response, redirect_response, text_response,
};

const RECORDING: &str = "e7ae9e5e-3c3f-4c4f-8a8d-2c5d6b6f9e01";
const ARTIST: &str = "b10bbbfc-cf9e-42e0-be17-e2c3e1d2600d";
const RELEASE: &str = "0b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b";
const GROUP: &str = "c9fdb94c-4975-4ed6-a96f-ef6d80bb7738";

/// An ISRC lookup as MusicBrainz answers it with `inc=artists+releases+isrcs+release-groups`,
/// including fields SoulSpot does not read and a second recording whose optional fields are null.
fn isrc_lookup() -> serde_json::Value {
    serde_json::json!({
        "isrc": "GBAYE6900522",
        "recordings": [
            {
                "id": RECORDING,
                "title": "Something",
                "length": 182_000,
                "video": false,
                "disambiguation": "",
                "first-release-date": "1969-09-26",
                "isrcs": ["GBAYE6900522"],
                "artist-credit": [{
                    "name": "The Beatles",
                    "joinphrase": "",
                    "artist": {
                        "id": ARTIST,
                        "name": "The Beatles",
                        "sort-name": "Beatles, The",
                        "disambiguation": "UK rock band",
                        "type": "Group",
                        "type-id": "e431f5f6-b5d2-343d-8b36-72607fffb74b",
                        "genres": []
                    }
                }],
                "releases": [{
                    "id": RELEASE,
                    "title": "Abbey Road",
                    "status": "Official",
                    "status-id": "4e304316-386d-3409-af2e-78857eec5cfe",
                    "date": "1969-09-26",
                    "country": "GB",
                    "quality": "normal",
                    "packaging": null,
                    "barcode": null,
                    "text-representation": {"language": "eng", "script": "Latn"},
                    "release-events": [{"date": "1969-09-26", "area": null}],
                    "release-group": {
                        "id": GROUP,
                        "title": "Abbey Road",
                        "primary-type": "Album",
                        "primary-type-id": "f529b476-6e62-324f-b0aa-1f3e33d313fc",
                        "secondary-types": [],
                        "first-release-date": "1969-09-26",
                        "disambiguation": ""
                    }
                }]
            },
            {
                "id": "11111111-2222-4333-8444-555555555555",
                "title": "Something (remaster)",
                "length": null,
                "artist-credit": [],
                "releases": []
            }
        ]
    })
}

fn release_lookup() -> serde_json::Value {
    serde_json::json!({
        "id": RELEASE,
        "title": "Abbey Road",
        "date": "1969-09-26",
        "country": "GB",
        "status": "Official",
        "barcode": "",
        "asin": null,
        "cover-art-archive": {"artwork": true, "count": 12, "front": true, "back": true},
        "artist-credit": [{
            "name": "The Beatles", "joinphrase": "",
            "artist": {"id": ARTIST, "name": "The Beatles", "sort-name": "Beatles, The"}
        }],
        "release-group": {"id": GROUP, "title": "Abbey Road", "primary-type": "Album",
                          "first-release-date": "1969-09-26"},
        "media": [{
            "position": 1,
            "format": "12\" Vinyl",
            "format-id": "3e9080b0-5e6c-34ab-bd15-f526b6306a64",
            "title": "",
            "track-count": 2,
            "track-offset": 0,
            "tracks": [
                {"id": "aaaaaaaa-1111-4222-8333-444444444444", "number": "A1", "position": 1,
                 "title": "Come Together", "length": 259_946,
                 "recording": {"id": "bbbbbbbb-1111-4222-8333-444444444444",
                               "title": "Come Together", "length": 259_946, "video": false}},
                {"id": "cccccccc-1111-4222-8333-444444444444", "number": "A2", "position": 2,
                 "title": null, "length": null,
                 "recording": {"id": RECORDING, "title": "Something", "length": 182_000}}
            ]
        }]
    })
}

fn musicbrainz(request: &FakeRequest) -> FakeResponse {
    let path = request.path.as_str();
    if path == "/ws/2/isrc/GBAYE6900522" {
        return json_response(StatusCode::OK, &isrc_lookup());
    }
    if path == format!("/ws/2/release/{RELEASE}") {
        return json_response(StatusCode::OK, &release_lookup());
    }
    if path == "/ws/2/recording" {
        // Search scores: numbers today; an older serialiser sent strings.
        return json_response(
            StatusCode::OK,
            &serde_json::json!({
                "created": "2026-11-28T20:00:00.000Z", "count": 2, "offset": 0,
                "recordings": [
                    {"id": RECORDING, "score": 100, "title": "Something", "length": 182_000},
                    {"id": "11111111-2222-4333-8444-555555555555", "score": "87", "title": "Something"}
                ]
            }),
        );
    }
    if path.starts_with("/ws/2/isrc/") || path.starts_with("/ws/2/release/") {
        return json_response(
            StatusCode::NOT_FOUND,
            &serde_json::json!({"error": "Not Found"}),
        );
    }
    json_response(
        StatusCode::BAD_REQUEST,
        &serde_json::json!({"error": "Invalid mbid."}),
    )
}

fn upstream(server: &FakeServer, path: &str) -> Upstream {
    let mut settings = UpstreamSettings::new(
        "fixture",
        format!("{}{path}", server.url()),
        "SoulSpot/0.1.0 ( tests@example.org )",
    );
    settings.retry = RetrySettings {
        max_retries: 1,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(20),
        max_wait: Duration::from_secs(5),
    };
    // The Cover Art Archive's limit in the default configuration.
    settings.max_body_bytes = 10 * 1024 * 1024;
    let handle = HealthRegistry::new(std::sync::Arc::new(soulspot_infrastructure::SystemClock))
        .register_upstream("fixture", false, BreakerSettings::default());
    Upstream::new(
        HttpClient::new(&HttpClientSettings::default()).unwrap(),
        settings,
        handle,
    )
    .unwrap()
}

#[tokio::test]
async fn musicbrainz_reads_real_shapes_and_ignores_what_it_does_not_need() {
    let server = FakeServer::start(musicbrainz).await;
    let client = MusicBrainzClient::new(upstream(&server, "/ws/2"));

    let recordings = client
        .recordings_by_isrc(&Isrc::parse("GBAYE6900522").unwrap())
        .await
        .unwrap();
    assert_eq!(recordings.len(), 2);
    let something = &recordings[0];
    assert_eq!(something.id.as_str(), RECORDING);
    assert_eq!(
        something.length,
        Some(TrackDuration::from_millis(182_000).unwrap())
    );
    assert_eq!(
        something.artist_credit[0].sort_name.as_deref(),
        Some("Beatles, The")
    );
    assert_eq!(something.isrcs, vec![Isrc::parse("GBAYE6900522").unwrap()]);
    let group = something.releases[0].release_group.as_ref().unwrap();
    assert_eq!(group.primary_type.as_deref(), Some("Album"));
    assert_eq!(recordings[1].length, None, "a null length is no length");
    let request = &server.requests()[0];
    assert!(request.query.contains("fmt=json"), "{}", request.query);
    assert_eq!(
        request.header("user-agent"),
        Some("SoulSpot/0.1.0 ( tests@example.org )")
    );

    let release = client
        .release(&Mbid::parse(RELEASE).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(release.barcode, None, "an empty barcode is none");
    let tracks = &release.media[0].tracks;
    assert_eq!(tracks[0].number, "A1");
    assert_eq!(
        tracks[1].title, "Something",
        "a null title falls back to the recording's"
    );
    assert_eq!(
        tracks[1].length,
        Some(TrackDuration::from_millis(182_000).unwrap())
    );

    let found = client
        .search_recordings(
            &RecordingQuery {
                artist: "The Beatles".into(),
                title: "Something".into(),
                duration: None,
            },
            5,
        )
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|found| found.score).collect::<Vec<_>>(),
        vec![Some(100), Some(87)]
    );

    // Unknown ISRCs and releases are "not found", not failures.
    assert!(
        client
            .recordings_by_isrc(&Isrc::parse("USRC17607839").unwrap())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        client.release(&Mbid::parse(GROUP).unwrap()).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn a_malformed_answer_is_a_typed_failure_and_no_contact_means_not_configured() {
    let server = FakeServer::start(musicbrainz).await;
    let client = MusicBrainzClient::new(upstream(&server, "/ws/2"));
    server.faults().next(1, Fault::Malformed);
    let error = client
        .recordings_by_isrc(&Isrc::parse("GBAYE6900522").unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(error, UpstreamFailure::Malformed { .. }),
        "{error}"
    );

    let unconfigured = MusicBrainzClient::unconfigured();
    let error = unconfigured
        .recordings_by_isrc(&Isrc::parse("GBAYE6900522").unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(error, UpstreamFailure::NotConfigured { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("musicbrainz.contact"), "{error}");
}

#[test]
fn lucene_queries_quote_and_escape_and_bound_the_duration() {
    let query = RecordingQuery {
        artist: "AC/DC".into(),
        title: "It's a \"Long\" Way \\ Top".into(),
        duration: Some(TrackDuration::from_millis(301_000).unwrap()),
    };
    assert_eq!(
        lucene_query(&query),
        "recording:\"It's a \\\"Long\\\" Way \\\\ Top\" AND artist:\"AC/DC\" AND dur:[298000 TO 304000]"
    );
}

/// The archive's 307 to the image's home, which serves bytes; 404 for a release without art.
fn cover_art(request: &FakeRequest) -> FakeResponse {
    match request.path.as_str() {
        path if path == format!("/release/{RELEASE}/front-500") => redirect_response(
            StatusCode::TEMPORARY_REDIRECT,
            "/download/mbid-0b2c/0b2c-500.jpg",
        ),
        "/download/mbid-0b2c/0b2c-500.jpg" => {
            let mut response = text_response(StatusCode::OK, "image/jpeg", String::new());
            *response.body_mut() = http_body_util::Full::new(bytes::Bytes::from_static(
                b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\xff\xd9",
            ));
            response
        }
        path if path.starts_with("/release-group/") => {
            text_response(StatusCode::OK, "text/html", "<html>oops</html>".into())
        }
        // Says it is an image; its bytes say otherwise.
        path if path == format!("/release/{GROUP}/front") => {
            text_response(StatusCode::OK, "image/jpeg", "<html>oops</html>".into())
        }
        // A real image's first bytes, then 11 MiB more.
        path if path == format!("/release/{GROUP}/front-1200") => {
            let mut response = text_response(StatusCode::OK, "image/jpeg", String::new());
            let mut bytes = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00".to_vec();
            bytes.resize(11 * 1024 * 1024, 0);
            *response.body_mut() = http_body_util::Full::new(bytes::Bytes::from(bytes));
            response
        }
        _ => text_response(StatusCode::NOT_FOUND, "text/plain", "Not Found".into()),
    }
}

#[tokio::test]
async fn cover_art_follows_the_redirect_and_tells_none_from_nonsense() {
    let server = FakeServer::start(cover_art).await;
    let client = CoverArtClient::new(upstream(&server, ""));
    let image = client
        .front_cover(
            &CoverOf::Release(Mbid::parse(RELEASE).unwrap()),
            CoverSize::Large,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(image.content_type, "image/jpeg");
    assert!(image.bytes.starts_with(b"\xff\xd8"));
    let none = client
        .front_cover(
            &CoverOf::Release(Mbid::parse(GROUP).unwrap()),
            CoverSize::Small,
        )
        .await
        .unwrap();
    assert_eq!(none, None);
    let error = client
        .front_cover(
            &CoverOf::ReleaseGroup(Mbid::parse(GROUP).unwrap()),
            CoverSize::Original,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, UpstreamFailure::Malformed { .. }),
        "{error}"
    );
    let release = CoverOf::Release(Mbid::parse(GROUP).unwrap());
    let error = client
        .front_cover(&release, CoverSize::Original)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, UpstreamFailure::Malformed { message, .. } if message.contains("not JPEG")),
        "a Content-Type is not believed: {error}"
    );
    let error = client
        .front_cover(&release, CoverSize::ExtraLarge)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, UpstreamFailure::Malformed { message, .. } if message.contains("larger than")),
        "an image over 10 MiB is refused: {error}"
    );
}

/// LRCLIB: nothing in its own database, then a match from `/get`; a search for the rest.
fn lrclib(request: &FakeRequest) -> FakeResponse {
    let record = |title: &str, duration: f64| {
        serde_json::json!({
            "id": 3396226, "name": title, "trackName": title, "artistName": "Borislav Slavov",
            "albumName": "Baldur's Gate 3", "duration": duration, "instrumental": false,
            "plainLyrics": "I feel your breath upon my neck",
            "syncedLyrics": "[00:17.12] I feel your breath upon my neck"
        })
    };
    let not_found = || {
        json_response(
            StatusCode::NOT_FOUND,
            &serde_json::json!({"code": 404, "name": "TrackNotFound",
                                "message": "Failed to find specified track"}),
        )
    };
    match (request.path.as_str(), request.query("track_name")) {
        ("/api/get-cached", _) => not_found(),
        ("/api/get", Some("I Want to Live")) => {
            json_response(StatusCode::OK, &record("I Want to Live", 233.0))
        }
        ("/api/get", _) => not_found(),
        ("/api/search", _) => json_response(
            StatusCode::OK,
            &serde_json::json!([record("Raphael", 300.0), record("Raphael", 181.4)]),
        ),
        _ => not_found(),
    }
}

#[tokio::test]
async fn lyrics_try_the_cache_then_get_then_search_within_two_seconds() {
    let server = FakeServer::start(lrclib).await;
    let client = LrclibClient::new(upstream(&server, "/api"));
    let query = |title: &str, seconds: f64| LyricsQuery {
        artist: "Borislav Slavov".into(),
        title: title.into(),
        album: Some("Baldur's Gate 3".into()),
        duration: Some(TrackDuration::from_secs_f64(seconds).unwrap()),
    };
    let found = client
        .lyrics(&query("I Want to Live", 233.0))
        .await
        .unwrap()
        .unwrap();
    assert!(found.synced.as_deref().unwrap().starts_with("[00:17.12]"));
    let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/api/get-cached", "/api/get"]);
    assert!(server.requests()[0].query.contains("duration=233"));

    // The search's second hit is within 2 s of 180 s; the first is not.
    let found = client.lyrics(&query("Raphael", 180.0)).await.unwrap();
    assert!(found.is_some());
    let none = client.lyrics(&query("Raphael", 250.0)).await.unwrap();
    assert_eq!(none, None, "no hit within ±2 s");
}
