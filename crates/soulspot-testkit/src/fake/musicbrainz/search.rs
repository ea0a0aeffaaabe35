//! The recording search of the fake MusicBrainz: a parser of Lucene's classic query syntax
//! (fields, phrases, ranges, `AND`/`OR`/`NOT`/`+`/`-`, groups, wildcards, fuzzy terms), the
//! fields a recording offers, and scores relative to the best hit.

use std::collections::HashMap;

use http::StatusCode;
use serde_json::{Value, json};

use super::json::search_recording_json;
use super::text::{fold_to_ascii_lowercase, search_tokens};
use super::{FakeRequest, FakeResponse, Refusal, State, error, json_response, refuse};

/// Search results per page when the client does not say, and the most it may ask for.
pub(super) const DEFAULT_SEARCH_LIMIT: usize = 25;
pub(super) const MAXIMUM_SEARCH_LIMIT: usize = 100;

/// How a clause takes part in a boolean query (Lucene's occur).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Occur {
    Must,
    Should,
    MustNot,
}

#[derive(Debug, Clone)]
pub(super) enum Query {
    Boolean(Vec<(Occur, Query)>),
    Term {
        field: String,
        text: String,
        wildcard: bool,
        fuzzy: bool,
    },
    Phrase {
        field: String,
        text: String,
    },
    Range {
        field: String,
        lower: Option<String>,
        upper: Option<String>,
        include_lower: bool,
        include_upper: bool,
    },
}

/// Why a query string does not parse.
#[derive(Debug)]
pub(super) struct QuerySyntaxError(String);

/// A recursive-descent parser of Lucene's classic query syntax.
pub(super) struct QueryParser {
    characters: Vec<char>,
    position: usize,
}

pub(super) const DEFAULT_FIELD: &str = "recording";

impl QueryParser {
    fn parse(text: &str) -> Result<Query, QuerySyntaxError> {
        let mut parser = Self {
            characters: text.chars().collect(),
            position: 0,
        };
        let query = parser.parse_boolean(DEFAULT_FIELD, false)?;
        parser.skip_whitespace();
        if parser.position < parser.characters.len() {
            return Err(QuerySyntaxError(format!(
                "unexpected {:?} at {}",
                parser.characters[parser.position], parser.position
            )));
        }
        Ok(query)
    }

    fn peek(&self) -> Option<char> {
        self.characters.get(self.position).copied()
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.position += 1;
        }
    }

    /// The operator word at the cursor (`AND`, `OR`, `NOT`, `&&`, `||`), when followed by a
    /// separator.
    fn operator_ahead(&self) -> Option<(&'static str, usize)> {
        for (word, name) in [
            ("AND", "AND"),
            ("&&", "AND"),
            ("OR", "OR"),
            ("||", "OR"),
            ("NOT", "NOT"),
        ] {
            let length = word.chars().count();
            let matches = self
                .characters
                .get(self.position..self.position + length)
                .is_some_and(|slice| slice.iter().copied().eq(word.chars()));
            let separated = self
                .characters
                .get(self.position + length)
                .is_none_or(|next| next.is_whitespace() || *next == '(' || *next == '"');
            if matches && separated {
                return Some((name, length));
            }
        }
        None
    }

    fn parse_boolean(
        &mut self,
        default_field: &str,
        inside_group: bool,
    ) -> Result<Query, QuerySyntaxError> {
        let mut clauses: Vec<(Occur, Query)> = Vec::new();
        loop {
            self.skip_whitespace();
            match self.peek() {
                None => break,
                Some(')') if inside_group => break,
                Some(')') => return Err(QuerySyntaxError("unbalanced ')'".into())),
                _ => {}
            }
            let mut conjunction = None;
            if let Some((name @ ("AND" | "OR"), length)) = self.operator_ahead() {
                conjunction = Some(name);
                self.position += length;
                self.skip_whitespace();
            }
            let mut occur = None;
            match self.peek() {
                Some('+') => {
                    occur = Some(Occur::Must);
                    self.position += 1;
                }
                Some('-') | Some('!') => {
                    occur = Some(Occur::MustNot);
                    self.position += 1;
                }
                _ => {
                    if let Some(("NOT", length)) = self.operator_ahead() {
                        occur = Some(Occur::MustNot);
                        self.position += length;
                        self.skip_whitespace();
                    }
                }
            }
            let clause = self.parse_clause(default_field)?;
            // Lucene's rule: `a AND b` makes both required; a clause with no modifier after
            // OR (or nothing) is optional.
            if conjunction == Some("AND")
                && let Some(previous) = clauses.last_mut()
                && previous.0 == Occur::Should
            {
                previous.0 = Occur::Must;
            }
            let occur = occur.unwrap_or(if conjunction == Some("AND") {
                Occur::Must
            } else {
                Occur::Should
            });
            clauses.push((occur, clause));
        }
        Ok(Query::Boolean(clauses))
    }

    /// Reads a bare word up to a separator, resolving `\` escapes; says whether it holds an
    /// unescaped wildcard.
    fn read_word(&mut self, stop_at_colon: bool) -> (String, bool) {
        let mut word = String::new();
        let mut wildcard = false;
        while let Some(character) = self.peek() {
            match character {
                '\\' => {
                    self.position += 1;
                    if let Some(escaped) = self.peek() {
                        word.push(escaped);
                        self.position += 1;
                    }
                }
                ':' if stop_at_colon => break,
                character
                    if character.is_whitespace()
                        || matches!(
                            character,
                            '(' | ')' | '"' | '[' | ']' | '{' | '}' | '^' | '~'
                        ) =>
                {
                    break;
                }
                '*' | '?' => {
                    wildcard = true;
                    word.push(character);
                    self.position += 1;
                }
                _ => {
                    word.push(character);
                    self.position += 1;
                }
            }
        }
        (word, wildcard)
    }

    /// Skips a `^boost` suffix (boosts change nothing here).
    fn skip_boost(&mut self) {
        if self.peek() == Some('^') {
            self.position += 1;
            while self
                .peek()
                .is_some_and(|character| character.is_ascii_digit() || character == '.')
            {
                self.position += 1;
            }
        }
    }

    /// Reads `~` and an optional number after a term; says whether there was a `~`.
    fn read_fuzzy(&mut self) -> bool {
        if self.peek() != Some('~') {
            return false;
        }
        self.position += 1;
        while self
            .peek()
            .is_some_and(|character| character.is_ascii_digit() || character == '.')
        {
            self.position += 1;
        }
        true
    }

    fn parse_clause(&mut self, default_field: &str) -> Result<Query, QuerySyntaxError> {
        self.skip_whitespace();
        let mut field = default_field.to_owned();
        if !matches!(self.peek(), Some('(' | '"' | '[' | '{')) {
            let start = self.position;
            let (word, _) = self.read_word(true);
            if self.peek() == Some(':') && !word.is_empty() {
                self.position += 1;
                field = word.to_ascii_lowercase();
            } else {
                self.position = start;
            }
        }
        match self.peek() {
            Some('(') => {
                self.position += 1;
                let group = self.parse_boolean(&field, true)?;
                if self.peek() != Some(')') {
                    return Err(QuerySyntaxError("missing ')'".into()));
                }
                self.position += 1;
                self.skip_boost();
                Ok(group)
            }
            Some('"') => {
                self.position += 1;
                let mut text = String::new();
                loop {
                    match self.peek() {
                        None => return Err(QuerySyntaxError("unterminated phrase".into())),
                        Some('"') => {
                            self.position += 1;
                            break;
                        }
                        Some('\\') => {
                            self.position += 1;
                            if let Some(escaped) = self.peek() {
                                text.push(escaped);
                                self.position += 1;
                            }
                        }
                        Some(character) => {
                            text.push(character);
                            self.position += 1;
                        }
                    }
                }
                self.read_fuzzy();
                self.skip_boost();
                Ok(Query::Phrase { field, text })
            }
            Some(open @ ('[' | '{')) => {
                self.position += 1;
                let mut inside = String::new();
                let close = loop {
                    match self.peek() {
                        None => return Err(QuerySyntaxError("unterminated range".into())),
                        Some(character @ (']' | '}')) => {
                            self.position += 1;
                            break character;
                        }
                        Some(character) => {
                            inside.push(character);
                            self.position += 1;
                        }
                    }
                };
                let parts: Vec<&str> = inside.split_whitespace().collect();
                let [lower, to, upper] = parts.as_slice() else {
                    return Err(QuerySyntaxError(format!("malformed range {inside:?}")));
                };
                if !to.eq_ignore_ascii_case("TO") {
                    return Err(QuerySyntaxError(format!("malformed range {inside:?}")));
                }
                let bound = |value: &str| (value != "*").then(|| value.to_owned());
                self.skip_boost();
                Ok(Query::Range {
                    field,
                    lower: bound(lower),
                    upper: bound(upper),
                    include_lower: open == '[',
                    include_upper: close == ']',
                })
            }
            _ => {
                let (text, wildcard) = self.read_word(false);
                if text.is_empty() {
                    return Err(QuerySyntaxError(format!(
                        "expected a term at {}",
                        self.position
                    )));
                }
                let fuzzy = self.read_fuzzy();
                self.skip_boost();
                Ok(Query::Term {
                    field,
                    text,
                    wildcard,
                    fuzzy,
                })
            }
        }
    }
}

/// What one recording offers the search, field by field.
#[derive(Debug, Default)]
pub(super) struct SearchDocument {
    /// Analysed text fields: each value's tokens.
    text: HashMap<&'static str, Vec<Vec<String>>>,
    /// Exact-match fields, lowercased.
    keywords: HashMap<&'static str, Vec<String>>,
    numbers: HashMap<&'static str, Vec<i64>>,
}

pub(super) fn search_document(state: &State, index: usize) -> SearchDocument {
    let recording = &state.recordings[index];
    let mut document = SearchDocument::default();
    let credit_text: String = recording
        .credit
        .iter()
        .map(|part| format!("{}{}", part.credited_as, part.joinphrase))
        .collect();
    let artist_names: Vec<Vec<String>> = recording
        .credit
        .iter()
        .flat_map(|part| {
            let artist = &state.artists[part.artist];
            [
                search_tokens(&artist.name),
                search_tokens(&artist.sort_name),
            ]
        })
        .collect();
    let mut artist_values = vec![search_tokens(&credit_text)];
    artist_values.extend(artist_names.iter().cloned());
    document
        .text
        .insert("recording", vec![search_tokens(&recording.title)]);
    document
        .text
        .insert("recordingaccent", vec![search_tokens(&recording.title)]);
    document.text.insert("artist", artist_values);
    document.text.insert("artistname", artist_names);
    document.text.insert(
        "creditname",
        recording
            .credit
            .iter()
            .map(|part| search_tokens(&part.credited_as))
            .collect(),
    );
    document
        .text
        .insert("comment", vec![search_tokens(&recording.disambiguation)]);
    document.keywords.insert(
        "isrc",
        recording
            .isrcs
            .iter()
            .map(|isrc| isrc.to_ascii_lowercase())
            .collect(),
    );
    document
        .keywords
        .insert("rid", vec![recording.id.to_ascii_lowercase()]);
    document.keywords.insert(
        "arid",
        recording
            .credit
            .iter()
            .map(|part| state.artists[part.artist].id.clone())
            .collect(),
    );
    document
        .keywords
        .insert("video", vec![recording.video.to_string()]);
    if let Some(length) = recording.length_ms {
        document.numbers.insert("dur", vec![i64::from(length)]);
        document
            .numbers
            .insert("qdur", vec![i64::from(length / 2000)]);
    }
    if let Some(date) = state.recording_first_date(index) {
        document
            .keywords
            .insert("firstreleasedate", vec![date.to_owned()]);
    }
    for (release_index, medium_index, track_index) in
        state.appearances.get(&index).into_iter().flatten()
    {
        let release = &state.releases[*release_index];
        let group = &state.release_groups[release.release_group];
        let medium = &release.media[*medium_index];
        let track = &medium.tracks[*track_index];
        document
            .text
            .entry("release")
            .or_default()
            .push(search_tokens(&release.title));
        let keywords = [
            ("reid", Some(release.id.clone())),
            ("rgid", Some(group.id.clone())),
            ("country", release.country.clone()),
            ("status", release.status.clone()),
            ("date", release.date.clone()),
            ("primarytype", group.primary_type.clone()),
            ("format", medium.format.clone()),
            ("number", Some(track.number.clone())),
        ];
        for (field, value) in keywords {
            if let Some(value) = value {
                document
                    .keywords
                    .entry(field)
                    .or_default()
                    .push(value.to_lowercase());
            }
        }
        for secondary in &group.secondary_types {
            document
                .keywords
                .entry("secondarytype")
                .or_default()
                .push(secondary.to_lowercase());
        }
        let numbers = [
            ("tnum", *track_index as i64 + 1),
            ("position", *medium_index as i64 + 1),
            ("tracks", medium.tracks.len() as i64),
            (
                "tracksrelease",
                release
                    .media
                    .iter()
                    .map(|medium| medium.tracks.len() as i64)
                    .sum(),
            ),
        ];
        for (field, value) in numbers {
            document.numbers.entry(field).or_default().push(value);
        }
    }
    document
}

/// Glob matching with `*` (any run) and `?` (one character).
pub(super) fn glob_matches(pattern: &[char], text: &[char]) -> bool {
    match (pattern.first(), text.first()) {
        (None, None) => true,
        (Some('*'), _) => {
            glob_matches(&pattern[1..], text)
                || (!text.is_empty() && glob_matches(pattern, &text[1..]))
        }
        (Some('?'), Some(_)) => glob_matches(&pattern[1..], &text[1..]),
        (Some(expected), Some(actual)) if expected == actual => {
            glob_matches(&pattern[1..], &text[1..])
        }
        _ => false,
    }
}

/// Levenshtein distance, for fuzzy terms (`term~`).
pub(super) fn edit_distance(left: &str, right: &str) -> usize {
    let right: Vec<char> = right.chars().collect();
    let mut previous: Vec<usize> = (0..=right.len()).collect();
    for (row, left_character) in left.chars().enumerate() {
        let mut current = vec![row + 1; right.len() + 1];
        for (column, right_character) in right.iter().enumerate() {
            let substitution = previous[column] + usize::from(left_character != *right_character);
            current[column + 1] = substitution
                .min(previous[column + 1] + 1)
                .min(current[column] + 1);
        }
        previous = current;
    }
    previous[right.len()]
}

/// How well a token sequence occurs in a field value: `None` when it does not, else a score
/// that favours values the query covers more of, with a bonus for an exact match.
pub(super) fn phrase_score(query_tokens: &[String], value: &[String]) -> Option<f64> {
    if query_tokens.is_empty() || value.len() < query_tokens.len() {
        return None;
    }
    let found = value
        .windows(query_tokens.len())
        .any(|window| window == query_tokens);
    found.then(|| {
        let coverage = query_tokens.len() as f64 / value.len() as f64;
        coverage + if coverage >= 1.0 { 1.0 } else { 0.0 }
    })
}

pub(super) fn evaluate(query: &Query, document: &SearchDocument) -> Option<f64> {
    match query {
        Query::Boolean(clauses) => {
            let mut total = 0.0;
            let mut matched = 0;
            let mut optional_matched = false;
            let mut has_required = false;
            let mut scoring = 0;
            for (occur, clause) in clauses {
                let score = evaluate(clause, document);
                match occur {
                    Occur::MustNot => {
                        if score.is_some() {
                            return None;
                        }
                    }
                    Occur::Must => {
                        has_required = true;
                        scoring += 1;
                        total += score?;
                        matched += 1;
                    }
                    Occur::Should => {
                        scoring += 1;
                        if let Some(score) = score {
                            total += score;
                            matched += 1;
                            optional_matched = true;
                        }
                    }
                }
            }
            if !has_required && !optional_matched {
                // A purely negative query matches everything not excluded, as in Lucene's
                // MusicBrainz setup with a match-all base.
                return (scoring == 0 && !clauses.is_empty()).then_some(0.1);
            }
            Some(total * matched as f64 / scoring.max(1) as f64)
        }
        Query::Term {
            field,
            text,
            wildcard,
            fuzzy,
        } => {
            if let Some(values) = document.text.get(field.as_str()) {
                if *wildcard {
                    let pattern: Vec<char> = fold_to_ascii_lowercase(text).chars().collect();
                    return values
                        .iter()
                        .filter(|value| {
                            value.iter().any(|token| {
                                glob_matches(&pattern, &token.chars().collect::<Vec<_>>())
                            })
                        })
                        .map(|value| 1.0 / value.len().max(1) as f64)
                        .reduce(f64::max);
                }
                let tokens = search_tokens(text);
                if *fuzzy && tokens.len() == 1 {
                    return values
                        .iter()
                        .filter(|value| {
                            value
                                .iter()
                                .any(|token| edit_distance(token, &tokens[0]) <= 2)
                        })
                        .map(|value| 0.8 / value.len().max(1) as f64)
                        .reduce(f64::max);
                }
                return values
                    .iter()
                    .filter_map(|value| phrase_score(&tokens, value))
                    .reduce(f64::max);
            }
            if let Some(values) = document.keywords.get(field.as_str()) {
                let wanted = text.to_lowercase();
                let pattern: Vec<char> = wanted.chars().collect();
                return values
                    .iter()
                    .any(|value| {
                        if *wildcard {
                            glob_matches(&pattern, &value.chars().collect::<Vec<_>>())
                        } else {
                            *value == wanted
                        }
                    })
                    .then_some(1.0);
            }
            if let Some(values) = document.numbers.get(field.as_str()) {
                let wanted: i64 = text.parse().ok()?;
                return values.contains(&wanted).then_some(1.0);
            }
            None
        }
        Query::Phrase { field, text } => {
            let tokens = search_tokens(text);
            if let Some(values) = document.text.get(field.as_str()) {
                return values
                    .iter()
                    .filter_map(|value| phrase_score(&tokens, value))
                    .reduce(f64::max);
            }
            if let Some(values) = document.keywords.get(field.as_str()) {
                let wanted = text.to_lowercase();
                return values.contains(&wanted).then_some(1.0);
            }
            if let Some(values) = document.numbers.get(field.as_str()) {
                let wanted: i64 = text.trim().parse().ok()?;
                return values.contains(&wanted).then_some(1.0);
            }
            None
        }
        Query::Range {
            field,
            lower,
            upper,
            include_lower,
            include_upper,
        } => {
            if let Some(values) = document.numbers.get(field.as_str()) {
                let lower = match lower {
                    Some(bound) => Some(bound.parse::<i64>().ok()?),
                    None => None,
                };
                let upper = match upper {
                    Some(bound) => Some(bound.parse::<i64>().ok()?),
                    None => None,
                };
                let inside = |value: i64| {
                    lower.is_none_or(|bound| {
                        if *include_lower {
                            value >= bound
                        } else {
                            value > bound
                        }
                    }) && upper.is_none_or(|bound| {
                        if *include_upper {
                            value <= bound
                        } else {
                            value < bound
                        }
                    })
                };
                return values.iter().any(|value| inside(*value)).then_some(1.0);
            }
            if let Some(values) = document.keywords.get(field.as_str()) {
                let lower = lower.as_deref().map(str::to_lowercase);
                let upper = upper.as_deref().map(str::to_lowercase);
                let inside = |value: &String| {
                    lower.as_ref().is_none_or(|bound| {
                        if *include_lower {
                            value >= bound
                        } else {
                            value > bound
                        }
                    }) && upper.as_ref().is_none_or(|bound| {
                        if *include_upper {
                            value <= bound
                        } else {
                            value < bound
                        }
                    })
                };
                return values.iter().any(inside).then_some(1.0);
            }
            None
        }
    }
}

pub(super) fn parse_paging(
    request: &FakeRequest,
    name: &str,
    default: usize,
) -> Result<usize, Refusal> {
    match request.query(name) {
        None | Some("") => Ok(default),
        Some(value) => value.parse::<usize>().map_err(|_| {
            refuse(error(
                StatusCode::BAD_REQUEST,
                &format!("Invalid {name} parameter {value:?}: it must be a number."),
            ))
        }),
    }
}

pub(super) fn search_recordings(
    state: &State,
    request: &FakeRequest,
) -> Result<FakeResponse, Refusal> {
    let Some(text) = request
        .query("query")
        .filter(|text| !text.trim().is_empty())
    else {
        return Err(refuse(error(
            StatusCode::BAD_REQUEST,
            "Missing required parameter query (browsing by artist, release, work or collection is not supported by this fake).",
        )));
    };
    let limit =
        parse_paging(request, "limit", DEFAULT_SEARCH_LIMIT)?.clamp(1, MAXIMUM_SEARCH_LIMIT);
    let offset = parse_paging(request, "offset", 0)?;
    let query = QueryParser::parse(text).map_err(|QuerySyntaxError(reason)| {
        refuse(error(
            StatusCode::BAD_REQUEST,
            &format!("Invalid search query: {reason}"),
        ))
    })?;
    let mut hits: Vec<(usize, f64)> = (0..state.recordings.len())
        .filter_map(|index| {
            evaluate(&query, &search_document(state, index)).map(|score| (index, score))
        })
        .collect();
    hits.sort_by(|left, right| right.1.total_cmp(&left.1).then(left.0.cmp(&right.0)));
    let best = hits.first().map_or(1.0, |hit| hit.1).max(f64::MIN_POSITIVE);
    let recordings: Vec<Value> = hits
        .iter()
        .skip(offset)
        .take(limit)
        .map(|(index, score)| {
            let relative = (score / best * 100.0).round().clamp(0.0, 100.0) as u32;
            search_recording_json(state, *index, relative)
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "created": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            "count": hits.len(),
            "offset": offset,
            "recordings": recordings,
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lucene_queries_parse_with_fields_phrases_ranges_and_operators() {
        let query = QueryParser::parse(
            r#"recording:"One \"More\" Time" AND artist:"Daft Punk" AND dur:[300000 TO 330000] isrc:GBDUW0000053"#,
        )
        .unwrap_or_else(|error| panic!("{error:?}"));
        let Query::Boolean(clauses) = query else {
            panic!("not a boolean query");
        };
        assert_eq!(clauses.len(), 4);
        assert_eq!(clauses[0].0, Occur::Must);
        assert_eq!(clauses[2].0, Occur::Must);
        assert_eq!(clauses[3].0, Occur::Should);
        assert!(
            matches!(&clauses[0].1, Query::Phrase { field, text } if field == "recording" && text == "One \"More\" Time")
        );
        assert!(
            matches!(&clauses[2].1, Query::Range { lower: Some(lower), .. } if lower == "300000")
        );
        assert!(QueryParser::parse("recording:\"unterminated").is_err());
    }
}
