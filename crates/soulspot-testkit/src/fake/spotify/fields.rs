//! Spotify's `fields` filter: `total,limit`, dotted paths (`added_by.id`), parentheses to any
//! depth (`items(track(name,album(name)))`) and exclusions (`album(!external_urls)`). Arrays are
//! transparent — a filter applies to each element — which is how Spotify treats `items(…)` and
//! `items.track` alike. An exclusion names one field (no dots or parentheses after the `!`); that
//! covers every example of Spotify's reference. Unknown field names are simply absent, as on
//! Spotify.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// Which parts of a JSON value to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum FieldFilter {
    /// The whole value.
    All,
    /// Only the `include`d fields (or, when none are named, every field but the `exclude`d ones),
    /// each filtered further.
    Select {
        include: BTreeMap<String, FieldFilter>,
        exclude: BTreeSet<String>,
    },
}

/// The `fields` parameter is not well-formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct InvalidFields;

/// Parses a `fields` parameter.
pub(super) fn parse(text: &str) -> Result<FieldFilter, InvalidFields> {
    let mut parser = Parser {
        text: text.as_bytes(),
        position: 0,
    };
    let filter = parser.list()?;
    parser.skip_spaces();
    if parser.position != parser.text.len() {
        return Err(InvalidFields);
    }
    Ok(filter)
}

/// Keeps what `filter` names of `value`.
pub(super) fn apply(filter: &FieldFilter, value: &Value) -> Value {
    match (filter, value) {
        (FieldFilter::All, value) => value.clone(),
        (FieldFilter::Select { .. }, Value::Array(elements)) => Value::Array(
            elements
                .iter()
                .map(|element| apply(filter, element))
                .collect(),
        ),
        (FieldFilter::Select { include, exclude }, Value::Object(object)) => {
            let mut kept = serde_json::Map::new();
            if include.is_empty() {
                for (name, field) in object {
                    if !exclude.contains(name) {
                        kept.insert(name.clone(), field.clone());
                    }
                }
            } else {
                for (name, nested) in include {
                    if let Some(field) = object.get(name)
                        && !exclude.contains(name)
                    {
                        kept.insert(name.clone(), apply(nested, field));
                    }
                }
            }
            Value::Object(kept)
        }
        // Sub-fields of a scalar or of null: the value itself (e.g. an unavailable `track: null`).
        (FieldFilter::Select { .. }, other) => other.clone(),
    }
}

/// Two filters for the same field together keep what either keeps.
fn merge(left: FieldFilter, right: FieldFilter) -> FieldFilter {
    match (left, right) {
        (FieldFilter::All, _) | (_, FieldFilter::All) => FieldFilter::All,
        (
            FieldFilter::Select {
                mut include,
                mut exclude,
            },
            FieldFilter::Select {
                include: more_include,
                exclude: more_exclude,
            },
        ) => {
            for (name, nested) in more_include {
                insert_merged(&mut include, name, nested);
            }
            exclude.extend(more_exclude);
            FieldFilter::Select { include, exclude }
        }
    }
}

fn insert_merged(include: &mut BTreeMap<String, FieldFilter>, name: String, nested: FieldFilter) {
    let merged = match include.remove(&name) {
        Some(existing) => merge(existing, nested),
        None => nested,
    };
    include.insert(name, merged);
}

struct Parser<'a> {
    text: &'a [u8],
    position: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.position).copied()
    }

    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.position += 1;
        }
    }

    /// `spec (',' spec)*`, where a spec is `!name` or `name(.name)*` with an optional `(list)`.
    fn list(&mut self) -> Result<FieldFilter, InvalidFields> {
        let mut include = BTreeMap::new();
        let mut exclude = BTreeSet::new();
        loop {
            self.skip_spaces();
            if self.peek() == Some(b'!') {
                self.position += 1;
                exclude.insert(self.name()?);
            } else {
                let (name, nested) = self.path()?;
                insert_merged(&mut include, name, nested);
            }
            self.skip_spaces();
            if self.peek() == Some(b',') {
                self.position += 1;
            } else {
                return Ok(FieldFilter::Select { include, exclude });
            }
        }
    }

    fn path(&mut self) -> Result<(String, FieldFilter), InvalidFields> {
        let name = self.name()?;
        match self.peek() {
            Some(b'.') => {
                self.position += 1;
                let (inner, nested) = self.path()?;
                Ok((
                    name,
                    FieldFilter::Select {
                        include: BTreeMap::from([(inner, nested)]),
                        exclude: BTreeSet::new(),
                    },
                ))
            }
            Some(b'(') => {
                self.position += 1;
                let nested = self.list()?;
                if self.peek() != Some(b')') {
                    return Err(InvalidFields);
                }
                self.position += 1;
                Ok((name, nested))
            }
            _ => Ok((name, FieldFilter::All)),
        }
    }

    fn name(&mut self) -> Result<String, InvalidFields> {
        let start = self.position;
        while self
            .peek()
            .is_some_and(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
        {
            self.position += 1;
        }
        if start == self.position {
            return Err(InvalidFields);
        }
        Ok(String::from_utf8_lossy(&self.text[start..self.position]).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn filtered(fields: &str, value: &Value) -> Value {
        apply(&parse(fields).unwrap_or(FieldFilter::All), value)
    }

    #[test]
    fn nested_lists_dotted_paths_and_exclusions_filter_through_arrays() {
        let page = json!({
            "total": 2, "limit": 50, "next": null,
            "items": [
                {"added_at": "t1", "added_by": {"id": "u", "uri": "x"},
                 "track": {"name": "A", "album": {"name": "Al", "images": [], "external_urls": {}}}},
                {"added_at": "t2", "added_by": {"id": "v", "uri": "y"}, "track": null}
            ]
        });
        assert_eq!(
            filtered(
                "total,items(added_by.id,track(name,album(!external_urls)))",
                &page
            ),
            json!({"total": 2, "items": [
                {"added_by": {"id": "u"}, "track": {"name": "A", "album": {"name": "Al", "images": []}}},
                {"added_by": {"id": "v"}, "track": null}
            ]})
        );
        assert_eq!(
            filtered("items.track.name,items.added_at", &page),
            json!({"items": [
                {"added_at": "t1", "track": {"name": "A"}},
                {"added_at": "t2", "track": null}
            ]})
        );
    }

    #[test]
    fn malformed_filters_are_rejected() {
        for fields in ["", "a(", "a(b", "a..b", "a,", "!a.b", "a)b"] {
            assert_eq!(parse(fields), Err(InvalidFields), "{fields:?}");
        }
    }
}
