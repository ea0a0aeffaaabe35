//! Run-time settings and stored credentials.

use actix_web::HttpResponse;
use actix_web::web::{Data, Json, Path};
use soulspot_application::{CredentialProvider, CredentialService, SettingsService, Store};
use soulspot_domain::ports::SecretCipher;

use crate::dto::{CredentialInput, CredentialStatusDto, SettingsDto};
use crate::problem::{ApiError, Problem};

#[utoipa::path(get, path = "/api/v1/settings", tag = "settings",
    responses((status = 200, body = SettingsDto)))]
pub(crate) async fn get_settings<S: Store>(
    settings: Data<SettingsService<S>>,
) -> Result<Json<SettingsDto>, ApiError> {
    Ok(Json(settings.settings().await?.into()))
}

#[utoipa::path(put, path = "/api/v1/settings", tag = "settings", request_body = SettingsDto,
    responses((status = 200, body = SettingsDto),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn put_settings<S: Store>(
    settings: Data<SettingsService<S>>,
    body: Json<SettingsDto>,
) -> Result<Json<SettingsDto>, ApiError> {
    Ok(Json(
        settings.replace(body.into_inner().into()).await?.into(),
    ))
}

fn provider(name: &str) -> Result<CredentialProvider, ApiError> {
    CredentialProvider::parse(name).ok_or_else(|| {
        let known: Vec<&str> = CredentialProvider::ALL
            .iter()
            .map(|provider| provider.as_str())
            .collect();
        ApiError::not_found(format!(
            "there is no credential provider {name:?}; known: {}",
            known.join(", ")
        ))
    })
}

type Credentials<S, K> = Data<CredentialService<S, K>>;

#[utoipa::path(get, path = "/api/v1/credentials", tag = "settings",
    responses((status = 200, body = Vec<CredentialStatusDto>)))]
pub(crate) async fn list_credentials<S: Store, K: SecretCipher + 'static>(
    credentials: Credentials<S, K>,
) -> Result<Json<Vec<CredentialStatusDto>>, ApiError> {
    let statuses = credentials.statuses().await?;
    Ok(Json(statuses.into_iter().map(Into::into).collect()))
}

#[utoipa::path(get, path = "/api/v1/credentials/{provider}", tag = "settings",
    params(("provider" = String, Path, description = "`slskd` or `spotify`")),
    responses((status = 200, body = CredentialStatusDto),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn get_credential<S: Store, K: SecretCipher + 'static>(
    credentials: Credentials<S, K>,
    name: Path<String>,
) -> Result<Json<CredentialStatusDto>, ApiError> {
    Ok(Json(credentials.status(provider(&name)?).await?.into()))
}

#[utoipa::path(put, path = "/api/v1/credentials/{provider}", tag = "settings",
    params(("provider" = String, Path, description = "`slskd` or `spotify`")),
    request_body = CredentialInput,
    responses((status = 200, body = CredentialStatusDto, description = "Stored, encrypted"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn put_credential<S: Store, K: SecretCipher + 'static>(
    credentials: Credentials<S, K>,
    name: Path<String>,
    body: Json<CredentialInput>,
) -> Result<Json<CredentialStatusDto>, ApiError> {
    let provider = provider(&name)?;
    let status = credentials.put(provider, &body.secret).await?;
    tracing::info!(provider = provider.as_str(), "credential stored");
    Ok(Json(status.into()))
}

#[utoipa::path(delete, path = "/api/v1/credentials/{provider}", tag = "settings",
    params(("provider" = String, Path, description = "`slskd` or `spotify`")),
    responses((status = 204, description = "Deleted"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "Unknown provider, or no credential stored")))]
pub(crate) async fn delete_credential<S: Store, K: SecretCipher + 'static>(
    credentials: Credentials<S, K>,
    name: Path<String>,
) -> Result<HttpResponse, ApiError> {
    let provider = provider(&name)?;
    if credentials.delete(provider).await? {
        tracing::info!(provider = provider.as_str(), "credential deleted");
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::not_found(format!(
            "no credential is stored for {}",
            provider.as_str()
        )))
    }
}
