//! `GET /securityEvents`: the account's recent security events, newest first.
//! PROTOCOL §13 marks the exact shape UNCONFIRMED; this is what the settings UI reads.

use crate::openapi::api_routes;
use crate::openapi::ApiRouter;
use axum::extract::State;
use axum::Json;
use foxden_db::ops::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::ErrorResponse;
use crate::auth::SessionAuth;
use crate::error::ApiResult;
use crate::service::security::LIST_LIMIT;
use crate::state::AppState;

pub fn routes() -> ApiRouter<AppState> {
    ApiRouter::new().routes(api_routes!(list))
}

/// One event (fields in the order serde_json's map wrote them).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SecurityEvent {
    created_at: i64,
    name: String,
    verified: bool,
}

#[utoipa::path(get, path = "/securityEvents", tag = "Security events",
    responses((status = 200, body = Vec<SecurityEvent>), (status = 401, response = ErrorResponse)))]
async fn list(
    State(state): State<AppState>,
    auth: SessionAuth,
) -> ApiResult<Json<Vec<SecurityEvent>>> {
    let events = state
        .db
        .security_events(&auth.token.core.uid, LIST_LIMIT)
        .await?;
    let out = events
        .into_iter()
        .map(|e| SecurityEvent {
            created_at: e.created_at,
            name: e.name,
            verified: e.verified,
        })
        .collect();
    Ok(Json(out))
}
