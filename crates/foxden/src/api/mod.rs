//! The FxA routes, one file per group, mounted under `/v1`.

pub(crate) mod account;
pub mod browserid;
pub(crate) mod emails;
mod misc;
pub mod ops;
pub(crate) mod password;
mod redirects;
mod security;
pub(crate) mod session;

use axum::Router;
use serde::Deserialize;
use serde_json::Value;

use crate::mail::Locale;
use crate::service::verification::LinkParams;
use crate::state::AppState;
use crate::validate::{Bounded, Email, Service};

/// `{email, service?, redirectTo?, resume?, metricsContext?}`: a request that
/// mails the address it names (password-forgot and unblock codes).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MailRequest {
    email: Email,
    service: Option<Service>,
    redirect_to: Option<Bounded<2048>>,
    resume: Option<Bounded<2048>>,
    #[serde(rename = "metricsContext")]
    _metrics_context: Option<Value>,
}

impl MailRequest {
    /// Where the mail's links lead, in the request's language.
    fn links(&self, locale: Locale) -> LinkParams {
        LinkParams {
            service: self.service.clone().map(|s| s.0).unwrap_or_default(),
            redirect_to: self.redirect_to.clone().map(|r| r.0).unwrap_or_default(),
            resume: self.resume.clone().map(|r| r.0).unwrap_or_default(),
            locale,
        }
    }
}

pub fn v1_routes() -> Router<AppState> {
    Router::new()
        .merge(account::routes())
        .merge(session::routes())
        .merge(emails::routes())
        .merge(misc::routes())
        .merge(password::routes())
        .merge(browserid::routes())
        .merge(redirects::routes())
        .merge(security::routes())
}
