-- SoulSpot initial schema (SQLite). Keep in step with migrations/postgres: the repository
-- contract suite runs the same tests against both.
-- Ids are INTEGER PRIMARY KEY (the rowid alias, 64-bit); timestamps are UTC 'YYYY-MM-DD HH:MM:SS[.fff]'.

CREATE TABLE artists (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    sort_name TEXT,
    normalized_name TEXT NOT NULL,
    spotify_id TEXT UNIQUE,
    mbid TEXT UNIQUE,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX artists_normalized_name_idx ON artists (normalized_name);

CREATE TABLE albums (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    normalized_title TEXT NOT NULL,
    album_artist_id INTEGER REFERENCES artists (id) ON DELETE SET NULL,
    year INTEGER,
    release_type TEXT,
    spotify_id TEXT UNIQUE,
    mbid TEXT UNIQUE,
    release_group_mbid TEXT,
    cover_path TEXT,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX albums_artist_title_idx ON albums (album_artist_id, normalized_title);

CREATE TABLE tracks (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    normalized_title TEXT NOT NULL,
    album_id INTEGER REFERENCES albums (id) ON DELETE SET NULL,
    disc_number INTEGER,
    track_number INTEGER,
    duration_ms INTEGER,
    isrc TEXT,
    spotify_id TEXT UNIQUE,
    mbid TEXT,
    explicit BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
-- Not unique: one recording (ISRC) appears on several releases.
CREATE INDEX tracks_isrc_idx ON tracks (isrc);
CREATE INDEX tracks_mbid_idx ON tracks (mbid);
CREATE INDEX tracks_album_disc_track_idx ON tracks (album_id, disc_number, track_number);
CREATE INDEX tracks_normalized_title_idx ON tracks (normalized_title);

CREATE TABLE track_artists (
    track_id INTEGER NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    artist_id INTEGER NOT NULL REFERENCES artists (id) ON DELETE CASCADE,
    PRIMARY KEY (track_id, position)
) WITHOUT ROWID;
CREATE INDEX track_artists_artist_idx ON track_artists (artist_id);

CREATE TABLE playlists (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT,
    spotify_id TEXT UNIQUE,
    snapshot_id TEXT,
    owner TEXT,
    is_liked_songs BOOLEAN NOT NULL DEFAULT 0,
    sync_enabled BOOLEAN NOT NULL DEFAULT 1,
    last_synced_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE playlist_entries (
    playlist_id INTEGER NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    track_id INTEGER NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    added_at TIMESTAMP,
    PRIMARY KEY (playlist_id, position)
) WITHOUT ROWID;
CREATE INDEX playlist_entries_track_idx ON playlist_entries (track_id);

CREATE TABLE library_folders (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    content_hash TEXT,
    scanned_at TIMESTAMP
);

CREATE TABLE library_files (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    folder_id INTEGER REFERENCES library_folders (id) ON DELETE SET NULL,
    size_bytes BIGINT NOT NULL,
    modified_at TIMESTAMP,
    format TEXT,
    codec TEXT,
    bitrate_kbps INTEGER,
    sample_rate_hz INTEGER,
    bit_depth INTEGER,
    channels INTEGER,
    duration_ms INTEGER,
    track_id INTEGER REFERENCES tracks (id) ON DELETE SET NULL,
    tags_json TEXT,
    broken_reason TEXT,
    missing_since TIMESTAMP,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX library_files_track_idx ON library_files (track_id);
CREATE INDEX library_files_folder_idx ON library_files (folder_id);

CREATE TABLE downloads (
    id INTEGER PRIMARY KEY,
    track_id INTEGER NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP,
    candidate_username TEXT,
    candidate_filename TEXT,
    candidate_size_bytes BIGINT,
    slskd_transfer_id TEXT,
    bytes_transferred BIGINT NOT NULL DEFAULT 0,
    bytes_total BIGINT,
    error TEXT,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
-- "Next downloads by priority": WHERE state = ? ORDER BY priority DESC, created_at, id.
CREATE INDEX downloads_state_priority_created_idx ON downloads (state, priority DESC, created_at, id);
CREATE INDEX downloads_track_idx ON downloads (track_id);
-- One active download per track.
CREATE UNIQUE INDEX downloads_one_active_per_track_idx ON downloads (track_id)
    WHERE state NOT IN ('completed', 'failed', 'cancelled');

CREATE TABLE download_candidates (
    id INTEGER PRIMARY KEY,
    download_id INTEGER NOT NULL REFERENCES downloads (id) ON DELETE CASCADE,
    username TEXT NOT NULL,
    filename TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    format TEXT,
    bitrate_kbps INTEGER,
    sample_rate_hz INTEGER,
    bit_depth INTEGER,
    length_ms INTEGER,
    upload_speed BIGINT,
    queue_length INTEGER,
    has_free_slot BOOLEAN,
    rank INTEGER,
    verdict TEXT NOT NULL,
    reasons_json TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX download_candidates_download_idx ON download_candidates (download_id);

CREATE TABLE blocklist (
    id INTEGER PRIMARY KEY,
    username TEXT,
    filename_pattern TEXT,
    reason TEXT NOT NULL,
    expires_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK (username IS NOT NULL OR filename_pattern IS NOT NULL)
);
CREATE INDEX blocklist_username_idx ON blocklist (username);

CREATE TABLE quality_profiles (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    formats_json TEXT NOT NULL,
    min_bitrate_kbps INTEGER,
    max_bitrate_kbps INTEGER,
    min_size_bytes BIGINT,
    max_size_bytes BIGINT,
    duration_tolerance_ms INTEGER NOT NULL,
    excluded_terms_json TEXT NOT NULL DEFAULT '[]',
    active BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX quality_profiles_one_active_idx ON quality_profiles (active) WHERE active;

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    state TEXT NOT NULL DEFAULT 'queued',
    priority INTEGER NOT NULL DEFAULT 0,
    dedupe_key TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 5,
    run_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    lease_owner TEXT,
    lease_expires_at TIMESTAMP,
    progress_done BIGINT NOT NULL DEFAULT 0,
    progress_total BIGINT,
    progress_message TEXT,
    cancel_requested BOOLEAN NOT NULL DEFAULT 0,
    result TEXT,
    error TEXT,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    started_at TIMESTAMP,
    finished_at TIMESTAMP
);
CREATE INDEX jobs_state_run_at_priority_idx ON jobs (state, run_at, priority);
CREATE INDEX jobs_kind_idx ON jobs (kind, state);
CREATE UNIQUE INDEX jobs_dedupe_key_active_idx ON jobs (dedupe_key)
    WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'running');

CREATE TABLE settings (
    key TEXT PRIMARY KEY NOT NULL,
    value_json TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE secrets (
    key TEXT PRIMARY KEY NOT NULL,
    nonce BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE oauth_tokens (
    id INTEGER PRIMARY KEY,
    provider TEXT NOT NULL UNIQUE,
    -- Each token sealed on its own, with its own nonce: a nonce is never reused under one key.
    access_nonce BLOB NOT NULL,
    access_ciphertext BLOB NOT NULL,
    refresh_nonce BLOB,
    refresh_ciphertext BLOB,
    expires_at TIMESTAMP,
    scopes TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK ((refresh_nonce IS NULL) = (refresh_ciphertext IS NULL))
);

-- Full-text search over track title + artist names + album title. The FTS5 row id is the track
-- id. Triggers keep it current whenever a track, its credits, an artist name or an album title
-- changes. remove_diacritics 2 makes "Beyonce" find "Beyoncé".
-- The prefix index makes the prefix queries a search box sends ("moo" → moon) cheap; the rank
-- function weighs title 10, artists 5, album 2, and lets ORDER BY rank run inside FTS5.
CREATE VIRTUAL TABLE track_search USING fts5 (
    title, artists, album,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
INSERT INTO track_search (track_search, rank) VALUES ('rank', 'bm25(10.0, 5.0, 2.0)');

CREATE TRIGGER tracks_search_insert AFTER INSERT ON tracks BEGIN
    INSERT INTO track_search (rowid, title, artists, album)
    VALUES (new.id, new.title, '', COALESCE((SELECT title FROM albums WHERE id = new.album_id), ''));
END;

CREATE TRIGGER tracks_search_update AFTER UPDATE OF title, album_id ON tracks BEGIN
    UPDATE track_search
    SET title = new.title,
        album = COALESCE((SELECT title FROM albums WHERE id = new.album_id), '')
    WHERE rowid = new.id;
END;

CREATE TRIGGER tracks_search_delete AFTER DELETE ON tracks BEGIN
    DELETE FROM track_search WHERE rowid = old.id;
END;

CREATE TRIGGER track_artists_search_insert AFTER INSERT ON track_artists BEGIN
    UPDATE track_search
    SET artists = (SELECT COALESCE(group_concat(a.name, ' '), '') FROM track_artists ta
                   JOIN artists a ON a.id = ta.artist_id WHERE ta.track_id = new.track_id)
    WHERE rowid = new.track_id;
END;

CREATE TRIGGER track_artists_search_delete AFTER DELETE ON track_artists BEGIN
    UPDATE track_search
    SET artists = (SELECT COALESCE(group_concat(a.name, ' '), '') FROM track_artists ta
                   JOIN artists a ON a.id = ta.artist_id WHERE ta.track_id = old.track_id)
    WHERE rowid = old.track_id;
END;

CREATE TRIGGER artists_search_rename AFTER UPDATE OF name ON artists BEGIN
    UPDATE track_search
    SET artists = (SELECT COALESCE(group_concat(a.name, ' '), '') FROM track_artists ta
                   JOIN artists a ON a.id = ta.artist_id WHERE ta.track_id = track_search.rowid)
    WHERE rowid IN (SELECT track_id FROM track_artists WHERE artist_id = new.id);
END;

CREATE TRIGGER albums_search_rename AFTER UPDATE OF title ON albums BEGIN
    UPDATE track_search SET album = new.title
    WHERE rowid IN (SELECT id FROM tracks WHERE album_id = new.id);
END;
