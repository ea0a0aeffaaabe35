-- Full-text search over artists (name) and albums (title, album artist name), as track_search does
-- for tracks: FTS5 tables whose row id is the artist / album id, folded the same way
-- (remove_diacritics 2: "Bjork" finds "Björk") with the same prefix index for search-box prefixes.
-- Triggers keep both current, including the album artist's name when that artist is renamed.

CREATE VIRTUAL TABLE artist_search USING fts5 (
    name,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

-- A title match outranks an album-artist match: bm25 weights title 10, artist 3.
CREATE VIRTUAL TABLE album_search USING fts5 (
    title, artist,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
INSERT INTO album_search (album_search, rank) VALUES ('rank', 'bm25(10.0, 3.0)');

-- Backfill what the catalogue already holds.
INSERT INTO artist_search (rowid, name) SELECT id, name FROM artists;
INSERT INTO album_search (rowid, title, artist)
SELECT al.id, al.title, COALESCE(ar.name, '')
FROM albums al LEFT JOIN artists ar ON ar.id = al.album_artist_id;

CREATE TRIGGER artists_artist_search_insert AFTER INSERT ON artists BEGIN
    INSERT INTO artist_search (rowid, name) VALUES (new.id, new.name);
END;

-- A renamed artist is reindexed, and so is every album it is the album artist of.
CREATE TRIGGER artists_artist_search_rename AFTER UPDATE OF name ON artists BEGIN
    UPDATE artist_search SET name = new.name WHERE rowid = new.id;
    UPDATE album_search SET artist = new.name
    WHERE rowid IN (SELECT id FROM albums WHERE album_artist_id = new.id);
END;

-- Albums of a deleted artist lose their album artist through ON DELETE SET NULL, an UPDATE that
-- albums_album_search_update below sees.
CREATE TRIGGER artists_artist_search_delete AFTER DELETE ON artists BEGIN
    DELETE FROM artist_search WHERE rowid = old.id;
END;

CREATE TRIGGER albums_album_search_insert AFTER INSERT ON albums BEGIN
    INSERT INTO album_search (rowid, title, artist)
    VALUES (new.id, new.title,
            COALESCE((SELECT name FROM artists WHERE id = new.album_artist_id), ''));
END;

CREATE TRIGGER albums_album_search_update AFTER UPDATE OF title, album_artist_id ON albums BEGIN
    UPDATE album_search
    SET title = new.title,
        artist = COALESCE((SELECT name FROM artists WHERE id = new.album_artist_id), '')
    WHERE rowid = new.id;
END;

CREATE TRIGGER albums_album_search_delete AFTER DELETE ON albums BEGIN
    DELETE FROM album_search WHERE rowid = old.id;
END;
