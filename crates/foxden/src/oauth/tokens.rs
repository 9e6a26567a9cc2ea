//! Issuing OAuth tokens: access tokens, refresh tokens and (not yet) id_tokens.
//! Codes and tokens are 32 random bytes; only their SHA-256 is stored.

use foxden_db::ops::{OAuthClient, OAuthGrants, OAuthToken, OAuthTokenKind};
use foxden_db::{Conn, Millis, TokenIdHash, Uid};

use super::scopes::{ScopeSet, OPENID};
use crate::error::{ApiError, ApiResult};

/// Access-token lifetime, default and maximum (`oauthServer.expiration.accessToken`).
pub const ACCESS_TOKEN_MAX_TTL_SECS: i64 = 365 * 60;
/// Authorization codes are valid this long (`oauthServer.expiration.code`).
pub const CODE_LIFETIME_MS: i64 = 15 * 60 * 1000;
/// A refresh token's `last_used_at` is written at most this often (`refreshToken.updateAfter`).
pub const REFRESH_TOUCH_INTERVAL_MS: i64 = 24 * 60 * 60 * 1000;

/// What a set of tokens is issued for, after every check has passed.
pub struct Grant {
    pub client: OAuthClient,
    pub uid: Uid,
    pub scope: ScopeSet,
    /// When the user last authenticated (ms); answered as `auth_at` (s) when known.
    pub auth_at: Option<Millis>,
    pub amr: Vec<String>,
    pub aal: i32,
    /// Also issue a refresh token.
    pub offline: bool,
    pub profile_changed_at: Option<Millis>,
    /// The session a `tokens/session` grant clones.
    pub session_token_id_hash: Option<TokenIdHash>,
}

/// What the token endpoint hands out.
pub struct Issued {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
    pub scope: ScopeSet,
    pub expires_in: i64,
}

/// The string a client receives for an access token. Every client gets the opaque
/// form (64 hex of the token's 32 bytes) for now. JWT access tokens (`typ: at+JWT`,
/// RS256 with the OpenID key) plug in here for clients whose `jwt_access_tokens`
/// is set: the JWT's `jti` is then the hex token, and the stored row (SHA-256 of the
/// 32 bytes) is what verification finds, for both forms.
pub fn access_token_string(_client: &OAuthClient, token: &[u8; 32], _grant: &Grant) -> String {
    hex::encode(token)
}

/// Whether an `openid` grant can be given an id_token. Checked before anything is
/// written, so that a request with `openid` is refused (503 errno 202) rather than
/// answered without the id_token it asked for.
pub fn ensure_id_token_possible(scope: &ScopeSet) -> ApiResult<()> {
    if scope.has(OPENID) {
        return Err(ApiError::FeatureNotEnabled);
    }
    Ok(())
}

/// The id_token of a grant whose scope has `openid` (RS256 JWT with `at_hash` of
/// `access_token`): signing plugs in here. Until it exists, such grants are refused
/// by [`ensure_id_token_possible`] and this answers the same refusal.
pub fn id_token(grant: &Grant, _access_token: &str) -> ApiResult<Option<String>> {
    ensure_id_token_possible(&grant.scope)?;
    Ok(None)
}

/// Issues an access token (and a refresh token for offline grants) in `conn`'s
/// transaction. `ttl_secs` is already capped at [`ACCESS_TOKEN_MAX_TTL_SECS`].
pub async fn issue(
    conn: &impl Conn,
    grant: &Grant,
    ttl_secs: i64,
    now: Millis,
) -> ApiResult<Issued> {
    let access = foxden_crypto::random::bytes::<32>();
    let access_token = access_token_string(&grant.client, &access, grant);
    let id_token = id_token(grant, &access_token)?;
    let row = |token: &[u8; 32], kind, expires_at| OAuthToken {
        token_hash: foxden_crypto::sha256(token),
        kind,
        client_id: grant.client.id,
        uid: grant.uid,
        scope: grant.scope.to_string(),
        created_at: now,
        expires_at,
        last_used_at: None,
        profile_changed_at: grant.profile_changed_at,
    };
    conn.insert_oauth_token(&row(
        &access,
        OAuthTokenKind::Access,
        Some(now + ttl_secs * 1000),
    ))
    .await?;
    let refresh_token = if grant.offline {
        let refresh = foxden_crypto::random::bytes::<32>();
        conn.insert_oauth_token(&row(&refresh, OAuthTokenKind::Refresh, None))
            .await?;
        Some(hex::encode(refresh))
    } else {
        None
    };
    Ok(Issued {
        access_token,
        refresh_token,
        id_token,
        scope: grant.scope.clone(),
        expires_in: ttl_secs,
    })
}

/// The requested lifetime in whole seconds, at most the maximum (the default).
pub fn ttl_secs(requested: Option<f64>) -> i64 {
    let max = ACCESS_TOKEN_MAX_TTL_SECS as f64;
    requested.map_or(max, |t| t.min(max)).ceil() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_defaults_to_and_is_capped_at_365_minutes() {
        assert_eq!(ttl_secs(None), 21_900);
        assert_eq!(ttl_secs(Some(1e9)), 21_900);
        assert_eq!(ttl_secs(Some(3600.0)), 3600);
        assert_eq!(ttl_secs(Some(0.5)), 1);
    }

    #[test]
    fn openid_is_refused_not_dropped() {
        let scope = ScopeSet::parse("openid profile").unwrap();
        assert_eq!(ensure_id_token_possible(&scope).unwrap_err().errno(), 202);
        assert!(ensure_id_token_possible(&ScopeSet::parse("profile").unwrap()).is_ok());
    }
}
