//! `POST /account/scoped-key-data`: what a client needs to derive the keys of the
//! scopes it may have (PROTOCOL §9.5).

use foxden_db::ops::ClientId;
use foxden_db::SessionToken;

use super::clients::known_client;
use super::grant;
use super::scopes::{self, ScopeSet};
use crate::error::{ApiResult, OAuthError};
use crate::state::AppState;

/// Key rotation per scope is not supported (as at Mozilla): 32 zero bytes.
pub const KEY_ROTATION_SECRET: &str =
    "0000000000000000000000000000000000000000000000000000000000000000";

pub struct ScopedKeyData {
    pub scope: String,
    pub key_rotation_timestamp: i64,
}

/// For each requested scope with keys: its identifier and rotation timestamp
/// (`keysChangedAt`, else `verifierSetAt`, in ms). Refused with errno 164 when the
/// session authenticated (s) before the keys last changed (s), so a session older
/// than a password reset never learns the new keys' metadata.
pub async fn scoped_key_data(
    state: &AppState,
    session: &SessionToken,
    client_id: &ClientId,
    scope: &ScopeSet,
) -> ApiResult<Vec<ScopedKeyData>> {
    let account = state.token_account(&session.core.uid).await?;
    let claims = grant::claims(&account, session)?;
    scoped_key_data_for(state, &claims, client_id, scope).await
}

/// [`scoped_key_data`] for what `claims` vouch for (a session's or an assertion's).
pub async fn scoped_key_data_for(
    state: &AppState,
    claims: &grant::Claims,
    client_id: &ClientId,
    scope: &ScopeSet,
) -> ApiResult<Vec<ScopedKeyData>> {
    let client = known_client(&state.db, client_id).await?;
    grant::validate(claims, &client, scope, None)?;
    let key_rotation_timestamp = claims.keys_changed_at.max(0);
    let auth_at_secs = claims.auth_at / 1000;
    let mut out = Vec::new();
    for value in scope.values().filter(|s| scopes::has_keys(s)) {
        if auth_at_secs < key_rotation_timestamp / 1000 {
            return Err(OAuthError::StaleAuthAt {
                auth_at: auth_at_secs,
            }
            .into());
        }
        out.push(ScopedKeyData {
            scope: value.to_string(),
            key_rotation_timestamp,
        });
    }
    Ok(out)
}
