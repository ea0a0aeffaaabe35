-- Lists in name order (`?sort=name` / `?sort=title`) read (normalized key, id) in index order.
-- On SQLite an index on one column also holds the rowid (the id), so artists and tracks already
-- have theirs; albums only had (album_artist_id, normalized_title).
CREATE INDEX albums_normalized_title_idx ON albums (normalized_title);
