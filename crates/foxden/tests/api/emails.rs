//! `/recovery_email/status`, `/recovery_email/verify_code`, `/recovery_email/resend_code`.

use serde_json::json;

use crate::client::TestClient;
use crate::helpers::{spawn_app, spawn_with, Options};

#[tokio::test]
async fn status_of_new_account() {
    let app = spawn_app().await;
    let mut c = TestClient::v1(&app, "Status@Example.com", "pw");
    c.create(true).await.ok();
    let r = c.session_get("/v1/recovery_email/status").await.ok();
    assert_eq!(
        r.body,
        json!({
            "email": "Status@Example.com",
            "verified": false,
            "sessionVerified": false,
            "emailVerified": false,
        })
    );
    c.verify_from_mail("verify").await.ok();
    let r = c.session_get("/v1/recovery_email/status").await.ok();
    assert_eq!(r.body["verified"], true);
    assert_eq!(r.body["sessionVerified"], true);
    assert_eq!(r.body["emailVerified"], true);
}

#[tokio::test]
async fn verified_needs_session_only_when_it_must_verify() {
    let app = spawn_with(Options {
        skip_confirm_new_account_ms: 0,
        ..Options::default()
    })
    .await;
    let mut c = TestClient::v1(&app, "rule@example.com", "pw");
    c.create_verified(false).await;

    // keys=true: mustVerify, so an unconfirmed session is not "verified".
    let mut with_keys = c.another_device();
    with_keys.login(true).await.ok();
    let r = with_keys
        .session_get("/v1/recovery_email/status")
        .await
        .ok();
    assert_eq!(r.body["emailVerified"], true);
    assert_eq!(r.body["sessionVerified"], false);
    assert_eq!(r.body["verified"], false);

    with_keys.verify_from_mail("verifyLogin").await.ok();
    let r = with_keys
        .session_get("/v1/recovery_email/status")
        .await
        .ok();
    assert_eq!(r.body["sessionVerified"], true);
    assert_eq!(r.body["verified"], true);

    // keys=false: nothing to confirm (only a new sign-in notice is mailed).
    let mut without = c.another_device();
    without.login(false).await.ok();
    let r = without.session_get("/v1/recovery_email/status").await.ok();
    assert_eq!(r.body["emailVerified"], true);
    assert_eq!(r.body["verified"], true);
}

#[tokio::test]
async fn unverified_account_without_keys_is_not_verified() {
    let app = spawn_app().await;
    let mut c = TestClient::v1(&app, "nokeys-st@example.com", "pw");
    c.create(false).await.ok();
    let r = c.session_get("/v1/recovery_email/status").await.ok();
    assert_eq!(r.body["verified"], false);
    assert_eq!(r.body["emailVerified"], false);
}

#[tokio::test]
async fn verify_code_errors() {
    let app = spawn_app().await;
    let mut c = TestClient::v1(&app, "code@example.com", "pw");
    c.create(false).await.ok();
    let path = "/v1/recovery_email/verify_code";
    let r = app
        .post(path, &json!({"uid": c.uid, "code": "00".repeat(16)}))
        .await;
    r.err(400, 105);
    let r = app
        .post(
            path,
            &json!({"uid": "ab".repeat(16), "code": "00".repeat(16)}),
        )
        .await;
    r.err(400, 102);
    let r = app.post(path, &json!({"uid": c.uid, "code": "123"})).await;
    r.err(400, 107);
    assert_eq!(r.body["validation"]["keys"], json!(["code"]));
    let r = app.post(path, &json!({"uid": c.uid})).await;
    r.err(400, 108);
    // The right code still works afterwards, and is idempotent.
    c.verify_from_mail("verify").await.ok();
    c.verify_from_mail("verify").await.ok();
}

#[tokio::test]
async fn resend_code_sends_the_same_code() {
    let app = spawn_app().await;
    let mut c = TestClient::v1(&app, "resend@example.com", "pw");
    c.create(false).await.ok();
    let first = app.last_mail(&c.email).await;
    c.session_post("/v1/recovery_email/resend_code", &json!({}))
        .await
        .ok();
    let mails = app.mails_to(&c.email).await;
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[1].template(), "verify");
    assert_eq!(
        mails[1].header("X-Verify-Code"),
        first.header("X-Verify-Code")
    );
    let r = c
        .session_post(
            "/v1/recovery_email/resend_code",
            &json!({"email": "someone-else@example.com"}),
        )
        .await;
    r.err(400, 150);
}

#[tokio::test]
async fn resend_code_for_sign_in_confirmation() {
    let app = spawn_with(Options {
        skip_confirm_new_account_ms: 0,
        ..Options::default()
    })
    .await;
    let mut c = TestClient::v1(&app, "resend-login@example.com", "pw");
    c.create_verified(false).await;
    let mut d = c.another_device();
    d.login(true).await.ok();
    let first = app.last_mail(&c.email).await;
    assert_eq!(first.template(), "verifyLogin");
    d.session_post("/v1/recovery_email/resend_code", &json!({}))
        .await
        .ok();
    let again = app.last_mail(&c.email).await;
    assert_eq!(again.template(), "verifyLogin");
    assert_eq!(again.header("X-Verify-Code"), first.header("X-Verify-Code"));
    d.verify_from_mail("verifyLogin").await.ok();
    d.keys().await;
}
