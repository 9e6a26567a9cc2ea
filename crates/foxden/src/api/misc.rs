//! Small utility routes.

use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/get_random_bytes", post(random_bytes))
}

async fn random_bytes() -> Json<Value> {
    Json(json!({ "data": foxden_crypto::random::hex(32) }))
}
