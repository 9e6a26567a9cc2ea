//! Password reset by mailed code: `/password/forgot/*` and `/account/reset`.

use foxden_crypto::token::TokenKind;
use foxden_db::ops::MailQueue;
use reqwest::Method;
use serde_json::{json, Value};

use crate::client::{Scheme, TestClient};
use crate::helpers::{spawn_app, spawn_with, Options, Resp, TestApp};

async fn send_code(app: &TestApp, email: &str) -> Resp {
    app.post("/v1/password/forgot/send_code", &json!({ "email": email }))
        .await
}

async fn forgot(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> Resp {
    app.call(
        Scheme::Hawk,
        method,
        path,
        token,
        TokenKind::PasswordForgot,
        body,
    )
    .await
}

async fn status(app: &TestApp, token: &str) -> Resp {
    forgot(app, Method::GET, "/v1/password/forgot/status", token, None).await
}

async fn verify_code(app: &TestApp, token: &str, code: &str) -> Resp {
    let body = json!({ "code": code });
    forgot(
        app,
        Method::POST,
        "/v1/password/forgot/verify_code",
        token,
        Some(&body),
    )
    .await
}

pub(crate) async fn account_reset(app: &TestApp, token: &str, keys: bool, body: &Value) -> Resp {
    let path = if keys {
        "/v1/account/reset?keys=true"
    } else {
        "/v1/account/reset"
    };
    app.call(
        Scheme::Hawk,
        Method::POST,
        path,
        token,
        TokenKind::AccountReset,
        Some(body),
    )
    .await
}

/// The code of the newest mail to `email`, which must be a `recovery` mail.
async fn mailed_code(app: &TestApp, email: &str) -> String {
    let mail = app.last_mail(email).await;
    assert_eq!(mail.template(), "recovery");
    mail.header("X-Recovery-Code").to_string()
}

/// send_code, then verify_code with the mailed code: an accountResetToken.
pub(crate) async fn reset_token_for(app: &TestApp, email: &str) -> String {
    let forgot_token = send_code(app, email).await.ok().str("passwordForgotToken");
    let code = mailed_code(app, email).await;
    verify_code(app, &forgot_token, &code)
        .await
        .ok()
        .str("accountResetToken")
}

#[tokio::test]
async fn reset_v1_with_mailed_code_changes_password_and_kb() {
    let app = spawn_app().await;
    let email = "Reset1@example.com";
    let mut old = TestClient::v1(&app, email, "old password");
    old.create_verified(true).await;
    let (ka_old, kb_old) = old.keys().await;
    let mut other_device = old.another_device();
    other_device.login(false).await.ok();

    let r = send_code(&app, email).await.ok();
    let forgot_token = r.str("passwordForgotToken");
    assert_eq!(forgot_token.len(), 64);
    assert_eq!(r.body["codeLength"], 32);
    assert_eq!(r.body["tries"], 3);
    let ttl = r.body["ttl"].as_i64().unwrap();
    assert!((3590..=3600).contains(&ttl), "{ttl}");

    let mail = app.last_mail(email).await;
    assert_eq!(mail.template(), "recovery");
    assert_eq!(mail.header("X-Uid"), old.uid);
    let code = mail.header("X-Recovery-Code").to_string();
    assert_eq!(code.len(), 32);
    assert!(code.bytes().all(|b| b.is_ascii_hexdigit()));
    let link = mail.header("X-Link");
    let expected = format!(
        "{}/complete_reset_password?token={forgot_token}&code={code}&email=Reset1%40example.com&uid={}",
        app.base, old.uid
    );
    assert_eq!(link, expected);

    let r = status(&app, &forgot_token).await.ok();
    assert_eq!(r.body["tries"], 3);
    assert!(r.body["ttl"].as_i64().unwrap() <= ttl);

    let r = verify_code(&app, &forgot_token, &code.to_ascii_uppercase())
        .await
        .ok();
    let reset_token = r.str("accountResetToken");
    assert_eq!(reset_token.len(), 64);
    // The forgot token was exchanged.
    status(&app, &forgot_token).await.err(401, 110);
    verify_code(&app, &forgot_token, &code).await.err(401, 110);

    let mut new = TestClient::v1(&app, email, "new password");
    let body = json!({ "authPW": new.auth_pw_v1() });
    let r = account_reset(&app, &reset_token, false, &body).await.ok();
    assert_eq!(r.body, json!({}));
    let mail = app.last_mail(email).await;
    assert_eq!(mail.template(), "passwordReset");
    assert_eq!(mail.header("X-Uid"), old.uid);
    assert!(mail.header("X-Link").starts_with(&app.base));

    // The token is single-use.
    account_reset(&app, &reset_token, false, &body)
        .await
        .err(401, 110);

    // Every old session is gone, the old password fails, the new one works.
    old.session_get("/v1/session/status").await.err(401, 110);
    other_device
        .session_get("/v1/session/status")
        .await
        .err(401, 110);
    old.another_device().login(false).await.err(400, 103);
    let r = new.login(true).await.ok();
    assert_eq!(r.body["verified"], true);
    let (ka_new, kb_new) = new.keys().await;
    assert_eq!(ka_new, ka_old, "kA stays");
    assert_ne!(kb_new, kb_old, "a V1 reset picks a new kB");
    // And it is stable across logins.
    let mut again = new.another_device();
    again.login(true).await.ok();
    assert_eq!(again.keys().await.1, kb_new);
}

#[tokio::test]
async fn resend_sends_the_same_code() {
    let app = spawn_app().await;
    let email = "resend@example.com";
    TestClient::v1(&app, email, "pw")
        .create_verified(false)
        .await;
    let r = send_code(&app, email).await.ok();
    let token = r.str("passwordForgotToken");
    let ttl = r.body["ttl"].as_i64().unwrap();
    let code = mailed_code(&app, email).await;

    let body = json!({ "email": email });
    let r = forgot(
        &app,
        Method::POST,
        "/v1/password/forgot/resend_code",
        &token,
        Some(&body),
    )
    .await
    .ok();
    assert!(r.body["ttl"].as_i64().unwrap() <= ttl);
    assert_eq!(r.body["codeLength"], 32);
    assert_eq!(r.body["tries"], 3);
    assert!(
        r.body.get("passwordForgotToken").is_none(),
        "foxden cannot echo the token"
    );
    let recovery: Vec<_> = app
        .mails_to(email)
        .await
        .into_iter()
        .filter(|m| m.template() == "recovery")
        .collect();
    assert_eq!(recovery.len(), 2);
    assert_eq!(recovery[1].header("X-Recovery-Code"), code);
    assert!(recovery[1]
        .header("X-Link")
        .contains(&format!("code={code}")));
    // The resent code still works.
    verify_code(&app, &token, &code).await.ok();

    // A new send_code replaces the token (and its code).
    let first = send_code(&app, email).await.ok().str("passwordForgotToken");
    let second = send_code(&app, email).await.ok().str("passwordForgotToken");
    status(&app, &first).await.err(401, 110);
    status(&app, &second).await.ok();
}

#[tokio::test]
async fn wrong_codes_count_down_until_the_token_is_gone() {
    let app = spawn_app().await;
    let email = "tries@example.com";
    TestClient::v1(&app, email, "pw")
        .create_verified(false)
        .await;
    let token = send_code(&app, email).await.ok().str("passwordForgotToken");
    let code = mailed_code(&app, email).await;
    // The same code with its first digit changed.
    let first = if code.starts_with('0') { "1" } else { "0" };
    let wrong = format!("{first}{}", &code[1..]);
    for left in [2, 1, 0] {
        let r = verify_code(&app, &token, &wrong).await;
        r.err(400, 105);
        assert_eq!(r.body["message"], "Invalid verification code");
        assert_eq!(r.body["tries"], left);
        assert!(r.body["ttl"].as_i64().unwrap() > 3500);
        if left > 0 {
            assert_eq!(status(&app, &token).await.ok().body["tries"], left);
        }
    }
    status(&app, &token).await.err(401, 110);
    verify_code(&app, &token, &code).await.err(401, 110);
    // A malformed code is a validation error and costs nothing.
    let token = send_code(&app, email).await.ok().str("passwordForgotToken");
    let r = verify_code(&app, &token, "abc").await;
    r.err(400, 107);
    assert_eq!(status(&app, &token).await.ok().body["tries"], 3);
}

#[tokio::test]
async fn reset_with_client_wrap_kb_keeps_its_kb_and_returns_a_session() {
    let app = spawn_app().await;
    let email = "wrap@example.com";
    let mut old = TestClient::v1(&app, email, "old");
    old.create_verified(true).await;
    let (ka, _) = old.keys().await;

    let reset_token = reset_token_for(&app, email).await;
    let mut new = TestClient::v1(&app, email, "new");
    let chosen = new.kb;
    let body = json!({
        "authPW": new.auth_pw_v1(),
        "wrapKb": new.wrap_kb_v1(&chosen),
        "sessionToken": true,
    });
    let r = account_reset(&app, &reset_token, true, &body).await.ok();
    assert_eq!(r.str("uid"), old.uid);
    assert_eq!(r.body["verified"], true);
    assert!(r.body["authAt"].as_i64().unwrap() > 0);
    new.uid = r.str("uid");
    new.session_token = r.str("sessionToken");
    new.key_fetch = Some(("keyFetchToken".into(), r.str("keyFetchToken")));
    let (ka_new, kb_new) = new.keys().await;
    assert_eq!((ka_new, kb_new), (ka, chosen));
    let r = new.session_get("/v1/recovery_email/status").await.ok();
    assert_eq!(r.body["verified"], true);
    // A fresh login unwraps the same kB.
    let mut again = new.another_device();
    again.login(true).await.ok();
    assert_eq!(again.keys().await.1, chosen);

    // sessionToken without keys: a session and no keyFetchToken.
    let reset_token = reset_token_for(&app, email).await;
    let body = json!({ "authPW": new.auth_pw_v1(), "sessionToken": true });
    let r = account_reset(&app, &reset_token, false, &body).await.ok();
    assert!(r.body.get("keyFetchToken").is_none());
    new.session_token = r.str("sessionToken");
    new.session_get("/v1/session/status").await.ok();
    again.session_get("/v1/session/status").await.err(401, 110);
}

#[tokio::test]
async fn reset_verifies_an_unconfirmed_email() {
    let app = spawn_app().await;
    let email = "unconfirmed@example.com";
    let mut c = TestClient::v1(&app, email, "pw");
    c.create(false).await.ok();
    let reset_token = reset_token_for(&app, email).await;
    let mut new = TestClient::v1(&app, email, "pw2");
    let body = json!({ "authPW": new.auth_pw_v1() });
    account_reset(&app, &reset_token, false, &body).await.ok();
    new.login(false).await.ok();
    let r = new.session_get("/v1/recovery_email/status").await.ok();
    assert_eq!(r.body["emailVerified"], true);
}

#[tokio::test]
async fn unknown_email_and_bad_requests() {
    let app = spawn_app().await;
    let r = send_code(&app, "nobody@example.com").await;
    r.err(400, 102);
    assert_eq!(r.body["email"], "nobody@example.com");
    app.post("/v1/password/forgot/send_code", &json!({}))
        .await
        .err(400, 108);
    app.post("/v1/password/forgot/send_code", &json!({ "email": "x" }))
        .await
        .err(400, 107);
    // No token, or a token of another kind.
    app.post("/v1/password/forgot/verify_code", &json!({ "code": "00" }))
        .await
        .err(401, 110);

    // The V2 group needs wrapKb.
    let email = "v2group@example.com";
    TestClient::v1(&app, email, "pw")
        .create_verified(false)
        .await;
    let reset_token = reset_token_for(&app, email).await;
    let v2 = TestClient::v2(&app, email, "new");
    let mut body = v2.create_body();
    body.as_object_mut().unwrap().remove("wrapKb");
    let r = account_reset(&app, &reset_token, false, &body).await;
    r.err(400, 108);
    assert_eq!(r.body["param"], "wrapKb");
    // The token was not spent by the refused request.
    account_reset(&app, &reset_token, false, &v2.create_body())
        .await
        .ok();
}

#[tokio::test]
async fn a_mail_server_that_is_down_does_not_fail_send_code() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let app = spawn_with(Options {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        ..Options::default()
    })
    .await;
    let email = "nomail-reset@example.com";
    TestClient::v1(&app, email, "pw").create(false).await.ok();
    // The token is issued and its mail queued with it, to be retried (ADR 0014).
    send_code(&app, email).await.ok();
    app.mail_settled().await;
    let depth = app.db.mail_queue_depth().await.unwrap();
    assert_eq!((depth.queued, depth.untried), (2, 0));
}
