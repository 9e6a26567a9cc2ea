//! Dockerflow endpoints: `/__heartbeat__` (checks the database),
//! `/__lbheartbeat__` (process is up), `/__version__`.

use crate::openapi::api_routes;
use crate::openapi::ApiRouter;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::Empty;
use crate::state::AppState;

pub fn routes() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(api_routes!(heartbeat))
        .routes(api_routes!(lbheartbeat))
        .routes(api_routes!(version))
}

#[derive(Serialize, ToSchema)]
pub struct HeartbeatResponse {
    /// The backend's name, or `unreachable`.
    #[schema(value_type = String)]
    database: &'static str,
    /// `ok` or `error`.
    #[schema(value_type = String)]
    status: &'static str,
}

#[utoipa::path(get, path = "/__heartbeat__", tag = "Dockerflow",
    responses((status = 200, body = HeartbeatResponse), (status = 503, body = HeartbeatResponse)))]
async fn heartbeat(State(state): State<AppState>) -> (StatusCode, Json<HeartbeatResponse>) {
    match state.db.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(HeartbeatResponse {
                database: state.db.backend_name(),
                status: "ok",
            }),
        ),
        Err(err) => {
            tracing::error!(error = %err, "heartbeat: database check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(HeartbeatResponse {
                    database: "unreachable",
                    status: "error",
                }),
            )
        }
    }
}

#[utoipa::path(get, path = "/__lbheartbeat__", tag = "Dockerflow",
    responses((status = 200, body = Empty)))]
async fn lbheartbeat() -> Json<Empty> {
    Json(Empty {})
}

/// `/__version__` (and `/`): what is running.
#[derive(Serialize, ToSchema)]
pub struct VersionResponse {
    #[schema(value_type = String)]
    commit: &'static str,
    #[schema(value_type = String)]
    source: &'static str,
    #[schema(value_type = String)]
    version: &'static str,
}

pub fn version_info() -> VersionResponse {
    VersionResponse {
        commit: env!("FOXDEN_BUILD_COMMIT"),
        source: "https://github.com/foxden/foxden",
        version: env!("CARGO_PKG_VERSION"),
    }
}

#[utoipa::path(get, path = "/__version__", tag = "Dockerflow",
    responses((status = 200, body = VersionResponse)))]
async fn version() -> Json<VersionResponse> {
    Json(version_info())
}
