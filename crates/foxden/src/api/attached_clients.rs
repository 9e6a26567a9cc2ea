//! `/account/attached_clients` and `/account/attached_client/destroy` (the
//! settings page's "connected services", PROTOCOL §8.4), and the older
//! `/account/sessions`; session token only, as Mozilla's.
//!
//! `sessionTokenId` is the hex of the session's stored key (SHA-256 of its
//! tokenId, ADR 0002), the same in every answer and accepted by destroy.

use std::collections::BTreeMap;

use crate::openapi::api_routes;
use crate::openapi::ApiRouter;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::devices::{access_stamps, formatted, Location};
use super::{Empty, ErrorResponse};
use crate::auth::SessionAuth;
use crate::clock::now_ms;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiQuery};
use crate::mail::Locale;
use crate::service::attached_clients::{self, Target};
use crate::service::devices::{self, synthesize_name};
use crate::state::AppState;
use crate::validate::Hex;

pub fn routes() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(api_routes!(list))
        .routes(api_routes!(destroy))
        .routes(api_routes!(sessions))
}

/// One connected client.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AttachedClientItem {
    client_id: Option<String>,
    device_id: Option<String>,
    session_token_id: Option<String>,
    refresh_token_id: Option<String>,
    is_current_session: bool,
    device_type: Option<String>,
    name: Option<String>,
    created_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_time_formatted: Option<String>,
    last_access_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_access_time_formatted: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    approximate_last_access_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    approximate_last_access_time_formatted: Option<String>,
    scope: Option<Vec<String>>,
    location: Location,
    user_agent: String,
    os: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct AttachedClientsQuery {
    /// Leave out devices not used since this time (ms); other entries stay.
    filter_idle_devices_timestamp: Option<f64>,
}

/// Devices, OAuth grants and sessions, merged as Mozilla merges them.
#[utoipa::path(get, path = "/account/attached_clients", tag = "Devices and Sessions",
    params(AttachedClientsQuery),
    responses((status = 200, body = Vec<AttachedClientItem>), (status = 401, response = ErrorResponse)))]
async fn list(
    State(state): State<AppState>,
    auth: SessionAuth,
    locale: Locale,
    ApiQuery(query): ApiQuery<AttachedClientsQuery>,
) -> ApiResult<Json<Vec<AttachedClientItem>>> {
    let now = now_ms();
    let since = query.filter_idle_devices_timestamp.map(|t| t as i64);
    let mut clients = attached_clients::list(&state, &auth.token, now).await?;
    if let Some(since) = since.filter(|t| *t > 0) {
        clients.retain(|c| c.device_id.is_none() || c.last_access_time.is_some_and(|t| t >= since));
    }
    Ok(Json(
        clients
            .into_iter()
            .map(|c| {
                let (last_formatted, approx, approx_formatted) =
                    access_stamps(locale, c.last_access_time, now);
                AttachedClientItem {
                    client_id: c.client_id.map(hex::encode),
                    device_id: c.device_id.map(hex::encode),
                    session_token_id: c.session_token_id.map(hex::encode),
                    refresh_token_id: c.refresh_token_id.map(hex::encode),
                    is_current_session: c.is_current_session,
                    device_type: c.device_type,
                    name: c.name,
                    created_time_formatted: c
                        .created_time
                        .filter(|t| *t > 0)
                        .map(|t| formatted(locale, t, now)),
                    created_time: c.created_time,
                    last_access_time: c.last_access_time,
                    last_access_time_formatted: last_formatted,
                    approximate_last_access_time: approx,
                    approximate_last_access_time_formatted: approx_formatted,
                    scope: c.scope,
                    location: Location {},
                    user_agent: c.user_agent,
                    os: c.os,
                }
            })
            .collect(),
    ))
}

/// Any even number of hex digits (Mozilla's `HEX_STRING`), as given.
#[derive(Clone, Debug)]
pub(crate) struct AnyHex(Vec<u8>);

impl<'de> Deserialize<'de> for AnyHex {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match hex::decode(&s) {
            Ok(bytes) if !bytes.is_empty() => Ok(AnyHex(bytes)),
            _ => Err(serde::de::Error::custom("expected hex")),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct AttachedClientDestroyBody {
    #[schema(value_type = Option<String>)]
    client_id: Option<Hex<8>>,
    #[schema(value_type = Option<String>)]
    session_token_id: Option<AnyHex>,
    #[schema(value_type = Option<String>)]
    refresh_token_id: Option<Hex<32>>,
    #[schema(value_type = Option<String>)]
    device_id: Option<Hex<16>>,
}

/// Disconnects one entry of `/account/attached_clients`: by `deviceId` (with
/// its session or refresh token, which must match the ones given), else
/// `refreshTokenId` with `clientId`, else every token of `clientId`, else the
/// session `sessionTokenId`; an inconsistent request is 400 errno 107.
#[utoipa::path(post, path = "/account/attached_client/destroy", tag = "Devices and Sessions",
    request_body = AttachedClientDestroyBody,
    responses((status = 200, body = Empty), (status = 400, response = ErrorResponse),
        (status = 401, response = ErrorResponse)))]
async fn destroy(
    State(state): State<AppState>,
    auth: SessionAuth,
    ApiJson(body): ApiJson<AttachedClientDestroyBody>,
) -> ApiResult<Json<Empty>> {
    let target = Target {
        client_id: body.client_id.map(|h| h.0),
        session_token_id: body.session_token_id.map(|h| h.0),
        refresh_token_id: body.refresh_token_id.map(|h| h.0),
        device_id: body.device_id.map(|h| h.0),
    };
    attached_clients::destroy(&state, &auth.token, target).await?;
    Ok(Json(Empty {}))
}

/// One session of the account (deprecated in favour of attached clients).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SessionItem {
    id: String,
    last_access_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_access_time_formatted: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    approximate_last_access_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    approximate_last_access_time_formatted: Option<String>,
    created_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_time_formatted: Option<String>,
    location: Location,
    user_agent: String,
    os: Option<String>,
    device_id: Option<String>,
    device_name: Option<String>,
    device_available_commands: Option<BTreeMap<String, String>>,
    device_type: Option<String>,
    #[serde(rename = "deviceCallbackURL")]
    device_callback_url: Option<String>,
    device_callback_public_key: Option<String>,
    device_callback_auth_key: Option<String>,
    device_callback_is_expired: bool,
    is_device: bool,
    is_current_device: bool,
}

/// The account's sessions with their devices.
#[utoipa::path(get, path = "/account/sessions", tag = "Devices and Sessions",
    responses((status = 200, body = Vec<SessionItem>), (status = 401, response = ErrorResponse)))]
async fn sessions(
    State(state): State<AppState>,
    auth: SessionAuth,
    locale: Locale,
) -> ApiResult<Json<Vec<SessionItem>>> {
    let now = now_ms();
    let views = devices::sessions(&state, &auth.token).await?;
    Ok(Json(
        views
            .into_iter()
            .map(|v| {
                let s = &v.session;
                let ua = &s.user_agent;
                let (last_formatted, approx, approx_formatted) =
                    access_stamps(locale, Some(s.last_access_time), now);
                let d = v.device.as_ref();
                SessionItem {
                    id: foxden_crypto::to_hex(s.core.id_hash),
                    last_access_time: Some(s.last_access_time),
                    last_access_time_formatted: last_formatted,
                    approximate_last_access_time: approx,
                    approximate_last_access_time_formatted: approx_formatted,
                    created_time: Some(s.core.created_at),
                    created_time_formatted: Some(formatted(locale, s.core.created_at, now)),
                    location: Location {},
                    user_agent: match (&ua.browser, &ua.browser_version) {
                        (None, _) => String::new(),
                        (Some(b), None) => b.clone(),
                        (Some(b), Some(ver)) => {
                            format!("{b} {}", ver.split('.').next().unwrap_or(ver))
                        }
                    },
                    os: ua.os.clone(),
                    device_id: d.map(|d| foxden_crypto::to_hex(d.id)),
                    device_name: Some(
                        d.and_then(|d| d.name.clone())
                            .filter(|n| !n.is_empty())
                            .unwrap_or_else(|| synthesize_name(ua)),
                    ),
                    device_available_commands: d.map(devices::commands_of),
                    device_type: Some(ua.device_type.clone().unwrap_or_else(|| "desktop".into())),
                    device_callback_url: d.and_then(|d| d.push_callback.clone()),
                    device_callback_public_key: d.and_then(|d| d.push_public_key.clone()),
                    device_callback_auth_key: d.and_then(|d| d.push_auth_key.clone()),
                    device_callback_is_expired: d.is_some_and(|d| d.push_endpoint_expired),
                    is_device: d.is_some(),
                    is_current_device: v.is_current,
                }
            })
            .collect(),
    ))
}
