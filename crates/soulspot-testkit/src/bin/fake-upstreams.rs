//! `cargo run -p soulspot-testkit --bin fake-upstreams`: starts the fakes of all five upstream
//! services on 127.0.0.1 (random ports), seeded with one coherent generated catalogue, prints one
//! JSON line with their base URLs, and serves until interrupted. Point SoulSpot — or a
//! third-party client such as spotipy or slskd-api — at them.
//!
//! Options: `--seed N` (the catalogue, default 1), `--tracks N` (default 200), `--downloads DIR`
//! (where slskd's finished downloads land; default a temporary folder removed at exit).

use std::path::PathBuf;

use soulspot_testkit::catalog::catalog_batch;
use soulspot_testkit::fake::Running;
use soulspot_testkit::fake::coverart::FakeCoverArtArchive;
use soulspot_testkit::fake::lrclib::FakeLrclib;
use soulspot_testkit::fake::musicbrainz::FakeMusicBrainz;
use soulspot_testkit::fake::slskd::{FakeSlskd, SlskdConfig, generate_catalogue};
use soulspot_testkit::fake::spotify::{SOULSPOT_SCOPES, SpotifyApp, SpotifyFake, SpotifyUser};

/// The Spotify app, user and API key the printed line names.
const CLIENT_ID: &str = "soulspotfakeclient0001";
const USER_ID: &str = "soulspot-demo";
const SLSKD_API_KEY: &str = "fake-slskd-api-key-0123456789";

struct Options {
    seed: u64,
    tracks: u64,
    downloads: Option<PathBuf>,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        seed: 1,
        tracks: 200,
        downloads: None,
    };
    let mut arguments = std::env::args().skip(1);
    while let Some(argument) = arguments.next() {
        let mut value = |name: &str| {
            arguments
                .next()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match argument.as_str() {
            "--seed" => {
                options.seed = value("--seed")?
                    .parse()
                    .map_err(|_| "--seed needs a number".to_owned())?;
            }
            "--tracks" => {
                options.tracks = value("--tracks")?
                    .parse()
                    .map_err(|_| "--tracks needs a number".to_owned())?;
            }
            "--downloads" => options.downloads = Some(PathBuf::from(value("--downloads")?)),
            "--help" | "-h" => {
                return Err(
                    "usage: fake-upstreams [--seed N] [--tracks N] [--downloads DIR]".into(),
                );
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(options)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let options = options()?;
    let temporary =
        tempfile::tempdir().map_err(|error| format!("cannot make a folder: {error}"))?;
    let downloads = options
        .downloads
        .clone()
        .unwrap_or_else(|| temporary.path().join("downloads"));
    std::fs::create_dir_all(&downloads)
        .map_err(|error| format!("cannot create {}: {error}", downloads.display()))?;

    let batch = catalog_batch(options.seed, 0, options.tracks);
    let spotify = SpotifyFake::new();
    spotify.add_user(SpotifyUser::new(USER_ID, "SoulSpot Demo"));
    spotify.register_app(SpotifyApp::public(
        CLIENT_ID,
        &[
            "http://127.0.0.1:8765/api/v1/spotify/callback",
            "http://127.0.0.1/callback",
        ],
    ));
    spotify.generate_playlist(USER_ID, "Demo mix", options.seed, options.tracks);
    let tokens = spotify.mint_access_token(CLIENT_ID, USER_ID, SOULSPOT_SCOPES);
    let spotify = SpotifyFake::start(spotify).await;

    let musicbrainz = FakeMusicBrainz::new();
    musicbrainz.seed_catalog_batch(&batch);
    let cover_art = FakeCoverArtArchive::new();
    cover_art.seed_from_musicbrainz(&musicbrainz);
    let musicbrainz = Running::start(musicbrainz).await;
    let cover_art = Running::start(cover_art).await;
    let lrclib = FakeLrclib::with_sample_records();
    lrclib.seed_catalog_batch(&batch);
    let lrclib = Running::start(lrclib).await;

    let slskd = FakeSlskd::new(SlskdConfig::new(SLSKD_API_KEY, &downloads));
    slskd.add_peers(generate_catalogue(options.seed, 12).peers);
    let slskd = Running::start(slskd).await;

    let line = serde_json::json!({
        "spotify_accounts": spotify.accounts_url(),
        "spotify_api": spotify.api_url(),
        "spotify_client_id": CLIENT_ID,
        "spotify_access_token": tokens.access_token,
        "spotify_refresh_token": tokens.refresh_token,
        "slskd": slskd.url(),
        "slskd_api_key": SLSKD_API_KEY,
        "slskd_downloads": downloads,
        "musicbrainz": format!("{}/ws/2", musicbrainz.url()),
        "coverartarchive": cover_art.url(),
        "lrclib": format!("{}/api", lrclib.url()),
    });
    println!("{line}");
    tokio::signal::ctrl_c()
        .await
        .map_err(|error| format!("cannot wait for Ctrl-C: {error}"))?;
    Ok(())
}
