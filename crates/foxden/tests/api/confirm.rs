//! Code-based confirmation: `verificationMethod` email-otp / email-2fa, the
//! 6-digit mails, `/session/verify_code` and `/session/resend_code`, the
//! new-sign-in notice and forced confirmation.

use serde_json::json;

use crate::client::TestClient;
use crate::helpers::{spawn_app, spawn_with, Options, TestApp};

/// The 6-digit code of the newest mail to `email`, checking its template and
/// that the code is in that template's header only (PROTOCOL §17.5).
async fn mailed_code(app: &TestApp, email: &str, template: &str) -> String {
    let mail = app.last_mail(email).await;
    assert_eq!(mail.template(), template);
    let (header, other) = match template {
        "verifyLoginCode" => ("X-Signin-Verify-Code", "x-verify-short-code"),
        _ => ("X-Verify-Short-Code", "x-signin-verify-code"),
    };
    assert!(!mail.headers.contains_key(other), "{other} in {template}");
    let code = mail.header(header).to_string();
    assert_eq!(code.len(), 6, "{code}");
    assert!(code.bytes().all(|b| b.is_ascii_digit()), "{code}");
    assert!(!mail.headers.contains_key("x-verify-code"));
    code
}

/// A 6-digit code that is not `code`.
fn other_code(code: &str) -> String {
    let last = code.as_bytes()[5] - b'0';
    format!("{}{}", &code[..5], (last + 1) % 10)
}

async fn verify_code(c: &TestClient<'_>, code: &str) -> crate::helpers::Resp {
    c.session_post("/v1/session/verify_code", &json!({ "code": code }))
        .await
}

fn old_accounts() -> Options {
    Options {
        skip_confirm_new_account_ms: 0,
        ..Options::default()
    }
}

#[tokio::test]
async fn sign_up_with_email_otp_is_confirmed_by_code() {
    let app = spawn_app().await;
    let mut c = TestClient::v1(&app, "otp-signup@example.com", "pw");
    let r = c
        .create_with("?keys=true", json!({"verificationMethod": "email-otp"}))
        .await
        .ok();
    assert_eq!(r.body["verificationMethod"], "email-otp");
    let code = mailed_code(&app, &c.email, "verifyShortCode").await;
    assert_eq!(app.last_mail(&c.email).await.header("X-Uid"), c.uid);

    let r = verify_code(&c, &other_code(&code)).await;
    r.err(400, 183);
    assert_eq!(r.body["message"], "Invalid or expired verification code");
    verify_code(&c, "12ab56").await.err(400, 107);
    c.fetch_keys().await.err(400, 104);

    let r = verify_code(&c, &code).await.ok();
    assert_eq!(r.body, json!({}));
    let r = c.session_get("/v1/recovery_email/status").await.ok();
    assert_eq!(r.body["verified"], true);
    assert_eq!(r.body["emailVerified"], true);
    assert_eq!(r.body["sessionVerified"], true);
    let r = c.session_get("/v1/session/status").await.ok();
    assert_eq!(r.body["state"], "verified");
    c.keys().await;
    // Already confirmed: the same code answers {} again.
    verify_code(&c, &code).await.ok();
}

#[tokio::test]
async fn email_2fa_login_is_confirmed_by_code() {
    let app = spawn_with(old_accounts()).await;
    let mut c = TestClient::v1(&app, "otp-2fa@example.com", "pw");
    c.create_verified(true).await;
    let kb = c.keys().await.1;

    let mut d = c.another_device();
    let r = d
        .login_with("?keys=true", json!({"verificationMethod": "email-2fa"}))
        .await
        .ok();
    assert_eq!(r.body["verified"], false);
    assert_eq!(r.body["verificationMethod"], "email-2fa");
    assert_eq!(r.body["verificationReason"], "login");
    let code = mailed_code(&app, &c.email, "verifyLoginCode").await;
    d.fetch_keys().await.err(400, 104);
    verify_code(&d, &other_code(&code)).await.err(400, 183);
    let r = d.session_get("/v1/session/status").await.ok();
    assert_eq!(r.body["state"], "unverified");

    verify_code(&d, &code).await.ok();
    assert_eq!(d.keys().await.1, kb);
    let r = d.session_get("/v1/recovery_email/status").await.ok();
    assert_eq!(r.body["verified"], true);
}

#[tokio::test]
async fn email_otp_login_from_the_query_and_resend() {
    let app = spawn_with(old_accounts()).await;
    let mut c = TestClient::v2(&app, "otp-query@example.com", "pw");
    c.create_verified(true).await;
    let kb = c.keys().await.1;

    let mut d = c.another_device();
    let r = d
        .login_with("?keys=true&verificationMethod=email-otp", json!({}))
        .await
        .ok();
    assert_eq!(r.body["verified"], false);
    assert_eq!(r.body["verificationMethod"], "email-otp");
    assert_eq!(r.body["verificationReason"], "login");
    let code = mailed_code(&app, &c.email, "verifyLoginCode").await;

    let before = app.mails_to(&c.email).await.len();
    let r = d
        .session_post("/v1/session/resend_code", &json!({}))
        .await
        .ok();
    assert_eq!(r.body, json!({}));
    assert_eq!(app.mails_to(&c.email).await.len(), before + 1);
    assert_eq!(mailed_code(&app, &c.email, "verifyLoginCode").await, code);

    verify_code(&d, &code).await.ok();
    assert_eq!(d.keys().await.1, kb);
}

#[tokio::test]
async fn unverified_account_gets_the_sign_up_code() {
    let app = spawn_app().await;
    let mut c = TestClient::v1(&app, "otp-unverified@example.com", "pw");
    c.create(false).await.ok();
    let mut d = c.another_device();
    let r = d
        .login_with("?keys=true", json!({"verificationMethod": "email-otp"}))
        .await
        .ok();
    assert_eq!(r.body["verified"], false);
    assert_eq!(r.body["verificationMethod"], "email-otp");
    assert_eq!(r.body["verificationReason"], "signup");
    let code = mailed_code(&app, &c.email, "verifyShortCode").await;
    // resend_code on an unverified account mails the sign-up code again.
    d.session_post("/v1/session/resend_code", &json!({}))
        .await
        .ok();
    assert_eq!(mailed_code(&app, &c.email, "verifyShortCode").await, code);

    verify_code(&d, &code).await.ok();
    d.keys().await;
    let r = c.session_get("/v1/recovery_email/status").await.ok();
    assert_eq!(r.body["emailVerified"], true);
}

#[tokio::test]
async fn reauth_with_email_2fa_mails_a_code() {
    let app = spawn_with(old_accounts()).await;
    let mut c = TestClient::v1(&app, "otp-reauth@example.com", "pw");
    c.create_verified(false).await;
    let mut d = c.another_device();
    d.login_with("?keys=true", json!({"verificationMethod": "email-2fa"}))
        .await
        .ok();
    let body = json!({"email": c.email, "authPW": c.auth_pw(), "verificationMethod": "email-2fa"});
    let r = d.session_post("/v1/session/reauth", &body).await.ok();
    assert_eq!(r.body["verificationMethod"], "email-2fa");
    let code = mailed_code(&app, &c.email, "verifyLoginCode").await;
    verify_code(&d, &code).await.ok();
    let r = d.session_get("/v1/session/status").await.ok();
    assert_eq!(r.body["state"], "verified");
}

#[tokio::test]
async fn unconfirmed_login_sends_a_new_sign_in_notice() {
    let app = spawn_app().await;
    let mut c = TestClient::v1(&app, "notice@example.com", "pw");
    c.create_verified(true).await;
    let mut d = c.another_device();
    let r = d.login(true).await.ok();
    assert_eq!(r.body["verified"], true);
    let mail = app.last_mail(&c.email).await;
    assert_eq!(mail.template(), "newDeviceLogin");
    assert_eq!(mail.header("X-Uid"), c.uid);
    assert_eq!(mail.header("X-Link"), app.url("/settings"));
}

#[tokio::test]
async fn forced_email_needs_confirmation_without_keys() {
    let app = spawn_with(Options {
        force_confirm_email: Some(r"@forced\.example\.com$"),
        ..Options::default()
    })
    .await;
    let mut c = TestClient::v1(&app, "Someone@Forced.example.com", "pw");
    c.create_verified(false).await;
    let mut d = c.another_device();
    let r = d.login(false).await.ok();
    assert_eq!(r.body["verified"], false);
    assert_eq!(r.body["verificationReason"], "login");
    let r = d.session_get("/v1/recovery_email/status").await.ok();
    assert_eq!(r.body["verified"], false);
    d.verify_from_mail("verifyLogin").await.ok();
    let r = d.session_get("/v1/session/status").await.ok();
    assert_eq!(r.body["state"], "verified");

    // Other addresses on the same server are not forced.
    let mut other = TestClient::v1(&app, "someone@example.com", "pw");
    other.create_verified(false).await;
    let r = other.another_device().login(false).await.ok();
    assert_eq!(r.body["verified"], true);
}

#[tokio::test]
async fn unbuilt_methods_still_answer_202() {
    let app = spawn_app().await;
    let mut c = TestClient::v1(&app, "captcha@example.com", "pw");
    c.create_verified(false).await;
    for method in ["email-captcha", "totp-2fa"] {
        let r = c
            .another_device()
            .login_with("", json!({"verificationMethod": method}))
            .await;
        r.err(503, 202);
        let r = c
            .another_device()
            .login_with(&format!("?verificationMethod={method}"), json!({}))
            .await;
        r.err(503, 202);
    }
    let mut n = TestClient::v1(&app, "captcha-new@example.com", "pw");
    let r = n
        .create_with("", json!({"verificationMethod": "email-captcha"}))
        .await;
    r.err(503, 202);
}

#[tokio::test]
async fn a_sync_sign_up_confirmed_by_code_gets_the_welcome_mail_once() {
    let app = spawn_app().await;
    // `service: sync`, and the oldsync scope without a service: both are Sync.
    let oldsync = json!({"scopes": ["profile", "https://identity.mozilla.com/apps/oldsync"]});
    for (n, extra) in [json!({"service": "sync"}), oldsync]
        .into_iter()
        .enumerate()
    {
        let mut c = TestClient::v1(&app, &format!("otp-sync{n}@example.com"), "pw");
        c.create_with("?keys=true", json!({"verificationMethod": "email-otp"}))
            .await
            .ok();
        let code = mailed_code(&app, &c.email, "verifyShortCode").await;
        let mut body = extra.clone();
        body["code"] = json!(code);
        c.session_post("/v1/session/verify_code", &body).await.ok();
        let mail = app.last_mail(&c.email).await;
        assert_eq!(mail.template(), "postVerify", "{extra}");
        assert_eq!(mail.header("X-Uid"), c.uid);
        // Confirmed already: no second welcome.
        c.session_post("/v1/session/verify_code", &body).await.ok();
        assert_eq!(app.mails_to(&c.email).await.len(), 2, "{extra}");
    }
    // Not Sync: no welcome.
    let mut c = TestClient::v1(&app, "otp-nosync@example.com", "pw");
    c.create_with("?keys=true", json!({"verificationMethod": "email-otp"}))
        .await
        .ok();
    let code = mailed_code(&app, &c.email, "verifyShortCode").await;
    let body = json!({"code": code, "service": "a0b1c2d3e4f5a6b7", "scopes": ["profile"]});
    c.session_post("/v1/session/verify_code", &body).await.ok();
    assert_eq!(app.last_mail(&c.email).await.template(), "verifyShortCode");
}
