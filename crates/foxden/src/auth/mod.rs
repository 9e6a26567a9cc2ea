//! Token authentication: `Authorization: Hawk …` (MAC, payload hash, timestamp
//! window) or `Authorization: Bearer fx{s,k,ar,pf,pc}_<tokenId hex>`.
//! Errors follow FxA: unknown or expired token → 110, bad MAC or payload → 109,
//! stale timestamp → 111 with `serverTime`.

mod device_token;
mod records;

use axum::extract::{FromRequestParts, OptionalFromRequestParts, OriginalUri};
use axum::http::header;
use axum::http::request::Parts;
use foxden_crypto::hawk;
use foxden_crypto::token::TokenKind;

use crate::error::ApiError;
use crate::state::AppState;

pub use device_token::{DeviceCredential, SessionOrRefreshToken};
pub use records::{
    AccountResetAuth, KeyFetchAuth, PasswordChangeAuth, PasswordForgotAuth, SessionAuth,
    TokenRecord, PLAIN_TOKEN_LIFETIME_MS,
};

/// A request authenticated with a token of kind `T::KIND`.
/// With `PAYLOAD = true` a Hawk request must carry a payload hash (FxA's
/// `payload: 'required'` routes); Bearer requests have none to check.
pub struct Authed<T, const PAYLOAD: bool = false> {
    pub token: T,
    /// The derived tokenId (what Hawk's `id` and the Bearer value carry).
    pub token_id: [u8; 32],
}

/// Left in the request extensions for `ApiJson` to check the body against.
#[derive(Clone)]
pub struct HawkPayloadCheck {
    expected_hash: String,
}

impl HawkPayloadCheck {
    pub fn verify(&self, content_type: &str, body: &[u8]) -> Result<(), ApiError> {
        let actual = hawk::payload_hash(content_type, body);
        if hawk::verify_mac(&self.expected_hash, &actual) {
            Ok(())
        } else {
            Err(ApiError::InvalidSignature("Payload is invalid"))
        }
    }
}

pub(crate) enum Presented {
    Bearer([u8; 32]),
    Hawk(hawk::HawkHeader, [u8; 32]),
}

pub(crate) fn presented(parts: &Parts, kind: TokenKind) -> Result<Presented, ApiError> {
    let value = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError::InvalidToken)?;
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if scheme.eq_ignore_ascii_case("bearer") {
        let (prefix, id_hex) = rest.trim().split_once('_').ok_or(ApiError::InvalidToken)?;
        let prefixed = format!("{prefix}_");
        if TokenKind::from_bearer_prefix(&prefixed) != Some(kind) {
            return Err(ApiError::InvalidToken);
        }
        let id = decode_id(id_hex)?;
        return Ok(Presented::Bearer(id));
    }
    if scheme.eq_ignore_ascii_case("hawk") {
        let header = hawk::parse_header(value).map_err(|_| ApiError::InvalidToken)?;
        let id = decode_id(&header.id)?;
        return Ok(Presented::Hawk(header, id));
    }
    Err(ApiError::InvalidToken)
}

fn decode_id(id_hex: &str) -> Result<[u8; 32], ApiError> {
    let mut id = [0u8; 32];
    if id_hex.len() != 64 || hex::decode_to_slice(id_hex, &mut id).is_err() {
        return Err(ApiError::InvalidToken);
    }
    Ok(id)
}

impl<T: TokenRecord, const PAYLOAD: bool> FromRequestParts<AppState> for Authed<T, PAYLOAD> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let presented = presented(parts, T::KIND)?;
        let token_id = match &presented {
            Presented::Bearer(id) | Presented::Hawk(_, id) => *id,
        };
        let id_hash = foxden_crypto::sha256(&token_id);
        let token = T::load(state, &id_hash)
            .await?
            .ok_or(ApiError::InvalidToken)?;
        if let Presented::Hawk(header, _) = &presented {
            check_hawk(parts, state, header, &token, PAYLOAD)?;
        }
        token.after_auth(state);
        Ok(Authed { token, token_id })
    }
}

fn check_hawk<T: TokenRecord>(
    parts: &mut Parts,
    state: &AppState,
    header: &hawk::HawkHeader,
    token: &T,
    payload_required: bool,
) -> Result<(), ApiError> {
    let core = token.core();
    let key = state
        .sealer
        .open(&core.auth_key_sealed, &core.id_hash)
        .map_err(|_| ApiError::InvalidToken)?;
    // Inside nested routers axum strips the prefix from `uri`; clients sign the full path.
    let uri = parts
        .extensions
        .get::<OriginalUri>()
        .map(|o| &o.0)
        .unwrap_or(&parts.uri);
    let resource = uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
    let request = hawk::RequestParts {
        method: parts.method.as_str(),
        resource,
        host: &state.hawk_host,
        port: state.hawk_port,
    };
    let expected = hawk::mac(
        &key,
        header.ts,
        &header.nonce,
        &request,
        header.hash.as_deref(),
        header.ext.as_deref(),
    );
    if !hawk::verify_mac(&expected, &header.mac) {
        return Err(ApiError::InvalidSignature("Bad mac"));
    }
    match &header.hash {
        Some(hash) => {
            parts.extensions.insert(HawkPayloadCheck {
                expected_hash: hash.clone(),
            });
        }
        None if payload_required => {
            return Err(ApiError::InvalidSignature("Missing required payload hash"))
        }
        None => {}
    }
    let skew = (crate::clock::now_secs() - header.ts).abs();
    if skew > state.settings.hawk_skew_secs {
        return Err(ApiError::InvalidTimestamp);
    }
    Ok(())
}

/// Optional authentication (FxA's `mode: 'optional'`): no Authorization header
/// means `None`; a header that fails still answers its error.
impl<T: TokenRecord, const PAYLOAD: bool> OptionalFromRequestParts<AppState>
    for Authed<T, PAYLOAD>
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, ApiError> {
        if !parts.headers.contains_key(header::AUTHORIZATION) {
            return Ok(None);
        }
        <Self as FromRequestParts<AppState>>::from_request_parts(parts, state)
            .await
            .map(Some)
    }
}
