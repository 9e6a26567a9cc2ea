//! `/account/create`, `/account/status`, `/account/credentials/status`,
//! `/account/destroy`, `/account/unlock/*`.

use foxden_crypto::token::TokenKind;
use reqwest::Method;
use serde_json::json;

use crate::client::{Scheme, TestClient};
use crate::helpers::{spawn_app, spawn_with, Options};

#[tokio::test]
async fn create_v1_with_keys_sends_verify_mail() {
    let app = spawn_app().await;
    let mut c = TestClient::v1(&app, "alice@example.com", "correct horse");
    let r = c.create(true).await.ok();
    assert_eq!(r.str("uid").len(), 32);
    assert_eq!(r.str("sessionToken").len(), 64);
    assert_eq!(r.str("keyFetchToken").len(), 64);
    assert!(r.body.get("keyFetchTokenVersion2").is_none());
    assert!(r.body["authAt"].as_i64().unwrap() > 1_600_000_000);
    let mail = app.last_mail("alice@example.com").await;
    assert_eq!(mail.template(), "verify");
    assert_eq!(mail.header("X-Uid"), c.uid);
    let code = mail.header("X-Verify-Code");
    assert_eq!(code.len(), 32);
    assert!(mail.header("X-Link").contains(code));
}

#[tokio::test]
async fn create_without_keys_has_no_key_fetch_token() {
    let app = spawn_app().await;
    let mut c = TestClient::v1(&app, "nokeys@example.com", "pw");
    let r = c.create(false).await.ok();
    assert!(r.body.get("keyFetchToken").is_none());
    assert!(r.body.get("keyFetchTokenVersion2").is_none());
}

#[tokio::test]
async fn create_v2_returns_both_key_fetch_tokens() {
    let app = spawn_app().await;
    let mut c = TestClient::v2(&app, "v2@example.com", "pw-v2");
    let r = c.create(true).await.ok();
    assert_eq!(r.str("keyFetchToken").len(), 64);
    assert_eq!(r.str("keyFetchTokenVersion2").len(), 64);
    c.verify_from_mail("verify").await.ok();
    // Both tokens unwrap to the kB the client chose.
    let (_, kb_v2) = c.keys().await;
    assert_eq!(kb_v2, c.kb);
    c.key_fetch = Some(("keyFetchToken".into(), r.str("keyFetchToken")));
    let (_, kb_v1) = c.keys().await;
    assert_eq!(kb_v1, c.kb);
}

#[tokio::test]
async fn v2_group_is_all_or_nothing() {
    let app = spawn_app().await;
    let c = TestClient::v2(&app, "group@example.com", "pw");
    let full = c.create_body();
    for (drop, expect_missing) in [
        ("wrapKb", "wrapKb"),
        ("authPWVersion2", "authPWVersion2"),
        ("wrapKbVersion2", "wrapKbVersion2"),
        ("clientSalt", "clientSalt"),
    ] {
        let mut body = full.clone();
        body.as_object_mut().unwrap().remove(drop);
        let r = app.post("/v1/account/create", &body).await;
        r.err(400, 108);
        assert_eq!(r.body["param"], expect_missing, "dropping {drop}");
    }
    // A lone authPWVersion2 names the first missing member.
    let body = json!({
        "email": "group@example.com",
        "authPW": full["authPW"],
        "authPWVersion2": full["authPWVersion2"],
    });
    let r = app.post("/v1/account/create", &body).await;
    r.err(400, 108);
    assert_eq!(r.body["param"], "wrapKb");
    let mut bad_salt = full.clone();
    bad_salt["clientSalt"] = json!("not-a-salt");
    app.post("/v1/account/create", &bad_salt)
        .await
        .err(400, 107);
    assert!(app.mails_to("group@example.com").await.is_empty());
}

#[tokio::test]
async fn duplicate_verified_email_is_101() {
    let app = spawn_app().await;
    let mut c = TestClient::v1(&app, "dup@example.com", "pw");
    c.create_verified(false).await;
    let mut again = TestClient::v1(&app, "dup@example.com", "other");
    let r = again.create(false).await;
    r.err(400, 101);
    assert_eq!(r.body["email"], "dup@example.com");
    // Email matching is case-insensitive.
    let mut upper = TestClient::v1(&app, "DUP@example.com", "other");
    upper.create(false).await.err(400, 101);
}

#[tokio::test]
async fn create_over_unverified_account_replaces_it() {
    let app = spawn_app().await;
    let mut first = TestClient::v1(&app, "redo@example.com", "first");
    first.create(true).await.ok();
    let mut second = TestClient::v1(&app, "redo@example.com", "second");
    second.create(true).await.ok();
    assert_ne!(first.uid, second.uid);
    // The old account and its session are gone.
    first.session_get("/v1/session/status").await.err(401, 110);
    first.fetch_keys().await.err(401, 110);
    first.login(false).await.err(400, 103);
    second.verify_from_mail("verify").await.ok();
    second.keys().await;
    let r = app
        .get(&format!("/v1/account/status?uid={}", first.uid))
        .await
        .ok();
    assert_eq!(r.body["exists"], false);
}

#[tokio::test]
async fn bad_email_or_auth_pw_is_107() {
    let app = spawn_app().await;
    let good_pw = "00".repeat(32);
    for (body, key) in [
        (json!({"email": "not-an-email", "authPW": good_pw}), "email"),
        (json!({"email": "a@example.com", "authPW": "zz"}), "authPW"),
        (json!({"email": "a@example.com", "authPW": 5}), "authPW"),
    ] {
        let r = app.post("/v1/account/create", &body).await;
        r.err(400, 107);
        assert_eq!(r.body["validation"]["keys"], json!([key]), "{body}");
        assert_eq!(r.body["validation"]["source"], "payload");
    }
    let r = app
        .post("/v1/account/create", &json!({"email": "a@example.com"}))
        .await;
    r.err(400, 108);
    assert_eq!(r.body["param"], "authPW");
}

#[tokio::test]
async fn account_status_get_and_post() {
    let app = spawn_app().await;
    let mut c = TestClient::v1(&app, "status@example.com", "pw");
    c.create(false).await.ok();
    let r = app
        .get(&format!("/v1/account/status?uid={}", c.uid))
        .await
        .ok();
    assert_eq!(r.body, json!({"exists": true}));
    let r = app
        .get(&format!("/v1/account/status?uid={}", "ab".repeat(16)))
        .await
        .ok();
    assert_eq!(r.body["exists"], false);
    let r = app.get("/v1/account/status").await;
    r.err(400, 108);
    assert_eq!(r.body["param"], "uid");
    let r = app.get("/v1/account/status?uid=xyz").await;
    r.err(400, 107);
    assert_eq!(r.body["validation"]["source"], "query");
    assert_eq!(r.body["validation"]["keys"], json!(["uid"]));
    // With a session no uid is needed.
    let r = c.session_get("/v1/account/status").await.ok();
    assert_eq!(r.body["exists"], true);

    let r = app
        .post(
            "/v1/account/status",
            &json!({"email": "STATUS@example.com"}),
        )
        .await
        .ok();
    assert_eq!(r.body, json!({"exists": true}));
    let r = app
        .post(
            "/v1/account/status",
            &json!({"email": "nobody@example.com", "thirdPartyAuthStatus": true}),
        )
        .await
        .ok();
    assert_eq!(r.body["exists"], false);
    assert_eq!(r.body["hasPassword"], false);
    assert_eq!(r.body["hasLinkedAccount"], false);
}

#[tokio::test]
async fn credentials_status_v1_and_v2() {
    let app = spawn_app().await;
    let mut v1 = TestClient::v1(&app, "cred1@example.com", "pw");
    v1.create(false).await.ok();
    let mut v2 = TestClient::v2(&app, "cred2@example.com", "pw");
    v2.create(false).await.ok();
    let path = "/v1/account/credentials/status";
    let r = app
        .post(path, &json!({"email": "cred1@example.com"}))
        .await
        .ok();
    assert_eq!(
        r.body,
        json!({"currentVersion": "v1", "upgradeNeeded": true})
    );
    let r = app
        .post(path, &json!({"email": "cred2@example.com"}))
        .await
        .ok();
    assert_eq!(r.body["currentVersion"], "v2");
    assert_eq!(r.body["upgradeNeeded"], false);
    assert_eq!(r.body["clientSalt"], json!(v2.client_salt));
    app.post(path, &json!({"email": "none@example.com"}))
        .await
        .err(400, 102);
}

#[tokio::test]
async fn destroy_with_password() {
    let app = spawn_with(Options {
        skip_confirm_new_account_ms: 0,
        ..Options::default()
    })
    .await;
    let mut first = TestClient::v1(&app, "bye@example.com", "pw");
    first.create_verified(false).await;
    // A fresh sign-in whose session (and keyFetchToken) is not confirmed yet.
    let mut c = first.another_device();
    assert_eq!(c.login(true).await.ok().body["verified"], false);
    let wrong = TestClient::v1(&app, "bye@example.com", "nope");
    let body = json!({"email": c.email, "authPW": wrong.auth_pw()});
    let r = app.post("/v1/account/destroy", &body).await;
    r.err(400, 103);
    assert_eq!(r.body["email"], "bye@example.com");
    // Clients clean up with the (possibly unverified) session of a fresh login.
    let body = json!({"email": c.email, "authPW": c.auth_pw()});
    c.session_post("/v1/account/destroy", &body).await.ok();
    let r = c.login(false).await;
    r.err(400, 102);
    c.session_get("/v1/session/status").await.err(401, 110);
    first.session_get("/v1/session/status").await.err(401, 110);
    c.fetch_keys().await.err(401, 110);
}

#[tokio::test]
async fn destroy_refuses_another_accounts_session() {
    let app = spawn_app().await;
    let mut a = TestClient::v1(&app, "a@example.com", "pw");
    a.create(false).await.ok();
    let mut b = TestClient::v1(&app, "b@example.com", "pw");
    b.create(false).await.ok();
    let body = json!({"email": b.email, "authPW": b.auth_pw()});
    a.session_post("/v1/account/destroy", &body)
        .await
        .err(401, 110);
    b.login(false).await.ok();
}

#[tokio::test]
async fn unlock_routes_are_gone() {
    let app = spawn_app().await;
    for path in [
        "/v1/account/unlock/resend_code",
        "/v1/account/unlock/verify_code",
    ] {
        let r = app
            .post(
                path,
                &json!({"uid": "00".repeat(16), "code": "00".repeat(16)}),
            )
            .await;
        r.err(410, 116);
    }
    // And a token kind mismatch is just an unknown token.
    let mut c = TestClient::v1(&app, "kind@example.com", "pw");
    c.create(false).await.ok();
    let r = app
        .call(
            Scheme::Hawk,
            Method::GET,
            "/v1/account/keys",
            &c.session_token,
            TokenKind::KeyFetch,
            None,
        )
        .await;
    r.err(401, 110);
}
