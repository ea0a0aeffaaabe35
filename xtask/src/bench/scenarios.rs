//! The measurements themselves, run against one migrated, empty database through the repository
//! ports, exactly as the application calls them: bulk catalogue upserts, a 10,000-entry playlist,
//! a deep keyset page and full-text search over a large catalogue.

use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use soulspot_domain::ports::{CatalogRepository as _, PlaylistRepository as _};
use soulspot_domain::{
    CatalogBatch, ListOrder, NewPlaylist, OrderedKey, PageRequest, PlaylistId, RepositoryError,
    TrackFilter, TrackId,
};
use soulspot_infrastructure::Database;
use soulspot_testkit::catalog::{catalog_batch, spotify_id};

use super::report::{BackendFigures, Latencies, QueryFigures, Throughput};

/// The seed of the generated catalogue; fixed so every run (and backend) writes the same data.
const CATALOG_SEED: u64 = 0x5013_5907;
/// Tracks per `upsert_catalog` call: a large Spotify import page, one transaction each.
pub const TRACKS_PER_BATCH: u64 = 10_000;
/// Entries of the benchmark playlist.
pub const PLAYLIST_LENGTH: usize = 10_000;
/// Where the measured playlist page starts, and its size (the api's default page).
const PAGE_POSITION: i32 = 9_000;
const PAGE_SIZE: u32 = 100;
/// Calls made before measuring, so caches and prepared statements are warm.
pub const WARM_UPS: u32 = 2;
/// What people type into a search box: common words, two-word phrases, a name typed without its
/// accent, a bare prefix, and a query of one-letter words that matches almost nothing.
const SEARCH_QUERIES: &[&str] = &[
    "moon",
    "golden river",
    "beyonce",
    "nig",
    "midnight signal",
    "x y",
];
/// Hits per search, as the search page asks for.
const SEARCH_LIMIT: u32 = 50;

/// What to measure.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Tracks of the first import (and of the unchanged re-import).
    pub tracks: u64,
    /// Tracks in the catalogue for the keyset and search measurements.
    pub large: u64,
    /// Measured calls per operation.
    pub iterations: u32,
}

/// Runs every measurement on `database` (which must be migrated and empty) and returns the figures.
pub async fn measure(
    backend: &'static str,
    database: &Database,
    plan: Plan,
) -> anyhow::Result<BackendFigures> {
    eprintln!("{backend}: upserting {} tracks…", plan.tracks);
    let (first_import, mut track_ids) = upsert_generated(database, 0, plan.tracks)
        .await
        .context("bulk upsert")?;

    eprintln!("{backend}: re-upserting the same {} tracks…", plan.tracks);
    let (unchanged_reimport, reimported_ids) = upsert_generated(database, 0, plan.tracks)
        .await
        .context("unchanged re-upsert")?;
    // Matching must find every track again: new ids would mean the re-upsert inserted duplicates.
    ensure!(
        reimported_ids == track_ids,
        "re-upserting unchanged tracks returned different track ids"
    );

    eprintln!("{backend}: creating a playlist of {PLAYLIST_LENGTH} entries…");
    let playlist = create_playlist(database, &track_ids)
        .await
        .context("creating the playlist")?;
    let replace_entries = playlist.replace_entries;
    let playlist_id = playlist.id;
    // A fast answer that returns the wrong rows would make the figures meaningless: check once.
    let loaded = database
        .all_entries(playlist_id)
        .await
        .context("all_entries")?;
    ensure!(
        loaded.len() == PLAYLIST_LENGTH,
        "all_entries returned {} of {PLAYLIST_LENGTH} entries",
        loaded.len()
    );
    let first_page = database
        .entries_page(
            playlist_id,
            PageRequest::after(PAGE_POSITION - 1, PAGE_SIZE),
        )
        .await
        .context("entries_page")?;
    ensure!(
        first_page.items.len() == PAGE_SIZE as usize
            && first_page.items.first().map(|entry| entry.position) == Some(PAGE_POSITION),
        "entries_page after position {} did not return {PAGE_SIZE} entries from {PAGE_POSITION}",
        PAGE_POSITION - 1
    );
    let all_entries = sample(database, plan.iterations, || {
        database.all_entries(playlist_id)
    })
    .await
    .context("all_entries")?;
    let page = PageRequest::after(PAGE_POSITION - 1, PAGE_SIZE);
    let entries_page = sample(database, plan.iterations, || {
        database.entries_page(playlist_id, page)
    })
    .await
    .context("entries_page")?;

    eprintln!("{backend}: growing the catalogue to {} tracks…", plan.large);
    let (growth, grown_ids) = upsert_generated(database, plan.tracks, plan.large - plan.tracks)
        .await
        .context("growing the catalogue")?;
    track_ids.extend(grown_ids);

    eprintln!("{backend}: keyset pages and search…");
    // Near the end of the catalogue (the 240,000th of 250,000 by default): a deep page must cost
    // what the first one does.
    let keyset_after_index = (track_ids.len() * 24 / 25).saturating_sub(1);
    let keyset_after = *track_ids
        .get(keyset_after_index)
        .context("the catalogue is empty")?;
    let deep_page = database
        .list_tracks(
            TrackFilter::default(),
            ListOrder::Added,
            PageRequest::after(OrderedKey::id(keyset_after), PAGE_SIZE),
        )
        .await
        .context("list_tracks")?;
    ensure!(
        deep_page.items.len() == PAGE_SIZE as usize,
        "list_tracks after track {keyset_after:?} returned {} of {PAGE_SIZE} tracks",
        deep_page.items.len()
    );
    let keyset_page = sample(database, plan.iterations, || {
        database.list_tracks(
            TrackFilter::default(),
            ListOrder::Added,
            PageRequest::after(OrderedKey::id(keyset_after), PAGE_SIZE),
        )
    })
    .await
    .context("list_tracks")?;

    let mut search_queries = Vec::with_capacity(SEARCH_QUERIES.len());
    let mut all_search_samples = Vec::new();
    let mut search_statements = 0;
    for &query in SEARCH_QUERIES {
        let hits = database
            .search_tracks(query, SEARCH_LIMIT)
            .await
            .with_context(|| format!("search {query:?}"))?;
        let latencies = sample(database, plan.iterations, || {
            database.search_tracks(query, SEARCH_LIMIT)
        })
        .await
        .with_context(|| format!("search {query:?}"))?;
        all_search_samples.extend(latencies.samples());
        search_statements = search_statements.max(latencies.statements_per_call);
        search_queries.push(QueryFigures {
            query,
            hits: hits.len(),
            latencies,
        });
    }

    Ok(BackendFigures {
        backend,
        first_import,
        unchanged_reimport,
        growth,
        playlist_length: PLAYLIST_LENGTH,
        replace_entries,
        all_entries,
        page_position: PAGE_POSITION,
        page_size: PAGE_SIZE,
        entries_page,
        keyset_after_index,
        keyset_page,
        search_limit: SEARCH_LIMIT,
        search_overall: Latencies::new(all_search_samples, search_statements),
        search_queries,
    })
}

/// Upserts `count` generated tracks numbered from `first_track`, in batches of
/// [`TRACKS_PER_BATCH`], and returns the throughput and the track ids in generation order.
/// Generating the same range again yields the same data, which is what the re-upsert relies on.
async fn upsert_generated(
    database: &Database,
    first_track: u64,
    count: u64,
) -> anyhow::Result<(Throughput, Vec<TrackId>)> {
    let mut throughput = Throughput {
        tracks: 0,
        rows: 0,
        batches: 0,
        elapsed: Duration::ZERO,
    };
    let mut track_ids = Vec::new();
    let end = first_track + count;
    let mut batch_start = first_track;
    while batch_start < end {
        let batch_tracks = TRACKS_PER_BATCH.min(end - batch_start);
        let batch = catalog_batch(CATALOG_SEED, batch_start, batch_tracks);
        let rows = row_count(&batch);
        let started = Instant::now();
        let ids = database.upsert_catalog(batch).await.with_context(|| {
            format!(
                "upsert_catalog of tracks {batch_start}..{}",
                batch_start + batch_tracks
            )
        })?;
        throughput.elapsed += started.elapsed();
        throughput.tracks += batch_tracks;
        throughput.rows += rows;
        throughput.batches += 1;
        track_ids.extend(ids.tracks);
        batch_start += batch_tracks;
    }
    Ok((throughput, track_ids))
}

/// Artists, albums, tracks and artist credits: the rows a batch asks the database to write.
fn row_count(batch: &CatalogBatch) -> u64 {
    let credits: usize = batch.tracks.iter().map(|track| track.artists.len()).sum();
    (batch.artists.len() + batch.albums.len() + batch.tracks.len() + credits) as u64
}

struct BenchPlaylist {
    id: PlaylistId,
    replace_entries: Duration,
}

/// A playlist of [`PLAYLIST_LENGTH`] tracks spread evenly over the imported catalogue (a real
/// playlist draws from many albums, not one run of consecutive ids).
async fn create_playlist(
    database: &Database,
    track_ids: &[TrackId],
) -> anyhow::Result<BenchPlaylist> {
    if track_ids.len() < PLAYLIST_LENGTH {
        bail!(
            "the playlist needs {PLAYLIST_LENGTH} tracks but only {} were imported",
            track_ids.len()
        );
    }
    let playlist = database
        .upsert_playlist(NewPlaylist {
            name: "Benchmark: ten thousand tracks".into(),
            description: Some("Created by cargo xtask bench db".into()),
            spotify_id: Some(spotify_id(4, 1)),
            snapshot_id: None,
            owner: Some("xtask".into()),
            is_liked_songs: false,
            sync_enabled: false,
        })
        .await?;
    let stride = track_ids.len() / PLAYLIST_LENGTH;
    let entries: Vec<(TrackId, Option<_>)> = track_ids
        .iter()
        .step_by(stride)
        .take(PLAYLIST_LENGTH)
        .map(|&id| (id, None))
        .collect();
    let started = Instant::now();
    database.replace_entries(playlist.id, entries).await?;
    let replace_entries = started.elapsed();
    Ok(BenchPlaylist {
        id: playlist.id,
        replace_entries,
    })
}

/// Calls `operation` [`WARM_UPS`] times unmeasured, then `iterations` times measured. The
/// statement count comes from one extra call, alone on the pool, so nothing else is counted.
async fn sample<T, Call, Operation>(
    database: &Database,
    iterations: u32,
    mut operation: Operation,
) -> anyhow::Result<Latencies>
where
    Operation: FnMut() -> Call,
    Call: Future<Output = Result<T, RepositoryError>>,
{
    for _ in 0..WARM_UPS {
        std::hint::black_box(operation().await?);
    }
    let mut samples = Vec::with_capacity(iterations as usize);
    for _ in 0..iterations {
        let started = Instant::now();
        let result = operation().await?;
        samples.push(started.elapsed());
        // Dropping a 10,000-entry result is not the repository's cost: keep it outside the sample.
        drop(std::hint::black_box(result));
    }
    let before = database.statement_counter().get();
    std::hint::black_box(operation().await?);
    let statements = database.statement_counter().get().saturating_sub(before);
    Ok(Latencies::new(samples, statements))
}
