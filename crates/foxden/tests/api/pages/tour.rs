//! Every template foxden sends, triggered in a default-configured server by a
//! client speaking one language: its headers against PROTOCOL §17.5, and every
//! link in it (headers, text and HTML agree) opened as a browser would; where the
//! page has a button, the form is submitted and the effect checked via the API.

use std::collections::BTreeSet;

use foxden_crypto::token::TokenKind;
use serde_json::{json, Value};

use super::support::{api_post, mail, open, submit, FullMail, Page};
use crate::client::{bearer, TestClient};
use crate::helpers::{spawn_with, Options, Resp, TestApp};

/// PROTOCOL §17.5.2: each template's own headers. Every mail also has
/// X-Template-Name, X-Template-Version and X-Uid, and no other `X-` header.
const TEMPLATE_HEADERS: &[(&str, &[&str])] = &[
    ("verify", &["x-link", "x-verify-code"]),
    ("verifyShortCode", &["x-verify-short-code"]),
    ("verifyLogin", &["x-link", "x-verify-code"]),
    ("verifyLoginCode", &["x-signin-verify-code"]),
    ("recovery", &["x-link", "x-recovery-code"]),
    ("passwordForgotOtp", &["x-password-forgot-otp"]),
    ("unblockCode", &["x-unblock-code", "x-report-signin-link"]),
    ("passwordChanged", &["x-link"]),
    ("passwordReset", &["x-link"]),
    ("newDeviceLogin", &["x-link"]),
    ("postVerify", &["x-link"]),
];

/// The shape of each code header's value.
fn code_shape_ok(header: &str, value: &str) -> bool {
    let hex = |n: usize| value.len() == n && value.bytes().all(|b| b.is_ascii_hexdigit());
    let digits = |n: usize| value.len() == n && value.bytes().all(|b| b.is_ascii_digit());
    match header {
        "x-verify-code" | "x-recovery-code" => hex(32),
        "x-verify-short-code" | "x-signin-verify-code" => digits(6),
        "x-password-forgot-otp" => digits(8),
        "x-unblock-code" => {
            value.len() == 8
                && value
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        }
        _ => true,
    }
}

struct Tour<'a> {
    app: &'a TestApp,
    lang: &'static str,
    checked: BTreeSet<String>,
}

impl<'a> Tour<'a> {
    /// Reads the newest `template` mail to `email`, checks its headers, and opens
    /// each of its links (a GET, as a mail scanner or a click); returns the pages.
    async fn read(&mut self, email: &str, uid: &str, template: &str) -> (FullMail, Vec<Page>) {
        let m = mail(self.app, email, template).await;
        self.check_headers(&m, uid);
        let links = m.header_links();
        assert_eq!(m.text_links(), links, "{template}: text part vs headers");
        assert_eq!(m.html_links(), links, "{template}: HTML part vs headers");
        let mut pages = Vec::new();
        for link in &links {
            assert!(
                link.starts_with(&format!("{}/", self.app.base)),
                "{template}: {link} does not lead to foxden"
            );
            let page = open(self.app, link, self.lang).await;
            assert_eq!(page.status, 200, "{template}: {link}: {}", page.html);
            page.assert_hardened(self.lang);
            pages.push(page);
        }
        self.checked.insert(template.to_string());
        (m, pages)
    }

    fn check_headers(&self, m: &FullMail, uid: &str) {
        let template = m.template();
        let own = TEMPLATE_HEADERS
            .iter()
            .find(|(t, _)| *t == template)
            .unwrap_or_else(|| panic!("{template} is not in the table"))
            .1;
        let got: BTreeSet<&str> = m
            .headers
            .keys()
            .map(String::as_str)
            .filter(|k| k.starts_with("x-"))
            .collect();
        let mut want: BTreeSet<&str> = own.iter().copied().collect();
        want.extend(["x-template-name", "x-template-version", "x-uid"]);
        assert_eq!(got, want, "X- headers of {template}");
        assert_eq!(m.header("Content-Language"), self.lang, "{template}");
        assert_eq!(m.header("X-Uid"), uid, "{template}");
        assert_eq!(m.header("X-Template-Version"), "1", "{template}");
        for header in own {
            let value = m.header(header);
            assert!(
                code_shape_ok(header, value),
                "{template}: {header}: {value}"
            );
        }
    }

    async fn post(&self, path: &str, auth: Option<String>, body: &Value) -> Resp {
        api_post(self.app, path, auth, body, self.lang).await
    }
}

/// Takes uid, sessionToken and keyFetchToken from a create or login answer.
fn absorb(c: &mut TestClient<'_>, r: &Resp) {
    c.uid = r.str("uid");
    c.session_token = r.str("sessionToken");
    c.key_fetch = r.body["keyFetchToken"]
        .as_str()
        .map(|t| ("keyFetchToken".to_string(), t.to_string()));
}

async fn email_verified(c: &TestClient<'_>) -> bool {
    let r = c.session_get("/v1/recovery_email/status").await.ok();
    r.body["emailVerified"].as_bool().unwrap()
}

async fn session_state(c: &TestClient<'_>) -> String {
    c.session_get("/v1/session/status").await.ok().str("state")
}

/// The one page of a mail whose form posts to `path`.
fn form_to(pages: &[Page], path: &str) -> (url::Url, Vec<(String, String)>) {
    assert_eq!(pages.len(), 1);
    let (action, fields) = pages[0].form().expect("the page has a button");
    assert_eq!(action.path(), path);
    (action, fields)
}

async fn tour(lang: &'static str) {
    let app = spawn_with(Options {
        force_confirm_email: Some("^confirm-"),
        ..Options::default()
    })
    .await;
    let mut tour = Tour {
        app: &app,
        lang,
        checked: BTreeSet::new(),
    };

    // Sign-up by link (`verify`), for Sync, so `postVerify` follows.
    let mut a = TestClient::v1(&app, &format!("link-{lang}@example.com"), "first password");
    let mut body = a.create_body();
    body["service"] = json!("sync");
    let r = tour.post("/v1/account/create?keys=true", None, &body).await;
    absorb(&mut a, &r.ok());
    let (verify, pages) = tour.read(&a.email, &a.uid, "verify").await;
    assert!(
        !email_verified(&a).await,
        "the GET alone verified the email"
    );
    // The auth server's old link leads to the same page, and changes nothing either.
    let link = verify.header("X-Link").to_string();
    let query = link.split_once('?').unwrap().1;
    let via = open(&app, &app.url(&format!("/v1/verify_email?{query}")), lang).await;
    assert_eq!((via.status, via.url.as_str()), (200, link.as_str()));
    assert!(!email_verified(&a).await);
    let (action, fields) = form_to(&pages, "/verify_email");
    let done = submit(&app, &action, &fields, lang).await;
    assert_eq!(done.status, 200, "{}", done.html);
    done.assert_hardened(lang);
    assert!(done.form().is_none());
    assert!(
        email_verified(&a).await,
        "the form did not verify the email"
    );
    tour.read(&a.email, &a.uid, "postVerify").await;

    // A sign-in that needs no confirmation (young account): `newDeviceLogin`.
    let login = json!({ "email": a.email, "authPW": a.auth_pw() });
    let r = tour.post("/v1/account/login?keys=true", None, &login).await;
    assert_eq!(r.ok().body["verified"], true);
    tour.read(&a.email, &a.uid, "newDeviceLogin").await;

    // Password reset by link (`recovery`): the page shows the code; then `passwordReset`.
    let forgot = json!({ "email": a.email });
    let r = tour
        .post("/v1/password/forgot/send_code", None, &forgot)
        .await;
    let forgot_token = r.ok().str("passwordForgotToken");
    let (recovery, pages) = tour.read(&a.email, &a.uid, "recovery").await;
    let code = recovery.header("X-Recovery-Code").to_string();
    assert!(pages[0].html.contains(&code), "{}", pages[0].html);
    assert!(pages[0].form().is_none());
    assert!(
        !pages[0].html.contains(&forgot_token),
        "the page shows the token"
    );
    let link = recovery.header("X-Link");
    let query = link.split_once('?').unwrap().1;
    let path = format!("/v1/complete_reset_password?{query}");
    let via = open(&app, &app.url(&path), lang).await;
    assert_eq!((via.status, via.url.as_str()), (200, link));
    let auth = bearer(&forgot_token, TokenKind::PasswordForgot);
    let path = "/v1/password/forgot/verify_code";
    let r = tour.post(path, Some(auth), &json!({ "code": code })).await;
    let reset_token = r.ok().str("accountResetToken");
    let second = TestClient::v1(&app, &a.email, "second password");
    let auth = bearer(&reset_token, TokenKind::AccountReset);
    let body = json!({ "authPW": second.auth_pw_v1() });
    tour.post("/v1/account/reset", Some(auth), &body).await.ok();
    tour.read(&a.email, &a.uid, "passwordReset").await;

    // The 8-digit reset code (`passwordForgotOtp`) has no link.
    let r = tour
        .post("/v1/password/forgot/send_otp", None, &forgot)
        .await;
    r.ok();
    tour.read(&a.email, &a.uid, "passwordForgotOtp").await;

    // Password change: `passwordChanged`.
    let body = json!({ "email": a.email, "oldAuthPW": second.auth_pw_v1() });
    let r = tour.post("/v1/password/change/start", None, &body).await;
    let change_token = r.ok().str("passwordChangeToken");
    let third = TestClient::v1(&app, &a.email, "third password");
    let auth = bearer(&change_token, TokenKind::PasswordChange);
    let body = json!({ "authPW": third.auth_pw_v1(), "wrapKb": third.wrap_kb_v1(&[7; 32]) });
    tour.post("/v1/password/change/finish", Some(auth), &body)
        .await
        .ok();
    tour.read(&a.email, &a.uid, "passwordChanged").await;

    // An account whose sign-ins always need confirmation, signed up by code.
    let mut b = TestClient::v1(&app, &format!("confirm-{lang}@example.com"), "pw");
    let mut body = b.create_body();
    body["verificationMethod"] = json!("email-otp");
    let r = tour.post("/v1/account/create", None, &body).await;
    absorb(&mut b, &r.ok());
    let (m, _) = tour.read(&b.email, &b.uid, "verifyShortCode").await;
    let code = json!({ "code": m.header("X-Verify-Short-Code") });
    b.session_post("/v1/session/verify_code", &code).await.ok();
    assert!(email_verified(&b).await);

    // A sign-in confirmed by code: `verifyLoginCode`, the code in X-Signin-Verify-Code.
    let mut d = b.another_device();
    let login =
        json!({ "email": b.email, "authPW": b.auth_pw(), "verificationMethod": "email-otp" });
    let r = tour.post("/v1/account/login?keys=true", None, &login).await;
    absorb(&mut d, &r.ok());
    assert_eq!(session_state(&d).await, "unverified");
    let (m, _) = tour.read(&b.email, &b.uid, "verifyLoginCode").await;
    let code = json!({ "code": m.header("X-Signin-Verify-Code") });
    d.session_post("/v1/session/verify_code", &code).await.ok();
    assert_eq!(session_state(&d).await, "verified");

    // A sign-in confirmed by link: `verifyLogin`.
    let mut e = b.another_device();
    let login = json!({ "email": b.email, "authPW": b.auth_pw() });
    let r = tour.post("/v1/account/login?keys=true", None, &login).await;
    absorb(&mut e, &r.ok());
    let (_, pages) = tour.read(&b.email, &b.uid, "verifyLogin").await;
    assert_eq!(
        session_state(&e).await,
        "unverified",
        "the GET alone confirmed"
    );
    let (action, fields) = form_to(&pages, "/complete_signin");
    let done = submit(&app, &action, &fields, lang).await;
    assert_eq!(done.status, 200, "{}", done.html);
    done.assert_hardened(lang);
    assert_eq!(session_state(&e).await, "verified");
    e.fetch_keys().await.ok();
    // The link is used up: a second press gets the error page.
    let again = submit(&app, &action, &fields, lang).await;
    assert_eq!(again.status, 400, "{}", again.html);
    again.assert_hardened(lang);

    // An unblock code (`unblockCode`) and its "report this sign-in" link.
    let r = tour
        .post("/v1/account/login/send_unblock_code", None, &forgot_for(&b))
        .await;
    r.ok();
    let (m, pages) = tour.read(&b.email, &b.uid, "unblockCode").await;
    let (action, fields) = form_to(&pages, "/report_signin");
    let done = submit(&app, &action, &fields, lang).await;
    assert_eq!(done.status, 200, "{}", done.html);
    done.assert_hardened(lang);
    // The page burned the code, as /account/login/reject_unblock_code does.
    let body = json!({ "uid": b.uid, "unblockCode": m.header("X-Unblock-Code") });
    let r = tour
        .post("/v1/account/login/reject_unblock_code", None, &body)
        .await;
    r.err(400, 127);

    let all: BTreeSet<String> = TEMPLATE_HEADERS
        .iter()
        .map(|(t, _)| t.to_string())
        .collect();
    assert_eq!(tour.checked, all, "templates not toured");
}

fn forgot_for(c: &TestClient<'_>) -> Value {
    json!({ "email": c.email })
}

#[tokio::test]
async fn every_mail_link_opens_a_working_page_in_english() {
    tour("en").await;
}

#[tokio::test]
async fn every_mail_link_opens_a_working_page_in_german() {
    tour("de").await;
}

#[tokio::test]
async fn every_mail_link_opens_a_working_page_in_french() {
    tour("fr").await;
}
