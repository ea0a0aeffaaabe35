DROP TRIGGER tracks_search_insert;
CREATE TRIGGER tracks_search_insert AFTER INSERT ON tracks BEGIN
    INSERT INTO track_search (rowid, title, artists, album)
    VALUES (new.id, new.title, '', COALESCE((SELECT title FROM albums WHERE id = new.album_id), ''));
END;

DROP TRIGGER tracks_search_update;
CREATE TRIGGER tracks_search_update AFTER UPDATE OF title, album_id ON tracks BEGIN
    UPDATE track_search
    SET title = new.title,
        album = COALESCE((SELECT title FROM albums WHERE id = new.album_id), '')
    WHERE rowid = new.id;
END;

DROP TRIGGER track_artists_search_insert;
CREATE TRIGGER track_artists_search_insert AFTER INSERT ON track_artists BEGIN
    UPDATE track_search
    SET artists = (SELECT COALESCE(group_concat(a.name, ' '), '') FROM track_artists ta
                   JOIN artists a ON a.id = ta.artist_id WHERE ta.track_id = new.track_id)
    WHERE rowid = new.track_id;
END;

DROP TRIGGER track_artists_search_delete;
CREATE TRIGGER track_artists_search_delete AFTER DELETE ON track_artists BEGIN
    UPDATE track_search
    SET artists = (SELECT COALESCE(group_concat(a.name, ' '), '') FROM track_artists ta
                   JOIN artists a ON a.id = ta.artist_id WHERE ta.track_id = old.track_id)
    WHERE rowid = old.track_id;
END;

DROP TABLE track_search_sync;
