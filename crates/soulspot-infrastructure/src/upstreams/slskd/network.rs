//! [`SoulseekNetwork`] over slskd's REST API: one method per endpoint, each reading the statuses
//! that endpoint answers with (a `404` is "not found", not a failure).

use std::time::Duration;

use http::Method;
use soulspot_domain::upstream::UpstreamFailure;
use soulspot_domain::upstream::soulseek::{
    EnqueueOutcome, PeerResponse, RequestedDownload, SearchRequest, SearchStatus, SoulseekNetwork,
    SoulseekSearchId, SoulseekServerState, Transfer, TransferId,
};

use super::{REMOVE_ATTEMPTS, SERVICE, SlskdClient, malformed, path_segment, slskd_failure, wire};
use crate::http::UpstreamError;
use crate::upstreams::{decode, found_json, unexpected_status};

impl SoulseekNetwork for SlskdClient {
    async fn server_state(&self) -> Result<SoulseekServerState, UpstreamFailure> {
        let response = self
            .send(self.request(Method::GET, "/server".to_owned())?)
            .await?;
        match response.status.as_u16() {
            200 => Ok(decode::<wire::Server>(SERVICE, &response)?.into()),
            _ => Err(unexpected_status(SERVICE, &response)),
        }
    }

    async fn start_search(&self, request: &SearchRequest) -> Result<SearchStatus, UpstreamFailure> {
        let id = request
            .id
            .clone()
            .unwrap_or_else(|| SoulseekSearchId::from_random_bytes(rand::random()));
        let body = wire::SearchRequestBody::new(request, &id);
        // The search id is ours, so the policy may repeat the POST like a GET (slskd refuses a
        // second search with the same id; see `conflicting_search`).
        let http_request = self
            .request(Method::POST, "/searches".to_owned())?
            .json_body(&body)
            .map_err(slskd_failure)?
            .idempotent(true);
        let waited = self.shared.search_budget.until_ready().await;
        if !waited.is_zero() {
            tracing::debug!(
                upstream = SERVICE, search.id = %id, waited_ms = waited.as_millis() as u64,
                "waited for the Soulseek search budget"
            );
        }
        let response = {
            let _one_search_post_at_a_time = self.shared.search_post.lock().await;
            self.send_waiting_out_busy(http_request).await?
        };
        match response.status.as_u16() {
            200 | 201 => SearchStatus::try_from(decode::<wire::Search>(SERVICE, &response)?)
                .map_err(malformed),
            409 => self.conflicting_search(request, &id, &response).await,
            _ => Err(unexpected_status(SERVICE, &response)),
        }
    }

    async fn search_status(
        &self,
        id: &SoulseekSearchId,
    ) -> Result<Option<SearchStatus>, UpstreamFailure> {
        let request = self.request(
            Method::GET,
            format!("/searches/{id}?includeResponses=false"),
        )?;
        let response = self.send(request).await?;
        found_json::<wire::Search>(SERVICE, &response)?
            .map(SearchStatus::try_from)
            .transpose()
            .map_err(malformed)
    }

    async fn search_responses(
        &self,
        id: &SoulseekSearchId,
    ) -> Result<Option<Vec<PeerResponse>>, UpstreamFailure> {
        let request = self.request(Method::GET, format!("/searches/{id}/responses"))?;
        let response = self.send(request).await?;
        let responses: Option<Vec<wire::Response>> = found_json(SERVICE, &response)?;
        Ok(responses.map(|responses| responses.into_iter().map(PeerResponse::from).collect()))
    }

    async fn stop_search(&self, id: &SoulseekSearchId) -> Result<bool, UpstreamFailure> {
        let response = self
            .send(self.request(Method::PUT, format!("/searches/{id}"))?)
            .await?;
        match response.status.as_u16() {
            200 | 204 => Ok(true),
            404 => Ok(false),
            _ => Err(unexpected_status(SERVICE, &response)),
        }
    }

    async fn delete_search(&self, id: &SoulseekSearchId) -> Result<bool, UpstreamFailure> {
        let response = self
            .send(self.request(Method::DELETE, format!("/searches/{id}"))?)
            .await?;
        match response.status.as_u16() {
            200 | 204 => Ok(true),
            404 => Ok(false),
            _ => Err(unexpected_status(SERVICE, &response)),
        }
    }

    async fn enqueue_downloads(
        &self,
        username: &str,
        files: &[RequestedDownload],
    ) -> Result<EnqueueOutcome, UpstreamFailure> {
        if files.is_empty() {
            return Ok(EnqueueOutcome {
                enqueued: Vec::new(),
                failed: Vec::new(),
            });
        }
        let entries: Vec<wire::EnqueueEntry<'_>> =
            files.iter().map(wire::EnqueueEntry::from).collect();
        // Not idempotent: the policy never repeats it; only a 429 (nothing was enqueued) is sent
        // again, by `send_waiting_out_busy`.
        let request = self
            .request(
                Method::POST,
                format!("/transfers/downloads/{}", path_segment(username)),
            )?
            .json_body(&entries)
            .map_err(slskd_failure)?
            .idempotent(false);
        let response = {
            let _one_enqueue_at_a_time = self.shared.enqueue_post.lock().await;
            self.send_waiting_out_busy(request).await?
        };
        match response.status.as_u16() {
            200 | 201 if response.body.iter().all(u8::is_ascii_whitespace) => {
                self.enqueued_without_answer(username, files).await
            }
            200 | 201 => {
                let answer: wire::EnqueueAnswer = decode(SERVICE, &response)?;
                let enqueued = answer
                    .enqueued
                    .unwrap_or_default()
                    .into_iter()
                    .map(|transfer| transfer.into_domain(Some(username)))
                    .collect::<Result<Vec<Transfer>, String>>()
                    .map_err(malformed)?;
                let failed = answer
                    .failed
                    .unwrap_or_default()
                    .into_iter()
                    .map(|entry| wire::enqueue_failure(entry, username))
                    .collect::<Result<Vec<_>, String>>()
                    .map_err(malformed)?;
                Ok(EnqueueOutcome { enqueued, failed })
            }
            _ => Err(unexpected_status(SERVICE, &response)),
        }
    }

    async fn downloads(&self) -> Result<Vec<Transfer>, UpstreamFailure> {
        let request = self.request(
            Method::GET,
            "/transfers/downloads?includeRemoved=false".to_owned(),
        )?;
        let response = self.send(request).await?;
        match response.status.as_u16() {
            200 => {
                let users: Vec<wire::UserTransfers> = decode(SERVICE, &response)?;
                let mut transfers = Vec::new();
                for user in users {
                    transfers.extend(user.into_transfers().map_err(malformed)?);
                }
                Ok(transfers)
            }
            _ => Err(unexpected_status(SERVICE, &response)),
        }
    }

    async fn download(
        &self,
        username: &str,
        id: &TransferId,
    ) -> Result<Option<Transfer>, UpstreamFailure> {
        let request = self.request(Method::GET, Self::download_path(username, id))?;
        let response = self.send(request).await?;
        found_json::<wire::WireTransfer>(SERVICE, &response)?
            .map(|transfer| transfer.into_domain(Some(username)))
            .transpose()
            .map_err(malformed)
    }

    async fn cancel_download(
        &self,
        username: &str,
        id: &TransferId,
        forget: bool,
    ) -> Result<(), UpstreamFailure> {
        let path = Self::download_path(username, id);
        let response = self
            .send(self.request(Method::DELETE, path.clone())?)
            .await?;
        if !matches!(response.status.as_u16(), 200 | 204 | 404) {
            return Err(unexpected_status(SERVICE, &response));
        }
        if !forget {
            return Ok(());
        }
        // slskd completes a cancellation asynchronously and refuses (500) to remove a download
        // before it has ended, so removing is tried again for a short while.
        let mut last_failure = None;
        for attempt in 0..REMOVE_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(100) * attempt).await;
            }
            let request = self.request(Method::DELETE, format!("{path}?remove=true"))?;
            match self.upstream.send(request).await {
                Ok(response) if matches!(response.status.as_u16(), 200 | 204 | 404) => {
                    return Ok(());
                }
                Ok(response) => return Err(unexpected_status(SERVICE, &response)),
                Err(error @ UpstreamError::Status { status: 500, .. }) => {
                    last_failure = Some(slskd_failure(error));
                }
                Err(error) => return Err(slskd_failure(error)),
            }
        }
        Err(last_failure.unwrap_or_else(|| malformed("removing the download never ended".into())))
    }
}
