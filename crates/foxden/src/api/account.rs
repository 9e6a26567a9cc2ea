//! `/account/*`: create, login, keys, status, credentials status, destroy.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use foxden_db::ops::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::MailRequest;
use crate::auth::{KeyFetchAuth, SessionAuth};
use crate::customs::{self, Action, Subject};
use crate::error::{ApiError, ApiResult, Source};
use crate::extract::{ApiJson, ApiQuery, ClientIp};
use crate::mail::Locale;
use crate::service::signin::{self, Credentials, SignIn};
use crate::service::signup::{self, SignUp, V2Credentials};
use crate::service::unblock;
use crate::service::verification::{Delivery, LinkParams};
use crate::state::AppState;
use crate::user_agent::UserAgent;
use crate::validate::{Alnum, Bounded, ClientSalt, Email, Hex, RequestedVerification, Service};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account/create", post(create))
        .route("/account/login", post(login))
        .route("/account/login/send_unblock_code", post(send_unblock_code))
        .route(
            "/account/login/reject_unblock_code",
            post(reject_unblock_code),
        )
        .route("/account/keys", get(keys))
        .route("/account/status", get(status_by_uid).post(status_by_email))
        .route("/account/credentials/status", post(credentials_status))
        .route("/account/destroy", post(destroy))
        .route("/account/unlock/resend_code", post(gone))
        .route("/account/unlock/verify_code", post(gone))
}

async fn gone() -> ApiError {
    ApiError::Gone
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct KeysQuery {
    #[serde(default)]
    pub keys: bool,
    pub service: Option<Service>,
    pub verification_method: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateBody {
    email: Email,
    #[serde(rename = "authPW")]
    auth_pw: Hex<32>,
    #[serde(rename = "authPWVersion2")]
    auth_pw_v2: Option<Hex<32>>,
    wrap_kb: Option<Hex<32>>,
    wrap_kb_version2: Option<Hex<32>>,
    client_salt: Option<ClientSalt>,
    service: Option<Service>,
    redirect_to: Option<Bounded<2048>>,
    resume: Option<Bounded<2048>>,
    verification_method: Option<RequestedVerification>,
    #[serde(rename = "preVerified")]
    _pre_verified: Option<bool>,
    #[serde(rename = "metricsContext")]
    _metrics_context: Option<Value>,
}

fn link_params(
    service: Option<Service>,
    query_service: Option<Service>,
    redirect: Option<Bounded<2048>>,
    resume: Option<Bounded<2048>>,
) -> LinkParams {
    LinkParams {
        service: service.or(query_service).map(|s| s.0).unwrap_or_default(),
        redirect_to: redirect.map(|r| r.0).unwrap_or_default(),
        resume: resume.map(|r| r.0).unwrap_or_default(),
        ..LinkParams::default()
    }
}

/// The V2 group is all or nothing (FxA: `.and('authPWVersion2','wrapKb','wrapKbVersion2','clientSalt')`).
fn v2_group(body: &CreateBody) -> ApiResult<Option<V2Credentials>> {
    let present = [
        ("authPWVersion2", body.auth_pw_v2.is_some()),
        ("wrapKb", body.wrap_kb.is_some()),
        ("wrapKbVersion2", body.wrap_kb_version2.is_some()),
        ("clientSalt", body.client_salt.is_some()),
    ];
    if present.iter().all(|(_, p)| !p) {
        return Ok(None);
    }
    if let Some((missing, _)) = present.iter().find(|(_, p)| !p) {
        return Err(ApiError::MissingParameter {
            origin: Source::Payload,
            param: missing.to_string(),
        });
    }
    match (
        &body.auth_pw_v2,
        &body.wrap_kb,
        &body.wrap_kb_version2,
        &body.client_salt,
    ) {
        (Some(a), Some(w), Some(w2), Some(salt)) => {
            if !salt
                .0
                .starts_with(foxden_crypto::onepw::CLIENT_SALT_V2_PREFIX)
            {
                return Err(ApiError::InvalidParameter {
                    origin: Source::Payload,
                    keys: vec!["clientSalt".into()],
                });
            }
            Ok(Some(V2Credentials {
                auth_pw: a.0,
                wrap_kb: w.0,
                wrap_kb_v2: w2.0,
                client_salt: salt.0.clone(),
            }))
        }
        _ => Ok(None),
    }
}

/// `email`, `email-otp` and `email-2fa` are built; `email-captcha` (unblock
/// codes) and `totp-2fa` answer 503 errno 202 until they are.
fn delivery_for(method: Option<RequestedVerification>) -> ApiResult<Delivery> {
    Delivery::from_requested(method).ok_or(ApiError::FeatureNotEnabled)
}

async fn create(
    State(state): State<AppState>,
    ip: ClientIp,
    locale: Locale,
    UserAgent(user_agent): UserAgent,
    ApiQuery(query): ApiQuery<KeysQuery>,
    ApiJson(body): ApiJson<CreateBody>,
) -> ApiResult<Json<Value>> {
    let v2 = v2_group(&body)?;
    customs::check(
        &state,
        Action::AccountCreate,
        Subject::email(&ip, body.email.as_str()),
    )
    .await?;
    // As FxA: only `email-otp` mails a code at sign-up; other methods get the link.
    delivery_for(body.verification_method)?;
    let short_code = body.verification_method == Some(RequestedVerification::EmailOtp);
    let mut links = link_params(body.service, query.service, body.redirect_to, body.resume);
    links.locale = locale;
    let done = signup::sign_up(
        &state,
        SignUp {
            email: body.email,
            auth_pw: body.auth_pw.0,
            v2,
            keys: query.keys,
            links,
            user_agent,
            short_code,
            ip,
        },
    )
    .await?;
    let mut out = Map::new();
    out.insert("uid".into(), json!(hex::encode(done.uid)));
    out.insert("sessionToken".into(), json!(done.session_token));
    if let Some(token) = done.key_fetch_token {
        out.insert("keyFetchToken".into(), json!(token));
    }
    if let Some(token) = done.key_fetch_token_v2 {
        out.insert("keyFetchTokenVersion2".into(), json!(token));
    }
    out.insert("authAt".into(), json!(done.auth_at_secs));
    if let Some(method) = body.verification_method {
        out.insert("verificationMethod".into(), json!(method.as_str()));
    }
    Ok(Json(Value::Object(out)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginBody {
    email: Email,
    #[serde(rename = "authPW")]
    auth_pw: Hex<32>,
    service: Option<Service>,
    redirect_to: Option<Bounded<2048>>,
    resume: Option<Bounded<2048>>,
    #[serde(rename = "reason")]
    _reason: Option<Bounded<16>>,
    unblock_code: Option<Alnum<8>>,
    verification_method: Option<RequestedVerification>,
    #[serde(rename = "originalLoginEmail")]
    _original_login_email: Option<Email>,
    #[serde(rename = "metricsContext")]
    _metrics_context: Option<Value>,
}

/// The parts of a login body that sign-in and reauth use.
pub struct LoginParts {
    pub email: Email,
    pub auth_pw: [u8; 32],
    pub links: LinkParams,
    /// How a needed confirmation is mailed (`verificationMethod` of the body, else the query).
    pub delivery: Delivery,
    /// `email-captcha` and `totp-2fa` are not built yet.
    pub wants_unbuilt_feature: bool,
    pub unblock_code: Option<String>,
}

impl LoginBody {
    pub fn into_parts(self, query: &KeysQuery) -> LoginParts {
        let from_query = query.verification_method.as_deref().map(|m| {
            serde_json::from_value::<RequestedVerification>(Value::String(m.to_string())).ok()
        });
        let delivery = match (self.verification_method, from_query) {
            (Some(method), _) => delivery_for(Some(method)).ok(),
            // An unknown method in the query is treated as not built.
            (None, Some(method)) => method.and_then(|m| delivery_for(Some(m)).ok()),
            (None, None) => Some(Delivery::Link),
        };
        let wants_unbuilt_feature = delivery.is_none();
        LoginParts {
            email: self.email,
            auth_pw: self.auth_pw.0,
            links: link_params(
                self.service,
                query.service.clone(),
                self.redirect_to,
                self.resume,
            ),
            delivery: delivery.unwrap_or_default(),
            wants_unbuilt_feature,
            unblock_code: self.unblock_code.map(|c| c.0),
        }
    }
}

async fn login(
    State(state): State<AppState>,
    ip: ClientIp,
    locale: Locale,
    UserAgent(user_agent): UserAgent,
    ApiQuery(query): ApiQuery<KeysQuery>,
    ApiJson(body): ApiJson<LoginBody>,
) -> ApiResult<Json<Value>> {
    let mut parts = body.into_parts(&query);
    parts.links.locale = locale;
    if parts.wants_unbuilt_feature {
        return Err(ApiError::FeatureNotEnabled);
    }
    let links = parts.links;
    let creds = Credentials {
        email: parts.email,
        auth_pw: parts.auth_pw,
    };
    let done = signin::sign_in(
        &state,
        SignIn {
            creds,
            keys: query.keys,
            links,
            user_agent,
            delivery: parts.delivery,
            ip,
            unblock_code: parts.unblock_code,
        },
    )
    .await?;
    Ok(signed_in_response(
        done.uid,
        Some(done.session_token),
        done.key_fetch,
        done.auth_at_secs,
        &done.verification,
    ))
}

async fn send_unblock_code(
    State(state): State<AppState>,
    ip: ClientIp,
    locale: Locale,
    ApiJson(body): ApiJson<MailRequest>,
) -> ApiResult<Json<Value>> {
    let links = body.links(locale);
    unblock::send(&state, &body.email, &ip, &links).await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RejectUnblockBody {
    uid: Hex<16>,
    unblock_code: Alnum<8>,
}

async fn reject_unblock_code(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RejectUnblockBody>,
) -> ApiResult<Json<Value>> {
    unblock::reject(&state, &body.uid.0, &body.unblock_code.0).await?;
    Ok(Json(json!({})))
}

/// The body `/account/login` and `/session/reauth` answer with.
pub fn signed_in_response(
    uid: [u8; 16],
    session_token: Option<String>,
    key_fetch: Option<(&'static str, String)>,
    auth_at_secs: i64,
    verification: &crate::service::verification::SessionVerification,
) -> Json<Value> {
    let mut out = Map::new();
    out.insert("uid".into(), json!(hex::encode(uid)));
    if let Some(token) = session_token {
        out.insert("sessionToken".into(), json!(token));
    }
    if let Some((field, token)) = key_fetch {
        out.insert(field.into(), json!(token));
    }
    out.insert("authAt".into(), json!(auth_at_secs));
    out.insert("metricsEnabled".into(), json!(true));
    merge(&mut out, verification);
    Json(Value::Object(out))
}

/// Adds a serializable struct's fields to a JSON object.
pub fn merge<T: Serialize>(out: &mut Map<String, Value>, extra: &T) {
    if let Ok(Value::Object(fields)) = serde_json::to_value(extra) {
        out.extend(fields);
    }
}

async fn keys(State(state): State<AppState>, auth: KeyFetchAuth) -> ApiResult<Json<Value>> {
    let token = auth.token;
    let account = state.token_account(&token.core.uid).await?;
    if !account.email_verified || token.token_verification_id.is_some() {
        return Err(ApiError::UnverifiedAccount);
    }
    if !state.db.delete_key_fetch_token(&token.core.id_hash).await? {
        return Err(ApiError::InvalidToken);
    }
    Ok(Json(json!({ "bundle": hex::encode(&token.key_bundle) })))
}

#[derive(Deserialize)]
struct UidQuery {
    uid: Option<Hex<16>>,
}

async fn status_by_uid(
    State(state): State<AppState>,
    session: Option<SessionAuth>,
    ApiQuery(query): ApiQuery<UidQuery>,
) -> ApiResult<Json<Value>> {
    if let Some(session) = session {
        let account = state.token_account(&session.token.core.uid).await?;
        let mut out = json!({ "exists": true });
        if let Some(locale) = account.locale {
            out["locale"] = json!(locale);
        }
        return Ok(Json(out));
    }
    let uid = query.uid.ok_or(ApiError::MissingParameter {
        origin: Source::Query,
        param: "uid".into(),
    })?;
    let exists = state.db.account(&uid.0).await?.is_some();
    Ok(Json(json!({ "exists": exists })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EmailBody {
    email: Email,
    #[serde(default)]
    third_party_auth_status: bool,
    #[serde(rename = "checkDomain")]
    _check_domain: Option<Value>,
}

async fn status_by_email(
    State(state): State<AppState>,
    ip: ClientIp,
    ApiJson(body): ApiJson<EmailBody>,
) -> ApiResult<Json<Value>> {
    let subject = Subject::email(&ip, body.email.as_str());
    customs::check(&state, Action::AccountStatusCheck, subject).await?;
    let account = state.db.account_by_email(&body.email.normalized()).await?;
    let mut out = json!({ "exists": account.is_some() });
    if body.third_party_auth_status {
        out["hasLinkedAccount"] = json!(false);
        out["hasPassword"] = json!(account.as_ref().is_some_and(|a| a.verifier_set_at > 0));
    }
    Ok(Json(out))
}

async fn credentials_status(
    State(state): State<AppState>,
    ip: ClientIp,
    ApiJson(body): ApiJson<EmailBody>,
) -> ApiResult<Json<Value>> {
    let subject = Subject::email(&ip, body.email.as_str());
    customs::check(&state, Action::GetCredentialsStatus, subject).await?;
    let account = state.account_named(&body.email).await?;
    if account.disabled_at.is_some() || account.verifier_set_at <= 0 {
        return Err(ApiError::CannotLoginWithEmail);
    }
    let mut out = json!({
        "currentVersion": if account.v2.is_some() { "v2" } else { "v1" },
        "upgradeNeeded": account.v2.is_none(),
    });
    if let Some(v2) = &account.v2 {
        out["clientSalt"] = json!(v2.client_salt);
    }
    Ok(Json(out))
}

#[derive(Deserialize)]
pub(crate) struct DestroyBody {
    email: Email,
    #[serde(rename = "authPW")]
    auth_pw: Hex<32>,
}

async fn destroy(
    State(state): State<AppState>,
    ip: ClientIp,
    session: Option<SessionAuth>,
    ApiJson(body): ApiJson<DestroyBody>,
) -> ApiResult<Json<Value>> {
    let creds = Credentials {
        email: body.email,
        auth_pw: body.auth_pw.0,
    };
    let (account, _) = signin::authenticate(&state, &creds, Action::AccountDestroy, &ip).await?;
    if let Some(session) = &session {
        if session.token.core.uid != account.uid {
            return Err(ApiError::InvalidToken);
        }
    }
    state.db.delete_account(&account.uid).await?;
    tracing::info!(uid = %hex::encode(account.uid), "account destroyed");
    Ok(Json(json!({})))
}
