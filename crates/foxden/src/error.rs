//! One error type for the whole API, keyed by FxA errno. Every variant renders as
//! FxA's JSON body `{code, errno, error, message, info, …extras}` with the
//! status code, message and extra fields Mozilla's auth-server uses, all given in
//! one table: [`ApiError::answer`]. Failures of storage or mail keep their cause
//! (`source()`, and in the `Display` text) for logs; the cause never reaches the body.

use std::borrow::Cow;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

mod oauth;
mod oauth_server;
mod profile;
pub use oauth::OAuthError;
pub use oauth_server::{OAuthServerError, OAuthServerResult, OAUTH_INFO_URL};
pub use profile::ProfileError;

/// The underlying failure of a storage or mail error.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

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
    /// 123: no such device on the account.
    #[error("unknown device")]
    UnknownDevice,
    /// 124: the session (or refresh token) already has another device, `device_id` (hex).
    #[error("session already registered by another device")]
    DeviceSessionConflict { device_id: String },
    /// 157: the target device does not advertise the command.
    #[error("unavailable device command")]
    UnavailableDeviceCommand,
    #[error("cannot login with this email")]
    CannotLoginWithEmail,
    /// A wrong or expired 6-digit code (`/session/verify_code`).
    #[error("invalid or expired verification code")]
    InvalidOrExpiredOtpCode,
    #[error("cannot resend to an unowned email")]
    CannotResendToUnownedEmail,
    #[error("failed to send email: {cause}")]
    FailedToSendEmail {
        #[source]
        cause: Cause,
    },
    #[error("server busy")]
    ServerBusy { retry_after: u64 },
    #[error("feature not enabled")]
    FeatureNotEnabled,
    #[error("backend service failure: {cause}")]
    BackendFailure {
        #[source]
        cause: Cause,
    },
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request body did not arrive within the body read timeout (408, as hapi's payload timeout).
    #[error("request timeout")]
    RequestTimeout,
    #[error("unexpected error")]
    Unexpected,
    /// The OAuth routes' errors (errnos 162–175), answered by their own table.
    #[error(transparent)]
    OAuth(#[from] OAuthError),
    /// The profile server's errors (its own errnos, 100 and 101), by their own table.
    #[error(transparent)]
    Profile(#[from] ProfileError),
}

/// What one error answers: FxA's errno, the HTTP status and its `error` text, the
/// `message`, and the extra body fields in the order they are written.
pub struct Answer {
    pub errno: u32,
    pub status: StatusCode,
    pub error: &'static str,
    pub message: Cow<'static, str>,
    pub extras: Vec<(&'static str, Value)>,
}

impl Answer {
    fn new(
        errno: u32,
        status: StatusCode,
        error: &'static str,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Answer {
            errno,
            status,
            error,
            message: message.into(),
            extras: Vec::new(),
        }
    }

    fn with(mut self, field: &'static str, value: Value) -> Self {
        self.extras.push((field, value));
        self
    }

    /// `retryAfter` and `retryAfterLocalized`.
    fn retry_after(self, secs: u64) -> Self {
        self.with("retryAfter", json!(secs))
            .with("retryAfterLocalized", json!(localized(secs)))
    }

    /// How a client lifts a sign-in block: FxA's `email-captcha` (a mailed unblock code).
    fn unblock(self, unblock: bool) -> Self {
        if unblock {
            self.with("verificationMethod", json!("email-captcha"))
                .with("verificationReason", json!("login"))
        } else {
            self
        }
    }
}

fn bad(errno: u32, message: impl Into<Cow<'static, str>>) -> Answer {
    Answer::new(errno, StatusCode::BAD_REQUEST, "Bad Request", message)
}

fn unauthorized(errno: u32, message: impl Into<Cow<'static, str>>) -> Answer {
    Answer::new(errno, StatusCode::UNAUTHORIZED, "Unauthorized", message)
}

impl ApiError {
    /// The table: each variant's errno, status, message and extras, in one place.
    pub fn answer(&self) -> Answer {
        use ApiError::*;
        use StatusCode as S;
        match self {
            AccountExists { email } => {
                bad(101, "Account already exists").with("email", json!(email))
            }
            UnknownAccount { email } => {
                let answer = bad(102, "Unknown account");
                match email {
                    Some(email) => answer.with("email", json!(email)),
                    None => answer,
                }
            }
            IncorrectPassword { email } => {
                bad(103, "Incorrect password").with("email", json!(email))
            }
            UnverifiedAccount => bad(104, "Unconfirmed account"),
            InvalidVerificationCode => bad(105, "Invalid verification code"),
            InvalidVerificationCodeWithTries { tries, ttl } => {
                bad(105, "Invalid verification code")
                    .with("tries", json!(tries))
                    .with("ttl", json!(ttl))
            }
            InvalidJson => bad(106, "Invalid JSON in request body"),
            InvalidParameter { origin, keys } => bad(
                107,
                format!("Invalid parameter in request {}", body_word(*origin)),
            )
            .with(
                "validation",
                json!({"source": origin.as_str(), "keys": keys}),
            ),
            MissingParameter { origin, param } => bad(
                108,
                format!(
                    "Missing parameter in request {}: {param}",
                    body_word(*origin)
                ),
            )
            .with("param", json!(param)),
            InvalidSignature(message) => unauthorized(109, *message),
            InvalidToken => unauthorized(110, "Invalid authentication token in request signature"),
            InvalidTimestamp => unauthorized(111, "Invalid timestamp in request signature")
                .with("serverTime", json!(crate::clock::now_secs())),
            MissingContentLength => Answer::new(
                112,
                S::LENGTH_REQUIRED,
                "Length Required",
                "Missing content-length header",
            ),
            RequestTooLarge => Answer::new(
                113,
                S::PAYLOAD_TOO_LARGE,
                "Request Entity Too Large",
                "Request body too large",
            ),
            TooManyRequests {
                retry_after,
                unblock,
            } => Answer::new(
                114,
                S::TOO_MANY_REQUESTS,
                "Too Many Requests",
                "Client has sent too many requests",
            )
            .retry_after(*retry_after)
            .unblock(*unblock),
            InvalidNonce => unauthorized(115, "Invalid nonce in request signature"),
            Gone => Answer::new(116, S::GONE, "Gone", "This endpoint is no longer supported"),
            IncorrectEmailCase { email } => {
                bad(120, "Incorrect email case").with("email", json!(email))
            }
            RequestBlocked { unblock } => Answer::new(
                125,
                S::BAD_REQUEST,
                "Request blocked",
                "The request was blocked for security reasons",
            )
            .unblock(*unblock),
            MustResetAccount { email } => {
                bad(126, "Account must be reset").with("email", json!(email))
            }
            UnknownDevice => bad(123, "Unknown device"),
            DeviceSessionConflict { device_id } => {
                bad(124, "Session already registered by another device")
                    .with("deviceId", json!(device_id))
            }
            InvalidUnblockCode => bad(127, "Invalid unblock code"),
            UnverifiedSession => bad(138, "Unconfirmed session"),
            UnavailableDeviceCommand => bad(157, "Unavailable device command."),
            CannotLoginWithEmail => bad(149, "This email can not currently be used to login"),
            CannotResendToUnownedEmail => bad(
                150,
                "Can not resend email code to an email that does not belong to this account",
            ),
            FailedToSendEmail { .. } => Answer::new(
                151,
                S::UNPROCESSABLE_ENTITY,
                "Unprocessable Entity",
                "Failed to send email",
            ),
            InvalidOrExpiredOtpCode => bad(183, "Invalid or expired verification code"),
            ServerBusy { retry_after } => Answer::new(
                201,
                S::SERVICE_UNAVAILABLE,
                "Service Unavailable",
                "Service unavailable",
            )
            .retry_after(*retry_after),
            FeatureNotEnabled => Answer::new(
                202,
                S::SERVICE_UNAVAILABLE,
                "Feature not enabled",
                "Feature not enabled",
            ),
            BackendFailure { .. } => Answer::new(
                203,
                S::INTERNAL_SERVER_ERROR,
                "Internal Server Error",
                "A backend service request failed.",
            ),
            NotFound => Answer::new(999, S::NOT_FOUND, "Not Found", "Not Found"),
            MethodNotAllowed => Answer::new(
                999,
                S::METHOD_NOT_ALLOWED,
                "Method Not Allowed",
                "Method Not Allowed",
            ),
            RequestTimeout => Answer::new(
                999,
                S::REQUEST_TIMEOUT,
                "Request Timeout",
                "Request Timeout",
            ),
            Unexpected => Answer::new(
                999,
                S::INTERNAL_SERVER_ERROR,
                "Internal Server Error",
                "Unspecified error",
            ),
            OAuth(error) => error.answer(),
            Profile(error) => error.answer(),
        }
    }

    pub fn errno(&self) -> u32 {
        self.answer().errno
    }

    /// A storage failure: logged here (the cause, never secrets) and answered as errno 203.
    pub fn backend(cause: impl Into<Cause>) -> Self {
        let cause = cause.into();
        tracing::error!(error = %cause, "storage backend failure");
        ApiError::BackendFailure { cause }
    }

    /// A mail the request depends on could not be handed off (errno 151); the mailer
    /// has logged the failure with its template.
    pub fn mail(cause: impl Into<Cause>) -> Self {
        ApiError::FailedToSendEmail {
            cause: cause.into(),
        }
    }
}

/// `retryAfterLocalized`, in the request's language (see [`crate::relative_time`]).
fn localized(retry_after_secs: u64) -> String {
    crate::relative_time::in_request_language(retry_after_secs)
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

/// FxA's error body `{code, errno, error, message, info, …extras}` with its status.
fn render(answer: Answer, info: Option<&str>) -> Response {
    let mut body = Map::new();
    body.insert("code".into(), json!(answer.status.as_u16()));
    body.insert("errno".into(), json!(answer.errno));
    body.insert("error".into(), json!(answer.error));
    body.insert("message".into(), json!(answer.message));
    if let Some(info) = info {
        body.insert("info".into(), json!(info));
    }
    for (field, value) in answer.extras {
        body.insert(field.into(), value);
    }
    (answer.status, axum::Json(Value::Object(body))).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // The profile server's bodies have no `info` (Mozilla's leaves it undefined).
        let info = (!matches!(self, ApiError::Profile(_))).then_some(INFO_URL);
        let mut response = render(self.answer(), info);
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

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use http_body_util::BodyExt;

    use super::*;

    async fn body_text(err: ApiError) -> (u16, String) {
        let response = err.into_response();
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn causes_are_kept_for_logs_and_kept_out_of_bodies() {
        let storage = ApiError::backend(std::io::Error::other("disk on fire"));
        assert_eq!(
            storage.source().map(|c| c.to_string()).as_deref(),
            Some("disk on fire")
        );
        assert!(storage.to_string().contains("disk on fire"));
        let (status, body) = body_text(storage).await;
        assert_eq!(status, 500);
        assert!(
            body.contains("\"errno\":203") && !body.contains("disk"),
            "{body}"
        );

        let mail = ApiError::mail(crate::mail::MailError::Transport {
            permanent: true,
            detail: "550 no such user".into(),
        });
        assert!(mail.source().is_some_and(|c| c.to_string().contains("550")));
        let (status, body) = body_text(mail).await;
        assert_eq!(status, 422);
        assert!(
            body.contains("\"errno\":151") && !body.contains("550"),
            "{body}"
        );
    }

    #[tokio::test]
    async fn the_table_gives_status_errno_and_extras() {
        let (status, body) = body_text(ApiError::TooManyRequests {
            retry_after: 30,
            unblock: true,
        })
        .await;
        assert_eq!(status, 429);
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["errno"], 114);
        assert_eq!(body["retryAfter"], 30);
        assert_eq!(body["verificationMethod"], "email-captcha");
        let answer = ApiError::UnknownAccount { email: None }.answer();
        assert_eq!((answer.errno, answer.status.as_u16()), (102, 400));
        assert!(answer.extras.is_empty());
    }
}
