//! Hawk and prefixed-Bearer authentication errors.

use foxden_crypto::token::TokenKind;
use reqwest::Method;
use serde_json::json;

use crate::client::{bearer, hawk_header, now_secs, token_id_hex, Scheme, TestClient};
use crate::helpers::{spawn_app, spawn_with, Options, TestApp};

async fn signed_up(app: &TestApp) -> TestClient<'_> {
    let mut c = TestClient::v1(app, "auth@example.com", "pw");
    c.create(true).await.ok();
    c
}

#[tokio::test]
async fn hawk_works_with_and_without_payload_hash() {
    let app = spawn_app().await;
    let c = signed_up(&app).await;
    c.session_get("/v1/session/status").await.ok();
    // A POST whose header carries no hash is accepted on a route that does not require one.
    let header = hawk_header(
        &app,
        &c.session_token,
        TokenKind::Session,
        "POST",
        "/v1/session/duplicate",
        None,
        now_secs(),
    );
    let r = app
        .send(
            Method::POST,
            "/v1/session/duplicate",
            Some(&header),
            Some(b"{}".to_vec()),
        )
        .await;
    r.ok();
}

#[tokio::test]
async fn hawk_bad_mac_is_109() {
    let app = spawn_app().await;
    let c = signed_up(&app).await;
    // Signed for another path.
    let header = hawk_header(
        &app,
        &c.session_token,
        TokenKind::Session,
        "GET",
        "/v1/recovery_email/status",
        None,
        now_secs(),
    );
    let r = app
        .send(Method::GET, "/v1/session/status", Some(&header), None)
        .await;
    r.err(401, 109);
    // A tampered mac.
    let tampered = header.replace("mac=\"", "mac=\"AAAA");
    let r = app
        .send(
            Method::GET,
            "/v1/recovery_email/status",
            Some(&tampered),
            None,
        )
        .await;
    r.err(401, 109);
}

#[tokio::test]
async fn hawk_unknown_token_is_110() {
    let app = spawn_app().await;
    let random = foxden_crypto::random::hex(32);
    let r = app
        .call(
            Scheme::Hawk,
            Method::GET,
            "/v1/session/status",
            &random,
            TokenKind::Session,
            None,
        )
        .await;
    r.err(401, 110);
    // Malformed and missing headers too.
    for auth in [
        Some("Hawk id=\"zz\", ts=\"1\", nonce=\"n\", mac=\"m\""),
        Some("Basic abc"),
        None,
    ] {
        let r = app
            .send(Method::GET, "/v1/session/status", auth, None)
            .await;
        r.err(401, 110);
    }
}

#[tokio::test]
async fn hawk_stale_timestamp_is_111_with_server_time() {
    let app = spawn_with(Options {
        hawk_skew_secs: 60,
        ..Options::default()
    })
    .await;
    let c = signed_up(&app).await;
    for offset in [-3600, 3600] {
        let header = hawk_header(
            &app,
            &c.session_token,
            TokenKind::Session,
            "GET",
            "/v1/session/status",
            None,
            now_secs() + offset,
        );
        let r = app
            .send(Method::GET, "/v1/session/status", Some(&header), None)
            .await;
        r.err(401, 111);
        let server_time = r.body["serverTime"].as_i64().expect("serverTime");
        assert!((server_time - now_secs()).abs() <= 5);
    }
    // Within the window it works.
    let header = hawk_header(
        &app,
        &c.session_token,
        TokenKind::Session,
        "GET",
        "/v1/session/status",
        None,
        now_secs() - 30,
    );
    app.send(Method::GET, "/v1/session/status", Some(&header), None)
        .await
        .ok();
}

#[tokio::test]
async fn hawk_payload_mismatch_is_109() {
    let app = spawn_app().await;
    let c = signed_up(&app).await;
    let signed = serde_json::to_vec(&json!({})).unwrap();
    let header = hawk_header(
        &app,
        &c.session_token,
        TokenKind::Session,
        "POST",
        "/v1/session/destroy",
        Some(&signed),
        now_secs(),
    );
    let sent = serde_json::to_vec(&json!({"customSessionToken": "00".repeat(32)})).unwrap();
    let r = app
        .send(
            Method::POST,
            "/v1/session/destroy",
            Some(&header),
            Some(sent),
        )
        .await;
    r.err(401, 109);
    // Nothing happened: the session is still alive.
    c.session_get("/v1/session/status").await.ok();
}

#[tokio::test]
async fn bearer_with_token_id() {
    let app = spawn_app().await;
    let mut c = signed_up(&app).await;
    c.scheme = Scheme::Bearer;
    let r = c.session_get("/v1/session/status").await.ok();
    assert_eq!(r.body["uid"], json!(c.uid));
    c.session_post("/v1/session/duplicate", &json!({}))
        .await
        .ok();
    c.verify_from_mail("verify").await.ok();
    // fxk_ for the keyFetchToken.
    c.keys().await;
}

#[tokio::test]
async fn bearer_prefix_errors_are_110() {
    let app = spawn_app().await;
    let c = signed_up(&app).await;
    let id = token_id_hex(&c.session_token, TokenKind::Session);
    let kft = &c.key_fetch.as_ref().unwrap().1;
    let cases = [
        format!("Bearer fxk_{id}"),
        format!("Bearer {id}"),
        format!("Bearer fxs_{}", c.session_token),
        format!("Bearer fxs_{}", &id[..62]),
        "Bearer fxs_".to_string(),
        bearer(kft, TokenKind::KeyFetch),
    ];
    for auth in &cases {
        let r = app
            .send(Method::GET, "/v1/session/status", Some(auth), None)
            .await;
        r.err(401, 110);
    }
    // The right prefix works.
    let good = bearer(&c.session_token, TokenKind::Session);
    app.send(Method::GET, "/v1/session/status", Some(&good), None)
        .await
        .ok();
}

#[tokio::test]
async fn payload_required_route_needs_a_hash() {
    let app = spawn_app().await;
    let mut c = TestClient::v1(&app, "payload@example.com", "pw");
    c.create_verified(false).await;
    let body = json!({"email": c.email, "oldAuthPW": c.auth_pw()});
    let r = app.post("/v1/password/change/start", &body).await.ok();
    let token = r.str("passwordChangeToken");
    let path = "/v1/password/change/finish";
    let finish =
        serde_json::to_vec(&json!({"authPW": "00".repeat(32), "wrapKb": "00".repeat(32)})).unwrap();
    let kind = TokenKind::PasswordChange;
    let no_hash = hawk_header(&app, &token, kind, "POST", path, None, now_secs());
    let r = app
        .send(Method::POST, path, Some(&no_hash), Some(finish.clone()))
        .await;
    r.err(401, 109);
    assert_eq!(r.body["message"], "Missing required payload hash");
    // The token was not used up: the old password still works.
    c.another_device().login(false).await.ok();
}
