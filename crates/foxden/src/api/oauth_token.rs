//! `POST /oauth/token`, auth-server flavour: `authorization_code` (PKCE or client
//! secret), `refresh_token` and `fxa-credentials` (with the session token).

use crate::openapi::api_routes;
use crate::openapi::ApiRouter;
use axum::extract::{FromRequestParts, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::Json;
use foxden_db::SessionToken;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ErrorResponse;
use crate::auth::SessionAuth;
use crate::error::{ApiError, ApiResult, Source};
use crate::extract::ApiJson;
use crate::oauth::clients::{self, ClientCredentials};
use crate::oauth::params::{AccessType, GrantType, PkceVerifier, PpidSeed, ResourceUrl, Ttl};
use crate::oauth::scopes::ScopeSet;
use crate::oauth::token_grant::{self, Exchanged, GrantRequest};
use crate::oauth::tokens::TokenTerms;
use crate::state::AppState;
use crate::user_agent::UserAgent;
use crate::validate::{Bounded, Hex};

pub fn routes() -> ApiRouter<AppState> {
    ApiRouter::new().routes(api_routes!(token))
}

/// The `Authorization` header of an OAuth route: none, HTTP Basic client
/// credentials, or (on `/oauth/token`) the session token.
pub(crate) enum ClientAuthHeader {
    None,
    Basic(ClientCredentials),
    Session(Box<SessionToken>),
}

impl ClientAuthHeader {
    /// For routes that take only Basic: any other scheme is errno 107 `authorization`.
    pub fn basic_only(self) -> ApiResult<Option<ClientCredentials>> {
        match self {
            ClientAuthHeader::None => Ok(None),
            ClientAuthHeader::Basic(creds) => Ok(Some(creds)),
            ClientAuthHeader::Session(_) => Err(ApiError::InvalidParameter {
                origin: Source::Headers,
                keys: vec!["authorization".into()],
            }),
        }
    }
}

impl FromRequestParts<AppState> for ClientAuthHeader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Ok(ClientAuthHeader::None);
        };
        let value = value.to_str().map_err(|_| ApiError::InvalidToken)?;
        if let Some(basic) = clients::basic_credentials(value) {
            return basic.map(ClientAuthHeader::Basic);
        }
        let auth =
            <SessionAuth as FromRequestParts<AppState>>::from_request_parts(parts, state).await?;
        Ok(ClientAuthHeader::Session(Box::new(auth.token)))
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = OAuthTokenBody)]
pub(crate) struct TokenBody {
    pub(crate) grant_type: Option<GrantType>,
    pub(crate) client_id: Option<Hex<8>>,
    pub(crate) client_secret: Option<Hex<32>>,
    pub(crate) code: Option<Hex<32>>,
    #[schema(value_type = Option<String>)]
    pub(crate) code_verifier: Option<PkceVerifier>,
    pub(crate) redirect_uri: Option<Bounded<2048>>,
    #[schema(value_type = Option<f64>)]
    pub(crate) ttl: Option<Ttl>,
    #[schema(value_type = Option<u16>)]
    pub(crate) ppid_seed: Option<PpidSeed>,
    #[schema(value_type = Option<String>)]
    pub(crate) resource: Option<ResourceUrl>,
    pub(crate) refresh_token: Option<Hex<32>>,
    #[schema(value_type = Option<String>)]
    pub(crate) scope: Option<ScopeSet>,
    pub(crate) access_type: Option<AccessType>,
}

/// The token endpoint's answer (§9.3); absent fields are left out.
#[derive(Serialize, ToSchema)]
#[schema(as = OAuthTokenResponse)]
pub(crate) struct TokenResponse {
    access_token: String,
    /// When the user last authenticated (s): code and credentials grants.
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_at: Option<i64>,
    expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    keys_jwe: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_token: Option<String>,
    /// Always `bearer`.
    #[schema(value_type = String)]
    token_type: &'static str,
}

impl From<Exchanged> for TokenResponse {
    fn from(done: Exchanged) -> Self {
        TokenResponse {
            access_token: done.issued.access_token,
            auth_at: done.auth_at,
            expires_in: done.issued.expires_in,
            id_token: done.issued.id_token,
            keys_jwe: done.keys_jwe,
            refresh_token: done.issued.refresh_token,
            scope: done.issued.scope.to_string(),
            session_token: done.session_token,
            token_type: "bearer",
        }
    }
}

fn invalid(keys: &[&str]) -> ApiError {
    ApiError::InvalidParameter {
        origin: Source::Payload,
        keys: keys.iter().map(|k| k.to_string()).collect(),
    }
}

fn missing(param: &str) -> ApiError {
    ApiError::MissingParameter {
        origin: Source::Payload,
        param: param.into(),
    }
}

/// Refuses fields the grant does not take (Joi's `forbidden`: errno 107 naming them).
pub(crate) fn forbid(present: &[(&str, bool)]) -> ApiResult<()> {
    match present.iter().find(|(_, there)| *there) {
        Some((key, _)) => Err(invalid(&[key])),
        None => Ok(()),
    }
}

#[utoipa::path(post, path = "/oauth/token", tag = "Oauth", request_body = TokenBody,
    responses((status = 200, body = TokenResponse), (status = 400, response = ErrorResponse),
        (status = 401, response = ErrorResponse)))]
async fn token(
    State(state): State<AppState>,
    header: ClientAuthHeader,
    UserAgent(user_agent): UserAgent,
    ApiJson(body): ApiJson<TokenBody>,
) -> ApiResult<Json<TokenResponse>> {
    let (basic, session) = match header {
        ClientAuthHeader::None => (None, None),
        ClientAuthHeader::Basic(creds) => (Some(creds), None),
        ClientAuthHeader::Session(session) => (None, Some(session)),
    };
    let (creds, request, terms) = grant_request(body, basic, session)?;
    let client = clients::authenticate(&state.db, &creds).await?;
    let done = token_grant::exchange(&state, client, request, terms, user_agent).await?;
    Ok(Json(done.into()))
}

/// The client's credentials, the grant and the tokens' terms (lifetime, audience)
/// a token request asks for, after the checks of its fields (shared by
/// `/oauth/token` and `/v1/token`).
/// `basic`: HTTP Basic credentials (never with credentials in the body);
/// `session`: the session of an `fxa-credentials` grant.
pub(crate) fn grant_request(
    body: TokenBody,
    basic: Option<ClientCredentials>,
    session: Option<Box<SessionToken>>,
) -> ApiResult<(ClientCredentials, GrantRequest, TokenTerms)> {
    let grant_type = body.grant_type.unwrap_or(if body.code.is_some() {
        GrantType::AuthorizationCode
    } else {
        GrantType::FxaCredentials
    });
    let creds = match basic {
        Some(_) if body.client_id.is_some() || body.client_secret.is_some() => {
            return Err(ApiError::InvalidParameter {
                origin: Source::Headers,
                keys: vec!["authorization".into()],
            })
        }
        Some(creds) => creds,
        None => ClientCredentials {
            client_id: body.client_id.ok_or_else(|| missing("client_id"))?.0,
            secret: body.client_secret.map(|s| s.0),
        },
    };
    let request = match grant_type {
        GrantType::AuthorizationCode => {
            forbid(&[
                ("refresh_token", body.refresh_token.is_some()),
                ("scope", body.scope.is_some()),
                ("access_type", body.access_type.is_some()),
            ])?;
            let code = body.code.ok_or_else(|| missing("code"))?;
            // Exactly one of a client secret and a PKCE verifier.
            if creds.secret.is_some() == body.code_verifier.is_some() {
                return Err(invalid(&["client_secret", "code_verifier"]));
            }
            GrantRequest::AuthorizationCode {
                code: code.0,
                code_verifier: body.code_verifier.map(|v| v.0),
            }
        }
        GrantType::RefreshToken => {
            forbid(&[
                ("code", body.code.is_some()),
                ("code_verifier", body.code_verifier.is_some()),
                ("redirect_uri", body.redirect_uri.is_some()),
                ("access_type", body.access_type.is_some()),
            ])?;
            let refresh_token = body.refresh_token.ok_or_else(|| missing("refresh_token"))?;
            GrantRequest::RefreshToken {
                refresh_token: refresh_token.0,
                scope: body.scope,
            }
        }
        GrantType::FxaCredentials => {
            forbid(&[
                ("client_secret", creds.secret.is_some()),
                ("code", body.code.is_some()),
                ("code_verifier", body.code_verifier.is_some()),
                ("redirect_uri", body.redirect_uri.is_some()),
                ("refresh_token", body.refresh_token.is_some()),
                ("ppid_seed", body.ppid_seed.is_some()),
            ])?;
            let session = session.ok_or(ApiError::InvalidToken)?;
            let scope = body
                .scope
                .filter(|s| !s.is_empty())
                .ok_or_else(|| missing("scope"))?;
            GrantRequest::Credentials {
                session,
                scope,
                offline: body.access_type == Some(AccessType::Offline),
            }
        }
    };
    let terms = TokenTerms::new(body.ttl.map(|t| t.0), body.resource.map(|r| r.0));
    Ok((creds, request, terms))
}
