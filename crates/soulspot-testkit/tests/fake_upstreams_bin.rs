//! The `fake-upstreams` binary: it prints one JSON line naming every fake's base URL (the keys a
//! user points SoulSpot or a third-party client at), and each URL answers like its service.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// Kills the child when the test ends, however it ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn prints_every_base_url_and_each_answers_like_its_service() {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_fake-upstreams"))
            .args(["--tracks", "20", "--seed", "3"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        line
    })
    .await
    .unwrap();
    let urls: serde_json::Value = serde_json::from_str(&line).unwrap();
    let text = |key: &str| {
        urls[key]
            .as_str()
            .unwrap_or_else(|| panic!("{key} missing from {line}"))
            .to_owned()
    };
    for key in [
        "spotify_accounts",
        "spotify_api",
        "slskd",
        "musicbrainz",
        "coverartarchive",
        "lrclib",
    ] {
        assert!(text(key).starts_with("http://127.0.0.1:"), "{key}: {line}");
    }
    assert!(std::path::Path::new(&text("slskd_downloads")).is_dir());

    let token = format!("Bearer {}", text("spotify_access_token"));
    let playlists = common::get(
        &format!("{}/me/playlists", text("spotify_api")),
        &[("authorization", &token)],
    )
    .await;
    assert_eq!(playlists.status, 200);
    assert_eq!(playlists.json()["total"], 1);

    let server = common::get(
        &format!("{}/api/v0/server", text("slskd")),
        &[("x-api-key", &text("slskd_api_key"))],
    )
    .await;
    assert_eq!(server.json()["isLoggedIn"], true);

    let recordings = common::get(
        &format!(
            "{}/recording?query=recording:*&fmt=json",
            text("musicbrainz")
        ),
        &[("user-agent", "SoulSpot/0.1.0 ( tests@example.org )")],
    )
    .await;
    assert_eq!(recordings.status, 200, "{:?}", recordings.body);

    let lyrics = common::get(&format!("{}/search?q=the", text("lrclib")), &[]).await;
    assert_eq!(lyrics.status, 200);
    let authorize = common::get(&format!("{}/authorize", text("spotify_accounts")), &[]).await;
    assert_eq!(authorize.status, 400, "no client_id: Spotify's error page");
    let cover = common::get(
        &format!("{}/release/not-an-mbid", text("coverartarchive")),
        &[],
    )
    .await;
    assert_eq!(cover.status, 400);
}
