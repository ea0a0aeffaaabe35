-- Whether a track has a present file (a library file linked to it that is neither missing nor
-- broken): `NOT has_file` is a *wanted* track. Kept by triggers on library_files, so every writer
-- (scan, import, repair) keeps it true without knowing about it.
--
-- The partial indexes below hold only wanted tracks. A scan batch looks its files' ISRCs,
-- MusicBrainz ids and normalised titles up among wanted tracks; through the full indexes it read
-- every track sharing a title ("Intro") and then probed library_files for each, a cost that grows
-- with the library (39,000 rows per 500-file batch at 100k tracks). Through these it reads only
-- the wanted ones.
ALTER TABLE tracks ADD COLUMN has_file BOOLEAN NOT NULL DEFAULT 0;

UPDATE tracks SET has_file = 1
WHERE id IN (SELECT track_id FROM library_files
             WHERE track_id IS NOT NULL AND missing_since IS NULL AND broken_reason IS NULL);

CREATE INDEX tracks_wanted_isrc_idx ON tracks (isrc) WHERE NOT has_file;
CREATE INDEX tracks_wanted_mbid_idx ON tracks (mbid) WHERE NOT has_file;
CREATE INDEX tracks_wanted_title_idx ON tracks (normalized_title) WHERE NOT has_file;

CREATE TRIGGER library_files_has_file_insert AFTER INSERT ON library_files
WHEN new.track_id IS NOT NULL AND new.missing_since IS NULL AND new.broken_reason IS NULL
BEGIN
    UPDATE tracks SET has_file = 1 WHERE id = new.track_id AND NOT has_file;
END;

CREATE TRIGGER library_files_has_file_update
AFTER UPDATE OF track_id, missing_since, broken_reason ON library_files
WHEN old.track_id IS NOT new.track_id
    OR (old.missing_since IS NULL) IS NOT (new.missing_since IS NULL)
    OR (old.broken_reason IS NULL) IS NOT (new.broken_reason IS NULL)
BEGIN
    UPDATE tracks
    SET has_file = EXISTS (SELECT 1 FROM library_files lf WHERE lf.track_id = tracks.id
                           AND lf.missing_since IS NULL AND lf.broken_reason IS NULL)
    WHERE id IN (old.track_id, new.track_id);
END;

CREATE TRIGGER library_files_has_file_delete AFTER DELETE ON library_files
WHEN old.track_id IS NOT NULL AND old.missing_since IS NULL AND old.broken_reason IS NULL
BEGIN
    UPDATE tracks
    SET has_file = EXISTS (SELECT 1 FROM library_files lf WHERE lf.track_id = tracks.id
                           AND lf.missing_since IS NULL AND lf.broken_reason IS NULL)
    WHERE id = old.track_id;
END;
