//! The JSON slskd sends and receives, as far as SoulSpot reads it, and its translation into the
//! domain's types. Every member but the identifying ones is optional (and `null` is read as
//! absent), unknown members are ignored, states are read leniently from text or a number, and
//! timestamps are read with or without an offset (slskd writes `requestedAt` and `enqueuedAt`
//! without one, though they are UTC). What cannot be made sense of becomes a message for a typed
//! "malformed" failure, never a panic.

use chrono::{DateTime, Datelike as _, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use soulspot_domain::upstream::soulseek::{
    EnqueueFailure, PeerResponse, RemoteFile, RequestedDownload, SearchRequest, SearchStateFlags,
    SearchStatus, SoulseekSearchId, SoulseekServerState, Transfer, TransferId, TransferStateFlags,
};

/// The largest integer slskd's request binder accepts (a .NET `int`).
const DOTNET_INT_MAX: u64 = i32::MAX as u64;

/// A state as slskd writes it: the flags' names (`"Completed, Succeeded"`), or a number.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum StateValue {
    Text(String),
    Number(u32),
}

impl StateValue {
    fn transfer_flags(&self) -> TransferStateFlags {
        match self {
            Self::Text(text) => {
                log_unrecognised(text, &TransferStateFlags::unrecognised_names(text));
                TransferStateFlags::parse(text)
            }
            Self::Number(bits) => TransferStateFlags::from_bits(*bits),
        }
    }

    fn search_flags(&self) -> SearchStateFlags {
        match self {
            Self::Text(text) => {
                log_unrecognised(text, &SearchStateFlags::unrecognised_names(text));
                SearchStateFlags::parse(text)
            }
            Self::Number(bits) => SearchStateFlags::from_bits(*bits),
        }
    }
}

fn log_unrecognised(text: &str, unrecognised: &[&str]) {
    if !unrecognised.is_empty() {
        tracing::debug!(state = %text, unrecognised = ?unrecognised, "slskd reported a state name SoulSpot does not know");
    }
}

/// A .NET `DateTime` as slskd writes it: ISO 8601 with up to seven fractional digits, with `Z`
/// (or an offset) or without any (then UTC). `None` for absent, unreadable, or .NET's
/// `DateTime.MinValue` (year 1: "never").
fn timestamp(text: Option<&str>) -> Option<DateTime<Utc>> {
    let text = text?.trim();
    let moment = DateTime::parse_from_rfc3339(text)
        .map(|moment| moment.with_timezone(&Utc))
        .or_else(|_| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").map(|naive| naive.and_utc())
        })
        .ok()?;
    (moment.year() > 1).then_some(moment)
}

/// `GET /server`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Server {
    pub address: Option<String>,
    pub state: Option<String>,
    pub is_connected: Option<bool>,
    pub is_logged_in: Option<bool>,
    pub is_transitioning: Option<bool>,
}

impl From<Server> for SoulseekServerState {
    fn from(server: Server) -> Self {
        let state = server.state.unwrap_or_default();
        let has = |name: &str| {
            state
                .split(',')
                .any(|part| part.trim().eq_ignore_ascii_case(name))
        };
        Self {
            is_connected: server.is_connected.unwrap_or_else(|| has("Connected")),
            is_logged_in: server.is_logged_in.unwrap_or_else(|| has("LoggedIn")),
            is_transitioning: server
                .is_transitioning
                .unwrap_or_else(|| has("Connecting") || has("LoggingIn") || has("Disconnecting")),
            address: server.address,
            state,
        }
    }
}

/// The body of `POST /searches`. Numbers are clamped to what slskd's binder accepts.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchRequestBody<'a> {
    pub id: &'a str,
    pub search_text: &'a str,
    /// Milliseconds.
    pub search_timeout: u64,
    pub response_limit: u64,
    pub file_limit: u64,
    pub filter_responses: bool,
    pub minimum_response_file_count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_peer_queue_length: Option<u64>,
    pub minimum_peer_upload_speed: u64,
}

impl<'a> SearchRequestBody<'a> {
    pub fn new(request: &'a SearchRequest, id: &'a SoulseekSearchId) -> Self {
        let clamp = |value: u64| value.min(DOTNET_INT_MAX);
        let timeout_millis = u64::try_from(request.search_timeout.as_millis()).unwrap_or(u64::MAX);
        Self {
            id: id.as_str(),
            search_text: &request.search_text,
            search_timeout: clamp(timeout_millis),
            response_limit: clamp(u64::from(request.response_limit)),
            file_limit: clamp(u64::from(request.file_limit)),
            filter_responses: request.filter_responses,
            minimum_response_file_count: clamp(u64::from(request.minimum_response_file_count)),
            maximum_peer_queue_length: request
                .maximum_peer_queue_length
                .map(|length| clamp(u64::from(length))),
            minimum_peer_upload_speed: clamp(request.minimum_peer_upload_speed),
        }
    }
}

/// A search (`POST /searches`, `GET /searches/{id}`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Search {
    pub id: String,
    pub search_text: Option<String>,
    pub state: Option<StateValue>,
    pub is_complete: Option<bool>,
    pub response_count: Option<u32>,
    pub file_count: Option<u32>,
    pub locked_file_count: Option<u32>,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
}

impl TryFrom<Search> for SearchStatus {
    type Error = String;

    fn try_from(search: Search) -> Result<Self, String> {
        let id = SoulseekSearchId::parse(&search.id)
            .map_err(|error| format!("a search's id: {error}"))?;
        let state = search
            .state
            .as_ref()
            .map(StateValue::search_flags)
            .unwrap_or_default();
        Ok(Self {
            id,
            search_text: search.search_text.unwrap_or_default(),
            is_complete: search.is_complete.unwrap_or_else(|| state.is_complete()),
            state,
            response_count: search.response_count.unwrap_or(0),
            file_count: search.file_count.unwrap_or(0),
            locked_file_count: search.locked_file_count.unwrap_or(0),
            started_at: timestamp(search.started_at.as_deref()),
            ended_at: timestamp(search.ended_at.as_deref()),
        })
    }
}

/// One peer's answer (`GET /searches/{id}/responses`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    pub username: String,
    pub has_free_upload_slot: Option<bool>,
    pub queue_length: Option<u64>,
    pub upload_speed: Option<u64>,
    pub files: Option<Vec<File>>,
    pub locked_files: Option<Vec<File>>,
}

/// A file in a peer's answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct File {
    pub filename: String,
    pub size: Option<u64>,
    pub extension: Option<String>,
    pub bit_rate: Option<u32>,
    pub bit_depth: Option<u32>,
    pub sample_rate: Option<u32>,
    pub length: Option<u32>,
    pub is_variable_bit_rate: Option<bool>,
    pub is_locked: Option<bool>,
}

impl File {
    /// `locked`: listed among `lockedFiles` (slskd's own `isLocked` is not to be trusted: it
    /// never copies Soulseek.NET's flag).
    fn into_domain(self, locked: bool) -> RemoteFile {
        RemoteFile {
            filename: self.filename,
            size: self.size.unwrap_or(0),
            extension: self
                .extension
                .map(|extension| extension.trim().trim_start_matches('.').to_owned())
                .filter(|extension| !extension.is_empty()),
            bit_rate: self.bit_rate,
            bit_depth: self.bit_depth,
            sample_rate: self.sample_rate,
            length_seconds: self.length,
            is_variable_bit_rate: self.is_variable_bit_rate,
            is_locked: locked || self.is_locked.unwrap_or(false),
        }
    }
}

impl From<Response> for PeerResponse {
    fn from(response: Response) -> Self {
        let files = |files: Option<Vec<File>>, locked: bool| -> Vec<RemoteFile> {
            files
                .unwrap_or_default()
                .into_iter()
                .map(|file| file.into_domain(locked))
                .collect()
        };
        Self {
            username: response.username,
            has_free_upload_slot: response.has_free_upload_slot.unwrap_or(false),
            queue_length: response.queue_length.unwrap_or(0),
            upload_speed: response.upload_speed.unwrap_or(0),
            files: files(response.files, false),
            locked_files: files(response.locked_files, true),
        }
    }
}

/// One entry of an enqueue request.
#[derive(Debug, Serialize)]
pub struct EnqueueEntry<'a> {
    pub filename: &'a str,
    pub size: u64,
}

impl<'a> From<&'a RequestedDownload> for EnqueueEntry<'a> {
    fn from(download: &'a RequestedDownload) -> Self {
        Self {
            filename: &download.filename,
            size: download.size,
        }
    }
}

/// A transfer. `username` may be left out where the enclosing user group names it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireTransfer {
    pub id: String,
    pub username: Option<String>,
    pub filename: String,
    pub size: Option<u64>,
    pub state: Option<StateValue>,
    pub bytes_transferred: Option<u64>,
    pub percent_complete: Option<f64>,
    pub average_speed: Option<f64>,
    pub place_in_queue: Option<u32>,
    pub exception: Option<String>,
    pub requested_at: Option<String>,
    pub enqueued_at: Option<String>,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
}

impl WireTransfer {
    /// The domain's transfer; `username` stands in for a missing one.
    pub fn into_domain(self, username: Option<&str>) -> Result<Transfer, String> {
        if self.id.trim().is_empty() {
            return Err(format!("a transfer of {:?} has an empty id", self.filename));
        }
        let username = self
            .username
            .or_else(|| username.map(str::to_owned))
            .ok_or_else(|| format!("the transfer {} names no user", self.id))?;
        Ok(Transfer {
            id: TransferId(self.id),
            username,
            filename: self.filename,
            size: self.size.unwrap_or(0),
            state: self
                .state
                .as_ref()
                .map(StateValue::transfer_flags)
                .unwrap_or_default(),
            bytes_transferred: self.bytes_transferred.unwrap_or(0),
            percent_complete: self.percent_complete.unwrap_or(0.0),
            average_speed: self.average_speed.unwrap_or(0.0),
            place_in_queue: self.place_in_queue,
            exception: self.exception,
            requested_at: timestamp(self.requested_at.as_deref()),
            enqueued_at: timestamp(self.enqueued_at.as_deref()),
            started_at: timestamp(self.started_at.as_deref()),
            ended_at: timestamp(self.ended_at.as_deref()),
        })
    }
}

/// `GET /transfers/downloads`: users, their remote directories, and the transfers in each.
#[derive(Debug, Deserialize)]
pub struct UserTransfers {
    pub username: Option<String>,
    pub directories: Option<Vec<DirectoryTransfers>>,
}

#[derive(Debug, Deserialize)]
pub struct DirectoryTransfers {
    pub files: Option<Vec<WireTransfer>>,
}

impl UserTransfers {
    /// Every transfer of the user, flattened.
    pub fn into_transfers(self) -> Result<Vec<Transfer>, String> {
        let username = self.username;
        self.directories
            .unwrap_or_default()
            .into_iter()
            .flat_map(|directory| directory.files.unwrap_or_default())
            .map(|transfer| transfer.into_domain(username.as_deref()))
            .collect()
    }
}

/// The `201` of an enqueue: `{enqueued: Transfer[], failed: [...]}`. The shape of `failed` has
/// varied between versions, so its entries are read by hand ([`enqueue_failure`]).
#[derive(Debug, Deserialize)]
pub struct EnqueueAnswer {
    pub enqueued: Option<Vec<WireTransfer>>,
    pub failed: Option<Vec<Value>>,
}

/// The member `name` of `object`, in any case, when it is not `null`.
fn member<'a>(object: &'a serde_json::Map<String, Value>, name: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
        .filter(|value| !value.is_null())
}

/// Text of a JSON value: a string as it is, anything else as JSON.
fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// One entry of an enqueue answer's `failed`, in any shape slskd has used: a transfer object
/// (`"Completed, Aborted"` with an `exception`), `{filename, message}` (as batches answer), a
/// serialized tuple `{item1, item2}` or `[filename, message]`, or a bare file name.
pub fn enqueue_failure(entry: Value, username: &str) -> Result<EnqueueFailure, String> {
    const UNEXPLAINED: &str = "slskd did not say why";
    match entry {
        Value::String(filename) => Ok(EnqueueFailure {
            filename,
            reason: UNEXPLAINED.to_owned(),
            transfer: None,
        }),
        Value::Array(items) => {
            let filename = items
                .first()
                .and_then(Value::as_str)
                .ok_or("a failed enqueue entry is an array without a file name")?;
            Ok(EnqueueFailure {
                filename: filename.to_owned(),
                reason: items.get(1).map_or(UNEXPLAINED.to_owned(), text),
                transfer: None,
            })
        }
        Value::Object(object) => {
            let filename = member(&object, "filename")
                .or_else(|| member(&object, "item1"))
                .and_then(Value::as_str)
                .ok_or("a failed enqueue entry names no file")?
                .to_owned();
            let reason = ["exception", "message", "reason", "error", "item2"]
                .iter()
                .find_map(|name| member(&object, name))
                .map(text)
                .unwrap_or_else(|| UNEXPLAINED.to_owned());
            let transfer = if member(&object, "id").is_some() {
                serde_json::from_value::<WireTransfer>(Value::Object(object))
                    .ok()
                    .and_then(|transfer| transfer.into_domain(Some(username)).ok())
            } else {
                None
            };
            Ok(EnqueueFailure {
                filename,
                reason,
                transfer,
            })
        }
        other => Err(format!(
            "a failed enqueue entry is neither an object nor a list: {other}"
        )),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;

    #[test]
    fn timestamps_with_and_without_an_offset() {
        let with_z = timestamp(Some("2025-10-24T16:04:52.5322361Z")).unwrap();
        let without = timestamp(Some("2025-10-24T16:04:52.5322361")).unwrap();
        assert_eq!(with_z, without);
        assert_eq!(
            timestamp(Some("2026-03-28T11:58:08")).unwrap().to_rfc3339(),
            "2026-03-28T11:58:08+00:00"
        );
        assert_eq!(
            timestamp(Some("2026-03-28T13:58:08+02:00")),
            timestamp(Some("2026-03-28T11:58:08Z"))
        );
        assert_eq!(timestamp(Some("0001-01-01T00:00:00")), None);
        assert_eq!(timestamp(Some("yesterday")), None);
        assert_eq!(timestamp(None), None);
    }

    #[test]
    fn failed_entries_in_every_shape() {
        let transfer = json!({
            "id": "a3e1f7a6-0c1b-4c55-9d4f-2f0b8f1d2c3e",
            "filename": r"@@share\River Song.mp3",
            "size": 9,
            "state": "Completed, Aborted",
            "requestedAt": "2026-03-28T11:58:08.1234567Z",
            "exception": "A download for this file from this user is already underway",
        });
        let failure = enqueue_failure(transfer, "middle").unwrap();
        assert_eq!(failure.filename, r"@@share\River Song.mp3");
        assert_eq!(
            failure.reason,
            "A download for this file from this user is already underway"
        );
        let failed_transfer = failure.transfer.unwrap();
        assert_eq!(failed_transfer.username, "middle");
        assert!(failed_transfer.state.is_failed());

        for entry in [
            json!({"filename": "a.flac", "message": "nope"}),
            json!({"Item1": "a.flac", "Item2": "nope"}),
            json!(["a.flac", "nope"]),
        ] {
            let failure = enqueue_failure(entry.clone(), "u").unwrap();
            assert_eq!(
                (failure.filename.as_str(), failure.reason.as_str()),
                ("a.flac", "nope"),
                "{entry}"
            );
            assert!(failure.transfer.is_none());
        }
        assert_eq!(
            enqueue_failure(json!("a.flac"), "u").unwrap().filename,
            "a.flac"
        );
        assert!(enqueue_failure(json!(7), "u").is_err());
        assert!(enqueue_failure(json!({"message": "no file"}), "u").is_err());
        assert!(enqueue_failure(json!([]), "u").is_err());
    }

    #[test]
    fn server_state_from_flags_alone() {
        let server: Server =
            serde_json::from_value(json!({"state": "Connected, LoggedIn"})).unwrap();
        let state = SoulseekServerState::from(server);
        assert!(state.is_ready() && !state.is_transitioning);
        let server: Server = serde_json::from_value(json!({"state": "Disconnected"})).unwrap();
        assert!(!SoulseekServerState::from(server).is_ready());
    }
}
