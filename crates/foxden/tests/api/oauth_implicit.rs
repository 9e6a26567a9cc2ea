//! `response_type=token` on `POST /v1/authorization` (tokens on an assertion,
//! for clients that may grant directly) and RFC 8707 `resource`: a second `aud`
//! of the JWTs a token request or such an authorization issues.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};
use crate::oauth::*;
use crate::oauth_assertion::{bundle, certify};
use crate::oauth_token::{credentials, jwt_claims, token};

const RESOURCE: &str = "https://api.rp.example/v2";

/// A fresh assertion of `c`'s account for the OAuth server of `app`.
async fn assertion(app: &TestApp, c: &crate::client::TestClient<'_>) -> String {
    let certified = certify(c).await;
    bundle(&certified, &format!("{}/v1", app.base), 60_000)
}

fn implicit(assertion: &str, scope: &str) -> Value {
    json!({"client_id": FIREFOX, "assertion": assertion, "scope": scope,
        "response_type": "token"})
}

#[tokio::test]
async fn a_token_answer_gives_what_the_token_endpoint_would() {
    let app = spawn_app().await;
    let c = signed_in(&app, "implicit@example.com").await;
    let assertion = assertion(&app, &c).await;
    let mut body = implicit(&assertion, "profile");
    body["ttl"] = json!(600);
    let r = app.post("/v1/authorization", &body).await.ok();
    assert_eq!(r.str("token_type"), "bearer");
    assert_eq!(r.str("scope"), "profile");
    assert_eq!(r.body["expires_in"], 600);
    assert!(r.body["auth_at"].as_i64().is_some());
    for absent in ["code", "redirect", "state", "refresh_token", "id_token"] {
        assert!(r.body.get(absent).is_none(), "{absent}: {}", r.body);
    }
    // Firefox's clients get JWTs; /v1/verify takes it like any other.
    let claims = jwt_claims(&r.str("access_token"));
    assert_eq!(claims["aud"], FIREFOX);
    assert_eq!(claims["scope"], "profile");
    let v = app
        .post("/v1/verify", &json!({"token": r.str("access_token")}))
        .await
        .ok();
    assert_eq!(v.str("user"), c.uid);
    assert_eq!(v.body["scope"], json!(["profile"]));

    // access_type=offline adds a refresh token, openid an id_token, a state is kept out.
    let mut more = implicit(&assertion, "openid profile");
    more["access_type"] = json!("offline");
    more["state"] = json!("ignored");
    let r = app.post("/v1/authorization", &more).await.ok();
    assert_eq!(r.str("refresh_token").len(), 64);
    assert_eq!(jwt_claims(&r.str("id_token"))["sub"], c.uid);
    assert_eq!(r.body["expires_in"], 21_900);
    let refreshed = json!({"client_id": FIREFOX, "grant_type": "refresh_token",
        "refresh_token": r.str("refresh_token")});
    app.post("/v1/token", &refreshed).await.ok();

    // A ttl past the maximum is capped, as on /v1/token.
    let mut long = implicit(&assertion, "profile");
    long["ttl"] = json!(1e9);
    let r = app.post("/v1/authorization", &long).await.ok();
    assert_eq!(r.body["expires_in"], 21_900);
}

#[tokio::test]
async fn only_clients_that_may_grant_get_tokens_and_the_checks_of_a_code_apply() {
    let app = spawn_app().await;
    let c = signed_in(&app, "implicit-checks@example.com").await;
    let assertion = assertion(&app, &c).await;
    let with_client = |client: &str, scope: &str| {
        let mut body = implicit(&assertion, scope);
        body["client_id"] = json!(client);
        body
    };
    // A trusted client that may not grant: 110.
    let (no_grant, _) = add_client(&app, &["public", "trusted"]).await;
    let r = app
        .post("/v1/authorization", &with_client(&no_grant, "profile"))
        .await;
    r.err(400, 110);
    assert_eq!(r.str("message"), "Invalid response_type");
    // Firefox's may.
    app.post("/v1/authorization", &implicit(&assertion, "profile"))
        .await
        .ok();
    // Unknown client 101, a foreign redirect 103, a scope it may not have 114,
    // AAL2 it does not have 120, an empty scope 109, a bad assertion 104.
    app.post(
        "/v1/authorization",
        &with_client("0000000000000000", "profile"),
    )
    .await
    .err(400, 101);
    let mut redirect = implicit(&assertion, "profile");
    redirect["redirect_uri"] = json!("https://evil.example/cb");
    app.post("/v1/authorization", &redirect).await.err(400, 103);
    let (untrusted, _) = add_client(&app, &["public", "can-grant"]).await;
    let r = app
        .post("/v1/authorization", &with_client(&untrusted, "profile"))
        .await;
    r.err(400, 114);
    assert_eq!(r.body["invalidScopes"], json!(["profile"]));
    let mut aal2 = implicit(&assertion, "profile");
    aal2["acr_values"] = json!("AAL2");
    app.post("/v1/authorization", &aal2).await.err(400, 120);
    app.post("/v1/authorization", &implicit(&assertion, ""))
        .await
        .err(400, 109);
    app.post(
        "/v1/authorization",
        &implicit("x".repeat(60).as_str(), "profile"),
    )
    .await
    .err(401, 104);
    // Nothing was issued by a refused request: the account has Firefox's one grant.
    let listed = app
        .post("/v1/authorized-clients", &json!({"assertion": assertion}))
        .await
        .ok();
    assert_eq!(listed.body.as_array().unwrap().len(), 1, "{}", listed.body);
}

#[tokio::test]
async fn each_answer_takes_only_its_own_fields() {
    let app = spawn_app().await;
    let c = signed_in(&app, "implicit-fields@example.com").await;
    let assertion = assertion(&app, &c).await;
    // A token answer has no PKCE and no keys bundle.
    for (key, value) in [
        ("code_challenge", json!(CHALLENGE)),
        ("code_challenge_method", json!("S256")),
        ("keys_jwe", json!(JWE)),
    ] {
        let mut body = implicit(&assertion, "profile");
        body[key] = value;
        let r = app.post("/v1/authorization", &body).await;
        r.err(400, 109);
        assert_eq!(r.body["validation"]["keys"], json!([key]), "{key}");
    }
    // A code takes no ttl and no resource.
    let code = json!({"client_id": FIREFOX, "assertion": assertion, "scope": "profile",
        "state": "s", "code_challenge_method": "S256", "code_challenge": CHALLENGE});
    let r = app.post("/v1/authorization", &code).await.ok();
    assert_eq!(r.str("scope"), "profile");
    assert!(r.body.get("access_token").is_none());
    for (key, value) in [("ttl", json!(60)), ("resource", json!(RESOURCE))] {
        let mut body = code.clone();
        body[key] = value;
        let r = app.post("/v1/authorization", &body).await;
        r.err(400, 109);
        assert_eq!(r.body["validation"]["keys"], json!([key]), "{key}");
    }
    // No other response_type; the session flavour takes `code` only, and no resource.
    for other in ["id_token", "code token", "TOKEN"] {
        let mut body = implicit(&assertion, "profile");
        body["response_type"] = json!(other);
        app.post("/v1/authorization", &body).await.err(400, 109);
    }
    let mut session = firefox_authorization("profile");
    session["response_type"] = json!("token");
    authorize(&c, &session).await.err(400, 107);
    let mut session = firefox_authorization("profile");
    session["resource"] = json!(RESOURCE);
    authorize(&c, &session).await.err(400, 107);
    let r = authorize(&c, &firefox_authorization("profile")).await.ok();
    assert_eq!(r.str("scope"), "profile");
}

#[tokio::test]
async fn a_resource_becomes_a_second_audience_of_the_jwts() {
    let app = spawn_app().await;
    let c = signed_in(&app, "resource@example.com").await;
    let many = json!([FIREFOX, RESOURCE]);
    // fxa-credentials on the session (/v1/oauth/token).
    let body = json!({"client_id": FIREFOX, "grant_type": "fxa-credentials",
        "scope": "openid profile", "resource": RESOURCE});
    let r = credentials(&c, &body).await.ok();
    assert_eq!(jwt_claims(&r.str("access_token"))["aud"], many);
    let id_token = r.str("id_token");
    assert_eq!(jwt_claims(&id_token)["aud"], many);
    // The id_token still verifies for the client.
    let verified = app
        .post(
            "/v1/oauth/id-token-verify",
            &json!({"client_id": FIREFOX, "id_token": id_token}),
        )
        .await
        .ok();
    assert_eq!(verified.str("sub"), c.uid);
    let v = app
        .post("/v1/verify", &json!({"token": r.str("access_token")}))
        .await
        .ok();
    assert_eq!(v.str("user"), c.uid);
    // A resource wins over the tokenserver audience of oldsync.
    let sync = json!({"client_id": FIREFOX, "grant_type": "fxa-credentials",
        "scope": OLDSYNC, "resource": RESOURCE});
    let r = credentials(&c, &sync).await.ok();
    assert_eq!(jwt_claims(&r.str("access_token"))["aud"], many);
    // A code exchange on /v1/token, and a token answer of /v1/authorization.
    let code = firefox_code(&c, "profile").await;
    let exchange = json!({"client_id": FIREFOX, "grant_type": "authorization_code",
        "code": code, "code_verifier": VERIFIER, "resource": RESOURCE});
    let r = app.post("/v1/token", &exchange).await.ok();
    assert_eq!(jwt_claims(&r.str("access_token"))["aud"], many);
    let assertion = assertion(&app, &c).await;
    let mut body = implicit(&assertion, "profile");
    body["resource"] = json!(RESOURCE);
    let r = app.post("/v1/authorization", &body).await.ok();
    assert_eq!(jwt_claims(&r.str("access_token"))["aud"], many);
    // fxa-credentials on an assertion (/v1/token).
    let on_assertion = json!({"client_id": FIREFOX, "grant_type": "fxa-credentials",
        "assertion": assertion, "scope": "profile", "resource": RESOURCE});
    let r = app.post("/v1/token", &on_assertion).await.ok();
    assert_eq!(jwt_claims(&r.str("access_token"))["aud"], many);
    // Opaque tokens have no audience to carry it; the grant still works.
    let (rp, _) = add_client(&app, &["public", "trusted", "can-grant"]).await;
    let opaque = json!({"client_id": rp, "grant_type": "fxa-credentials", "scope": "profile",
        "resource": RESOURCE});
    assert_eq!(
        credentials(&c, &opaque)
            .await
            .ok()
            .str("access_token")
            .len(),
        64
    );
    // Not a resource URL: a fragment, another scheme, a relative path, an unnormalized one.
    for bad in [
        "https://api.rp.example/#x",
        "ftp://api.rp.example/",
        "/v2",
        "https://api.rp.example/a/../b",
        "https://API.rp.example/",
    ] {
        let mut body = body_with(
            &json!({"client_id": FIREFOX,
            "grant_type": "fxa-credentials", "scope": "profile"}),
            "resource",
            bad,
        );
        let r = credentials(&c, &body).await;
        r.err(400, 107);
        assert_eq!(r.body["validation"]["keys"], json!(["resource"]), "{bad}");
        body = body_with(&on_assertion, "resource", bad);
        app.post("/v1/token", &body).await.err(400, 109);
    }
    // Without a session, the auth-server flavour still refuses fxa-credentials.
    let sessionless = json!({"client_id": FIREFOX, "grant_type": "fxa-credentials",
        "scope": "profile", "resource": RESOURCE});
    token(&app, &sessionless).await.err(401, 110);
}

fn body_with(body: &Value, key: &str, value: &str) -> Value {
    let mut body = body.clone();
    body[key] = json!(value);
    body
}
