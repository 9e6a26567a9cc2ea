//! Dockerflow endpoints: `/__heartbeat__` (checks the database),
//! `/__lbheartbeat__` (process is up), `/__version__`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/__heartbeat__", get(heartbeat))
        .route("/__lbheartbeat__", get(lbheartbeat))
        .route("/__version__", get(version))
}

async fn heartbeat(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.db.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({ "status": "ok", "database": state.db.backend_name() })),
        ),
        Err(err) => {
            tracing::error!(error = %err, "heartbeat: database check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "error", "database": "unreachable" })),
            )
        }
    }
}

async fn lbheartbeat() -> Json<Value> {
    Json(json!({}))
}

pub fn version_info() -> Value {
    json!({
        "version": env!("CARGO_PKG_VERSION"),
        "source": "https://github.com/foxden/foxden",
        "commit": env!("FOXDEN_BUILD_COMMIT"),
    })
}

async fn version() -> Json<Value> {
    Json(version_info())
}
