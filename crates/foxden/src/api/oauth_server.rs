//! The OAuth-server flavour (Mozilla's `oauth.accounts.firefox.com/v1/*`):
//! `GET /client/{client_id}`, `GET /authorization`,
//! `POST /verify`, `POST /introspect` and `POST /destroy`, plus the auth
//! server's `POST /oauth/id-token-verify` (auth-server errnos). Thin handlers over the grants and tokens of
//! [`crate::oauth`] (the same code as the auth-server flavour's `/oauth/*`),
//! answering the OAuth server's errnos ([`OAuthServerError`]). `POST /token` is in
//! `oauth_server_token.rs`, the routes an assertion authenticates in
//! `oauth_server_assertion.rs`. Mozilla has no
//! rate-limit rule for these routes, so none is checked here.

use crate::openapi::api_routes;
use crate::openapi::ApiRouter;
use axum::extract::{FromRequest, FromRequestParts, OriginalUri, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use foxden_db::ops::{OAuthClients, OAuthGrants, OAuthToken, OAuthTokenKind};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::oauth::ClientInfo;
use super::{Empty, ErrorResponse};
use crate::clock::now_ms;
use crate::error::{ApiError, ApiResult, OAuthServerError, OAuthServerResult, Source};
use crate::extract::{ApiJson, JsonOrForm};
use crate::oauth::clients::{self, ClientCredentials};
use crate::oauth::scopes::ScopeSet;
use crate::openid::AccessTokenClaims;
use crate::state::AppState;
use crate::validate::{Bounded, Hex};

pub fn routes() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(api_routes!(client_info))
        .routes(api_routes!(authorization_page))
        .routes(api_routes!(verify))
        .routes(api_routes!(introspect))
        .routes(api_routes!(destroy))
        .routes(api_routes!(id_token_verify))
}

/// A JSON or form body as [`JsonOrForm`] parses it, its failures numbered by the
/// OAuth server (109).
pub(crate) struct OAuthBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for OAuthBody<T> {
    type Rejection = OAuthServerError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, OAuthServerError> {
        let JsonOrForm(body) = JsonOrForm::<T>::from_request(req, state).await?;
        Ok(OAuthBody(body))
    }
}

/// HTTP Basic client credentials, if the request has an `Authorization` header
/// (any other scheme is errno 109 naming `authorization`).
pub(crate) struct BasicAuth(pub(crate) Option<ClientCredentials>);

impl<S: Sync> FromRequestParts<S> for BasicAuth {
    type Rejection = OAuthServerError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, OAuthServerError> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Ok(BasicAuth(None));
        };
        let refused = || ApiError::InvalidParameter {
            origin: Source::Headers,
            keys: vec!["authorization".into()],
        };
        let value = value.to_str().map_err(|_| refused())?;
        match clients::basic_credentials(value) {
            Some(creds) => Ok(BasicAuth(Some(creds?))),
            None => Err(refused().into()),
        }
    }
}

/// Client credentials from HTTP Basic or the body, never both (errno 109).
fn credentials(
    basic: Option<ClientCredentials>,
    client_id: Option<Hex<8>>,
    client_secret: Option<Hex<32>>,
) -> OAuthServerResult<Option<ClientCredentials>> {
    match basic {
        Some(_) if client_id.is_some() || client_secret.is_some() => {
            Err(ApiError::InvalidParameter {
                origin: Source::Headers,
                keys: vec!["authorization".into()],
            }
            .into())
        }
        Some(basic) => Ok(Some(basic)),
        None => Ok(client_id.map(|id| ClientCredentials {
            client_id: id.0,
            secret: client_secret.map(|s| s.0),
        })),
    }
}

#[utoipa::path(get, path = "/client/{client_id}", tag = "OAuth Server API Overview",
    params(("client_id" = String, Path, description = "16 hex characters")),
    responses((status = 200, body = ClientInfo), (status = 400, response = ErrorResponse)))]
async fn client_info(
    State(state): State<AppState>,
    Path(client_id): Path<String>,
) -> OAuthServerResult<Json<ClientInfo>> {
    Ok(Json(ClientInfo::lookup(&state, &client_id).await?))
}

/// The sign-in pages' entry: 302 to the content server's `/authorization` with
/// the query unchanged (which validates it and signs the user in).
#[utoipa::path(get, path = "/authorization", tag = "OAuth Server API Overview",
    responses((status = 302, description = "To the content server's `/authorization` page")))]
async fn authorization_page(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let base = state.settings.content_url.as_str().trim_end_matches('/');
    let location = match uri.query() {
        Some(query) => format!("{base}/authorization?{query}"),
        None => format!("{base}/authorization"),
    };
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct VerifyBody {
    /// An opaque access token (64 hex) or a JWT access token.
    token: Bounded<1024>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct VerifyResponse {
    user: String,
    client_id: String,
    scope: Vec<String>,
    /// JWT access tokens: the account's `verifierSetAt` (ms) when issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    generation: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    profile_changed_at: Option<i64>,
}

/// An access token as presented: its stored row (still there, an access token)
/// and, for a JWT, its verified claims. Unknown, revoked or bad: `None`.
async fn access_token(
    state: &AppState,
    token: &str,
    now: i64,
) -> OAuthServerResult<Option<(OAuthToken, Option<AccessTokenClaims>)>> {
    let (bytes, claims) = match hex::decode(token) {
        Ok(raw) => (raw, None),
        Err(_) => match state.openid_keys.verify_access_token(token, now) {
            Some(claims) => (hex::decode(&claims.jti).unwrap_or_default(), Some(claims)),
            None => return Ok(None),
        },
    };
    if bytes.len() != 32 {
        return Ok(None);
    }
    let row = state.db.oauth_token(&foxden_crypto::sha256(&bytes)).await;
    let row = row.map_err(ApiError::from)?;
    Ok(row
        .filter(|t| t.kind == OAuthTokenKind::Access)
        .map(|t| (t, claims)))
}

/// Whom an access token speaks for: 400 errno 108 for an unknown or revoked
/// token, 115 for an expired one.
#[utoipa::path(post, path = "/verify", tag = "OAuth Server API Overview",
    request_body = VerifyBody,
    responses((status = 200, body = VerifyResponse), (status = 400, response = ErrorResponse)))]
async fn verify(
    State(state): State<AppState>,
    OAuthBody(body): OAuthBody<VerifyBody>,
) -> OAuthServerResult<Json<VerifyResponse>> {
    let now = now_ms();
    let (row, claims) = access_token(&state, &body.token.0, now)
        .await?
        .ok_or(ApiError::InvalidToken)?;
    if let Some(expired_at) = row.expires_at.filter(|at| *at < now) {
        return Err(OAuthServerError::ExpiredToken { expired_at });
    }
    let scope = ScopeSet::parse(&row.scope).unwrap_or_default();
    Ok(Json(VerifyResponse {
        user: foxden_crypto::to_hex(row.uid),
        client_id: foxden_crypto::to_hex(row.client_id),
        scope: scope.into_vec(),
        generation: claims.as_ref().and_then(|c| c.fxa_generation),
        profile_changed_at: row.profile_changed_at,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct IntrospectBody {
    token: Bounded<1024>,
    /// `access_token` or `refresh_token`: only an order to search in; both are searched.
    #[serde(rename = "token_type_hint")]
    _token_type_hint: Option<Bounded<64>>,
}

/// RFC 7662's answer; an inactive token is `{active: false}` alone.
#[derive(Serialize, ToSchema)]
pub(crate) struct IntrospectResponse {
    active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
    /// `access_token` or `refresh_token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    token_type: Option<&'static str>,
    /// ms, as Mozilla's (access tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    exp: Option<i64>,
    /// ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    iat: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iss: Option<String>,
    /// Hex of the stored id (the SHA-256 of the token).
    #[serde(skip_serializing_if = "Option::is_none")]
    jti: Option<String>,
    /// Refresh tokens: when last used (ms).
    #[serde(rename = "fxa-lastUsedAt", skip_serializing_if = "Option::is_none")]
    fxa_last_used_at: Option<i64>,
}

impl IntrospectResponse {
    fn inactive() -> Self {
        IntrospectResponse {
            active: false,
            scope: None,
            client_id: None,
            token_type: None,
            exp: None,
            iat: None,
            sub: None,
            iss: None,
            jti: None,
            fxa_last_used_at: None,
        }
    }
}

/// RFC 7662 introspection: whether the token is live, and what it grants.
/// Refresh tokens are answered only for public clients' tokens (as Mozilla).
#[utoipa::path(post, path = "/introspect", tag = "OAuth Server API Overview",
    request_body = IntrospectBody,
    responses((status = 200, body = IntrospectResponse), (status = 400, response = ErrorResponse)))]
async fn introspect(
    State(state): State<AppState>,
    OAuthBody(body): OAuthBody<IntrospectBody>,
) -> OAuthServerResult<Json<IntrospectResponse>> {
    let now = now_ms();
    let Some(hash) = crate::oauth::tokens::stored_hash(&state.openid_keys, &body.token.0, now)
    else {
        return Ok(Json(IntrospectResponse::inactive()));
    };
    let row = state.db.oauth_token(&hash).await.map_err(ApiError::from)?;
    let Some(row) = row.filter(|t| t.expires_at.is_none_or(|at| at > now)) else {
        return Ok(Json(IntrospectResponse::inactive()));
    };
    let refresh = row.kind == OAuthTokenKind::Refresh;
    if refresh {
        let client = state.db.oauth_client(&row.client_id).await;
        let public = client
            .map_err(ApiError::from)?
            .is_some_and(|c| c.public_client);
        if !public {
            return Ok(Json(IntrospectResponse::inactive()));
        }
    }
    Ok(Json(IntrospectResponse {
        active: true,
        scope: Some(row.scope),
        client_id: Some(foxden_crypto::to_hex(row.client_id)),
        token_type: Some(if refresh {
            "refresh_token"
        } else {
            "access_token"
        }),
        exp: row.expires_at,
        iat: Some(row.created_at),
        sub: Some(foxden_crypto::to_hex(row.uid)),
        iss: Some(state.openid_keys.issuer().to_string()),
        jti: Some(foxden_crypto::to_hex(hash)),
        fxa_last_used_at: row.last_used_at.filter(|_| refresh),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = OAuthServerDestroyBody)]
pub(crate) struct DestroyBody {
    client_id: Option<Hex<8>>,
    /// Ignored without `client_id` (Mozilla's legacy callers send it alone).
    client_secret: Option<Hex<32>>,
    /// An opaque or JWT access token (`token` is the same field).
    #[serde(alias = "token")]
    access_token: Option<Bounded<1024>>,
    refresh_token: Option<Hex<32>>,
    /// A refresh token's stored id, as `/authorized-clients` lists it.
    refresh_token_id: Option<Hex<32>>,
}

/// Revokes exactly one of `access_token`, `refresh_token`, `refresh_token_id`.
/// Unlike RFC 7009 (and `/oauth/destroy`), an unknown token, or one of another
/// client when credentials are given, is 400 errno 108, as Mozilla's route.
#[utoipa::path(post, path = "/destroy", tag = "OAuth Server API Overview",
    request_body = DestroyBody,
    responses((status = 200, body = Empty), (status = 400, response = ErrorResponse)))]
async fn destroy(
    State(state): State<AppState>,
    BasicAuth(basic): BasicAuth,
    OAuthBody(body): OAuthBody<DestroyBody>,
) -> OAuthServerResult<Json<Empty>> {
    let secret = body.client_secret.filter(|_| body.client_id.is_some());
    let creds = credentials(basic, body.client_id, secret)?;
    let client = match &creds {
        Some(creds) => Some(clients::authenticate(&state.db, creds).await?),
        None => None,
    };
    let given = [
        body.access_token.is_some(),
        body.refresh_token.is_some(),
        body.refresh_token_id.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err(ApiError::InvalidParameter {
            origin: Source::Payload,
            keys: vec![
                "access_token".into(),
                "refresh_token".into(),
                "refresh_token_id".into(),
            ],
        }
        .into());
    }
    let now = now_ms();
    let (hash, kind) = if let Some(access) = &body.access_token {
        let hash = crate::oauth::tokens::stored_hash(&state.openid_keys, &access.0, now);
        (hash.ok_or(ApiError::InvalidToken)?, OAuthTokenKind::Access)
    } else if let Some(refresh) = &body.refresh_token {
        (foxden_crypto::sha256(&refresh.0), OAuthTokenKind::Refresh)
    } else {
        let id = body.refresh_token_id.as_ref().map(|id| id.0);
        (id.unwrap_or_default(), OAuthTokenKind::Refresh)
    };
    let row = state.db.oauth_token(&hash).await.map_err(ApiError::from)?;
    let row = row
        .filter(|t| t.kind == kind)
        .filter(|t| {
            client
                .as_ref()
                .is_none_or(|c| foxden_crypto::ct_eq(&c.id, &t.client_id))
        })
        .ok_or(ApiError::InvalidToken)?;
    state
        .db
        .delete_oauth_token(&row.token_hash)
        .await
        .map_err(ApiError::from)?;
    Ok(Json(Empty {}))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct IdTokenVerifyBody {
    client_id: Bounded<64>,
    id_token: Bounded<10240>,
    /// Seconds past `exp` still accepted.
    expiry_grace_period: Option<u32>,
}

/// The verified claims of an id_token of ours for `client_id`.
#[derive(Serialize, ToSchema)]
pub(crate) struct IdTokenVerifyResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    acr: Option<String>,
    /// The client id (several audiences: the first).
    aud: String,
    #[schema(value_type = String)]
    alg: &'static str,
    at_hash: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    amr: Option<Vec<String>>,
    exp: i64,
    #[serde(rename = "fxa-aal", skip_serializing_if = "Option::is_none")]
    fxa_aal: Option<i64>,
    iat: i64,
    iss: String,
    sub: String,
}

/// An auth-server route: a bad signature, issuer, audience or expiry is 401
/// errno 110 (Mozilla translates the OAuth server's invalid token to it).
#[utoipa::path(post, path = "/oauth/id-token-verify", tag = "Miscellaneous",
    request_body = IdTokenVerifyBody,
    responses((status = 200, body = IdTokenVerifyResponse), (status = 400, response = ErrorResponse),
        (status = 401, response = ErrorResponse)))]
async fn id_token_verify(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<IdTokenVerifyBody>,
) -> ApiResult<Json<IdTokenVerifyResponse>> {
    let grace = i64::from(body.expiry_grace_period.unwrap_or(0));
    let claims = state
        .openid_keys
        .verify_id_token(&body.id_token.0, &body.client_id.0, grace, now_ms())
        .ok_or(ApiError::InvalidToken)?;
    Ok(Json(IdTokenVerifyResponse {
        acr: claims.acr,
        aud: body.client_id.0,
        alg: "RS256",
        at_hash: claims.at_hash,
        amr: claims.amr,
        exp: claims.exp,
        fxa_aal: claims.fxa_aal,
        iat: claims.iat,
        iss: state.openid_keys.issuer().to_string(),
        sub: claims.sub,
    }))
}
