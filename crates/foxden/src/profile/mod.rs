//! The profile server (Mozilla's fxa-profile-server), served by foxden itself under
//! `FOXDEN_PROFILE_SERVER_PREFIX` (default `/profile`, so Firefox's
//! `profile_server_base_url` is `<public URL>/profile` and its API `/profile/v1/…`).
//!
//! Every route takes `Authorization: Bearer <access token>` (verified by
//! [`crate::oauth::access::verify`]) and answers what the token's scopes reach,
//! as Mozilla's routes do (`profile` implies every `profile:*`, `:write` implies
//! the read scope); errors are the profile server's ([`ProfileError`]).
//! foxden keeps no avatars: every account has the default one, an image foxden
//! serves at `<prefix>/a/<id>`. The only stored field is the display name.
//!
//! These routes are not the auth server's API, so they are not in foxden's
//! OpenAPI document (which is compared with the auth server's swagger); like
//! Mozilla's they have no rate-limit rule (reads, and one write of the caller's own
//! display name).

mod handlers;
mod tagged;

use crate::openapi::api_routes;
use crate::openapi::ApiRouter;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Router;

use crate::error::{ApiError, ProfileError};
use crate::oauth::access::{self, AccessToken};
use crate::state::AppState;

pub use tagged::checksum;

/// The profile server's routes, to be nested at the configured prefix.
pub fn routes() -> Router<AppState> {
    let (v1, _document) = ApiRouter::new()
        .routes(api_routes!(handlers::profile))
        .routes(api_routes!(handlers::uid))
        .routes(api_routes!(handlers::email))
        .routes(api_routes!(handlers::avatar))
        .routes(api_routes!(
            handlers::display_name,
            handlers::set_display_name
        ))
        .split_for_parts();
    let (images, _document) = ApiRouter::new()
        .routes(api_routes!(handlers::avatar_image))
        .split_for_parts();
    Router::new()
        .nest("/v1", v1.fallback(not_found))
        .merge(images)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> ApiError {
    ProfileError::Other {
        status: StatusCode::NOT_FOUND,
        error: "Not Found",
        message: "Not Found".into(),
    }
    .into()
}

async fn method_not_allowed() -> ApiError {
    ProfileError::translate(ApiError::MethodNotAllowed)
}

/// A request with a valid access token. No Bearer header is 401 errno 100
/// "Bearer token not provided"; a token that is unknown, expired or revoked, 401
/// errno 100 "Bearer token invalid".
pub struct ProfileBearer(pub AccessToken);

impl FromRequestParts<AppState> for ProfileBearer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let presented = access::bearer_access_token(parts).ok_or(ProfileError::Unauthorized {
            reason: "Bearer token not provided",
        })?;
        access::verify(state, presented, crate::clock::now_ms())
            .await
            .map(ProfileBearer)
            .map_err(ProfileError::translate)
    }
}

impl ProfileBearer {
    /// Whether some scope of the token implies one of `any_of` (a route's `scope` list).
    fn reaches(&self, any_of: &[&str]) -> bool {
        any_of.iter().any(|scope| self.0.scope.implies(scope))
    }

    /// 403 "Insufficient scope" unless the token reaches one of `any_of`.
    fn require(&self, any_of: &[&str]) -> Result<(), ApiError> {
        if self.reaches(any_of) {
            Ok(())
        } else {
            Err(ProfileError::Forbidden {
                message: "Insufficient scope",
            }
            .into())
        }
    }
}
