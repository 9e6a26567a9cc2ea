//! The pages that act: `/verify_email` (the `verify` mail), `/complete_signin`
//! (`verifyLogin`), `/report_signin` (`unblockCode`) and
//! `/signin_push_code_confirm` (the `verify_login` push). A GET only shows a
//! button, so a mail scanner fetching the link changes nothing; the button's
//! POST calls the service the API route uses.

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use super::{Page, PageForm, PageQuery};
use crate::customs::{self, Action, Subject};
use crate::extract::ClientIp;
use crate::mail::Locale;
use crate::service::link_code::{self, LinkCode};
use crate::service::login_push::{self, ShownSignIn};
use crate::service::unblock;
use crate::state::AppState;
use crate::validate::{Alnum, Bounded, Digits, Email, Hex, Service};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/verify_email", get(verify_email_page).post(verify_email))
        .route(
            "/complete_signin",
            get(complete_signin_page).post(complete_signin),
        )
        .route(
            "/report_signin",
            get(report_signin_page).post(report_signin),
        )
        .route(
            login_push::CONFIRM_PATH,
            get(push_confirm_page).post(push_confirm),
        )
}

/// `?uid=…&code=…[&service=…&redirectTo=…&resume=…]`, as `verify` and
/// `verifyLogin` links carry them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LinkCodeParams {
    uid: Hex<16>,
    code: Hex<16>,
    service: Option<Service>,
    /// Carried by the links for the content server; these pages lead nowhere.
    #[serde(rename = "redirectTo")]
    _redirect_to: Option<Bounded<2048>>,
    #[serde(rename = "resume")]
    _resume: Option<Bounded<2048>>,
}

impl LinkCodeParams {
    /// What the form posts back: what the action needs, as parsed (never the raw input).
    fn fields(&self) -> Vec<(&'static str, String)> {
        let mut fields = vec![
            ("uid", foxden_crypto::to_hex(self.uid.0)),
            ("code", foxden_crypto::to_hex(self.code.0)),
        ];
        if let Some(service) = &self.service {
            fields.push(("service", service.0.clone()));
        }
        fields
    }

    fn link_code(&self, locale: Locale) -> LinkCode<'_> {
        LinkCode {
            uid: &self.uid.0,
            code: &self.code.0,
            service: self.service.as_ref().map(|s| s.0.as_str()),
            locale,
        }
    }
}

async fn verify_email_page(locale: Locale, PageQuery(link): PageQuery<LinkCodeParams>) -> Page {
    Page::new(locale, "page-verify-title")
        .paragraph("page-verify-text")
        .form("verify_email", "page-verify-button", link.fields())
}

async fn verify_email(
    State(state): State<AppState>,
    ip: ClientIp,
    locale: Locale,
    PageForm(link): PageForm<LinkCodeParams>,
) -> Page {
    let done = ("page-verify-done-title", "page-verify-done-text");
    confirmed_page(&state, &ip, locale, &link, done).await
}

/// Confirms a link code and says so (`done`: title and text), or shows why not.
async fn confirmed_page(
    state: &AppState,
    ip: &ClientIp,
    locale: Locale,
    link: &LinkCodeParams,
    (title, text): (&'static str, &'static str),
) -> Page {
    let confirmed = async {
        let code = link.link_code(locale);
        let account = link_code::account(state, code.uid).await?;
        let subject = Subject::email(ip, &account.email);
        customs::check(state, Action::RecoveryEmailVerifyCode, subject).await?;
        link_code::confirm(state, &account, code).await
    };
    match confirmed.await {
        Ok(_) => Page::new(locale, title)
            .paragraph(text)
            .paragraph("page-close"),
        Err(err) => Page::from_error(locale, &err),
    }
}

async fn complete_signin_page(locale: Locale, PageQuery(link): PageQuery<LinkCodeParams>) -> Page {
    Page::new(locale, "page-signin-title")
        .paragraph("page-signin-text")
        .form("complete_signin", "page-signin-button", link.fields())
}

async fn complete_signin(
    State(state): State<AppState>,
    ip: ClientIp,
    locale: Locale,
    PageForm(link): PageForm<LinkCodeParams>,
) -> Page {
    let done = ("page-signin-done-title", "page-signin-done-text");
    confirmed_page(&state, &ip, locale, &link, done).await
}

/// `?uid=…&unblockCode=…`, as the `unblockCode` mail's report link carries them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReportParams {
    uid: Hex<16>,
    unblock_code: Alnum<8>,
}

async fn report_signin_page(locale: Locale, PageQuery(report): PageQuery<ReportParams>) -> Page {
    let fields = vec![
        ("uid", foxden_crypto::to_hex(report.uid.0)),
        ("unblockCode", report.unblock_code.0),
    ];
    Page::new(locale, "page-report-title")
        .paragraph("page-report-text")
        .form("report_signin", "page-report-button", fields)
}

/// "This wasn't me": as `/account/login/reject_unblock_code`, the code stops working.
async fn report_signin(
    State(state): State<AppState>,
    locale: Locale,
    PageForm(report): PageForm<ReportParams>,
) -> Page {
    match unblock::reject(&state, &report.uid.0, &report.unblock_code.0).await {
        Ok(()) => Page::new(locale, "page-report-done-title").paragraph("page-report-done-text"),
        Err(err) => Page::from_error(locale, &err),
    }
}

/// `?tokenVerificationId=…&code=…&uid=…&email=…&remoteMetaData=…`, as the
/// `verify_login` push's URL carries them; the form posts back the first three.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PushParams {
    uid: Hex<16>,
    token_verification_id: Hex<16>,
    code: Digits<6>,
    /// Checked, not shown: the page names no account.
    #[serde(rename = "email")]
    _email: Option<Email>,
    /// Read by [`login_push::shown_sign_in`], which never refuses it.
    remote_meta_data: Option<String>,
}

impl PushParams {
    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("uid", foxden_crypto::to_hex(self.uid.0)),
            (
                "tokenVerificationId",
                foxden_crypto::to_hex(self.token_verification_id.0),
            ),
            ("code", self.code.0.clone()),
        ]
    }
}

/// What is signing in, as far as the push's URL tells (each a paragraph with
/// its Fluent variable).
fn sign_in_details(page: Page, shown: ShownSignIn) -> Page {
    let details = [
        ("page-push-device", "name", shown.device_name),
        ("page-push-browser", "browser", shown.device_family),
        ("page-push-os", "os", shown.device_os),
        ("page-push-ip", "ip", shown.ip_address),
    ];
    details
        .into_iter()
        .fold(page, |page, (id, var, value)| match value {
            Some(value) => page.paragraph_with(id, &[(var, &value)]),
            None => page,
        })
}

async fn push_confirm_page(locale: Locale, PageQuery(push): PageQuery<PushParams>) -> Page {
    let shown = push
        .remote_meta_data
        .as_deref()
        .map(login_push::shown_sign_in)
        .unwrap_or_default();
    let page = Page::new(locale, "page-push-title").paragraph("page-push-text");
    sign_in_details(page, shown)
        .paragraph("page-push-not-you")
        .form(
            "signin_push_code_confirm",
            "page-push-button",
            push.fields(),
        )
}

/// Answers the push as `/session/verify/verify_push` does, the account named by
/// the URL's `uid` instead of a session.
async fn push_confirm(
    State(state): State<AppState>,
    ip: ClientIp,
    locale: Locale,
    PageForm(push): PageForm<PushParams>,
) -> Page {
    let confirmed = async {
        let account = link_code::account(&state, &push.uid.0).await?;
        let tvid = &push.token_verification_id.0;
        login_push::answer(&state, &ip, &account, tvid, &push.code.0, locale).await
    };
    match confirmed.await {
        Ok(()) => Page::new(locale, "page-push-done-title")
            .paragraph("page-push-done-text")
            .paragraph("page-close"),
        Err(err) => Page::from_error(locale, &err),
    }
}
