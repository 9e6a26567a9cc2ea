//! `/password/change/*` and `/account/reset` (`/password/forgot/*` is in
//! [`super::password_forgot`]).

use crate::openapi::api_routes;
use crate::openapi::ApiRouter;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::ErrorResponse;
use crate::auth::{AccountResetAuth, PasswordChangeAuth};
use crate::customs::{Action, PasswordGate, UnblockCodes};
use crate::error::{ApiError, ApiResult, Source};
use crate::extract::{ApiJson, ApiQuery, ClientIp};
use crate::mail::Locale;
use crate::service::new_password::IssuedSession;
use crate::service::password::PasswordVersion;
use crate::service::password_change::{self, Finish};
use crate::service::password_forgot::{self, ResetRequest};
use crate::service::security;
use crate::service::signin::Credentials;
use crate::service::signup::V2Credentials;
use crate::service::verification::LinkParams;
use crate::state::AppState;
use crate::user_agent::UserAgent;
use crate::validate::{ClientSalt, Email, Hex};

pub fn routes() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(api_routes!(start))
        .routes(api_routes!(finish))
        .routes(api_routes!(account_reset))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct StartBody {
    email: Email,
    #[serde(rename = "oldAuthPW")]
    old_auth_pw: Hex<32>,
}

/// `/password/change/start`'s answer: `keyFetchToken` when the V1 password
/// matched, `keyFetchToken2` for V2.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StartResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    key_fetch_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_fetch_token2: Option<String>,
    password_change_token: String,
    verified: bool,
}

/// Authenticated by the old password alone: as FxA's, the route ignores any
/// `Authorization` header (PyFxA 0.9 sends its session, 0.8 none).
#[utoipa::path(post, path = "/password/change/start", tag = "Password", request_body = StartBody,
    responses((status = 200, body = StartResponse), (status = 400, response = ErrorResponse)))]
async fn start(
    State(state): State<AppState>,
    ip: ClientIp,
    ApiJson(body): ApiJson<StartBody>,
) -> ApiResult<Json<StartResponse>> {
    let creds = Credentials {
        email: body.email,
        auth_pw: body.old_auth_pw.0,
    };
    let gate = PasswordGate::enter(
        &state,
        Action::PasswordChange,
        &ip,
        creds.email.as_str(),
        UnblockCodes::NotTaken,
    )
    .await?;
    let started = password_change::start(&state, creds, &gate).await?;
    let (version, token) = started.key_fetch;
    let (key_fetch_token, key_fetch_token2) = match version {
        PasswordVersion::V1 => (Some(token), None),
        PasswordVersion::V2 => (None, Some(token)),
    };
    Ok(Json(StartResponse {
        key_fetch_token,
        key_fetch_token2,
        password_change_token: started.password_change_token,
        verified: started.verified,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct KeysOnly {
    #[serde(default)]
    keys: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct FinishBody {
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

#[utoipa::path(post, path = "/password/change/finish", tag = "Password",
    params(KeysOnly), request_body = FinishBody,
    responses((status = 200, body = NewSessionResponse), (status = 400, response = ErrorResponse)))]
async fn finish(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: PasswordChangeAuth,
    locale: Locale,
    ApiQuery(query): ApiQuery<KeysOnly>,
    ApiJson(body): ApiJson<FinishBody>,
) -> ApiResult<Json<NewSessionResponse>> {
    let v2 = v2_group(&body)?;
    let core = &auth.token.0;
    let req = Finish {
        auth_pw: body.auth_pw.0,
        wrap_kb: body.wrap_kb.0,
        v2,
        session_token_id: body.session_token.map(|t| t.0),
        keys: query.keys,
        links: LinkParams {
            locale,
            ..LinkParams::default()
        },
    };
    let done = password_change::finish(&state, core.id_hash, core.uid, req).await?;
    let event = security::Event {
        name: security::PASSWORD_CHANGED,
        uid: done.uid,
        ip: &ip,
        token_id_hash: None,
        verified: false,
    };
    security::record(&state, event).await;
    Ok(Json(NewSessionResponse::new(done.uid, done.session)))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ResetBody {
    #[serde(rename = "authPW")]
    auth_pw: Hex<32>,
    wrap_kb: Option<Hex<32>>,
    #[serde(rename = "authPWVersion2")]
    auth_pw_v2: Option<Hex<32>>,
    wrap_kb_version2: Option<Hex<32>>,
    client_salt: Option<ClientSalt>,
    #[serde(default)]
    session_token: bool,
    /// A reset that keeps kB by the account recovery key this names; foxden
    /// has no recovery keys, so it is refused (503 errno 202) rather than
    /// dropped, which would turn the reset into one that loses kB.
    recovery_key_id: Option<Hex<16>>,
    /// The token names the account; some clients send their sign-up body here,
    /// so `email` is taken and ignored.
    #[serde(rename = "email")]
    _email: Option<Email>,
    #[serde(rename = "metricsContext")]
    #[schema(value_type = Option<Object>)]
    _metrics_context: Option<Value>,
}

/// The V2 group is all or nothing and needs `wrapKb` (both wraps are of the client's kB).
fn reset_v2_group(body: &ResetBody) -> ApiResult<Option<V2Credentials>> {
    let missing = |param: &str| ApiError::MissingParameter {
        origin: Source::Payload,
        param: param.into(),
    };
    match (&body.auth_pw_v2, &body.wrap_kb_version2, &body.client_salt) {
        (None, None, None) => Ok(None),
        (Some(a), Some(w2), Some(salt)) => {
            let wrap_kb = body.wrap_kb.ok_or_else(|| missing("wrapKb"))?;
            Ok(Some(V2Credentials {
                auth_pw: a.0,
                wrap_kb: wrap_kb.0,
                wrap_kb_v2: w2.0,
                client_salt: salt.0.clone(),
            }))
        }
        (None, _, _) => Err(missing("authPWVersion2")),
        (_, None, _) => Err(missing("wrapKbVersion2")),
        (_, _, None) => Err(missing("clientSalt")),
    }
}

#[utoipa::path(post, path = "/account/reset", tag = "Account",
    params(KeysOnly), request_body = ResetBody,
    responses((status = 200, body = NewSessionResponse), (status = 400, response = ErrorResponse),
        (status = 503, response = ErrorResponse)))]
async fn account_reset(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: AccountResetAuth,
    locale: Locale,
    UserAgent(user_agent): UserAgent,
    ApiQuery(query): ApiQuery<KeysOnly>,
    ApiJson(body): ApiJson<ResetBody>,
) -> ApiResult<Json<NewSessionResponse>> {
    if body.recovery_key_id.is_some() {
        return Err(ApiError::FeatureNotEnabled);
    }
    let v2 = reset_v2_group(&body)?;
    let core = &auth.token.0;
    let req = ResetRequest {
        auth_pw: body.auth_pw.0,
        wrap_kb: body.wrap_kb.map(|w| w.0),
        v2,
        session: body.session_token,
        keys: query.keys,
        links: LinkParams {
            locale,
            ..LinkParams::default()
        },
        user_agent,
    };
    let done = password_forgot::reset_account(&state, core.id_hash, core.uid, req).await?;
    // The reset proved control of the mailbox.
    let event = security::Event {
        name: security::PASSWORD_RESET_SUCCESS,
        uid: done.uid,
        ip: &ip,
        token_id_hash: None,
        verified: true,
    };
    security::record(&state, event).await;
    Ok(Json(NewSessionResponse::new(done.uid, done.session)))
}

/// `{}` without a new session; otherwise `{uid, sessionToken, verified,
/// authAt, keyFetchToken?, keyFetchToken2?}` (fields in the order serde_json's
/// map wrote them).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NewSessionResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_fetch_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_fetch_token2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verified: Option<bool>,
}

impl NewSessionResponse {
    fn new(uid: [u8; 16], session: Option<IssuedSession>) -> Self {
        match session {
            None => NewSessionResponse {
                auth_at: None,
                key_fetch_token: None,
                key_fetch_token2: None,
                session_token: None,
                uid: None,
                verified: None,
            },
            Some(session) => NewSessionResponse {
                auth_at: Some(session.auth_at_secs),
                key_fetch_token: session.key_fetch_token,
                key_fetch_token2: session.key_fetch_token2,
                session_token: Some(session.session_token),
                uid: Some(foxden_crypto::to_hex(uid)),
                verified: Some(session.verified),
            },
        }
    }
}
