//! Secrets never printed: what of a configured URL may be shown in a log line, an error or
//! `soulspot config`.
//!
//! The rule works on the text, not on a parsed URL, so that a value no URL parser accepts (a
//! password with an unescaped `/` or `@`, a libpq `key=value` string taken for a path) is hidden
//! just the same. Two things are hidden: the user info (everything between `scheme://` and the
//! last `@` before the query; a user name can be a token too), and the value of every parameter
//! whose name says it holds a secret (`password`, `sslpassword`, `api_key`, `token`, …), wherever
//! it appears as `name=value` after `?`, `&`, `;` or white space. Hiding too much (a path with an
//! `@` in it) is the price of never hiding too little.

/// What replaces a hidden part.
pub const REDACTED: &str = "REDACTED";

/// `text` (a URL, or something meant to be one) with its user info and secret parameters
/// replaced by [`REDACTED`].
pub fn redact_url(text: &str) -> String {
    let without_user_info = redact_user_info(text);
    redact_secret_parameters(&without_user_info)
}

fn redact_user_info(text: &str) -> String {
    let Some(scheme_end) = text.find("://") else {
        return text.to_owned();
    };
    let authority_start = scheme_end + 3;
    let rest = &text[authority_start..];
    // The user info ends at the last `@` before the query or fragment.
    let before_query = rest.find(['?', '#']).unwrap_or(rest.len());
    match rest[..before_query].rfind('@') {
        Some(at) => format!("{}{REDACTED}{}", &text[..authority_start], &rest[at..]),
        None => text.to_owned(),
    }
}

/// Whether a parameter name says its value is a secret.
fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "pass",
        "pwd",
        "secret",
        "token",
        "key",
        "auth",
        "signature",
        "credential",
    ]
    .iter()
    .any(|secret| name.contains(secret))
        || name == "sig"
}

fn redact_secret_parameters(text: &str) -> String {
    let is_separator = |c: char| matches!(c, '?' | '&' | ';') || c.is_whitespace();
    let mut shown = String::with_capacity(text.len());
    let mut rest = text;
    // Each round copies one `name=value` pair (or the text up to the next separator).
    while !rest.is_empty() {
        let pair_end = rest
            .char_indices()
            .skip(1)
            .find(|&(_, c)| is_separator(c) || c == '#')
            .map_or(rest.len(), |(index, _)| index);
        let (pair, after) = rest.split_at(pair_end);
        let lead = pair
            .chars()
            .next()
            .filter(|&c| is_separator(c))
            .map_or(0, char::len_utf8);
        match pair[lead..].split_once('=') {
            Some((name, value)) if !value.is_empty() && is_secret_name(name) => {
                shown.push_str(&pair[..lead]);
                shown.push_str(name);
                shown.push('=');
                shown.push_str(REDACTED);
            }
            _ => shown.push_str(pair),
        }
        rest = after;
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every form a configured URL with a secret takes: (given, shown).
    const TABLE: &[(&str, &str)] = &[
        (
            "postgres://u:hunter2@host/db",
            "postgres://REDACTED@host/db",
        ),
        (
            "postgresql://u:hunter2@host:5433/db",
            "postgresql://REDACTED@host:5433/db",
        ),
        (
            "postgres://u@host/db?password=hunter2",
            "postgres://REDACTED@host/db?password=REDACTED",
        ),
        (
            "postgres://host/db?user=u&password=hunter2&sslmode=require",
            "postgres://host/db?user=u&password=REDACTED&sslmode=require",
        ),
        (
            "postgres://host/db?sslmode=require&PASSWORD=hunter2#frag",
            "postgres://host/db?sslmode=require&PASSWORD=REDACTED#frag",
        ),
        (
            "postgres://host/db?sslpassword=hunter2",
            "postgres://host/db?sslpassword=REDACTED",
        ),
        (
            "postgres://u:hunter%402@host/db",
            "postgres://REDACTED@host/db",
        ),
        (
            "postgres://u:hun@ter2@host/db",
            "postgres://REDACTED@host/db",
        ),
        (
            "postgres://u:hun/ter2@host/db",
            "postgres://REDACTED@host/db",
        ),
        (
            "postgres://u:hunter2@%2Fvar%2Frun%2Fpostgresql/db",
            "postgres://REDACTED@%2Fvar%2Frun%2Fpostgresql/db",
        ),
        (
            "postgres://u:hunter2@[::1]:5432/db",
            "postgres://REDACTED@[::1]:5432/db",
        ),
        (
            "host=db user=u password=hunter2 dbname=x",
            "host=db user=u password=REDACTED dbname=x",
        ),
        (
            "https://user:hunter2@mirror.example/ws/2",
            "https://REDACTED@mirror.example/ws/2",
        ),
        (
            "https://api.example/v1?api_key=hunter2&fmt=json",
            "https://api.example/v1?api_key=REDACTED&fmt=json",
        ),
        (
            "http://127.0.0.1:5030/api/v0?token=hunter2",
            "http://127.0.0.1:5030/api/v0?token=REDACTED",
        ),
    ];

    #[test]
    fn every_form_of_a_secret_is_hidden() {
        for (given, shown) in TABLE {
            let redacted = redact_url(given);
            assert_eq!(&redacted, shown, "{given}");
            assert!(!redacted.contains("hunter"), "{given} -> {redacted}");
        }
    }

    #[test]
    fn urls_without_secrets_are_shown_as_they_are() {
        for url in [
            "https://musicbrainz.org/ws/2",
            "http://127.0.0.1:5030/api/v0",
            "postgres://host/db?sslmode=require&application_name=soulspot",
            "sqlite://data/soulspot.db",
            "data/soulspot.db",
            "",
        ] {
            assert_eq!(redact_url(url), url);
        }
    }
}
