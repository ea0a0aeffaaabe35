//! Which endpoint a request is for (ASP.NET Core's routing: `404` for an unknown path, `405` for a
//! known path with another method, both before authentication), and the dispatch to the module
//! that serves it.

use http::{Method, StatusCode};

use super::{FakeSlskd, application, downloads, searches};
use crate::fake::{FakeRequest, FakeResponse, FakeUpstream, empty_response, json_response};

/// The endpoints the fake serves.
enum Endpoint<'a> {
    Application,
    ApplicationVersion,
    Server,
    ConnectServer,
    DisconnectServer,
    SessionCheck,
    SessionEnabled,
    Login,
    StartSearch,
    ListSearches,
    GetSearch(&'a str),
    SearchResponses(&'a str),
    CancelSearch(&'a str),
    DeleteSearch(&'a str),
    ListDownloads,
    UserDownloads(&'a str),
    Enqueue(&'a str),
    GetDownload(&'a str),
    CancelDownload(&'a str),
    DownloadPosition(&'a str),
    ClearCompletedDownloads,
}

/// The endpoint for a method and path below `/api/v0`; `Err` is `404` (no such path) or `405`
/// (the path exists, not with this method).
fn endpoint<'a>(method: &Method, segments: &[&'a str]) -> Result<Endpoint<'a>, StatusCode> {
    let allowed = |endpoint: Option<Endpoint<'a>>| endpoint.ok_or(StatusCode::METHOD_NOT_ALLOWED);
    let get = *method == Method::GET;
    let post = *method == Method::POST;
    let put = *method == Method::PUT;
    let delete = *method == Method::DELETE;
    match segments {
        ["application"] => allowed(get.then_some(Endpoint::Application)),
        ["application", "version"] => allowed(get.then_some(Endpoint::ApplicationVersion)),
        ["server"] if get => Ok(Endpoint::Server),
        ["server"] if put => Ok(Endpoint::ConnectServer),
        ["server"] if delete => Ok(Endpoint::DisconnectServer),
        ["session"] if get => Ok(Endpoint::SessionCheck),
        ["session"] if post => Ok(Endpoint::Login),
        ["session", "enabled"] => allowed(get.then_some(Endpoint::SessionEnabled)),
        ["searches"] if get => Ok(Endpoint::ListSearches),
        ["searches"] if post => Ok(Endpoint::StartSearch),
        ["searches", id] if get => Ok(Endpoint::GetSearch(id)),
        ["searches", id] if put => Ok(Endpoint::CancelSearch(id)),
        ["searches", id] if delete => Ok(Endpoint::DeleteSearch(id)),
        ["searches", id, "responses"] => allowed(get.then_some(Endpoint::SearchResponses(id))),
        ["transfers", "downloads"] => allowed(get.then_some(Endpoint::ListDownloads)),
        ["transfers", "downloads", "all", "completed"] if delete => {
            Ok(Endpoint::ClearCompletedDownloads)
        }
        ["transfers", "downloads", username] if get => Ok(Endpoint::UserDownloads(username)),
        ["transfers", "downloads", username] if post => Ok(Endpoint::Enqueue(username)),
        ["transfers", "downloads", _, id] if get => Ok(Endpoint::GetDownload(id)),
        ["transfers", "downloads", _, id] if delete => Ok(Endpoint::CancelDownload(id)),
        ["transfers", "downloads", _, id, "position"] => {
            allowed(get.then_some(Endpoint::DownloadPosition(id)))
        }
        ["server" | "session" | "searches"]
        | ["searches", _]
        | ["transfers", "downloads", _]
        | ["transfers", "downloads", _, _] => Err(StatusCode::METHOD_NOT_ALLOWED),
        _ => Err(StatusCode::NOT_FOUND),
    }
}

impl FakeUpstream for FakeSlskd {
    fn handle(&self, request: &FakeRequest) -> FakeResponse {
        let mut state = self.lock();
        let now = state.clock.now();
        downloads::settle(&mut state, &self.config.downloads_directory, now);
        let Some(segments) = request.segments_after("/api/v0") else {
            return empty_response(StatusCode::NOT_FOUND);
        };
        let endpoint = match endpoint(&request.method, &segments) {
            Ok(endpoint) => endpoint,
            Err(status) => return empty_response(status),
        };
        let anonymous = matches!(endpoint, Endpoint::Login | Endpoint::SessionEnabled);
        if !anonymous && !self.authorized(&mut state, request, now) {
            return empty_response(StatusCode::UNAUTHORIZED);
        }
        let state = &mut *state;
        match endpoint {
            Endpoint::Application => application::application(state, &self.config),
            Endpoint::ApplicationVersion => application::version(&self.config),
            Endpoint::Server => json_response(
                StatusCode::OK,
                &application::server_json(state.server_state),
            ),
            Endpoint::ConnectServer => application::connect(state),
            Endpoint::DisconnectServer => application::disconnect(state),
            Endpoint::SessionCheck => empty_response(StatusCode::OK),
            Endpoint::SessionEnabled => {
                json_response(StatusCode::OK, &serde_json::Value::Bool(true))
            }
            Endpoint::Login => application::login(state, &self.config, request, now),
            Endpoint::StartSearch => searches::start(state, request, now),
            Endpoint::ListSearches => searches::list(state, request, now),
            Endpoint::GetSearch(id) => searches::get(state, id, request, now),
            Endpoint::SearchResponses(id) => searches::responses(state, id, now),
            Endpoint::CancelSearch(id) => searches::cancel(state, id, now),
            Endpoint::DeleteSearch(id) => searches::delete(state, id),
            Endpoint::ListDownloads => downloads::list(state, request, now),
            Endpoint::UserDownloads(username) => downloads::list_for_user(state, username, now),
            Endpoint::Enqueue(username) => downloads::enqueue(state, username, request, now),
            Endpoint::GetDownload(id) => downloads::get(state, id, now),
            Endpoint::CancelDownload(id) => downloads::cancel(state, id, request, now),
            Endpoint::DownloadPosition(id) => downloads::position(state, id, now),
            Endpoint::ClearCompletedDownloads => downloads::clear_completed(state, now),
        }
    }
}
