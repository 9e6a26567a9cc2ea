//! The FxA routes, one file per group, mounted under `/v1`.
//!
//! Every route has one shape: authenticated and validated extraction (the
//! token extractors of [`crate::auth`], [`crate::extract::ApiJson`] over a
//! `deny_unknown_fields` body), then the route's rate-limit rule
//! (`customs::check`, or `customs::PasswordGate::enter` for a password check, in
//! the handler and nowhere else), then a service that
//! returns domain values, then a typed `Serialize` response. Each handler's
//! `#[utoipa::path]` is both its route (via [`crate::openapi::api_routes!`]) and its
//! entry in the OpenAPI document ([`crate::openapi`]).

pub(crate) mod account;
mod account_profile;
pub(crate) mod account_status;
mod attached_clients;
pub mod browserid;
mod device_commands;
mod devices;
mod devices_notify;
pub(crate) mod discovery;
pub(crate) mod emails;
mod misc;
pub(crate) mod oauth;
pub(crate) mod oauth_server;
mod oauth_server_assertion;
mod oauth_server_token;
pub(crate) mod oauth_token;
mod openid;
pub mod ops;
pub(crate) mod password;
pub(crate) mod password_forgot;
mod redirects;
mod security;
pub(crate) mod session;
mod session_push;

use crate::openapi::ApiRouter;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{ToResponse, ToSchema};

use crate::mail::Locale;
use crate::service::verification::LinkParams;
use crate::state::AppState;
use crate::validate::{Bounded, Email, Service};

/// `{email, service?, redirectTo?, resume?, metricsContext?}`: a request that
/// mails the address it names (password-forgot and unblock codes).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct MailRequest {
    email: Email,
    service: Option<Service>,
    redirect_to: Option<Bounded<2048>>,
    resume: Option<Bounded<2048>>,
    #[serde(rename = "metricsContext")]
    #[schema(value_type = Option<Object>)]
    _metrics_context: Option<Value>,
}

impl MailRequest {
    /// Where the mail's links lead, in the request's language; `service`
    /// of the body, else of the query (as Mozilla's `payload.service || query.service`).
    fn links(&self, query_service: Option<Service>, locale: Locale) -> LinkParams {
        LinkParams {
            service: self
                .service
                .clone()
                .or(query_service)
                .map(|s| s.0)
                .unwrap_or_default(),
            redirect_to: self.redirect_to.clone().map(|r| r.0).unwrap_or_default(),
            resume: self.resume.clone().map(|r| r.0).unwrap_or_default(),
            locale,
        }
    }
}

/// `{}`: the answer of a route that only acts.
#[derive(Serialize, ToSchema)]
pub struct Empty {}

/// FxA's error body, which every failing request gets (`errno` says which
/// error; the extras are present only for the errnos that carry them).
#[derive(Serialize, ToSchema, ToResponse)]
#[serde(rename_all = "camelCase")]
#[response(description = "An FxA error: the HTTP status, `errno` and its message")]
pub struct ErrorResponse {
    /// The HTTP status again.
    code: u16,
    errno: u32,
    /// The HTTP status text.
    error: String,
    message: String,
    info: String,
    /// 102, 120: the email the request named.
    email: Option<String>,
    /// 107: where the invalid keys were (`source`) and which (`keys`).
    #[schema(value_type = Option<Object>)]
    validation: Option<Value>,
    /// 108: the missing parameter.
    param: Option<String>,
    /// 111: the server's clock, in seconds.
    server_time: Option<i64>,
    /// 114, 201: seconds to wait.
    retry_after: Option<i64>,
    retry_after_localized: Option<String>,
    /// 124: the device already registered with the token.
    device_id: Option<String>,
    /// 125: how an unblock code gets past the block.
    verification_method: Option<String>,
    verification_reason: Option<String>,
    /// 162, 171, 173: the OAuth client.
    client_id: Option<String>,
    /// 163: the scopes the client may not have.
    invalid_scopes: Option<Vec<String>>,
    /// 164: when the session authenticated (s).
    auth_at: Option<i64>,
    /// 167: the refused redirect URI.
    redirect_uri: Option<String>,
    /// 170: the session's authentication assurance level.
    found_value: Option<i64>,
    /// 174: when the code expired (ms).
    expired_at: Option<i64>,
}

pub fn v1_routes() -> ApiRouter<AppState> {
    ApiRouter::new()
        .merge(account::routes())
        .merge(account_status::routes())
        .merge(account_profile::routes())
        .merge(session::routes())
        .merge(session_push::routes())
        .merge(devices::routes())
        .merge(device_commands::routes())
        .merge(devices_notify::routes())
        .merge(attached_clients::routes())
        .merge(emails::routes())
        .merge(misc::routes())
        .merge(password::routes())
        .merge(password_forgot::routes())
        .merge(browserid::routes())
        .merge(redirects::routes())
        .merge(security::routes())
        .merge(oauth::routes())
        .merge(oauth_token::routes())
        .merge(oauth_server::routes())
        .merge(oauth_server_assertion::routes())
        .merge(oauth_server_token::routes())
        .merge(openid::routes())
}
