//! Token lifetimes, on PostgreSQL (whose rows a test can age from outside):
//! passwordForgot 60 minutes, accountReset and passwordChange 15 minutes, and
//! sessions without a device 4 weeks. An expired token is errno 110.

use foxden_crypto::token::TokenKind;
use reqwest::Method;
use serde_json::json;

use crate::client::{Scheme, TestClient};
use crate::helpers::{spawn_with, Options, PgSchema, TestApp};

const MINUTE: i64 = 60 * 1000;

async fn on_postgres() -> Option<(PgSchema, TestApp)> {
    let schema = PgSchema::create().await?;
    let app = spawn_with(Options {
        database_url: Some(schema.url.clone()),
        ..Options::default()
    })
    .await;
    Some((schema, app))
}

#[tokio::test]
async fn tokens_expire_after_their_lifetimes() {
    let Some((schema, app)) = on_postgres().await else {
        return;
    };
    let email = "expiry@example.com";
    let mut c = TestClient::v1(&app, email, "pw");
    c.create_verified(false).await;
    let forgot = |token: String, path: &'static str, body: serde_json::Value| {
        let app = &app;
        async move {
            let kind = TokenKind::PasswordForgot;
            app.call(Scheme::Hawk, Method::POST, path, &token, kind, Some(&body))
                .await
        }
    };

    // passwordForgotToken: alive at 59 minutes, gone at 61.
    let send = json!({ "email": email });
    let r = app.post("/v1/password/forgot/send_code", &send).await.ok();
    let token = r.str("passwordForgotToken");
    let code = app
        .last_mail(email)
        .await
        .header("X-Recovery-Code")
        .to_string();
    schema.age("password_forgot_tokens", 59 * MINUTE).await;
    let verify = "/v1/password/forgot/verify_code";
    let wrong = forgot(token.clone(), verify, json!({ "code": "00".repeat(16) })).await;
    wrong.err(400, 105);
    assert!(
        wrong.body["ttl"].as_i64().unwrap() <= 60,
        "{:?}",
        wrong.body
    );
    schema.age("password_forgot_tokens", 2 * MINUTE).await;
    forgot(token, verify, json!({ "code": code }))
        .await
        .err(401, 110);

    // accountResetToken: 15 minutes.
    let r = app.post("/v1/password/forgot/send_code", &send).await.ok();
    let code = app
        .last_mail(email)
        .await
        .header("X-Recovery-Code")
        .to_string();
    let r = forgot(
        r.str("passwordForgotToken"),
        verify,
        json!({ "code": code }),
    )
    .await
    .ok();
    schema.age("account_reset_tokens", 16 * MINUTE).await;
    let new = TestClient::v1(&app, email, "new");
    let body = json!({ "authPW": new.auth_pw_v1() });
    let kind = TokenKind::AccountReset;
    let reset_token = r.str("accountResetToken");
    app.call(
        Scheme::Hawk,
        Method::POST,
        "/v1/account/reset",
        &reset_token,
        kind,
        Some(&body),
    )
    .await
    .err(401, 110);

    // passwordChangeToken: 15 minutes.
    let start = json!({ "email": email, "oldAuthPW": c.auth_pw_v1() });
    let r = app.post("/v1/password/change/start", &start).await.ok();
    schema.age("password_change_tokens", 16 * MINUTE).await;
    let finish = json!({ "authPW": new.auth_pw_v1(), "wrapKb": "00".repeat(32) });
    let kind = TokenKind::PasswordChange;
    let change_token = r.str("passwordChangeToken");
    let path = "/v1/password/change/finish";
    app.call(
        Scheme::Hawk,
        Method::POST,
        path,
        &change_token,
        kind,
        Some(&finish),
    )
    .await
    .err(401, 110);
    // Nothing expired changed the password.
    c.another_device().login(false).await.ok();

    // A session without a device: usable for 4 weeks, then gone.
    schema.age("session_tokens", 27 * 24 * 60 * MINUTE).await;
    c.session_get("/v1/session/status").await.ok();
    schema.age("session_tokens", 2 * 24 * 60 * MINUTE).await;
    c.session_get("/v1/session/status").await.err(401, 110);

    app.stop().await;
    schema.drop_now().await;
}
