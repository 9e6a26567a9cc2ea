//! `GET /securityEvents`: the account's recent security events, newest first.
//! PROTOCOL §13 marks the exact shape UNCONFIRMED; this is what the settings UI reads.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use foxden_db::ops::*;
use serde_json::{json, Value};

use crate::auth::SessionAuth;
use crate::error::ApiResult;
use crate::service::security::LIST_LIMIT;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/securityEvents", get(list))
}

async fn list(State(state): State<AppState>, auth: SessionAuth) -> ApiResult<Json<Value>> {
    let events = state
        .db
        .security_events(&auth.token.core.uid, LIST_LIMIT)
        .await?;
    let out = events
        .iter()
        .map(|e| json!({ "name": e.name, "verified": e.verified, "createdAt": e.created_at }))
        .collect();
    Ok(Json(Value::Array(out)))
}
