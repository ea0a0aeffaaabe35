//! The filesystem [`LibraryWalker`]: lists the music folder with `std::fs`, one folder at a time.
//!
//! Folders come out depth-first, pre-order, children in the byte order of their names, so the
//! order is that of the folders' component lists and any folder path is a resume point. The walk
//! is lazy: an explicit stack holds the folders still to read (the pending siblings on each level
//! of the current path), plus the device and inode of every folder read so far, which is what
//! catches symlink loops and a second path to the same folder (a link, a bind mount).
//!
//! Entry types come from the directory entry itself; a walk `stat`s each folder it reads once
//! (for its identity: the inode a directory entry reports is the wrong one at a mount point), each
//! symbolic link (to learn what it points to) and each audio file (for its size and modification
//! time). [`FsWalker::count`] skips that last one. Nothing is ever opened but folders.
//!
//! Events of one folder come in this order: the problems with its entries (a dangling link, a
//! file whose size cannot be read), then the folder itself. So everything up to a folder's event
//! belongs to folders up to and including it, and a walk resumed after that folder yields exactly
//! the rest of the events.
//!
//! Links never lead out of the library: a link to a folder or an audio file is followed only when
//! its target, resolved with `canonicalize`, lies inside the boundary (the music folder); a link
//! that leads out is a problem on the link's own path. A folder reached through a link is checked
//! again just before it is read, which narrows (but, with path-based calls, cannot close) the
//! window in which someone who can write into the library swaps the link.
//!
//! Unix only: names are bytes and folders are told apart by device and inode.

use std::collections::{HashSet, VecDeque};
use std::ffi::{OsStr, OsString};
use std::fs::{self, DirEntry, FileType, Metadata};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use chrono::{DateTime, NaiveDateTime};
use sha2::{Digest as _, Sha256};
use soulspot_domain::scan::{
    LibraryPath, LibraryWalker, ListedFile, ListedFolder, WalkEvent, WalkOptions, WalkProblem,
    WalkTotals, is_audio_file_name,
};

/// The first bytes hashed into every folder's content hash; a change to what the hash covers
/// changes this tag, so old stored hashes never match by accident.
const CONTENT_HASH_VERSION: &[u8] = b"soulspot-folder-v1\0";

/// Walks folders on the local filesystem.
#[derive(Debug, Clone, Copy, Default)]
pub struct FsWalker;

impl FsWalker {
    pub fn new() -> Self {
        Self
    }
}

impl LibraryWalker for FsWalker {
    fn walk(
        &self,
        root: &Path,
        options: &WalkOptions,
        resume_after: Option<&LibraryPath>,
    ) -> Result<Box<dyn Iterator<Item = WalkEvent> + Send>, WalkProblem> {
        let traversal = Traversal::start(root, options, resume_after)?;
        // The root is read here, not lazily, so that a root that cannot be read is an error.
        let mut events = FolderEvents {
            traversal,
            ready: VecDeque::new(),
        };
        match events.traversal.next_step() {
            Some(Step::Unreadable(problem)) => return Err(problem),
            Some(step) => events.queue(step),
            None => {}
        }
        Ok(Box::new(events))
    }

    fn count(&self, root: &Path, options: &WalkOptions) -> WalkTotals {
        let mut totals = WalkTotals::default();
        let Ok(mut traversal) = Traversal::start(root, options, None) else {
            return totals;
        };
        while let Some(step) = traversal.next_step() {
            if let Step::Read(folder) = step
                && folder.is_listed
            {
                totals.folders += 1;
                totals.files += folder.audio_files.len() as u64;
            }
        }
        totals
    }

    // Both follow links, as the walk does: a folder or file listed under a link's path is still
    // there as long as the link leads to it.
    fn is_folder(&self, path: &Path) -> bool {
        fs::metadata(path).is_ok_and(|metadata| metadata.is_dir())
    }

    fn is_file(&self, path: &Path) -> bool {
        fs::metadata(path).is_ok_and(|metadata| metadata.is_file())
    }
}

/// The iterator [`FsWalker::walk`] returns: turns each folder the traversal reads into events.
struct FolderEvents {
    traversal: Traversal,
    /// Events of the folder read last, not yet handed out.
    ready: VecDeque<WalkEvent>,
}

impl Iterator for FolderEvents {
    type Item = WalkEvent;

    fn next(&mut self) -> Option<WalkEvent> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Some(event);
            }
            let step = self.traversal.next_step()?;
            self.queue(step);
        }
    }
}

impl FolderEvents {
    fn queue(&mut self, step: Step) {
        match step {
            Step::Unreadable(problem) => self.ready.push_back(WalkEvent::Problem(problem)),
            Step::Read(folder) if folder.is_listed => {
                let (listed, problems) = list_folder(folder);
                self.ready
                    .extend(problems.into_iter().map(WalkEvent::Problem));
                self.ready.push_back(WalkEvent::Folder(listed));
            }
            // A folder on the way to the resume point: its own listing was yielded before.
            Step::Read(_) => {}
        }
    }
}

/// Stats the audio files of a folder that was read and hashes what it found.
fn list_folder(folder: ReadFolder) -> (ListedFolder, Vec<WalkProblem>) {
    let mut problems = folder.problems;
    let mut files = Vec::with_capacity(folder.audio_files.len());
    let mut hasher = ContentHasher::new();
    for audio_file in folder.audio_files {
        let path = audio_file.entry.dir_entry.path();
        match audio_file.size_and_modification_time() {
            Ok((size_bytes, modified_at)) => {
                hasher.add_file(audio_file.entry.name.as_bytes(), size_bytes, modified_at);
                files.push(ListedFile {
                    path: LibraryPath::from_path(&path),
                    size_bytes,
                    modified_at,
                });
            }
            Err(reason) => problems.push(problem(&path, reason)),
        }
    }
    let listed = ListedFolder {
        path: LibraryPath::from_path(&folder.path),
        files,
        content_hash: hasher.finish(),
    };
    (listed, problems)
}

/// The fingerprint of a folder's audio files: SHA-256 over [`CONTENT_HASH_VERSION`], then for
/// each file in name order its name bytes, a 0 byte (no name contains one), its size and its
/// modification time in microseconds since the epoch (both little-endian `i64`); the first 16
/// bytes, in lowercase hex. Other files (images, cue sheets) are not part of it.
struct ContentHasher(Sha256);

impl ContentHasher {
    fn new() -> Self {
        Self(Sha256::new_with_prefix(CONTENT_HASH_VERSION))
    }

    fn add_file(&mut self, name: &[u8], size_bytes: i64, modified_at: NaiveDateTime) {
        self.0.update(name);
        self.0.update([0]);
        self.0.update(size_bytes.to_le_bytes());
        self.0
            .update(modified_at.and_utc().timestamp_micros().to_le_bytes());
    }

    fn finish(self) -> String {
        self.0.finalize()[..16]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }
}

/// The depth-first traversal shared by [`FsWalker::walk`] and [`FsWalker::count`]: reads one
/// folder per step and keeps the folders still to read on a stack.
struct Traversal {
    options: WalkOptions,
    /// The resolved folder no followed link may lead out of.
    boundary: PathBuf,
    /// The components, under the root, of the folder a resumed walk starts after.
    resume_point: Vec<OsString>,
    /// Folders still to read; the next one is on top.
    pending: Vec<PendingFolder>,
    /// Every folder read so far, so that none is read twice and a link loop ends.
    read_folders: HashSet<FolderIdentity>,
}

/// A folder found and not yet read.
struct PendingFolder {
    path: PathBuf,
    /// The number of components below the root.
    depth: usize,
    role: FolderRole,
    /// Known when the folder was reached through a link (following the link told it); a plain
    /// folder is `stat`ed when it is read.
    identity: Option<FolderIdentity>,
    is_link: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FolderRole {
    /// Yielded with its audio files.
    Listed,
    /// The resume point or one of its ancestors: read only to find the folders after the
    /// resume point, neither yielded nor its files looked at.
    OnTheWayToResumePoint,
}

/// What one step of the traversal found.
enum Step {
    Read(ReadFolder),
    /// A folder that could not be read, or that was read before under another path.
    Unreadable(WalkProblem),
}

/// A folder whose entries were read.
struct ReadFolder {
    path: PathBuf,
    is_listed: bool,
    /// In name order (and never looked at for a folder on the way to the resume point).
    audio_files: Vec<AudioFile>,
    /// Entries that could not be told what they are.
    problems: Vec<WalkProblem>,
}

struct AudioFile {
    entry: Entry,
    /// The target's metadata when the entry is a link (following it was how the walk learned it
    /// is a file); `None` for a plain file, which is `stat`ed only when listed.
    link_target: Option<Metadata>,
}

impl AudioFile {
    fn size_and_modification_time(&self) -> Result<(i64, NaiveDateTime), String> {
        let metadata = match &self.link_target {
            Some(target) => target.clone(),
            None => self
                .entry
                .dir_entry
                .metadata()
                .map_err(|error| format!("cannot read the file's size and time: {error}"))?,
        };
        let modified_at = modification_time(&metadata).ok_or_else(|| {
            "the file's modification time is outside the range SoulSpot stores".to_owned()
        })?;
        Ok((
            i64::try_from(metadata.len()).unwrap_or(i64::MAX),
            modified_at,
        ))
    }
}

/// The modification time in UTC, truncated to microseconds: the database keeps no more, and the
/// quick scan compares a stored time with a new listing.
fn modification_time(metadata: &Metadata) -> Option<NaiveDateTime> {
    let whole_seconds = metadata.mtime().checked_mul(1_000_000)?;
    let micros = whole_seconds.checked_add(metadata.mtime_nsec() / 1_000)?;
    DateTime::from_timestamp_micros(micros).map(|time| time.naive_utc())
}

/// What a folder is on disk, whatever path reached it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct FolderIdentity {
    device: u64,
    inode: u64,
}

impl FolderIdentity {
    fn of(metadata: &Metadata) -> Self {
        Self {
            device: metadata.dev(),
            inode: metadata.ino(),
        }
    }
}

/// What a directory entry turned out to be.
enum EntryKind {
    Folder {
        identity: Option<FolderIdentity>,
        is_link: bool,
    },
    AudioFile {
        link_target: Option<Metadata>,
    },
    Ignored,
    Problem(String),
}

impl Traversal {
    fn start(
        root: &Path,
        options: &WalkOptions,
        resume_after: Option<&LibraryPath>,
    ) -> Result<Self, WalkProblem> {
        // Dropping `.` components and a trailing `/` keeps the joined paths of a root given as
        // `/music/` the same as for `/music`.
        let root: PathBuf = root.components().collect();
        let metadata =
            fs::metadata(&root).map_err(|error| problem(&root, format!("cannot read: {error}")))?;
        if !metadata.is_dir() {
            return Err(problem(&root, "is not a folder".to_owned()));
        }
        let boundary = options.link_boundary.as_deref().unwrap_or(&root);
        let boundary = fs::canonicalize(boundary).map_err(|error| {
            problem(
                boundary,
                format!("cannot resolve the library folder: {error}"),
            )
        })?;
        let resume_point = match resume_after {
            Some(resume_after) => components_under(&root, resume_after)?,
            None => Vec::new(),
        };
        let root_folder = PendingFolder {
            path: root,
            depth: 0,
            role: if resume_after.is_some() {
                FolderRole::OnTheWayToResumePoint
            } else {
                FolderRole::Listed
            },
            identity: Some(FolderIdentity::of(&metadata)),
            is_link: false,
        };
        Ok(Self {
            options: options.clone(),
            boundary,
            resume_point,
            pending: vec![root_folder],
            read_folders: HashSet::new(),
        })
    }

    /// Reads the next folder and puts its child folders on the stack.
    fn next_step(&mut self) -> Option<Step> {
        let folder = self.pending.pop()?;
        Some(self.read(folder))
    }

    fn read(&mut self, folder: PendingFolder) -> Step {
        let identity = match folder.identity {
            Some(identity) => identity,
            None => match fs::symlink_metadata(&folder.path) {
                Ok(metadata) => FolderIdentity::of(&metadata),
                Err(error) => return Step::Unreadable(unreadable_folder(&folder.path, &error)),
            },
        };
        // Checked again here: the link may have changed since its parent was read.
        if folder.is_link && !self.leads_inside(&folder.path) {
            return Step::Unreadable(leads_out(&folder.path));
        }
        if !self.read_folders.insert(identity) {
            return Step::Unreadable(already_read(&folder, identity));
        }
        let entries = match sorted_entries(&folder.path) {
            Ok(entries) => entries,
            Err(error) => return Step::Unreadable(unreadable_folder(&folder.path, &error)),
        };
        let mut read = ReadFolder {
            path: folder.path.clone(),
            is_listed: folder.role == FolderRole::Listed,
            audio_files: Vec::new(),
            problems: Vec::new(),
        };
        let mut child_folders = Vec::new();
        for entry in entries {
            if self.is_skipped_name(&entry.name) {
                continue;
            }
            let Some(child_role) = self.role_of_child(&folder, &entry.name) else {
                continue;
            };
            let file_type = match &entry.file_type {
                Ok(file_type) => *file_type,
                Err(error) => {
                    let reason = format!("cannot tell what this is: {error}");
                    read.problems.push(problem(&entry.dir_entry.path(), reason));
                    continue;
                }
            };
            match self.classify(&entry, file_type) {
                EntryKind::Folder { identity, is_link } => child_folders.push(PendingFolder {
                    path: entry.dir_entry.path(),
                    depth: folder.depth + 1,
                    role: child_role,
                    identity,
                    is_link,
                }),
                EntryKind::AudioFile { link_target } => {
                    read.audio_files.push(AudioFile { entry, link_target })
                }
                EntryKind::Ignored => {}
                EntryKind::Problem(reason) => {
                    read.problems.push(problem(&entry.dir_entry.path(), reason))
                }
            }
        }
        // Reversed, so that the first child in name order is on top of the stack.
        self.pending.extend(child_folders.into_iter().rev());
        Step::Read(read)
    }

    /// Hidden entries unless asked for, and AppleDouble files (`._*`, macOS metadata) always.
    fn is_skipped_name(&self, name: &OsStr) -> bool {
        let name = name.as_bytes();
        name.starts_with(b"._") || (name.starts_with(b".") && !self.options.include_hidden)
    }

    /// The role of a child named `name` of `parent`, or `None` when its whole subtree lies before
    /// the resume point and is not read at all.
    fn role_of_child(&self, parent: &PendingFolder, name: &OsStr) -> Option<FolderRole> {
        if parent.role == FolderRole::Listed {
            return Some(FolderRole::Listed);
        }
        // The parent's components are a prefix of the resume point's.
        let Some(next_on_the_way) = self.resume_point.get(parent.depth) else {
            // The parent is the resume point itself: everything below comes after it.
            return Some(FolderRole::Listed);
        };
        match name.as_bytes().cmp(next_on_the_way.as_bytes()) {
            std::cmp::Ordering::Less => None,
            std::cmp::Ordering::Equal => Some(FolderRole::OnTheWayToResumePoint),
            std::cmp::Ordering::Greater => Some(FolderRole::Listed),
        }
    }

    fn classify(&self, entry: &Entry, file_type: FileType) -> EntryKind {
        if file_type.is_dir() {
            EntryKind::Folder {
                identity: None,
                is_link: false,
            }
        } else if file_type.is_file() {
            if is_audio_name(&entry.name) {
                EntryKind::AudioFile { link_target: None }
            } else {
                EntryKind::Ignored
            }
        } else if file_type.is_symlink() {
            self.classify_link(entry)
        } else {
            // A FIFO, socket or device, whatever its name: reading it could block forever.
            EntryKind::Ignored
        }
    }

    /// A link to a folder or an audio file is first checked to stay inside the boundary (and
    /// reported when it does not, followed or not); any other link is ignored unresolved.
    fn classify_link(&self, entry: &Entry) -> EntryKind {
        let path = entry.dir_entry.path();
        match fs::metadata(&path) {
            Ok(target) if target.is_dir() || (target.is_file() && is_audio_name(&entry.name)) => {
                if !self.leads_inside(&path) {
                    EntryKind::Problem(leads_out(&path).reason)
                } else if target.is_file() {
                    EntryKind::AudioFile {
                        link_target: Some(target),
                    }
                } else if self.options.follow_folder_links {
                    EntryKind::Folder {
                        identity: Some(FolderIdentity::of(&target)),
                        is_link: true,
                    }
                } else {
                    EntryKind::Ignored
                }
            }
            Ok(_) => EntryKind::Ignored,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                EntryKind::Problem(match fs::read_link(&path) {
                    Ok(target) => {
                        format!("is a link to {}, which does not exist", target.display())
                    }
                    Err(_) => "is a link to something that does not exist".to_owned(),
                })
            }
            Err(error) => EntryKind::Problem(format!("cannot follow the link: {error}")),
        }
    }
}

impl Traversal {
    /// Whether `link`, every component resolved, lies inside the boundary.
    fn leads_inside(&self, link: &Path) -> bool {
        fs::canonicalize(link).is_ok_and(|target| target.starts_with(&self.boundary))
    }
}

/// A directory entry with its name and type, both read once.
struct Entry {
    name: OsString,
    dir_entry: DirEntry,
    /// From the directory listing itself on most filesystems, so it costs no `stat`.
    file_type: io::Result<FileType>,
}

/// A folder's entries in byte order of their names. Any error while reading the folder fails it
/// as a whole: half a listing would look like removed files.
fn sorted_entries(folder: &Path) -> io::Result<Vec<Entry>> {
    let mut entries = fs::read_dir(folder)?
        .map(|dir_entry| {
            dir_entry.map(|dir_entry| Entry {
                name: dir_entry.file_name(),
                file_type: dir_entry.file_type(),
                dir_entry,
            })
        })
        .collect::<io::Result<Vec<_>>>()?;
    entries.sort_unstable_by(|left, right| left.name.as_bytes().cmp(right.name.as_bytes()));
    Ok(entries)
}

/// Whether a name is audio by its extension; a name that is not UTF-8 is checked in its lossy
/// form, whose extension is the same when it is ASCII (as every audio extension is).
fn is_audio_name(name: &OsStr) -> bool {
    is_audio_file_name(&name.to_string_lossy())
}

/// The components of `folder` below `root`, for a resume point.
fn components_under(root: &Path, folder: &LibraryPath) -> Result<Vec<OsString>, WalkProblem> {
    let folder_path = folder.to_path_buf();
    let outside = || {
        problem(
            &folder_path,
            format!(
                "cannot resume after this folder: it does not lie under {}",
                root.display()
            ),
        )
    };
    let relative = folder_path.strip_prefix(root).map_err(|_| outside())?;
    relative
        .components()
        .map(|component| match component {
            Component::Normal(name) => Ok(name.to_owned()),
            _ => Err(outside()),
        })
        .collect()
}

fn problem(path: &Path, reason: String) -> WalkProblem {
    WalkProblem {
        path: LibraryPath::from_path(path),
        reason,
    }
}

fn unreadable_folder(path: &Path, error: &io::Error) -> WalkProblem {
    problem(path, format!("cannot read the folder: {error}"))
}

/// The problem for a link whose target lies outside the library. It names what the link says
/// (part of the library), never what resolving it found outside.
fn leads_out(link: &Path) -> WalkProblem {
    let reason = match fs::read_link(link) {
        Ok(target) => format!(
            "is a link to {}, outside the music folder; not followed",
            target.display()
        ),
        Err(_) => "is a link that leads outside the music folder; not followed".to_owned(),
    };
    problem(link, reason)
}

/// The problem for a folder whose device and inode were read before: a link loop, or a second
/// path (a link, a bind mount) to a folder already scanned.
fn already_read(folder: &PendingFolder, identity: FolderIdentity) -> WalkProblem {
    let first_seen = match fs::canonicalize(&folder.path) {
        Ok(real_path) => real_path.display().to_string(),
        Err(_) => format!("device {}, inode {}", identity.device, identity.inode),
    };
    let what = if folder.is_link {
        "is a link to a folder"
    } else {
        "is a folder"
    };
    problem(
        &folder.path,
        format!("{what} already scanned ({first_seen}); it is not scanned again"),
    )
}
