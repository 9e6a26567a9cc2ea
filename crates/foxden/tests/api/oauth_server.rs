//! The OAuth-server flavour (`/v1/client`, `/v1/authorization`, `/v1/token`,
//! `/v1/verify`, `/v1/introspect`, `/v1/destroy`) with the OAuth server's errnos,
//! and `/v1/oauth/id-token-verify`.

use base64::Engine;
use foxden_db::ops::{OAuthGrants, OAuthToken, OAuthTokenKind};
use reqwest::Method;
use serde_json::{json, Value};

use crate::client::{now_ms, TestClient};
use crate::helpers::{spawn_app, Resp, TestApp};
use crate::oauth::*;
use crate::oauth_token::{jwt_claims, token_bytes};

async fn post_with(app: &TestApp, path: &str, auth: Option<&str>, body: &Value) -> Resp {
    let bytes = serde_json::to_vec(body).unwrap();
    app.send(Method::POST, path, auth, Some(bytes)).await
}

fn basic(id: &str, secret: &str) -> String {
    let raw = format!("{id}:{secret}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// Firefox's code exchanged at `/v1/token` (PKCE).
async fn firefox_tokens(app: &TestApp, c: &TestClient<'_>, scope: &str) -> Resp {
    let code = firefox_code(c, scope).await;
    let body = json!({"client_id": FIREFOX, "grant_type": "authorization_code", "code": code,
        "code_verifier": VERIFIER});
    app.post("/v1/token", &body).await.ok()
}

/// A confidential client's code, authorized by `c`'s session.
async fn rp_code(c: &TestClient<'_>, rp: &str, extra: &[(&str, &str)]) -> String {
    let mut body = json!({"client_id": rp, "state": "s", "scope": "profile"});
    for (k, v) in extra {
        body[*k] = json!(v);
    }
    authorize(c, &body).await.ok().str("code")
}

#[tokio::test]
async fn client_info_and_the_authorization_page() {
    let app = spawn_app().await;
    let r = app.get(&format!("/v1/client/{FIREFOX}")).await.ok();
    assert_eq!(r.str("id"), FIREFOX);
    assert_eq!(r.body["trusted"], true);
    let r = app.get("/v1/client/0000000000000000").await;
    r.err(400, 101);
    assert_eq!(r.body["clientId"], "0000000000000000");
    assert!(r.str("info").contains("fxa-oauth-server"));
    app.get("/v1/client/xyz").await.err(400, 109);

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let query = format!("client_id={FIREFOX}&state=1234&scope=profile&action=signup");
    let res = http
        .get(app.url(&format!("/v1/authorization?{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 302);
    let location = res.headers()["location"].to_str().unwrap();
    assert_eq!(location, format!("{}/authorization?{query}", app.base));
}

#[tokio::test]
async fn token_exchanges_a_code_and_verify_says_whose_it_is() {
    let app = spawn_app().await;
    let c = signed_in(&app, "v1token@example.com").await;
    let code = firefox_code(&c, "profile").await;
    let exchange = |code: &str, verifier: &str| {
        json!({"client_id": FIREFOX, "grant_type": "authorization_code", "code": code,
            "code_verifier": verifier})
    };
    app.post("/v1/token", &exchange(&code, &"x".repeat(43)))
        .await
        .err(400, 117);
    let r = app.post("/v1/token", &exchange(&code, VERIFIER)).await.ok();
    assert_eq!(r.str("token_type"), "bearer");
    assert_eq!(r.str("scope"), "profile");
    let access = r.str("access_token");
    assert_eq!(jwt_claims(&access)["client_id"], FIREFOX);
    // Single use: the OAuth server's "unknown code".
    app.post("/v1/token", &exchange(&code, VERIFIER))
        .await
        .err(400, 105);
    let mut unknown = exchange(&code, VERIFIER);
    unknown["client_id"] = json!("0000000000000000");
    app.post("/v1/token", &unknown).await.err(400, 101);
    let mut bad = exchange(&code, VERIFIER);
    bad["code"] = json!("zz");
    app.post("/v1/token", &bad).await.err(400, 109);
    let mut extra = exchange(&code, VERIFIER);
    extra["nope"] = json!(1);
    app.post("/v1/token", &extra).await.err(400, 109);

    let v = app.post("/v1/verify", &json!({"token": access})).await.ok();
    assert_eq!(v.str("user"), c.uid);
    assert_eq!(v.str("client_id"), FIREFOX);
    assert_eq!(v.body["scope"], json!(["profile"]));
    assert!(v.body["generation"].as_i64().unwrap() > 0);
    assert!(v.body.get("email").is_none());
    // fxa-credentials here takes a BrowserID assertion (oauth_assertion.rs), not this.
    let creds = json!({"client_id": FIREFOX, "grant_type": "fxa-credentials", "scope": "profile",
        "assertion": "a".repeat(60)});
    app.post("/v1/token", &creds).await.err(401, 104);
}

#[tokio::test]
async fn confidential_clients_basic_or_body_secret_refresh_and_opaque_tokens() {
    let app = spawn_app().await;
    let c = signed_in(&app, "v1rp@example.com").await;
    let (rp, secret) = add_client(&app, &["trusted"]).await;
    let secret = secret.unwrap();
    let code = rp_code(&c, &rp, &[("access_type", "offline")]).await;
    let body = json!({"client_id": rp, "client_secret": "00".repeat(32), "code": code});
    app.post("/v1/token", &body).await.err(400, 102);
    let auth = basic(&rp, &secret);
    post_with(&app, "/v1/token", Some(&auth), &body)
        .await
        .err(400, 109);
    post_with(
        &app,
        "/v1/token",
        Some("Bearer abc"),
        &json!({"code": code}),
    )
    .await
    .err(400, 109);
    let r = post_with(&app, "/v1/token", Some(&auth), &json!({"code": code}))
        .await
        .ok();
    let access = r.str("access_token");
    assert_eq!(access.len(), 64, "opaque for this client");
    let refresh = r.str("refresh_token");
    let v = app.post("/v1/verify", &json!({"token": access})).await.ok();
    assert_eq!(v.str("client_id"), rp);
    assert!(v.body.get("generation").is_none());
    // A refresh grant with the secret in the body.
    let body = json!({"client_id": rp, "client_secret": secret, "grant_type": "refresh_token",
        "refresh_token": refresh});
    let again = app.post("/v1/token", &body).await.ok();
    assert_eq!(again.str("scope"), "profile");
    let mut unknown = body.clone();
    unknown["refresh_token"] = json!("ab".repeat(32));
    app.post("/v1/token", &unknown).await.err(400, 108);
    // PKCE with a confidential client.
    let code = rp_code(&c, &rp, &[]).await;
    let pkce = json!({"client_id": rp, "client_secret": secret, "code": code,
        "code_verifier": VERIFIER});
    app.post("/v1/token", &pkce).await.err(400, 109);
}

/// A POST with an `application/x-www-form-urlencoded` body, as OAuth libraries send.
async fn post_form(app: &TestApp, path: &str, auth: Option<&str>, pairs: &[(&str, &str)]) -> Resp {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let mut req = app
        .http
        .post(app.url(path))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some(auth) = auth {
        req = req.header("Authorization", auth);
    }
    Resp::read(req.send().await.unwrap()).await
}

#[tokio::test]
async fn form_bodies_as_rfc_6749_and_7662_clients_send_them() {
    let app = spawn_app().await;
    let c = signed_in(&app, "v1form@example.com").await;
    let (rp, secret) = add_client(&app, &["trusted"]).await;
    let secret = secret.unwrap();
    let code = rp_code(&c, &rp, &[("access_type", "offline")]).await;
    let exchange = [
        ("grant_type", "authorization_code"),
        ("client_id", rp.as_str()),
        ("client_secret", secret.as_str()),
        ("code", code.as_str()),
        ("ttl", "60"),
    ];
    let r = post_form(&app, "/v1/token", None, &exchange).await.ok();
    assert_eq!(r.body["expires_in"], 60);
    let (access, refresh) = (r.str("access_token"), r.str("refresh_token"));
    // The code is spent whichever body carried it.
    post_form(&app, "/v1/token", None, &exchange)
        .await
        .err(400, 105);
    let auth = basic(&rp, &secret);
    let refreshed = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
    ];
    let again = post_form(&app, "/v1/token", Some(&auth), &refreshed)
        .await
        .ok();
    assert_eq!(again.str("scope"), "profile");
    let form_type = "application/x-www-form-urlencoded; charset=UTF-8";
    let res = app
        .http
        .post(app.url("/v1/introspect"))
        .header("Content-Type", form_type)
        .body(format!("token={access}&token_type_hint=access_token"))
        .send()
        .await
        .unwrap();
    let i = Resp::read(res).await.ok();
    assert_eq!(i.body["active"], true);
    assert_eq!(i.str("client_id"), rp);
    let v = post_form(&app, "/v1/verify", None, &[("token", &access)])
        .await
        .ok();
    assert_eq!(v.str("user"), c.uid);
    // Validation as for JSON: a bad number, an unknown key, a missing one.
    let mut bad_ttl = refreshed.to_vec();
    bad_ttl.push(("ttl", "soon"));
    post_form(&app, "/v1/token", Some(&auth), &bad_ttl)
        .await
        .err(400, 109);
    let mut unknown = refreshed.to_vec();
    unknown.push(("nope", "1"));
    post_form(&app, "/v1/token", Some(&auth), &unknown)
        .await
        .err(400, 109);
    let hint_only = [("token_type_hint", "access_token")];
    post_form(&app, "/v1/introspect", None, &hint_only)
        .await
        .err(400, 109);
    post_form(&app, "/v1/destroy", None, &[("access_token", &access)])
        .await
        .ok();
    let v = post_form(&app, "/v1/verify", None, &[("token", &access)]).await;
    v.err(400, 108);
}

#[tokio::test]
async fn verify_refuses_unknown_expired_revoked_and_malformed_tokens() {
    let app = spawn_app().await;
    let c = signed_in(&app, "v1verify@example.com").await;
    app.post("/v1/verify", &json!({"token": "ab".repeat(32)}))
        .await
        .err(400, 108);
    app.post("/v1/verify", &json!({"token": "a.b.c"}))
        .await
        .err(400, 108);
    app.post("/v1/verify", &json!({})).await.err(400, 109);
    app.post("/v1/verify", &json!({"token": 5}))
        .await
        .err(400, 109);
    // An expired row (written as the server would, an hour in the past).
    let bytes = foxden_crypto::random::bytes::<32>();
    let uid: [u8; 16] = hex::decode(&c.uid).unwrap().try_into().unwrap();
    let expired_at = now_ms() - 3_600_000;
    let row = OAuthToken {
        token_hash: foxden_crypto::sha256(&bytes),
        kind: OAuthTokenKind::Access,
        client_id: foxden::oauth::clients::parse_id(FIREFOX).unwrap(),
        uid,
        scope: "profile".into(),
        created_at: expired_at - 60_000,
        expires_at: Some(expired_at),
        last_used_at: None,
        profile_changed_at: None,
    };
    app.db.insert_oauth_token(&row).await.unwrap();
    let r = app
        .post("/v1/verify", &json!({"token": hex::encode(bytes)}))
        .await;
    r.err(400, 115);
    assert_eq!(r.body["expiredAt"], expired_at);
    // A refresh token is not an access token.
    let r = firefox_tokens(&app, &c, "profile").await;
    let refresh = r.str("refresh_token");
    app.post("/v1/verify", &json!({"token": refresh}))
        .await
        .err(400, 108);
    // A revoked JWT still carries a good signature; its row is gone.
    let access = r.str("access_token");
    app.post("/v1/destroy", &json!({"token": access}))
        .await
        .ok();
    app.post("/v1/verify", &json!({"token": access}))
        .await
        .err(400, 108);
}

#[tokio::test]
async fn introspect_answers_active_only_for_live_tokens() {
    let app = spawn_app().await;
    let c = signed_in(&app, "v1introspect@example.com").await;
    let r = firefox_tokens(&app, &c, "profile").await;
    let (access, refresh) = (r.str("access_token"), r.str("refresh_token"));
    let i = app
        .post("/v1/introspect", &json!({"token": access}))
        .await
        .ok();
    assert_eq!(i.body["active"], true);
    assert_eq!(i.str("token_type"), "access_token");
    assert_eq!(i.str("client_id"), FIREFOX);
    assert_eq!(i.str("sub"), c.uid);
    assert_eq!(i.str("scope"), "profile");
    let jti = hex::encode(foxden_crypto::sha256(&token_bytes(&access)));
    assert_eq!(i.str("jti"), jti);
    assert_eq!(
        i.body["exp"].as_i64().unwrap() - i.body["iat"].as_i64().unwrap(),
        365 * 60 * 1000
    );
    let body = json!({"token": refresh, "token_type_hint": "refresh_token"});
    let i = app.post("/v1/introspect", &body).await.ok();
    assert_eq!(i.body["active"], true);
    assert_eq!(i.str("token_type"), "refresh_token");
    for token in ["ab".repeat(32), "x.y.z".to_string()] {
        let i = app
            .post("/v1/introspect", &json!({"token": token}))
            .await
            .ok();
        assert_eq!(i.body, json!({"active": false}));
    }
    // A confidential client's refresh token is not introspected.
    let (rp, secret) = add_client(&app, &["trusted"]).await;
    let code = rp_code(&c, &rp, &[("access_type", "offline")]).await;
    let body = json!({"client_id": rp, "client_secret": secret.unwrap(), "code": code});
    let rp_refresh = app.post("/v1/token", &body).await.ok().str("refresh_token");
    let i = app
        .post("/v1/introspect", &json!({"token": rp_refresh}))
        .await
        .ok();
    assert_eq!(i.body, json!({"active": false}));
    app.post("/v1/destroy", &json!({"access_token": access}))
        .await
        .ok();
    let i = app
        .post("/v1/introspect", &json!({"token": access}))
        .await
        .ok();
    assert_eq!(i.body, json!({"active": false}));
    app.post("/v1/introspect", &json!({})).await.err(400, 109);
}

#[tokio::test]
async fn destroy_revokes_exactly_one_token_of_the_client() {
    let app = spawn_app().await;
    let c = signed_in(&app, "v1destroy@example.com").await;
    let r = firefox_tokens(&app, &c, "profile").await;
    let (access, refresh) = (r.str("access_token"), r.str("refresh_token"));
    let both = json!({"access_token": access, "refresh_token": refresh});
    app.post("/v1/destroy", &both).await.err(400, 109);
    app.post("/v1/destroy", &json!({})).await.err(400, 109);
    app.post("/v1/destroy", &json!({"refresh_token": "ab".repeat(32)}))
        .await
        .err(400, 108);
    // Another client's credentials do not reach Firefox's token.
    let (rp, secret) = add_client(&app, &["trusted"]).await;
    let secret = secret.unwrap();
    let auth = basic(&rp, &secret);
    post_with(&app, "/v1/destroy", Some(&auth), &json!({"token": access}))
        .await
        .err(400, 108);
    let wrong = json!({"client_id": rp, "client_secret": "00".repeat(32), "token": access});
    app.post("/v1/destroy", &wrong).await.err(400, 102);
    // Firefox (public) names itself without a secret.
    let mine = json!({"client_id": FIREFOX, "token": access});
    app.post("/v1/destroy", &mine).await.ok();
    app.post("/v1/destroy", &mine).await.err(400, 108);
    // A refresh token by its stored id.
    let id = hex::encode(foxden_crypto::sha256(&hex::decode(&refresh).unwrap()));
    let by_id = json!({"refresh_token_id": id});
    app.post("/v1/destroy", &by_id).await.ok();
    let refresh_grant = json!({"client_id": FIREFOX, "grant_type": "refresh_token",
        "refresh_token": refresh});
    app.post("/v1/token", &refresh_grant).await.err(400, 108);
    // A refresh token itself, with a legacy lone client_secret (ignored).
    let r = firefox_tokens(&app, &c, "profile").await;
    let body = json!({"refresh_token": r.str("refresh_token"), "client_secret": secret});
    app.post("/v1/destroy", &body).await.ok();
}

#[tokio::test]
async fn id_token_verify_checks_signature_audience_and_expiry() {
    let app = spawn_app().await;
    let c = signed_in(&app, "v1idtoken@example.com").await;
    let r = firefox_tokens(&app, &c, "openid profile").await;
    let id_token = r.str("id_token");
    let body = json!({"client_id": FIREFOX, "id_token": id_token});
    let v = app.post("/v1/oauth/id-token-verify", &body).await.ok();
    assert_eq!(v.str("sub"), c.uid);
    assert_eq!(v.str("aud"), FIREFOX);
    assert_eq!(v.str("alg"), "RS256");
    assert_eq!(v.body["amr"], json!(["pwd", "email"]));
    let other = json!({"client_id": "0000000000000000", "id_token": id_token});
    app.post("/v1/oauth/id-token-verify", &other)
        .await
        .err(401, 110);
    // One character in the middle of the signature changed.
    let mut tampered: Vec<char> = id_token.chars().collect();
    let at = tampered.len() - 20;
    tampered[at] = if tampered[at] == 'A' { 'B' } else { 'A' };
    let tampered: String = tampered.into_iter().collect();
    let body = json!({"client_id": FIREFOX, "id_token": tampered});
    app.post("/v1/oauth/id-token-verify", &body)
        .await
        .err(401, 110);
    let body = json!({"client_id": FIREFOX});
    app.post("/v1/oauth/id-token-verify", &body)
        .await
        .err(400, 108);
}
