//! foxden's OpenAPI 3 document, generated from the routes themselves: each
//! handler's `#[utoipa::path]` (path, method, query, body, answers) is what
//! `utoipa_axum::routes!` mounts, and the request and response types derive
//! their schemas. Served at `GET /openapi.json` and `GET /v1/openapi.json`;
//! `tests/api/openapi.rs` checks it against Mozilla's swagger
//! (`docs/fxa-api-swagger.json`) with the reviewed differences in
//! `docs/api-deviations.toml`.

mod schemas;

use std::sync::Arc;

use axum::http::header;
use axum::response::IntoResponse;
use axum::Router;
use utoipa::openapi::{Info, OpenApi, OpenApiBuilder};
use utoipa::ToResponse;
use utoipa_axum::router::OpenApiRouter;

use crate::api;
use crate::state::AppState;

/// The API routes (`/v1/*` and the root ones) with the document they make.
/// `/v1` keeps its own router so that its fallbacks stay its own.
pub struct Routes {
    pub v1: Router<AppState>,
    pub root: Router<AppState>,
    pub document: OpenApi,
}

pub fn routes() -> Routes {
    let (v1, v1_doc) = api::v1_routes().split_for_parts();
    let (root, root_doc) = OpenApiRouter::new()
        .merge(api::ops::routes())
        .merge(api::browserid::root_routes())
        .merge(api::discovery::root_routes())
        .split_for_parts();
    let mut document = base().nest("/v1", v1_doc);
    document.merge(root_doc);
    let components = document.components.get_or_insert_with(Default::default);
    let (name, error) = api::ErrorResponse::response();
    components.responses.insert(name.to_string(), error);
    Routes { v1, root, document }
}

fn base() -> OpenApi {
    let mut info = Info::new("foxden", env!("CARGO_PKG_VERSION"));
    info.description = Some(
        "A Firefox Accounts server: the FxA auth-server API it serves. Errors answer \
         FxA's error body (`code`, `errno`, `error`, `message`, `info`, extras by errno)."
            .into(),
    );
    OpenApiBuilder::new().info(info).build()
}

/// `GET /openapi.json` (mounted at the root and under `/v1`): the document,
/// serialized once.
pub fn document_routes(document: &OpenApi) -> Router<AppState> {
    let json: Arc<str> = match document.to_json() {
        Ok(json) => json.into(),
        Err(err) => {
            tracing::error!(error = %err, "the OpenAPI document does not serialize");
            "{}".into()
        }
    };
    let serve = move || {
        let json = json.clone();
        async move {
            (
                [(header::CONTENT_TYPE, "application/json")],
                json.to_string(),
            )
                .into_response()
        }
    };
    Router::new().route("/openapi.json", axum::routing::get(serve))
}
