//! Watch mode (`library.watch`): the music folder is watched (inotify on Linux, through `notify`),
//! and once changes have been quiet for `library.watch_debounce_secs`, a quick `library.scan` job
//! is queued for each folder that changed — or one for the whole library when many did (a quick
//! scan skips unchanged folders anyway). The jobs are ordinary scan jobs: deduplicated with any
//! scan of the same folder already waiting, resumable, visible in `/api/v1/jobs`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use notify::{EventKind, RecursiveMode, Watcher};
use soulspot_application::JobService;
use soulspot_application::scan::{LibraryScan, ScanPayload, scan_root};
use soulspot_domain::ports::JobRepository;
use soulspot_domain::scan::ScanMode;
use tokio::sync::{mpsc, watch};

/// Above this many changed folders in one quiet spell, one scan of the whole library is queued
/// instead of one per folder.
const MAX_FOLDER_SCANS: usize = 16;

/// Watches `music_folder` until `stop` turns true. Fails only when the watch cannot be set up.
pub async fn run<S: JobRepository + Clone + Send + Sync + 'static>(
    jobs: JobService<S>,
    music_folder: PathBuf,
    debounce: Duration,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let root = scan_root(&music_folder, None)?;
    let (sender, mut changes) = mpsc::unbounded_channel::<PathBuf>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        match event {
            Ok(event) if is_content_change(&event.kind) => {
                for path in event.paths {
                    // The receiver is gone only once watching has stopped.
                    let _ = sender.send(path);
                }
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "watching the music folder"),
        }
    })
    .context("cannot watch the music folder")?;
    watcher
        .watch(&root, RecursiveMode::Recursive)
        .with_context(|| format!("cannot watch {}", root.display()))?;
    tracing::info!(folder = %root.display(), debounce_secs = debounce.as_secs_f64(), "watching the music folder");

    // The guard `wait_for` answers with is not `Send`; this future drops it inside.
    let mut stopping = std::pin::pin!(async move {
        let _ = stop.wait_for(|stopped| *stopped).await;
    });
    let mut changed: BTreeSet<PathBuf> = BTreeSet::new();
    loop {
        tokio::select! {
            () = &mut stopping => return Ok(()),
            path = changes.recv() => match path {
                Some(path) => {
                    changed.insert(folder_of(&path, &root));
                }
                None => return Ok(()),
            },
            () = tokio::time::sleep(debounce), if !changed.is_empty() => {
                let folders = std::mem::take(&mut changed);
                queue_scans(&jobs, &root, folders).await;
            }
        }
    }
}

/// Whether an event may change what a scan finds (reads and metadata-only touches do not).
fn is_content_change(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Create(_) | EventKind::Remove(_) | EventKind::Modify(_) | EventKind::Any
    )
}

/// The folder to rescan for a changed path: the path's parent (a removed folder is found gone by
/// a scan of its parent), never above the root.
fn folder_of(path: &Path, root: &Path) -> PathBuf {
    path.parent()
        .filter(|parent| parent.starts_with(root))
        .unwrap_or(root)
        .to_path_buf()
}

/// Queues quick scans of `folders`, dropping folders inside others and folders that are gone.
async fn queue_scans<S: JobRepository>(
    jobs: &JobService<S>,
    root: &Path,
    folders: BTreeSet<PathBuf>,
) {
    let mut outermost: Vec<PathBuf> = Vec::new();
    for folder in folders {
        // In path order a folder comes right after the folders it lies in.
        if !outermost.iter().any(|outer| folder.starts_with(outer)) {
            outermost.push(folder);
        }
    }
    // `None` is the whole library: asked for when many folders changed, the root itself did, or
    // a changed folder is gone (a scan of the library finds it gone).
    let targets: BTreeSet<Option<PathBuf>> =
        if outermost.len() > MAX_FOLDER_SCANS || outermost.iter().any(|folder| folder == root) {
            BTreeSet::from([None])
        } else {
            outermost
                .into_iter()
                .map(|folder| scan_root(root, Some(&folder)).ok())
                .collect()
        };
    for path in targets {
        let payload = ScanPayload {
            path,
            mode: ScanMode::Quick,
        };
        match jobs.enqueue_unbounded::<LibraryScan>(&payload).await {
            Ok(job) => {
                tracing::info!(job.id = %job.id, folder = ?payload.path, "queued a scan of changed files")
            }
            Err(error) => tracing::warn!(%error, "cannot queue a scan of changed files"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_rescans_its_folder_and_never_above_the_root() {
        let root = Path::new("/music");
        assert_eq!(
            folder_of(Path::new("/music/A/B/01.flac"), root),
            Path::new("/music/A/B")
        );
        assert_eq!(folder_of(Path::new("/music/new.mp3"), root), root);
        assert_eq!(folder_of(Path::new("/music"), root), root);
    }
}
