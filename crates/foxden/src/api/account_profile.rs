//! `GET /account/profile`: the account's email, locale and authentication
//! methods, for a session (every field) or an OAuth access token (the fields its
//! scopes imply, as Mozilla's route filters them). The profile server's
//! `/v1/profile` is built on the same service ([`crate::service::profile`]).
//!
//! Like Mozilla's route it has no rate-limit rule: it reads, and only for the
//! holder of a valid token.

use crate::openapi::api_routes;
use crate::openapi::ApiRouter;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::Json;
use foxden_db::Uid;
use serde::Serialize;
use utoipa::ToSchema;

use super::ErrorResponse;
use crate::auth::SessionAuth;
use crate::error::{ApiError, ApiResult};
use crate::oauth::access::{self, AccessToken, BearerAccess};
use crate::service::profile::{self, AccountProfile, Viewer};
use crate::state::AppState;

pub fn routes() -> ApiRouter<AppState> {
    ApiRouter::new().routes(api_routes!(account_profile))
}

/// A session token (Hawk or `Bearer fxs_…`; its account's uid) or an OAuth access
/// token (`Bearer <token>`).
pub(crate) enum SessionOrAccessToken {
    Session(Uid),
    Token(AccessToken),
}

impl FromRequestParts<AppState> for SessionOrAccessToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if access::bearer_access_token(parts).is_some() {
            let BearerAccess(token) = BearerAccess::from_request_parts(parts, state).await?;
            return Ok(SessionOrAccessToken::Token(token));
        }
        let auth = SessionAuth::from_request_parts(parts, state).await?;
        Ok(SessionOrAccessToken::Session(auth.token.core.uid))
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AccountProfileResponse)]
pub(crate) struct ProfileResponse {
    /// `profile:email`.
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    /// `profile:locale`, when the account has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    locale: Option<String>,
    /// `profile:amr`.
    #[serde(skip_serializing_if = "Option::is_none")]
    authentication_methods: Option<Vec<String>>,
    /// `profile:amr`.
    #[serde(skip_serializing_if = "Option::is_none")]
    authenticator_assurance_level: Option<i32>,
    /// `profile:age_check`: null, foxden keeps no age answer.
    #[serde(rename = "atLeast18AtReg", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<bool>)]
    at_least_18_at_reg: Option<Option<bool>>,
    /// `profile:account_disabled_at`, when the account is disabled (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    account_disabled_at: Option<i64>,
    /// `profile:account_locked_at`, when the account is locked (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    account_locked_at: Option<i64>,
    /// Present when any field above is (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    profile_changed_at: Option<i64>,
    /// Present with `profileChangedAt`; foxden records no metrics opt-out, so true.
    #[serde(skip_serializing_if = "Option::is_none")]
    metrics_enabled: Option<bool>,
}

impl From<AccountProfile> for ProfileResponse {
    fn from(p: AccountProfile) -> Self {
        let (methods, level) = p.amr.unzip();
        ProfileResponse {
            email: p.email,
            locale: p.locale,
            authentication_methods: methods,
            authenticator_assurance_level: level,
            at_least_18_at_reg: p.age_check.then_some(None),
            account_disabled_at: p.disabled_at,
            account_locked_at: p.locked_at,
            metrics_enabled: p.profile_changed_at.map(|_| true),
            profile_changed_at: p.profile_changed_at,
        }
    }
}

#[utoipa::path(get, path = "/account/profile", tag = "Account",
    responses((status = 200, body = ProfileResponse), (status = 401, response = ErrorResponse)))]
async fn account_profile(
    State(state): State<AppState>,
    caller: SessionOrAccessToken,
) -> ApiResult<Json<ProfileResponse>> {
    let found = match &caller {
        SessionOrAccessToken::Session(uid) => {
            profile::account_profile(&state.db, uid, &Viewer::Session).await?
        }
        SessionOrAccessToken::Token(token) => {
            profile::account_profile(&state.db, &token.uid, &Viewer::Token(&token.scope)).await?
        }
    };
    Ok(Json(found.into()))
}
