//! The OAuth-server routes a BrowserID `assertion` authenticates:
//! `POST /authorization`, `POST /key-data`, `POST /authorized-clients` and
//! `POST /authorized-clients/destroy` (the assertion's checks are in
//! [`crate::oauth::assertion`]; the grant checks are the session routes' own).
//! Mozilla has no rate-limit rule for these routes, so none is checked here.

use std::collections::BTreeMap;

use crate::openapi::api_routes;
use crate::openapi::ApiRouter;
use axum::extract::State;
use axum::Json;
use foxden_db::ops::{OAuthClients, OAuthGrants, OAuthTokenKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::oauth::{ScopedKeyData, ScopedKeyDataResponse};
use super::oauth_server::OAuthBody;
use super::oauth_token::forbid;
use super::{Empty, ErrorResponse};
use crate::clock::now_ms;
use crate::error::{ApiError, OAuthServerResult, Source};
use crate::oauth::assertion;
use crate::oauth::authorize::{self, AuthorizationRequest};
use crate::oauth::params::{
    AccessType, CodeChallengeMethod, Jwe, PkceChallenge, RedirectUri, ResourceUrl,
    ServerResponseType, Ttl,
};
use crate::oauth::scoped_keys;
use crate::oauth::scopes::ScopeSet;
use crate::oauth::token_grant::Exchanged;
use crate::oauth::tokens::TokenTerms;
use crate::state::AppState;
use crate::user_agent::UserAgent;
use crate::validate::{Bounded, Hex};

pub fn routes() -> ApiRouter<AppState> {
    ApiRouter::new()
        .routes(api_routes!(authorization))
        .routes(api_routes!(key_data))
        .routes(api_routes!(authorized_clients))
        .routes(api_routes!(authorized_clients_destroy))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = OAuthServerAuthorizationBody)]
pub(crate) struct AuthorizationBody {
    client_id: Hex<8>,
    assertion: Bounded<10240>,
    #[schema(value_type = Option<String>)]
    redirect_uri: Option<RedirectUri>,
    #[schema(value_type = String)]
    scope: ScopeSet,
    /// `code` (the default) or `token` (tokens directly, for clients that may grant).
    response_type: Option<ServerResponseType>,
    state: Option<Bounded<512>>,
    /// Lifetime (s) of a `token` answer's access token; not with a code.
    #[schema(value_type = Option<f64>)]
    ttl: Option<Ttl>,
    access_type: Option<AccessType>,
    code_challenge_method: Option<CodeChallengeMethod>,
    #[schema(value_type = Option<String>)]
    code_challenge: Option<PkceChallenge>,
    #[schema(value_type = Option<String>)]
    keys_jwe: Option<Jwe>,
    acr_values: Option<Bounded<256>>,
    /// A second audience of a `token` answer's JWTs (RFC 8707); not with a code.
    #[schema(value_type = Option<String>)]
    resource: Option<ResourceUrl>,
}

/// A code (`redirect`, `code`, `state`, `scope`) or, for `response_type=token`,
/// what `/v1/token` answers.
#[derive(Serialize, ToSchema, Default)]
#[schema(as = OAuthServerAuthorizationResponse)]
pub(crate) struct AuthorizationResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    redirect: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token: Option<String>,
    /// `bearer`, with an access token.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    token_type: Option<&'static str>,
    scope: String,
    /// When the user last authenticated (s), with an access token.
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_in: Option<i64>,
    /// With `access_type=offline`.
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    /// With the `openid` scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
    /// With the `tokens/session` scope: a new session token.
    #[serde(skip_serializing_if = "Option::is_none")]
    session_token: Option<String>,
}

impl From<Exchanged> for AuthorizationResponse {
    fn from(done: Exchanged) -> Self {
        AuthorizationResponse {
            access_token: Some(done.issued.access_token),
            token_type: Some("bearer"),
            scope: done.issued.scope.to_string(),
            auth_at: done.auth_at,
            expires_in: Some(done.issued.expires_in),
            refresh_token: done.issued.refresh_token,
            id_token: done.issued.id_token,
            session_token: done.session_token,
            ..Default::default()
        }
    }
}

/// A code for the client, on what the assertion vouches for; or, with
/// `response_type=token`, the tokens themselves (Mozilla's "implicit grant",
/// which Firefox once used for profile tokens).
#[utoipa::path(post, path = "/authorization", tag = "OAuth Server API Overview",
    request_body = AuthorizationBody,
    responses((status = 200, body = AuthorizationResponse), (status = 400, response = ErrorResponse),
        (status = 401, response = ErrorResponse)))]
async fn authorization(
    State(state): State<AppState>,
    UserAgent(user_agent): UserAgent,
    OAuthBody(body): OAuthBody<AuthorizationBody>,
) -> OAuthServerResult<Json<AuthorizationResponse>> {
    let tokens = body.response_type == Some(ServerResponseType::Token);
    if tokens {
        forbid(&[
            (
                "code_challenge_method",
                body.code_challenge_method.is_some(),
            ),
            ("code_challenge", body.code_challenge.is_some()),
            ("keys_jwe", body.keys_jwe.is_some()),
        ])?;
    } else {
        forbid(&[
            ("ttl", body.ttl.is_some()),
            ("resource", body.resource.is_some()),
        ])?;
        if body.code_challenge.is_some() != body.code_challenge_method.is_some() {
            return Err(ApiError::InvalidParameter {
                origin: Source::Payload,
                keys: vec!["code_challenge".into(), "code_challenge_method".into()],
            }
            .into());
        }
    }
    let claims = assertion::claims(&state, &body.assertion.0, now_ms()).await?;
    let request = AuthorizationRequest {
        client_id: body.client_id.0,
        redirect_uri: body.redirect_uri.map(|r| r.0),
        scope: body.scope,
        state: body.state.map(|s| s.0).unwrap_or_default(),
        offline: body.access_type == Some(AccessType::Offline),
        code_challenge: body.code_challenge.map(|c| c.0),
        keys_jwe: body.keys_jwe.map(|j| j.0),
        acr_values: body.acr_values.map(|a| a.0),
    };
    if tokens {
        let terms = TokenTerms::new(body.ttl.map(|t| t.0), body.resource.map(|r| r.0));
        let done = authorize::authorize_tokens(&state, claims, request, terms, user_agent).await?;
        return Ok(Json(done.into()));
    }
    let done = authorize::authorize_with(&state, claims, request).await?;
    Ok(Json(AuthorizationResponse {
        code: Some(done.code),
        redirect: Some(done.redirect),
        state: Some(done.state),
        scope: done.scope,
        ..Default::default()
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct KeyDataBody {
    client_id: Hex<8>,
    assertion: Bounded<10240>,
    #[schema(value_type = String)]
    scope: ScopeSet,
}

/// `/account/scoped-key-data` on an assertion instead of a session.
#[utoipa::path(post, path = "/key-data", tag = "OAuth Server API Overview",
    request_body = KeyDataBody,
    responses((status = 200, body = ScopedKeyDataResponse), (status = 400, response = ErrorResponse),
        (status = 401, response = ErrorResponse)))]
async fn key_data(
    State(state): State<AppState>,
    OAuthBody(body): OAuthBody<KeyDataBody>,
) -> OAuthServerResult<Json<ScopedKeyDataResponse>> {
    let claims = assertion::claims(&state, &body.assertion.0, now_ms()).await?;
    let data =
        scoped_keys::scoped_key_data_for(&state, &claims, &body.client_id.0, &body.scope).await?;
    Ok(Json(ScopedKeyDataResponse::of(data)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuthorizedClientsBody {
    assertion: Bounded<10240>,
}

/// One grant the account has given: a refresh token, or a client's access tokens together.
#[derive(Serialize, ToSchema)]
pub(crate) struct AuthorizedClient {
    client_id: String,
    /// The refresh token's stored id (absent for a client's access tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token_id: Option<String>,
    client_name: String,
    /// ms.
    created_time: i64,
    /// ms.
    last_access_time: i64,
    scope: Vec<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(transparent)]
pub(crate) struct AuthorizedClientsResponse(Vec<AuthorizedClient>);

/// The account's grants: each refresh token on its own, and per client the live
/// access tokens of clients without one, merged.
#[utoipa::path(post, path = "/authorized-clients", tag = "OAuth Server API Overview",
    request_body = AuthorizedClientsBody,
    responses((status = 200, body = AuthorizedClientsResponse), (status = 400, response = ErrorResponse),
        (status = 401, response = ErrorResponse)))]
async fn authorized_clients(
    State(state): State<AppState>,
    OAuthBody(body): OAuthBody<AuthorizedClientsBody>,
) -> OAuthServerResult<Json<AuthorizedClientsResponse>> {
    let now = now_ms();
    let claims = assertion::claims(&state, &body.assertion.0, now).await?;
    let grants = state.db.oauth_grants_of(&claims.uid).await;
    let grants = grants.map_err(ApiError::from)?;
    let mut names = BTreeMap::new();
    let mut out: Vec<AuthorizedClient> = Vec::new();
    let mut by_client: BTreeMap<[u8; 8], usize> = BTreeMap::new();
    for token in grants {
        if token.expires_at.is_some_and(|at| at <= now) {
            continue;
        }
        if let std::collections::btree_map::Entry::Vacant(entry) = names.entry(token.client_id) {
            let client = state.db.oauth_client(&token.client_id).await;
            let name = client.map_err(ApiError::from)?.map(|c| c.name);
            entry.insert(name.unwrap_or_default());
        }
        let scope = ScopeSet::parse(&token.scope).unwrap_or_default();
        let last_access = token.last_used_at.unwrap_or(token.created_at);
        let refresh = token.kind == OAuthTokenKind::Refresh;
        if !refresh {
            if let Some(&at) = by_client.get(&token.client_id) {
                let entry = &mut out[at];
                entry.created_time = entry.created_time.min(token.created_at);
                entry.last_access_time = entry.last_access_time.max(last_access);
                let mut merged = ScopeSet::from_list(
                    &entry.scope.iter().map(String::as_str).collect::<Vec<_>>(),
                );
                for v in scope.values() {
                    merged.add(v);
                }
                entry.scope = merged.into_vec();
                continue;
            }
            by_client.insert(token.client_id, out.len());
        }
        out.push(AuthorizedClient {
            client_id: foxden_crypto::to_hex(token.client_id),
            refresh_token_id: refresh.then(|| foxden_crypto::to_hex(token.token_hash)),
            client_name: names[&token.client_id].clone(),
            created_time: token.created_at,
            last_access_time: last_access,
            scope: scope.into_vec(),
        });
    }
    Ok(Json(AuthorizedClientsResponse(out)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuthorizedClientsDestroyBody {
    client_id: Hex<8>,
    /// One refresh token of the client; without it every token of the client goes.
    refresh_token_id: Option<Hex<32>>,
    assertion: Option<Bounded<10240>>,
}

/// Revokes one refresh token of the client (400 errno 108 when the account has no
/// such token), or every token the account gave the client.
#[utoipa::path(post, path = "/authorized-clients/destroy", tag = "OAuth Server API Overview",
    request_body = AuthorizedClientsDestroyBody,
    responses((status = 200, body = Empty), (status = 400, response = ErrorResponse),
        (status = 401, response = ErrorResponse)))]
async fn authorized_clients_destroy(
    State(state): State<AppState>,
    OAuthBody(body): OAuthBody<AuthorizedClientsDestroyBody>,
) -> OAuthServerResult<Json<Empty>> {
    let bundle = body.assertion.ok_or_else(|| ApiError::MissingParameter {
        origin: Source::Payload,
        param: "assertion".into(),
    })?;
    let claims = assertion::claims(&state, &bundle.0, now_ms()).await?;
    let grants = state.db.oauth_grants_of(&claims.uid).await;
    let of_client = grants
        .map_err(ApiError::from)?
        .into_iter()
        .filter(|t| foxden_crypto::ct_eq(&t.client_id, &body.client_id.0));
    let doomed: Vec<[u8; 32]> = match body.refresh_token_id {
        Some(id) => {
            let found = of_client
                .filter(|t| t.kind == OAuthTokenKind::Refresh)
                .find(|t| foxden_crypto::ct_eq(&t.token_hash, &id.0))
                .ok_or(ApiError::InvalidToken)?;
            vec![found.token_hash]
        }
        None => of_client.map(|t| t.token_hash).collect(),
    };
    for hash in doomed {
        state
            .db
            .delete_oauth_token(&hash)
            .await
            .map_err(ApiError::from)?;
    }
    Ok(Json(Empty {}))
}

impl ScopedKeyDataResponse {
    /// The answer for `data`, keyed by scope.
    pub(crate) fn of(data: Vec<scoped_keys::ScopedKeyData>) -> Self {
        ScopedKeyDataResponse(
            data.into_iter()
                .map(|d| (d.scope.clone(), ScopedKeyData::of(d)))
                .collect(),
        )
    }
}
