//! The one hand-written diesel schema for both backends. Ids are `BigInt` everywhere: SQLite's
//! `INTEGER PRIMARY KEY` is a 64-bit rowid, PostgreSQL's a `BIGINT` identity. The full-text tables
//! differ by backend and are queried with raw SQL, so they are not declared here.

diesel::table! {
    artists (id) {
        id -> BigInt,
        name -> Text,
        sort_name -> Nullable<Text>,
        normalized_name -> Text,
        spotify_id -> Nullable<Text>,
        mbid -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    albums (id) {
        id -> BigInt,
        title -> Text,
        normalized_title -> Text,
        album_artist_id -> Nullable<BigInt>,
        year -> Nullable<Integer>,
        release_type -> Nullable<Text>,
        spotify_id -> Nullable<Text>,
        mbid -> Nullable<Text>,
        release_group_mbid -> Nullable<Text>,
        cover_path -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    tracks (id) {
        id -> BigInt,
        title -> Text,
        normalized_title -> Text,
        album_id -> Nullable<BigInt>,
        disc_number -> Nullable<Integer>,
        track_number -> Nullable<Integer>,
        duration_ms -> Nullable<Integer>,
        isrc -> Nullable<Text>,
        spotify_id -> Nullable<Text>,
        mbid -> Nullable<Text>,
        explicit -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        has_file -> Bool,
    }
}

diesel::table! {
    track_artists (track_id, position) {
        track_id -> BigInt,
        position -> Integer,
        artist_id -> BigInt,
    }
}

diesel::table! {
    playlists (id) {
        id -> BigInt,
        name -> Text,
        description -> Nullable<Text>,
        spotify_id -> Nullable<Text>,
        snapshot_id -> Nullable<Text>,
        owner -> Nullable<Text>,
        is_liked_songs -> Bool,
        sync_enabled -> Bool,
        last_synced_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    playlist_entries (playlist_id, position) {
        playlist_id -> BigInt,
        position -> Integer,
        track_id -> BigInt,
        added_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    library_folders (id) {
        id -> BigInt,
        path -> Text,
        content_hash -> Nullable<Text>,
        scanned_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    library_files (id) {
        id -> BigInt,
        path -> Text,
        folder_id -> Nullable<BigInt>,
        size_bytes -> BigInt,
        modified_at -> Nullable<Timestamp>,
        format -> Nullable<Text>,
        codec -> Nullable<Text>,
        bitrate_kbps -> Nullable<Integer>,
        sample_rate_hz -> Nullable<Integer>,
        bit_depth -> Nullable<Integer>,
        channels -> Nullable<Integer>,
        duration_ms -> Nullable<Integer>,
        track_id -> Nullable<BigInt>,
        tags_json -> Nullable<Text>,
        broken_reason -> Nullable<Text>,
        missing_since -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        has_embedded_art -> Nullable<Bool>,
    }
}

diesel::table! {
    library_scans (id) {
        id -> BigInt,
        root -> Text,
        mode -> Text,
        checkpoint -> Nullable<Text>,
        counts_json -> Text,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    downloads (id) {
        id -> BigInt,
        track_id -> BigInt,
        state -> Text,
        priority -> Integer,
        attempts -> Integer,
        next_attempt_at -> Nullable<Timestamp>,
        candidate_username -> Nullable<Text>,
        candidate_filename -> Nullable<Text>,
        candidate_size_bytes -> Nullable<BigInt>,
        slskd_transfer_id -> Nullable<Text>,
        bytes_transferred -> BigInt,
        bytes_total -> Nullable<BigInt>,
        error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    download_candidates (id) {
        id -> BigInt,
        download_id -> BigInt,
        username -> Text,
        filename -> Text,
        size_bytes -> BigInt,
        format -> Nullable<Text>,
        bitrate_kbps -> Nullable<Integer>,
        sample_rate_hz -> Nullable<Integer>,
        bit_depth -> Nullable<Integer>,
        length_ms -> Nullable<Integer>,
        upload_speed -> Nullable<BigInt>,
        queue_length -> Nullable<Integer>,
        has_free_slot -> Nullable<Bool>,
        rank -> Nullable<Integer>,
        verdict -> Text,
        reasons_json -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    blocklist (id) {
        id -> BigInt,
        username -> Nullable<Text>,
        filename_pattern -> Nullable<Text>,
        reason -> Text,
        expires_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    quality_profiles (id) {
        id -> BigInt,
        name -> Text,
        formats_json -> Text,
        min_bitrate_kbps -> Nullable<Integer>,
        max_bitrate_kbps -> Nullable<Integer>,
        min_size_bytes -> Nullable<BigInt>,
        max_size_bytes -> Nullable<BigInt>,
        duration_tolerance_ms -> Integer,
        excluded_terms_json -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    jobs (id) {
        id -> BigInt,
        kind -> Text,
        payload -> Text,
        state -> Text,
        priority -> Integer,
        dedupe_key -> Nullable<Text>,
        attempts -> Integer,
        max_attempts -> Integer,
        run_at -> Timestamp,
        lease_owner -> Nullable<Text>,
        lease_expires_at -> Nullable<Timestamp>,
        progress_done -> BigInt,
        progress_total -> Nullable<BigInt>,
        progress_message -> Nullable<Text>,
        cancel_requested -> Bool,
        result -> Nullable<Text>,
        error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    settings (key) {
        key -> Text,
        value_json -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    secrets (key) {
        key -> Text,
        nonce -> Binary,
        ciphertext -> Binary,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    oauth_tokens (id) {
        id -> BigInt,
        provider -> Text,
        access_nonce -> Binary,
        access_ciphertext -> Binary,
        refresh_nonce -> Nullable<Binary>,
        refresh_ciphertext -> Nullable<Binary>,
        expires_at -> Nullable<Timestamp>,
        scopes -> Text,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(albums -> artists (album_artist_id));
diesel::joinable!(tracks -> albums (album_id));
diesel::joinable!(track_artists -> tracks (track_id));
diesel::joinable!(track_artists -> artists (artist_id));
diesel::joinable!(playlist_entries -> playlists (playlist_id));
diesel::joinable!(playlist_entries -> tracks (track_id));
diesel::joinable!(library_files -> tracks (track_id));
diesel::joinable!(library_files -> library_folders (folder_id));
diesel::joinable!(downloads -> tracks (track_id));
diesel::joinable!(download_candidates -> downloads (download_id));

diesel::allow_tables_to_appear_in_same_query!(
    artists,
    albums,
    tracks,
    track_artists,
    playlists,
    playlist_entries,
    library_folders,
    library_files,
    library_scans,
    downloads,
    download_candidates,
    blocklist,
    quality_profiles,
    jobs,
    settings,
    secrets,
    oauth_tokens,
);
