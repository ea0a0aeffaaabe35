-- Deferred track search. A writer that changes many tracks and their credits in one transaction
-- (the library scan) may refresh their search documents itself, once per track in one statement,
-- instead of letting the triggers build each new track's document twice (once for the track, once
-- for its credits). It runs `SET LOCAL soulspot.defer_track_search = 'on'` in its transaction and
-- calls soulspot_refresh_track_search for every track it touched; the setting ends with the
-- transaction, so no other writer ever sees it.
CREATE OR REPLACE FUNCTION soulspot_track_search_deferred() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT COALESCE(current_setting('soulspot.defer_track_search', true), '') = 'on'
$$;

CREATE OR REPLACE FUNCTION soulspot_search_tracks_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF soulspot_track_search_deferred() THEN RETURN NULL; END IF;
    PERFORM soulspot_refresh_track_search(ARRAY(SELECT id FROM new_rows));
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION soulspot_search_tracks_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF soulspot_track_search_deferred() THEN RETURN NULL; END IF;
    PERFORM soulspot_refresh_track_search(ARRAY(
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.title IS DISTINCT FROM o.title OR n.album_id IS DISTINCT FROM o.album_id));
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION soulspot_search_credits_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF soulspot_track_search_deferred() THEN RETURN NULL; END IF;
    PERFORM soulspot_refresh_track_search(ARRAY(SELECT DISTINCT track_id FROM new_rows));
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION soulspot_search_credits_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF soulspot_track_search_deferred() THEN RETURN NULL; END IF;
    PERFORM soulspot_refresh_track_search(ARRAY(SELECT DISTINCT track_id FROM old_rows));
    RETURN NULL;
END $$;
