//! `/password/change/*`.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::auth::{PasswordChangeAuth, SessionAuth};
use crate::error::{ApiError, ApiResult, Source};
use crate::extract::{ApiJson, ApiQuery};
use crate::service::password_change::{self, Finish};
use crate::service::signin::Credentials;
use crate::service::signup::V2Credentials;
use crate::state::AppState;
use crate::validate::{ClientSalt, Email, Hex};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/password/change/start", post(start))
        .route("/password/change/finish", post(finish))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StartBody {
    email: Email,
    #[serde(rename = "oldAuthPW")]
    old_auth_pw: Hex<32>,
}

/// PyFxA 0.8 calls this without authentication, 0.9 with its session: both work.
async fn start(
    State(state): State<AppState>,
    session: Option<SessionAuth>,
    ApiJson(body): ApiJson<StartBody>,
) -> ApiResult<Json<Value>> {
    let creds = Credentials {
        email: body.email,
        auth_pw: body.old_auth_pw.0,
    };
    let started = password_change::start(&state, creds, session.map(|s| s.token.core.uid)).await?;
    let (field, token) = started.key_fetch;
    Ok(Json(json!({
        field: token,
        "passwordChangeToken": started.password_change_token,
        "verified": started.verified,
    })))
}

#[derive(Deserialize)]
struct KeysOnly {
    #[serde(default)]
    keys: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FinishBody {
    #[serde(rename = "authPW")]
    auth_pw: Hex<32>,
    wrap_kb: Hex<32>,
    #[serde(rename = "authPWVersion2")]
    auth_pw_v2: Option<Hex<32>>,
    wrap_kb_version2: Option<Hex<32>>,
    client_salt: Option<ClientSalt>,
    session_token: Option<Hex<32>>,
}

fn v2_group(body: &FinishBody) -> ApiResult<Option<V2Credentials>> {
    match (&body.auth_pw_v2, &body.wrap_kb_version2, &body.client_salt) {
        (None, None, None) => Ok(None),
        (Some(a), Some(w2), Some(salt)) => Ok(Some(V2Credentials {
            auth_pw: a.0,
            wrap_kb: body.wrap_kb.0,
            wrap_kb_v2: w2.0,
            client_salt: salt.0.clone(),
        })),
        (a, w2, _) => {
            let missing = if a.is_none() {
                "authPWVersion2"
            } else if w2.is_none() {
                "wrapKbVersion2"
            } else {
                "clientSalt"
            };
            Err(ApiError::MissingParameter {
                origin: Source::Payload,
                param: missing.into(),
            })
        }
    }
}

async fn finish(
    State(state): State<AppState>,
    auth: PasswordChangeAuth,
    ApiQuery(query): ApiQuery<KeysOnly>,
    ApiJson(body): ApiJson<FinishBody>,
) -> ApiResult<Json<Value>> {
    let v2 = v2_group(&body)?;
    let core = &auth.token.0;
    let req = Finish {
        auth_pw: body.auth_pw.0,
        wrap_kb: body.wrap_kb.0,
        v2,
        session_token_id: body.session_token.map(|t| t.0),
        keys: query.keys,
    };
    let done = password_change::finish(&state, core.id_hash, core.uid, req).await?;
    let Some(session) = done.session else {
        return Ok(Json(json!({})));
    };
    let mut out = Map::new();
    out.insert("uid".into(), json!(hex::encode(done.uid)));
    out.insert("sessionToken".into(), json!(session.session_token));
    out.insert("verified".into(), json!(true));
    out.insert("authAt".into(), json!(session.auth_at_secs));
    if let Some(token) = session.key_fetch_token {
        out.insert("keyFetchToken".into(), json!(token));
    }
    if let Some(token) = session.key_fetch_token2 {
        out.insert("keyFetchToken2".into(), json!(token));
    }
    Ok(Json(Value::Object(out)))
}
