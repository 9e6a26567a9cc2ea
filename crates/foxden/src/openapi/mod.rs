//! foxden's OpenAPI 3 document, generated from the routes themselves: each
//! handler's `#[utoipa::path]` (path, method, query, body, answers) is what
//! [`api_routes!`] mounts, and the request and response types derive
//! their schemas. The document is built on its first request ([`router`]). Served at `GET /openapi.json` and `GET /v1/openapi.json`;
//! `tests/api/openapi.rs` checks it against Mozilla's swagger
//! (`docs/fxa-api-swagger.json`) with the reviewed differences in
//! `docs/api-deviations.toml`.

pub mod router;
mod schemas;

use std::sync::{Arc, OnceLock};

use axum::http::header;
use axum::response::IntoResponse;
use axum::Router;
use utoipa::openapi::{Info, OpenApi, OpenApiBuilder};
use utoipa::ToResponse;

pub(crate) use router::api_routes;
pub use router::{ApiDoc, ApiRouter};

use crate::api;
use crate::state::AppState;

/// The API routes (`/v1/*` and the root ones) with the document they make.
/// `/v1` keeps its own router so that its fallbacks stay its own.
pub struct Routes {
    pub v1: Router<AppState>,
    pub root: Router<AppState>,
    pub document: Document,
}

pub fn routes() -> Routes {
    let (v1, v1_doc) = api::v1_routes().split_for_parts();
    let (root, root_doc) = ApiRouter::new()
        .merge(api::ops::routes())
        .merge(api::browserid::root_routes())
        .merge(api::discovery::root_routes())
        .split_for_parts();
    Routes {
        v1,
        root,
        document: Document {
            v1: v1_doc,
            root: root_doc,
        },
    }
}

/// The parts of the document, assembled by [`Document::build`].
pub struct Document {
    v1: ApiDoc,
    root: ApiDoc,
}

impl Document {
    /// The whole document: `/v1` routes, root routes, FxA's error answer.
    pub fn build(&self) -> OpenApi {
        let mut document = base().nest("/v1", self.v1.build());
        document.merge(self.root.build());
        let components = document.components.get_or_insert_with(Default::default);
        let (name, error) = api::ErrorResponse::response();
        components.responses.insert(name.to_string(), error);
        document
    }

    fn to_json(&self) -> Arc<str> {
        match self.build().to_json() {
            Ok(json) => json.into(),
            Err(err) => {
                tracing::error!(error = %err, "the OpenAPI document does not serialize");
                "{}".into()
            }
        }
    }
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
/// built and serialized on the first request and kept.
pub fn document_routes(document: Document) -> Router<AppState> {
    let document = Arc::new(document);
    let json: Arc<OnceLock<Arc<str>>> = Arc::default();
    let serve = move || {
        let document = document.clone();
        let json = json.clone();
        async move {
            let body = json.get_or_init(|| document.to_json()).to_string();
            ([(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
    };
    Router::new().route("/openapi.json", axum::routing::get(serve))
}
