//! The metadata fakes over real HTTP: MusicBrainz (User-Agent refusal, JSON only, the rate limit,
//! ISRC lookups, Lucene search, lookups with includes), the Cover Art Archive (the 307 chain to
//! decodable image bytes, 404s, the release-group fallback, faults and a slow image host) and
//! LRCLIB (cached versus external lookups, the ±2 s rule, error bodies, search, instrumentals).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;
use soulspot_testkit::fake::coverart::{CoverImageSeed, FakeCoverArtArchive};
use soulspot_testkit::fake::lrclib::{FakeLrclib, LyricsRecordSeed};
use soulspot_testkit::fake::musicbrainz::{
    ArtistSeed, CoverArtSummary, FakeMusicBrainz, MediumSeed, RecordingSeed, ReleaseGroupSeed,
    ReleaseSeed,
};
use soulspot_testkit::fake::{Fault, Running};

const USER_AGENT: &str = "SoulSpot/0.1.0 ( https://soulspot.example/contact )";

// ----- MusicBrainz -------------------------------------------------------------------------

async fn musicbrainz_get(
    running: &Running<FakeMusicBrainz>,
    path_and_query: &str,
) -> common::Answer {
    common::get(
        &format!("{}/ws/2{path_and_query}", running.url()),
        &[("user-agent", USER_AGENT), ("accept", "application/json")],
    )
    .await
}

/// A small catalogue: Daft-Punk-like artist, an album with two recordings, a single edition, a
/// second recording sharing an ISRC.
struct SmallCatalogue {
    artist: String,
    guest: String,
    title_track: String,
    duet: String,
    remaster: String,
    album: String,
    group: String,
}

fn small_catalogue(musicbrainz: &FakeMusicBrainz) -> SmallCatalogue {
    let artist = musicbrainz.add_artist(
        ArtistSeed::named("The Harbour Lights")
            .of_type("Group")
            .from_country("GB"),
    );
    let guest = musicbrainz.add_artist(ArtistSeed::named("Ólöf Ragnarsdóttir").of_type("Person"));
    let title_track = musicbrainz.add_recording(
        RecordingSeed::new("Paper Lanterns", 245_000)
            .by(&artist)
            .with_isrc("GBHLT2400001"),
    );
    let duet = musicbrainz.add_recording(
        RecordingSeed::new("Northern Static", 301_000)
            .by(&artist)
            .featuring(&guest)
            .with_isrc("GBHLT2400002"),
    );
    let remaster = musicbrainz.add_recording(
        RecordingSeed::new("Paper Lanterns", 246_500)
            .by(&artist)
            .with_isrc("GBHLT2400001")
            .disambiguated_as("2024 remaster"),
    );
    let group =
        musicbrainz.add_release_group(ReleaseGroupSeed::new("Tidewater", "Album").by(&artist));
    let album = musicbrainz.add_release(
        ReleaseSeed::new("Tidewater")
            .by(&artist)
            .in_release_group(&group)
            .dated("2024-03-08")
            .in_country("GB")
            .with_barcode("5012345678900")
            .on_label("Harbour Lights Records", "HLR-001")
            .with_medium(MediumSeed::of("CD", &[title_track.clone(), duet.clone()]))
            .with_cover_art(CoverArtSummary {
                front: true,
                back: false,
                count: 1,
            }),
    );
    musicbrainz.add_release(
        ReleaseSeed::new("Paper Lanterns")
            .by(&artist)
            .of_type("Single")
            .dated("2023-11-17")
            .in_country("XW")
            .with_medium(MediumSeed::of(
                "Digital Media",
                std::slice::from_ref(&title_track),
            )),
    );
    musicbrainz.add_release(
        ReleaseSeed::new("Remastered Harbour")
            .by(&artist)
            .dated("2024-09-01")
            .with_medium(MediumSeed::of("CD", std::slice::from_ref(&remaster))),
    );
    SmallCatalogue {
        artist,
        guest,
        title_track,
        duet,
        remaster,
        album,
        group,
    }
}

#[tokio::test]
async fn musicbrainz_refuses_missing_and_generic_user_agents() {
    let running = Running::start(FakeMusicBrainz::new()).await;
    running.fake.disable_rate_limit();
    let catalogue = small_catalogue(&running.fake);
    let url = format!(
        "{}/ws/2/recording/{}?fmt=json",
        running.url(),
        catalogue.title_track
    );
    for refused in [
        vec![],
        vec![("user-agent", "")],
        vec![("user-agent", "python-requests/2.31.0")],
        vec![("user-agent", "curl/8.5.0")],
        vec![("user-agent", "Go-http-client/1.1")],
        vec![("user-agent", "SoulSpot")],
    ] {
        let answer = common::get(&url, &refused).await;
        assert_eq!(answer.status, 403, "{refused:?} should be refused");
        assert!(
            answer.json()["error"]
                .as_str()
                .unwrap()
                .contains("User-Agent")
        );
    }
    assert_eq!(running.fake.refused_user_agents(), 6);
    for accepted in [
        USER_AGENT,
        "SoulSpot/0.1.0",
        "SoulSpot ( admin@soulspot.example )",
    ] {
        let answer = common::get(&url, &[("user-agent", accepted)]).await;
        assert_eq!(answer.status, 200, "{accepted:?} should be accepted");
    }
    let recorded = running.server.requests();
    assert_eq!(recorded.len(), 9);
    assert_eq!(
        recorded[8].header("user-agent"),
        Some("SoulSpot ( admin@soulspot.example )")
    );
}

#[tokio::test]
async fn musicbrainz_answers_json_only() {
    let running = Running::start(FakeMusicBrainz::new()).await;
    running.fake.disable_rate_limit();
    let catalogue = small_catalogue(&running.fake);
    let base = format!("{}/ws/2/recording/{}", running.url(), catalogue.title_track);
    let agent = ("user-agent", USER_AGENT);
    assert_eq!(common::get(&base, &[agent]).await.status, 406);
    assert_eq!(
        common::get(&format!("{base}?fmt=xml"), &[agent])
            .await
            .status,
        406
    );
    assert_eq!(
        common::get(&format!("{base}?fmt=yaml"), &[agent])
            .await
            .status,
        400
    );
    let by_parameter = common::get(&format!("{base}?fmt=json"), &[agent]).await;
    assert_eq!(by_parameter.status, 200);
    assert!(
        by_parameter
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let by_header = common::get(&base, &[agent, ("accept", "application/json")]).await;
    assert_eq!(by_header.json()["id"], catalogue.title_track.as_str());
}

#[tokio::test]
async fn musicbrainz_answers_503_above_one_request_per_second() {
    let running = Running::start(FakeMusicBrainz::new()).await;
    let catalogue = small_catalogue(&running.fake);
    let path = format!("/recording/{}", catalogue.title_track);
    // The default bucket holds two requests and refills one per second.
    assert_eq!(musicbrainz_get(&running, &path).await.status, 200);
    assert_eq!(musicbrainz_get(&running, &path).await.status, 200);
    let throttled = musicbrainz_get(&running, &path).await;
    assert_eq!(throttled.status, 503);
    assert_eq!(
        throttled.json()["error"],
        "Your requests are exceeding the allowable rate limit. Please see http://wiki.musicbrainz.org/XMLWebService for more information."
    );
    assert_eq!(throttled.header("retry-after"), Some("1"));
    assert_eq!(musicbrainz_get(&running, &path).await.status, 503);
    assert_eq!(running.fake.throttled_requests(), 2);
    tokio::time::sleep(Duration::from_millis(1050)).await;
    assert_eq!(musicbrainz_get(&running, &path).await.status, 200);
    assert_eq!(running.fake.throttled_requests(), 2);
}

#[tokio::test]
async fn musicbrainz_paced_client_sees_no_503_and_a_burst_does() {
    let running = Running::start(FakeMusicBrainz::new()).await;
    let catalogue = small_catalogue(&running.fake);
    let path = format!("/recording/{}", catalogue.title_track);
    running.fake.set_rate_limit(20.0, 1);
    let started = Instant::now();
    // One request every 100 ms against a limit of one every 50 ms: never too fast, even with
    // scheduling jitter.
    for _ in 0..8 {
        assert_eq!(musicbrainz_get(&running, &path).await.status, 200);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(running.fake.throttled_requests(), 0);
    let times: Vec<Instant> = running
        .server
        .requests()
        .iter()
        .map(|request| request.at)
        .collect();
    assert_eq!(times.len(), 8);
    assert!(times.windows(2).all(|pair| pair[1] >= pair[0]));
    assert!(times[0] >= started);
    assert!(times[7] - times[0] >= Duration::from_millis(600));
    // Five requests at once against one a second: only the first passes.
    running.fake.set_rate_limit(1.0, 1);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(musicbrainz_get(&running, &path).await.status);
    }
    assert_eq!(statuses[0], 200);
    assert!(
        statuses.iter().filter(|status| **status == 503).count() >= 3,
        "{statuses:?}"
    );
    assert!(running.fake.throttled_requests() >= 3);
}

#[tokio::test]
async fn musicbrainz_isrc_lookup_returns_one_or_many_recordings_and_404_for_none() {
    let running = Running::start(FakeMusicBrainz::new()).await;
    running.fake.disable_rate_limit();
    let catalogue = small_catalogue(&running.fake);

    let one = musicbrainz_get(&running, "/isrc/GBHLT2400002?inc=artists+releases").await;
    assert_eq!(one.status, 200);
    let body = one.json();
    assert_eq!(body["isrc"], "GBHLT2400002");
    let recordings = body["recordings"].as_array().unwrap();
    assert_eq!(recordings.len(), 1);
    let duet = &recordings[0];
    assert_eq!(duet["id"], catalogue.duet.as_str());
    assert_eq!(duet["length"], 301_000);
    let credit = duet["artist-credit"].as_array().unwrap();
    assert_eq!(credit.len(), 2);
    assert_eq!(credit[0]["name"], "The Harbour Lights");
    assert_eq!(credit[0]["joinphrase"], " feat. ");
    assert_eq!(credit[0]["artist"]["sort-name"], "Harbour Lights, The");
    assert_eq!(credit[1]["artist"]["id"], catalogue.guest.as_str());
    assert_eq!(duet["releases"][0]["id"], catalogue.album.as_str());
    assert_eq!(duet["first-release-date"], "2024-03-08");

    let many = musicbrainz_get(&running, "/isrc/gbhlt2400001?inc=artists+releases").await;
    let ids: Vec<String> = many.json()["recordings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|recording| recording["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        ids,
        [catalogue.title_track.clone(), catalogue.remaster.clone()]
    );

    let none = musicbrainz_get(&running, "/isrc/USXXX9900001").await;
    assert_eq!(none.status, 404);
    assert_eq!(none.json()["error"], "Not Found");
    assert_eq!(
        musicbrainz_get(&running, "/isrc/NOT-AN-ISRC").await.status,
        400
    );
}

#[tokio::test]
async fn musicbrainz_recording_search_honours_fields_phrases_and_duration_ranges() {
    let running = Running::start(FakeMusicBrainz::new()).await;
    running.fake.disable_rate_limit();
    let catalogue = small_catalogue(&running.fake);
    let search = |query: &str| {
        let encoded: String = url::form_urlencoded::byte_serialize(query.as_bytes()).collect();
        format!("/recording?query={encoded}")
    };

    let exact = musicbrainz_get(
        &running,
        &search(
            r#"recording:"Paper Lanterns" AND artist:"harbour lights" AND dur:[240000 TO 245500]"#,
        ),
    )
    .await;
    assert_eq!(exact.status, 200);
    let body = exact.json();
    assert!(body["created"].as_str().unwrap().ends_with('Z'));
    assert_eq!(body["count"], 1);
    assert_eq!(body["offset"], 0);
    let hit = &body["recordings"][0];
    assert_eq!(hit["id"], catalogue.title_track.as_str());
    assert_eq!(hit["score"], 100);
    assert_eq!(hit["length"], 245_000);
    assert_eq!(hit["isrcs"][0], "GBHLT2400001");
    assert_eq!(
        hit["artist-credit"][0]["artist"]["id"],
        catalogue.artist.as_str()
    );
    assert_eq!(
        hit["artist-credit"][0]["artist"]["sort-name"],
        "Harbour Lights, The"
    );
    assert_eq!(hit["first-release-date"], "2023-11-17");
    let releases = hit["releases"].as_array().unwrap();
    assert_eq!(releases.len(), 2);
    let album = releases
        .iter()
        .find(|release| release["id"] == catalogue.album.as_str())
        .unwrap();
    assert_eq!(album["release-group"]["id"], catalogue.group.as_str());
    assert_eq!(album["release-group"]["primary-type"], "Album");
    assert_eq!(album["track-count"], 2);
    assert_eq!(album["media"][0]["track"][0]["number"], "1");
    assert_eq!(album["media"][0]["track-offset"], 0);

    // Without the range both recordings titled "Paper Lanterns" match; the remaster's range
    // alone selects it.
    let both = musicbrainz_get(&running, &search(r#"recording:"paper lanterns""#)).await;
    assert_eq!(both.json()["count"], 2);
    let remaster = musicbrainz_get(
        &running,
        &search("recording:lanterns AND dur:{246000 TO *]"),
    )
    .await;
    assert_eq!(
        remaster.json()["recordings"][0]["id"],
        catalogue.remaster.as_str()
    );
    assert_eq!(remaster.json()["count"], 1);

    let by_isrc = musicbrainz_get(&running, &search("isrc:GBHLT2400002")).await;
    assert_eq!(
        by_isrc.json()["recordings"][0]["id"],
        catalogue.duet.as_str()
    );
    // Diacritics fold: "olof" finds the credit "Ólöf Ragnarsdóttir".
    let folded = musicbrainz_get(&running, &search("artist:olof")).await;
    assert_eq!(
        folded.json()["recordings"][0]["id"],
        catalogue.duet.as_str()
    );
    assert_eq!(
        folded.json()["recordings"][0]["artist-credit"][0]["joinphrase"],
        " feat. "
    );

    // Plain terms are optional clauses: the title matching both words scores best.
    let plain = musicbrainz_get(&running, &search("northern lanterns")).await;
    let plain = plain.json();
    assert_eq!(plain["count"], 3);
    let scores: Vec<u64> = plain["recordings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|recording| recording["score"].as_u64().unwrap())
        .collect();
    assert_eq!(scores[0], 100);
    assert!(scores.iter().all(|score| *score <= 100));
    assert!(scores.windows(2).all(|pair| pair[0] >= pair[1]));
    let excluded = musicbrainz_get(&running, &search("lanterns NOT comment:remaster")).await;
    assert_eq!(excluded.json()["count"], 1);

    let page = musicbrainz_get(
        &running,
        &format!("{}&limit=1&offset=1", search("lanterns")),
    )
    .await;
    let page = page.json();
    assert_eq!(page["count"], 2);
    assert_eq!(page["offset"], 1);
    assert_eq!(page["recordings"].as_array().unwrap().len(), 1);
    assert_eq!(
        musicbrainz_get(&running, &search(r#"recording:"open"#))
            .await
            .status,
        400
    );
    assert_eq!(musicbrainz_get(&running, "/recording").await.status, 400);
}

#[tokio::test]
async fn musicbrainz_release_lookup_has_media_tracks_labels_and_release_group() {
    let running = Running::start(FakeMusicBrainz::new()).await;
    running.fake.disable_rate_limit();
    let catalogue = small_catalogue(&running.fake);
    let answer = musicbrainz_get(
        &running,
        &format!(
            "/release/{}?inc=recordings+artist-credits+media+release-groups+labels+isrcs",
            catalogue.album
        ),
    )
    .await;
    assert_eq!(answer.status, 200);
    let release = answer.json();
    assert_eq!(release["title"], "Tidewater");
    assert_eq!(release["status"], "Official");
    assert_eq!(release["date"], "2024-03-08");
    assert_eq!(release["country"], "GB");
    assert_eq!(release["barcode"], "5012345678900");
    assert_eq!(
        release["release-events"][0]["area"]["iso-3166-1-codes"][0],
        "GB"
    );
    assert_eq!(release["cover-art-archive"]["front"], true);
    assert_eq!(
        release["artist-credit"][0]["artist"]["id"],
        catalogue.artist.as_str()
    );
    assert_eq!(release["label-info"][0]["catalog-number"], "HLR-001");
    assert_eq!(
        release["label-info"][0]["label"]["name"],
        "Harbour Lights Records"
    );
    let group = &release["release-group"];
    assert_eq!(group["id"], catalogue.group.as_str());
    assert_eq!(group["title"], "Tidewater");
    assert_eq!(group["primary-type"], "Album");
    assert_eq!(group["first-release-date"], "2024-03-08");
    let medium = &release["media"][0];
    assert_eq!(medium["position"], 1);
    assert_eq!(medium["format"], "CD");
    assert_eq!(medium["track-count"], 2);
    let tracks = medium["tracks"].as_array().unwrap();
    assert_eq!(tracks.len(), 2);
    assert_eq!(tracks[1]["position"], 2);
    assert_eq!(tracks[1]["number"], "2");
    assert_eq!(tracks[1]["title"], "Northern Static");
    assert_eq!(tracks[1]["length"], 301_000);
    assert_eq!(tracks[1]["recording"]["id"], catalogue.duet.as_str());
    assert_eq!(tracks[1]["recording"]["isrcs"][0], "GBHLT2400002");
    assert_eq!(tracks[1]["artist-credit"][1]["name"], "Ólöf Ragnarsdóttir");

    // Without `recordings`, media come without tracks; without `media`, not at all.
    let bare = musicbrainz_get(&running, &format!("/release/{}?inc=media", catalogue.album)).await;
    assert!(bare.json()["media"][0].get("tracks").is_none());
    let plain = musicbrainz_get(&running, &format!("/release/{}", catalogue.album)).await;
    assert!(plain.json().get("media").is_none());
    assert!(plain.json().get("artist-credit").is_none());

    let invalid = musicbrainz_get(&running, "/release/not-an-mbid?inc=media").await;
    assert_eq!(invalid.status, 400);
    assert_eq!(invalid.json()["error"], "Invalid mbid.");
    let unknown = musicbrainz_get(&running, "/release/0b4ba4f4-0a58-4bd4-9e6b-9d6e3c0a4f00").await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json()["error"], "Not Found");
    let wrong_include =
        musicbrainz_get(&running, &format!("/release/{}?inc=bogus", catalogue.album)).await;
    assert_eq!(wrong_include.status, 400);
    assert_eq!(
        wrong_include.json()["error"],
        "bogus is not a valid inc parameter for the release resource."
    );
}

#[tokio::test]
async fn musicbrainz_recording_and_release_group_lookups_honour_includes() {
    let running = Running::start(FakeMusicBrainz::new()).await;
    running.fake.disable_rate_limit();
    let catalogue = small_catalogue(&running.fake);
    let recording = musicbrainz_get(
        &running,
        &format!(
            "/recording/{}?inc=artists+releases+isrcs+release-groups",
            catalogue.title_track
        ),
    )
    .await
    .json();
    assert_eq!(recording["title"], "Paper Lanterns");
    assert_eq!(recording["isrcs"], serde_json::json!(["GBHLT2400001"]));
    assert_eq!(recording["artist-credit"][0]["joinphrase"], "");
    let releases = recording["releases"].as_array().unwrap();
    assert_eq!(releases.len(), 2);
    let single = releases
        .iter()
        .find(|release| release["title"] == "Paper Lanterns")
        .unwrap();
    assert_eq!(single["release-group"]["primary-type"], "Single");
    let bare = musicbrainz_get(&running, &format!("/recording/{}", catalogue.title_track))
        .await
        .json();
    assert!(bare.get("artist-credit").is_none());
    assert!(bare.get("releases").is_none());
    assert!(bare.get("isrcs").is_none());

    let group = musicbrainz_get(
        &running,
        &format!(
            "/release-group/{}?inc=artist-credits+releases",
            catalogue.group
        ),
    )
    .await
    .json();
    assert_eq!(group["primary-type"], "Album");
    assert_eq!(group["first-release-date"], "2024-03-08");
    assert_eq!(group["secondary-types"], serde_json::json!([]));
    assert_eq!(group["artist-credit"][0]["name"], "The Harbour Lights");
    assert_eq!(group["releases"][0]["id"], catalogue.album.as_str());
    let artist = musicbrainz_get(&running, &format!("/artist/{}", catalogue.artist))
        .await
        .json();
    assert_eq!(artist["type"], "Group");
    assert_eq!(artist["country"], "GB");
}

#[tokio::test]
async fn musicbrainz_generated_catalogue_mirrors_the_spotify_catalogue() {
    let running = Running::start(FakeMusicBrainz::new()).await;
    running.fake.disable_rate_limit();
    let seeded = running.fake.generate_catalogue(7, 48);
    let batch = soulspot_testkit::catalog::catalog_batch(7, 0, 48);
    assert_eq!(seeded.recordings.len(), 48);
    assert_eq!(seeded.releases.len(), 4);
    let again = FakeMusicBrainz::new().generate_catalogue(7, 48);
    assert_eq!(again, seeded);

    let mut shared = 0;
    for (position, track) in batch.tracks.iter().enumerate() {
        let isrc = track.isrc.as_ref().unwrap().as_str();
        let answer = musicbrainz_get(&running, &format!("/isrc/{isrc}?inc=artists+releases")).await;
        assert_eq!(answer.status, 200);
        let recordings = answer.json()["recordings"].as_array().unwrap().clone();
        assert_eq!(recordings[0]["id"], seeded.recordings[position].as_str());
        assert_eq!(recordings[0]["title"], track.title.as_str());
        assert_eq!(recordings[0]["length"], track.duration.unwrap().as_millis());
        let credited: Vec<&str> = recordings[0]["artist-credit"]
            .as_array()
            .unwrap()
            .iter()
            .map(|part| part["name"].as_str().unwrap())
            .collect();
        let expected: Vec<&str> = track
            .artists
            .iter()
            .map(|artist| batch.artists[*artist].name.as_str())
            .collect();
        assert_eq!(credited, expected);
        if recordings.len() > 1 {
            shared += 1;
            assert_eq!(recordings[1]["disambiguation"], "remastered");
        }
    }
    assert_eq!(shared, 48 / 7);
    // Every fourth album has a second edition in the same release group.
    let group = musicbrainz_get(
        &running,
        &format!("/release-group/{}?inc=releases", seeded.release_groups[3]),
    )
    .await
    .json();
    assert_eq!(group["releases"].as_array().unwrap().len(), 2);
}

// ----- Cover Art Archive ---------------------------------------------------------------------

/// Follows redirects (at most five), returning the statuses met and the final answer.
async fn follow(url: &str) -> (Vec<u16>, common::Answer) {
    let mut statuses = Vec::new();
    let mut url = url.to_owned();
    for _ in 0..5 {
        let answer = common::get(&url, &[("user-agent", USER_AGENT)]).await;
        statuses.push(answer.status);
        if !(300..400).contains(&answer.status) {
            return (statuses, answer);
        }
        url = answer
            .header("location")
            .expect("a redirect has a Location")
            .to_owned();
    }
    panic!("too many redirects: {statuses:?}");
}

/// Reads a JPEG scan's bits, most significant first.
struct BitReader<'a> {
    data: &'a [u8],
    bit: usize,
}

impl BitReader<'_> {
    fn read(&mut self, count: u32) -> u32 {
        let mut value = 0;
        for _ in 0..count {
            let byte = self.data[self.bit / 8];
            value = (value << 1) | u32::from((byte >> (7 - self.bit % 8)) & 1);
            self.bit += 1;
        }
        value
    }

    fn decode(&mut self, table: &HashMap<(u32, u32), u8>) -> u8 {
        let mut code = 0;
        for length in 1..=16 {
            code = (code << 1) | self.read(1);
            if let Some(symbol) = table.get(&(length, code)) {
                return *symbol;
            }
        }
        panic!("no Huffman code matched");
    }
}

/// Decodes a baseline JPEG's structure and every block's entropy-coded coefficients; returns
/// the frame's width and height.
fn decode_baseline_jpeg(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..2], &[0xff, 0xd8], "no SOI marker");
    assert_eq!(&bytes[bytes.len() - 2..], &[0xff, 0xd9], "no EOI marker");
    let mut position = 2;
    let mut size = None;
    let mut tables: HashMap<(u8, u8), HashMap<(u32, u32), u8>> = HashMap::new();
    loop {
        assert_eq!(
            bytes[position], 0xff,
            "segment does not start with a marker"
        );
        let marker = bytes[position + 1];
        let length = usize::from(u16::from_be_bytes([
            bytes[position + 2],
            bytes[position + 3],
        ]));
        let data = &bytes[position + 4..position + 2 + length];
        match marker {
            0xc0 => {
                assert_eq!(data[0], 8);
                assert_eq!(data[5], 1, "expected one component");
                size = Some((
                    u32::from(u16::from_be_bytes([data[3], data[4]])),
                    u32::from(u16::from_be_bytes([data[1], data[2]])),
                ));
            }
            0xc4 => {
                let counts = &data[1..17];
                let mut symbols = data[17..].iter();
                let mut table = HashMap::new();
                let mut code = 0_u32;
                for (index, count) in counts.iter().enumerate() {
                    for _ in 0..*count {
                        table.insert((index as u32 + 1, code), *symbols.next().unwrap());
                        code += 1;
                    }
                    code <<= 1;
                }
                tables.insert((data[0] >> 4, data[0] & 0x0f), table);
            }
            0xda => {
                position += 2 + length;
                break;
            }
            0xdb | 0xe0..=0xef | 0xfe => {}
            other => panic!("unexpected marker {other:#x}"),
        }
        position += 2 + length;
    }
    let (width, height) = size.expect("no SOF0 frame");
    let mut data = Vec::new();
    while !(bytes[position] == 0xff && bytes[position + 1] == 0xd9) {
        data.push(bytes[position]);
        position += if bytes[position] == 0xff {
            assert_eq!(bytes[position + 1], 0, "unstuffed 0xFF in the scan");
            2
        } else {
            1
        };
    }
    let mut reader = BitReader {
        data: &data,
        bit: 0,
    };
    let (dc, ac) = (&tables[&(0, 0)], &tables[&(1, 0)]);
    for _ in 0..width.div_ceil(8) * height.div_ceil(8) {
        let category = reader.decode(dc);
        reader.read(u32::from(category));
        let mut coefficient = 1;
        while coefficient < 64 {
            match reader.decode(ac) {
                0x00 => break,
                0xf0 => coefficient += 16,
                run_size => {
                    coefficient += usize::from(run_size >> 4) + 1;
                    reader.read(u32::from(run_size & 0x0f));
                }
            }
        }
    }
    let padding = data.len() * 8 - reader.bit;
    assert!(padding < 8, "{padding} bits left after the last block");
    assert_eq!(
        reader.read(padding as u32),
        (1 << padding) - 1,
        "padding must be one bits"
    );
    (width, height)
}

/// Checks a PNG made of stored deflate blocks completely (chunk CRCs, zlib header, block
/// lengths, Adler-32, row filters); returns its width and height.
fn decode_png(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let mut position = 8;
    let mut header = None;
    let mut compressed = Vec::new();
    let mut kinds = Vec::new();
    while position < bytes.len() {
        let length = u32::from_be_bytes(bytes[position..position + 4].try_into().unwrap()) as usize;
        let kind = &bytes[position + 4..position + 8];
        let data = &bytes[position + 8..position + 8 + length];
        let crc = u32::from_be_bytes(
            bytes[position + 8 + length..position + 12 + length]
                .try_into()
                .unwrap(),
        );
        assert_eq!(
            crc,
            crc32(&bytes[position + 4..position + 8 + length]),
            "bad CRC"
        );
        kinds.push(String::from_utf8_lossy(kind).into_owned());
        match kind {
            b"IHDR" => header = Some(data.to_vec()),
            b"IDAT" => compressed.extend_from_slice(data),
            _ => {}
        }
        position += 12 + length;
    }
    assert_eq!(kinds.first().map(String::as_str), Some("IHDR"));
    assert_eq!(kinds.last().map(String::as_str), Some("IEND"));
    let header = header.unwrap();
    let width = u32::from_be_bytes(header[0..4].try_into().unwrap());
    let height = u32::from_be_bytes(header[4..8].try_into().unwrap());
    let (depth, colour) = (header[8], header[9]);
    let channels = match colour {
        0 | 3 => 1,
        2 => 3,
        4 => 2,
        _ => 4,
    };
    assert_eq!(
        (u16::from(compressed[0]) << 8 | u16::from(compressed[1])) % 31,
        0
    );
    assert_eq!(compressed[0] & 0x0f, 8, "not deflate");
    let mut raw = Vec::new();
    let mut at = 2;
    loop {
        let block_header = compressed[at];
        assert_eq!(block_header >> 1, 0, "only stored blocks are expected");
        let length = u16::from_le_bytes([compressed[at + 1], compressed[at + 2]]);
        let inverse = u16::from_le_bytes([compressed[at + 3], compressed[at + 4]]);
        assert_eq!(length, !inverse);
        raw.extend_from_slice(&compressed[at + 5..at + 5 + usize::from(length)]);
        at += 5 + usize::from(length);
        if block_header & 1 == 1 {
            break;
        }
    }
    let adler = u32::from_be_bytes(compressed[at..at + 4].try_into().unwrap());
    let (mut low, mut high) = (1_u32, 0_u32);
    for byte in &raw {
        low = (low + u32::from(*byte)) % 65_521;
        high = (high + low) % 65_521;
    }
    assert_eq!(adler, (high << 16) | low, "bad Adler-32");
    let row = 1 + (width as usize * usize::from(depth) * channels).div_ceil(8);
    assert_eq!(raw.len(), row * height as usize);
    assert!(raw.chunks(row).all(|line| line[0] <= 4), "bad filter type");
    (width, height)
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffff_u32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

const RELEASE: &str = "76df3287-6cda-33eb-8e9a-044b5e15ffdd";
const BARE_RELEASE: &str = "1e0e6ed8-7a3c-4b3a-9f6c-2b6a0a4f1d11";
const GROUP: &str = "c3e0b9a2-5f4d-4c1a-8e2b-7d9f0a1b2c3d";

#[tokio::test]
async fn cover_art_front_redirects_through_the_image_host_to_a_decodable_jpeg() {
    let running = Running::start(FakeCoverArtArchive::new()).await;
    running
        .fake
        .add_image(RELEASE, CoverImageSeed::front().sized(1400, 1400));
    let (statuses, image) = follow(&format!("{}/release/{RELEASE}/front", running.url())).await;
    assert_eq!(statuses, [307, 302, 200]);
    assert_eq!(image.header("content-type"), Some("image/jpeg"));
    assert_eq!(decode_baseline_jpeg(&image.body), (1400, 1400));
    let first_hop = running.server.requests_to("/download/");
    assert_eq!(first_hop.len(), 1);
    assert!(
        first_hop[0]
            .path
            .starts_with(&format!("/download/mbid-{RELEASE}/mbid-{RELEASE}-"))
    );

    for (suffix, expected) in [("-250", 250), ("-500", 500), ("-1200", 1200)] {
        let (statuses, thumbnail) = follow(&format!(
            "{}/release/{RELEASE}/front{suffix}",
            running.url()
        ))
        .await;
        assert_eq!(statuses, [307, 302, 200]);
        assert_eq!(thumbnail.header("content-type"), Some("image/jpeg"));
        assert_eq!(decode_baseline_jpeg(&thumbnail.body), (expected, expected));
        assert!(thumbnail.body.len() < image.body.len());
    }
    assert_eq!(running.fake.images_served(), 4);
    let redirect = common::get(
        &format!("{}/release/{RELEASE}/front-500", running.url()),
        &[],
    )
    .await;
    assert!(
        redirect
            .header("location")
            .unwrap()
            .ends_with("_thumb500.jpg")
    );
    assert_eq!(
        common::get(&format!("{}/release/{RELEASE}/back", running.url()), &[])
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn cover_art_listing_has_the_archive_shape_and_its_urls_work() {
    let running = Running::start(FakeCoverArtArchive::new()).await;
    let front = running.fake.add_image(RELEASE, CoverImageSeed::front());
    let back = running.fake.add_image(
        RELEASE,
        CoverImageSeed::back()
            .as_png()
            .sized(600, 400)
            .unapproved()
            .commented("scan"),
    );
    let old = running.fake.add_image(
        RELEASE,
        CoverImageSeed::of_type("Booklet").without_1200_thumbnail(),
    );
    let listing = common::get(&format!("{}/release/{RELEASE}", running.url()), &[]).await;
    assert_eq!(listing.status, 200);
    let listing = listing.json();
    assert_eq!(
        listing["release"],
        format!("https://musicbrainz.org/release/{RELEASE}")
    );
    let images = listing["images"].as_array().unwrap();
    assert_eq!(images.len(), 3);
    assert_eq!(images[0]["id"], front);
    assert_eq!(images[0]["types"], serde_json::json!(["Front"]));
    assert_eq!(images[0]["front"], true);
    assert_eq!(images[0]["back"], false);
    assert_eq!(images[0]["approved"], true);
    assert!(images[0]["edit"].as_u64().unwrap() > 0);
    let thumbnails = images[0]["thumbnails"].as_object().unwrap();
    for key in ["250", "500", "1200", "small", "large"] {
        assert!(thumbnails.contains_key(key), "missing thumbnail {key}");
    }
    assert_eq!(thumbnails["small"], thumbnails["250"]);
    assert_eq!(thumbnails["large"], thumbnails["500"]);
    assert_eq!(images[1]["id"], back);
    assert_eq!(images[1]["approved"], false);
    assert_eq!(images[1]["comment"], "scan");
    assert!(
        images[1]["image"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/{back}.png"))
    );

    // The PNG original is a valid PNG; its thumbnails are JPEGs, as on the archive.
    let (_, original) = follow(images[1]["image"].as_str().unwrap()).await;
    assert_eq!(original.header("content-type"), Some("image/png"));
    assert_eq!(decode_png(&original.body), (600, 400));
    let (_, thumbnail) = follow(images[1]["thumbnails"]["250"].as_str().unwrap()).await;
    assert_eq!(decode_baseline_jpeg(&thumbnail.body), (250, 166));

    // An older upload has no 1200-pixel thumbnail: no key, and the image host has no file.
    assert_eq!(images[2]["id"], old);
    assert!(images[2]["thumbnails"].get("1200").is_none());
    let (statuses, _) = follow(&format!("{}/release/{RELEASE}/{old}-1200", running.url())).await;
    assert_eq!(statuses, [307, 404]);
    running
        .fake
        .set_musicbrainz_site_url("http://musicbrainz.test/");
    let relisted = common::get(&format!("{}/release/{RELEASE}/", running.url()), &[]).await;
    assert_eq!(
        relisted.json()["release"],
        format!("http://musicbrainz.test/release/{RELEASE}")
    );
}

#[tokio::test]
async fn cover_art_answers_404_without_art_and_400_for_a_malformed_mbid() {
    let running = Running::start(FakeCoverArtArchive::new()).await;
    for path in [
        format!("/release/{BARE_RELEASE}"),
        format!("/release/{BARE_RELEASE}/front"),
        format!("/release/{BARE_RELEASE}/front-250"),
        format!("/release-group/{GROUP}"),
        format!("/release-group/{GROUP}/front"),
    ] {
        let answer = common::get(&format!("{}{path}", running.url()), &[]).await;
        assert_eq!(answer.status, 404, "{path}");
    }
    for path in [
        "/release/not-an-mbid",
        "/release/12345/front",
        "/release-group/xyz/front",
    ] {
        let answer = common::get(&format!("{}{path}", running.url()), &[]).await;
        assert_eq!(answer.status, 400, "{path}");
    }
}

#[tokio::test]
async fn cover_art_release_group_falls_back_to_a_release_with_a_front() {
    let running = Running::start(FakeCoverArtArchive::new()).await;
    running.fake.add_image(BARE_RELEASE, CoverImageSeed::back());
    running
        .fake
        .add_image(RELEASE, CoverImageSeed::front().sized(800, 800));
    running
        .fake
        .link_release_group(GROUP, &[BARE_RELEASE.to_owned(), RELEASE.to_owned()]);
    let listing = common::get(&format!("{}/release-group/{GROUP}", running.url()), &[]).await;
    assert_eq!(listing.status, 200);
    assert_eq!(
        listing.json()["release"],
        format!("https://musicbrainz.org/release/{RELEASE}")
    );
    let (statuses, image) = follow(&format!(
        "{}/release-group/{GROUP}/front-500",
        running.url()
    ))
    .await;
    assert_eq!(statuses, [307, 302, 200]);
    assert_eq!(decode_baseline_jpeg(&image.body), (500, 500));
    let back = common::get(
        &format!("{}/release-group/{GROUP}/back", running.url()),
        &[],
    )
    .await;
    assert_eq!(back.status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cover_art_503_is_scriptable_and_the_image_host_can_be_slow() {
    let running = Running::start(FakeCoverArtArchive::new()).await;
    running
        .fake
        .add_image(RELEASE, CoverImageSeed::front().sized(300, 300));
    running
        .server
        .faults()
        .next_under("/release/", 1, Fault::retry_after(503, "2"));
    let unavailable = common::get(&format!("{}/release/{RELEASE}/front", running.url()), &[]).await;
    assert_eq!(unavailable.status, 503);
    assert_eq!(unavailable.header("retry-after"), Some("2"));
    running
        .fake
        .set_image_host_latency(Duration::from_millis(300));
    let started = Instant::now();
    let (statuses, image) = follow(&format!("{}/release/{RELEASE}/front", running.url())).await;
    assert_eq!(statuses, [307, 302, 200]);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(decode_baseline_jpeg(&image.body), (300, 300));
}

#[tokio::test]
async fn cover_art_seeded_from_musicbrainz_follows_the_release_summaries() {
    let musicbrainz = FakeMusicBrainz::new();
    let seeded = musicbrainz.generate_catalogue(3, 96);
    let cover_art = Running::start(FakeCoverArtArchive::new()).await;
    let added = cover_art.fake.seed_from_musicbrainz(&musicbrainz);
    assert!(added > 0);
    for summary in musicbrainz.releases() {
        let front = common::get(
            &format!("{}/release/{}/front", cover_art.url(), summary.id),
            &[],
        )
        .await;
        assert_eq!(front.status == 307, summary.cover_art.front, "{summary:?}");
    }
    let with_art = seeded
        .release_groups
        .iter()
        .zip(&seeded.releases)
        .find(|(_, release)| {
            musicbrainz
                .releases()
                .iter()
                .any(|summary| summary.id == **release && summary.cover_art.front)
        })
        .unwrap();
    let (statuses, image) = follow(&format!(
        "{}/release-group/{}/front-250",
        cover_art.url(),
        with_art.0
    ))
    .await;
    assert_eq!(statuses, [307, 302, 200]);
    let (width, height) = decode_baseline_jpeg(&image.body);
    assert!(width <= 250 && height <= 250);
}

// ----- LRCLIB --------------------------------------------------------------------------------

async fn lrclib_get(running: &Running<FakeLrclib>, path_and_query: &str) -> common::Answer {
    common::get(
        &format!("{}/api{path_and_query}", running.url()),
        &[("user-agent", "SoulSpot v0.1.0 (https://soulspot.example)")],
    )
    .await
}

fn query(pairs: &[(&str, &str)]) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        serializer.append_pair(name, value);
    }
    serializer.finish()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lrclib_get_cached_misses_what_only_external_sources_know() {
    let running = Running::start(FakeLrclib::with_sample_records()).await;
    running
        .fake
        .set_external_lookup_latency(Duration::from_millis(250));
    let signature = query(&[
        ("track_name", "Midnight Signal"),
        ("artist_name", "Neon Ghost"),
        ("album_name", "Signals"),
        ("duration", "198"),
    ]);
    let cached_first = lrclib_get(&running, &format!("/get-cached?{signature}")).await;
    assert_eq!(cached_first.status, 404);
    assert_eq!(running.fake.external_lookups(), 0);

    let started = Instant::now();
    let fetched = lrclib_get(&running, &format!("/get?{signature}")).await;
    assert!(started.elapsed() >= Duration::from_millis(250));
    assert_eq!(fetched.status, 200);
    assert_eq!(running.fake.external_lookups(), 1);
    let record = fetched.json();
    assert_eq!(record["trackName"], "Midnight Signal");
    assert!(running.fake.is_cached(record["id"].as_i64().unwrap()));

    // Fetched once, it is in the database: get-cached finds it and get no longer goes outside.
    let cached_after = lrclib_get(&running, &format!("/get-cached?{signature}")).await;
    assert_eq!(cached_after.status, 200);
    assert_eq!(cached_after.json()["id"], record["id"]);
    assert_eq!(
        lrclib_get(&running, &format!("/get?{signature}"))
            .await
            .status,
        200
    );
    assert_eq!(running.fake.external_lookups(), 1);
    let recorded = running.server.requests();
    assert_eq!(
        recorded[0].header("user-agent"),
        Some("SoulSpot v0.1.0 (https://soulspot.example)")
    );
}

#[tokio::test]
async fn lrclib_matches_within_two_seconds_and_normalises_names() {
    let running = Running::start(FakeLrclib::with_sample_records()).await;
    let get = |duration: &str, album: Option<&str>| {
        let mut pairs = vec![
            ("track_name", "  paper   LANTERNS "),
            ("artist_name", "the harbour lights"),
        ];
        if !duration.is_empty() {
            pairs.push(("duration", duration));
        }
        if let Some(album) = album {
            pairs.push(("album_name", album));
        }
        format!("/get?{}", query(&pairs))
    };
    for (duration, expected_album) in [
        ("245", "Tidewater"),
        ("247", "Tidewater"),
        ("243", "Tidewater"),
        ("212", "Paper Lanterns - Single"),
        ("210.5", "Paper Lanterns - Single"),
    ] {
        let answer = lrclib_get(&running, &get(duration, None)).await;
        assert_eq!(answer.status, 200, "duration {duration}");
        assert_eq!(
            answer.json()["albumName"],
            expected_album,
            "duration {duration}"
        );
    }
    for duration in ["247.5", "242.9", "230", "209"] {
        assert_eq!(
            lrclib_get(&running, &get(duration, None)).await.status,
            404,
            "{duration}"
        );
    }
    // No duration: the oldest matching record; an album narrows it down.
    assert_eq!(
        lrclib_get(&running, &get("", None)).await.json()["duration"],
        245.0
    );
    let single = lrclib_get(&running, &get("", Some("paper lanterns single"))).await;
    assert_eq!(single.json()["duration"], 212.0);
    assert_eq!(
        lrclib_get(&running, &get("245", Some("Other Album")))
            .await
            .status,
        404
    );
    let apostrophes = query(&[
        ("track_name", "Dont let the river sleep"),
        ("artist_name", "MOSS & STONE"),
    ]);
    assert_eq!(
        lrclib_get(&running, &format!("/get?{apostrophes}"))
            .await
            .status,
        200
    );
    let diacritics = query(&[
        ("track_name", "Nordurljos"),
        ("artist_name", "Olof Ragnarsdottir"),
    ]);
    let found = lrclib_get(&running, &format!("/get?{diacritics}"))
        .await
        .json();
    assert_eq!(found["artistName"], "Ólöf Ragnarsdóttir");
    assert!(found["syncedLyrics"].is_null());
    assert!(
        found["plainLyrics"]
            .as_str()
            .unwrap()
            .starts_with("Green fire")
    );
}

#[tokio::test]
async fn lrclib_answers_its_error_bodies() {
    let running = Running::start(FakeLrclib::with_sample_records()).await;
    let missing = lrclib_get(
        &running,
        &format!(
            "/get?{}",
            query(&[("track_name", "Nope"), ("artist_name", "Nobody")])
        ),
    )
    .await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.json(),
        serde_json::json!({"code": 404, "name": "TrackNotFound", "message": "Failed to find specified track"})
    );
    for bad in [
        query(&[("track_name", "Paper Lanterns")]),
        query(&[("track_name", ""), ("artist_name", "The Harbour Lights")]),
        query(&[
            ("track_name", "Paper Lanterns"),
            ("artist_name", "x"),
            ("duration", "0"),
        ]),
        query(&[
            ("track_name", "Paper Lanterns"),
            ("artist_name", "x"),
            ("duration", "4000"),
        ]),
        query(&[
            ("track_name", "Paper Lanterns"),
            ("artist_name", "x"),
            ("duration", "long"),
        ]),
    ] {
        let answer = lrclib_get(&running, &format!("/get?{bad}")).await;
        assert_eq!(answer.status, 400, "{bad}");
        let body = answer.json();
        assert_eq!(body["code"], 400);
        assert_eq!(body["name"], "ValidationError");
        assert!(!body["message"].as_str().unwrap().is_empty());
    }
    let by_id = lrclib_get(&running, "/get/3400001").await;
    assert_eq!(by_id.status, 200);
    assert_eq!(by_id.json()["trackName"], "Paper Lanterns");
    assert_eq!(by_id.json()["name"], "Paper Lanterns");
    assert_eq!(lrclib_get(&running, "/get/99").await.status, 404);
    assert_eq!(lrclib_get(&running, "/get/abc").await.status, 400);
    // The external-only sample has an id, but is not in the database yet.
    assert_eq!(lrclib_get(&running, "/get/3400006").await.status, 404);
}

#[tokio::test]
async fn lrclib_search_returns_at_most_twenty_records() {
    let fake = FakeLrclib::with_sample_records();
    for index in 0..30 {
        fake.add_record(LyricsRecordSeed::plain(
            &format!("Echo Chamber {index}"),
            "Velvet Echo",
            "Reverb",
            180.0 + f64::from(index),
            "la la la",
        ));
    }
    let running = Running::start(fake).await;
    let many = lrclib_get(&running, "/search?q=echo").await.json();
    let many = many.as_array().unwrap();
    assert_eq!(many.len(), 20);
    assert_eq!(many[0]["trackName"], "Echo Chamber 0");
    let narrow = lrclib_get(&running, "/search?q=velvet+echo+chamber+7")
        .await
        .json();
    assert_eq!(narrow.as_array().unwrap().len(), 1);
    let by_fields = lrclib_get(
        &running,
        &format!(
            "/search?{}",
            query(&[("track_name", "paper lanterns"), ("artist_name", "harbour")])
        ),
    )
    .await
    .json();
    let albums: Vec<&str> = by_fields
        .as_array()
        .unwrap()
        .iter()
        .map(|record| record["albumName"].as_str().unwrap())
        .collect();
    assert_eq!(albums, ["Tidewater", "Paper Lanterns - Single"]);
    assert_eq!(
        lrclib_get(&running, "/search").await.json(),
        serde_json::json!([])
    );
    // Search looks only at LRCLIB's own database.
    assert_eq!(
        lrclib_get(&running, "/search?q=midnight+signal")
            .await
            .json(),
        serde_json::json!([])
    );
}

#[tokio::test]
async fn lrclib_instrumentals_have_no_lyrics_and_synced_lyrics_are_lrc() {
    let running = Running::start(FakeLrclib::with_sample_records()).await;
    let instrumental = lrclib_get(
        &running,
        &format!(
            "/get?{}",
            query(&[
                ("track_name", "Interlude: Low Tide"),
                ("artist_name", "The Harbour Lights")
            ])
        ),
    )
    .await
    .json();
    assert_eq!(instrumental["instrumental"], true);
    assert!(instrumental["plainLyrics"].is_null());
    assert!(instrumental["syncedLyrics"].is_null());
    assert_eq!(instrumental["duration"], 94.0);

    let synced = lrclib_get(&running, "/get/3400001").await.json();
    assert_eq!(synced["instrumental"], false);
    let lines: Vec<&str> = synced["syncedLyrics"].as_str().unwrap().lines().collect();
    assert_eq!(lines[0], "[00:17.12] Paper lanterns on the water");
    for line in &lines {
        let bytes = line.as_bytes();
        assert!(bytes.len() >= 11, "{line:?}");
        assert_eq!(
            (bytes[0], bytes[3], bytes[6], bytes[9], bytes[10]),
            (b'[', b':', b'.', b']', b' ')
        );
        assert!(
            [1, 2, 4, 5, 7, 8]
                .iter()
                .all(|index| bytes[*index].is_ascii_digit()),
            "{line:?}"
        );
    }
    assert_eq!(
        synced["plainLyrics"].as_str().unwrap().lines().next(),
        Some("Paper lanterns on the water")
    );
}

#[tokio::test]
async fn lrclib_seeded_from_the_catalogue_has_realistic_coverage() {
    let fake = FakeLrclib::new();
    let batch = soulspot_testkit::catalog::catalog_batch(11, 0, 40);
    let ids = fake.seed_catalog_batch(&batch);
    assert_eq!(ids.len(), 40);
    assert_eq!(ids.iter().filter(|id| id.is_none()).count(), 4);
    let running = Running::start(fake).await;
    let mut outcomes: HashMap<&str, usize> = HashMap::new();
    for track in &batch.tracks {
        let artist: Vec<&str> = track
            .artists
            .iter()
            .map(|artist| batch.artists[*artist].name.as_str())
            .collect();
        let duration = (f64::from(track.duration.unwrap().as_millis()) / 1000.0).round();
        let signature = query(&[
            ("track_name", &track.title),
            ("artist_name", &artist.join(", ")),
            ("album_name", &batch.albums[track.album.unwrap()].title),
            ("duration", &format!("{}", duration + 1.0)),
        ]);
        let answer = lrclib_get(&running, &format!("/get-cached?{signature}")).await;
        let outcome = match answer.status {
            404 => "missing",
            _ => {
                let body: Value = answer.json();
                if body["instrumental"] == true {
                    "instrumental"
                } else if body["syncedLyrics"].is_null() {
                    "plain"
                } else {
                    "synced"
                }
            }
        };
        *outcomes.entry(outcome).or_default() += 1;
    }
    assert_eq!(outcomes["synced"], 24);
    assert_eq!(outcomes["plain"], 4);
    assert_eq!(outcomes["instrumental"], 4);
    // Missing from the cache: the four absent tracks and the four external-only ones.
    assert_eq!(outcomes["missing"], 8);
}
