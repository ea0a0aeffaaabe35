//! ASCII case-insensitive prefix matching, shared by the parsers of links and keywords here.

/// Strips an ASCII prefix regardless of case; `None` when `text` does not start with it.
pub(super) fn strip_prefix_ignoring_case<'text>(
    text: &'text str,
    prefix: &str,
) -> Option<&'text str> {
    // `get` returns `None` rather than panicking when the prefix length falls inside a
    // multi-byte character.
    let head = text.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        text.get(prefix.len()..)
    } else {
        None
    }
}
