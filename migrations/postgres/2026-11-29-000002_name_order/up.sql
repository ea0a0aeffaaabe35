-- Lists in name order (`?sort=name` / `?sort=title`) read (normalized key, id) in index order, so
-- a deep page starts with an index seek. The composite indexes also serve every lookup the
-- single-column ones did, which are dropped to keep writes cheap.
CREATE INDEX artists_name_order_idx ON artists (normalized_name, id);
DROP INDEX artists_normalized_name_idx;
CREATE INDEX albums_title_order_idx ON albums (normalized_title, id);
CREATE INDEX tracks_title_order_idx ON tracks (normalized_title, id);
DROP INDEX tracks_normalized_title_idx;
