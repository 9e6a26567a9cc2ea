//! One error type for the whole API, keyed by FxA errno. Every variant renders as
//! FxA's JSON body `{code, errno, error, message, info, …extras}` with the
//! status code, message and extra fields Mozilla's auth-server uses.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

pub const INFO_URL: &str =
    "https://github.com/mozilla/fxa/blob/main/packages/fxa-auth-server/docs/api.md#response-format";

/// Where a validation failure was found (`validation.source`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Payload,
    Query,
    Params,
    Headers,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Payload => "payload",
            Source::Query => "query",
            Source::Params => "params",
            Source::Headers => "headers",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("account exists")]
    AccountExists { email: String },
    #[error("unknown account")]
    UnknownAccount { email: Option<String> },
    #[error("incorrect password")]
    IncorrectPassword { email: String },
    #[error("unverified account")]
    UnverifiedAccount,
    #[error("invalid verification code")]
    InvalidVerificationCode,
    /// A wrong password-reset code: errno 105 plus the `tries` left and the token's `ttl` (s).
    #[error("invalid verification code")]
    InvalidVerificationCodeWithTries { tries: i32, ttl: i64 },
    #[error("invalid JSON")]
    InvalidJson,
    #[error("invalid parameter {keys:?}")]
    InvalidParameter { origin: Source, keys: Vec<String> },
    #[error("missing parameter {param}")]
    MissingParameter { origin: Source, param: String },
    #[error("invalid request signature")]
    InvalidSignature(&'static str),
    #[error("invalid token")]
    InvalidToken,
    #[error("invalid timestamp")]
    InvalidTimestamp,
    #[error("missing content-length")]
    MissingContentLength,
    #[error("request body too large")]
    RequestTooLarge,
    #[error("invalid nonce")]
    InvalidNonce,
    /// Rate limited (429); `unblock`: a mailed unblock code lifts it (sign-in).
    #[error("too many requests")]
    TooManyRequests { retry_after: u64, unblock: bool },
    /// Blocked for security reasons (400); `unblock` as above.
    #[error("request blocked")]
    RequestBlocked { unblock: bool },
    #[error("invalid unblock code")]
    InvalidUnblockCode,
    #[error("endpoint gone")]
    Gone,
    #[error("incorrect email case")]
    IncorrectEmailCase { email: String },
    #[error("account must be reset")]
    MustResetAccount { email: String },
    #[error("unverified session")]
    UnverifiedSession,
    #[error("cannot login with this email")]
    CannotLoginWithEmail,
    /// A wrong or expired 6-digit code (`/session/verify_code`).
    #[error("invalid or expired verification code")]
    InvalidOrExpiredOtpCode,
    #[error("cannot resend to an unowned email")]
    CannotResendToUnownedEmail,
    #[error("failed to send email")]
    FailedToSendEmail,
    #[error("server busy")]
    ServerBusy { retry_after: u64 },
    #[error("feature not enabled")]
    FeatureNotEnabled,
    #[error("backend service failure")]
    BackendFailure,
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request body did not arrive within the body read timeout (408, as hapi's payload timeout).
    #[error("request timeout")]
    RequestTimeout,
    #[error("unexpected error")]
    Unexpected,
}

impl ApiError {
    pub fn errno(&self) -> u32 {
        use ApiError::*;
        match self {
            AccountExists { .. } => 101,
            UnknownAccount { .. } => 102,
            IncorrectPassword { .. } => 103,
            UnverifiedAccount => 104,
            InvalidVerificationCode | InvalidVerificationCodeWithTries { .. } => 105,
            InvalidJson => 106,
            InvalidParameter { .. } => 107,
            MissingParameter { .. } => 108,
            InvalidSignature(_) => 109,
            InvalidToken => 110,
            InvalidTimestamp => 111,
            MissingContentLength => 112,
            RequestTooLarge => 113,
            TooManyRequests { .. } => 114,
            InvalidNonce => 115,
            Gone => 116,
            IncorrectEmailCase { .. } => 120,
            RequestBlocked { .. } => 125,
            MustResetAccount { .. } => 126,
            InvalidUnblockCode => 127,
            UnverifiedSession => 138,
            CannotLoginWithEmail => 149,
            InvalidOrExpiredOtpCode => 183,
            CannotResendToUnownedEmail => 150,
            FailedToSendEmail => 151,
            ServerBusy { .. } => 201,
            FeatureNotEnabled => 202,
            BackendFailure => 203,
            NotFound | MethodNotAllowed | RequestTimeout | Unexpected => 999,
        }
    }

    fn status_error_message(&self) -> (StatusCode, &'static str, String) {
        use ApiError::*;
        let bad = |m: &str| (StatusCode::BAD_REQUEST, "Bad Request", m.to_string());
        let unauthorized = |m: &str| (StatusCode::UNAUTHORIZED, "Unauthorized", m.to_string());
        match self {
            AccountExists { .. } => bad("Account already exists"),
            UnknownAccount { .. } => bad("Unknown account"),
            IncorrectPassword { .. } => bad("Incorrect password"),
            UnverifiedAccount => bad("Unconfirmed account"),
            InvalidVerificationCode | InvalidVerificationCodeWithTries { .. } => {
                bad("Invalid verification code")
            }
            InvalidJson => bad("Invalid JSON in request body"),
            InvalidParameter { origin, .. } => bad(&format!(
                "Invalid parameter in request {}",
                body_word(*origin)
            )),
            MissingParameter { origin, param } => bad(&format!(
                "Missing parameter in request {}: {param}",
                body_word(*origin)
            )),
            InvalidSignature(m) => unauthorized(m),
            InvalidToken => unauthorized("Invalid authentication token in request signature"),
            InvalidTimestamp => unauthorized("Invalid timestamp in request signature"),
            MissingContentLength => (
                StatusCode::LENGTH_REQUIRED,
                "Length Required",
                "Missing content-length header".into(),
            ),
            RequestTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Request Entity Too Large",
                "Request body too large".into(),
            ),
            InvalidNonce => unauthorized("Invalid nonce in request signature"),
            TooManyRequests { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "Too Many Requests",
                "Client has sent too many requests".into(),
            ),
            RequestBlocked { .. } => (
                StatusCode::BAD_REQUEST,
                "Request blocked",
                "The request was blocked for security reasons".into(),
            ),
            InvalidUnblockCode => bad("Invalid unblock code"),
            Gone => (
                StatusCode::GONE,
                "Gone",
                "This endpoint is no longer supported".into(),
            ),
            IncorrectEmailCase { .. } => bad("Incorrect email case"),
            MustResetAccount { .. } => bad("Account must be reset"),
            UnverifiedSession => bad("Unconfirmed session"),
            CannotLoginWithEmail => bad("This email can not currently be used to login"),
            InvalidOrExpiredOtpCode => bad("Invalid or expired verification code"),
            CannotResendToUnownedEmail => {
                bad("Can not resend email code to an email that does not belong to this account")
            }
            FailedToSendEmail => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "Unprocessable Entity",
                "Failed to send email".into(),
            ),
            ServerBusy { .. } => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Service Unavailable",
                "Service unavailable".into(),
            ),
            FeatureNotEnabled => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Feature not enabled",
                "Feature not enabled".into(),
            ),
            BackendFailure => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal Server Error",
                "A backend service request failed.".into(),
            ),
            NotFound => (StatusCode::NOT_FOUND, "Not Found", "Not Found".into()),
            MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "Method Not Allowed",
                "Method Not Allowed".into(),
            ),
            RequestTimeout => (
                StatusCode::REQUEST_TIMEOUT,
                "Request Timeout",
                "Request Timeout".into(),
            ),
            Unexpected => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal Server Error",
                "Unspecified error".into(),
            ),
        }
    }

    fn extras(&self, body: &mut Map<String, Value>) {
        use ApiError::*;
        match self {
            AccountExists { email }
            | IncorrectPassword { email }
            | IncorrectEmailCase { email }
            | MustResetAccount { email } => {
                body.insert("email".into(), json!(email));
            }
            UnknownAccount { email: Some(email) } => {
                body.insert("email".into(), json!(email));
            }
            InvalidParameter { origin, keys } => {
                body.insert(
                    "validation".into(),
                    json!({"source": origin.as_str(), "keys": keys}),
                );
            }
            MissingParameter { param, .. } => {
                body.insert("param".into(), json!(param));
            }
            InvalidTimestamp => {
                body.insert("serverTime".into(), json!(crate::clock::now_secs()));
            }
            ServerBusy { retry_after } => {
                body.insert("retryAfter".into(), json!(retry_after));
                body.insert("retryAfterLocalized".into(), json!(localized(*retry_after)));
            }
            TooManyRequests {
                retry_after,
                unblock,
            } => {
                body.insert("retryAfter".into(), json!(retry_after));
                body.insert("retryAfterLocalized".into(), json!(localized(*retry_after)));
                unblock_fields(body, *unblock);
            }
            RequestBlocked { unblock } => unblock_fields(body, *unblock),
            InvalidVerificationCodeWithTries { tries, ttl } => {
                body.insert("tries".into(), json!(tries));
                body.insert("ttl".into(), json!(ttl));
            }
            _ => {}
        }
    }

    /// Storage failures are logged here (never with secrets) and answered as 503 errno 203.
    pub fn backend(err: impl std::fmt::Display) -> Self {
        tracing::error!(error = %err, "storage backend failure");
        ApiError::BackendFailure
    }
}

/// `retryAfterLocalized`, in the request's language (see [`crate::relative_time`]).
fn localized(retry_after_secs: u64) -> String {
    crate::relative_time::in_request_language(retry_after_secs)
}

/// How a client lifts a sign-in block: FxA's `email-captcha` (a mailed unblock code).
fn unblock_fields(body: &mut Map<String, Value>, unblock: bool) {
    if unblock {
        body.insert("verificationMethod".into(), json!("email-captcha"));
        body.insert("verificationReason".into(), json!("login"));
    }
}

fn body_word(source: Source) -> &'static str {
    match source {
        Source::Payload => "body",
        Source::Query => "query",
        Source::Params => "params",
        Source::Headers => "headers",
    }
}

impl From<foxden_db::DbError> for ApiError {
    fn from(err: foxden_db::DbError) -> Self {
        ApiError::backend(err)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error, message) = self.status_error_message();
        let mut body = Map::new();
        body.insert("code".into(), json!(status.as_u16()));
        body.insert("errno".into(), json!(self.errno()));
        body.insert("error".into(), json!(error));
        body.insert("message".into(), json!(message));
        body.insert("info".into(), json!(INFO_URL));
        self.extras(&mut body);
        let mut response = (status, axum::Json(Value::Object(body))).into_response();
        if let ApiError::ServerBusy { retry_after }
        | ApiError::TooManyRequests { retry_after, .. } = self
        {
            if let Ok(value) = HeaderValue::from_str(&retry_after.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
