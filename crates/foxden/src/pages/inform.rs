//! The pages that only tell the user what to do next, until foxden has sign-in
//! pages of its own: `/complete_reset_password` (the `recovery` mail: enter the
//! code in the app), `/settings` (`passwordReset`, `passwordChanged`,
//! `newDeviceLogin`) and `/connect_another_device` (`postVerify`).

use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use super::{Page, PageQuery};
use crate::mail::Locale;
use crate::state::AppState;
use crate::validate::{Bounded, Email, Hex, Service};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/complete_reset_password", get(complete_reset_password))
        .route("/settings", get(settings))
        .route("/connect_another_device", get(connect_another_device))
}

/// `?[token=…&]code=…&email=…&uid=…[&service=…&redirectTo=…&resume=…]`, as the
/// `recovery` mail's link carries them (a resent mail has no `token`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)] // validated, not used: the reset happens in the app
struct ResetParams {
    token: Option<Hex<32>>,
    code: Hex<16>,
    email: Email,
    uid: Hex<16>,
    service: Option<Service>,
    redirect_to: Option<Bounded<2048>>,
    resume: Option<Bounded<2048>>,
}

/// Shows the code to type into the app that asked for the reset (choosing the
/// password needs the client's key stretching, which no page here does yet).
async fn complete_reset_password(locale: Locale, PageQuery(reset): PageQuery<ResetParams>) -> Page {
    Page::new(locale, "page-reset-title")
        .paragraph("page-reset-text")
        .code(foxden_crypto::to_hex(reset.code.0))
        .paragraph("page-reset-note")
}

/// `?[service=…&uid=…]`, as the password and sign-in notices' links carry them.
#[derive(Deserialize)]
#[allow(dead_code)] // validated, not used
struct SettingsParams {
    service: Option<Service>,
    uid: Option<Hex<16>>,
}

async fn settings(locale: Locale, PageQuery(_): PageQuery<SettingsParams>) -> Page {
    Page::new(locale, "page-settings-title").paragraph("page-settings-text")
}

/// `?[service=…]`, as the `postVerify` mail's link carries it.
#[derive(Deserialize)]
#[allow(dead_code)] // validated, not used
struct ConnectParams {
    service: Option<Service>,
}

async fn connect_another_device(locale: Locale, PageQuery(_): PageQuery<ConnectParams>) -> Page {
    Page::new(locale, "page-connect-title").paragraph("page-connect-text")
}
