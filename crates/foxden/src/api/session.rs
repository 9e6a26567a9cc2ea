//! `/session/*`: status, duplicate, reauth, destroy, and the 6-digit code
//! confirmation (`verify_code`, `resend_code`).

use crate::openapi::api_routes;
use crate::openapi::ApiRouter;
use axum::extract::State;
use axum::Json;
use foxden_crypto::token::TokenKind;
use foxden_db::ops::*;
use foxden_db::{SessionToken, Unverified, VerificationMethod};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::account::{KeysQuery, LoginBody, SignedInResponse};
use super::{Empty, ErrorResponse};
use crate::auth::SessionAuth;
use crate::clock::now_ms;
use crate::customs::{self, Action, PasswordGate, Subject, UnblockCodes};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery, ClientIp};
use crate::mail::Locale;
use crate::service::outbox;
use crate::service::security;
use crate::service::short_code;
use crate::service::signin::{self, Credentials};
use crate::service::tokens::Minted;
use crate::service::verification::{self, session_verification};
use crate::state::AppState;
use crate::validate::{Bounded, DigitString, Hex, Service};

pub fn routes() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(api_routes!(status))
        .routes(api_routes!(duplicate))
        .routes(api_routes!(reauth))
        .routes(api_routes!(destroy))
        .routes(api_routes!(verify_code))
        .routes(api_routes!(resend_code))
}

#[derive(Serialize, ToSchema)]
#[schema(as = SessionStatusResponse)]
pub(crate) struct StatusResponse {
    /// `verified` or `unverified`.
    #[schema(value_type = String)]
    state: &'static str,
    uid: String,
}

#[utoipa::path(get, path = "/session/status", tag = "Session",
    responses((status = 200, body = StatusResponse), (status = 401, response = ErrorResponse)))]
async fn status(auth: SessionAuth) -> Json<StatusResponse> {
    let state = if auth.token.unverified.is_none() {
        "verified"
    } else {
        "unverified"
    };
    Json(StatusResponse {
        state,
        uid: foxden_crypto::to_hex(auth.token.core.uid),
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DuplicateBody {
    #[serde(rename = "reason")]
    _reason: Option<Bounded<16>>,
}

/// `/session/duplicate`'s answer (fields in the order serde_json's map wrote them).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DuplicateResponse {
    auth_at: i64,
    session_token: String,
    uid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    verification_method: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    verification_reason: Option<&'static str>,
    verified: bool,
}

/// A new session with the same state (createdAt and authAt included) but its own
/// verification code.
#[utoipa::path(post, path = "/session/duplicate", tag = "Session", request_body = DuplicateBody,
    responses((status = 200, body = DuplicateResponse), (status = 401, response = ErrorResponse)))]
async fn duplicate(
    State(state): State<AppState>,
    auth: SessionAuth,
    ApiJson(_): ApiJson<DuplicateBody>,
) -> ApiResult<Json<DuplicateResponse>> {
    let original = auth.token;
    let account = state.token_account(&original.core.uid).await?;
    let minted = Minted::new(TokenKind::Session);
    let copy = SessionToken {
        core: minted.core(&state, original.core.uid, original.core.created_at),
        unverified: original.unverified.as_ref().map(|u| Unverified {
            token_verification_id: state.codes.fresh(),
            must_verify: u.must_verify,
        }),
        last_access_time: now_ms(),
        ..original.clone()
    };
    state.db.insert_session(&copy).await?;
    let verification = session_verification(&account, &copy);
    Ok(Json(DuplicateResponse {
        auth_at: copy.auth_at / 1000,
        session_token: minted.hex(),
        uid: foxden_crypto::to_hex(copy.core.uid),
        verification_method: verification.verification_method,
        verification_reason: verification.verification_reason,
        verified: verification.verified,
    }))
}

#[utoipa::path(post, path = "/session/reauth", tag = "Session",
    params(KeysQuery), request_body = LoginBody,
    responses((status = 200, body = SignedInResponse), (status = 400, response = ErrorResponse)))]
async fn reauth(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: SessionAuth,
    locale: Locale,
    ApiQuery(query): ApiQuery<KeysQuery>,
    ApiJson(body): ApiJson<LoginBody>,
) -> ApiResult<Json<SignedInResponse>> {
    let mut parts = body.into_parts(&query);
    parts.links.locale = locale;
    // Unblock codes are taken by `/account/login` only.
    if parts.wants_unbuilt_feature || parts.unblock_code.is_some() {
        return Err(ApiError::FeatureNotEnabled);
    }
    let creds = Credentials {
        email: parts.email,
        auth_pw: parts.auth_pw,
    };
    let gate = PasswordGate::enter(
        &state,
        Action::AccountLogin,
        &ip,
        creds.email.as_str(),
        UnblockCodes::NotTaken,
    )
    .await?;
    let done = signin::reauth(
        &state,
        &auth.token,
        creds,
        query.keys,
        &parts.links,
        parts.delivery,
        &gate,
    )
    .await?;
    Ok(Json(SignedInResponse::new(
        done.uid,
        None,
        done.key_fetch,
        done.auth_at_secs,
        done.verification,
    )))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = SessionDestroyBody)]
pub(crate) struct DestroyBody {
    custom_session_token: Option<Hex<32>>,
}

#[utoipa::path(post, path = "/session/destroy", tag = "Session", request_body = DestroyBody,
    responses((status = 200, body = Empty), (status = 401, response = ErrorResponse)))]
async fn destroy(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: SessionAuth,
    ApiJson(body): ApiJson<DestroyBody>,
) -> ApiResult<Json<Empty>> {
    let target = match body.custom_session_token {
        None => auth.token.core.id_hash,
        Some(id) => {
            let id_hash = foxden_crypto::sha256(&id.0);
            match state.db.session(&id_hash).await? {
                Some(other) if other.core.uid == auth.token.core.uid => id_hash,
                _ => return Err(ApiError::InvalidToken),
            }
        }
    };
    state.db.delete_session(&target).await?;
    let event = security::Event {
        name: security::SESSION_DESTROY,
        uid: auth.token.core.uid,
        ip: &ip,
        token_id_hash: None,
        verified: false,
    };
    security::record(&state, event).await;
    Ok(Json(Empty {}))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = SessionVerifyCodeBody)]
pub(crate) struct VerifyCodeBody {
    #[schema(value_type = String)]
    code: DigitString<32>,
    /// `sync` (or the oldsync scope in `scopes`): a newly verified account gets the
    /// postVerify welcome.
    service: Option<Service>,
    scopes: Option<Vec<String>>,
    #[serde(rename = "style")]
    _style: Option<Bounded<16>>,
    #[serde(rename = "marketingOptIn")]
    _marketing_opt_in: Option<bool>,
    #[serde(rename = "newsletters")]
    _newsletters: Option<Vec<String>>,
    #[serde(rename = "metricsContext")]
    #[schema(value_type = Option<Object>)]
    _metrics_context: Option<Value>,
}

/// Confirms the session (and the account's email, if needed) with the 6-digit
/// code mailed by `verifyShortCode` / `verifyLoginCode`. The devices get the
/// empty push of what changed (`accountVerify` for the email, else
/// `accountConfirm`), and a newly verified Sync account its welcome mail.
#[utoipa::path(post, path = "/session/verify_code", tag = "Session", request_body = VerifyCodeBody,
    responses((status = 200, body = Empty), (status = 400, response = ErrorResponse)))]
async fn verify_code(
    State(state): State<AppState>,
    ip: ClientIp,
    locale: Locale,
    auth: SessionAuth,
    ApiJson(body): ApiJson<VerifyCodeBody>,
) -> ApiResult<Json<Empty>> {
    let code = body.code.0;
    let uid = auth.token.core.uid;
    let account = state.token_account(&uid).await?;
    customs::check(
        &state,
        Action::VerifySessionCode,
        Subject::account(&ip, &account),
    )
    .await?;
    if !short_code::verify(&state.codes.open(&account.email_code), &code) {
        return Err(ApiError::InvalidOrExpiredOtpCode);
    }
    // What the 6-digit code stands for: this session's confirmation (its
    // tokenVerificationId confirms it and the keyFetchTokens sharing its id and,
    // as any matching code does, an unverified email), and the email itself
    // should that not have verified it (a session confirmed meanwhile).
    let mut newly_verified = false;
    let session_code = auth
        .token
        .unverified
        .as_ref()
        .map(|u| u.token_verification_id);
    let email_code = (!account.email_verified).then_some(account.email_code);
    for link_code in [session_code, email_code].into_iter().flatten() {
        let outcome = crate::service::link_code::apply_code(
            &state.db,
            Some(&state),
            &uid,
            &link_code,
            VerificationMethod::Email2fa,
            now_ms(),
        )
        .await?;
        newly_verified = outcome.account_newly_verified;
        if newly_verified {
            break;
        }
    }
    if newly_verified {
        let for_sync = body.service.is_some_and(|s| s.0 == "sync")
            || body
                .scopes
                .iter()
                .flatten()
                .any(|s| s == crate::oauth::scopes::OLDSYNC);
        crate::service::link_code::newly_verified(&state, &account, for_sync, locale).await;
    }
    Ok(Json(Empty {}))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = SessionResendCodeBody)]
pub(crate) struct ResendCodeBody {
    #[serde(rename = "metricsContext")]
    #[schema(value_type = Option<Object>)]
    _metrics_context: Option<Value>,
}

/// Mails the 6-digit code again: `verifyShortCode` while the account's email is
/// unverified, else `verifyLoginCode` (the same code while its step lasts).
#[utoipa::path(post, path = "/session/resend_code", tag = "Session", request_body = ResendCodeBody,
    responses((status = 200, body = Empty), (status = 400, response = ErrorResponse)))]
async fn resend_code(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: SessionAuth,
    locale: Locale,
    ApiJson(_): ApiJson<ResendCodeBody>,
) -> ApiResult<Json<Empty>> {
    let account = state.token_account(&auth.token.core.uid).await?;
    let subject = Subject::account(&ip, &account);
    customs::check(&state, Action::RecoveryEmailResendCode, subject).await?;
    let mail = if account.email_verified {
        verification::login_short_code_mail(&state, &account, locale)
    } else {
        verification::account_short_code_mail(&state, &account, locale)
    };
    outbox::send(&state, &mail).await?;
    Ok(Json(Empty {}))
}
