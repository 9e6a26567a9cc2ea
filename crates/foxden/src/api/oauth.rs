//! OAuth, auth-server flavour: `GET /oauth/client/{client_id}`,
//! `POST /oauth/authorization`, `POST /oauth/destroy` and
//! `POST /account/scoped-key-data` (the token endpoint is in `oauth_token.rs`).
//! Mozilla has no rate-limit rule for these routes, so none is checked here.

use std::collections::BTreeMap;

use crate::openapi::api_routes;
use crate::openapi::ApiRouter;
use axum::extract::{Path, State};
use axum::Json;
use foxden_db::ops::OAuthGrants;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::oauth_token::ClientAuthHeader;
use super::{Empty, ErrorResponse};
use crate::auth::SessionAuth;
use crate::clock::now_ms;
use crate::error::{ApiError, ApiResult, Source};
use crate::extract::ApiJson;
use crate::oauth::authorize::{self, AuthorizationRequest};
use crate::oauth::clients::{self, ClientCredentials};
use crate::oauth::params::{
    AccessType, CodeChallengeMethod, Jwe, PkceChallenge, Prompt, RedirectUri, ResponseType,
};
use crate::oauth::scoped_keys::{self, KEY_ROTATION_SECRET};
use crate::oauth::scopes::ScopeSet;
use crate::oauth::tokens;
use crate::state::AppState;
use crate::validate::{Bounded, Hex, Service};

pub fn routes() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(api_routes!(client_info))
        .routes(api_routes!(authorization))
        .routes(api_routes!(destroy))
        .routes(api_routes!(scoped_key_data))
}

/// `getClientInfo`: what the sign-in pages show and where they send the code.
#[derive(Serialize, ToSchema)]
#[schema(as = OAuthClientInfo)]
pub(crate) struct ClientInfo {
    id: String,
    /// Absent when the client has no image.
    #[serde(skip_serializing_if = "Option::is_none")]
    image_uri: Option<String>,
    name: String,
    redirect_uri: String,
    trusted: bool,
}

#[utoipa::path(get, path = "/oauth/client/{client_id}", tag = "Oauth",
    params(("client_id" = String, Path, description = "16 hex characters")),
    responses((status = 200, body = ClientInfo), (status = 400, response = ErrorResponse)))]
async fn client_info(
    State(state): State<AppState>,
    Path(client_id): Path<String>,
) -> ApiResult<Json<ClientInfo>> {
    ClientInfo::lookup(&state, &client_id).await.map(Json)
}

impl ClientInfo {
    /// The client a path's `client_id` names: 16 hex (else errno 107/109
    /// naming it), registered (else 162/101).
    pub(crate) async fn lookup(state: &AppState, client_id: &str) -> ApiResult<Self> {
        let id = clients::parse_id(client_id).ok_or_else(|| ApiError::InvalidParameter {
            origin: Source::Params,
            keys: vec!["client_id".into()],
        })?;
        let client = clients::known_client(&state.db, &id).await?;
        Ok(ClientInfo::of(client))
    }

    pub(crate) fn of(client: foxden_db::ops::OAuthClient) -> Self {
        ClientInfo {
            id: foxden_crypto::to_hex(client.id),
            image_uri: Some(client.image_uri).filter(|u| !u.is_empty()),
            name: client.name,
            redirect_uri: client.redirect_uri,
            trusted: client.trusted,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = OAuthAuthorizationBody)]
pub(crate) struct AuthorizationBody {
    /// Only `code`.
    #[serde(rename = "response_type")]
    _response_type: Option<ResponseType>,
    client_id: Hex<8>,
    #[schema(value_type = Option<String>)]
    redirect_uri: Option<RedirectUri>,
    #[schema(value_type = Option<String>)]
    scope: Option<ScopeSet>,
    state: Bounded<512>,
    access_type: Option<AccessType>,
    code_challenge_method: Option<CodeChallengeMethod>,
    #[schema(value_type = Option<String>)]
    code_challenge: Option<PkceChallenge>,
    #[schema(value_type = Option<String>)]
    keys_jwe: Option<Jwe>,
    acr_values: Option<Bounded<256>>,
    /// Which browser service asks (Sync, …); used by Mozilla to resolve a missing `scope`.
    service: Option<Service>,
    /// Mozilla uses it only for its consent records.
    #[serde(rename = "prompt")]
    _prompt: Option<Prompt>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = OAuthAuthorizationResponse)]
pub(crate) struct AuthorizationResponse {
    code: String,
    redirect: String,
    state: String,
    /// The scope granted.
    scope: String,
}

/// A code for the client, bound to this session, its PKCE challenge and keys bundle.
#[utoipa::path(post, path = "/oauth/authorization", tag = "Oauth",
    request_body = AuthorizationBody,
    responses((status = 200, body = AuthorizationResponse), (status = 400, response = ErrorResponse),
        (status = 401, response = ErrorResponse), (status = 503, response = ErrorResponse)))]
async fn authorization(
    State(state): State<AppState>,
    auth: SessionAuth,
    ApiJson(body): ApiJson<AuthorizationBody>,
) -> ApiResult<Json<AuthorizationResponse>> {
    if body.code_challenge.is_some() != body.code_challenge_method.is_some() {
        let missing = if body.code_challenge.is_some() {
            "code_challenge_method"
        } else {
            "code_challenge"
        };
        return Err(ApiError::InvalidParameter {
            origin: Source::Payload,
            keys: vec![missing.into()],
        });
    }
    let scope = body.scope.unwrap_or_default();
    // Mozilla resolves a missing scope from `service` (for Firefox's clients); foxden
    // does not, and says so rather than answer with a guess.
    if scope.is_empty() && body.service.is_some() {
        return Err(ApiError::FeatureNotEnabled);
    }
    let request = AuthorizationRequest {
        client_id: body.client_id.0,
        redirect_uri: body.redirect_uri.map(|r| r.0),
        scope,
        state: body.state.0,
        offline: body.access_type == Some(AccessType::Offline),
        code_challenge: body.code_challenge.map(|c| c.0),
        keys_jwe: body.keys_jwe.map(|j| j.0),
        acr_values: body.acr_values.map(|a| a.0),
    };
    let done = authorize::authorize(&state, &auth.token, request).await?;
    Ok(Json(AuthorizationResponse {
        code: done.code,
        redirect: done.redirect,
        state: done.state,
        scope: done.scope,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = OAuthDestroyBody)]
pub(crate) struct DestroyBody {
    client_id: Option<Hex<8>>,
    client_secret: Option<Hex<32>>,
    /// An access or refresh token (64 hex), or a JWT access token.
    token: Option<Bounded<8192>>,
    /// Only an order to search in (RFC 7009); both kinds are searched at once.
    #[serde(rename = "token_type_hint")]
    _token_type_hint: Option<Bounded<64>>,
}

/// RFC 7009 revocation: the access or refresh token goes; an unknown token (or one
/// of another client) succeeds silently, as the RFC says.
#[utoipa::path(post, path = "/oauth/destroy", tag = "Oauth", request_body = DestroyBody,
    responses((status = 200, body = Empty), (status = 400, response = ErrorResponse)))]
async fn destroy(
    State(state): State<AppState>,
    header: ClientAuthHeader,
    ApiJson(body): ApiJson<DestroyBody>,
) -> ApiResult<Json<Empty>> {
    let creds = match header.basic_only()? {
        Some(basic) => {
            if body.client_id.is_some() || body.client_secret.is_some() {
                return Err(ApiError::InvalidParameter {
                    origin: Source::Headers,
                    keys: vec!["authorization".into()],
                });
            }
            Some(basic)
        }
        None => body.client_id.map(|id| ClientCredentials {
            client_id: id.0,
            secret: body.client_secret.map(|s| s.0),
        }),
    };
    let client = match &creds {
        Some(creds) => Some(clients::authenticate(&state.db, creds).await?),
        None => None,
    };
    if let Some(token) = body.token {
        // A token that is neither ours nor well-formed names no row: nothing to revoke.
        let hash = tokens::stored_hash(&state.openid_keys, &token.0, now_ms());
        let found = match &hash {
            Some(hash) => state.db.oauth_token(hash).await?,
            None => None,
        };
        if let (Some(found), Some(hash)) = (found, hash) {
            let ours = client
                .as_ref()
                .is_none_or(|c| foxden_crypto::ct_eq(&c.id, &found.client_id));
            if ours {
                state.db.delete_oauth_token(&hash).await?;
            }
        }
    } else {
        return Err(ApiError::MissingParameter {
            origin: Source::Payload,
            param: "token".into(),
        });
    }
    Ok(Json(Empty {}))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScopedKeyDataBody {
    client_id: Hex<8>,
    #[schema(value_type = String)]
    scope: ScopeSet,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ScopedKeyData {
    identifier: String,
    key_rotation_secret: &'static str,
    /// ms.
    key_rotation_timestamp: i64,
}

/// Per scope with keys: what the client derives that scope's key with.
#[derive(Serialize, ToSchema)]
#[serde(transparent)]
pub(crate) struct ScopedKeyDataResponse(pub(crate) BTreeMap<String, ScopedKeyData>);

#[utoipa::path(post, path = "/account/scoped-key-data", tag = "Oauth",
    request_body = ScopedKeyDataBody,
    responses((status = 200, body = ScopedKeyDataResponse), (status = 400, response = ErrorResponse),
        (status = 401, response = ErrorResponse)))]
async fn scoped_key_data(
    State(state): State<AppState>,
    auth: SessionAuth,
    ApiJson(body): ApiJson<ScopedKeyDataBody>,
) -> ApiResult<Json<ScopedKeyDataResponse>> {
    let data =
        scoped_keys::scoped_key_data(&state, &auth.token, &body.client_id.0, &body.scope).await?;
    Ok(Json(ScopedKeyDataResponse::of(data)))
}

impl ScopedKeyData {
    pub(crate) fn of(d: scoped_keys::ScopedKeyData) -> Self {
        ScopedKeyData {
            identifier: d.scope,
            key_rotation_secret: KEY_ROTATION_SECRET,
            key_rotation_timestamp: d.key_rotation_timestamp,
        }
    }
}
