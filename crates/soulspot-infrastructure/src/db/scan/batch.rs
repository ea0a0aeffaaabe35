//! Applying one scan batch in one transaction, with a number of statements that does not grow
//! with the number of files: every lookup is one statement of `IN` lists, every write one
//! multi-row statement (split only past `WRITE_CHUNK` rows or `LOOKUP_CHUNK` keys).
//!
//! [`apply_scan_batch`] is the sequence of steps; each step's statements are one function in
//! `steps`, and the decisions between them are plain functions: the catalogue's identity rules in
//! the domain (`catalog::identity`), the rest in `catalogue`, `tracks` and `file_rows`.
//!
//! Rows that already exist and change in place (a track whose tags changed, a moved or re-read
//! file, an artist or album that gains a MusicBrainz id) are rewritten with one `INSERT … ON
//! CONFLICT (id) DO UPDATE` per table: a portable multi-row UPDATE. Every row it names was read
//! in this transaction, so it takes the update path (on SQLite the write lock rules out anything
//! else; on PostgreSQL only a concurrent delete, which nothing does to these tables, could make
//! it insert).
//!
//! The order matters in two places: missing files are marked before the wanted-track lookup, so
//! a file that replaced a vanished one in the same batch can fill the track that file left
//! wanted; and the search rows of the tracks written are refreshed once, after their credits
//! (the search triggers stand aside meanwhile, see migration `deferred_track_search`).

mod steps;

use std::collections::BTreeSet;

use soulspot_domain::scan::{ScanBatch, ScanBatchOutcome};
use soulspot_domain::{ArtistId, LibraryFileId, RepositoryError, TrackId};

use super::super::catalog_write::credit_rows;
use super::super::rows::NewTrackRow;
use super::super::{Database, write};
use super::catalogue::{AlbumMentions, ArtistMentions};
use super::file_rows::{file_ids, file_values, plan_file_rows};
use super::prepare::PreparedBatch;
use super::tracks::{
    Candidates, TrackChoice, TrackRewrites, WantedKeys, credit_track_ids, desired_tracks,
    first_choices,
};
use steps::ScanSteps as _;

/// Applies one batch (see `ScanRepository::apply_scan_batch` and the module documentation).
pub(super) async fn apply_scan_batch(
    database: &Database,
    batch: ScanBatch,
) -> Result<ScanBatchOutcome, RepositoryError> {
    let run = batch.run;
    let prepared = PreparedBatch::new(batch)?;
    let backend = database.backend();
    let outcome = write!(database, |conn| {
        let batch = &prepared;
        run!(conn.configure_transaction(backend))?;
        let folder_ids = run!(conn.write_folders(batch))?;
        let newly_missing = run!(conn.mark_missing(batch))?;
        let current = run!(conn.load_current_files(batch))?;
        let file_rows = plan_file_rows(&batch.files, &current);

        // The catalogue the files' tags name: artists, then albums (whose keys hold their
        // album artist's row).
        let artist_mentions = ArtistMentions::new(&batch.files);
        let artist_ids = run!(conn.write_artists(&artist_mentions, batch))?;
        let artist_of = |mention: usize| artist_ids[mention].unwrap_or(ArtistId(0));
        let credits: Vec<Vec<ArtistId>> = artist_mentions
            .credits
            .iter()
            .map(|mentions| mentions.iter().map(|&mention| artist_of(mention)).collect())
            .collect();
        let album_artists: Vec<Option<ArtistId>> = artist_mentions
            .album_artists
            .iter()
            .map(|mention| mention.map(artist_of))
            .collect();
        let album_mentions = AlbumMentions::new(&batch.files, &album_artists);
        let album_ids = run!(conn.write_albums(&album_mentions, batch))?;
        let albums = album_mentions
            .files
            .iter()
            .map(|mention| mention.and_then(|mention| album_ids[mention]))
            .collect::<Vec<_>>();

        // Each file's track: its own, else a wanted one (a track with no present file), else new.
        let desired = desired_tracks(&batch.files, &credits, &albums);
        let mut choices = first_choices(&batch.files, &file_rows.targets, &current);
        let candidate_rows =
            run!(conn.load_wanted_tracks(&WantedKeys::new(&batch.files, &choices)))?;
        let stored_credits = run!(conn.load_credits(&credit_track_ids(&choices, &candidate_rows)))?;
        let candidates = Candidates::new(candidate_rows, &stored_credits);
        let taken = choices
            .iter()
            .filter_map(|choice| choice.track_id())
            .collect();
        let matched_wanted = candidates.assign(&batch.files, &mut choices, taken);
        let mut rewrites = TrackRewrites::new(
            &choices,
            &desired,
            &current,
            &candidates,
            &stored_credits,
            batch.now,
        )?;
        let new_tracks: Vec<usize> = (0..batch.files.len())
            .filter(|&index| choices[index] == TrackChoice::New && desired[index].is_some())
            .collect();
        let new_rows: Vec<NewTrackRow> = new_tracks
            .iter()
            .filter_map(|&index| {
                let key = batch.files[index].audio()?.title_key.clone();
                let fields = desired[index].as_ref()?;
                Some(NewTrackRow::with_title_key(fields, key, true, batch.now))
            })
            .collect();
        let writes_tracks = !(rewrites.updates.is_empty()
            && new_tracks.is_empty()
            && rewrites.stale_credits.is_empty()
            && rewrites.fresh_credits.is_empty());
        if writes_tracks {
            run!(conn.defer_search(backend, true))?;
        }
        let inserted = run!(conn.write_tracks(&rewrites.updates, &new_rows))?;
        let mut track_ids: Vec<Option<i64>> =
            choices.iter().map(|choice| choice.track_id()).collect();
        for (&index, id) in new_tracks.iter().zip(inserted) {
            track_ids[index] = Some(id);
            if let Some(desired) = &desired[index] {
                rewrites
                    .fresh_credits
                    .extend(credit_rows(id, &desired.artist_ids));
            }
        }
        run!(conn.replace_credits(&rewrites.stale_credits, &rewrites.fresh_credits))?;
        // The search rows of every track whose title, album or credits the batch wrote.
        let touched: BTreeSet<i64> = rewrites
            .updates
            .iter()
            .map(|update| update.id)
            .chain(rewrites.stale_credits.iter().copied())
            .chain(rewrites.fresh_credits.iter().map(|(track, _, _)| *track))
            .chain(new_tracks.iter().filter_map(|&index| track_ids[index]))
            .collect();
        run!(conn.refresh_search(backend, &touched))?;
        if writes_tracks {
            run!(conn.defer_search(backend, false))?;
        }

        let (known_values, new_values) = file_values(
            &batch.files,
            &file_rows,
            &current,
            &folder_ids,
            &mut track_ids,
            batch.now,
        );
        let inserted_files = run!(conn.write_file_rows(&file_rows, &known_values, &new_values))?;
        run!(conn.save_checkpoint(batch))?;

        let files = file_ids(&batch.files, &file_rows, &current, &inserted_files)
            .into_iter()
            .zip(track_ids)
            .map(|(id, track)| (LibraryFileId(id), track.map(TrackId)))
            .collect();
        Ok(ScanBatchOutcome {
            files,
            matched_wanted,
            newly_missing,
        })
    })
    .map_err(|error| error.not_found_as("scan run", run))?;
    Ok(outcome)
}
