//! `cargo xtask bench api`: serves the real application (every middleware, the default pool) on a
//! seeded database over loopback, in this process, and loads it over real TCP with persistent
//! HTTP/1.1 connections: a deep page of the track list, a page from the middle of a 10,000-entry
//! playlist, and search, each at 1 and at 200 concurrent connections. Prints one markdown table
//! per backend for docs/PERFORMANCE.md, and fails when any request failed.
//!
//! The client (`client`) is a small hand-written HTTP/1.1 client (`GET`, status line, headers, a
//! `Content-Length` body) rather than a client library: it does next to nothing per request, so
//! the figures are the server's. It still shares the cores with the server, as it would on a small
//! self-hosted box.
//!
//! Server-side failures are counted twice: as non-200 responses, and as WARN/ERROR events in the
//! server's log, which is captured in memory so a "database is locked" cannot hide behind a
//! generic 500 body.

mod client;
mod figures;
mod server;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use clap::Args;
use soulspot_domain::ports::{
    CatalogRepository as _, LibraryFileRepository as _, PlaylistRepository as _,
};
use soulspot_domain::{NewLibraryFile, NewPlaylist, PlaylistId, TrackId};
use soulspot_infrastructure::{Database, PoolSettings};
use soulspot_testkit::TestDatabase;
use soulspot_testkit::catalog::{catalog_batch, present_flac_file, spotify_id};
use soulspot_testkit::database::POSTGRES_URL_VARIABLE;

use super::report::with_thousands;
use super::scenarios::{PLAYLIST_LENGTH, TRACKS_PER_BATCH};
use client::{Budget, Client};
use figures::{BackendFigures, Row};
use server::{Server, ServerLog};

/// The key every request presents (`X-Api-Key`).
const API_KEY: &str = "bench-api-key-0123456789abcdef";
/// The seed of the generated catalogue, so every run (and backend) serves the same data.
const CATALOG_SEED: u64 = 0x5013_5907;
/// Every this-many-th track gets a library file, so "has a file" varies along a page.
const FILE_EVERY: usize = 3;
/// Library files per `upsert_files` call (one transaction each).
const FILES_PER_BATCH: usize = 10_000;
/// Concurrent connections of each measurement.
const CONCURRENCIES: [usize; 2] = [1, 200];
/// Load before each measurement, on the same connections, so caches and pools are warm.
const WARM_UP: Duration = Duration::from_secs(2);
/// Page size of the walks that collect real cursors (the API's largest).
const WALK_PAGE: usize = 500;
/// Rows per measured page: the track list's default page, and the playlist view's page.
const TRACK_PAGE: usize = 50;
const ENTRY_PAGE: usize = 100;
const SEARCH_LIMIT: usize = 20;
/// Where the measured track pages start, as fractions of the catalogue: deep in the list, where
/// an OFFSET would hurt most.
const TRACK_DEPTHS: [f64; 6] = [0.5, 0.6, 0.7, 0.8, 0.9, 0.96];
/// Where the measured playlist pages start: around the middle of the playlist.
const ENTRY_DEPTHS: [usize; 5] = [3_000, 4_000, 5_000, 6_000, 7_000];
/// Common title words (each among the commonest ~250 of the Zipf vocabulary, so every query
/// matches thousands of tracks and ranking does real work); rotating keeps caches honest.
const SEARCH_WORDS: [&str; 6] = ["moon", "river", "night", "light", "dream", "fire"];

#[derive(Debug, Args)]
pub struct ApiBenchArgs {
    /// PostgreSQL server to create a fresh benchmark database on (skipped when absent).
    #[arg(long, env = POSTGRES_URL_VARIABLE)]
    postgres_url: Option<String>,
    /// Tracks in the catalogue; the playlist draws its entries from them.
    #[arg(long, default_value_t = 250_000)]
    tracks: u64,
    /// Measured requests per scenario and concurrency (instead of a fixed duration).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    requests: Option<u64>,
    /// Seconds each scenario is measured at each concurrency (ignored with --requests).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    duration_secs: u64,
}

pub async fn run(arguments: ApiBenchArgs) -> anyhow::Result<ExitCode> {
    if cfg!(debug_assertions) {
        return super::rerun_in_release().await;
    }
    ensure!(
        arguments.tracks >= PLAYLIST_LENGTH as u64,
        "--tracks must be at least {PLAYLIST_LENGTH}: the playlist draws its entries from them"
    );
    let measured = match arguments.requests {
        Some(requests) => Measured::Requests(requests),
        None => Measured::Duration(Duration::from_secs(arguments.duration_secs)),
    };
    let server_log = ServerLog::install()?;
    let postgres_url = arguments.postgres_url.filter(|url| !url.trim().is_empty());
    let workers = std::thread::available_parallelism().map_or(1, usize::from);

    println!("## HTTP API benchmark");
    println!();
    println!("{}", super::machine_line());
    println!();
    println!(
        "Server: the real app in this process, {workers} actix workers, the default pool \
         ({pool} connections); client: {what} per scenario and concurrency after {warm_up} s of \
         warm-up on the same keep-alive connections.",
        pool = PoolSettings::default().max_size,
        what = measured.describe(),
        warm_up = WARM_UP.as_secs()
    );
    println!();

    let mut failures = 0;
    let sqlite = TestDatabase::sqlite_with(PoolSettings::default()).await;
    let figures = bench_backend(
        "SQLite",
        &sqlite.database,
        arguments.tracks,
        measured,
        &server_log,
    )
    .await
    .context("SQLite benchmark")?;
    println!("{}", figures.markdown());
    failures += figures.failures();
    drop(sqlite);

    match postgres_url {
        Some(server_url) => {
            let postgres = super::fresh_postgres(&server_url).await?;
            eprintln!(
                "postgres: benchmarking in the fresh database {}",
                postgres.name
            );
            let outcome = bench_backend(
                "PostgreSQL",
                &postgres.database,
                arguments.tracks,
                measured,
                &server_log,
            )
            .await;
            // Dropped whatever happened, so a failed run leaves nothing behind on the server.
            postgres.drop_database().await;
            let figures = outcome.context("PostgreSQL benchmark")?;
            println!("{}", figures.markdown());
            failures += figures.failures();
        }
        None => eprintln!("PostgreSQL skipped: pass --postgres-url or set {POSTGRES_URL_VARIABLE}"),
    }
    if failures > 0 {
        bail!(
            "{} failed requests or lock errors (the aim is none); see the tables and the \
             server log above",
            with_thousands(failures)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// How much load each measurement applies.
#[derive(Debug, Clone, Copy)]
enum Measured {
    Duration(Duration),
    Requests(u64),
}

impl Measured {
    fn describe(self) -> String {
        match self {
            Self::Duration(duration) => format!("{} s of load", duration.as_secs()),
            Self::Requests(requests) => format!("{} requests", with_thousands(requests)),
        }
    }

    fn budget(self) -> Budget {
        match self {
            Self::Duration(duration) => Budget::until(Instant::now() + duration),
            Self::Requests(requests) => Budget::requests(requests),
        }
    }
}

/// One kind of request and the URLs it rotates through.
struct Scenario {
    name: &'static str,
    description: String,
    paths: Vec<String>,
}

/// Seeds `database`, serves it, and measures every scenario at every concurrency.
async fn bench_backend(
    backend: &'static str,
    database: &Database,
    tracks: u64,
    measured: Measured,
    server_log: &ServerLog,
) -> anyhow::Result<BackendFigures> {
    let started = Instant::now();
    let playlist = seed(backend, database, tracks).await?;
    eprintln!(
        "{backend}: seeded in {:.1} s; starting the server…",
        started.elapsed().as_secs_f64()
    );
    let server = Server::start(database.clone()).await?;
    let outcome = measure_all(backend, &server, tracks, playlist, measured, server_log).await;
    server.stop().await;
    let rows = outcome?;
    // Anything logged while stopping belongs to this backend too.
    let late_log = server_log.take();
    late_log.echo(&format!("{backend}: shutdown"));
    Ok(BackendFigures {
        backend,
        tracks,
        rows,
        late_log,
    })
}

async fn measure_all(
    backend: &'static str,
    server: &Server,
    tracks: u64,
    playlist: PlaylistId,
    measured: Measured,
    server_log: &ServerLog,
) -> anyhow::Result<Vec<Row>> {
    eprintln!("{backend}: walking the lists once for real cursors…");
    let scenarios = discover_scenarios(server.address, tracks, playlist).await?;
    // Seeding and the walks are not under measurement.
    let _ = server_log.take();
    let mut rows = Vec::new();
    for scenario in &scenarios {
        for connections in CONCURRENCIES {
            eprintln!(
                "{backend}: {} at {connections} connection(s)…",
                scenario.name
            );
            let requests = client::requests_for(server.address, API_KEY, &scenario.paths);
            let load = client::measure(server.address, &requests, connections, WARM_UP, measured)
                .await
                .with_context(|| format!("{} at {connections} connections", scenario.name))?;
            let log = server_log.take();
            log.echo(&format!("{backend}: {} at {connections}", scenario.name));
            for example in &load.error_examples {
                eprintln!("{backend}: failed request: {example}");
            }
            rows.push(Row {
                scenario: scenario.name,
                description: scenario.description.clone(),
                connections,
                load,
                log,
            });
        }
    }
    Ok(rows)
}

/// A catalogue of `tracks` tracks, a playlist of [`PLAYLIST_LENGTH`] entries spread evenly over
/// it, and a library file for every [`FILE_EVERY`]-th track.
async fn seed(
    backend: &'static str,
    database: &Database,
    tracks: u64,
) -> anyhow::Result<PlaylistId> {
    eprintln!("{backend}: upserting {} tracks…", with_thousands(tracks));
    let mut track_ids: Vec<TrackId> = Vec::with_capacity(tracks as usize);
    let mut batch_start = 0;
    while batch_start < tracks {
        let batch_tracks = TRACKS_PER_BATCH.min(tracks - batch_start);
        let ids = database
            .upsert_catalog(catalog_batch(CATALOG_SEED, batch_start, batch_tracks))
            .await
            .with_context(|| format!("upsert_catalog of tracks from {batch_start}"))?;
        track_ids.extend(ids.tracks);
        batch_start += batch_tracks;
    }

    eprintln!("{backend}: a playlist of {PLAYLIST_LENGTH} entries and library files…");
    let playlist = database
        .upsert_playlist(NewPlaylist {
            name: "Benchmark: ten thousand tracks".into(),
            description: Some("Created by cargo xtask bench api".into()),
            spotify_id: Some(spotify_id(4, 1)),
            snapshot_id: None,
            owner: Some("xtask".into()),
            is_liked_songs: false,
            sync_enabled: false,
        })
        .await
        .context("upsert_playlist")?;
    let stride = (track_ids.len() / PLAYLIST_LENGTH).max(1);
    let entries = track_ids
        .iter()
        .step_by(stride)
        .take(PLAYLIST_LENGTH)
        .map(|&id| (id, None))
        .collect();
    database
        .replace_entries(playlist.id, entries)
        .await
        .context("replace_entries")?;

    let files: Vec<NewLibraryFile> = track_ids
        .iter()
        .step_by(FILE_EVERY)
        .map(|id| present_flac_file(*id, "/music/bench", 30_000_000))
        .collect();
    let mut files = files.into_iter().peekable();
    while files.peek().is_some() {
        let batch: Vec<NewLibraryFile> = files.by_ref().take(FILES_PER_BATCH).collect();
        database.upsert_files(batch).await.context("upsert_files")?;
    }
    Ok(playlist.id)
}

/// Walks the track list and the playlist once, as a client paging through them would, to collect
/// real cursors, and checks that every URL the load will use answers with a full page.
async fn discover_scenarios(
    address: SocketAddr,
    tracks: u64,
    playlist: PlaylistId,
) -> anyhow::Result<Vec<Scenario>> {
    let mut client = Client::connect(address).await?;
    let ready = client.get_json(API_KEY, "/health/ready").await?;
    ensure!(
        ready.get("status").and_then(|status| status.as_str()) == Some("ready"),
        "the server is not ready: {ready}"
    );

    let track_targets: Vec<usize> = TRACK_DEPTHS
        .iter()
        .map(|fraction| (tracks as f64 * fraction) as usize)
        .collect();
    let (walked, track_cursors) = walk(&mut client, "/api/v1/tracks", &track_targets).await?;
    ensure!(
        walked == tracks as usize,
        "walking the track list saw {walked} of {tracks} tracks"
    );
    let entries_list = format!("/api/v1/playlists/{}/entries", playlist.0);
    let (walked, entry_cursors) = walk(&mut client, &entries_list, &ENTRY_DEPTHS).await?;
    ensure!(
        walked == PLAYLIST_LENGTH,
        "walking the playlist saw {walked} of {PLAYLIST_LENGTH} entries"
    );

    let scenarios = vec![
        Scenario {
            name: "tracks page",
            description: format!(
                "`GET /api/v1/tracks?limit={TRACK_PAGE}&cursor=…`, {} cursors after tracks {} of {}",
                track_cursors.len(),
                list_positions(&track_cursors),
                with_thousands(tracks)
            ),
            paths: track_cursors
                .iter()
                .map(|(_, cursor)| format!("/api/v1/tracks?limit={TRACK_PAGE}&cursor={cursor}"))
                .collect(),
        },
        Scenario {
            name: "playlist page",
            description: format!(
                "`GET /api/v1/playlists/{{id}}/entries?limit={ENTRY_PAGE}&cursor=…` of the \
                 {}-entry playlist, {} cursors after entries {}",
                with_thousands(PLAYLIST_LENGTH as u64),
                entry_cursors.len(),
                list_positions(&entry_cursors)
            ),
            paths: entry_cursors
                .iter()
                .map(|(_, cursor)| format!("{entries_list}?limit={ENTRY_PAGE}&cursor={cursor}"))
                .collect(),
        },
        Scenario {
            name: "search",
            description: format!(
                "`GET /api/v1/search?q=…&limit={SEARCH_LIMIT}` (tracks, albums and artists), \
                 rotating {}",
                SEARCH_WORDS
                    .iter()
                    .map(|word| format!("\"{word}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            paths: SEARCH_WORDS
                .iter()
                .map(|word| format!("/api/v1/search?q={word}&limit={SEARCH_LIMIT}"))
                .collect(),
        },
    ];
    // A fast answer with the wrong rows would make the figures meaningless: check each URL once.
    for scenario in &scenarios {
        for path in &scenario.paths {
            let body = client.get_json(API_KEY, path).await?;
            let (list, expected) = match scenario.name {
                "search" => ("tracks", SEARCH_LIMIT),
                "playlist page" => ("items", ENTRY_PAGE),
                _ => ("items", TRACK_PAGE),
            };
            let found = body
                .get(list)
                .and_then(|items| items.as_array())
                .map_or(0, Vec::len);
            ensure!(
                found == expected,
                "{path} returned {found} {list}, expected {expected}"
            );
        }
    }
    Ok(scenarios)
}

/// Pages through `list` with the largest page and returns how many rows it saw and, for each
/// target, the first cursor handed out at or after that many rows (with the rows before it).
async fn walk(
    client: &mut Client,
    list: &str,
    targets: &[usize],
) -> anyhow::Result<(usize, Vec<(usize, String)>)> {
    let mut seen = 0;
    let mut cursor: Option<String> = None;
    let mut cursors = Vec::new();
    let mut remaining = targets.iter().copied().peekable();
    loop {
        let path = match &cursor {
            Some(cursor) => format!("{list}?limit={WALK_PAGE}&cursor={cursor}"),
            None => format!("{list}?limit={WALK_PAGE}"),
        };
        let page = client.get_json(API_KEY, &path).await?;
        seen += page
            .get("items")
            .and_then(|items| items.as_array())
            .map_or(0, Vec::len);
        cursor = page
            .get("next_cursor")
            .and_then(|cursor| cursor.as_str())
            .map(str::to_owned);
        let Some(next) = &cursor else {
            break;
        };
        while remaining.next_if(|&target| seen >= target).is_some() {
            if cursors.last().is_none_or(|(at, _)| *at != seen) {
                cursors.push((seen, next.clone()));
            }
        }
    }
    ensure!(
        !cursors.is_empty(),
        "{list} is too short for the benchmark's cursors"
    );
    Ok((seen, cursors))
}

fn list_positions(cursors: &[(usize, String)]) -> String {
    cursors
        .iter()
        .map(|(at, _)| with_thousands(*at as u64))
        .collect::<Vec<_>>()
        .join(", ")
}
