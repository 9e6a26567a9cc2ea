//! The FxA routes, one file per group, mounted under `/v1`.

mod account;
pub mod browserid;
mod emails;
mod misc;
pub mod ops;
mod password;
mod redirects;
mod security;
mod session;

use axum::Router;

use crate::state::AppState;

pub fn v1_routes() -> Router<AppState> {
    Router::new()
        .merge(account::routes())
        .merge(session::routes())
        .merge(emails::routes())
        .merge(misc::routes())
        .merge(password::routes())
        .merge(browserid::routes())
        .merge(redirects::routes())
        .merge(security::routes())
}
