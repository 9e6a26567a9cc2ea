//! The profile server's routes: `/v1/profile` (the parts the token reaches, in
//! one answer), `/v1/uid`, `/v1/email`, `/v1/avatar`, `/v1/display_name` (GET and
//! POST) and the default avatar image `/a/<id>`.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::tagged::{checksum, IfNoneMatch, Tagged};
use super::ProfileBearer;
use crate::api::Empty;
use crate::clock::now_ms;
use crate::error::{ApiError, ProfileError};
use crate::extract::ApiJson;
use crate::oauth::scopes::OPENID;
use crate::service::profile::{self, Viewer, DEFAULT_AVATAR_ID};
use crate::state::AppState;

/// The scopes of Mozilla's internal `_core_profile` route (the auth server's
/// `/account/profile` then filters per scope); `email` is OpenID Connect's.
const CORE_SCOPES: &[&str] = &[
    "profile:email",
    "profile:locale",
    "profile:amr",
    "profile:subscriptions",
    "profile:ecosystem_anon_id",
    "email",
];
const UID_SCOPES: &[&str] = &["profile", "profile:uid"];
const EMAIL_SCOPES: &[&str] = &["profile", "profile:email"];
const AVATAR_SCOPES: &[&str] = &["profile", "profile:avatar"];
const DISPLAY_NAME_SCOPES: &[&str] = &["profile:display_name"];
const DISPLAY_NAME_WRITE_SCOPES: &[&str] = &["profile:display_name:write"];

/// The default avatar: a grey silhouette, 96×96 PNG, drawn for foxden.
const DEFAULT_AVATAR_PNG: &[u8] = include_bytes!("default_avatar.png");

fn avatar_url(state: &AppState, id: &str) -> String {
    let settings = &state.settings;
    format!(
        "{}{}/a/{id}",
        settings.public_url.as_str().trim_end_matches('/'),
        settings.profile_server_prefix
    )
}

#[derive(Serialize, ToSchema, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProfileResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    locale: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    amr_values: Option<Vec<String>>,
    /// The account's assurance level is 2 or more.
    #[serde(skip_serializing_if = "Option::is_none")]
    two_factor_authentication: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uid: Option<String>,
    /// Always a URL when present (Android's parser needs one).
    #[serde(skip_serializing_if = "Option::is_none")]
    avatar: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    avatar_default: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<String>,
    /// OpenID Connect's subject (the uid), for tokens with `openid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    sub: Option<String>,
}

/// `GET /v1/profile`: each part the token's scopes reach (the parts it does not
/// are left out; if it reaches none, 403). `ETag` is the SHA-1 hex of the body.
#[utoipa::path(get, path = "/profile", tag = "Profile",
    responses((status = 200, body = ProfileResponse), (status = 304),
        (status = 401, response = crate::api::ErrorResponse),
        (status = 403, response = crate::api::ErrorResponse)))]
pub(crate) async fn profile(
    State(state): State<AppState>,
    bearer: ProfileBearer,
    if_none_match: IfNoneMatch,
) -> Result<Tagged, ApiError> {
    let token = &bearer.0;
    let uid = foxden_crypto::to_hex(token.uid);
    let mut out = ProfileResponse::default();
    let mut reached = 0;
    if bearer.reaches(CORE_SCOPES) {
        reached += 1;
        let core = profile::account_profile(&state.db, &token.uid, &Viewer::Token(&token.scope))
            .await
            .map_err(ProfileError::translate)?;
        out.email = core.email;
        out.locale = core.locale;
        if let Some((methods, level)) = core.amr {
            out.amr_values = Some(methods);
            out.two_factor_authentication = Some(level >= 2);
        }
    }
    if bearer.reaches(UID_SCOPES) {
        reached += 1;
        out.uid = Some(uid.clone());
    }
    if bearer.reaches(AVATAR_SCOPES) {
        reached += 1;
        out.avatar = Some(avatar_url(&state, DEFAULT_AVATAR_ID));
        out.avatar_default = Some(true);
    }
    if bearer.reaches(DISPLAY_NAME_SCOPES) {
        reached += 1;
        out.display_name = profile::display_name(&state.db, &token.uid)
            .await
            .map_err(ProfileError::translate)?;
    }
    if reached == 0 {
        return Err(ProfileError::Forbidden {
            message: "Forbidden",
        }
        .into());
    }
    if token.scope.has(OPENID) {
        out.sub = Some(uid);
    }
    Ok(Tagged::new(&out, None, &if_none_match)?.with_last_modified())
}

#[derive(Serialize, ToSchema)]
#[schema(as = ProfileUidResponse)]
pub(crate) struct UidResponse {
    uid: String,
}

/// `GET /v1/uid` (`profile:uid`).
#[utoipa::path(get, path = "/uid", tag = "Profile",
    responses((status = 200, body = UidResponse), (status = 403, response = crate::api::ErrorResponse)))]
pub(crate) async fn uid(bearer: ProfileBearer) -> Result<Json<UidResponse>, ApiError> {
    bearer.require(UID_SCOPES)?;
    Ok(Json(UidResponse {
        uid: foxden_crypto::to_hex(bearer.0.uid),
    }))
}

#[derive(Serialize, ToSchema)]
#[schema(as = ProfileEmailResponse)]
pub(crate) struct EmailResponse {
    email: String,
}

/// `GET /v1/email` (`profile:email`).
#[utoipa::path(get, path = "/email", tag = "Profile",
    responses((status = 200, body = EmailResponse), (status = 403, response = crate::api::ErrorResponse)))]
pub(crate) async fn email(
    State(state): State<AppState>,
    bearer: ProfileBearer,
) -> Result<Json<EmailResponse>, ApiError> {
    bearer.require(EMAIL_SCOPES)?;
    let core = profile::account_profile(&state.db, &bearer.0.uid, &Viewer::Token(&bearer.0.scope))
        .await
        .map_err(ProfileError::translate)?;
    let email = core
        .email
        .ok_or_else(|| ProfileError::translate(ApiError::Unexpected))?;
    Ok(Json(EmailResponse { email }))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AvatarResponse {
    /// 32 hex; the default avatar's is all zeros.
    id: String,
    avatar_default: bool,
    avatar: String,
}

/// `GET /v1/avatar` (`profile:avatar`): always the default avatar; `ETag` is its id.
#[utoipa::path(get, path = "/avatar", tag = "Profile",
    responses((status = 200, body = AvatarResponse), (status = 304),
        (status = 403, response = crate::api::ErrorResponse)))]
pub(crate) async fn avatar(
    State(state): State<AppState>,
    bearer: ProfileBearer,
    if_none_match: IfNoneMatch,
) -> Result<Tagged, ApiError> {
    bearer.require(AVATAR_SCOPES)?;
    let body = AvatarResponse {
        id: DEFAULT_AVATAR_ID.into(),
        avatar_default: true,
        avatar: avatar_url(&state, DEFAULT_AVATAR_ID),
    };
    Tagged::new(&body, Some(DEFAULT_AVATAR_ID.into()), &if_none_match)
}

/// `GET /a/{id}`: the default avatar's image (no other avatar exists).
#[utoipa::path(get, path = "/a/{id}", tag = "Profile",
    responses((status = 200, content_type = "image/png"), (status = 404, response = crate::api::ErrorResponse)))]
pub(crate) async fn avatar_image(Path(id): Path<String>) -> Result<Response, ApiError> {
    if id != DEFAULT_AVATAR_ID {
        return Err(super::not_found().await);
    }
    Ok((
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        DEFAULT_AVATAR_PNG,
    )
        .into_response())
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DisplayNameResponse {
    display_name: String,
}

/// `GET /v1/display_name` (`profile:display_name`): `ETag` is the SHA-1 hex of the
/// name; 204 without a body when none is set.
#[utoipa::path(get, path = "/display_name", tag = "Profile",
    responses((status = 200, body = DisplayNameResponse), (status = 204), (status = 304),
        (status = 403, response = crate::api::ErrorResponse)))]
pub(crate) async fn display_name(
    State(state): State<AppState>,
    bearer: ProfileBearer,
    if_none_match: IfNoneMatch,
) -> Result<Response, ApiError> {
    bearer.require(DISPLAY_NAME_SCOPES)?;
    let name = profile::display_name(&state.db, &bearer.0.uid)
        .await
        .map_err(ProfileError::translate)?;
    let Some(display_name) = name else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let etag = checksum(display_name.as_bytes());
    let body = DisplayNameResponse { display_name };
    Ok(Tagged::new(&body, Some(etag), &if_none_match)?.into_response())
}

/// A display name the profile server accepts (see
/// [`profile::valid_display_name`]); `""` clears it.
#[derive(ToSchema)]
#[schema(value_type = String)]
pub(crate) struct DisplayName(String);

impl<'de> Deserialize<'de> for DisplayName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        if profile::valid_display_name(&name) {
            Ok(DisplayName(name))
        } else {
            Err(de::Error::custom("invalid display name"))
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct DisplayNameBody {
    display_name: DisplayName,
}

/// `POST /v1/display_name` (`profile:display_name:write`): stores the name and
/// bumps the account's `profileChangedAt`. Answers `{}`.
#[utoipa::path(post, path = "/display_name", tag = "Profile", request_body = DisplayNameBody,
    responses((status = 200, body = Empty), (status = 400, response = crate::api::ErrorResponse),
        (status = 403, response = crate::api::ErrorResponse)))]
pub(crate) async fn set_display_name(
    State(state): State<AppState>,
    bearer: ProfileBearer,
    body: Result<ApiJson<DisplayNameBody>, ApiError>,
) -> Result<Json<Empty>, ApiError> {
    bearer.require(DISPLAY_NAME_WRITE_SCOPES)?;
    let ApiJson(body) = body.map_err(ProfileError::translate)?;
    profile::update_display_name(&state, &bearer.0.uid, &body.display_name.0, now_ms())
        .await
        .map_err(ProfileError::translate)?;
    Ok(Json(Empty {}))
}
