DROP TRIGGER albums_album_search_delete;
DROP TRIGGER albums_album_search_update;
DROP TRIGGER albums_album_search_insert;
DROP TRIGGER artists_artist_search_delete;
DROP TRIGGER artists_artist_search_rename;
DROP TRIGGER artists_artist_search_insert;
DROP TABLE album_search;
DROP TABLE artist_search;
