//! The discovery documents at the server root, which point clients at every
//! other service: `/.well-known/fxa-client-configuration` (what Firefox reads
//! when `identity.fxaccounts.autoconfig.uri` names this server, PROTOCOL
//! §17.2.3) and `/.well-known/openid-configuration` (which Fenix and iOS need
//! too, §17.3). Every URL in them is a setting ([`Discovery`]).

use crate::openapi::api_routes;
use crate::openapi::ApiRouter;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::settings::discovery::Discovery;
use crate::state::AppState;

pub fn root_routes() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(api_routes!(client_configuration))
        .routes(api_routes!(openid_configuration))
}

/// Base URLs (no trailing `/`, no `/v1`): Firefox appends `/v1` to the auth,
/// OAuth and profile ones and `/1.0/sync/1.5` to the tokenserver's.
#[derive(Serialize, ToSchema)]
pub(crate) struct ClientConfiguration {
    auth_server_base_url: String,
    oauth_server_base_url: String,
    /// Only when `FOXDEN_PAIRING_SERVER_URL` is set (Firefox reads it only when present).
    #[serde(skip_serializing_if = "Option::is_none")]
    pairing_server_base_uri: Option<String>,
    profile_server_base_url: String,
    /// Only when `FOXDEN_SYNC_TOKENSERVER_URL` is set: a wrong URL would send
    /// Sync tokens to a server that is not the operator's (ADR 0015).
    #[serde(skip_serializing_if = "Option::is_none")]
    sync_tokenserver_base_url: Option<String>,
}

impl From<&Discovery> for ClientConfiguration {
    fn from(d: &Discovery) -> Self {
        ClientConfiguration {
            auth_server_base_url: d.auth_server_url.clone(),
            oauth_server_base_url: d.oauth_server_url.clone(),
            pairing_server_base_uri: d.pairing_server_url.clone(),
            profile_server_base_url: d.profile_server_url.clone(),
            sync_tokenserver_base_url: d.sync_tokenserver_url.clone(),
        }
    }
}

#[utoipa::path(get, path = "/.well-known/fxa-client-configuration", tag = "Discovery",
    responses((status = 200, body = ClientConfiguration)))]
async fn client_configuration(State(state): State<AppState>) -> impl IntoResponse {
    let body = ClientConfiguration::from(&state.settings.discovery);
    // Mozilla's content server caches it for a day.
    (
        [(header::CACHE_CONTROL, "public, max-age=86400")],
        Json(body),
    )
}

/// The OpenID Provider metadata, with the members Mozilla's document has.
#[derive(Serialize, ToSchema)]
pub(crate) struct OpenIdConfiguration {
    /// The content server's `/authorization` page (`FOXDEN_CONTENT_URL`), as
    /// Mozilla's document has it: Fenix and iOS open it with `keys_jwk`, which
    /// the OAuth server's `GET /v1/authorization` refuses to pass on.
    authorization_endpoint: String,
    introspection_endpoint: String,
    issuer: String,
    jwks_uri: String,
    revocation_endpoint: String,
    /// Mobile clients use `<auth_server_base_url>/v1/oauth/token` instead.
    token_endpoint: String,
    userinfo_endpoint: String,
    claims_supported: [&'static str; 5],
    id_token_signing_alg_values_supported: [&'static str; 1],
    /// `code` only: the authorization pages give codes (`response_type=token`
    /// exists only on `POST /v1/authorization`, with an assertion).
    response_types_supported: [&'static str; 1],
    scopes_supported: [&'static str; 3],
    subject_types_supported: [&'static str; 1],
    token_endpoint_auth_methods_supported: [&'static str; 1],
}

impl OpenIdConfiguration {
    fn new(d: &Discovery, content_url: &url::Url) -> Self {
        let oauth = &d.oauth_server_url;
        let content = content_url.as_str().trim_end_matches('/');
        OpenIdConfiguration {
            authorization_endpoint: format!("{content}/authorization"),
            introspection_endpoint: format!("{oauth}/v1/introspect"),
            issuer: d.openid_issuer.clone(),
            jwks_uri: format!("{oauth}/v1/jwks"),
            revocation_endpoint: format!("{oauth}/v1/destroy"),
            token_endpoint: format!("{oauth}/v1/token"),
            userinfo_endpoint: format!("{}/v1/profile", d.profile_server_url),
            claims_supported: ["aud", "exp", "iat", "iss", "sub"],
            id_token_signing_alg_values_supported: ["RS256"],
            response_types_supported: ["code"],
            scopes_supported: ["openid", "profile", "email"],
            subject_types_supported: ["public"],
            token_endpoint_auth_methods_supported: ["client_secret_post"],
        }
    }
}

#[utoipa::path(get, path = "/.well-known/openid-configuration", tag = "Discovery",
    responses((status = 200, body = OpenIdConfiguration)))]
async fn openid_configuration(State(state): State<AppState>) -> impl IntoResponse {
    let settings = &state.settings;
    let body = OpenIdConfiguration::new(&settings.discovery, &settings.content_url);
    // As Mozilla's content server (after Google's): an hour.
    (
        [(header::CACHE_CONTROL, "public, max-age=3600")],
        Json(body),
    )
}
