//! Send Tab and other device commands (PROTOCOL §8.3):
//! `/account/devices/invoke_command` stores a command in the target device's
//! queue, `/account/device/commands` pages through the caller's.

use crate::openapi::api_routes;
use crate::openapi::ApiRouter;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use super::ErrorResponse;
use crate::auth::SessionOrRefreshToken;
use crate::customs::{self, Action, Subject};
use crate::error::{ApiError, ApiResult, Source};
use crate::extract::{ApiJson, ApiQuery, ClientIp};
use crate::service::device_commands;
use crate::state::AppState;
use crate::validate::Hex;

pub fn routes() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(api_routes!(invoke_command))
        .routes(api_routes!(commands))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct InvokeCommandBody {
    #[schema(value_type = String)]
    target: Hex<16>,
    command: String,
    #[schema(value_type = Object)]
    payload: Map<String, Value>,
    /// Seconds, 0 to 10000000 (stored for at most 28 days).
    ttl: Option<u32>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InvokeCommandResponse {
    enqueued: bool,
    /// Whether a `command_received` push was queued for the target (delivered asynchronously).
    notified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    notify_error: Option<String>,
}

/// Stores `{command, payload, sender}` in the target's queue (157 if the target
/// does not advertise the command, 123 if there is no such device).
#[utoipa::path(post, path = "/account/devices/invoke_command", tag = "Devices and Sessions",
    request_body = InvokeCommandBody,
    responses((status = 200, body = InvokeCommandResponse), (status = 400, response = ErrorResponse),
        (status = 401, response = ErrorResponse), (status = 429, response = ErrorResponse)))]
async fn invoke_command(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: SessionOrRefreshToken,
    ApiJson(body): ApiJson<InvokeCommandBody>,
) -> ApiResult<Json<InvokeCommandResponse>> {
    if body.ttl.is_some_and(|ttl| ttl > 10_000_000) {
        return Err(ApiError::InvalidParameter {
            origin: Source::Payload,
            keys: vec!["ttl".into()],
        });
    }
    let uid = auth.uid();
    let subject = Subject {
        ip: &ip,
        email: None,
        uid: Some(&uid),
    };
    customs::check(&state, Action::InvokeDeviceCommand, subject).await?;
    let notified = device_commands::invoke(
        &state,
        &auth,
        body.target.0,
        body.command,
        body.payload,
        body.ttl.map(i64::from),
    )
    .await?;
    // `notified`: a push was queued (delivery is asynchronous, see
    // docs/api-deviations.toml); without one the target learns of it when it polls.
    Ok(Json(InvokeCommandResponse {
        enqueued: true,
        notified,
        notify_error: None,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct CommandsQuery {
    /// The first index wanted (inclusive); none or 0 from the start.
    index: Option<f64>,
    /// 0 to 100 messages, 100 by default.
    limit: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct CommandMessage {
    index: i64,
    /// `{command, payload, sender?}`.
    #[schema(value_type = Object)]
    data: Value,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct CommandsResponse {
    /// The index of the last message returned (0 for none).
    index: i64,
    /// Whether the page reaches the newest message.
    last: bool,
    messages: Vec<CommandMessage>,
}

/// The caller's device's queued commands from `index` on; a caller without a
/// device (or an empty queue) gets an empty list.
#[utoipa::path(get, path = "/account/device/commands", tag = "Devices and Sessions",
    params(CommandsQuery),
    responses((status = 200, body = CommandsResponse), (status = 400, response = ErrorResponse),
        (status = 401, response = ErrorResponse)))]
async fn commands(
    State(state): State<AppState>,
    auth: SessionOrRefreshToken,
    ApiQuery(query): ApiQuery<CommandsQuery>,
) -> ApiResult<Json<CommandsResponse>> {
    let bad = |key: &str| ApiError::InvalidParameter {
        origin: Source::Query,
        keys: vec![key.into()],
    };
    let limit = query.limit.unwrap_or(100.0);
    if !(0.0..=100.0).contains(&limit) {
        return Err(bad("limit"));
    }
    let index = match query.index {
        Some(i) if !i.is_finite() => return Err(bad("index")),
        Some(i) => Some(i.ceil() as i64),
        None => None,
    };
    let page = device_commands::fetch(&state, &auth, index, limit.floor() as i64).await?;
    Ok(Json(CommandsResponse {
        index: page.index,
        last: page.last,
        messages: page
            .messages
            .into_iter()
            .map(|(index, data)| CommandMessage { index, data })
            .collect(),
    }))
}
