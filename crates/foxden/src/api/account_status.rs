//! `/account/keys`, `/account/status`, `/account/credentials/status`,
//! `/account/destroy`, and the retired `/account/unlock/*`.

use crate::openapi::api_routes;
use crate::openapi::ApiRouter;
use axum::extract::State;
use axum::Json;
use foxden_db::ops::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Empty, ErrorResponse};
use crate::auth::{KeyFetchAuth, SessionAuth};
use crate::customs::{self, Action, PasswordGate, Subject, UnblockCodes};
use crate::error::{ApiError, ApiResult, Source};
use crate::extract::{ApiJson, ApiQuery, ClientIp};
use crate::service::signin::{self, Credentials};
use crate::state::AppState;
use crate::validate::{Email, Hex};

pub fn routes() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(api_routes!(keys))
        .routes(api_routes!(status_by_uid, status_by_email))
        .routes(api_routes!(credentials_status))
        .routes(api_routes!(destroy))
        .routes(api_routes!(unlock_resend_code))
        .routes(api_routes!(unlock_verify_code))
}

#[utoipa::path(post, path = "/account/unlock/resend_code", tag = "Account",
    responses((status = 410, response = ErrorResponse)))]
async fn unlock_resend_code() -> ApiError {
    ApiError::Gone
}

#[utoipa::path(post, path = "/account/unlock/verify_code", tag = "Account",
    responses((status = 410, response = ErrorResponse)))]
async fn unlock_verify_code() -> ApiError {
    ApiError::Gone
}

#[derive(Serialize, ToSchema)]
pub(crate) struct KeysResponse {
    bundle: String,
}

#[utoipa::path(get, path = "/account/keys", tag = "Account",
    responses((status = 200, body = KeysResponse), (status = 400, response = ErrorResponse)))]
async fn keys(State(state): State<AppState>, auth: KeyFetchAuth) -> ApiResult<Json<KeysResponse>> {
    let token = auth.token;
    let account = state.token_account(&token.core.uid).await?;
    if !account.email_verified || token.token_verification_id.is_some() {
        return Err(ApiError::UnverifiedAccount);
    }
    if !state.db.delete_key_fetch_token(&token.core.id_hash).await? {
        return Err(ApiError::InvalidToken);
    }
    Ok(Json(KeysResponse {
        bundle: foxden_crypto::to_hex(&token.key_bundle),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct UidQuery {
    uid: Option<Hex<16>>,
}

/// `/account/status`'s answer (fields in the order serde_json's map wrote them).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AccountStatusResponse)]
pub(crate) struct StatusResponse {
    exists: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    has_linked_account: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    has_password: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    locale: Option<String>,
}

impl StatusResponse {
    fn exists(exists: bool) -> Self {
        StatusResponse {
            exists,
            has_linked_account: None,
            has_password: None,
            locale: None,
        }
    }
}

#[utoipa::path(get, path = "/account/status", tag = "Account", params(UidQuery),
    responses((status = 200, body = StatusResponse), (status = 400, response = ErrorResponse)))]
async fn status_by_uid(
    State(state): State<AppState>,
    session: Option<SessionAuth>,
    ApiQuery(query): ApiQuery<UidQuery>,
) -> ApiResult<Json<StatusResponse>> {
    if let Some(session) = session {
        let account = state.token_account(&session.token.core.uid).await?;
        return Ok(Json(StatusResponse {
            locale: account.locale,
            ..StatusResponse::exists(true)
        }));
    }
    let uid = query.uid.ok_or(ApiError::MissingParameter {
        origin: Source::Query,
        param: "uid".into(),
    })?;
    let exists = state.db.account(&uid.0).await?.is_some();
    Ok(Json(StatusResponse::exists(exists)))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct StatusBody {
    email: Email,
    #[serde(default)]
    third_party_auth_status: bool,
    /// Mozilla looks the email's domain up in DNS (MX, then A) and answers
    /// `invalidDomain`; foxden does no DNS lookups, so a truthy value (as
    /// JavaScript reads it) is refused.
    #[schema(value_type = Option<String>)]
    check_domain: Option<serde_json::Value>,
}

/// JavaScript's `!!value`, as Mozilla reads `checkDomain`.
fn truthy(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

#[utoipa::path(post, path = "/account/status", tag = "Account", request_body = StatusBody,
    responses((status = 200, body = StatusResponse), (status = 400, response = ErrorResponse),
        (status = 503, response = ErrorResponse)))]
async fn status_by_email(
    State(state): State<AppState>,
    ip: ClientIp,
    ApiJson(body): ApiJson<StatusBody>,
) -> ApiResult<Json<StatusResponse>> {
    if body.check_domain.as_ref().is_some_and(truthy) {
        return Err(ApiError::FeatureNotEnabled);
    }
    let subject = Subject::email(&ip, body.email.as_str());
    customs::check(&state, Action::AccountStatusCheck, subject).await?;
    let account = state.db.account_by_email(&body.email.normalized()).await?;
    let mut out = StatusResponse::exists(account.is_some());
    if body.third_party_auth_status {
        out.has_linked_account = Some(false);
        out.has_password = Some(account.as_ref().is_some_and(|a| a.verifier_set_at > 0));
    }
    Ok(Json(out))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EmailBody {
    email: Email,
}

/// `/account/credentials/status`'s answer (fields in the order serde_json's map wrote them).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CredentialsStatusResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    client_salt: Option<String>,
    #[schema(value_type = String)]
    current_version: &'static str,
    upgrade_needed: bool,
}

#[utoipa::path(post, path = "/account/credentials/status", tag = "Account",
    request_body = EmailBody,
    responses((status = 200, body = CredentialsStatusResponse), (status = 400, response = ErrorResponse)))]
async fn credentials_status(
    State(state): State<AppState>,
    ip: ClientIp,
    ApiJson(body): ApiJson<EmailBody>,
) -> ApiResult<Json<CredentialsStatusResponse>> {
    let subject = Subject::email(&ip, body.email.as_str());
    customs::check(&state, Action::GetCredentialsStatus, subject).await?;
    let account = state.account_named(&body.email).await?;
    if account.disabled_at.is_some() || account.verifier_set_at <= 0 {
        return Err(ApiError::CannotLoginWithEmail);
    }
    Ok(Json(CredentialsStatusResponse {
        client_salt: account.v2.as_ref().map(|v2| v2.client_salt.clone()),
        current_version: if account.v2.is_some() { "v2" } else { "v1" },
        upgrade_needed: account.v2.is_none(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = AccountDestroyBody)]
pub(crate) struct DestroyBody {
    email: Email,
    #[serde(rename = "authPW")]
    auth_pw: Hex<32>,
}

#[utoipa::path(post, path = "/account/destroy", tag = "Account", request_body = DestroyBody,
    responses((status = 200, body = Empty), (status = 400, response = ErrorResponse)))]
async fn destroy(
    State(state): State<AppState>,
    ip: ClientIp,
    session: Option<SessionAuth>,
    ApiJson(body): ApiJson<DestroyBody>,
) -> ApiResult<Json<Empty>> {
    let creds = Credentials {
        email: body.email,
        auth_pw: body.auth_pw.0,
    };
    let gate = PasswordGate::enter(
        &state,
        Action::AccountDestroy,
        &ip,
        creds.email.as_str(),
        UnblockCodes::NotTaken,
    )
    .await?;
    let (account, _) = signin::authenticate(&state, &creds, &gate).await?;
    if let Some(session) = &session {
        if session.token.core.uid != account.uid {
            return Err(ApiError::InvalidToken);
        }
    }
    crate::service::push_events::destroy_account(&state, &account.uid).await?;
    tracing::info!(uid = %foxden_crypto::to_hex(account.uid), "account destroyed");
    Ok(Json(Empty {}))
}
