//! `POST /account/devices/notify`: a client pushes a payload of Mozilla's push
//! payload schema (e.g. `sync:collection_changed` after sending a tab) to the
//! account's devices, `to: "all"` (less `excluded`) or a list of device ids.

use crate::openapi::api_routes;
use crate::openapi::ApiRouter;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::{Empty, ErrorResponse};
use crate::auth::SessionOrRefreshToken;
use crate::customs::{self, Action, Subject};
use crate::error::{ApiError, ApiResult, Source};
use crate::extract::{ApiJson, ClientIp};
use crate::service::push_events::{self, NotifyTo};
use crate::state::AppState;
use crate::validate::{push_payload, Hex};

pub fn routes() -> ApiRouter<AppState> {
    ApiRouter::new().routes(api_routes!(notify))
}

/// The string `"all"`.
#[derive(Deserialize)]
enum All {
    #[serde(rename = "all")]
    All,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Recipients {
    All(All),
    Ids(Vec<Hex<16>>),
}

/// Only a metrics label at Mozilla; accepted and not used.
#[derive(Deserialize)]
enum EndpointAction {
    #[serde(rename = "accountVerify")]
    AccountVerify,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DevicesNotifyBody {
    /// `"all"` or an array of device ids.
    #[schema(value_type = String)]
    to: Recipients,
    #[serde(rename = "_endpointAction")]
    #[schema(value_type = Option<String>)]
    _endpoint_action: Option<EndpointAction>,
    /// Device ids left out of `to: "all"` (ignored with a list).
    #[schema(value_type = Option<Vec<String>>)]
    excluded: Option<Vec<Hex<16>>>,
    /// A payload of Mozilla's `pushpayloads.schema.json`.
    #[schema(value_type = Object)]
    payload: Value,
    /// The push's TTL in seconds; 0 by default.
    #[serde(rename = "TTL")]
    ttl: Option<u32>,
}

/// Queues the payload for the named devices that can get it (no callback,
/// `pushEndpointExpired`, iOS for these payloads, or no keys: skipped); errno 107
/// for a payload the schema refuses. Delivery is asynchronous.
#[utoipa::path(post, path = "/account/devices/notify", tag = "Devices and Sessions",
    request_body = DevicesNotifyBody,
    responses((status = 200, body = Empty), (status = 400, response = ErrorResponse),
        (status = 401, response = ErrorResponse), (status = 429, response = ErrorResponse)))]
async fn notify(
    State(state): State<AppState>,
    ip: ClientIp,
    auth: SessionOrRefreshToken,
    ApiJson(body): ApiJson<DevicesNotifyBody>,
) -> ApiResult<Json<Empty>> {
    if !push_payload::is_valid(&body.payload) {
        return Err(ApiError::InvalidParameter {
            origin: Source::Payload,
            keys: vec!["payload".into()],
        });
    }
    let uid = auth.uid();
    let subject = Subject {
        ip: &ip,
        email: None,
        uid: Some(&uid),
    };
    customs::check(&state, Action::DevicesNotify, subject).await?;
    let to = match body.to {
        Recipients::All(All::All) => NotifyTo::All {
            excluded: body
                .excluded
                .unwrap_or_default()
                .iter()
                .map(|h| h.0)
                .collect(),
        },
        Recipients::Ids(ids) => NotifyTo::Ids(ids.iter().map(|h| h.0).collect()),
    };
    let ttl = body.ttl.unwrap_or(0);
    push_events::notify(&state, &uid, &to, body.payload, ttl).await?;
    Ok(Json(Empty {}))
}
