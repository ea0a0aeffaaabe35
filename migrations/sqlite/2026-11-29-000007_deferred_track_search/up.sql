-- Deferred track search. A writer that changes many tracks and their credits in one transaction
-- (the library scan: hundreds of new tracks per batch) may refresh their search rows itself, once
-- per track in one statement, instead of letting the triggers rewrite a row once for the track and
-- again for each credit (an FTS5 update is a delete plus an insert, so a new track with one artist
-- cost three index writes). It sets `deferred` inside its write transaction, refreshes the rows
-- of every track it touched, and clears `deferred` before committing; as the flag is written in
-- the same transaction, no other writer ever sees it set, and a rolled-back transaction restores
-- it. Every other writer keeps the triggers as before.
CREATE TABLE track_search_sync (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    deferred BOOLEAN NOT NULL
);
INSERT INTO track_search_sync (id, deferred) VALUES (1, 0);

DROP TRIGGER tracks_search_insert;
CREATE TRIGGER tracks_search_insert AFTER INSERT ON tracks
WHEN NOT (SELECT deferred FROM track_search_sync WHERE id = 1)
BEGIN
    INSERT INTO track_search (rowid, title, artists, album)
    VALUES (new.id, new.title, '', COALESCE((SELECT title FROM albums WHERE id = new.album_id), ''));
END;

DROP TRIGGER tracks_search_update;
CREATE TRIGGER tracks_search_update AFTER UPDATE OF title, album_id ON tracks
WHEN NOT (SELECT deferred FROM track_search_sync WHERE id = 1)
BEGIN
    UPDATE track_search
    SET title = new.title,
        album = COALESCE((SELECT title FROM albums WHERE id = new.album_id), '')
    WHERE rowid = new.id;
END;

DROP TRIGGER track_artists_search_insert;
CREATE TRIGGER track_artists_search_insert AFTER INSERT ON track_artists
WHEN NOT (SELECT deferred FROM track_search_sync WHERE id = 1)
BEGIN
    UPDATE track_search
    SET artists = (SELECT COALESCE(group_concat(a.name, ' '), '') FROM track_artists ta
                   JOIN artists a ON a.id = ta.artist_id WHERE ta.track_id = new.track_id)
    WHERE rowid = new.track_id;
END;

DROP TRIGGER track_artists_search_delete;
CREATE TRIGGER track_artists_search_delete AFTER DELETE ON track_artists
WHEN NOT (SELECT deferred FROM track_search_sync WHERE id = 1)
BEGIN
    UPDATE track_search
    SET artists = (SELECT COALESCE(group_concat(a.name, ' '), '') FROM track_artists ta
                   JOIN artists a ON a.id = ta.artist_id WHERE ta.track_id = old.track_id)
    WHERE rowid = old.track_id;
END;
