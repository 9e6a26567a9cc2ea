//! `/recovery_email/*`: status, verify_code, resend_code.

use crate::openapi::api_routes;
use crate::openapi::ApiRouter;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Empty, ErrorResponse};
use crate::auth::SessionAuth;
use crate::customs::{self, Action, Subject};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, ClientIp};
use crate::mail::Locale;
use crate::service::link_code::{self, LinkCode};
use crate::service::outbox;
use crate::service::verification::{self, is_fully_verified, LinkParams};
use crate::state::AppState;
use crate::validate::{Bounded, Service};

pub fn routes() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(api_routes!(status))
        .routes(api_routes!(verify_code))
        .routes(api_routes!(resend_code))
}

/// `/recovery_email/status`'s answer (fields in the order serde_json's map wrote them).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = RecoveryEmailStatusResponse)]
pub(crate) struct StatusResponse {
    email: String,
    email_verified: bool,
    session_verified: bool,
    verified: bool,
}

/// `?reason=`: Mozilla's `push` reason only skips a metrics event; taken and ignored.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct StatusQuery {
    #[serde(rename = "reason")]
    _reason: Option<Bounded<16>>,
}

#[utoipa::path(get, path = "/recovery_email/status", tag = "Recovery email", params(StatusQuery),
    responses((status = 200, body = StatusResponse), (status = 401, response = ErrorResponse)))]
async fn status(
    State(state): State<AppState>,
    auth: SessionAuth,
    ApiQuery(_): ApiQuery<StatusQuery>,
) -> ApiResult<Json<StatusResponse>> {
    let account = state.token_account(&auth.token.core.uid).await?;
    Ok(Json(StatusResponse {
        verified: is_fully_verified(&account, &auth.token),
        session_verified: auth.token.unverified.is_none(),
        email_verified: account.email_verified,
        email: account.email,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = RecoveryEmailVerifyCodeBody)]
pub(crate) struct VerifyCodeBody {
    uid: crate::validate::Hex<16>,
    code: crate::validate::Hex<16>,
    service: Option<Service>,
    #[serde(rename = "reminder")]
    _reminder: Option<Bounded<16>>,
    #[serde(rename = "type")]
    kind: Option<Bounded<32>>,
    #[serde(rename = "marketingOptIn")]
    _marketing_opt_in: Option<bool>,
    #[serde(rename = "newsletters")]
    _newsletters: Option<Vec<String>>,
    #[serde(rename = "style")]
    _style: Option<Bounded<16>>,
}

#[utoipa::path(post, path = "/recovery_email/verify_code", tag = "Recovery email",
    request_body = VerifyCodeBody,
    responses((status = 200, body = Empty), (status = 400, response = ErrorResponse)))]
async fn verify_code(
    State(state): State<AppState>,
    ip: ClientIp,
    locale: Locale,
    ApiJson(body): ApiJson<VerifyCodeBody>,
) -> ApiResult<Json<Empty>> {
    if body.kind.as_ref().is_some_and(|k| k.0 == "secondary") {
        return Err(ApiError::FeatureNotEnabled);
    }
    let link = LinkCode {
        uid: &body.uid.0,
        code: &body.code.0,
        service: body.service.as_ref().map(|s| s.0.as_str()),
        locale,
    };
    let account = link_code::account(&state, &body.uid.0).await?;
    let subject = Subject::email(&ip, &account.email);
    customs::check(&state, Action::RecoveryEmailVerifyCode, subject).await?;
    link_code::confirm(&state, &account, link).await?;
    Ok(Json(Empty {}))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ResendQuery {
    service: Option<Service>,
    /// As the body's `type`: refused.
    #[serde(rename = "type")]
    kind: Option<Bounded<32>>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = RecoveryEmailResendBody)]
pub(crate) struct ResendBody {
    email: Option<crate::validate::Email>,
    service: Option<Service>,
    redirect_to: Option<Bounded<2048>>,
    resume: Option<Bounded<2048>>,
    /// The mail's style (Mozilla: `trailhead`); foxden has one.
    #[serde(rename = "style")]
    _style: Option<Bounded<16>>,
    /// `upgradeSession` asks for a different mail, which foxden does not
    /// build: any value is refused.
    #[serde(rename = "type")]
    kind: Option<Bounded<32>>,
}

/// Sends the same code again: the account's emailCode while the email is
/// unverified, else the session's sign-in code while the session is unconfirmed.
#[utoipa::path(post, path = "/recovery_email/resend_code", tag = "Recovery email",
    params(ResendQuery), request_body = ResendBody,
    responses((status = 200, body = Empty), (status = 400, response = ErrorResponse),
        (status = 503, response = ErrorResponse)))]
async fn resend_code(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: SessionAuth,
    locale: Locale,
    ApiQuery(query): ApiQuery<ResendQuery>,
    ApiJson(body): ApiJson<ResendBody>,
) -> ApiResult<Json<Empty>> {
    if body.kind.is_some() || query.kind.is_some() {
        return Err(ApiError::FeatureNotEnabled);
    }
    let account = state.token_account(&auth.token.core.uid).await?;
    let subject = Subject::account(&ip, &account);
    customs::check(&state, Action::RecoveryEmailResendCode, subject).await?;
    if let Some(email) = &body.email {
        if email.normalized() != account.normalized_email {
            return Err(ApiError::CannotResendToUnownedEmail);
        }
    }
    let links = LinkParams {
        service: body
            .service
            .or(query.service)
            .map(|s| s.0)
            .unwrap_or_default(),
        redirect_to: body.redirect_to.map(|r| r.0).unwrap_or_default(),
        resume: body.resume.map(|r| r.0).unwrap_or_default(),
        locale,
    };
    let mail = if !account.email_verified {
        Some(verification::account_verification_mail(
            &state, &account, &links,
        ))
    } else {
        auth.token.unverified.as_ref().map(|unverified| {
            let id = &unverified.token_verification_id;
            verification::login_verification_mail(&state, &account, id, &links)
        })
    };
    if let Some(mail) = mail {
        outbox::send(&state, &mail).await?;
    }
    Ok(Json(Empty {}))
}
