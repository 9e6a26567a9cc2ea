//! `/account/create`, `/account/login` and its unblock codes; the rest of
//! `/account/*` is in [`super::account_status`].

use crate::openapi::api_routes;
use crate::openapi::ApiRouter;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::{Empty, MailRequest};
use crate::customs::{self, Action, PasswordGate, Subject, UnblockCodes};
use crate::error::{ApiError, ApiResult, Source};
use crate::extract::{ApiJson, ApiQuery, ClientIp};
use crate::mail::Locale;
use crate::service::password::PasswordVersion;
use crate::service::signin::{self, Credentials, SignIn};
use crate::service::signup::{self, SignUp, V2Credentials};
use crate::service::unblock;
use crate::service::verification::{Delivery, LinkParams, SessionVerification};
use crate::state::AppState;
use crate::user_agent::UserAgent;
use crate::validate::{Alnum, Bounded, ClientSalt, Email, Hex, RequestedVerification, Service};

pub fn routes() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(api_routes!(create))
        .routes(api_routes!(login))
        .routes(api_routes!(send_unblock_code))
        .routes(api_routes!(reject_unblock_code))
}

/// `?keys=&service=&verificationMethod=` of create, login and reauth.
#[derive(Deserialize, Default, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct KeysQuery {
    #[serde(default)]
    pub keys: bool,
    pub service: Option<Service>,
    pub verification_method: Option<String>,
}

/// `?keys=&service=` of create (it takes no `verificationMethod` in the query).
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct CreateQuery {
    #[serde(default)]
    pub keys: bool,
    pub service: Option<Service>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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
    #[schema(value_type = Option<Object>)]
    _metrics_context: Option<Value>,
    #[serde(rename = "style")]
    _style: Option<Bounded<16>>,
    #[serde(rename = "atLeast18AtReg")]
    _at_least_18_at_reg: Option<bool>,
}

/// `/account/create`'s answer (fields in the order serde_json's map wrote them).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateResponse {
    auth_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_fetch_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_fetch_token_version2: Option<String>,
    session_token: String,
    uid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    verification_method: Option<&'static str>,
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

#[utoipa::path(post, path = "/account/create", tag = "Account",
    params(CreateQuery), request_body = CreateBody,
    responses((status = 200, body = CreateResponse), (status = 400, response = super::ErrorResponse)))]
async fn create(
    State(state): State<AppState>,
    ip: ClientIp,
    locale: Locale,
    UserAgent(user_agent): UserAgent,
    ApiQuery(query): ApiQuery<CreateQuery>,
    ApiJson(body): ApiJson<CreateBody>,
) -> ApiResult<Json<CreateResponse>> {
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
    Ok(Json(CreateResponse {
        auth_at: done.auth_at_secs,
        key_fetch_token: done.key_fetch_token,
        key_fetch_token_version2: done.key_fetch_token_v2,
        session_token: done.session_token,
        uid: foxden_crypto::to_hex(done.uid),
        verification_method: body.verification_method.map(RequestedVerification::as_str),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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
    #[schema(value_type = Option<Object>)]
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

#[utoipa::path(post, path = "/account/login", tag = "Account",
    params(KeysQuery), request_body = LoginBody,
    responses((status = 200, body = SignedInResponse), (status = 400, response = super::ErrorResponse),
        (status = 422, response = super::ErrorResponse)))]
async fn login(
    State(state): State<AppState>,
    ip: ClientIp,
    locale: Locale,
    UserAgent(user_agent): UserAgent,
    ApiQuery(query): ApiQuery<KeysQuery>,
    ApiJson(body): ApiJson<LoginBody>,
) -> ApiResult<Json<SignedInResponse>> {
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
    let unblock = UnblockCodes::Taken {
        offered: parts.unblock_code.is_some(),
    };
    let gate = PasswordGate::enter(
        &state,
        Action::AccountLogin,
        &ip,
        creds.email.as_str(),
        unblock,
    )
    .await?;
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
        gate,
    )
    .await?;
    Ok(Json(SignedInResponse::new(
        done.uid,
        Some(done.session_token),
        done.key_fetch,
        done.auth_at_secs,
        done.verification,
    )))
}

#[utoipa::path(post, path = "/account/login/send_unblock_code", tag = "Account",
    request_body = MailRequest,
    responses((status = 200, body = Empty), (status = 400, response = super::ErrorResponse)))]
async fn send_unblock_code(
    State(state): State<AppState>,
    ip: ClientIp,
    locale: Locale,
    ApiJson(body): ApiJson<MailRequest>,
) -> ApiResult<Json<Empty>> {
    let subject = Subject::email(&ip, body.email.as_str());
    customs::check(&state, Action::SendUnblockCode, subject).await?;
    let links = body.links(None, locale);
    unblock::send(&state, &body.email, &links).await?;
    Ok(Json(Empty {}))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct RejectUnblockBody {
    uid: Hex<16>,
    unblock_code: Alnum<8>,
}

#[utoipa::path(post, path = "/account/login/reject_unblock_code", tag = "Account",
    request_body = RejectUnblockBody,
    responses((status = 200, body = Empty), (status = 400, response = super::ErrorResponse)))]
async fn reject_unblock_code(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RejectUnblockBody>,
) -> ApiResult<Json<Empty>> {
    unblock::reject(&state, &body.uid.0, &body.unblock_code.0).await?;
    Ok(Json(Empty {}))
}

/// The body `/account/login` and `/session/reauth` answer with (fields in
/// the order serde_json's map wrote them).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignedInResponse {
    auth_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_fetch_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_fetch_token_version2: Option<String>,
    metrics_enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_token: Option<String>,
    uid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    verification_method: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    verification_reason: Option<&'static str>,
    verified: bool,
}

impl SignedInResponse {
    pub fn new(
        uid: [u8; 16],
        session_token: Option<String>,
        key_fetch: Option<(PasswordVersion, String)>,
        auth_at_secs: i64,
        verification: SessionVerification,
    ) -> Self {
        let (key_fetch_token, key_fetch_token_version2) = match key_fetch {
            None => (None, None),
            Some((PasswordVersion::V1, token)) => (Some(token), None),
            Some((PasswordVersion::V2, token)) => (None, Some(token)),
        };
        SignedInResponse {
            auth_at: auth_at_secs,
            key_fetch_token,
            key_fetch_token_version2,
            metrics_enabled: true,
            session_token,
            uid: foxden_crypto::to_hex(uid),
            verification_method: verification.verification_method,
            verification_reason: verification.verification_reason,
            verified: verification.verified,
        }
    }
}
