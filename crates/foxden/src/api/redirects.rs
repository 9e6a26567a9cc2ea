//! `GET /verify_email` and `GET /complete_reset_password`: links in old mails
//! pointed at the auth server; like Mozilla's, these answer 302 to the same
//! page of the content server with the query unchanged (by default foxden
//! itself, whose pages are in [`crate::pages`]).

use crate::openapi::api_routes;
use crate::openapi::ApiRouter;
use axum::extract::{OriginalUri, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::{self, Deserializer};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::state::AppState;
use crate::validate::{Bounded, Service};

pub fn routes() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(api_routes!(verify_email))
        .routes(api_routes!(complete_reset_password))
}

/// Hex (an even number of digits, at least two) of at most `MAX` characters.
struct HexString<const MAX: usize>;

impl<'de, const MAX: usize> Deserialize<'de> for HexString<MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let ok = !s.is_empty()
            && s.len() <= MAX
            && s.len() % 2 == 0
            && s.bytes().all(|b| b.is_ascii_hexdigit());
        ok.then_some(HexString)
            .ok_or_else(|| de::Error::custom("invalid hex"))
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct VerifyEmailQuery {
    #[param(value_type = String)]
    uid: HexString<32>,
    #[param(value_type = String)]
    code: HexString<32>,
    service: Option<Service>,
    redirect_to: Option<Bounded<2048>>,
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct CompleteResetQuery {
    #[param(value_type = String)]
    token: HexString<64>,
    #[param(value_type = String)]
    code: HexString<32>,
    email: Bounded<255>,
    service: Option<Service>,
    redirect_to: Option<Bounded<2048>>,
}

fn redirect(state: &AppState, page: &str, uri: &axum::http::Uri) -> Response {
    let base = state.settings.content_url.as_str().trim_end_matches('/');
    let location = match uri.query() {
        Some(query) => format!("{base}/{page}?{query}"),
        None => format!("{base}/{page}"),
    };
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

#[utoipa::path(get, path = "/verify_email", tag = "Miscellaneous", params(VerifyEmailQuery),
    responses((status = 302, description = "To the content server's `verify_email` page, query unchanged"),
        (status = 400, response = super::ErrorResponse)))]
async fn verify_email(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    ApiQuery(_): ApiQuery<VerifyEmailQuery>,
) -> ApiResult<Response> {
    Ok(redirect(&state, "verify_email", &uri))
}

#[utoipa::path(get, path = "/complete_reset_password", tag = "Miscellaneous",
    params(CompleteResetQuery),
    responses((status = 302, description = "To the content server's `complete_reset_password` page, query unchanged"),
        (status = 400, response = super::ErrorResponse)))]
async fn complete_reset_password(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    ApiQuery(_): ApiQuery<CompleteResetQuery>,
) -> ApiResult<Response> {
    Ok(redirect(&state, "complete_reset_password", &uri))
}
