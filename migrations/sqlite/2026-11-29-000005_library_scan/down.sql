ALTER TABLE library_files DROP COLUMN has_embedded_art;
DROP INDEX library_files_identity_idx;
DROP INDEX library_scans_unfinished_idx;
DROP TABLE library_scans;
