//! What a session vouches for, and whether a client may be granted a scope on it
//! (Mozilla's `makeAssertionJWT` checks and `validateRequestedGrant`).

use foxden_db::ops::OAuthClient;
use foxden_db::{Account, Millis, SessionToken, TokenIdHash, Uid};

use super::scopes::{self, ScopeSet};
use crate::error::{ApiError, ApiResult, OAuthError};

/// The identity claims of a session (what Mozilla puts in its internal assertion).
pub struct Claims {
    pub uid: Uid,
    /// The session is confirmed (`fxa-tokenVerified`).
    pub token_verified: bool,
    /// `fxa-lastAuthAt`, in ms.
    pub auth_at: Millis,
    pub amr: Vec<String>,
    pub aal: i32,
    pub profile_changed_at: Millis,
    /// `fxa-keysChangedAt` (or the password's `fxa-generation` when keys never changed), ms.
    pub keys_changed_at: Millis,
    /// `fxa-generation`: the password's `verifierSetAt`, ms.
    pub generation: Millis,
    /// The session vouching (none for a BrowserID assertion).
    pub session_token_id_hash: Option<TokenIdHash>,
}

/// The claims of a session; an unverified email is errno 104 and a session that
/// still must be confirmed errno 138, as Mozilla's assertion bridge refuses them.
pub fn claims(account: &Account, session: &SessionToken) -> ApiResult<Claims> {
    if !account.email_verified {
        return Err(ApiError::UnverifiedAccount);
    }
    if session.unverified.as_ref().is_some_and(|u| u.must_verify) {
        return Err(ApiError::UnverifiedSession);
    }
    let token_verified = session.unverified.is_none();
    let mut amr = vec!["pwd".to_string()];
    if token_verified {
        amr.push("email".to_string());
    }
    let keys_changed_at = if account.keys_changed_at > 0 {
        account.keys_changed_at
    } else {
        account.verifier_set_at
    };
    Ok(Claims {
        uid: account.uid,
        token_verified,
        auth_at: session.auth_at,
        amr,
        // foxden has no second factor yet: every session is AAL1.
        aal: 1,
        profile_changed_at: account.profile_changed_at,
        keys_changed_at,
        generation: account.verifier_set_at,
        session_token_id_hash: Some(session.core.id_hash),
    })
}

/// Checks that `client` may be granted `scope` on these claims:
/// * `acr_values` with `AAL2` needs AAL 2 (errno 170);
/// * an untrusted client only the profile scopes and `openid` (163);
/// * a registered scope must be in the client's `allowedScopes` (163);
/// * a scope with keys needs a confirmed session (401 errno 110, as Mozilla's
///   invalid-assertion answer reaches the auth-server routes);
pub fn validate(
    claims: &Claims,
    client: &OAuthClient,
    scope: &ScopeSet,
    acr_values: Option<&str>,
) -> ApiResult<()> {
    if acr_values.is_some_and(|acr| acr.split_ascii_whitespace().any(|v| v == "AAL2"))
        && claims.aal < 2
    {
        return Err(OAuthError::InsufficientAcrValues { found: claims.aal }.into());
    }
    if !client.trusted {
        let invalid = scope.difference(&ScopeSet::from_list(scopes::UNTRUSTED_ALLOWED));
        if !invalid.is_empty() {
            return Err(OAuthError::InvalidScopes {
                scopes: invalid.into_vec(),
            }
            .into());
        }
    }
    let allowed = ScopeSet::parse(&client.allowed_scopes).unwrap_or_default();
    let registered: Vec<&str> = scope
        .values()
        .filter(|s| scopes::is_registered(s))
        .collect();
    let not_allowed: Vec<String> = registered
        .iter()
        .filter(|s| !allowed.implies(s))
        .map(|s| s.to_string())
        .collect();
    if !not_allowed.is_empty() {
        return Err(OAuthError::InvalidScopes {
            scopes: not_allowed,
        }
        .into());
    }
    if registered.iter().any(|s| scopes::has_keys(s)) && !claims.token_verified {
        return Err(ApiError::InvalidToken);
    }
    Ok(())
}
