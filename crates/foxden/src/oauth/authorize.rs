//! `POST /oauth/authorization`: a session grants a client an authorization code;
//! `POST /v1/authorization` (an assertion) a code, or tokens directly.

use foxden_db::ops::{ClientId, OAuthClient, OAuthCode, OAuthGrants};
use foxden_db::{SessionToken, UserAgentInfo};

use super::clients::known_client;
use super::grant;
use super::scopes::ScopeSet;
use super::token_grant::{self, Exchanged, GrantRequest};
use super::tokens::TokenTerms;
use crate::error::{ApiError, ApiResult, OAuthError, Source};
use crate::state::AppState;

pub struct AuthorizationRequest {
    pub client_id: ClientId,
    pub redirect_uri: Option<String>,
    pub scope: ScopeSet,
    pub state: String,
    pub offline: bool,
    /// S256 only (the route accepts no other method).
    pub code_challenge: Option<String>,
    pub keys_jwe: Option<String>,
    pub acr_values: Option<String>,
}

pub struct Authorized {
    pub code: String,
    pub redirect: String,
    pub state: String,
    /// The scope granted (as requested: foxden asks the user for no subset).
    pub scope: String,
}

/// The redirect URI to use: the request's, which must be one of the client's
/// registered ones exactly (errno 167), or else the first registered one.
fn redirect_uri(client: &OAuthClient, requested: Option<String>) -> ApiResult<String> {
    let registered: Vec<&str> = client
        .redirect_uri
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .collect();
    match requested {
        Some(uri) if registered.contains(&uri.as_str()) => Ok(uri),
        None if !registered.is_empty() => Ok(registered[0].to_string()),
        other => Err(OAuthError::IncorrectRedirectUri {
            redirect_uri: other.unwrap_or_default(),
        }
        .into()),
    }
}

/// `redirect` with `code` and `state` added to its query.
fn with_code(redirect: &str, code: &str, state: &str) -> ApiResult<String> {
    let mut url = url::Url::parse(redirect).map_err(|_| OAuthError::IncorrectRedirectUri {
        redirect_uri: redirect.to_string(),
    })?;
    url.query_pairs_mut()
        .append_pair("code", code)
        .append_pair("state", state);
    Ok(url.into())
}

pub async fn authorize(
    state: &AppState,
    session: &SessionToken,
    req: AuthorizationRequest,
) -> ApiResult<Authorized> {
    let account = state.token_account(&session.core.uid).await?;
    let claims = grant::claims(&account, session)?;
    authorize_with(state, claims, req).await
}

/// A code for what `claims` vouch for (a session's, or a BrowserID assertion's).
pub async fn authorize_with(
    state: &AppState,
    claims: grant::Claims,
    req: AuthorizationRequest,
) -> ApiResult<Authorized> {
    let (client, redirect) = checked_client(state, &req).await?;
    grant::validate(&claims, &client, &req.scope, req.acr_values.as_deref())?;
    // PKCE if and only if the client is public.
    if client.public_client && req.code_challenge.is_none() {
        return Err(OAuthError::MissingPkceParameters.into());
    }
    if !client.public_client && req.code_challenge.is_some() {
        return Err(OAuthError::NotPublicClient.into());
    }
    let code = foxden_crypto::random::bytes::<32>();
    let record = OAuthCode {
        code_hash: foxden_crypto::sha256(&code),
        client_id: client.id,
        uid: claims.uid,
        scope: req.scope.to_string(),
        auth_at: claims.auth_at,
        amr: claims.amr.join(" "),
        aal: claims.aal,
        code_challenge: req.code_challenge,
        keys_jwe: req.keys_jwe,
        offline: req.offline,
        session_token_id_hash: claims.session_token_id_hash,
        created_at: crate::clock::now_ms(),
    };
    let code = foxden_crypto::to_hex(code);
    let redirect = with_code(&redirect, &code, &req.state)?;
    state.db.insert_oauth_code(&record).await?;
    Ok(Authorized {
        code,
        redirect,
        scope: record.scope,
        state: req.state,
    })
}

/// The client an authorization names (errno 101/162), the redirect URI it gets
/// (103/167), and a non-empty scope (109/107).
async fn checked_client(
    state: &AppState,
    req: &AuthorizationRequest,
) -> ApiResult<(OAuthClient, String)> {
    let client = known_client(&state.db, &req.client_id).await?;
    let redirect = redirect_uri(&client, req.redirect_uri.clone())?;
    if req.scope.is_empty() {
        return Err(ApiError::InvalidParameter {
            origin: Source::Payload,
            keys: vec!["scope".into()],
        });
    }
    Ok((client, redirect))
}

/// `response_type=token`: the tokens themselves instead of a code, after the
/// checks a code gets, for a client that may grant directly (else errno 110).
/// `req`'s PKCE and keys fields are not for this answer (the route refuses them).
pub async fn authorize_tokens(
    state: &AppState,
    claims: grant::Claims,
    req: AuthorizationRequest,
    terms: TokenTerms,
    user_agent: UserAgentInfo,
) -> ApiResult<Exchanged> {
    let (client, _) = checked_client(state, &req).await?;
    let request = GrantRequest::Implicit {
        claims: Box::new(claims),
        scope: req.scope,
        offline: req.offline,
        acr_values: req.acr_values,
    };
    token_grant::exchange(state, client, request, terms, user_agent).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_redirect_carries_code_and_state_even_for_a_urn() {
        let url = with_code(super::super::clients::WEBCHANNEL_REDIRECT, "ab", "x y").unwrap();
        assert_eq!(
            url,
            "urn:ietf:wg:oauth:2.0:oob:oauth-redirect-webchannel?code=ab&state=x+y"
        );
        let url = with_code("https://rp.example/cb?a=1", "ab", "s").unwrap();
        assert_eq!(url, "https://rp.example/cb?a=1&code=ab&state=s");
    }
}
