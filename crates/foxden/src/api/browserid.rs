//! BrowserID (deprecated but still used by older Sync clients):
//! `/.well-known/browserid`, `/.well-known/public-keys` and `POST /certificate/sign`.

use crate::openapi::api_routes;
use crate::openapi::ApiRouter;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use foxden_db::SessionToken;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Authed;
use crate::browserid::{BrowserIdPublicKey, Jwk};
use crate::clock::now_ms;
use crate::error::{ApiError, ApiResult, Source};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use crate::validate::Service;

const MAX_DURATION_MS: i64 = 24 * 60 * 60 * 1000;
const NONEXISTENT: &str = "/.well-known/browserid/nonexistent.html";

/// Routes at the server root (not under `/v1`).
pub fn root_routes() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(api_routes!(well_known_browserid))
        .routes(api_routes!(public_keys))
}

pub fn routes() -> ApiRouter<AppState> {
    ApiRouter::new().routes(api_routes!(sign))
}

/// BrowserID's support document (fields in the order serde_json's map wrote them).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct SupportDocument {
    #[schema(value_type = String)]
    authentication: &'static str,
    keys: Vec<Jwk>,
    #[schema(value_type = String)]
    provisioning: &'static str,
    public_key: BrowserIdPublicKey,
}

#[utoipa::path(get, path = "/.well-known/browserid", tag = "BrowserID",
    responses((status = 200, body = SupportDocument)))]
async fn well_known_browserid(State(state): State<AppState>) -> impl IntoResponse {
    let keys = &state.browserid;
    let body = SupportDocument {
        authentication: NONEXISTENT,
        keys: keys.jwks(),
        provisioning: NONEXISTENT,
        public_key: keys.browserid_public_key(),
    };
    ([(header::CACHE_CONTROL, "public, max-age=10")], Json(body))
}

/// The signing keys as a JWK set.
#[derive(Serialize, ToSchema)]
pub(crate) struct PublicKeys {
    keys: Vec<Jwk>,
}

#[utoipa::path(get, path = "/.well-known/public-keys", tag = "BrowserID",
    responses((status = 200, body = PublicKeys)))]
async fn public_keys(State(state): State<AppState>) -> Json<PublicKeys> {
    Json(PublicKeys {
        keys: state.browserid.jwks(),
    })
}

/// The key to certify; echoed verbatim (absent fields left out) as `public-key`.
///
/// Mozilla's schema takes any strings here; foxden also checks their form, as
/// every BrowserID client writes them (jwcrypto, PyBrowserID, Firefox): RSA's
/// `n` and `e` in decimal, DSA's `y`, `p`, `q`, `g` in hex (Firefox upper-case,
/// jwcrypto lower-case, possibly with a leading `00` byte), with lengths up to
/// 4096-bit moduli (a 160- to 256-bit `q`), so nothing else is signed.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PublicKey {
    algorithm: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    n: Option<Decimal<MAX_RSA_DIGITS>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    e: Option<Decimal<MAX_RSA_DIGITS>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    y: Option<HexNumber<MAX_DSA_HEX>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    p: Option<HexNumber<MAX_DSA_HEX>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    q: Option<HexNumber<MAX_DSA_Q_HEX>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    g: Option<HexNumber<MAX_DSA_HEX>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    version: Option<KeyVersion>,
}

/// Decimal digits of a 4096-bit number (2^4096 has 1234).
const MAX_RSA_DIGITS: usize = 1234;
/// Hex digits of a 4096-bit number plus a leading zero byte.
const MAX_DSA_HEX: usize = 1026;
/// Hex digits of a 256-bit `q` plus a leading zero byte.
const MAX_DSA_Q_HEX: usize = 66;

fn key_string<'de, D: Deserializer<'de>>(
    d: D,
    max: usize,
    digit: fn(&u8) -> bool,
    what: &str,
) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    if (1..=max).contains(&s.len()) && s.bytes().all(|b| digit(&b)) {
        Ok(s)
    } else {
        Err(de::Error::custom(format!(
            "expected 1 to {max} {what} digits"
        )))
    }
}

/// A non-negative integer in decimal, at most `MAX` digits.
#[derive(Serialize)]
#[serde(transparent)]
struct Decimal<const MAX: usize>(String);

impl<'de, const MAX: usize> Deserialize<'de> for Decimal<MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        key_string(d, MAX, u8::is_ascii_digit, "decimal").map(Decimal)
    }
}

/// A non-negative integer in hex (either case), at most `MAX` digits.
#[derive(Serialize)]
#[serde(transparent)]
struct HexNumber<const MAX: usize>(String);

impl<'de, const MAX: usize> Deserialize<'de> for HexNumber<MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        key_string(d, MAX, u8::is_ascii_hexdigit, "hex").map(HexNumber)
    }
}

/// jwcrypto's key `version` (`2012.08.15`): up to 32 of `[A-Za-z0-9._-]`.
#[derive(Serialize)]
#[serde(transparent)]
struct KeyVersion(String);

impl<'de> Deserialize<'de> for KeyVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let version_char = |b: &u8| b.is_ascii_alphanumeric() || b".-_".contains(b);
        key_string(d, 32, version_char, "version").map(KeyVersion)
    }
}

/// A certificate's lifetime in ms: up to 24 hours (Mozilla's bound), and at
/// least 1 (Mozilla also takes 0, a certificate that has expired when issued).
struct CertDuration(i64);

impl<'de> Deserialize<'de> for CertDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let ms = i64::deserialize(d)?;
        if (1..=MAX_DURATION_MS).contains(&ms) {
            Ok(CertDuration(ms))
        } else {
            Err(de::Error::custom("duration out of range"))
        }
    }
}

/// A key's fields by JSON path, and whether each was sent.
type KeyFields<'a> = &'a [(&'static str, bool)];

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct SignBody {
    public_key: PublicKey,
    #[schema(value_type = i64)]
    duration: CertDuration,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct SignQuery {
    #[serde(rename = "service")]
    _service: Option<Service>,
}

fn invalid(key: &str) -> ApiError {
    ApiError::InvalidParameter {
        origin: Source::Payload,
        keys: vec![key.into()],
    }
}

fn missing(param: &str) -> ApiError {
    ApiError::MissingParameter {
        origin: Source::Payload,
        param: param.into(),
    }
}

/// `host[:port]` of the public URL (Node's `url.host`, FxA's `config.domain`).
pub(crate) fn domain(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or("localhost");
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// `/certificate/sign`'s answer: the certificate, a JWS.
#[derive(Serialize, ToSchema)]
pub(crate) struct SignResponse {
    cert: String,
}

#[utoipa::path(post, path = "/certificate/sign", tag = "BrowserID",
    params(SignQuery), request_body = SignBody,
    responses((status = 200, body = SignResponse), (status = 400, response = super::ErrorResponse)))]
async fn sign(
    State(state): State<AppState>,
    auth: Authed<SessionToken, true>,
    ApiQuery(_): ApiQuery<SignQuery>,
    ApiJson(body): ApiJson<SignBody>,
) -> ApiResult<Json<SignResponse>> {
    let key = &body.public_key;
    let rsa = [
        ("publicKey.n", key.n.is_some()),
        ("publicKey.e", key.e.is_some()),
    ];
    let dsa = [
        ("publicKey.y", key.y.is_some()),
        ("publicKey.p", key.p.is_some()),
        ("publicKey.q", key.q.is_some()),
        ("publicKey.g", key.g.is_some()),
    ];
    let (required, foreign): (KeyFields, KeyFields) = match key.algorithm.as_str() {
        "RS" => (&rsa, &dsa),
        "DS" => (&dsa, &rsa),
        _ => return Err(invalid("publicKey.algorithm")),
    };
    // A key with the other algorithm's numbers is neither (as FxA's first schema had it).
    if let Some((name, _)) = foreign.iter().find(|(_, present)| *present) {
        return Err(invalid(name));
    }
    let session = auth.token;
    let account = state.token_account(&session.core.uid).await?;
    if !account.email_verified {
        return Err(ApiError::UnverifiedAccount);
    }
    if session.unverified.as_ref().is_some_and(|u| u.must_verify) {
        return Err(ApiError::UnverifiedSession);
    }
    if let Some((name, _)) = required.iter().find(|(_, present)| !present) {
        return Err(missing(name));
    }
    let token_verified = session.unverified.is_none();
    let amr: &[&str] = if token_verified {
        &["pwd", "email"]
    } else {
        &["pwd"]
    };
    let domain = domain(&state.settings.public_url);
    let now = now_ms();
    let payload = json!({
        "public-key": key,
        "principal": { "email": format!("{}@{domain}", foxden_crypto::to_hex(account.uid)) },
        "iat": now - 10_000,
        "exp": now + body.duration.0,
        "iss": domain,
        "fxa-generation": account.verifier_set_at,
        "fxa-lastAuthAt": session.auth_at / 1000,
        "fxa-verifiedEmail": account.email,
        "fxa-tokenVerified": token_verified,
        "fxa-amr": amr,
        "fxa-aal": 1,
        "fxa-profileChangedAt": account.profile_changed_at,
        "fxa-keysChangedAt": account.keys_changed_at,
    });
    let cert = state.browserid.sign_certificate(&payload).map_err(|err| {
        tracing::error!(error = %err, "certificate signing failed");
        ApiError::Unexpected
    })?;
    Ok(Json(SignResponse { cert }))
}
