//! `/recovery_email/*`: status, verify_code, resend_code.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

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

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/recovery_email/status", get(status))
        .route("/recovery_email/verify_code", post(verify_code))
        .route("/recovery_email/resend_code", post(resend_code))
}

async fn status(State(state): State<AppState>, auth: SessionAuth) -> ApiResult<Json<Value>> {
    let account = state.token_account(&auth.token.core.uid).await?;
    Ok(Json(json!({
        "email": account.email,
        "verified": is_fully_verified(&account, &auth.token),
        "sessionVerified": auth.token.unverified.is_none(),
        "emailVerified": account.email_verified,
    })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
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

async fn verify_code(
    State(state): State<AppState>,
    ip: ClientIp,
    locale: Locale,
    ApiJson(body): ApiJson<VerifyCodeBody>,
) -> ApiResult<Json<Value>> {
    if body.kind.as_ref().is_some_and(|k| k.0 == "secondary") {
        return Err(ApiError::FeatureNotEnabled);
    }
    let link = LinkCode {
        uid: &body.uid.0,
        code: &body.code.0,
        service: body.service.as_ref().map(|s| s.0.as_str()),
        locale,
    };
    link_code::confirm(&state, &ip, link).await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
struct ResendQuery {
    service: Option<Service>,
    #[serde(rename = "type")]
    _kind: Option<Bounded<32>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResendBody {
    email: Option<crate::validate::Email>,
    service: Option<Service>,
    redirect_to: Option<Bounded<2048>>,
    resume: Option<Bounded<2048>>,
}

/// Sends the same code again: the account's emailCode while the email is
/// unverified, else the session's sign-in code while the session is unconfirmed.
async fn resend_code(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: SessionAuth,
    locale: Locale,
    ApiQuery(query): ApiQuery<ResendQuery>,
    ApiJson(body): ApiJson<ResendBody>,
) -> ApiResult<Json<Value>> {
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
        Some(verification::account_verification_mail(&state, &account, &links))
    } else {
        auth.token.unverified.as_ref().map(|unverified| {
            let id = &unverified.token_verification_id;
            verification::login_verification_mail(&state, &account, id, &links)
        })
    };
    if let Some(mail) = mail {
        outbox::send(&state, &mail).await?;
    }
    Ok(Json(json!({})))
}
