//! `POST /oauth/token`: the three grants of the auth-server flavour
//! (`authorization_code`, `refresh_token`, `fxa-credentials`).

use foxden_crypto::token::TokenKind;
use foxden_db::ops::*;
use foxden_db::{SessionToken, Tx, Unverified, UserAgentInfo};

use super::grant;
use super::scopes::{self, ScopeSet};
use super::tokens::{self, Grant, Issued, TokenTerms, CODE_LIFETIME_MS, REFRESH_TOUCH_INTERVAL_MS};
use crate::clock::now_ms;
use crate::error::{ApiError, ApiResult, OAuthError, Source};
use crate::service::tokens::Minted;
use crate::state::AppState;

pub enum GrantRequest {
    AuthorizationCode {
        code: [u8; 32],
        code_verifier: Option<String>,
    },
    RefreshToken {
        refresh_token: [u8; 32],
        scope: Option<ScopeSet>,
    },
    Credentials {
        session: Box<SessionToken>,
        scope: ScopeSet,
        offline: bool,
    },
    /// `fxa-credentials` on a BrowserID assertion's claims (`/v1/token`).
    AssertionCredentials {
        claims: Box<grant::Claims>,
        scope: ScopeSet,
        offline: bool,
    },
    /// `/v1/authorization` with `response_type=token`: the assertion's claims
    /// grant tokens directly to a client that may (`canGrant`; public or not),
    /// with the authorization's `acr_values` checked.
    Implicit {
        claims: Box<grant::Claims>,
        scope: ScopeSet,
        offline: bool,
        acr_values: Option<String>,
    },
}

/// The token endpoint's answer before serialization.
pub struct Exchanged {
    pub issued: Issued,
    /// `auth_at` (s): for the code and credentials grants.
    pub auth_at: Option<i64>,
    /// The stored scoped-keys bundle, handed out with the code's exchange only.
    pub keys_jwe: Option<String>,
    /// A new session token (hex) for grants with the `tokens/session` scope.
    pub session_token: Option<String>,
}

/// Runs the grant for an authenticated client. `user_agent` describes the device
/// asking (a cloned session takes it).
pub async fn exchange(
    state: &AppState,
    client: OAuthClient,
    request: GrantRequest,
    terms: TokenTerms,
    user_agent: UserAgentInfo,
) -> ApiResult<Exchanged> {
    let now = now_ms();
    // The code and refresh grants read and take rows in the transaction; the
    // credentials grants need none until the tokens are stored, so their JWTs are
    // signed before it begins (a transaction holds SQLite's one writer).
    let (tx, grant, keys_jwe) = match request {
        GrantRequest::AuthorizationCode {
            code,
            code_verifier,
        } => {
            let tx = state.db.begin().await?;
            let (grant, keys_jwe) = code_grant(&tx, client, &code, code_verifier, now).await?;
            (Some(tx), grant, keys_jwe)
        }
        GrantRequest::RefreshToken {
            refresh_token,
            scope,
        } => {
            let tx = state.db.begin().await?;
            let grant = refresh_grant(&tx, client, &refresh_token, scope, now).await?;
            (Some(tx), grant, None)
        }
        GrantRequest::Credentials {
            session,
            scope,
            offline,
        } => {
            let account = state.token_account(&session.core.uid).await?;
            let claims = grant::claims(&account, &session)?;
            (
                None,
                credentials_grant(client, claims, scope, offline)?,
                None,
            )
        }
        GrantRequest::AssertionCredentials {
            claims,
            scope,
            offline,
        } => (
            None,
            credentials_grant(client, *claims, scope, offline)?,
            None,
        ),
        GrantRequest::Implicit {
            claims,
            scope,
            offline,
            acr_values,
        } => {
            if !client.can_grant {
                return Err(OAuthError::InvalidResponseType.into());
            }
            grant::validate(&claims, &client, &scope, acr_values.as_deref())?;
            (None, direct_grant(client, *claims, scope, offline), None)
        }
    };
    let grant = Grant {
        resource: terms.resource,
        ..grant
    };
    let prepared = tokens::prepare(&state.openid_keys, &grant, terms.ttl_secs, now)?;
    let tx = match tx {
        Some(tx) => tx,
        None => state.db.begin().await?,
    };
    let session_token = if grant.scope.has(scopes::SESSION_TOKEN) {
        Some(clone_session(state, &tx, &grant, user_agent, now).await?)
    } else {
        None
    };
    let issued = tokens::store(&tx, prepared).await?;
    tx.commit().await?;
    Ok(Exchanged {
        issued,
        auth_at: grant.auth_at.map(|ms| ms / 1000),
        keys_jwe,
        session_token,
    })
}

/// Takes the code (single use: of concurrent exchanges one gets it) and checks it
/// as Mozilla does; a failed check leaves the code unused (the transaction is dropped).
async fn code_grant(
    tx: &Tx,
    client: OAuthClient,
    code: &[u8; 32],
    code_verifier: Option<String>,
    now: i64,
) -> ApiResult<(Grant, Option<String>)> {
    if code_verifier.is_some() && !client.public_client {
        return Err(OAuthError::NotPublicClient.into());
    }
    let stored = tx
        .take_oauth_code(&foxden_crypto::sha256(code))
        .await?
        .ok_or(OAuthError::UnknownAuthorizationCode)?;
    if !foxden_crypto::ct_eq(&stored.client_id, &client.id) {
        return Err(OAuthError::MismatchAuthorizationCode {
            client_id: foxden_crypto::to_hex(client.id),
        }
        .into());
    }
    let expires_at = stored.created_at + CODE_LIFETIME_MS;
    if now > expires_at {
        return Err(OAuthError::ExpiredAuthorizationCode {
            expired_at: expires_at,
        }
        .into());
    }
    let verifier_hash = code_verifier.as_deref().map(pkce_hash);
    match (&stored.code_challenge, &verifier_hash) {
        (Some(_), None) => return Err(OAuthError::MissingPkceParameters.into()),
        (Some(challenge), Some(hash))
            if !foxden_crypto::ct_eq(challenge.as_bytes(), hash.as_bytes()) =>
        {
            return Err(OAuthError::InvalidPkceChallenge.into())
        }
        (None, Some(_)) => return Err(OAuthError::InvalidPkceChallenge.into()),
        _ => {}
    }
    let scope = ScopeSet::parse(&stored.scope).unwrap_or_default();
    let account = tx
        .account(&stored.uid)
        .await?
        .ok_or(ApiError::InvalidToken)?;
    let grant = Grant {
        client,
        uid: stored.uid,
        scope,
        auth_at: Some(stored.auth_at),
        amr: stored.amr.split(' ').map(str::to_string).collect(),
        aal: stored.aal,
        offline: stored.offline,
        profile_changed_at: Some(account.profile_changed_at),
        generation: Some(account.verifier_set_at),
        session_token_id_hash: stored.session_token_id_hash,
        resource: None,
    };
    Ok((grant, stored.keys_jwe))
}

/// `base64url(SHA-256(code_verifier))`, PKCE's S256.
pub fn pkce_hash(verifier: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(foxden_crypto::sha256(verifier.as_bytes()))
}

/// A refresh token of this client (else 401 errno 110); the scope may be narrowed,
/// or widened by a trusted client within its `allowedScopes` (else 163); `openid`
/// and `tokens/session` are dropped. The refresh token itself is not rotated.
async fn refresh_grant(
    tx: &Tx,
    client: OAuthClient,
    refresh_token: &[u8; 32],
    requested: Option<ScopeSet>,
    now: i64,
) -> ApiResult<Grant> {
    let hash = foxden_crypto::sha256(refresh_token);
    let token = tx
        .oauth_token(&hash)
        .await?
        .filter(|t| t.kind == OAuthTokenKind::Refresh)
        .filter(|t| foxden_crypto::ct_eq(&t.client_id, &client.id))
        .ok_or(ApiError::InvalidToken)?;
    let held = ScopeSet::parse(&token.scope).unwrap_or_default();
    let mut scope = held.clone();
    if let Some(requested) = requested.filter(|s| !s.is_empty()) {
        if !held.contains(&requested) {
            let mut allowed = ScopeSet::parse(&client.allowed_scopes).unwrap_or_default();
            for v in held.values() {
                allowed.add(v);
            }
            if !client.trusted || !allowed.contains(&requested) {
                return Err(OAuthError::InvalidScopes {
                    scopes: requested.difference(&held).into_vec(),
                }
                .into());
            }
        }
        scope = requested;
    }
    let scope = scope.without(scopes::NOT_REFRESHABLE);
    if token
        .last_used_at
        .is_none_or(|at| now - at >= REFRESH_TOUCH_INTERVAL_MS)
    {
        tx.touch_oauth_token(&hash, now).await?;
    }
    let account = tx
        .account(&token.uid)
        .await?
        .ok_or(ApiError::InvalidToken)?;
    Ok(Grant {
        client,
        uid: token.uid,
        scope,
        auth_at: None,
        amr: Vec::new(),
        aal: 1,
        offline: false,
        profile_changed_at: Some(account.profile_changed_at),
        generation: Some(account.verifier_set_at),
        session_token_id_hash: None,
        resource: None,
    })
}

/// `fxa-credentials`: the session (or an assertion) grants directly, for clients that may
/// (`canGrant`, else 107 `grant_type`) and are public (else 166).
fn credentials_grant(
    client: OAuthClient,
    claims: grant::Claims,
    scope: ScopeSet,
    offline: bool,
) -> ApiResult<Grant> {
    if !client.can_grant {
        return Err(ApiError::InvalidParameter {
            origin: Source::Payload,
            keys: vec!["grant_type".into()],
        });
    }
    if !client.public_client {
        return Err(OAuthError::NotPublicClient.into());
    }
    grant::validate(&claims, &client, &scope, None)?;
    Ok(direct_grant(client, claims, scope, offline))
}

/// What a direct grant (`fxa-credentials`, `response_type=token`) issues, its
/// checks passed.
fn direct_grant(
    client: OAuthClient,
    claims: grant::Claims,
    scope: ScopeSet,
    offline: bool,
) -> Grant {
    Grant {
        client,
        uid: claims.uid,
        scope,
        auth_at: Some(claims.auth_at),
        amr: claims.amr,
        aal: claims.aal,
        offline,
        profile_changed_at: Some(claims.profile_changed_at),
        generation: Some(claims.generation),
        session_token_id_hash: claims.session_token_id_hash,
        resource: None,
    }
}

/// A new session token with the authorizing session's state (Mozilla's
/// `copyTokenState`) and the asking device's user agent. The authorizing session
/// must still exist (else errno 172, as Mozilla answers).
async fn clone_session(
    state: &AppState,
    tx: &Tx,
    grant: &Grant,
    user_agent: UserAgentInfo,
    now: i64,
) -> ApiResult<String> {
    let original = match &grant.session_token_id_hash {
        Some(id_hash) => tx.session(id_hash).await?,
        None => None,
    }
    .filter(|s| s.core.uid == grant.uid)
    .ok_or(OAuthError::UnknownAuthorizationCode)?;
    let minted = Minted::new(TokenKind::Session);
    let copy = SessionToken {
        core: minted.core(state, grant.uid, now),
        user_agent,
        last_access_time: now,
        unverified: original.unverified.as_ref().map(|u| Unverified {
            token_verification_id: state.codes.fresh(),
            must_verify: u.must_verify,
        }),
        ..original
    };
    tx.insert_session(&copy).await?;
    Ok(minted.hex())
}

#[cfg(test)]
mod tests {
    #[test]
    fn pkce_matches_rfc_7636_appendix_b() {
        assert_eq!(
            super::pkce_hash("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
