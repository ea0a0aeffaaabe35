-- The library scan (issue 6): its runs, and the lookups a batch of it makes.

-- One scan of one root in one mode. A run stays unfinished until the scan completes, so a crashed,
-- killed or cancelled scan resumes from `checkpoint` (a stored library path) with its running
-- totals (`counts_json`, the serialised ScanCounts).
CREATE TABLE library_scans (
    id INTEGER PRIMARY KEY,
    root TEXT NOT NULL,
    mode TEXT NOT NULL,
    checkpoint TEXT,
    counts_json TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
-- At most one unfinished run per root and mode; it is also how a new scan finds the one to resume.
CREATE UNIQUE INDEX library_scans_unfinished_idx ON library_scans (root, mode)
    WHERE finished_at IS NULL;

-- A file found at a new path is matched to a known file by its (size, modification time).
CREATE INDEX library_files_identity_idx ON library_files (size_bytes, modified_at);

-- Whether the file embeds a picture (usually the front cover); NULL when unknown (broken files).
ALTER TABLE library_files ADD COLUMN has_embedded_art BOOLEAN;
