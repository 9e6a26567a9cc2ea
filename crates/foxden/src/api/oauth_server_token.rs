//! `POST /v1/token`, the OAuth-server flavour's token endpoint: the grants of
//! `/oauth/token` (one request parser, [`grant_request`]) with the OAuth server's
//! errnos, and `fxa-credentials` on a BrowserID `assertion` instead of a session.

use crate::openapi::api_routes;
use crate::openapi::ApiRouter;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use super::oauth_server::{BasicAuth, OAuthBody};
use super::oauth_token::{forbid, grant_request, TokenBody, TokenResponse};
use super::ErrorResponse;
use crate::clock::now_ms;
use crate::error::{ApiError, OAuthServerError, OAuthServerResult, Source};
use crate::oauth::clients::{self, ClientCredentials};
use crate::oauth::params::{AccessType, GrantType, PkceVerifier, PpidSeed, ResourceUrl, Ttl};
use crate::oauth::scopes::ScopeSet;
use crate::oauth::token_grant;
use crate::oauth::tokens::TokenTerms;
use crate::state::AppState;
use crate::user_agent::UserAgent;
use crate::validate::{Bounded, Hex};

pub fn routes() -> ApiRouter<AppState> {
    ApiRouter::new().routes(api_routes!(token))
}

/// `/v1/token`'s body: `/oauth/token`'s fields and the BrowserID `assertion` of
/// an `fxa-credentials` grant.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = OAuthServerTokenBody)]
pub(crate) struct ServerTokenBody {
    grant_type: Option<GrantType>,
    client_id: Option<Hex<8>>,
    client_secret: Option<Hex<32>>,
    code: Option<Hex<32>>,
    #[schema(value_type = Option<String>)]
    code_verifier: Option<PkceVerifier>,
    redirect_uri: Option<Bounded<2048>>,
    #[schema(value_type = Option<f64>)]
    ttl: Option<Ttl>,
    #[schema(value_type = Option<u16>)]
    ppid_seed: Option<PpidSeed>,
    #[schema(value_type = Option<String>)]
    resource: Option<ResourceUrl>,
    refresh_token: Option<Hex<32>>,
    #[schema(value_type = Option<String>)]
    scope: Option<ScopeSet>,
    access_type: Option<AccessType>,
    /// BrowserID assertion (`fxa-credentials`).
    assertion: Option<Bounded<10240>>,
}

#[utoipa::path(post, path = "/token", tag = "OAuth Server API Overview",
    request_body = ServerTokenBody,
    responses((status = 200, body = TokenResponse), (status = 400, response = ErrorResponse),
        (status = 401, response = ErrorResponse)))]
async fn token(
    State(state): State<AppState>,
    BasicAuth(basic): BasicAuth,
    UserAgent(user_agent): UserAgent,
    OAuthBody(body): OAuthBody<ServerTokenBody>,
) -> OAuthServerResult<Json<TokenResponse>> {
    // `fxa-credentials` here is granted on a BrowserID assertion (the auth-server
    // flavour grants it on the session).
    let credentials_grant = body.grant_type == Some(GrantType::FxaCredentials)
        || (body.grant_type.is_none() && body.code.is_none());
    if credentials_grant {
        return credentials_token(&state, basic, body, user_agent).await;
    }
    if body.assertion.is_some() {
        return Err(invalid_key("assertion"));
    }
    let inner = TokenBody {
        grant_type: body.grant_type,
        client_id: body.client_id,
        client_secret: body.client_secret,
        code: body.code,
        code_verifier: body.code_verifier,
        redirect_uri: body.redirect_uri,
        ttl: body.ttl,
        ppid_seed: body.ppid_seed,
        resource: body.resource,
        refresh_token: body.refresh_token,
        scope: body.scope,
        access_type: body.access_type,
    };
    let (creds, request, terms) = grant_request(inner, basic, None)?;
    let client = clients::authenticate(&state.db, &creds).await?;
    let done = token_grant::exchange(&state, client, request, terms, user_agent).await?;
    Ok(Json(done.into()))
}

fn invalid_key(key: &str) -> OAuthServerError {
    ApiError::InvalidParameter {
        origin: Source::Payload,
        keys: vec![key.into()],
    }
    .into()
}

/// `fxa-credentials` on the body's `assertion`: a public client that may grant
/// (`canGrant`), `scope` required, no code fields.
async fn credentials_token(
    state: &AppState,
    basic: Option<ClientCredentials>,
    body: ServerTokenBody,
    user_agent: foxden_db::UserAgentInfo,
) -> OAuthServerResult<Json<TokenResponse>> {
    forbid(&[
        (
            "client_secret",
            body.client_secret.is_some() || basic.is_some(),
        ),
        ("code", body.code.is_some()),
        ("code_verifier", body.code_verifier.is_some()),
        ("redirect_uri", body.redirect_uri.is_some()),
        ("refresh_token", body.refresh_token.is_some()),
        ("ppid_seed", body.ppid_seed.is_some()),
    ])?;
    let missing = |param: &str| -> OAuthServerError {
        ApiError::MissingParameter {
            origin: Source::Payload,
            param: param.into(),
        }
        .into()
    };
    let client_id = body.client_id.ok_or_else(|| missing("client_id"))?;
    let bundle = body.assertion.ok_or_else(|| missing("assertion"))?;
    let scope = body
        .scope
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("scope"))?;
    let claims = crate::oauth::assertion::claims(state, &bundle.0, now_ms()).await?;
    let creds = ClientCredentials {
        client_id: client_id.0,
        secret: None,
    };
    let client = clients::authenticate(&state.db, &creds).await?;
    let request = token_grant::GrantRequest::AssertionCredentials {
        claims: Box::new(claims),
        scope,
        offline: body.access_type == Some(AccessType::Offline),
    };
    let terms = TokenTerms::new(body.ttl.map(|t| t.0), body.resource.map(|r| r.0));
    let done = token_grant::exchange(state, client, request, terms, user_agent).await?;
    Ok(Json(done.into()))
}
