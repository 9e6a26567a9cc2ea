//! `/account/device` (register or update the caller's device),
//! `/account/devices` (the account's devices) and `/account/device/destroy`,
//! with a session token or an oldsync refresh token (PROTOCOL §8.1).

use std::collections::BTreeMap;

use crate::openapi::api_routes;
use crate::openapi::ApiRouter;
use axum::extract::State;
use axum::Json;
use foxden_db::ops::Device;
use foxden_db::Millis;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::{Empty, ErrorResponse};
use crate::auth::SessionOrRefreshToken;
use crate::clock::now_ms;
use crate::error::{ApiError, ApiResult, Source};
use crate::extract::{ApiJson, ApiQuery};
use crate::mail::Locale;
use crate::relative_time;
use crate::service::devices::{self, DeviceFields};
use crate::state::AppState;
use crate::validate::device::{
    is_valid_push_public_key, AvailableCommands, DeviceName, DeviceType, PushCallback, PushKey,
};
use crate::validate::Hex;

pub fn routes() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(api_routes!(register))
        .routes(api_routes!(list))
        .routes(api_routes!(destroy))
}

/// Mozilla's `lastAccessTimeUpdates.earliestSaneTimestamp`: access times before
/// it are shown as "approximately" it.
const EARLIEST_SANE_TIMESTAMP: Millis = 1_507_081_020_000;

/// "5 minutes ago" for `at`, in the request's language.
pub(crate) fn formatted(locale: Locale, at: Millis, now: Millis) -> String {
    relative_time::ago(locale, ((now - at).max(0) / 1000) as u64)
}

/// `lastAccessTimeFormatted`, and the approximate pair for implausibly old times
/// (Mozilla's `formatTimestamps`).
pub(crate) fn access_stamps(
    locale: Locale,
    at: Option<Millis>,
    now: Millis,
) -> (Option<String>, Option<Millis>, Option<String>) {
    match at {
        Some(at) if at > 0 => {
            let approx = (at < EARLIEST_SANE_TIMESTAMP).then_some(EARLIEST_SANE_TIMESTAMP);
            (
                Some(formatted(locale, at, now)),
                approx,
                approx.map(|a| formatted(locale, a, now)),
            )
        }
        _ => (None, None, None),
    }
}

/// `location`: foxden has no geo-IP database, so always `{}` (as Mozilla answers
/// for a session without a location).
#[derive(Serialize, ToSchema, Default)]
pub(crate) struct Location {}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct DeviceBody {
    #[schema(value_type = Option<String>)]
    id: Option<Hex<16>>,
    #[schema(value_type = Option<String>)]
    name: Option<DeviceName>,
    #[serde(rename = "type")]
    #[schema(value_type = Option<String>)]
    device_type: Option<DeviceType>,
    #[schema(value_type = Option<String>)]
    push_callback: Option<PushCallback>,
    #[schema(value_type = Option<String>)]
    push_public_key: Option<PushKey<88>>,
    #[schema(value_type = Option<String>)]
    push_auth_key: Option<PushKey<24>>,
    #[schema(value_type = Option<Object>)]
    available_commands: Option<AvailableCommands>,
    /// Accepted only empty, and ignored (old desktop Firefox sends `[]`).
    #[schema(value_type = Option<Vec<String>>)]
    capabilities: Option<Vec<Value>>,
}

fn invalid(keys: &[&str]) -> ApiError {
    ApiError::InvalidParameter {
        origin: Source::Payload,
        keys: keys.iter().map(|k| k.to_string()).collect(),
    }
}

impl DeviceBody {
    /// The checks beyond each field's type: `capabilities` empty, the three push
    /// fields together, an allowed push host and a usable P-256 key.
    fn into_fields(self, state: &AppState) -> ApiResult<DeviceFields> {
        if self.capabilities.as_ref().is_some_and(|c| !c.is_empty()) {
            return Err(invalid(&["capabilities"]));
        }
        let push = match (self.push_callback, self.push_public_key, self.push_auth_key) {
            (None, None, None) => None,
            (Some(c), Some(p), Some(a)) => Some((c.0, p.0, a.0)),
            (c, p, a) => {
                let missing: Vec<&str> = [
                    (c.is_none(), "pushCallback"),
                    (p.is_none(), "pushPublicKey"),
                    (a.is_none(), "pushAuthKey"),
                ]
                .into_iter()
                .filter_map(|(gone, key)| gone.then_some(key))
                .collect();
                return Err(invalid(&missing));
            }
        };
        if let Some((callback, public_key, _)) = &push {
            if !callback.is_empty() && !state.settings.push_allowed_servers.is_match(callback) {
                return Err(invalid(&["pushCallback"]));
            }
            if !is_valid_push_public_key(public_key) {
                return Err(invalid(&["pushPublicKey"]));
            }
        }
        Ok(DeviceFields {
            id: self.id.map(|h| h.0),
            name: self.name.map(|n| n.0),
            device_type: self.device_type.map(|t| t.0),
            push,
            available_commands: self.available_commands.map(|c| c.0),
        })
    }
}

/// The device record as registered.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeviceResponse {
    id: String,
    created_at: i64,
    name: String,
    #[serde(rename = "type")]
    device_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    push_callback: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    push_public_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    push_auth_key: Option<String>,
    push_endpoint_expired: bool,
    available_commands: BTreeMap<String, String>,
}

/// Creates the caller's device or updates it (`id`: the caller's device; 123 if
/// it has none, 124 if it has another); an update that changes nothing writes nothing.
#[utoipa::path(post, path = "/account/device", tag = "Devices and Sessions",
    request_body = DeviceBody,
    responses((status = 200, body = DeviceResponse), (status = 400, response = ErrorResponse),
        (status = 401, response = ErrorResponse)))]
async fn register(
    State(state): State<AppState>,
    auth: SessionOrRefreshToken,
    ApiJson(body): ApiJson<DeviceBody>,
) -> ApiResult<Json<DeviceResponse>> {
    let fields = body.into_fields(&state)?;
    let registered = devices::register(&state, &auth, fields).await?;
    let d = registered.device;
    let ua = devices::user_agent_of(&auth);
    Ok(Json(DeviceResponse {
        id: foxden_crypto::to_hex(d.id),
        created_at: d.created_at,
        name: devices::display_name(&d, &ua),
        device_type: devices::display_type(&d, &ua),
        available_commands: devices::commands_of(&d),
        push_endpoint_expired: d.push_endpoint_expired,
        push_callback: d.push_callback,
        push_public_key: d.push_public_key,
        push_auth_key: d.push_auth_key,
    }))
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct DevicesQuery {
    /// Only devices used since this time (ms).
    filter_idle_devices_timestamp: Option<f64>,
}

/// One device of the account.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeviceListItem {
    id: String,
    is_current_device: bool,
    last_access_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_access_time_formatted: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    approximate_last_access_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    approximate_last_access_time_formatted: Option<String>,
    location: Location,
    name: String,
    #[serde(rename = "type")]
    device_type: String,
    push_callback: Option<String>,
    push_public_key: Option<String>,
    push_auth_key: Option<String>,
    push_endpoint_expired: bool,
    /// The stored object of command names to their data, as it is.
    #[schema(value_type = BTreeMap<String, String>)]
    available_commands: Box<serde_json::value::RawValue>,
}

fn list_item(v: devices::DeviceView, locale: Locale, now: Millis) -> DeviceListItem {
    let (formatted, approx, approx_formatted) = access_stamps(locale, v.last_access_time, now);
    let d: &Device = &v.device;
    DeviceListItem {
        id: foxden_crypto::to_hex(d.id),
        is_current_device: v.is_current,
        last_access_time: v.last_access_time,
        last_access_time_formatted: formatted,
        approximate_last_access_time: approx,
        approximate_last_access_time_formatted: approx_formatted,
        location: Location {},
        name: devices::display_name(d, &v.user_agent),
        device_type: devices::display_type(d, &v.user_agent),
        push_endpoint_expired: d.push_endpoint_expired,
        available_commands: devices::commands_raw(v.device.available_commands),
        push_callback: v.device.push_callback,
        push_public_key: v.device.push_public_key,
        push_auth_key: v.device.push_auth_key,
    }
}

/// The account's devices, the caller's marked `isCurrentDevice`.
#[utoipa::path(get, path = "/account/devices", tag = "Devices and Sessions",
    params(DevicesQuery),
    responses((status = 200, body = Vec<DeviceListItem>), (status = 400, response = ErrorResponse),
        (status = 401, response = ErrorResponse)))]
async fn list(
    State(state): State<AppState>,
    auth: SessionOrRefreshToken,
    locale: Locale,
    ApiQuery(query): ApiQuery<DevicesQuery>,
) -> ApiResult<Json<Vec<DeviceListItem>>> {
    let since = query.filter_idle_devices_timestamp.map(|t| t as i64);
    let views = devices::list(&state, &auth, since).await?;
    let now = now_ms();
    Ok(Json(
        views
            .into_iter()
            .map(|v| list_item(v, locale, now))
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeviceDestroyBody {
    #[schema(value_type = String)]
    id: Hex<16>,
}

/// Deletes a device of the account with its session or refresh token (and its
/// command queue); 123 if there is no such device.
#[utoipa::path(post, path = "/account/device/destroy", tag = "Devices and Sessions",
    request_body = DeviceDestroyBody,
    responses((status = 200, body = Empty), (status = 400, response = ErrorResponse),
        (status = 401, response = ErrorResponse)))]
async fn destroy(
    State(state): State<AppState>,
    auth: SessionOrRefreshToken,
    ApiJson(body): ApiJson<DeviceDestroyBody>,
) -> ApiResult<Json<Empty>> {
    devices::destroy(&state, &auth.uid(), &body.id.0).await?;
    Ok(Json(Empty {}))
}
