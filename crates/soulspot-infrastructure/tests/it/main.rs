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
mod connect;
mod misc;
mod plans;
mod playlists;
mod records;
mod sqlite_concurrency;

contract_tests! {
    catalog_upsert_round_trip => crate::catalog::upsert_round_trip;
    catalog_reupsert_is_stable => crate::catalog::reupsert_is_stable;
    catalog_rejects_broken_batch => crate::catalog::rejects_broken_batch;
    catalog_keyset_pages_cover_everything => crate::catalog::keyset_pages_cover_everything;
    search_is_kept_current_by_triggers => crate::catalog::search_is_kept_current_by_triggers;
    search_treats_operators_as_text => crate::catalog::search_treats_operators_as_text;
    playlist_entries_in_constant_statements => crate::playlists::entries_in_constant_statements;
    playlist_upsert_and_replace => crate::playlists::upsert_and_replace;
    downloads_state_machine => crate::misc::downloads_state_machine;
    downloads_next_wanted_by_priority => crate::misc::downloads_next_wanted_by_priority;
    quality_profiles => crate::misc::quality_profiles;
    settings_round_trip => crate::misc::settings_round_trip;
    jobs_enqueue_dedupes => crate::misc::jobs_enqueue_dedupes;
    library_files_upsert_by_path => crate::misc::library_files_upsert_by_path;
    migrations_are_current_and_idempotent => crate::misc::migrations_are_current_and_idempotent;
    query_plans_use_indexes => crate::plans::query_plans_use_indexes;
    download_candidates => crate::records::download_candidates;
    blocklist => crate::records::blocklist;
    library_folders => crate::records::library_folders;
    sealed_secrets => crate::records::sealed_secrets;
}
