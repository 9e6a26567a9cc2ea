//! Small utility routes.

use crate::openapi::api_routes;
use crate::openapi::ApiRouter;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

pub fn routes() -> ApiRouter<AppState> {
    ApiRouter::new().routes(api_routes!(random_bytes))
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
