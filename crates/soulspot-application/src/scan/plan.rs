//! A group of folders on its way through the scan: compared with the store and its reads started
//! (`prepare_group`), then checked for moves and written (`finish_group`) once the batch before
//! it is committed.

use std::collections::{HashMap, HashSet};

use soulspot_domain::scan::{
    FileContent, FolderWrite, KnownFile, LibraryPath, ListedFile, ListedFolder, ScanCounts,
    ScanMode, WalkProblem,
};
use soulspot_domain::{LibraryFileId, LibraryFolderId};

/// Waits for the reads of a prepared group that will not be written (the scan is stopping).
pub(super) async fn settle(group: Option<PreparedGroup>) {
    if let Some(work) = group.and_then(|group| group.work) {
        futures::future::join_all(work.reads).await;
    }
}

/// Decides, for the changed folders of a group, which known files to read again, which files
/// are new and which known files are gone (missing). Moves among the new files are recognised
/// later, once the batch before the group is written.
pub(super) fn plan_group(
    changed: Vec<(ListedFolder, Option<LibraryFolderId>)>,
    known_files: Vec<KnownFile>,
    mode: ScanMode,
    counts: &mut ScanCounts,
) -> GroupWork {
    let mut known_by_folder: HashMap<LibraryFolderId, Vec<KnownFile>> = HashMap::new();
    for file in known_files {
        if let Some(folder) = file.folder_id {
            known_by_folder.entry(folder).or_default().push(file);
        }
    }
    let listed_paths: HashSet<LibraryPath> = changed
        .iter()
        .flat_map(|(folder, _)| folder.files.iter().map(|file| file.path.clone()))
        .collect();

    let mut plan = GroupPlan::default();
    let mut new_files = Vec::new();
    for (folder, folder_id) in changed {
        let folder_index = plan.folders.len();
        plan.folders.push(FolderWrite {
            path: folder.path.clone(),
            content_hash: Some(folder.content_hash.clone()),
        });
        let known: HashMap<&LibraryPath, &KnownFile> = folder_id
            .and_then(|id| known_by_folder.get(&id))
            .map(|files| files.iter().map(|file| (&file.path, file)).collect())
            .unwrap_or_default();
        for file in folder.files {
            match known.get(&file.path) {
                Some(known) if mode == ScanMode::Quick && is_unchanged(known, &file) => {
                    counts.unchanged += 1;
                }
                Some(known) => plan.to_read.push(PlannedRead {
                    file,
                    folder: folder_index,
                    existing: Some(known.id),
                    kind: PlannedKind::Updated,
                }),
                None => new_files.push(PlannedRead {
                    file,
                    folder: folder_index,
                    existing: None,
                    kind: PlannedKind::Added,
                }),
            }
        }
        plan.missing.extend(
            known
                .values()
                .filter(|file| file.missing_since.is_none() && !listed_paths.contains(&file.path))
                .map(|file| file.id),
        );
    }
    GroupWork {
        plan,
        new_files,
        listed_paths,
        reads: Vec::new(),
    }
}

fn is_unchanged(known: &KnownFile, listed: &ListedFile) -> bool {
    known.size_bytes == listed.size_bytes
        && known.modified_at == Some(listed.modified_at)
        && known.missing_since.is_none()
}

/// Folders the walk listed, to handle together, and the problems it met on the way.
#[derive(Default)]
pub(super) struct Group {
    pub(super) folders: Vec<ListedFolder>,
    pub(super) problems: Vec<WalkProblem>,
}

/// A group whose folders are compared with the store and whose reads are under way.
pub(super) struct PreparedGroup {
    /// What the group adds to the run's counts once it is written.
    pub(super) counts: ScanCounts,
    pub(super) problems: Vec<WalkProblem>,
    pub(super) last_folder: Option<LibraryPath>,
    pub(super) current_folder: Option<String>,
    /// `None` when no folder of the group changed: nothing to read or write.
    pub(super) work: Option<GroupWork>,
}

pub(super) struct GroupWork {
    pub(super) plan: GroupPlan,
    /// Files no known row of their folder has; moved ones among them are recognised later.
    pub(super) new_files: Vec<PlannedRead>,
    /// Every file listed in the group's changed folders.
    pub(super) listed_paths: HashSet<LibraryPath>,
    /// The reads of `plan.to_read` then `new_files`, in that order.
    pub(super) reads: Vec<tokio::task::JoinHandle<Vec<FileContent>>>,
}

#[derive(Default)]
pub(super) struct GroupPlan {
    pub(super) folders: Vec<FolderWrite>,
    pub(super) to_read: Vec<PlannedRead>,
    pub(super) missing: Vec<LibraryFileId>,
}

pub(super) struct PlannedRead {
    pub(super) file: ListedFile,
    pub(super) folder: usize,
    pub(super) existing: Option<LibraryFileId>,
    pub(super) kind: PlannedKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum PlannedKind {
    Added,
    Updated,
    Moved,
}
