//! `/password/change/*`, `/password/forgot/*` and `/account/reset`.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::MailRequest;
use crate::auth::{AccountResetAuth, Authed, PasswordChangeAuth, PasswordForgotAuth};
use crate::customs::{self, Action, Subject};
use crate::error::{ApiError, ApiResult, Source};
use crate::extract::{ApiJson, ApiQuery, ClientIp};
use crate::mail::Locale;
use crate::service::forgot_otp;
use crate::service::new_password::IssuedSession;
use crate::service::password_change::{self, Finish};
use crate::service::password_forgot::{self, forgot_ttl_secs, ResetRequest, CODE_LENGTH};
use crate::service::security;
use crate::service::signin::Credentials;
use crate::service::signup::V2Credentials;
use crate::service::verification::LinkParams;
use crate::state::AppState;
use crate::validate::{ClientSalt, Digits, Email, Hex, Service};
use foxden_db::PasswordForgotToken;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/password/change/start", post(start))
        .route("/password/change/finish", post(finish))
        .route("/password/forgot/send_code", post(forgot_send_code))
        .route("/password/forgot/resend_code", post(forgot_resend_code))
        .route("/password/forgot/verify_code", post(forgot_verify_code))
        .route("/password/forgot/status", get(forgot_status))
        .route("/password/forgot/send_otp", post(forgot_send_otp))
        .route("/password/forgot/verify_otp", post(forgot_verify_otp))
        .route("/account/reset", post(account_reset))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StartBody {
    email: Email,
    #[serde(rename = "oldAuthPW")]
    old_auth_pw: Hex<32>,
}

/// Authenticated by the old password alone: as FxA's, the route ignores any
/// `Authorization` header (PyFxA 0.9 sends its session, 0.8 none).
async fn start(
    State(state): State<AppState>,
    ip: ClientIp,
    ApiJson(body): ApiJson<StartBody>,
) -> ApiResult<Json<Value>> {
    let creds = Credentials {
        email: body.email,
        auth_pw: body.old_auth_pw.0,
    };
    let started = password_change::start(&state, creds, &ip).await?;
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

async fn finish(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: PasswordChangeAuth,
    locale: Locale,
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
    Ok(new_session_response(done.uid, done.session))
}

async fn forgot_send_code(
    State(state): State<AppState>,
    ip: ClientIp,
    locale: Locale,
    ApiJson(body): ApiJson<MailRequest>,
) -> ApiResult<Json<Value>> {
    let links = body.links(locale);
    let subject = Subject::email(&ip, body.email.as_str());
    customs::check(&state, Action::PasswordForgotSendCode, subject).await?;
    let issued = password_forgot::send_code(&state, &body.email, &links).await?;
    let event = security::Event {
        name: security::PASSWORD_RESET_REQUESTED,
        uid: issued.uid,
        ip: &ip,
        token_id_hash: None,
        verified: false,
    };
    security::record(&state, event).await;
    Ok(Json(json!({
        "passwordForgotToken": issued.password_forgot_token,
        "ttl": issued.ttl,
        "codeLength": CODE_LENGTH,
        "tries": issued.tries,
    })))
}

async fn forgot_resend_code(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: PasswordForgotAuth,
    locale: Locale,
    ApiJson(body): ApiJson<MailRequest>,
) -> ApiResult<Json<Value>> {
    let subject = Subject::email(&ip, body.email.as_str());
    customs::check(&state, Action::PasswordForgotResendCode, subject).await?;
    let token = &auth.token;
    let links = body.links(locale);
    let ttl = password_forgot::resend_code(&state, token, &links).await?;
    // FxA also echoes the token itself; foxden keeps only a hash of its id, so it
    // leaves the field out rather than send something else under that name
    // (clients keep the token they have; PyFxA reads only ttl, codeLength, tries).
    Ok(Json(json!({
        "ttl": ttl,
        "codeLength": CODE_LENGTH,
        "tries": token.tries,
    })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VerifyCodeBody {
    code: Hex<16>,
    #[serde(rename = "accountResetWithRecoveryKey")]
    _account_reset_with_recovery_key: Option<bool>,
    #[serde(rename = "metricsContext")]
    _metrics_context: Option<Value>,
}

async fn forgot_verify_code(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: PasswordForgotAuth,
    ApiJson(body): ApiJson<VerifyCodeBody>,
) -> ApiResult<Json<Value>> {
    let account = state.token_account(&auth.token.core.uid).await?;
    let subject = Subject::account(&ip, &account);
    customs::check(&state, Action::PasswordForgotVerifyCode, subject).await?;
    let reset = password_forgot::verify_code(&state, &auth.token, &body.code.0).await?;
    Ok(Json(json!({ "accountResetToken": reset })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SendOtpBody {
    email: Email,
    #[serde(rename = "service")]
    _service: Option<Service>,
    #[serde(rename = "metricsContext")]
    _metrics_context: Option<Value>,
}

async fn forgot_send_otp(
    State(state): State<AppState>,
    ip: ClientIp,
    locale: Locale,
    ApiJson(body): ApiJson<SendOtpBody>,
) -> ApiResult<Json<Value>> {
    forgot_otp::send_otp(&state, &body.email, &ip, locale).await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VerifyOtpBody {
    email: Email,
    code: Digits<{ forgot_otp::OTP_LENGTH }>,
    #[serde(rename = "metricsContext")]
    _metrics_context: Option<Value>,
}

async fn forgot_verify_otp(
    State(state): State<AppState>,
    ip: ClientIp,
    ApiJson(body): ApiJson<VerifyOtpBody>,
) -> ApiResult<Json<Value>> {
    let done = forgot_otp::verify_otp(&state, &body.email, &body.code.0, &ip).await?;
    Ok(Json(json!({
        "code": done.pass_code,
        "emailToHashWith": done.email_to_hash_with,
        "token": done.token,
        "uid": hex::encode(done.uid),
    })))
}

/// A GET: Hawk requests carry no payload hash here.
async fn forgot_status(auth: Authed<PasswordForgotToken>) -> Json<Value> {
    let ttl = forgot_ttl_secs(&auth.token, crate::clock::now_ms());
    Json(json!({ "tries": auth.token.tries, "ttl": ttl }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
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
    #[serde(rename = "metricsContext")]
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

async fn account_reset(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: AccountResetAuth,
    locale: Locale,
    ApiQuery(query): ApiQuery<KeysOnly>,
    ApiJson(body): ApiJson<ResetBody>,
) -> ApiResult<Json<Value>> {
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
    Ok(new_session_response(done.uid, done.session))
}

/// `{}` without a new session; otherwise `{uid, sessionToken, verified, authAt, keyFetchToken?, keyFetchToken2?}`.
fn new_session_response(uid: [u8; 16], session: Option<IssuedSession>) -> Json<Value> {
    let Some(session) = session else {
        return Json(json!({}));
    };
    let mut out = Map::new();
    out.insert("uid".into(), json!(hex::encode(uid)));
    out.insert("sessionToken".into(), json!(session.session_token));
    out.insert("verified".into(), json!(session.verified));
    out.insert("authAt".into(), json!(session.auth_at_secs));
    if let Some(token) = session.key_fetch_token {
        out.insert("keyFetchToken".into(), json!(token));
    }
    if let Some(token) = session.key_fetch_token2 {
        out.insert("keyFetchToken2".into(), json!(token));
    }
    Json(Value::Object(out))
}
