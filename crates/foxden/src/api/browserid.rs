//! BrowserID (deprecated but still used by older Sync clients):
//! `/.well-known/browserid`, `/.well-known/public-keys` and `POST /certificate/sign`.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use foxden_db::SessionToken;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::auth::Authed;
use crate::clock::now_ms;
use crate::error::{ApiError, ApiResult, Source};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;
use crate::validate::Service;

const MAX_DURATION_MS: i64 = 24 * 60 * 60 * 1000;
const NONEXISTENT: &str = "/.well-known/browserid/nonexistent.html";

/// Routes at the server root (not under `/v1`).
pub fn root_routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/browserid", get(well_known_browserid))
        .route("/.well-known/public-keys", get(public_keys))
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/certificate/sign", post(sign))
}

async fn well_known_browserid(State(state): State<AppState>) -> impl IntoResponse {
    let keys = &state.browserid;
    let body = json!({
        "public-key": keys.current.browserid_public_key(),
        "authentication": NONEXISTENT,
        "provisioning": NONEXISTENT,
        "keys": keys.jwks(),
    });
    ([(header::CACHE_CONTROL, "public, max-age=10")], Json(body))
}

async fn public_keys(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "keys": state.browserid.jwks() }))
}

/// The key to certify; echoed verbatim (absent fields left out) as `public-key`.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PublicKey {
    algorithm: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    n: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    e: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    y: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    p: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    q: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    g: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SignBody {
    public_key: PublicKey,
    duration: i64,
}

#[derive(Deserialize)]
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
fn domain(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or("localhost");
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

async fn sign(
    State(state): State<AppState>,
    auth: Authed<SessionToken, true>,
    ApiQuery(_): ApiQuery<SignQuery>,
    ApiJson(body): ApiJson<SignBody>,
) -> ApiResult<Json<Value>> {
    let key = &body.public_key;
    let required: &[(&str, &Option<String>)] = match key.algorithm.as_str() {
        "RS" => &[("publicKey.n", &key.n), ("publicKey.e", &key.e)],
        "DS" => &[
            ("publicKey.y", &key.y),
            ("publicKey.p", &key.p),
            ("publicKey.q", &key.q),
            ("publicKey.g", &key.g),
        ],
        _ => return Err(invalid("publicKey.algorithm")),
    };
    if !(0..=MAX_DURATION_MS).contains(&body.duration) {
        return Err(invalid("duration"));
    }
    let session = auth.token;
    let account = state.token_account(&session.core.uid).await?;
    if !account.email_verified {
        return Err(ApiError::UnverifiedAccount);
    }
    if session.unverified.as_ref().is_some_and(|u| u.must_verify) {
        return Err(ApiError::UnverifiedSession);
    }
    if let Some((name, _)) = required.iter().find(|(_, value)| value.is_none()) {
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
        "principal": { "email": format!("{}@{domain}", hex::encode(account.uid)) },
        "iat": now - 10_000,
        "exp": now + body.duration,
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
    let cert = state.browserid.current.sign_jws(&payload).map_err(|err| {
        tracing::error!(error = %err, "certificate signing failed");
        ApiError::Unexpected
    })?;
    Ok(Json(json!({ "cert": cert })))
}
