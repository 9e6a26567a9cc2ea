//! `GET /v1/jwks`: the public keys that verify foxden's JWT access tokens and
//! id_tokens (the Sync tokenserver fetches it to verify tokens locally).

use crate::openapi::api_routes;
use crate::openapi::ApiRouter;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::signing_keys::Jwk;
use crate::state::AppState;

pub fn routes() -> ApiRouter<AppState> {
    ApiRouter::new().routes(api_routes!(jwks))
}

/// The OpenID key set: the current key, then the previous one after a rotation.
#[derive(Serialize, ToSchema)]
pub(crate) struct JwksResponse {
    keys: Vec<Jwk>,
}

#[utoipa::path(get, path = "/jwks", tag = "OAuth Server API Overview",
    responses((status = 200, body = JwksResponse)))]
async fn jwks(State(state): State<AppState>) -> impl IntoResponse {
    let body = JwksResponse {
        keys: state.openid_keys.jwks(),
    };
    // Mozilla's route: public, cached for 10 seconds.
    ([(header::CACHE_CONTROL, "public, max-age=10")], Json(body))
}
