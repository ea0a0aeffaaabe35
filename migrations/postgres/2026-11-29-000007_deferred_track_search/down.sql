CREATE OR REPLACE FUNCTION soulspot_search_tracks_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM soulspot_refresh_track_search(ARRAY(SELECT id FROM new_rows));
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION soulspot_search_tracks_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM soulspot_refresh_track_search(ARRAY(
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.title IS DISTINCT FROM o.title OR n.album_id IS DISTINCT FROM o.album_id));
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION soulspot_search_credits_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM soulspot_refresh_track_search(ARRAY(SELECT DISTINCT track_id FROM new_rows));
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION soulspot_search_credits_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM soulspot_refresh_track_search(ARRAY(SELECT DISTINCT track_id FROM old_rows));
    RETURN NULL;
END $$;

DROP FUNCTION soulspot_track_search_deferred();
