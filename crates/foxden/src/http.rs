//! The HTTP envelope every route shares: `Timestamp` header, JSON errors for
//! unknown routes and methods, 411 for bodies without a length, request ids,
//! request logs (path and status only), CORS, and panics turned into errno 999.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue, Method, Response};
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::api;
use crate::error::ApiError;
use crate::state::AppState;

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
static TIMESTAMP: HeaderName = HeaderName::from_static("timestamp");

pub fn router(state: AppState) -> Router {
    let routes = crate::openapi::routes();
    let document = crate::openapi::document_routes(routes.document);
    let v1 = routes
        .v1
        .merge(document.clone())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);
    Router::new()
        .nest("/v1", v1)
        .merge(routes.root)
        .merge(document)
        .merge(crate::pages::routes(&state.settings))
        .nest(&state.settings.profile_server_prefix, crate::profile::routes())
        .route("/", axum::routing::get(root))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        .layer(middleware::from_fn(envelope))
        .layer(CatchPanicLayer::custom(|_| ApiError::Unexpected.into_response()))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request| {
                let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
                tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path())
            })
            .on_response(DefaultOnResponse::new().level(tracing::Level::INFO))
                // Statuses are in the response line; 503 errno 201 under load is expected, not an error.
                .on_failure(()),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), RandomRequestId::new()))
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods(Any)
                .allow_headers(Any)
                .expose_headers([TIMESTAMP.clone(), header::RETRY_AFTER, header::CONTENT_LANGUAGE]),
        )
        .layer(middleware::map_response(add_timestamp))
}

async fn root() -> axum::Json<api::ops::VersionResponse> {
    axum::Json(api::ops::version_info())
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// Every response carries `Timestamp: <unix seconds>`, as FxA's do.
async fn add_timestamp(mut response: Response<Body>) -> Response<Body> {
    let now = crate::clock::now_secs().to_string();
    if let Ok(value) = HeaderValue::from_str(&now) {
        response.headers_mut().insert(TIMESTAMP.clone(), value);
    }
    response
}

/// A body-carrying method must say how long its body is (411 errno 112); the
/// request's `Accept-Language` stays at hand for errors that word a wait
/// (`retryAfterLocalized`).
async fn envelope(req: Request, next: Next) -> Response<Body> {
    let carries_body = matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH);
    if carries_body && !req.headers().contains_key(header::CONTENT_LENGTH) {
        return ApiError::MissingContentLength.into_response();
    }
    let language = req.headers().get(header::ACCEPT_LANGUAGE).cloned();
    crate::relative_time::ACCEPT_LANGUAGE
        .scope(language, next.run(req))
        .await
}

/// Request ids: a random per-process prefix and a counter — unique, cheap (no
/// syscall per request), and not a secret.
#[derive(Clone)]
struct RandomRequestId {
    prefix: std::sync::Arc<str>,
    counter: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl RandomRequestId {
    fn new() -> Self {
        RandomRequestId {
            prefix: foxden_crypto::random::hex(4).into(),
            counter: Default::default(),
        }
    }
}

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self
            .counter
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        HeaderValue::from_str(&format!("{}-{n:x}", self.prefix))
            .ok()
            .map(RequestId::new)
    }
}
