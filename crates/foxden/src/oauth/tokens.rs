//! Issuing OAuth tokens: access tokens (opaque, or JWTs for clients that take
//! them), refresh tokens and id_tokens. Codes and tokens are 32 random bytes; only
//! their SHA-256 is stored (a JWT's `jti` is the hex of those bytes).

use foxden_db::ops::{OAuthClient, OAuthGrants, OAuthToken, OAuthTokenKind};
use foxden_db::{Conn, Millis, TokenIdHash, Uid};

use super::scopes::{ScopeSet, OPENID};
use crate::error::ApiResult;
use crate::openid::{AccessTokenClaims, Audience, IdTokenClaims, OpenIdKeys};

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
    /// The account's `verifierSetAt` (ms): a JWT's `fxa-generation`.
    pub generation: Option<Millis>,
    /// The session a `tokens/session` grant clones.
    pub session_token_id_hash: Option<TokenIdHash>,
    /// An RFC 8707 `resource` the request named: a second `aud` of its JWTs.
    pub resource: Option<String>,
}

/// What a token request asks of the tokens, whatever its grant: their lifetime
/// (s, already capped at [`ACCESS_TOKEN_MAX_TTL_SECS`]) and audience.
pub struct TokenTerms {
    pub ttl_secs: i64,
    pub resource: Option<String>,
}

impl TokenTerms {
    pub fn new(ttl: Option<f64>, resource: Option<String>) -> Self {
        TokenTerms {
            ttl_secs: ttl_secs(ttl),
            resource,
        }
    }
}

/// What the token endpoint hands out.
pub struct Issued {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
    pub scope: ScopeSet,
    pub expires_in: i64,
}

/// The string a client receives for an access token: for clients with
/// `jwt_access_tokens` (Firefox's by default) an RS256 JWT (`typ: at+JWT`) whose
/// `jti` is the hex token, else the opaque form (64 hex of the token's 32 bytes).
/// Either way the stored row is the SHA-256 of the 32 bytes ([`stored_hash`]).
pub fn access_token_string(
    keys: &OpenIdKeys,
    grant: &Grant,
    token: &[u8; 32],
    now: Millis,
    ttl_secs: i64,
) -> ApiResult<String> {
    if !grant.client.jwt_access_tokens {
        return Ok(foxden_crypto::to_hex(token));
    }
    let client_id = foxden_crypto::to_hex(grant.client.id);
    let claims = AccessTokenClaims {
        aud: keys.access_token_audience(
            &client_id,
            grant.scope.values(),
            grant.resource.as_deref(),
        ),
        client_id,
        exp: now / 1000 + ttl_secs,
        iat: now / 1000,
        jti: foxden_crypto::to_hex(token),
        scope: grant.scope.to_string(),
        sub: foxden_crypto::to_hex(grant.uid),
        fxa_generation: grant.generation,
        fxa_profile_changed_at: grant.profile_changed_at,
    };
    keys.sign_access_token(&claims)
}

/// The id_token of a grant whose scope has `openid` (RS256, `at_hash` of the
/// access token string the client receives, `aud` the client's id, and the
/// grant's `resource` when it names one).
pub fn id_token(
    keys: &OpenIdKeys,
    grant: &Grant,
    access_token: &str,
    now: Millis,
) -> ApiResult<Option<String>> {
    if !grant.scope.has(OPENID) {
        return Ok(None);
    }
    let client_id = foxden_crypto::to_hex(grant.client.id);
    let aud = match &grant.resource {
        Some(resource) => Audience::Many(vec![client_id, resource.clone()]),
        None => Audience::One(client_id),
    };
    let claims = IdTokenClaims::new(
        &foxden_crypto::to_hex(grant.uid),
        aud,
        now / 1000,
        access_token,
        (!grant.amr.is_empty()).then(|| grant.amr.clone()),
        Some(i64::from(grant.aal)),
        grant.auth_at.map(|ms| ms / 1000),
    );
    keys.sign_id_token(&claims).map(Some)
}

/// The stored hash of a token as a client presents it: 64 hex (opaque access or
/// refresh token), or a JWT access token of ours (signature, `typ`, expiry
/// checked) whose `jti` names the row. `None` for anything else.
pub fn stored_hash(keys: &OpenIdKeys, token: &str, now: Millis) -> Option<[u8; 32]> {
    let bytes: [u8; 32] = match hex::decode(token) {
        Ok(raw) => raw.try_into().ok()?,
        Err(_) => {
            let claims = keys.verify_access_token(token, now)?;
            hex::decode(claims.jti).ok()?.try_into().ok()?
        }
    };
    Some(foxden_crypto::sha256(&bytes))
}

/// Tokens made and signed for a grant, not yet stored ([`store`]).
pub struct Prepared {
    rows: Vec<OAuthToken>,
    issued: Issued,
}

/// Makes an access token (and a refresh token for offline grants) and signs the
/// JWTs, touching no storage. `ttl_secs` is already capped at
/// [`ACCESS_TOKEN_MAX_TTL_SECS`].
pub fn prepare(
    keys: &OpenIdKeys,
    grant: &Grant,
    ttl_secs: i64,
    now: Millis,
) -> ApiResult<Prepared> {
    let access = foxden_crypto::random::bytes::<32>();
    let access_token = access_token_string(keys, grant, &access, now, ttl_secs)?;
    let id_token = id_token(keys, grant, &access_token, now)?;
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
    let mut rows = vec![row(
        &access,
        OAuthTokenKind::Access,
        Some(now + ttl_secs * 1000),
    )];
    let refresh_token = if grant.offline {
        let refresh = foxden_crypto::random::bytes::<32>();
        rows.push(row(&refresh, OAuthTokenKind::Refresh, None));
        Some(foxden_crypto::to_hex(refresh))
    } else {
        None
    };
    Ok(Prepared {
        rows,
        issued: Issued {
            access_token,
            refresh_token,
            id_token,
            scope: grant.scope.clone(),
            expires_in: ttl_secs,
        },
    })
}

/// Stores prepared tokens in `conn`'s transaction; what the client receives.
pub async fn store(conn: &impl Conn, prepared: Prepared) -> ApiResult<Issued> {
    for row in &prepared.rows {
        conn.insert_oauth_token(row).await?;
    }
    Ok(prepared.issued)
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
}
