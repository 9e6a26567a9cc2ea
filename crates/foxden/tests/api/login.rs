//! `/account/login` and `/account/keys`.

use serde_json::json;

use crate::client::{Scheme, TestClient};
use crate::helpers::{spawn_app, spawn_with, Options};

#[tokio::test]
async fn login_v1_with_keys_returns_key_fetch_token() {
    let app = spawn_app().await;
    let mut c = TestClient::v1(&app, "l1@example.com", "pw");
    c.create_verified(false).await;
    let r = c.login(true).await.ok();
    assert_eq!(r.str("keyFetchToken").len(), 64);
    assert!(r.body.get("keyFetchTokenVersion2").is_none());
    assert_eq!(r.body["verified"], true);
    assert_eq!(r.body["metricsEnabled"], true);
    assert_eq!(r.str("uid"), c.uid);
    // Without keys: no token at all.
    let r = c.login(false).await.ok();
    assert!(r.body.get("keyFetchToken").is_none());
}

#[tokio::test]
async fn login_v2_with_keys_returns_version2_token() {
    let app = spawn_app().await;
    let mut c = TestClient::v2(&app, "l2@example.com", "pw");
    c.create_verified(false).await;
    let r = c.login(true).await.ok();
    assert_eq!(r.str("keyFetchTokenVersion2").len(), 64);
    assert!(r.body.get("keyFetchToken").is_none());
    // A V1 client on the same account gets the V1 token.
    let mut old = c.as_v1();
    let r = old.login(true).await.ok();
    assert_eq!(r.str("keyFetchToken").len(), 64);
    assert!(r.body.get("keyFetchTokenVersion2").is_none());
}

#[tokio::test]
async fn login_errors() {
    let app = spawn_app().await;
    let mut c = TestClient::v1(&app, "Mixed@example.com", "pw");
    c.create_verified(false).await;

    let mut unknown = TestClient::v1(&app, "nobody@example.com", "pw");
    let r = unknown.login(false).await;
    r.err(400, 102);
    assert_eq!(r.body["email"], "nobody@example.com");

    let mut wrong = TestClient::v1(&app, "Mixed@example.com", "not the password");
    let r = wrong.login(false).await;
    r.err(400, 103);
    assert_eq!(r.body["email"], "Mixed@example.com");

    // A V1 client that stretched with the wrong case learns the right one.
    let mut lower = TestClient::v1(&app, "mixed@example.com", "pw");
    let r = lower.login(false).await;
    r.err(400, 120);
    assert_eq!(r.body["email"], "Mixed@example.com");
    assert!(r.body["message"].as_str().is_some());

    let r = app
        .post(
            "/v1/account/login",
            &json!({"email": "Mixed@example.com", "authPW": "short"}),
        )
        .await;
    r.err(400, 107);
    assert_eq!(r.body["validation"]["keys"], json!(["authPW"]));
}

#[tokio::test]
async fn keys_unwrap_to_the_same_kb_across_logins_and_versions() {
    let app = spawn_app().await;
    let mut c = TestClient::v2(&app, "kb@example.com", "pw");
    c.create_verified(true).await;
    let (ka_create, kb_create) = c.keys().await;
    assert_eq!(kb_create, c.kb);

    let mut again = c.another_device();
    again.login(true).await.ok();
    assert_eq!(again.key_fetch.as_ref().unwrap().0, "keyFetchTokenVersion2");
    let (ka, kb) = again.keys().await;
    assert_eq!((ka, kb), (ka_create, kb_create));

    let mut old = c.as_v1();
    old.login(true).await.ok();
    assert_eq!(old.key_fetch.as_ref().unwrap().0, "keyFetchToken");
    let (ka, kb) = old.keys().await;
    assert_eq!((ka, kb), (ka_create, kb_create));
}

#[tokio::test]
async fn v1_account_kb_is_stable() {
    let app = spawn_app().await;
    let mut c = TestClient::v1(&app, "kb1@example.com", "pw");
    c.create_verified(true).await;
    let first = c.keys().await;
    let mut d = c.another_device();
    d.scheme = Scheme::Bearer;
    d.login(true).await.ok();
    assert_eq!(d.keys().await, first);
}

#[tokio::test]
async fn keys_is_104_while_unverified_and_keeps_the_token() {
    let app = spawn_app().await;
    let mut c = TestClient::v1(&app, "unv@example.com", "pw");
    c.create(true).await.ok();
    c.fetch_keys().await.err(400, 104);
    c.fetch_keys().await.err(400, 104);
    c.verify_from_mail("verify").await.ok();
    c.keys().await;
    // Single use.
    c.fetch_keys().await.err(401, 110);
}

#[tokio::test]
async fn sign_in_confirmation_path() {
    let app = spawn_with(Options {
        skip_confirm_new_account_ms: 0,
        ..Options::default()
    })
    .await;
    let mut c = TestClient::v1(&app, "confirm@example.com", "pw");
    c.create_verified(true).await;
    let kb = c.keys().await.1;

    let mut d = c.another_device();
    let r = d.login(true).await.ok();
    assert_eq!(r.body["verified"], false);
    assert_eq!(r.body["verificationMethod"], "email");
    assert_eq!(r.body["verificationReason"], "login");
    let mail = app.last_mail(&c.email).await;
    assert_eq!(mail.template(), "verifyLogin");
    assert_eq!(mail.header("X-Uid"), c.uid);
    d.fetch_keys().await.err(400, 104);
    let r = d.session_get("/v1/session/status").await.ok();
    assert_eq!(r.body["state"], "unverified");

    d.verify_from_mail("verifyLogin").await.ok();
    assert_eq!(d.keys().await.1, kb);
    let r = d.session_get("/v1/session/status").await.ok();
    assert_eq!(r.body["state"], "verified");

    // Without keys no confirmation is needed: only the new sign-in notice is mailed.
    let mails_before = app.mails_to(&c.email).await.len();
    let mut e = c.another_device();
    let r = e.login(false).await.ok();
    assert_eq!(r.body["verified"], true);
    assert!(r.body.get("verificationReason").is_none());
    assert_eq!(app.mails_to(&c.email).await.len(), mails_before + 1);
    assert_eq!(app.last_mail(&c.email).await.template(), "newDeviceLogin");
}

#[tokio::test]
async fn login_on_unverified_account_resends_verify_mail() {
    let app = spawn_app().await;
    let mut c = TestClient::v1(&app, "again@example.com", "pw");
    c.create(false).await.ok();
    let code = app
        .last_mail(&c.email)
        .await
        .header("X-Verify-Code")
        .to_string();
    let mut d = c.another_device();
    let r = d.login(true).await.ok();
    assert_eq!(r.body["verified"], false);
    assert_eq!(r.body["verificationReason"], "signup");
    let mails = app.mails_to(&c.email).await;
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[1].template(), "verify");
    assert_eq!(mails[1].header("X-Verify-Code"), code);
    d.verify_from_mail("verify").await.ok();
    d.keys().await;
    // The first session is verified by the same code.
    let r = c.session_get("/v1/session/status").await.ok();
    assert_eq!(r.body["state"], "verified");
}
