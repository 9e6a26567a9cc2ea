//! The two JWTs foxden signs with its OpenID key, with Mozilla's claim names
//! (PROTOCOL §9.4): the JWT access token (`typ: at+JWT`) and the OpenID
//! Connect id_token (`typ: JWT`). Every token also carries `iss`, written first.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::{jws, OpenIdKeys};
use crate::error::{ApiError, ApiResult};

/// `typ` of JWT access tokens (what the Sync tokenserver requires).
pub const ACCESS_TOKEN_TYP: &str = "at+JWT";
/// `typ` of id_tokens (what Mozilla's JWT library writes by default).
pub const ID_TOKEN_TYP: &str = "JWT";
/// An id_token's lifetime (Mozilla's `openid.ttl`, 5 minutes).
pub const ID_TOKEN_TTL_SECS: i64 = 5 * 60;

/// The `aud` claim: one audience, or several (`[client_id, resource]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    /// Whether `name` is (one of) the audience(s).
    pub fn contains(&self, name: &str) -> bool {
        match self {
            Audience::One(one) => one == name,
            Audience::Many(many) => many.iter().any(|a| a == name),
        }
    }
}

/// The claims of a JWT access token. Build `aud` with
/// [`OpenIdKeys::access_token_audience`]; `exp` and `iat` are in seconds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessTokenClaims {
    pub aud: Audience,
    /// The client's id, 16 hex digits.
    pub client_id: String,
    pub exp: i64,
    pub iat: i64,
    /// The access token's id, hex (the database row is keyed by its hash).
    pub jti: String,
    /// The granted scopes, space-separated. The Sync tokenserver splits this on
    /// `,`, so a token meant for it must carry the oldsync scope alone (as the
    /// `fxa-credentials` grant Firefox asks for it has).
    pub scope: String,
    /// The account's uid, 32 hex digits.
    pub sub: String,
    /// The account's `verifierSetAt` (ms); the tokenserver compares it.
    #[serde(
        rename = "fxa-generation",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub fxa_generation: Option<i64>,
    /// The account's `profileChangedAt` (ms).
    #[serde(
        rename = "fxa-profileChangedAt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub fxa_profile_changed_at: Option<i64>,
}

/// The claims of an id_token; make them with [`IdTokenClaims::new`], which
/// computes `exp`, `at_hash` and `acr`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdTokenClaims {
    /// The account's uid, 32 hex digits.
    pub sub: String,
    pub aud: Audience,
    pub iat: i64,
    /// `iat` + 5 minutes.
    pub exp: i64,
    /// [`at_hash`] of the access token issued with it.
    pub at_hash: String,
    /// Authentication methods (`pwd`, `email`, `otp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
    /// Authenticator assurance level.
    #[serde(rename = "fxa-aal", default, skip_serializing_if = "Option::is_none")]
    pub fxa_aal: Option<i64>,
    /// `AAL<fxa-aal>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    /// When the user last authenticated, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
}

impl IdTokenClaims {
    /// The id_token of `access_token` (the string the client receives) for
    /// account `uid_hex`, issued at `iat` (seconds).
    pub fn new(
        uid_hex: &str,
        aud: Audience,
        iat: i64,
        access_token: &str,
        amr: Option<Vec<String>>,
        aal: Option<i64>,
        auth_time: Option<i64>,
    ) -> Self {
        IdTokenClaims {
            sub: uid_hex.to_string(),
            aud,
            iat,
            exp: iat + ID_TOKEN_TTL_SECS,
            at_hash: at_hash(access_token),
            amr,
            fxa_aal: aal.filter(|aal| *aal > 0),
            acr: aal.filter(|aal| *aal > 0).map(|aal| format!("AAL{aal}")),
            auth_time,
        }
    }
}

/// `at_hash`: base64url (no padding) of the first 16 bytes of SHA-256 of the
/// access token's ASCII string (OpenID Connect Core §3.1.3.6).
pub fn at_hash(access_token: &str) -> String {
    let digest = foxden_crypto::sha256(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// A payload with `iss` first, then the claims.
#[derive(Serialize)]
struct Issued<'a, T> {
    iss: &'a str,
    #[serde(flatten)]
    claims: &'a T,
}

#[derive(Deserialize)]
struct IssuedOwned<T> {
    iss: String,
    #[serde(flatten)]
    claims: T,
}

impl OpenIdKeys {
    fn sign<T: Serialize>(&self, typ: &str, claims: &T) -> ApiResult<String> {
        let payload = Issued {
            iss: self.issuer(),
            claims,
        };
        jws::sign(self.keys(), typ, &payload).map_err(|err| {
            tracing::error!(error = %err, "JWT signing failed");
            ApiError::Unexpected
        })
    }

    /// The claims of `token` when it is a JWT of ours with `typ` and our `iss`.
    fn verified<T: serde::de::DeserializeOwned>(&self, token: &str, typ: &str) -> Option<T> {
        let issued: IssuedOwned<T> = jws::verify(self.keys(), token, typ)?;
        foxden_crypto::ct_eq(issued.iss.as_bytes(), self.issuer().as_bytes())
            .then_some(issued.claims)
    }

    /// A JWT access token: header `{alg: RS256, typ: at+JWT, kid}`, signed with
    /// the current key.
    pub fn sign_access_token(&self, claims: &AccessTokenClaims) -> ApiResult<String> {
        self.sign(ACCESS_TOKEN_TYP, claims)
    }

    /// The claims of a JWT access token signed by the current or the previous
    /// key, with `typ` `at+JWT`, our `iss`, and `exp` after `now_ms`; `None`
    /// for anything else. (Whether the token was revoked is the database's to say.)
    pub fn verify_access_token(&self, token: &str, now_ms: i64) -> Option<AccessTokenClaims> {
        let claims: AccessTokenClaims = self.verified(token, ACCESS_TOKEN_TYP)?;
        (now_ms.div_euclid(1000) < claims.exp).then_some(claims)
    }

    /// An id_token: header `{alg: RS256, typ: JWT, kid}`, signed with the current key.
    pub fn sign_id_token(&self, claims: &IdTokenClaims) -> ApiResult<String> {
        self.sign(ID_TOKEN_TYP, claims)
    }

    /// The claims of an id_token of ours for `client_id`, as
    /// `POST /oauth/id-token-verify` checks it: signature (current or previous
    /// key), `iss`, `aud` naming the client, and `exp` at most 5 minutes ahead
    /// and no more than `expiry_grace_secs` behind `now_ms`.
    pub fn verify_id_token(
        &self,
        token: &str,
        client_id: &str,
        expiry_grace_secs: i64,
        now_ms: i64,
    ) -> Option<IdTokenClaims> {
        let claims: IdTokenClaims = self.verified(token, ID_TOKEN_TYP)?;
        let now = (now_ms + 500).div_euclid(1000);
        let fresh = claims.exp <= now + ID_TOKEN_TTL_SECS
            && claims.exp.saturating_add(expiry_grace_secs.max(0)) >= now;
        (fresh && claims.aud.contains(client_id)).then_some(claims)
    }
}
