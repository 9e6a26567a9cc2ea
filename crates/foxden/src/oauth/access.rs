//! Verifying an OAuth access token (`Authorization: Bearer <token>`) to what it
//! grants: the account, the client and the scopes. This is the one place the
//! routes that take access tokens (`GET /account/profile`, the profile server)
//! learn what a token is worth.
//!
//! A token is an opaque 64 hex or, for clients with `jwt_access_tokens`, a JWT of
//! ours (`typ: at+JWT`; signature, issuer and `exp` checked) whose `jti` names the
//! row ([`super::tokens::stored_hash`]). Either way the stored row decides, so a
//! destroyed or expired token is refused in both forms.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use foxden_db::ops::{ClientId, OAuthGrants, OAuthTokenKind};
use foxden_db::{Millis, Uid};

use super::scopes::ScopeSet;
use super::tokens;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// What a valid access token grants.
#[derive(Clone, Debug)]
pub struct AccessToken {
    pub uid: Uid,
    pub client_id: ClientId,
    pub scope: ScopeSet,
    /// The account's `profileChangedAt` when the token was issued (ms).
    pub profile_changed_at: Option<Millis>,
}

/// The grant of an unexpired, unrevoked access token; anything else (a refresh
/// token, an expired or destroyed one, garbage) is 401 errno 110.
pub async fn verify(state: &AppState, presented: &str, now: Millis) -> ApiResult<AccessToken> {
    let hash =
        tokens::stored_hash(&state.openid_keys, presented, now).ok_or(ApiError::InvalidToken)?;
    let row = state
        .db
        .oauth_token(&hash)
        .await?
        .filter(|t| t.kind == OAuthTokenKind::Access)
        .filter(|t| t.expires_at.is_some_and(|at| at > now))
        .ok_or(ApiError::InvalidToken)?;
    Ok(AccessToken {
        uid: row.uid,
        client_id: row.client_id,
        scope: ScopeSet::parse(&row.scope).unwrap_or_default(),
        profile_changed_at: row.profile_changed_at,
    })
}

/// The value of `Authorization: Bearer <value>` when it is not one of the
/// auth server's own `fx…_<tokenId>` Bearer tokens (those are Hawk-family tokens,
/// see [`crate::auth`]); None for no header, another scheme, or such a token.
pub fn bearer_access_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let rest = rest.trim();
    let fxa_token = foxden_crypto::token::TokenKind::split_bearer(rest).is_some();
    (!fxa_token).then_some(rest)
}

/// A request authenticated with an OAuth access token; no or another
/// Authorization header, or an invalid token, is 401 errno 110.
pub struct BearerAccess(pub AccessToken);

impl FromRequestParts<AppState> for BearerAccess {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let presented = bearer_access_token(parts).ok_or(ApiError::InvalidToken)?;
        verify(state, presented, crate::clock::now_ms())
            .await
            .map(BearerAccess)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fxa_bearer_tokens_are_not_access_tokens() {
        let parts = |value: &str| {
            let (parts, ()) = axum::http::Request::builder()
                .header(header::AUTHORIZATION, value)
                .body(())
                .unwrap()
                .into_parts();
            parts
        };
        let hex = "ab".repeat(32);
        assert_eq!(
            bearer_access_token(&parts(&format!("Bearer {hex}"))),
            Some(hex.as_str())
        );
        assert_eq!(
            bearer_access_token(&parts(&format!("bearer  {hex} "))),
            Some(hex.as_str())
        );
        assert_eq!(
            bearer_access_token(&parts(&format!("Bearer fxs_{hex}"))),
            None
        );
        assert_eq!(bearer_access_token(&parts("Hawk id=\"x\"")), None);
        // A JWT may hold `_` in its base64url parts and is still an access token.
        assert_eq!(
            bearer_access_token(&parts("Bearer eyJ_a.b_c.d")),
            Some("eyJ_a.b_c.d")
        );
    }
}
