//! Folder and file names of the generated library: tag values made safe for the file system,
//! changing as little as possible, and album folders that never collide.

use std::collections::HashSet;

/// Longest file or folder name written, in bytes; file systems allow 255.
const LONGEST_NAME_BYTES: usize = 180;

/// Turns `title` into a folder name `<year> - <title>` that no other album in the same artist
/// folder uses (`used` holds their lower-cased names); a taken name becomes a numbered edition.
/// Returns the title, changed or not, and the folder name.
pub(super) fn unique_album_folder(
    used: &mut HashSet<String>,
    title: String,
    year: u16,
) -> (String, String) {
    let mut title = title;
    let mut edition = 1;
    loop {
        let folder = folder_name(&format!("{year} - {title}"));
        if used.insert(folder.to_lowercase()) {
            return (title, folder);
        }
        edition += 1;
        title = format!("{} (Edition {edition})", title.trim_end_matches([' ', '.']));
    }
}

/// `name` made safe as one folder or file name: `/` and NUL become `_`, trailing dots and spaces
/// go (Windows and Samba refuse them), an empty result becomes `_`, and a very long name is cut
/// at a character boundary. Everything else, Unicode included, is kept as it is.
pub fn folder_name(name: &str) -> String {
    let replaced: String = name
        .chars()
        .map(|character| match character {
            '/' | '\0' => '_',
            other => other,
        })
        .collect();
    let mut cut = replaced.as_str();
    if cut.len() > LONGEST_NAME_BYTES {
        let mut end = LONGEST_NAME_BYTES;
        while !cut.is_char_boundary(end) {
            end -= 1;
        }
        cut = &cut[..end];
    }
    let trimmed = cut.trim_end_matches(['.', ' ']);
    if trimmed.is_empty() {
        "_".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// A file name from `stem` (made safe like a folder name) and `extension`.
pub(super) fn file_name(stem: &str, extension: &str) -> String {
    format!("{}.{extension}", folder_name(stem))
}
