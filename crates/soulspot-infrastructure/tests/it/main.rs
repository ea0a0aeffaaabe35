//! The repository contract suite: every test body runs against SQLite and PostgreSQL (the latter
//! when `TEST_POSTGRES_URL` names a server; otherwise it prints that it was skipped).

#![allow(clippy::unwrap_used, clippy::expect_used)]

/// Defines `sqlite::NAME` and `postgres::NAME` tests that run `body(Database)` on a fresh,
/// migrated database of each backend.
macro_rules! contract_tests {
    ($($name:ident => $body:path;)*) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let test = soulspot_testkit::TestDatabase::sqlite().await;
                    $body(test.database.clone()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(test) = soulspot_testkit::TestDatabase::postgres(stringify!($name)).await else {
                        return;
                    };
                    $body(test.database.clone()).await;
                }
            )*
        }
    };
}

mod catalog;
mod catalog_identity;
mod connect;
mod http;
mod jobs;
mod metadata;
mod metadata_fixtures;
mod misc;
mod notices;
mod plans;
mod playlists;
mod reads;
mod records;
mod scan_store;
mod slskd;
mod spotify;
mod sqlite_concurrency;
mod tags;
mod walk;

contract_tests! {
    catalog_upsert_round_trip => crate::catalog::upsert_round_trip;
    catalog_reupsert_is_stable => crate::catalog::reupsert_is_stable;
    catalog_rejects_broken_batch => crate::catalog::rejects_broken_batch;
    catalog_keyset_pages_cover_everything => crate::catalog::keyset_pages_cover_everything;
    search_is_kept_current_by_triggers => crate::catalog::search_is_kept_current_by_triggers;
    search_treats_operators_as_text => crate::catalog::search_treats_operators_as_text;
    catalog_upsert_constant_statements => crate::catalog::upsert_takes_constant_statements;
    playlist_entries_in_constant_statements => crate::playlists::entries_in_constant_statements;
    playlist_upsert_and_replace => crate::playlists::upsert_and_replace;
    downloads_state_machine => crate::misc::downloads_state_machine;
    downloads_next_wanted_by_priority => crate::misc::downloads_next_wanted_by_priority;
    quality_profiles => crate::misc::quality_profiles;
    settings_round_trip => crate::misc::settings_round_trip;
    library_files_upsert_by_path => crate::misc::library_files_upsert_by_path;
    migrations_are_current_and_idempotent => crate::misc::migrations_are_current_and_idempotent;
    query_plans_use_indexes => crate::plans::query_plans_use_indexes;
    download_candidates => crate::records::download_candidates;
    blocklist => crate::records::blocklist;
    library_folders => crate::records::library_folders;
    sealed_secrets => crate::records::sealed_secrets;
    reads_list_tracks_filters => crate::reads::list_tracks_filters;
    reads_tracks_details_keep_order => crate::reads::tracks_details_keep_order;
    reads_album_tracks_order => crate::reads::album_tracks_in_disc_and_track_order;
    reads_albums_of_artist => crate::reads::albums_of_artist_as_album_artist_or_credit;
    reads_search_artists_and_albums => crate::reads::search_artists_and_albums;
    reads_search_indexes_follow_renames => crate::reads::search_indexes_follow_renames;
    reads_files_of_track => crate::reads::files_of_track;
    reads_library_stats => crate::reads::library_stats;
    reads_constant_statements => crate::reads::reads_take_constant_statements;
    read_plans_use_indexes => crate::plans::read_plans_use_indexes;
    reads_name_order_walks_ties_once => crate::reads::name_order_walks_ties_once;
    name_order_plans_use_indexes => crate::plans::name_order_plans_use_indexes;
    jobs_enqueue_dedupes => crate::jobs::enqueue_dedupes;
    jobs_enqueue_limits => crate::jobs::enqueue_keeps_the_queue_bound_and_the_cooldown;
    jobs_claim_order_kinds_and_limit => crate::jobs::claim_order_kinds_and_limit;
    jobs_heartbeat => crate::jobs::heartbeat_extends_lease_and_records_progress;
    jobs_succeed_and_fail => crate::jobs::succeed_and_fail;
    jobs_release => crate::jobs::release_gives_the_attempt_back;
    jobs_cancel => crate::jobs::cancel_queued_and_running;
    jobs_retry => crate::jobs::retry_dead_and_cancelled;
    jobs_reclaim_expired => crate::jobs::reclaim_expired_leases;
    jobs_prune_finished => crate::jobs::prune_finished_jobs;
    jobs_list_filters_and_pages => crate::jobs::list_filters_and_pages;
    jobs_concurrent_claims => crate::jobs::concurrent_claims_take_each_job_once;
    job_plans_use_indexes => crate::plans::job_plans_use_indexes;
    job_notices_follow_committed_writes => crate::notices::notices_follow_committed_writes;
}
