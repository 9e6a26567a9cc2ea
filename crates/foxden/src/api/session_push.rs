//! `/session/verify/send_push` and `/session/verify/verify_push`: sign-in
//! confirmation through a push to the account's Firefox desktops
//! ([`crate::service::login_push`]).

use crate::openapi::api_routes;
use crate::openapi::ApiRouter;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{Empty, ErrorResponse};
use crate::auth::SessionAuth;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ClientIp};
use crate::mail::Locale;
use crate::service::login_push;
use crate::state::AppState;
use crate::validate::{DigitString, Hex};

pub fn routes() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(api_routes!(send_push))
        .routes(api_routes!(verify_push))
}

/// `send_push` takes no fields (Firefox sends `{}`).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SessionSendPushBody)]
pub(crate) struct SendPushBody {}

/// Asks the account's other Firefox desktops to confirm this sign-in: each gets
/// `fxaccounts:verify_login` with the URL of the content server's
/// `signin_push_code_confirm` page. Always `{}`, whatever was sent (Mozilla
/// checks no rate limit here; its TOTP branch does not apply, foxden has no TOTP).
#[utoipa::path(post, path = "/session/verify/send_push", tag = "Session",
    request_body = SendPushBody,
    responses((status = 200, body = Empty), (status = 401, response = ErrorResponse)))]
async fn send_push(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: SessionAuth,
    locale: Locale,
    ApiJson(_): ApiJson<SendPushBody>,
) -> ApiResult<Json<Empty>> {
    let account = state.token_account(&auth.token.core.uid).await?;
    let queued = login_push::send_request(&state, &account, &auth.token, &ip, locale).await;
    tracing::debug!(queued, "session.send_push");
    Ok(Json(Empty {}))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = SessionVerifyPushBody)]
pub(crate) struct VerifyPushBody {
    /// The 6-digit code of the push's URL.
    #[schema(value_type = String)]
    code: DigitString<32>,
    /// The tokenVerificationId of the session to confirm (32 hex).
    token_verification_id: Hex<16>,
}

/// Confirms another sign-in of the caller's account: the session waiting on
/// `tokenVerificationId`, with the account's current 6-digit code. Errno 123
/// when no session of this account with a device waits on it, 183 for a wrong
/// code. The account's devices get `accountConfirm`.
#[utoipa::path(post, path = "/session/verify/verify_push", tag = "Session",
    request_body = VerifyPushBody,
    responses((status = 200, body = Empty), (status = 400, response = ErrorResponse),
        (status = 401, response = ErrorResponse)))]
async fn verify_push(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: SessionAuth,
    locale: Locale,
    ApiJson(body): ApiJson<VerifyPushBody>,
) -> ApiResult<Json<Empty>> {
    let code = body.code.0;
    let account = state.token_account(&auth.token.core.uid).await?;
    let tvid = body.token_verification_id.0;
    login_push::answer(&state, &ip, &account, &tvid, &code, locale).await?;
    Ok(Json(Empty {}))
}
