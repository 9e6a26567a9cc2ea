//! The OAuth server's own error namespace, answered by the OAuth-server routes
//! (`/v1/token`, `/v1/verify`, `/v1/introspect`, `/v1/destroy`, `/v1/client/…`,
//! `/v1/oauth/id-token-verify`). Mozilla's OAuth server numbers its errors
//! differently from the auth server (`lib/oauth/error.js`: an unknown client is
//! 101 there, 162 on `/v1/oauth/*`), so the same domain failure ([`ApiError`],
//! [`OAuthError`]) is answered by a second table here rather than by bending
//! the first. Failures with no OAuth-server number (storage 203, a full
//! password pool 201, a feature not built 503 errno 202, a rate limit 429 errno
//! 114) keep the auth server's answer.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{bad, render, Answer, ApiError, OAuthError};

/// Where Mozilla's OAuth server points `info`.
pub const OAUTH_INFO_URL: &str =
    "https://github.com/mozilla/fxa-oauth-server/blob/master/docs/api.md#errors";

/// A failure of an OAuth-server route.
#[derive(Debug, thiserror::Error)]
pub enum OAuthServerError {
    /// A domain failure, numbered by [`OAuthServerError::answer`].
    #[error(transparent)]
    Domain(#[from] ApiError),
    /// 104: a BrowserID assertion that does not verify (or vouches for no one now).
    #[error("invalid assertion")]
    InvalidAssertion,
    /// 115: an access token past its `expires_at` (ms).
    #[error("expired token")]
    ExpiredToken { expired_at: i64 },
}

impl From<OAuthError> for OAuthServerError {
    fn from(err: OAuthError) -> Self {
        OAuthServerError::Domain(err.into())
    }
}

pub type OAuthServerResult<T> = Result<T, OAuthServerError>;

fn unauthorized_401(errno: u32, message: &'static str) -> Answer {
    Answer::new(errno, StatusCode::UNAUTHORIZED, "Bad Request", message)
}

impl OAuthServerError {
    /// The OAuth server's number for this failure, or `None` when the auth
    /// server's answer stands.
    pub fn answer(&self) -> Option<Answer> {
        use ApiError as A;
        use OAuthError as O;
        let domain = match self {
            OAuthServerError::ExpiredToken { expired_at } => {
                return Some(bad(115, "Expired token").with("expiredAt", json!(expired_at)))
            }
            OAuthServerError::InvalidAssertion => {
                return Some(unauthorized_401(104, "Invalid assertion"))
            }
            OAuthServerError::Domain(domain) => domain,
        };
        let answer = match domain {
            A::OAuth(O::UnknownClient { client_id }) => {
                bad(101, "Unknown client").with("clientId", json!(client_id))
            }
            A::OAuth(O::IncorrectClientSecret { client_id }) => {
                bad(102, "Incorrect secret").with("clientId", json!(client_id))
            }
            A::OAuth(O::IncorrectRedirectUri { redirect_uri }) => {
                bad(103, "Incorrect redirect_uri").with("redirectUri", json!(redirect_uri))
            }
            // What an assertion's checks refuse (an unverified email or session).
            A::UnverifiedAccount | A::UnverifiedSession => {
                unauthorized_401(104, "Invalid assertion")
            }
            A::OAuth(O::UnknownAuthorizationCode) => bad(105, "Unknown code"),
            A::OAuth(O::MismatchAuthorizationCode { client_id }) => {
                bad(106, "Incorrect code").with("client", json!(client_id))
            }
            A::OAuth(O::ExpiredAuthorizationCode { expired_at }) => {
                bad(107, "Expired code").with("expiredAt", json!(expired_at))
            }
            A::InvalidToken => bad(108, "Invalid token"),
            A::OAuth(O::InvalidResponseType) => bad(110, "Invalid response_type"),
            A::InvalidJson => bad(109, "Invalid request parameter"),
            A::InvalidParameter { origin, keys } => bad(109, "Invalid request parameter").with(
                "validation",
                json!({"source": origin.as_str(), "keys": keys}),
            ),
            A::MissingParameter { origin, param } => bad(109, "Invalid request parameter").with(
                "validation",
                json!({"source": origin.as_str(), "keys": [param]}),
            ),
            A::OAuth(O::InvalidScopes { scopes }) => Answer::new(
                114,
                StatusCode::BAD_REQUEST,
                "Invalid scopes",
                "Requested scopes are not allowed",
            )
            .with("invalidScopes", json!(scopes)),
            A::OAuth(O::NotPublicClient) => bad(116, "Not a public client"),
            A::OAuth(O::InvalidPkceChallenge) => bad(117, "Incorrect code_challenge"),
            A::OAuth(O::MissingPkceParameters) => Answer::new(
                118,
                StatusCode::BAD_REQUEST,
                "PKCE parameters missing",
                "Public clients require PKCE OAuth parameters",
            ),
            A::OAuth(O::StaleAuthAt { auth_at }) => {
                unauthorized_401(119, "Stale authentication timestamp")
                    .with("authAt", json!(auth_at))
            }
            A::OAuth(O::InsufficientAcrValues { found }) => {
                bad(120, "Mismatch acr value").with("foundValue", json!(found))
            }
            _ => return None,
        };
        Some(answer)
    }

    pub fn errno(&self) -> u32 {
        match (self.answer(), self) {
            (Some(answer), _) => answer.errno,
            (None, OAuthServerError::Domain(domain)) => domain.errno(),
            (None, _) => 999,
        }
    }
}

impl IntoResponse for OAuthServerError {
    fn into_response(self) -> Response {
        match (self.answer(), self) {
            (Some(answer), _) => render(answer, Some(OAUTH_INFO_URL)),
            (None, OAuthServerError::Domain(domain)) => domain.into_response(),
            (None, _) => ApiError::Unexpected.into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Source;

    fn errno(err: impl Into<OAuthServerError>) -> (u32, u16) {
        let err = err.into();
        let status = err.answer().map_or(0, |a| a.status.as_u16());
        (err.errno(), status)
    }

    #[test]
    fn one_domain_failure_two_numbers() {
        let unknown = || OAuthError::UnknownClient {
            client_id: "00".repeat(8),
        };
        assert_eq!(ApiError::from(unknown()).errno(), 162);
        assert_eq!(errno(unknown()), (101, 400));
        let secret = OAuthError::IncorrectClientSecret {
            client_id: "00".repeat(8),
        };
        assert_eq!(errno(secret), (102, 400));
        assert_eq!(
            errno(OAuthError::IncorrectRedirectUri {
                redirect_uri: "x".into()
            }),
            (103, 400)
        );
        assert_eq!(errno(ApiError::UnverifiedSession), (104, 401));
        assert_eq!(errno(OAuthServerError::InvalidAssertion), (104, 401));
        assert_eq!(errno(OAuthError::UnknownAuthorizationCode), (105, 400));
        assert_eq!(
            errno(OAuthError::ExpiredAuthorizationCode { expired_at: 1 }),
            (107, 400)
        );
        assert_eq!(errno(ApiError::InvalidToken), (108, 400));
        let invalid = ApiError::InvalidParameter {
            origin: Source::Payload,
            keys: vec!["token".into()],
        };
        assert_eq!(errno(invalid), (109, 400));
        assert_eq!(
            errno(OAuthError::InvalidScopes { scopes: vec![] }),
            (114, 400)
        );
        assert_eq!(
            errno(OAuthServerError::ExpiredToken { expired_at: 1 }),
            (115, 400)
        );
        assert_eq!(errno(OAuthError::InvalidResponseType), (110, 400));
        assert_eq!(errno(OAuthError::NotPublicClient), (116, 400));
        assert_eq!(errno(OAuthError::InvalidPkceChallenge), (117, 400));
        assert_eq!(errno(OAuthError::MissingPkceParameters), (118, 400));
        assert_eq!(errno(OAuthError::StaleAuthAt { auth_at: 1 }), (119, 401));
        assert_eq!(
            errno(OAuthError::InsufficientAcrValues { found: 1 }),
            (120, 400)
        );
        // No OAuth-server number: the auth server's answer stands.
        assert_eq!(errno(ApiError::FeatureNotEnabled), (202, 0));
    }
}
