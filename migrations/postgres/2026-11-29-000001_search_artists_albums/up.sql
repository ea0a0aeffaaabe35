-- Full-text search over artists (name) and albums (title weighted A, album artist name B), as
-- track_search does for tracks: one tsvector per row with a GIN index, the 'simple' configuration
-- over soulspot_fold (accents stripped as SQLite's remove_diacritics does). Statement-level
-- triggers with transition tables keep both current in one set-based statement per write,
-- including the album artist's name when that artist is renamed.

CREATE TABLE artist_search (
    artist_id BIGINT PRIMARY KEY REFERENCES artists (id) ON DELETE CASCADE,
    document tsvector NOT NULL
);
CREATE INDEX artist_search_document_idx ON artist_search USING GIN (document);

CREATE TABLE album_search (
    album_id BIGINT PRIMARY KEY REFERENCES albums (id) ON DELETE CASCADE,
    document tsvector NOT NULL
);
CREATE INDEX album_search_document_idx ON album_search USING GIN (document);

CREATE FUNCTION soulspot_refresh_artist_search(targets BIGINT[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO artist_search (artist_id, document)
    SELECT a.id, to_tsvector('simple', soulspot_fold(a.name))
    FROM artists a
    WHERE a.id = ANY (targets)
    ON CONFLICT (artist_id) DO UPDATE SET document = excluded.document;
$$;

CREATE FUNCTION soulspot_refresh_album_search(targets BIGINT[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO album_search (album_id, document)
    SELECT al.id,
           setweight(to_tsvector('simple', soulspot_fold(al.title)), 'A')
           || setweight(to_tsvector('simple', soulspot_fold(COALESCE(ar.name, ''))), 'B')
    FROM albums al
    LEFT JOIN artists ar ON ar.id = al.album_artist_id
    WHERE al.id = ANY (targets)
    ON CONFLICT (album_id) DO UPDATE SET document = excluded.document;
$$;

-- Backfill what the catalogue already holds.
INSERT INTO artist_search (artist_id, document)
SELECT id, to_tsvector('simple', soulspot_fold(name)) FROM artists;
INSERT INTO album_search (album_id, document)
SELECT al.id,
       setweight(to_tsvector('simple', soulspot_fold(al.title)), 'A')
       || setweight(to_tsvector('simple', soulspot_fold(COALESCE(ar.name, ''))), 'B')
FROM albums al
LEFT JOIN artists ar ON ar.id = al.album_artist_id;

CREATE FUNCTION soulspot_artist_search_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM soulspot_refresh_artist_search(ARRAY(SELECT id FROM new_rows));
    RETURN NULL;
END $$;
CREATE TRIGGER artists_artist_search_insert AFTER INSERT ON artists
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION soulspot_artist_search_inserted();

-- A renamed artist is reindexed, and so is every album it is the album artist of.
CREATE FUNCTION soulspot_artist_search_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    renamed BIGINT[];
BEGIN
    renamed := ARRAY(
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.name IS DISTINCT FROM o.name);
    IF cardinality(renamed) > 0 THEN
        PERFORM soulspot_refresh_artist_search(renamed);
        PERFORM soulspot_refresh_album_search(ARRAY(
            SELECT id FROM albums WHERE album_artist_id = ANY (renamed)));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER artists_artist_search_update AFTER UPDATE ON artists
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION soulspot_artist_search_updated();

CREATE FUNCTION soulspot_album_search_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM soulspot_refresh_album_search(ARRAY(SELECT id FROM new_rows));
    RETURN NULL;
END $$;
CREATE TRIGGER albums_album_search_insert AFTER INSERT ON albums
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION soulspot_album_search_inserted();

-- Also fires for ON DELETE SET NULL when an album's artist is deleted.
CREATE FUNCTION soulspot_album_search_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM soulspot_refresh_album_search(ARRAY(
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.title IS DISTINCT FROM o.title
           OR n.album_artist_id IS DISTINCT FROM o.album_artist_id));
    RETURN NULL;
END $$;
CREATE TRIGGER albums_album_search_update AFTER UPDATE ON albums
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION soulspot_album_search_updated();
