//! The OAuth errors of the auth-server flavour (`/oauth/*`, `/account/scoped-key-data`),
//! with the auth-server errnos Mozilla's server answers there: its OAuth errors
//! are translated to these numbers (`AppError.appErrorFromOauthError`), e.g. an
//! unknown client is 162, not the OAuth server's 101.

use serde_json::json;

use super::{bad, Answer};

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// 162.
    #[error("unknown client")]
    UnknownClient { client_id: String },
    /// 163: scopes the client may not be granted.
    #[error("requested scopes are not allowed")]
    InvalidScopes { scopes: Vec<String> },
    /// 164: the authentication predates the last key change (`authAt` in seconds).
    #[error("stale auth timestamp")]
    StaleAuthAt { auth_at: i64 },
    /// 166: PKCE from a confidential client, or a grant only public clients may use.
    #[error("not a public client")]
    NotPublicClient,
    /// 167.
    #[error("incorrect redirect URI")]
    IncorrectRedirectUri { redirect_uri: String },
    /// 168: `response_type=token` from a client that may not grant directly.
    #[error("invalid response type")]
    InvalidResponseType,
    /// 169: a public client without `code_challenge`, or a PKCE code without `code_verifier`.
    #[error("missing PKCE parameters")]
    MissingPkceParameters,
    /// 170: `acr_values` asks for AAL2 and the session has less.
    #[error("insufficient ACR values")]
    InsufficientAcrValues { found: i32 },
    /// 171.
    #[error("incorrect client secret")]
    IncorrectClientSecret { client_id: String },
    /// 172: no such code (never issued, already used, or its client is gone).
    #[error("unknown authorization code")]
    UnknownAuthorizationCode,
    /// 173: the code was issued to another client.
    #[error("mismatched authorization code")]
    MismatchAuthorizationCode { client_id: String },
    /// 174 (`expiredAt` in ms).
    #[error("expired authorization code")]
    ExpiredAuthorizationCode { expired_at: i64 },
    /// 175: the `code_verifier` does not hash to the code's challenge.
    #[error("invalid PKCE challenge")]
    InvalidPkceChallenge,
}

impl OAuthError {
    pub(super) fn answer(&self) -> Answer {
        use OAuthError::*;
        match self {
            UnknownClient { client_id } => {
                bad(162, "Unknown client_id").with("clientId", json!(client_id))
            }
            InvalidScopes { scopes } => {
                bad(163, "Requested scopes are not allowed").with("invalidScopes", json!(scopes))
            }
            StaleAuthAt { auth_at } => {
                bad(164, "Stale auth timestamp").with("authAt", json!(auth_at))
            }
            NotPublicClient => bad(166, "Not a public client"),
            IncorrectRedirectUri { redirect_uri } => {
                bad(167, "Incorrect redirect URI").with("redirectUri", json!(redirect_uri))
            }
            InvalidResponseType => bad(168, "Invalid response_type"),
            MissingPkceParameters => bad(169, "Public clients require PKCE OAuth parameters"),
            InsufficientAcrValues { found } => bad(
                170,
                "Required Authentication Context Reference values could not be satisfied",
            )
            .with("foundValue", json!(found)),
            IncorrectClientSecret { client_id } => {
                bad(171, "Incorrect client_secret").with("clientId", json!(client_id))
            }
            UnknownAuthorizationCode => bad(172, "Unknown authorization code"),
            MismatchAuthorizationCode { client_id } => {
                bad(173, "Mismatched authorization code").with("clientId", json!(client_id))
            }
            ExpiredAuthorizationCode { expired_at } => {
                bad(174, "Expired authorization code").with("expiredAt", json!(expired_at))
            }
            InvalidPkceChallenge => bad(175, "Public clients require PKCE OAuth parameters"),
        }
    }
}
