//! The router that mounts `#[utoipa::path]` handlers and keeps their OpenAPI
//! entries for later (ADR 0012, "lazy document").
//!
//! `utoipa_axum::routes!` builds every operation and schema while the router is
//! built, so every start ran (and kept resident) the whole document's code for a
//! document that is asked for rarely. [`api_routes!`] reads only each handler's
//! path and methods to mount it, and records a function that adds the handler's
//! operation and schemas; [`ApiDoc::build`] runs those functions on the first
//! `GET /openapi.json`.

use axum::routing::MethodRouter;
use axum::Router;
use utoipa::openapi::path::Paths;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{Components, OpenApi, OpenApiBuilder, RefOr};

use crate::state::AppState;

/// The named schemas a handler's types contribute to `components.schemas`.
pub type Schemas = Vec<(String, RefOr<Schema>)>;

/// Adds one handler's operation to `paths` and its schemas to `schemas`.
pub type DocFn = fn(&mut Paths, &mut Schemas);

/// What [`api_routes!`] makes: the handlers of one path, mounted, and their
/// document entries, not yet built.
pub struct LazyRoutes<S> {
    pub path: String,
    pub method_router: MethodRouter<S>,
    pub docs: Vec<DocFn>,
}

/// An `axum::Router` with the document entries of the routes it mounted.
pub struct ApiRouter<S = AppState> {
    router: Router<S>,
    docs: Vec<DocFn>,
}

impl<S: Clone + Send + Sync + 'static> Default for ApiRouter<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Clone + Send + Sync + 'static> ApiRouter<S> {
    pub fn new() -> Self {
        ApiRouter {
            router: Router::new(),
            docs: Vec::new(),
        }
    }

    /// Mounts the handlers of [`api_routes!`] at their path.
    pub fn routes(mut self, routes: LazyRoutes<S>) -> Self {
        let path = if routes.path.is_empty() {
            "/"
        } else {
            &routes.path
        };
        self.router = self.router.route(path, routes.method_router);
        self.docs.extend(routes.docs);
        self
    }

    pub fn merge(mut self, other: ApiRouter<S>) -> Self {
        self.router = self.router.merge(other.router);
        self.docs.extend(other.docs);
        self
    }

    /// The router to serve, and the document's entries to build when asked.
    pub fn split_for_parts(self) -> (Router<S>, ApiDoc) {
        (self.router, ApiDoc(self.docs))
    }
}

/// The document entries of a set of routes, built on demand.
pub struct ApiDoc(Vec<DocFn>);

impl ApiDoc {
    /// The OpenAPI document of these routes: their paths, operations and schemas.
    pub fn build(&self) -> OpenApi {
        let mut paths = Paths::new();
        let mut schemas = Schemas::new();
        for add in &self.0 {
            add(&mut paths, &mut schemas);
        }
        let mut components = Components::new();
        components.schemas.extend(schemas);
        OpenApiBuilder::new()
            .paths(paths)
            .components(Some(components))
            .build()
    }
}

/// `api_routes!(handler, …)`: the handlers (all of one path, each with a
/// `#[utoipa::path]`) as [`LazyRoutes`]. Only `path()` and `methods()` of the
/// generated `__path_*` types run now; `operation()` and `schemas()` run in
/// [`ApiDoc::build`]. Relies on `utoipa_axum::routes!`'s path arms (pinned by
/// Cargo.lock) to name the `__path_*` type of a handler path.
macro_rules! api_routes {
    ( $( $handler:path ),+ $(,)? ) => {{
        #[allow(unused_imports)]
        use utoipa_axum::PathItemExt as _;
        let mut method_router = axum::routing::MethodRouter::new();
        let mut path: Option<String> = None;
        let mut docs: Vec<$crate::openapi::router::DocFn> = Vec::new();
        $(
            if path.is_none() {
                path = Some(utoipa_axum::paste! { utoipa_axum::routes!(@path [path()] of $handler) });
            }
            let methods = utoipa_axum::paste! { utoipa_axum::routes!(@path [methods()] of $handler) };
            for method in methods.iter() {
                method_router = method_router.on(method.to_method_filter(), $handler);
            }
            docs.push(
                |paths: &mut utoipa::openapi::path::Paths,
                 schemas_out: &mut $crate::openapi::router::Schemas| {
                    let mut schemas = $crate::openapi::router::Schemas::new();
                    let (path, operation, methods) =
                        utoipa_axum::routes!(@resolve_types $handler : schemas);
                    paths.add_path_operation(&path, methods, operation);
                    schemas_out.extend(schemas);
                },
            );
        )+
        $crate::openapi::router::LazyRoutes {
            path: path.unwrap_or_default(),
            method_router,
            docs,
        }
    }};
}
pub(crate) use api_routes;
