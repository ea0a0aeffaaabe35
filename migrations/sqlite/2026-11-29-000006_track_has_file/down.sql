DROP TRIGGER library_files_has_file_delete;
DROP TRIGGER library_files_has_file_update;
DROP TRIGGER library_files_has_file_insert;
DROP INDEX tracks_wanted_title_idx;
DROP INDEX tracks_wanted_mbid_idx;
DROP INDEX tracks_wanted_isrc_idx;
ALTER TABLE tracks DROP COLUMN has_file;
