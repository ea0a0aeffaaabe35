-- Whether a track has a present file (a library file linked to it that is neither missing nor
-- broken): `NOT has_file` is a *wanted* track. Kept by statement-level triggers with transition
-- tables on library_files (one set-based statement per write), so every writer (scan, import,
-- repair) keeps it true without knowing about it.
--
-- The partial indexes below hold only wanted tracks. A scan batch looks its files' ISRCs,
-- MusicBrainz ids and normalised titles up among wanted tracks; through the full indexes it read
-- every track sharing a title ("Intro") and then probed library_files for each, a cost that grows
-- with the library. Through these it reads only the wanted ones.
ALTER TABLE tracks ADD COLUMN has_file BOOLEAN NOT NULL DEFAULT false;

UPDATE tracks t SET has_file = true
WHERE EXISTS (SELECT 1 FROM library_files lf WHERE lf.track_id = t.id
              AND lf.missing_since IS NULL AND lf.broken_reason IS NULL);

CREATE INDEX tracks_wanted_isrc_idx ON tracks (isrc) WHERE NOT has_file;
CREATE INDEX tracks_wanted_mbid_idx ON tracks (mbid) WHERE NOT has_file;
CREATE INDEX tracks_wanted_title_idx ON tracks (normalized_title) WHERE NOT has_file;

-- Recomputes has_file of the given tracks, writing only the rows whose value changes.
CREATE FUNCTION soulspot_refresh_has_file(targets BIGINT[]) RETURNS void LANGUAGE sql AS $$
    UPDATE tracks t SET has_file = s.present
    FROM (
        SELECT u.id, EXISTS (SELECT 1 FROM library_files lf WHERE lf.track_id = u.id
                             AND lf.missing_since IS NULL AND lf.broken_reason IS NULL) AS present
        FROM unnest(targets) AS u (id)
    ) s
    WHERE t.id = s.id AND t.has_file <> s.present;
$$;

CREATE FUNCTION soulspot_has_file_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM soulspot_refresh_has_file(ARRAY(
        SELECT DISTINCT track_id FROM new_rows
        WHERE track_id IS NOT NULL AND missing_since IS NULL AND broken_reason IS NULL));
    RETURN NULL;
END $$;
CREATE TRIGGER library_files_has_file_insert AFTER INSERT ON library_files
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION soulspot_has_file_inserted();

CREATE FUNCTION soulspot_has_file_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM soulspot_refresh_has_file(ARRAY(
        SELECT DISTINCT ids.track_id
        FROM old_rows o
        JOIN new_rows n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES (o.track_id), (n.track_id)) AS ids (track_id)
        WHERE ids.track_id IS NOT NULL
          AND (o.track_id IS DISTINCT FROM n.track_id
               OR (o.missing_since IS NULL) <> (n.missing_since IS NULL)
               OR (o.broken_reason IS NULL) <> (n.broken_reason IS NULL))));
    RETURN NULL;
END $$;
CREATE TRIGGER library_files_has_file_update AFTER UPDATE ON library_files
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION soulspot_has_file_updated();

CREATE FUNCTION soulspot_has_file_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM soulspot_refresh_has_file(ARRAY(
        SELECT DISTINCT track_id FROM old_rows
        WHERE track_id IS NOT NULL AND missing_since IS NULL AND broken_reason IS NULL));
    RETURN NULL;
END $$;
CREATE TRIGGER library_files_has_file_delete AFTER DELETE ON library_files
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION soulspot_has_file_deleted();
