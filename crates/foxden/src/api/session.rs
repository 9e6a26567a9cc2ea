//! `/session/*`: status, duplicate, reauth, destroy, and the 6-digit code
//! confirmation (`verify_code`, `resend_code`).

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use foxden_crypto::token::TokenKind;
use foxden_db::ops::*;
use foxden_db::{SessionToken, Unverified, VerificationMethod};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::account::{merge, signed_in_response, KeysQuery, LoginBody};
use crate::auth::SessionAuth;
use crate::clock::now_ms;
use crate::customs::{self, Action, Subject};
use crate::error::{ApiError, ApiResult, Source};
use crate::extract::{ApiJson, ApiQuery, ClientIp};
use crate::mail::Locale;
use crate::service::outbox;
use crate::service::security;
use crate::service::short_code;
use crate::service::signin::{self, Credentials};
use crate::service::tokens::Minted;
use crate::service::verification::{self, session_verification};
use crate::state::AppState;
use crate::validate::{Bounded, Hex, Service};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/session/status", get(status))
        .route("/session/duplicate", post(duplicate))
        .route("/session/reauth", post(reauth))
        .route("/session/destroy", post(destroy))
        .route("/session/verify_code", post(verify_code))
        .route("/session/resend_code", post(resend_code))
}

async fn status(auth: SessionAuth) -> Json<Value> {
    let state = if auth.token.unverified.is_none() {
        "verified"
    } else {
        "unverified"
    };
    Json(json!({ "state": state, "uid": hex::encode(auth.token.core.uid) }))
}

#[derive(Deserialize)]
pub(crate) struct DuplicateBody {
    #[serde(rename = "reason")]
    _reason: Option<Bounded<16>>,
}

/// A new session with the same state (createdAt and authAt included) but its own
/// verification code.
async fn duplicate(
    State(state): State<AppState>,
    auth: SessionAuth,
    ApiJson(_): ApiJson<DuplicateBody>,
) -> ApiResult<Json<Value>> {
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
    let mut out = Map::new();
    out.insert("uid".into(), json!(hex::encode(copy.core.uid)));
    out.insert("sessionToken".into(), json!(minted.hex()));
    out.insert("authAt".into(), json!(copy.auth_at / 1000));
    merge(&mut out, &session_verification(&account, &copy));
    Ok(Json(Value::Object(out)))
}

async fn reauth(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: SessionAuth,
    locale: Locale,
    ApiQuery(query): ApiQuery<KeysQuery>,
    ApiJson(body): ApiJson<LoginBody>,
) -> ApiResult<Json<Value>> {
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
    let done = signin::reauth(
        &state,
        &auth.token,
        creds,
        query.keys,
        &parts.links,
        parts.delivery,
        &ip,
    )
    .await?;
    Ok(signed_in_response(
        done.uid,
        None,
        done.key_fetch,
        done.auth_at_secs,
        &done.verification,
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DestroyBody {
    custom_session_token: Option<Hex<32>>,
}

async fn destroy(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: SessionAuth,
    ApiJson(body): ApiJson<DestroyBody>,
) -> ApiResult<Json<Value>> {
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
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VerifyCodeBody {
    code: Bounded<32>,
    #[serde(rename = "service")]
    _service: Option<Service>,
    #[serde(rename = "scopes")]
    _scopes: Option<Vec<String>>,
    #[serde(rename = "style")]
    _style: Option<Bounded<16>>,
    #[serde(rename = "marketingOptIn")]
    _marketing_opt_in: Option<bool>,
    #[serde(rename = "newsletters")]
    _newsletters: Option<Vec<String>>,
    #[serde(rename = "metricsContext")]
    _metrics_context: Option<Value>,
}

/// Confirms the session (and the account's email, if needed) with the 6-digit
/// code mailed by `verifyShortCode` / `verifyLoginCode`.
async fn verify_code(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: SessionAuth,
    ApiJson(body): ApiJson<VerifyCodeBody>,
) -> ApiResult<Json<Value>> {
    let code = body.code.0;
    if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::InvalidParameter {
            origin: Source::Payload,
            keys: vec!["code".into()],
        });
    }
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
    let now = now_ms();
    if let Some(unverified) = &auth.token.unverified {
        // Confirms this session and the keyFetchTokens sharing its id (and, as
        // any matching code does, an unverified email).
        crate::service::link_code::apply_code(
            &state.db,
            &uid,
            &unverified.token_verification_id,
            VerificationMethod::Email2fa,
            now,
        )
        .await?;
    }
    if !account.email_verified && state.db.set_email_verified(&uid).await? {
        tracing::info!(uid = %hex::encode(uid), "account email verified");
    }
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResendCodeBody {
    #[serde(rename = "metricsContext")]
    _metrics_context: Option<Value>,
}

/// Mails the 6-digit code again: `verifyShortCode` while the account's email is
/// unverified, else `verifyLoginCode` (the same code while its step lasts).
async fn resend_code(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: SessionAuth,
    locale: Locale,
    ApiJson(_): ApiJson<ResendCodeBody>,
) -> ApiResult<Json<Value>> {
    let account = state.token_account(&auth.token.core.uid).await?;
    let subject = Subject::account(&ip, &account);
    customs::check(&state, Action::RecoveryEmailResendCode, subject).await?;
    let mail = if account.email_verified {
        verification::login_short_code_mail(&state, &account, locale)
    } else {
        verification::account_short_code_mail(&state, &account, locale)
    };
    outbox::send(&state, &mail).await?;
    Ok(Json(json!({})))
}
