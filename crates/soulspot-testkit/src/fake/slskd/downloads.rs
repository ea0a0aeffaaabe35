//! `/api/v0/transfers/downloads`: enqueueing, listing, cancelling and removing downloads (slskd's
//! `TransfersController` and `DownloadService`), and writing finished files to the downloads
//! directory the way slskd lays them out: `<downloads>/<remote parent folder>/<file name>`, with
//! `_<.NET ticks>` added before the extension when that name is taken.
//!
//! Files are written when the fake notices a download has succeeded: at the start of every request
//! it handles, and whenever a test calls [`super::FakeSlskd::settle`]. A client that polls until it
//! sees `"Completed, Succeeded"` therefore always finds the file in place.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use http::StatusCode;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::scripts::TransferScript;
use super::states::{DateTimeKind, TransferStates, dotnet_date_time, dotnet_ticks};
use super::transfers::{NewDownload, TransferRecord, TransferSnapshot};
use super::{State, error_response, finish_processing, new_guid, parse_guid, problem_response};
use crate::fake::{FakeRequest, FakeResponse, empty_response, json_response};

/// One entry of an enqueue request.
struct RequestedFile {
    filename: String,
    size: Option<u64>,
}

/// Reads `[{filename, size}]`; `Err` is a 400 answer.
fn parse_enqueue_request(body: &[u8]) -> Result<Vec<RequestedFile>, Box<FakeResponse>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Box::new(problem_response(
            "A non-empty request body is required.",
        )));
    }
    let value: Value = serde_json::from_slice(body).map_err(|error| {
        Box::new(problem_response(&format!(
            "The request body is not valid JSON: {error}"
        )))
    })?;
    let Value::Array(items) = value else {
        return Err(Box::new(problem_response(
            "The JSON value could not be converted to System.Collections.Generic.IEnumerable`1[slskd.Transfers.API.QueueDownloadRequest]. Path: $",
        )));
    };
    if items.is_empty() {
        return Err(Box::new(error_response(
            StatusCode::BAD_REQUEST,
            "At least one file is required",
        )));
    }
    let mut files = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let Value::Object(object) = item else {
            return Err(Box::new(problem_response(&format!(
                "The JSON value could not be converted to slskd.Transfers.API.QueueDownloadRequest. Path: $[{index}]"
            ))));
        };
        let field = |name: &str| {
            object
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value)
                .filter(|value| !value.is_null())
        };
        let filename = match field("filename") {
            Some(Value::String(filename)) if !filename.trim().is_empty() => filename.clone(),
            Some(Value::String(_)) | None => {
                return Err(Box::new(error_response(
                    StatusCode::BAD_REQUEST,
                    &format!("A filename is required (file {index})"),
                )));
            }
            Some(_) => {
                return Err(Box::new(problem_response(&format!(
                    "The JSON value could not be converted to System.String. Path: $[{index}].filename"
                ))));
            }
        };
        if filename.split(['\\', '/']).any(|segment| segment == "..") {
            return Err(Box::new(error_response(
                StatusCode::BAD_REQUEST,
                &format!("Filename '{filename}' contains a path traversal segment"),
            )));
        }
        let size = match field("size") {
            None => None,
            Some(Value::Number(number)) => number.as_u64(),
            Some(Value::String(text)) => text.trim().parse::<u64>().ok(),
            Some(_) => None,
        };
        if field("size").is_some() && size.is_none() {
            return Err(Box::new(problem_response(&format!(
                "The JSON value could not be converted to System.Nullable`1[System.Int64]. Path: $[{index}].size"
            ))));
        }
        files.push(RequestedFile { filename, size });
    }
    Ok(files)
}

/// `POST /transfers/downloads/{username}`.
pub(super) fn enqueue(
    state: &mut State,
    username: &str,
    request: &FakeRequest,
    now: Instant,
) -> FakeResponse {
    let files = match parse_enqueue_request(&request.body) {
        Ok(files) => files,
        Err(response) => return *response,
    };
    let Some(processing) = state.enqueue_in_flight.try_begin() else {
        return error_response(
            StatusCode::TOO_MANY_REQUESTS,
            super::searches::CONCURRENCY_MESSAGE,
        );
    };
    let response = enqueue_accepted(state, username, files, now);
    finish_processing(&mut state.enqueue_in_flight, processing, response)
}

/// The rest of an enqueue, once the request is being processed.
fn enqueue_accepted(
    state: &mut State,
    username: &str,
    files: Vec<RequestedFile>,
    now: Instant,
) -> FakeResponse {
    if !state.server_state.is_connected_and_logged_in() {
        return error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!(
                "The server connection must be connected and logged in to get the endpoint of a user (currently: {})",
                state.server_state
            ),
        );
    }
    let Some(peer) = state
        .peers
        .iter()
        .find(|peer| peer.username == username && !state.offline_users.contains(username))
        .cloned()
    else {
        return error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("User {username} appears to be offline"),
        );
    };
    let mut enqueued = Vec::new();
    let mut failed = Vec::new();
    for file in files {
        let underway = state.transfers.iter().any(|transfer| {
            transfer.username == username
                && transfer.filename == file.filename
                && !transfer.snapshot(now).state.is_terminal()
        });
        let shared = peer.file(&file.filename);
        let size = file
            .size
            .or_else(|| shared.map(|shared| shared.size))
            .unwrap_or(0);
        let id = new_guid(&mut state.random);
        if underway {
            failed.push(failed_transfer_json(
                &id,
                username,
                &file.filename,
                size,
                &dotnet_date_time(state.clock.wall(now), DateTimeKind::Utc),
            ));
            continue;
        }
        // Earlier records of the same file from the same user are superseded.
        for earlier in state
            .transfers
            .iter_mut()
            .filter(|transfer| transfer.username == username && transfer.filename == file.filename)
        {
            earlier.removed = true;
        }
        let script = state
            .scripts
            .resolve(username, &file.filename)
            .unwrap_or_else(|| {
                TransferScript::for_peer(
                    peer.has_free_upload_slot,
                    peer.queue_length,
                    peer.upload_speed,
                )
            });
        let record = TransferRecord::new(
            NewDownload {
                id,
                username: username.to_owned(),
                filename: file.filename.clone(),
                size,
                shared: shared.is_some_and(|shared| !shared.is_locked),
                content: shared.and_then(|shared| shared.content.clone()),
            },
            now,
            &script,
        );
        enqueued.push(record.to_json(&record.snapshot(now), now, true, |at| state.clock.wall(at)));
        state.transfers.push(record);
    }
    json_response(
        StatusCode::CREATED,
        &json!({ "enqueued": enqueued, "failed": failed }),
    )
}

/// A file slskd refused to enqueue because the same download is already underway: a transfer
/// object that was never stored, `"Completed, Aborted"`, with the reason as its exception.
fn failed_transfer_json(
    id: &str,
    username: &str,
    filename: &str,
    size: u64,
    requested_at: &str,
) -> Value {
    let state = TransferStates::COMPLETED_ABORTED.name();
    json!({
        "id": id,
        "username": username,
        "direction": "Download",
        "filename": filename,
        "size": size,
        "startOffset": 0,
        "state": state,
        "stateDescription": state,
        "requestedAt": requested_at,
        "bytesTransferred": 0,
        "averageSpeed": 0,
        "bytesRemaining": size,
        "percentComplete": 0,
        "exception": "A download for this file from this user is already underway",
        "attempts": 0,
    })
}

/// The remote directory of a remote path (everything before the last separator).
fn remote_directory(filename: &str) -> &str {
    filename
        .rfind(['\\', '/'])
        .map_or("", |index| &filename[..index])
}

/// A remote directory and its downloads' JSON.
type DirectoryGroup = (String, Vec<Value>);
/// A user and their directories.
type UserGroup = (String, Vec<DirectoryGroup>);

/// `[{username, directories: [{directory, fileCount, files}]}]`, users and directories in the
/// order their first download was enqueued.
fn grouped_by_user<'a>(
    state: &State,
    transfers: impl Iterator<Item = &'a TransferRecord>,
    now: Instant,
) -> Vec<(String, Value)> {
    let mut users: Vec<UserGroup> = Vec::new();
    for transfer in transfers {
        let json = transfer.to_json(&transfer.snapshot(now), now, false, |at| {
            state.clock.wall(at)
        });
        let directory = remote_directory(&transfer.filename).to_owned();
        let user_index = match users
            .iter()
            .position(|(username, _)| *username == transfer.username)
        {
            Some(index) => index,
            None => {
                users.push((transfer.username.clone(), Vec::new()));
                users.len() - 1
            }
        };
        let directories = &mut users[user_index].1;
        match directories.iter_mut().find(|(name, _)| *name == directory) {
            Some((_, files)) => files.push(json),
            None => directories.push((directory, vec![json])),
        }
    }
    users
        .into_iter()
        .map(|(username, directories)| {
            let directories: Vec<Value> = directories
                .into_iter()
                .map(|(directory, files)| {
                    json!({ "directory": directory, "fileCount": files.len(), "files": files })
                })
                .collect();
            let body = json!({ "username": username, "directories": directories });
            (username, body)
        })
        .collect()
}

/// `GET /transfers/downloads?includeRemoved=`.
pub(super) fn list(state: &State, request: &FakeRequest, now: Instant) -> FakeResponse {
    let include_removed = match parse_flag(request.query("includeRemoved")) {
        Ok(flag) => flag,
        Err(response) => return *response,
    };
    let transfers = state
        .transfers
        .iter()
        .filter(|transfer| include_removed || !transfer.removed);
    let users: Vec<Value> = grouped_by_user(state, transfers, now)
        .into_iter()
        .map(|(_, body)| body)
        .collect();
    json_response(StatusCode::OK, &Value::Array(users))
}

/// `GET /transfers/downloads/{username}` (404 when the user has none).
pub(super) fn list_for_user(state: &State, username: &str, now: Instant) -> FakeResponse {
    let transfers = state
        .transfers
        .iter()
        .filter(|transfer| transfer.username == username && !transfer.removed);
    match grouped_by_user(state, transfers, now).into_iter().next() {
        Some((_, body)) => json_response(StatusCode::OK, &body),
        None => empty_response(StatusCode::NOT_FOUND),
    }
}

/// A query flag as ASP.NET Core binds a `bool` (absent: false; not a bool: 400).
fn parse_flag(value: Option<&str>) -> Result<bool, Box<FakeResponse>> {
    match value {
        None => Ok(false),
        Some(value) if value.eq_ignore_ascii_case("true") => Ok(true),
        Some(value) if value.eq_ignore_ascii_case("false") => Ok(false),
        Some(value) => Err(Box::new(problem_response(&format!(
            "The value '{value}' is not valid."
        )))),
    }
}

/// The download with this id, whoever it is from and even when removed (as slskd looks it up).
fn find<'a>(state: &'a State, id: &str) -> Result<Option<&'a TransferRecord>, Box<FakeResponse>> {
    let id = parse_guid(id).ok_or_else(|| Box::new(empty_response(StatusCode::BAD_REQUEST)))?;
    Ok(state.transfers.iter().find(|transfer| transfer.id == id))
}

/// `GET /transfers/downloads/{username}/{id}`.
pub(super) fn get(state: &State, id: &str, now: Instant) -> FakeResponse {
    match find(state, id) {
        Err(response) => *response,
        Ok(None) => empty_response(StatusCode::NOT_FOUND),
        Ok(Some(transfer)) => json_response(
            StatusCode::OK,
            &transfer.to_json(&transfer.snapshot(now), now, false, |at| {
                state.clock.wall(at)
            }),
        ),
    }
}

/// `GET /transfers/downloads/{username}/{id}/position`: asks the peer for the place in its queue,
/// which only a remotely queued download has.
pub(super) fn position(state: &State, id: &str, now: Instant) -> FakeResponse {
    match find(state, id) {
        Err(response) => *response,
        Ok(None) => empty_response(StatusCode::NOT_FOUND),
        Ok(Some(transfer)) => {
            let snapshot = transfer.snapshot(now);
            match snapshot.place_in_queue {
                Some(place) if snapshot.state == TransferStates::QUEUED_REMOTELY => {
                    json_response(StatusCode::OK, &json!(place))
                }
                _ => error_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &format!(
                        "Failed to get place in queue for {} from {}: the file is not queued",
                        transfer.filename, transfer.username
                    ),
                ),
            }
        }
    }
}

/// `DELETE /transfers/downloads/{username}/{id}?remove=`. Cancelling an unknown or finished
/// download is a no-op (204), as in slskd. Removing needs a known, finished download: slskd's
/// cancellation completes asynchronously, so removing a download that was still running answers
/// 500 ("Invalid attempt to remove a download before it is complete") after cancelling it, and the
/// client must remove it again once it reads `"Completed, Cancelled"`.
pub(super) fn cancel(
    state: &mut State,
    id: &str,
    request: &FakeRequest,
    now: Instant,
) -> FakeResponse {
    let remove = match parse_flag(request.query("remove")) {
        Ok(remove) => remove,
        Err(response) => return *response,
    };
    let Some(id) = parse_guid(id) else {
        return empty_response(StatusCode::BAD_REQUEST);
    };
    let Some(transfer) = state
        .transfers
        .iter_mut()
        .find(|transfer| transfer.id == id)
    else {
        return if remove {
            empty_response(StatusCode::NOT_FOUND)
        } else {
            empty_response(StatusCode::NO_CONTENT)
        };
    };
    let was_running = !transfer.snapshot(now).state.is_terminal();
    if was_running {
        transfer.cancelled_at = Some(now);
    }
    if remove {
        if was_running {
            return error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Invalid attempt to remove a download before it is complete",
            );
        }
        transfer.removed = true;
    }
    empty_response(StatusCode::NO_CONTENT)
}

/// `DELETE /transfers/downloads/all/completed`: removes every finished download.
pub(super) fn clear_completed(state: &mut State, now: Instant) -> FakeResponse {
    for transfer in &mut state.transfers {
        if !transfer.removed && transfer.snapshot(now).state.is_terminal() {
            transfer.removed = true;
        }
    }
    empty_response(StatusCode::NO_CONTENT)
}

/// Writes the file of every download that has succeeded since the last look.
pub(super) fn settle(state: &mut State, downloads_directory: &Path, now: Instant) {
    let wall_now = state.clock.wall(now);
    for transfer in &mut state.transfers {
        if transfer.written_to.is_some() || transfer.write_error.is_some() {
            continue;
        }
        let snapshot: TransferSnapshot = transfer.snapshot(now);
        if snapshot.state != TransferStates::COMPLETED_SUCCEEDED {
            continue;
        }
        match write_download(transfer, downloads_directory, dotnet_ticks(wall_now)) {
            Ok(path) => transfer.written_to = Some(path),
            Err(error) => {
                transfer.write_error = Some(format!(
                    "Failed to move file {}: {error}",
                    local_file_name(&transfer.filename)
                ));
            }
        }
    }
}

/// The last component of a remote path.
fn local_file_name(filename: &str) -> &str {
    filename.rsplit(['\\', '/']).next().unwrap_or(filename)
}

/// `<downloads>/<remote parent folder>/<file name>` (the folder left out for a bare file name),
/// with characters Linux forbids in a name replaced by `_`.
pub(super) fn local_path(downloads_directory: &Path, filename: &str) -> PathBuf {
    let sanitize = |part: &str| part.replace(['\0', '/'], "_");
    let mut parts = filename.rsplit(['\\', '/']);
    let file = sanitize(parts.next().unwrap_or(filename));
    match parts.next() {
        Some(parent) if !parent.is_empty() => downloads_directory.join(sanitize(parent)).join(file),
        _ => downloads_directory.join(file),
    }
}

fn write_download(
    transfer: &TransferRecord,
    downloads_directory: &Path,
    ticks: i64,
) -> std::io::Result<PathBuf> {
    let mut path = local_path(downloads_directory, &transfer.filename);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut suffix = ticks;
    while path.exists() {
        let stem = Path::new(local_file_name(&transfer.filename))
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default();
        let extension = Path::new(local_file_name(&transfer.filename))
            .extension()
            .map(|extension| format!(".{}", extension.to_string_lossy()))
            .unwrap_or_default();
        path.set_file_name(format!("{stem}_{suffix}{extension}"));
        suffix += 1;
    }
    let mut file = std::fs::File::create(&path)?;
    match &transfer.content {
        Some(content) => file.write_all(content)?,
        None => write_filler(&mut file, transfer)?,
    }
    file.flush()?;
    Ok(path)
}

/// `size` bytes derived from the user and file name: the same download always writes the same
/// bytes, and different files differ.
fn write_filler(file: &mut std::fs::File, transfer: &TransferRecord) -> std::io::Result<()> {
    let mut seed: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in transfer.username.bytes().chain(transfer.filename.bytes()) {
        seed = (seed ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut remaining = transfer.size;
    let mut chunk = vec![0_u8; 64 * 1024];
    while remaining > 0 {
        let length = remaining.min(chunk.len() as u64) as usize;
        for byte in &mut chunk[..length] {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            *byte = (seed >> 24) as u8;
        }
        file.write_all(&chunk[..length])?;
        remaining -= length as u64;
    }
    Ok(())
}

/// A download's summary for tests.
#[derive(Debug, Clone, PartialEq)]
pub struct DownloadSummary {
    pub id: String,
    pub username: String,
    pub filename: String,
    pub size: u64,
    pub state: TransferStates,
    pub bytes_transferred: u64,
    pub removed: bool,
    /// Where the file was written, once the download succeeded.
    pub local_path: Option<PathBuf>,
}

pub(super) fn summaries(state: &State, now: Instant) -> Vec<DownloadSummary> {
    state
        .transfers
        .iter()
        .map(|transfer| {
            let snapshot = transfer.snapshot(now);
            DownloadSummary {
                id: transfer.id.clone(),
                username: transfer.username.clone(),
                filename: transfer.filename.clone(),
                size: transfer.size,
                state: snapshot.state,
                bytes_transferred: snapshot.bytes_transferred,
                removed: transfer.removed,
                local_path: transfer.written_to.clone(),
            }
        })
        .collect()
}
