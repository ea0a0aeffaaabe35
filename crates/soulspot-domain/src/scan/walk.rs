//! The walker port: lists the music folder, folder by folder, in a fixed order.

use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;

use super::LibraryPath;

/// Lists the folders under a root. Implementations do I/O (directory reads and `stat`s only: a
/// walker never opens a file's content).
pub trait LibraryWalker: Send + Sync {
    /// Walks `root` depth-first, children in byte order of their names, and yields every folder
    /// (the root first) with its audio files, plus a [`WalkProblem`] for anything it could not
    /// list. The order is the lexicographic order of the folders' component lists, so a folder
    /// path is a resume point: with `resume_after`, every folder up to and including it in that
    /// order is skipped (and whole subtrees before it are never read).
    ///
    /// The walk never fails as a whole once started: an unreadable folder, a dangling link, a
    /// symlink loop or a path too long for the system is a problem, and the walk goes on. Only a
    /// root that cannot be listed at all is an error.
    ///
    /// Links never lead out: a link (to a folder or to a file) is followed only when its target,
    /// every component resolved, lies inside [`WalkOptions::link_boundary`]; a link that leads
    /// out is one [`WalkProblem`] (on the link's own path) and nothing behind it is listed.
    fn walk(
        &self,
        root: &Path,
        options: &WalkOptions,
        resume_after: Option<&LibraryPath>,
    ) -> Result<Box<dyn Iterator<Item = WalkEvent> + Send>, WalkProblem>;

    /// Counts what [`Self::walk`] would yield (folders, audio files) without `stat`ing files, for a
    /// progress total.
    fn count(&self, root: &Path, options: &WalkOptions) -> WalkTotals;

    /// Whether `path` is (still) a folder: how a scan tells a folder that vanished since the last
    /// scan from one it merely did not walk this time.
    fn is_folder(&self, path: &Path) -> bool;

    /// Whether `path` is (still) a file: how a scan tells a file that moved (gone from its old
    /// path) from a copy (still there).
    fn is_file(&self, path: &Path) -> bool;
}

/// What a walk includes. The default: no hidden entries, no folder links, links bounded by the
/// walk's root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalkOptions {
    /// Whether folders and files whose names start with `.` are walked (AppleDouble `._*` files are
    /// skipped either way: they are macOS metadata, never audio).
    pub include_hidden: bool,
    /// Whether symbolic links to folders are followed (loops are detected and reported either way;
    /// links to audio files are followed). Off by default: a folder link is a second way into
    /// the tree that the user has to ask for.
    pub follow_folder_links: bool,
    /// The folder no followed link may lead out of: the music folder, when a scan covers only
    /// part of it (so a link to a sibling folder inside the library still counts as inside).
    /// `None`: the walk's root.
    pub link_boundary: Option<PathBuf>,
}

/// One step of a walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalkEvent {
    Folder(ListedFolder),
    Problem(WalkProblem),
}

/// A folder as listed: its audio files (by name in byte order) and the fingerprint of its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedFolder {
    pub path: LibraryPath,
    pub files: Vec<ListedFile>,
    /// A hash over the audio files' names, sizes and modification times (and a version of the hash
    /// itself): equal hashes mean the quick scan need not look inside.
    pub content_hash: String,
}

/// A file that by its name is audio (the extension is one of [`AUDIO_EXTENSIONS`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedFile {
    pub path: LibraryPath,
    pub size_bytes: i64,
    /// Modification time, UTC, truncated to microseconds (what PostgreSQL keeps, so a stored
    /// time compares equal with a new listing's).
    pub modified_at: NaiveDateTime,
}

/// Something the walk could not list, with the reason in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkProblem {
    pub path: LibraryPath,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WalkTotals {
    pub folders: u64,
    pub files: u64,
}

/// Extensions (lowercase) of files the scan hands to the tag reader. Other files (images, cue
/// sheets, playlists, text) are ignored; an audio extension the reader cannot read (`.wma`) is
/// recorded as broken with its reason.
pub const AUDIO_EXTENSIONS: &[&str] = &[
    "mp3", "mp2", "flac", "ogg", "oga", "opus", "spx", "m4a", "m4b", "mp4", "aac", "alac", "wav",
    "wave", "aif", "aiff", "aifc", "wv", "ape", "mpc", "wma", "dsf", "dff",
];

/// Whether a file name is an audio candidate by its extension (case-insensitive).
pub fn is_audio_file_name(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(stem, extension)| {
        !stem.is_empty()
            && AUDIO_EXTENSIONS
                .iter()
                .any(|known| known.eq_ignore_ascii_case(extension))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_names_are_told_by_extension() {
        for name in ["a.mp3", "B.FLAC", "c.d.opus", "x.wma"] {
            assert!(is_audio_file_name(name), "{name}");
        }
        for name in ["cover.jpg", "mp3", ".mp3", "notes.txt", "a.cue"] {
            assert!(!is_audio_file_name(name), "{name}");
        }
    }
}
