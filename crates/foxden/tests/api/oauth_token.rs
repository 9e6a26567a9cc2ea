//! `POST /oauth/token` (authorization_code with PKCE or a secret, refresh_token,
//! fxa-credentials, the `tokens/session` scope), `POST /oauth/destroy`, and the
//! revocation of every grant by a password change or reset.

use base64::Engine;
use foxden_crypto::token::TokenKind;
use foxden_db::ops::{OAuthCode, OAuthGrants};
use reqwest::Method;
use serde_json::{json, Value};

use crate::client::{now_ms, Scheme, TestClient};
use crate::forgot_otp::{reset_to, reset_token_by_otp};
use crate::helpers::{spawn_app, spawn_with, Options, Resp, TestApp};
use crate::oauth::*;

pub async fn token(app: &TestApp, body: &Value) -> Resp {
    app.post("/v1/oauth/token", body).await
}

fn code_exchange(code: &str) -> Value {
    json!({"client_id": FIREFOX, "grant_type": "authorization_code", "code": code,
        "code_verifier": VERIFIER})
}

/// The claims of a JWT (read, not verified: `openid.rs` verifies as the tokenserver does).
pub fn jwt_claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT");
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&raw).unwrap()
}

/// The 32 bytes behind a token as a client got it: 64 hex, or a JWT's `jti`.
pub fn token_bytes(token: &str) -> Vec<u8> {
    match token.contains('.') {
        true => hex::decode(jwt_claims(token)["jti"].as_str().unwrap()).unwrap(),
        false => hex::decode(token).unwrap(),
    }
}

/// The stored row's key of a token (SHA-256 of its 32 bytes).
fn hash_of(token: &str) -> [u8; 32] {
    foxden_crypto::sha256(&token_bytes(token))
}

async fn refresh(app: &TestApp, client_id: &str, refresh_token: &str, scope: Option<&str>) -> Resp {
    let mut body = json!({"client_id": client_id, "grant_type": "refresh_token",
        "refresh_token": refresh_token});
    if let Some(scope) = scope {
        body["scope"] = json!(scope);
    }
    token(app, &body).await
}

#[tokio::test]
async fn code_exchange_gives_tokens_and_the_keys_bundle_once() {
    let app = spawn_app().await;
    let c = signed_in(&app, "exchange@example.com").await;
    let scope = format!("profile {OLDSYNC}");
    let code = firefox_code(&c, &scope).await;
    // A wrong verifier is refused and leaves the code usable.
    let mut wrong = code_exchange(&code);
    wrong["code_verifier"] = json!("x".repeat(43));
    token(&app, &wrong).await.err(400, 175);
    let r = token(&app, &code_exchange(&code)).await.ok();
    assert_eq!(r.str("token_type"), "bearer");
    assert_eq!(r.str("scope"), scope);
    assert_eq!(r.str("keys_jwe"), JWE);
    assert_eq!(r.body["expires_in"], 365 * 60);
    assert!((r.body["auth_at"].as_i64().unwrap() - now_ms() / 1000).abs() < 60);
    // Firefox's clients get JWT access tokens (what the tokenserver verifies).
    let access = r.str("access_token");
    let claims = jwt_claims(&access);
    assert_eq!(claims["client_id"], FIREFOX);
    assert_eq!(claims["scope"], scope);
    assert_eq!(claims["sub"], c.uid);
    assert!(claims["fxa-generation"].as_i64().unwrap() > 0);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        365 * 60
    );
    let row = app
        .db
        .oauth_token(&hash_of(&access))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(hex::encode(row.uid), c.uid);
    assert!(app
        .db
        .oauth_token(&hash_of(&r.str("refresh_token")))
        .await
        .unwrap()
        .is_some());
    assert!(r.body.get("session_token").is_none() && r.body.get("id_token").is_none());
    // Single use.
    token(&app, &code_exchange(&code)).await.err(400, 172);
    // PKCE codes need their verifier, and a secret cannot replace it.
    let code = firefox_code(&c, "profile").await;
    let mut none = code_exchange(&code);
    none.as_object_mut().unwrap().remove("code_verifier");
    token(&app, &none).await.err(400, 107);
    let mut secret = none.clone();
    secret["client_secret"] = json!("ab".repeat(32));
    token(&app, &secret).await.err(400, 107);
    token(&app, &json!({"client_id": FIREFOX, "code": "zz"}))
        .await
        .err(400, 107);
}

#[tokio::test]
async fn two_concurrent_claims_of_a_code_have_one_winner() {
    let app = spawn_app().await;
    let c = signed_in(&app, "race@example.com").await;
    let code = firefox_code(&c, "profile").await;
    let body = code_exchange(&code);
    let claims: Vec<_> = (0..6)
        .map(|_| {
            let (http, url, body) = (app.http.clone(), app.url("/v1/oauth/token"), body.clone());
            tokio::spawn(async move {
                Resp::read(http.post(url).json(&body).send().await.unwrap()).await
            })
        })
        .collect();
    let mut answers = Vec::new();
    for claim in claims {
        answers.push(claim.await.unwrap());
    }
    let won = answers.iter().filter(|r| r.status == 200).count();
    assert_eq!(won, 1, "{answers:?}");
    for lost in answers.iter().filter(|r| r.status != 200) {
        lost.err(400, 172);
    }
}

#[tokio::test]
async fn an_expired_or_foreign_code_is_refused() {
    let app = spawn_app().await;
    let c = signed_in(&app, "expired@example.com").await;
    let code = foxden_crypto::random::bytes::<32>();
    let aged = OAuthCode {
        code_hash: foxden_crypto::sha256(&code),
        client_id: foxden::oauth::clients::parse_id(FIREFOX).unwrap(),
        uid: hex::decode(&c.uid).unwrap().try_into().unwrap(),
        scope: "profile".into(),
        auth_at: now_ms(),
        amr: "pwd email".into(),
        aal: 1,
        code_challenge: Some(CHALLENGE.into()),
        keys_jwe: None,
        offline: false,
        session_token_id_hash: None,
        created_at: now_ms() - 16 * 60 * 1000,
    };
    app.db.insert_oauth_code(&aged).await.unwrap();
    let r = token(&app, &code_exchange(&hex::encode(code))).await;
    r.err(400, 174);
    // A code is for the client it was issued to.
    let (rp, _) = add_client(&app, &["public", "trusted"]).await;
    let code = firefox_code(&c, "profile").await;
    let mut other = code_exchange(&code);
    other["client_id"] = json!(rp);
    token(&app, &other).await.err(400, 173);
}

#[tokio::test]
async fn confidential_clients_authenticate_by_body_or_basic_never_both() {
    let app = spawn_app().await;
    let c = signed_in(&app, "confidential@example.com").await;
    let (rp, secret) = add_client(&app, &["trusted"]).await;
    let secret = secret.unwrap();
    let code_for_rp = || async {
        authorize(
            &c,
            &json!({"client_id": rp, "state": "s", "scope": "profile"}),
        )
        .await
        .ok()
        .str("code")
    };
    let body = |code: &str| json!({"client_id": rp, "code": code, "client_secret": secret});
    let code = code_for_rp().await;
    let mut wrong = body(&code);
    wrong["client_secret"] = json!("00".repeat(32));
    token(&app, &wrong).await.err(400, 171);
    token(&app, &body(&code)).await.ok();

    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{rp}:{secret}"))
    );
    let a = &app;
    let send = |auth: String, body: Value| async move {
        let bytes = serde_json::to_vec(&body).unwrap();
        a.send(Method::POST, "/v1/oauth/token", Some(&auth), Some(bytes))
            .await
    };
    let code = code_for_rp().await;
    send(basic.clone(), body(&code)).await.err(400, 107);
    send(basic.clone(), json!({"code": code})).await.ok();
    // PKCE is for public clients.
    let code = code_for_rp().await;
    let mut pkce = json!({"client_id": rp, "code": code, "code_verifier": VERIFIER});
    token(&app, &pkce).await.err(400, 107);
    pkce["client_id"] = json!(null);
    pkce.as_object_mut().unwrap().remove("client_id");
    send(basic, pkce).await.err(400, 107);
    // A public client must not send a secret.
    let code = firefox_code(&c, "profile").await;
    let with_secret = json!({"client_id": FIREFOX, "code": code, "client_secret": secret});
    let r = token(&app, &with_secret).await;
    r.err(400, 107);
    assert_eq!(r.body["validation"]["keys"], json!(["client_secret"]));
    // Rotation keeps the previous secret working.
    foxden::cli::client::execute(
        &app.db,
        foxden::cli::client::ClientCommand::RotateSecret {
            client_id: rp.clone(),
        },
    )
    .await
    .unwrap();
    let code = code_for_rp().await;
    token(&app, &body(&code)).await.ok();
}

#[tokio::test]
async fn refresh_tokens_mint_access_tokens_within_their_scope() {
    let app = spawn_app().await;
    let c = signed_in(&app, "refresh@example.com").await;
    let code = firefox_code(&c, &format!("profile {OLDSYNC} {SESSION_SCOPE}")).await;
    let first = token(&app, &code_exchange(&code)).await.ok();
    assert_eq!(first.str("session_token").len(), 64);
    let refresh_token = first.str("refresh_token");
    let r = refresh(&app, FIREFOX, &refresh_token, None).await.ok();
    assert_eq!(r.str("scope"), format!("profile {OLDSYNC}"));
    assert!(r.body.get("refresh_token").is_none() && r.body.get("auth_at").is_none());
    let narrowed = refresh(&app, FIREFOX, &refresh_token, Some("profile:email"))
        .await
        .ok();
    assert_eq!(narrowed.str("scope"), "profile:email");
    let mut ttl = json!({"client_id": FIREFOX, "grant_type": "refresh_token",
        "refresh_token": refresh_token, "ttl": 60});
    assert_eq!(token(&app, &ttl).await.ok().body["expires_in"], 60);
    ttl["ttl"] = json!(0);
    token(&app, &ttl).await.err(400, 107);
    // A trusted client may widen only within its allowed scopes.
    let code = firefox_code(&c, "profile").await;
    let narrow = token(&app, &code_exchange(&code))
        .await
        .ok()
        .str("refresh_token");
    let wider = format!("profile {OLDSYNC}");
    let r = refresh(&app, FIREFOX, &narrow, Some(&wider)).await.ok();
    assert_eq!(r.str("scope"), wider);
    let notes = "https://identity.mozilla.com/apps/notes";
    refresh(&app, FIREFOX, &narrow, Some(notes))
        .await
        .err(400, 163);
    let (rp, _) = add_client(&app, &["public"]).await;
    refresh(&app, &rp, &refresh_token, None).await.err(401, 110);
    refresh(&app, FIREFOX, &"00".repeat(32), None)
        .await
        .err(401, 110);
    // Not rotated: the same refresh token still works.
    refresh(&app, FIREFOX, &refresh_token, None).await.ok();
}

#[tokio::test]
async fn untrusted_refresh_cannot_widen() {
    let app = spawn_app().await;
    let c = signed_in(&app, "widen@example.com").await;
    let (rp, secret) = add_client(&app, &[]).await;
    let secret = secret.unwrap();
    let code = authorize(
        &c,
        &json!({"client_id": rp, "state": "s", "scope": "profile:email", "access_type": "offline"}),
    )
    .await
    .ok()
    .str("code");
    let r = token(
        &app,
        &json!({"client_id": rp, "code": code, "client_secret": secret}),
    )
    .await
    .ok();
    let body = json!({"client_id": rp, "client_secret": secret, "grant_type": "refresh_token",
        "refresh_token": r.str("refresh_token"), "scope": "profile:email profile:uid"});
    let r = token(&app, &body).await;
    r.err(400, 163);
    assert_eq!(r.body["invalidScopes"], json!(["profile:uid"]));
}

pub async fn credentials(c: &TestClient<'_>, body: &Value) -> Resp {
    c.session_post("/v1/oauth/token", body).await
}

#[tokio::test]
async fn fxa_credentials_grant_with_the_session() {
    let app = spawn_app().await;
    let c = signed_in(&app, "credentials@example.com").await;
    let body = json!({"client_id": FIREFOX, "grant_type": "fxa-credentials", "scope": OLDSYNC,
        "ttl": 3600});
    let r = credentials(&c, &body).await.ok();
    assert_eq!(r.str("scope"), OLDSYNC);
    assert_eq!(r.body["expires_in"], 3600);
    assert!(r.body["auth_at"].as_i64().is_some());
    assert!(r.body.get("refresh_token").is_none());
    let mut offline = body.clone();
    offline["access_type"] = json!("offline");
    assert_eq!(
        credentials(&c, &offline)
            .await
            .ok()
            .str("refresh_token")
            .len(),
        64
    );
    token(&app, &body).await.err(401, 110);
    let mut assertion = body.clone();
    assertion["assertion"] = json!("a.b.c");
    credentials(&c, &assertion).await.err(400, 107);
    let mut no_scope = body.clone();
    no_scope.as_object_mut().unwrap().remove("scope");
    credentials(&c, &no_scope).await.err(400, 108);
    let (rp, _) = add_client(&app, &["public", "trusted"]).await;
    let mut not_granting = body.clone();
    not_granting["client_id"] = json!(rp);
    not_granting["scope"] = json!("profile");
    credentials(&c, &not_granting).await.err(400, 107);
    // openid: an id_token for this client, bound to the access token (at_hash).
    let mut openid = body.clone();
    openid["scope"] = json!("openid");
    let r = credentials(&c, &openid).await.ok();
    let id_token = jwt_claims(&r.str("id_token"));
    assert_eq!(id_token["aud"], FIREFOX);
    assert_eq!(id_token["sub"], c.uid);
    let at_hash = &foxden_crypto::sha256(r.str("access_token").as_bytes())[..16];
    let at_hash = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(at_hash);
    assert_eq!(id_token["at_hash"], at_hash);
}

#[tokio::test]
async fn the_session_scope_mints_a_new_session_token() {
    let app = spawn_app().await;
    let c = signed_in(&app, "pairing@example.com").await;
    let code = firefox_code(&c, &format!("profile {OLDSYNC} {SESSION_SCOPE}")).await;
    let r = token(&app, &code_exchange(&code)).await.ok();
    let session = r.str("session_token");
    assert_ne!(session, c.session_token);
    let status = app
        .call(
            Scheme::Hawk,
            Method::GET,
            "/v1/session/status",
            &session,
            TokenKind::Session,
            None,
        )
        .await
        .ok();
    assert_eq!(status.str("state"), "verified");
    assert_eq!(status.str("uid"), c.uid);
    // The authorizing session is gone: no session can be cloned from it.
    let code = firefox_code(&c, SESSION_SCOPE).await;
    c.session_post("/v1/session/destroy", &json!({})).await.ok();
    token(&app, &code_exchange(&code)).await.err(400, 172);
}

#[tokio::test]
async fn destroy_revokes_access_and_refresh_tokens() {
    let app = spawn_app().await;
    let c = signed_in(&app, "destroy@example.com").await;
    let code = firefox_code(&c, "profile").await;
    let r = token(&app, &code_exchange(&code)).await.ok();
    let (access, refresh_token) = (r.str("access_token"), r.str("refresh_token"));
    let a = &app;
    let destroy = |body: Value| async move { a.post("/v1/oauth/destroy", &body).await };
    let r = destroy(json!({"client_id": FIREFOX, "token": refresh_token}))
        .await
        .ok();
    assert_eq!(r.body, json!({}));
    refresh(&app, FIREFOX, &refresh_token, None)
        .await
        .err(401, 110);
    // Another client's token is not touched; an unknown one succeeds silently.
    let (rp, secret) = add_client(&app, &["trusted"]).await;
    let secret = secret.unwrap();
    destroy(json!({"client_id": rp, "client_secret": secret, "token": access}))
        .await
        .ok();
    assert!(app
        .db
        .oauth_token(&hash_of(&access))
        .await
        .unwrap()
        .is_some());
    destroy(json!({"client_id": rp, "client_secret": "00".repeat(32), "token": access}))
        .await
        .err(400, 171);
    destroy(json!({"client_id": "0123456789abcdef", "token": access}))
        .await
        .err(400, 162);
    destroy(json!({"client_id": FIREFOX, "token": "11".repeat(32)}))
        .await
        .ok();
    destroy(json!({"client_id": FIREFOX, "token": access, "token_type_hint": "access_token"}))
        .await
        .ok();
    assert!(app
        .db
        .oauth_token(&hash_of(&access))
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn a_password_change_or_reset_revokes_every_grant() {
    let app = spawn_app().await;
    let email = "revoke@example.com";
    let c = signed_in(&app, email).await;
    let code = firefox_code(&c, "profile").await;
    let r = token(&app, &code_exchange(&code)).await.ok();
    let refresh_token = r.str("refresh_token");
    let pending_code = firefox_code(&c, "profile").await;
    // Password change: start with the old password, finish with the new one.
    let kb = c.keys().await.1;
    let start = json!({"email": email, "oldAuthPW": c.auth_pw_v1()});
    let change_token = app
        .post("/v1/password/change/start", &start)
        .await
        .ok()
        .str("passwordChangeToken");
    let new = TestClient::v1(&app, email, "new password");
    let finish = json!({"authPW": new.auth_pw_v1(), "wrapKb": new.wrap_kb_v1(&kb)});
    let kind = TokenKind::PasswordChange;
    app.call(
        Scheme::Hawk,
        Method::POST,
        "/v1/password/change/finish",
        &change_token,
        kind,
        Some(&finish),
    )
    .await
    .ok();
    refresh(&app, FIREFOX, &refresh_token, None)
        .await
        .err(401, 110);
    assert!(app
        .db
        .oauth_token(&hash_of(&r.str("access_token")))
        .await
        .unwrap()
        .is_none());
    token(&app, &code_exchange(&pending_code))
        .await
        .err(400, 172);

    // Reset: a fresh grant after signing in with the new password goes too.
    let mut signed = new.another_device();
    signed.login(true).await.ok();
    let code = firefox_code(&signed, "profile").await;
    let refresh_token = token(&app, &code_exchange(&code))
        .await
        .ok()
        .str("refresh_token");
    let reset_token = reset_token_by_otp(&app, email).await;
    reset_to(&app, &reset_token, &TestClient::v1(&app, email, "third")).await;
    refresh(&app, FIREFOX, &refresh_token, None)
        .await
        .err(401, 110);
}

#[tokio::test]
async fn a_refresh_token_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_with(Options::in_dir(dir.path())).await;
    let c = signed_in(&app, "restart@example.com").await;
    let code = firefox_code(&c, "profile").await;
    let refresh_token = token(&app, &code_exchange(&code))
        .await
        .ok()
        .str("refresh_token");
    drop(c);
    app.stop().await;
    let app = spawn_with(Options::in_dir(dir.path())).await;
    refresh(&app, FIREFOX, &refresh_token, None).await.ok();
}

#[tokio::test]
async fn account_destroy_removes_its_grants() {
    let app = spawn_app().await;
    let email = "gone@example.com";
    let c = signed_in(&app, email).await;
    let code = firefox_code(&c, "profile").await;
    let refresh_token = token(&app, &code_exchange(&code))
        .await
        .ok()
        .str("refresh_token");
    let uid: [u8; 16] = hex::decode(&c.uid).unwrap().try_into().unwrap();
    assert_eq!(app.db.oauth_grants_of(&uid).await.unwrap().len(), 2);
    let body = json!({"email": email, "authPW": c.auth_pw_v1()});
    c.session_post("/v1/account/destroy", &body).await.ok();
    assert!(app.db.oauth_grants_of(&uid).await.unwrap().is_empty());
    refresh(&app, FIREFOX, &refresh_token, None)
        .await
        .err(401, 110);
}
