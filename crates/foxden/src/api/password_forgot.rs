//! `/password/forgot/*`: the mailed reset code (`send_code`, `resend_code`,
//! `verify_code`, `status`) and the 8-digit OTP (`send_otp`, `verify_otp`).

use crate::openapi::api_routes;
use crate::openapi::ApiRouter;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::{Empty, ErrorResponse, MailRequest};
use crate::auth::{Authed, PasswordForgotAuth};
use crate::customs::{self, Action, Subject};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, ClientIp};
use crate::mail::Locale;
use crate::service::forgot_otp;
use crate::service::password_forgot::{self, forgot_ttl_secs, CODE_LENGTH};
use crate::service::security;
use crate::state::AppState;
use crate::validate::{Digits, Email, Hex, Service};
use foxden_db::PasswordForgotToken;

pub fn routes() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(api_routes!(send_code))
        .routes(api_routes!(resend_code))
        .routes(api_routes!(verify_code))
        .routes(api_routes!(status))
        .routes(api_routes!(send_otp))
        .routes(api_routes!(verify_otp))
}

/// `?service=&keys=`: `service` stands in for the body's (Mozilla's
/// `payload.service || query.service`); `keys` is taken and, as at Mozilla,
/// changes nothing (no key-fetch token comes from a reset request).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ServiceQuery {
    service: Option<Service>,
    #[serde(default, rename = "keys")]
    _keys: bool,
}

/// `?service=` of `resend_code`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ResendQuery {
    service: Option<Service>,
}

/// `send_code`'s answer.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SendCodeResponse {
    code_length: usize,
    password_forgot_token: String,
    tries: i32,
    ttl: i64,
}

#[utoipa::path(post, path = "/password/forgot/send_code", tag = "Password",
    params(ServiceQuery), request_body = MailRequest,
    responses((status = 200, body = SendCodeResponse), (status = 400, response = ErrorResponse)))]
async fn send_code(
    State(state): State<AppState>,
    ip: ClientIp,
    locale: Locale,
    ApiQuery(query): ApiQuery<ServiceQuery>,
    ApiJson(body): ApiJson<MailRequest>,
) -> ApiResult<Json<SendCodeResponse>> {
    let subject = Subject::email(&ip, body.email.as_str());
    customs::check(&state, Action::PasswordForgotSendCode, subject).await?;
    let links = body.links(query.service, locale);
    let issued = password_forgot::send_code(&state, &body.email, &links).await?;
    let event = security::Event {
        name: security::PASSWORD_RESET_REQUESTED,
        uid: issued.uid,
        ip: &ip,
        token_id_hash: None,
        verified: false,
    };
    security::record(&state, event).await;
    Ok(Json(SendCodeResponse {
        code_length: CODE_LENGTH,
        password_forgot_token: issued.password_forgot_token,
        tries: issued.tries,
        ttl: issued.ttl,
    }))
}

/// `resend_code`'s answer. FxA also echoes the token itself; foxden keeps only
/// a hash of its id, so it leaves the field out rather than send something else
/// under that name (clients keep the token they have; PyFxA reads only ttl,
/// codeLength, tries).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResendCodeResponse {
    code_length: usize,
    tries: i32,
    ttl: i64,
}

#[utoipa::path(post, path = "/password/forgot/resend_code", tag = "Password",
    params(ResendQuery), request_body = MailRequest,
    responses((status = 200, body = ResendCodeResponse), (status = 400, response = ErrorResponse)))]
async fn resend_code(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: PasswordForgotAuth,
    locale: Locale,
    ApiQuery(query): ApiQuery<ResendQuery>,
    ApiJson(body): ApiJson<MailRequest>,
) -> ApiResult<Json<ResendCodeResponse>> {
    let subject = Subject::email(&ip, body.email.as_str());
    customs::check(&state, Action::PasswordForgotResendCode, subject).await?;
    let token = &auth.token;
    let links = body.links(query.service, locale);
    let ttl = password_forgot::resend_code(&state, token, &links).await?;
    Ok(Json(ResendCodeResponse {
        code_length: CODE_LENGTH,
        tries: token.tries,
        ttl,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = PasswordForgotVerifyCodeBody)]
pub(crate) struct VerifyCodeBody {
    code: Hex<16>,
    /// Mozilla only counts it in metrics; taken and ignored.
    #[serde(rename = "accountResetWithRecoveryKey")]
    _account_reset_with_recovery_key: Option<bool>,
    /// Asks whether to prompt for a recovery key, which foxden does not build:
    /// `true` is refused.
    #[serde(default)]
    include_recovery_key_prompt: bool,
    #[serde(rename = "metricsContext")]
    #[schema(value_type = Option<Object>)]
    _metrics_context: Option<Value>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PasswordForgotVerifyCodeResponse)]
pub(crate) struct VerifyCodeResponse {
    account_reset_token: String,
}

#[utoipa::path(post, path = "/password/forgot/verify_code", tag = "Password",
    request_body = VerifyCodeBody,
    responses((status = 200, body = VerifyCodeResponse), (status = 400, response = ErrorResponse),
        (status = 503, response = ErrorResponse)))]
async fn verify_code(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: PasswordForgotAuth,
    ApiJson(body): ApiJson<VerifyCodeBody>,
) -> ApiResult<Json<VerifyCodeResponse>> {
    if body.include_recovery_key_prompt {
        return Err(ApiError::FeatureNotEnabled);
    }
    let account = state.token_account(&auth.token.core.uid).await?;
    let subject = Subject::account(&ip, &account);
    customs::check(&state, Action::PasswordForgotVerifyCode, subject).await?;
    let reset = password_forgot::verify_code(&state, &auth.token, &body.code.0).await?;
    Ok(Json(VerifyCodeResponse {
        account_reset_token: reset,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct SendOtpBody {
    email: Email,
    #[serde(rename = "service")]
    _service: Option<Service>,
    #[serde(rename = "metricsContext")]
    #[schema(value_type = Option<Object>)]
    _metrics_context: Option<Value>,
}

#[utoipa::path(post, path = "/password/forgot/send_otp", tag = "Password",
    params(ServiceQuery), request_body = SendOtpBody,
    responses((status = 200, body = Empty), (status = 400, response = ErrorResponse)))]
async fn send_otp(
    State(state): State<AppState>,
    ip: ClientIp,
    locale: Locale,
    ApiQuery(_): ApiQuery<ServiceQuery>,
    ApiJson(body): ApiJson<SendOtpBody>,
) -> ApiResult<Json<Empty>> {
    let subject = Subject::email(&ip, body.email.as_str());
    customs::check(&state, Action::PasswordForgotSendOtp, subject).await?;
    forgot_otp::send_otp(&state, &body.email, &ip, locale).await?;
    Ok(Json(Empty {}))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct VerifyOtpBody {
    email: Email,
    code: Digits<{ forgot_otp::OTP_LENGTH }>,
    #[serde(rename = "metricsContext")]
    #[schema(value_type = Option<Object>)]
    _metrics_context: Option<Value>,
}

/// `verify_otp`'s answer: a passwordForgotToken and its passCode.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VerifyOtpResponse {
    code: String,
    email_to_hash_with: String,
    token: String,
    uid: String,
}

#[utoipa::path(post, path = "/password/forgot/verify_otp", tag = "Password",
    request_body = VerifyOtpBody,
    responses((status = 200, body = VerifyOtpResponse), (status = 400, response = ErrorResponse)))]
async fn verify_otp(
    State(state): State<AppState>,
    ip: ClientIp,
    ApiJson(body): ApiJson<VerifyOtpBody>,
) -> ApiResult<Json<VerifyOtpResponse>> {
    let subject = Subject::email(&ip, body.email.as_str());
    customs::check(&state, Action::PasswordForgotVerifyOtp, subject).await?;
    let done = forgot_otp::verify_otp(&state, &body.email, &body.code.0, &ip).await?;
    Ok(Json(VerifyOtpResponse {
        code: done.pass_code,
        email_to_hash_with: done.email_to_hash_with,
        token: done.token,
        uid: foxden_crypto::to_hex(done.uid),
    }))
}

#[derive(Serialize, ToSchema)]
#[schema(as = PasswordForgotStatusResponse)]
pub(crate) struct StatusResponse {
    tries: i32,
    ttl: i64,
}

/// A GET: Hawk requests carry no payload hash here.
#[utoipa::path(get, path = "/password/forgot/status", tag = "Password",
    responses((status = 200, body = StatusResponse), (status = 401, response = ErrorResponse)))]
async fn status(auth: Authed<PasswordForgotToken>) -> Json<StatusResponse> {
    let ttl = forgot_ttl_secs(&auth.token, crate::clock::now_ms());
    Json(StatusResponse {
        tries: auth.token.tries,
        ttl,
    })
}
