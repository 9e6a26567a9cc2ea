//! Password reset by 8-digit code: `/password/forgot/send_otp` and `verify_otp`,
//! then `/password/forgot/verify_code` and `/account/reset` as for the mailed link.

use foxden_crypto::token::TokenKind;
use foxden_db::OneTimeCodeKind;
use reqwest::Method;
use serde_json::json;

use crate::client::{Scheme, TestClient};
use crate::helpers::{spawn_app, Resp, TestApp};

async fn send_otp(app: &TestApp, email: &str) -> Resp {
    app.post("/v1/password/forgot/send_otp", &json!({ "email": email }))
        .await
}

async fn verify_otp(app: &TestApp, email: &str, code: &str) -> Resp {
    let body = json!({ "email": email, "code": code });
    app.post("/v1/password/forgot/verify_otp", &body).await
}

async fn mailed_otp(app: &TestApp, email: &str) -> String {
    let mail = app.last_mail(email).await;
    assert_eq!(mail.template(), "passwordForgotOtp");
    mail.header("X-Password-Forgot-Otp").to_string()
}

/// `verify_otp`'s answer traded for an accountResetToken through `verify_code`.
pub async fn reset_token_from(app: &TestApp, verified: &Resp) -> String {
    forgot_verify_code(app, &verified.str("token"), &verified.str("code"))
        .await
        .ok()
        .str("accountResetToken")
}

/// `/password/forgot/verify_code` with a passwordForgotToken and its code.
pub async fn forgot_verify_code(app: &TestApp, token: &str, code: &str) -> Resp {
    let body = json!({ "code": code });
    let kind = TokenKind::PasswordForgot;
    let path = "/v1/password/forgot/verify_code";
    app.call(Scheme::Bearer, Method::POST, path, token, kind, Some(&body))
        .await
}

/// An accountResetToken the whole 8-digit-code way: send_otp, verify_otp, verify_code.
pub async fn reset_token_by_otp(app: &TestApp, email: &str) -> String {
    send_otp(app, email).await.ok();
    let code = mailed_otp(app, email).await;
    let verified = verify_otp(app, email, &code).await.ok();
    reset_token_from(app, &verified).await
}

/// `/account/reset` to `new`'s password (V1, new kB).
pub async fn reset_to(app: &TestApp, reset_token: &str, new: &TestClient<'_>) {
    let body = json!({ "authPW": new.auth_pw_v1() });
    let kind = TokenKind::AccountReset;
    let path = "/v1/account/reset";
    let r = app
        .call(
            Scheme::Hawk,
            Method::POST,
            path,
            reset_token,
            kind,
            Some(&body),
        )
        .await;
    assert_eq!(r.ok().body, json!({}));
}

#[tokio::test]
async fn reset_by_otp_end_to_end() {
    let app = spawn_app().await;
    let email = "Otp.User@example.com";
    let mut old = TestClient::v1(&app, email, "old password");
    old.create_verified(true).await;
    let (_, kb_old) = old.keys().await;

    let r = send_otp(&app, "otp.user@EXAMPLE.com").await.ok();
    assert_eq!(r.body, json!({}));
    let mail = app.last_mail(email).await;
    assert_eq!(mail.header("X-Uid"), old.uid);
    let code = mailed_otp(&app, email).await;
    assert_eq!(code.len(), 8);
    assert!(code.bytes().all(|b| b.is_ascii_digit()), "{code}");

    let wrong = if code == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    verify_otp(&app, email, wrong).await.err(400, 105);

    let r = verify_otp(&app, email, &code).await.ok();
    assert_eq!(r.str("uid"), old.uid);
    assert_eq!(r.str("emailToHashWith"), email, "the stored spelling");
    assert_eq!(r.str("token").len(), 64);
    let pass_code = r.str("code");
    assert_eq!(pass_code.len(), 32);
    assert!(pass_code.bytes().all(|b| b.is_ascii_hexdigit()));
    // The code is used up.
    verify_otp(&app, email, &code).await.err(400, 105);

    let reset_token = reset_token_from(&app, &r).await;
    let mut new = TestClient::v1(&app, email, "new password");
    reset_to(&app, &reset_token, &new).await;
    old.session_get("/v1/session/status").await.err(401, 110);
    new.login(true).await.ok();
    assert_ne!(new.keys().await.1, kb_old, "a V1 reset picks a new kB");
}

#[tokio::test]
async fn a_new_otp_replaces_the_old_one() {
    let app = spawn_app().await;
    let email = "twice@example.com";
    TestClient::v1(&app, email, "pw")
        .create_verified(false)
        .await;
    send_otp(&app, email).await.ok();
    let first = mailed_otp(&app, email).await;
    send_otp(&app, email).await.ok();
    let second = mailed_otp(&app, email).await;
    if first != second {
        verify_otp(&app, email, &first).await.err(400, 105);
    }
    verify_otp(&app, email, &second).await.ok();
}

#[tokio::test]
async fn otp_requests_are_validated() {
    let app = spawn_app().await;
    let email = "valid@example.com";
    TestClient::v1(&app, email, "pw")
        .create_verified(false)
        .await;
    send_otp(&app, "nobody@example.com").await.err(400, 102);
    send_otp(&app, "nope").await.err(400, 107);
    verify_otp(&app, "nobody@example.com", "12345678")
        .await
        .err(400, 102);
    for bad in ["1234567", "123456789", "1234567a", ""] {
        verify_otp(&app, email, bad).await.err(400, 107);
    }
    app.post("/v1/password/forgot/verify_otp", &json!({ "email": email }))
        .await
        .err(400, 108);
}

#[tokio::test]
async fn an_otp_lives_ten_minutes() {
    let app = spawn_app().await;
    let email = "old-otp@example.com";
    let mut c = TestClient::v1(&app, email, "pw");
    c.create_verified(false).await;
    let kind = OneTimeCodeKind::PasswordForgotOtp;
    app.store_code(&c.uid, kind, "24681357", 11 * 60 * 1000)
        .await;
    verify_otp(&app, email, "24681357").await.err(400, 105);
    app.store_code(&c.uid, kind, "13572468", 9 * 60 * 1000)
        .await;
    verify_otp(&app, email, "13572468").await.ok();
}

#[tokio::test]
async fn otp_guesses_are_rate_limited() {
    let app = spawn_app().await;
    let email = "guessed@example.com";
    TestClient::v1(&app, email, "pw")
        .create_verified(false)
        .await;
    send_otp(&app, email).await.ok();
    let code = mailed_otp(&app, email).await;
    let wrong = if code == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    for _ in 0..5 {
        verify_otp(&app, email, wrong).await.err(400, 105);
    }
    // Five guesses per ten minutes: now even the right code must wait.
    let r = verify_otp(&app, email, &code).await;
    r.err(429, 114);
    assert!(r.body["retryAfter"].as_u64().unwrap() > 500);
}
