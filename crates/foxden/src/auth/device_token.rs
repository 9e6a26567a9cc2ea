//! FxA's `strategies: ['sessionToken', 'refreshToken']`: the device routes take
//! a session token (Hawk or `Bearer fxs_…`) or an OAuth refresh token with the
//! oldsync scope as `Authorization: Bearer <64 hex>` (Mozilla's `refreshToken`
//! scheme). A Bearer value that is not 64 hex is 400 errno 107 naming
//! `authorization`; an unknown refresh token (or an access token) is 401
//! errno 110; a refresh token without the oldsync scope is 400 errno 163.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use foxden_db::ops::{OAuthClient, OAuthClients, OAuthGrants, OAuthToken, OAuthTokenKind};
use foxden_db::{SessionToken, Uid};

use super::SessionAuth;
use crate::error::{ApiError, OAuthError, Source};
use crate::oauth::access::bearer_access_token;
use crate::oauth::scopes::{ScopeSet, OLDSYNC};
use crate::state::AppState;

/// What a device route was called with.
pub enum DeviceCredential {
    Session(SessionToken),
    /// A refresh token with the oldsync scope, and its client (None if the
    /// client was removed since; the token is then gone too, but a race may see it).
    Refresh {
        token: OAuthToken,
        client: Option<OAuthClient>,
    },
}

/// A request authenticated with a session token or an oldsync refresh token.
pub struct SessionOrRefreshToken(pub DeviceCredential);

impl SessionOrRefreshToken {
    pub fn uid(&self) -> Uid {
        match &self.0 {
            DeviceCredential::Session(s) => s.core.uid,
            DeviceCredential::Refresh { token, .. } => token.uid,
        }
    }

    /// Whether the credential is verified (a refresh token always is).
    pub fn verified(&self) -> bool {
        match &self.0 {
            DeviceCredential::Session(s) => s.unverified.is_none(),
            DeviceCredential::Refresh { .. } => true,
        }
    }

    pub fn session(&self) -> Option<&SessionToken> {
        match &self.0 {
            DeviceCredential::Session(s) => Some(s),
            DeviceCredential::Refresh { .. } => None,
        }
    }
}

impl FromRequestParts<AppState> for SessionOrRefreshToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(presented) = bearer_access_token(parts) else {
            let auth = SessionAuth::from_request_parts(parts, state).await?;
            return Ok(SessionOrRefreshToken(DeviceCredential::Session(auth.token)));
        };
        let mut raw = [0u8; 32];
        if presented.len() != 64 || hex::decode_to_slice(presented, &mut raw).is_err() {
            return Err(ApiError::InvalidParameter {
                origin: Source::Headers,
                keys: vec!["authorization".into()],
            });
        }
        let hash = foxden_crypto::sha256(&raw);
        let token = state
            .db
            .oauth_token(&hash)
            .await?
            .filter(|t| t.kind == OAuthTokenKind::Refresh)
            .ok_or(ApiError::InvalidToken)?;
        let scope = ScopeSet::parse(&token.scope).unwrap_or_default();
        if !scope.implies(OLDSYNC) {
            return Err(OAuthError::InvalidScopes {
                scopes: scope.into_vec(),
            }
            .into());
        }
        let client = state.db.oauth_client(&token.client_id).await?;
        Ok(SessionOrRefreshToken(DeviceCredential::Refresh {
            token,
            client,
        }))
    }
}
