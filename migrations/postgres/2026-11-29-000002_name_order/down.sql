CREATE INDEX tracks_normalized_title_idx ON tracks (normalized_title);
DROP INDEX tracks_title_order_idx;
DROP INDEX albums_title_order_idx;
CREATE INDEX artists_normalized_name_idx ON artists (normalized_name);
DROP INDEX artists_name_order_idx;
