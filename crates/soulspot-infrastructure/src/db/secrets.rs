//! The secret repository: sealed credentials and OAuth tokens. It stores and returns bytes that
//! were encrypted before they got here.

use chrono::NaiveDateTime;
use soulspot_domain::ports::SecretRepository;
use soulspot_domain::{RepositoryError, SealedSecret, StoredOAuthToken, StoredSecret};

use super::prelude::*;
use super::schema::{oauth_tokens, secrets};
use super::{Database, read, write};

#[derive(Queryable, Selectable)]
#[diesel(table_name = oauth_tokens)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct OAuthTokenRow {
    provider: String,
    access_nonce: Vec<u8>,
    access_ciphertext: Vec<u8>,
    refresh_nonce: Option<Vec<u8>>,
    refresh_ciphertext: Option<Vec<u8>>,
    expires_at: Option<NaiveDateTime>,
    scopes: String,
    updated_at: NaiveDateTime,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = oauth_tokens)]
#[diesel(treat_none_as_null = true)]
struct OAuthTokenChanges {
    provider: String,
    access_nonce: Vec<u8>,
    access_ciphertext: Vec<u8>,
    refresh_nonce: Option<Vec<u8>>,
    refresh_ciphertext: Option<Vec<u8>>,
    expires_at: Option<NaiveDateTime>,
    scopes: String,
    updated_at: NaiveDateTime,
}

impl SecretRepository for Database {
    async fn put_secret(&self, key: &str, sealed: SealedSecret) -> Result<(), RepositoryError> {
        let key = key.to_owned();
        let stamp = self.now();
        write!(self, |conn| {
            let changed = run!(
                diesel::update(secrets::table.find(&key))
                    .set((
                        secrets::nonce.eq(&sealed.nonce),
                        secrets::ciphertext.eq(&sealed.ciphertext),
                        secrets::updated_at.eq(stamp),
                    ))
                    .execute(conn)
            )?;
            if changed == 0 {
                run!(
                    diesel::insert_into(secrets::table)
                        .values((
                            secrets::key.eq(&key),
                            secrets::nonce.eq(&sealed.nonce),
                            secrets::ciphertext.eq(&sealed.ciphertext),
                            secrets::updated_at.eq(stamp),
                        ))
                        .execute(conn)
                )?;
            }
            Ok(())
        })?;
        Ok(())
    }

    async fn secret(&self, key: &str) -> Result<Option<StoredSecret>, RepositoryError> {
        let key = key.to_owned();
        let row: Option<(String, Vec<u8>, Vec<u8>, NaiveDateTime)> = read!(self, |conn| run!(
            secrets::table
                .find(key)
                .select((
                    secrets::key,
                    secrets::nonce,
                    secrets::ciphertext,
                    secrets::updated_at
                ))
                .first(conn)
        )
        .optional())?;
        Ok(
            row.map(|(key, nonce, ciphertext, updated_at)| StoredSecret {
                key,
                sealed: SealedSecret { nonce, ciphertext },
                updated_at,
            }),
        )
    }

    async fn delete_secret(&self, key: &str) -> Result<bool, RepositoryError> {
        let key = key.to_owned();
        let deleted = write!(self, |conn| run!(
            diesel::delete(secrets::table.find(key)).execute(conn)
        ))?;
        Ok(deleted > 0)
    }

    async fn put_oauth_token(&self, token: StoredOAuthToken) -> Result<(), RepositoryError> {
        let (refresh_nonce, refresh_ciphertext) = match token.refresh_token {
            Some(sealed) => (Some(sealed.nonce), Some(sealed.ciphertext)),
            None => (None, None),
        };
        let row = OAuthTokenChanges {
            provider: token.provider,
            access_nonce: token.access_token.nonce,
            access_ciphertext: token.access_token.ciphertext,
            refresh_nonce,
            refresh_ciphertext,
            expires_at: token.expires_at,
            scopes: token.scopes,
            updated_at: self.now(),
        };
        write!(self, |conn| {
            let changed = run!(
                diesel::update(
                    oauth_tokens::table.filter(oauth_tokens::provider.eq(&row.provider))
                )
                .set(&row)
                .execute(conn)
            )?;
            if changed == 0 {
                run!(
                    diesel::insert_into(oauth_tokens::table)
                        .values(&row)
                        .execute(conn)
                )?;
            }
            Ok(())
        })?;
        Ok(())
    }

    async fn oauth_token(
        &self,
        provider: &str,
    ) -> Result<Option<StoredOAuthToken>, RepositoryError> {
        let provider = provider.to_owned();
        let row: Option<OAuthTokenRow> = read!(self, |conn| run!(
            oauth_tokens::table
                .filter(oauth_tokens::provider.eq(provider))
                .select(OAuthTokenRow::as_select())
                .first(conn)
        )
        .optional())?;
        Ok(row.map(|row| StoredOAuthToken {
            provider: row.provider,
            access_token: SealedSecret {
                nonce: row.access_nonce,
                ciphertext: row.access_ciphertext,
            },
            refresh_token: match (row.refresh_nonce, row.refresh_ciphertext) {
                (Some(nonce), Some(ciphertext)) => Some(SealedSecret { nonce, ciphertext }),
                _ => None,
            },
            expires_at: row.expires_at,
            scopes: row.scopes,
            updated_at: row.updated_at,
        }))
    }

    async fn delete_oauth_token(&self, provider: &str) -> Result<bool, RepositoryError> {
        let provider = provider.to_owned();
        let deleted = write!(self, |conn| run!(
            diesel::delete(oauth_tokens::table.filter(oauth_tokens::provider.eq(provider)))
                .execute(conn)
        ))?;
        Ok(deleted > 0)
    }
}
