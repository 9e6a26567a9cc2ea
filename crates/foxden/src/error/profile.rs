//! The profile server's errors (`<prefix>/v1/*`). Its errnos are its own
//! (Mozilla's `fxa-profile-server/lib/error.js`): 100 unauthorized, 101 invalid
//! request parameter; hapi's own failures (a scope that does not reach the route,
//! a body too large, …) carry no errno and answer 999 with their HTTP status. The
//! body is `{code, errno, error, message}` plus the error's extras (no `info`).

use axum::http::StatusCode;
use serde_json::json;

use super::{Answer, ApiError, Source};

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// 401 errno 100; `reason` says why (Mozilla's `AppError.unauthorized(msg)`).
    #[error("unauthorized: {reason}")]
    Unauthorized { reason: &'static str },
    /// 403: the token's scopes do not reach the route ("Insufficient scope"), or none
    /// of `/v1/profile`'s parts ("Forbidden").
    #[error("forbidden")]
    Forbidden { message: &'static str },
    /// 400 errno 101 with `validation: {source, keys}`.
    #[error("invalid request parameter")]
    InvalidRequestParameter { origin: Source, keys: Vec<String> },
    /// Any other failure, with its HTTP status, `error` text and message, errno 999
    /// (what Mozilla's `AppError.translate` makes of errors without an errno).
    #[error("{message}")]
    Other {
        status: StatusCode,
        error: &'static str,
        message: String,
    },
}

impl ProfileError {
    pub(super) fn answer(&self) -> Answer {
        match self {
            ProfileError::Unauthorized { reason } => {
                Answer::new(100, StatusCode::UNAUTHORIZED, "Bad Request", "Unauthorized")
                    .with("reason", json!(reason))
            }
            ProfileError::Forbidden { message } => {
                Answer::new(999, StatusCode::FORBIDDEN, "Forbidden", *message)
            }
            ProfileError::InvalidRequestParameter { origin, keys } => Answer::new(
                101,
                StatusCode::BAD_REQUEST,
                "Bad Request",
                "Invalid request parameter",
            )
            .with(
                "validation",
                json!({"source": origin.as_str(), "keys": keys}),
            ),
            ProfileError::Other {
                status,
                error,
                message,
            } => Answer::new(999, *status, error, message.clone()),
        }
    }

    /// The profile server's form of an error raised by the shared extractors and
    /// services: a bad or unknown token (or a deleted account, Mozilla's errno 102)
    /// is 401 errno 100, a validation failure 400 errno 101, anything else keeps
    /// its status with errno 999.
    pub fn translate(err: ApiError) -> ApiError {
        let profile = match err {
            ApiError::Profile(_) => return err,
            ApiError::InvalidToken
            | ApiError::InvalidSignature(_)
            | ApiError::InvalidTimestamp
            | ApiError::UnknownAccount { .. } => ProfileError::Unauthorized {
                reason: "Bearer token invalid",
            },
            ApiError::InvalidParameter { origin, keys } => {
                ProfileError::InvalidRequestParameter { origin, keys }
            }
            ApiError::MissingParameter { origin, param } => ProfileError::InvalidRequestParameter {
                origin,
                keys: vec![param],
            },
            other => {
                let answer = other.answer();
                ProfileError::Other {
                    status: answer.status,
                    error: answer.error,
                    message: answer.message.into_owned(),
                }
            }
        };
        ApiError::Profile(profile)
    }
}
