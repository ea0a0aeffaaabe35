//! Full-text search over tracks, artists and albums: FTS5 on SQLite, GIN-indexed tsvectors on
//! PostgreSQL. Each search is one statement; artists and albums come back as whole rows, best
//! first.
//!
//! User text never reaches either engine's query syntax: it is cut into words of letters and
//! digits, and only those words are placed, quoted, into a query we build. `NEAR`, `-`, `*`,
//! quotes, parentheses or `:` in the input are separators, not operators.

use diesel::sql_types::{BigInt, Double, Text};
use diesel::{QueryableByName, sql_query};
use soulspot_domain::{Album, Artist, RepositoryError, TrackId, TrackSearchHit};

use super::rows::{AlbumRow, ArtistRow};
use super::{Backend, Database, DbError, read};

/// Words beyond this are ignored; a search box does not need more.
const MAX_WORDS: usize = 16;
/// Longer words are cut: no real title word is longer, and it bounds the query size.
const MAX_WORD_CHARS: usize = 64;

/// Splits user text into search words: runs of letters and digits, lowercased.
pub(crate) fn search_words(query: &str) -> Vec<String> {
    query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .take(MAX_WORDS)
        .map(|word| {
            word.chars()
                .take(MAX_WORD_CHARS)
                .collect::<String>()
                .to_lowercase()
        })
        .collect()
}

/// `"word1"* "word2"*`: every word must match, each as a prefix.
fn fts5_expression(words: &[String]) -> String {
    words
        .iter()
        .map(|word| format!("\"{word}\"*"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `'word1':* & 'word2':*`.
fn tsquery_expression(words: &[String]) -> String {
    words
        .iter()
        .map(|word| format!("'{word}':*"))
        .collect::<Vec<_>>()
        .join(" & ")
}

#[derive(QueryableByName)]
struct SearchRow {
    #[diesel(sql_type = BigInt)]
    track_id: i64,
    #[diesel(sql_type = Double)]
    score: f64,
}

pub(crate) async fn search_tracks(
    database: &Database,
    query: &str,
    limit: u32,
) -> Result<Vec<TrackSearchHit>, RepositoryError> {
    let words = search_words(query);
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let limit = i64::from(limit.clamp(1, MAX_LIMIT));
    let (sql, expression) = match database.backend() {
        // `rank` is bm25 with the weights set in the migration (title 10, artists 5, album 2);
        // lower is better, so the score is its negation.
        Backend::Sqlite => (
            "SELECT rowid AS track_id, -rank AS score FROM track_search \
             WHERE track_search MATCH ? ORDER BY rank LIMIT ?",
            fts5_expression(&words),
        ),
        Backend::Postgres => (
            "SELECT s.track_id, ts_rank(s.document, q)::float8 AS score \
             FROM track_search s, to_tsquery('simple', soulspot_fold($1)) q \
             WHERE s.document @@ q ORDER BY score DESC, s.track_id LIMIT $2",
            tsquery_expression(&words),
        ),
    };
    let rows: Vec<SearchRow> = read!(database, |conn| run!(
        sql_query(sql)
            .bind::<Text, _>(expression)
            .bind::<BigInt, _>(limit)
            .load::<SearchRow>(conn)
    ))?;
    Ok(rows
        .into_iter()
        .map(|row| TrackSearchHit {
            track_id: TrackId(row.track_id),
            score: row.score,
        })
        .collect())
}

/// The most results one search returns.
const MAX_LIMIT: u32 = 500;

/// The statement and its query expression for one search over `table`, returning `columns` of
/// `target` (aliased `t`), best first. On SQLite `table` is an FTS5 table whose row id is
/// `target.id`; on PostgreSQL it holds `key` (→ `target.id`) and a `document` tsvector. Only our
/// quoted words reach either engine.
fn entity_search(
    backend: Backend,
    words: &[String],
    columns: &str,
    target: &str,
    (table, key): (&str, &str),
) -> (String, String) {
    match backend {
        // The inner query lets FTS5 rank and cut the matches itself; SQLite does not flatten a
        // LIMITed sub-query into the join, so only `limit` rows are looked up by id.
        Backend::Sqlite => (
            format!(
                "SELECT {columns} FROM (SELECT rowid AS hit_id, rank AS hit_rank FROM \
                 {table} WHERE {table} MATCH ? ORDER BY rank LIMIT ?) hit \
                 JOIN {target} t ON t.id = hit.hit_id ORDER BY hit.hit_rank, t.id"
            ),
            fts5_expression(words),
        ),
        Backend::Postgres => (
            format!(
                "SELECT {columns} FROM {table} s JOIN {target} t ON t.id = s.{key}, \
                 to_tsquery('simple', soulspot_fold($1)) q \
                 WHERE s.document @@ q ORDER BY ts_rank(s.document, q) DESC, t.id LIMIT $2"
            ),
            tsquery_expression(words),
        ),
    }
}

/// Runs one [`entity_search`] and returns the matching rows, best first; no words, no query.
async fn search_rows<R>(
    database: &Database,
    query: &str,
    limit: u32,
    columns: &str,
    target: &str,
    index: (&str, &str),
) -> Result<Vec<R>, RepositoryError>
where
    R: QueryableByName<diesel::sqlite::Sqlite> + QueryableByName<diesel::pg::Pg> + Send + 'static,
{
    let words = search_words(query);
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let limit = i64::from(limit.clamp(1, MAX_LIMIT));
    let (sql, expression) = entity_search(database.backend(), &words, columns, target, index);
    let rows = read!(database, |conn| run!(
        sql_query(sql)
            .bind::<Text, _>(expression)
            .bind::<BigInt, _>(limit)
            .load::<R>(conn)
    ))?;
    Ok(rows)
}

pub(crate) async fn search_artists(
    database: &Database,
    query: &str,
    limit: u32,
) -> Result<Vec<Artist>, RepositoryError> {
    let rows: Vec<ArtistRow> = search_rows(
        database,
        query,
        limit,
        "t.id, t.name, t.sort_name, t.spotify_id, t.mbid",
        "artists",
        ("artist_search", "artist_id"),
    )
    .await?;
    rows.into_iter()
        .map(|row| {
            row.into_domain()
                .map_err(|error| DbError::Query(error).into())
        })
        .collect()
}

pub(crate) async fn search_albums(
    database: &Database,
    query: &str,
    limit: u32,
) -> Result<Vec<Album>, RepositoryError> {
    let rows: Vec<AlbumRow> = search_rows(
        database,
        query,
        limit,
        "t.id, t.title, t.album_artist_id, t.year, t.release_type, t.spotify_id, t.mbid, \
         t.release_group_mbid, t.cover_path",
        "albums",
        ("album_search", "album_id"),
    )
    .await?;
    rows.into_iter()
        .map(|row| {
            row.into_domain()
                .map_err(|error| DbError::Query(error).into())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_and_quotes_become_separators() {
        assert_eq!(
            search_words(r#"NEAR("a" b) -c* d:e 'f' AND"#),
            ["near", "a", "b", "c", "d", "e", "f", "and"]
        );
        assert_eq!(
            fts5_expression(&search_words("Beyoncé Halo")),
            r#""beyoncé"* "halo"*"#
        );
        assert_eq!(tsquery_expression(&search_words("it's")), "'it':* & 's':*");
        assert!(search_words(" -*\"() ").is_empty());
    }
}
