//! Documented request options foxden does not build answer FxA's errno 202
//! (never ignored), options it does build take effect, and a body key no route
//! takes is 400 errno 107 naming it, as Mozilla's Joi-validated routes answer.

use foxden_crypto::token::TokenKind;
use reqwest::Method;
use serde_json::{json, Value};

use crate::client::{Scheme, TestClient};
use crate::helpers::{spawn_app, TestApp};

async fn reset_token_for(app: &TestApp, email: &str) -> String {
    let forgot = app
        .post("/v1/password/forgot/send_code", &json!({ "email": email }))
        .await
        .ok()
        .str("passwordForgotToken");
    let code = app
        .last_mail(email)
        .await
        .header("X-Recovery-Code")
        .to_string();
    let body = json!({ "code": code });
    app.call(
        Scheme::Hawk,
        Method::POST,
        "/v1/password/forgot/verify_code",
        &forgot,
        TokenKind::PasswordForgot,
        Some(&body),
    )
    .await
    .ok()
    .str("accountResetToken")
}

async fn reset(app: &TestApp, token: &str, body: &Value) -> crate::helpers::Resp {
    app.call(
        Scheme::Hawk,
        Method::POST,
        "/v1/account/reset",
        token,
        TokenKind::AccountReset,
        Some(body),
    )
    .await
}

#[tokio::test]
async fn a_recovery_key_reset_is_refused_and_spends_nothing() {
    let app = spawn_app().await;
    let email = "recovery-key@example.com";
    let mut client = TestClient::v1(&app, email, "pw");
    client.create_verified(true).await;
    let kb_before = client.keys().await.1;
    let token = reset_token_for(&app, email).await;
    let auth_pw = TestClient::v1(&app, email, "new").auth_pw_v1();
    let with_key = json!({
        "authPW": auth_pw,
        "wrapKb": hex::encode([7u8; 32]),
        "recoveryKeyId": "00".repeat(16),
    });
    reset(&app, &token, &with_key).await.err(503, 202);
    // Nothing changed: the old password still signs in to the same kB, and the
    // token still resets.
    let mut again = TestClient::v1(&app, email, "pw");
    again.login(true).await.ok();
    assert_eq!(again.keys().await.1, kb_before);
    reset(&app, &token, &json!({ "authPW": auth_pw }))
        .await
        .ok();
    app.stop().await;
}

#[tokio::test]
async fn check_domain_is_refused_when_truthy_and_ignored_when_falsy() {
    let app = spawn_app().await;
    let status = |body: Value| {
        let app = &app;
        async move { app.post("/v1/account/status", &body).await }
    };
    let email = "nobody@example.com";
    for truthy in [json!(true), json!("yes"), json!(1)] {
        status(json!({ "email": email, "checkDomain": truthy }))
            .await
            .err(503, 202);
    }
    for falsy in [json!(false), json!(""), json!(0), Value::Null] {
        let r = status(json!({ "email": email, "checkDomain": falsy }))
            .await
            .ok();
        assert_eq!(r.body, json!({ "exists": false }));
    }
    app.stop().await;
}

#[tokio::test]
async fn send_code_takes_the_service_of_the_query_when_the_body_has_none() {
    let app = spawn_app().await;
    let email = "service-query@example.com";
    TestClient::v1(&app, email, "pw")
        .create_verified(false)
        .await;
    app.post(
        "/v1/password/forgot/send_code?service=sync",
        &json!({ "email": email }),
    )
    .await
    .ok();
    let link = app.last_mail(email).await.header("X-Link").to_string();
    assert!(link.contains("service=sync"), "{link}");
    // The body's service wins over the query's.
    app.post(
        "/v1/password/forgot/send_code?service=sync",
        &json!({ "email": email, "service": "relay" }),
    )
    .await
    .ok();
    let link = app.last_mail(email).await.header("X-Link").to_string();
    assert!(
        link.contains("service=relay") && !link.contains("sync"),
        "{link}"
    );
    app.stop().await;
}

#[tokio::test]
async fn unbuilt_options_of_forgot_and_resend_are_refused() {
    let app = spawn_app().await;
    let email = "unbuilt@example.com";
    let mut client = TestClient::v1(&app, email, "pw");
    client.create(false).await.ok();
    client
        .session_post(
            "/v1/recovery_email/resend_code",
            &json!({ "type": "upgradeSession" }),
        )
        .await
        .err(503, 202);
    client
        .session_post(
            "/v1/recovery_email/resend_code?type=upgradeSession",
            &json!({}),
        )
        .await
        .err(503, 202);
    let forgot = app
        .post("/v1/password/forgot/send_code", &json!({ "email": email }))
        .await
        .ok()
        .str("passwordForgotToken");
    let code = app
        .last_mail(email)
        .await
        .header("X-Recovery-Code")
        .to_string();
    let body = json!({ "code": code, "includeRecoveryKeyPrompt": true });
    app.call(
        Scheme::Hawk,
        Method::POST,
        "/v1/password/forgot/verify_code",
        &forgot,
        TokenKind::PasswordForgot,
        Some(&body),
    )
    .await
    .err(503, 202);
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_body_key_is_107_naming_it() {
    let app = spawn_app().await;
    let cases = [
        (
            "/v1/account/status",
            json!({ "email": "a@example.com", "colour": "red" }),
            "colour",
        ),
        (
            "/v1/account/create",
            json!({ "email": "b@example.com", "authPW": "00".repeat(32), "preVerifyToken": "x" }),
            "preVerifyToken",
        ),
        (
            "/v1/account/login",
            json!({ "email": "c@example.com", "authPW": "00".repeat(32), "extra": 1 }),
            "extra",
        ),
    ];
    for (path, body, key) in cases {
        let r = app.post(path, &body).await;
        r.err(400, 107);
        assert_eq!(r.body["validation"]["keys"], json!([key]), "{path}");
        assert_eq!(r.body["validation"]["source"], "payload", "{path}");
    }
    // A known key with a bad value is still 107 naming that key.
    let r = app
        .post(
            "/v1/account/status",
            &json!({ "email": "a@example.com", "thirdPartyAuthStatus": "x" }),
        )
        .await;
    r.err(400, 107);
    assert_eq!(
        r.body["validation"]["keys"],
        json!(["thirdPartyAuthStatus"])
    );
    app.stop().await;
}
