//! `/session/*`: status, duplicate, reauth, destroy.

use foxden_crypto::token::TokenKind;
use serde_json::json;

use crate::client::{token_id_hex, TestClient};
use crate::helpers::{spawn_app, spawn_with, Options};

#[tokio::test]
async fn status_follows_verification() {
    let app = spawn_app().await;
    let mut c = TestClient::v1(&app, "s1@example.com", "pw");
    c.create(false).await.ok();
    let r = c.session_get("/v1/session/status").await.ok();
    assert_eq!(r.body, json!({"state": "unverified", "uid": c.uid}));
    c.verify_from_mail("verify").await.ok();
    let r = c.session_get("/v1/session/status").await.ok();
    assert_eq!(r.body, json!({"state": "verified", "uid": c.uid}));
}

#[tokio::test]
async fn duplicate_makes_an_independent_session() {
    let app = spawn_app().await;
    let mut c = TestClient::v1(&app, "dup-s@example.com", "pw");
    c.create_verified(false).await;
    let r = c
        .session_post("/v1/session/duplicate", &json!({"reason": "migration"}))
        .await
        .ok();
    assert_eq!(r.str("uid"), c.uid);
    assert_eq!(r.body["verified"], true);
    let copy_token = r.str("sessionToken");
    assert_ne!(copy_token, c.session_token);
    let mut copy = c.another_device();
    copy.session_token = copy_token;
    let r = copy.session_get("/v1/session/status").await.ok();
    assert_eq!(r.body["state"], "verified");
    // Destroying the original leaves the copy alive.
    c.session_post("/v1/session/destroy", &json!({})).await.ok();
    c.session_get("/v1/session/status").await.err(401, 110);
    copy.session_get("/v1/session/status").await.ok();
}

#[tokio::test]
async fn duplicate_of_unverified_session_stays_unverified() {
    let app = spawn_with(Options {
        skip_confirm_new_account_ms: 0,
        ..Options::default()
    })
    .await;
    let mut c = TestClient::v1(&app, "dup-u@example.com", "pw");
    c.create_verified(false).await;
    let mut d = c.another_device();
    d.login(true).await.ok();
    let r = d
        .session_post("/v1/session/duplicate", &json!({}))
        .await
        .ok();
    assert_eq!(r.body["verified"], false);
    assert_eq!(r.body["verificationReason"], "login");
    let mut copy = c.another_device();
    copy.session_token = r.str("sessionToken");
    // Confirming the original does not confirm the copy (it has its own code).
    d.verify_from_mail("verifyLogin").await.ok();
    let r = copy.session_get("/v1/session/status").await.ok();
    assert_eq!(r.body["state"], "unverified");
}

#[tokio::test]
async fn reauth_checks_the_password_and_can_return_keys() {
    let app = spawn_app().await;
    let mut c = TestClient::v2(&app, "reauth@example.com", "pw");
    c.create_verified(true).await;
    let kb = c.keys().await.1;
    let body = json!({"email": c.email, "authPW": c.auth_pw()});
    let r = c
        .session_post("/v1/session/reauth?keys=true", &body)
        .await
        .ok();
    assert_eq!(r.str("uid"), c.uid);
    assert_eq!(r.body["verified"], true);
    assert!(r.body["authAt"].as_i64().is_some());
    c.key_fetch = Some((
        "keyFetchTokenVersion2".into(),
        r.str("keyFetchTokenVersion2"),
    ));
    assert_eq!(c.keys().await.1, kb);

    let wrong = TestClient::v1(&app, "reauth@example.com", "wrong");
    let body = json!({"email": c.email, "authPW": wrong.auth_pw()});
    c.session_post("/v1/session/reauth", &body)
        .await
        .err(400, 103);
    // Another account's password on this session is refused.
    let mut other = TestClient::v1(&app, "other@example.com", "pw2");
    other.create(false).await.ok();
    let body = json!({"email": other.email, "authPW": other.auth_pw()});
    c.session_post("/v1/session/reauth", &body)
        .await
        .err(400, 103);
}

#[tokio::test]
async fn destroy_then_token_is_invalid() {
    let app = spawn_app().await;
    let mut c = TestClient::v1(&app, "destroy@example.com", "pw");
    c.create(false).await.ok();
    c.session_post("/v1/session/destroy", &json!({})).await.ok();
    let r = c.session_get("/v1/session/status").await;
    r.err(401, 110);
    c.session_post("/v1/session/destroy", &json!({}))
        .await
        .err(401, 110);
}

#[tokio::test]
async fn destroy_custom_session_token() {
    let app = spawn_app().await;
    let mut c = TestClient::v1(&app, "custom@example.com", "pw");
    c.create_verified(false).await;
    let mut d = c.another_device();
    d.login(false).await.ok();
    let target = token_id_hex(&d.session_token, TokenKind::Session);
    c.session_post(
        "/v1/session/destroy",
        &json!({"customSessionToken": target}),
    )
    .await
    .ok();
    d.session_get("/v1/session/status").await.err(401, 110);
    c.session_get("/v1/session/status").await.ok();

    // A session of another account cannot be targeted.
    let mut other = TestClient::v1(&app, "custom2@example.com", "pw");
    other.create(false).await.ok();
    let target = token_id_hex(&other.session_token, TokenKind::Session);
    c.session_post(
        "/v1/session/destroy",
        &json!({"customSessionToken": target}),
    )
    .await
    .err(401, 110);
    other.session_get("/v1/session/status").await.ok();
}
