//! Small utility routes.

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(random_bytes))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct RandomBytesResponse {
    /// 32 random bytes, hex.
    data: String,
}

#[utoipa::path(post, path = "/get_random_bytes", tag = "Miscellaneous",
    responses((status = 200, body = RandomBytesResponse)))]
async fn random_bytes() -> Json<RandomBytesResponse> {
    Json(RandomBytesResponse {
        data: foxden_crypto::random::hex(32),
    })
}
