//! `GET /v1/account/profile` (session or access token, filtered per scope) and the
//! profile server under `/profile/v1` (Bearer access tokens; parts per scope;
//! ETag and 304; the display name; the default avatar; its own error bodies).

use foxden_db::ops::{OAuthGrants, OAuthToken, OAuthTokenKind};
use serde_json::{json, Value};
use sha1::{Digest, Sha1};

use crate::client::{bearer, now_ms, TestClient};
use crate::helpers::{spawn_app, spawn_with, Options, Resp, TestApp};
use crate::oauth::{signed_in, FIREFOX, OLDSYNC};

const ZEROS: &str = "00000000000000000000000000000000";

/// An access token for Firefox with `scope`, from the session (`fxa-credentials`).
async fn access_token(c: &TestClient<'_>, scope: &str) -> String {
    let body = json!({"client_id": FIREFOX, "grant_type": "fxa-credentials", "scope": scope});
    c.session_post("/v1/oauth/token", &body)
        .await
        .ok()
        .str("access_token")
}

/// A token row written directly: for scopes the token endpoint does not issue yet
/// (`openid` needs id_tokens) or lifetimes it does not give.
async fn stored_token(app: &TestApp, c: &TestClient<'_>, scope: &str, expires_at: i64) -> String {
    let token = foxden_crypto::random::bytes::<32>();
    let mut client_id = [0u8; 8];
    hex::decode_to_slice(FIREFOX, &mut client_id).unwrap();
    let mut uid = [0u8; 16];
    hex::decode_to_slice(&c.uid, &mut uid).unwrap();
    let row = OAuthToken {
        token_hash: foxden_crypto::sha256(&token),
        kind: OAuthTokenKind::Access,
        client_id,
        uid,
        scope: scope.into(),
        created_at: now_ms(),
        expires_at: Some(expires_at),
        last_used_at: None,
        profile_changed_at: None,
    };
    app.db.insert_oauth_token(&row).await.unwrap();
    hex::encode(token)
}

async fn get_with(
    app: &TestApp,
    path: &str,
    authorization: Option<&str>,
    etag: Option<&str>,
) -> Resp {
    let mut req = app.http.get(app.url(path));
    if let Some(value) = authorization {
        req = req.header("authorization", value);
    }
    if let Some(tag) = etag {
        req = req.header("if-none-match", tag);
    }
    Resp::read(req.send().await.unwrap()).await
}

async fn get(app: &TestApp, path: &str, token: &str) -> Resp {
    get_with(app, path, Some(&format!("Bearer {token}")), None).await
}

async fn post(app: &TestApp, path: &str, token: &str, body: &Value) -> Resp {
    let req = app.http.post(app.url(path)).bearer_auth(token).json(body);
    Resp::read(req.send().await.unwrap()).await
}

fn keys(r: &Resp) -> Vec<&str> {
    let mut keys: Vec<&str> = r
        .body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    keys
}

fn etag(r: &Resp) -> String {
    r.headers["etag"].to_str().unwrap().to_string()
}

/// The profile server's error: status, errno, and no `info`.
#[track_caller]
fn profile_err(r: &Resp, status: u16, errno: i64) {
    r.err(status, errno);
    assert_eq!(r.body["code"], status, "{:?}", r.body);
    assert!(r.body.get("info").is_none(), "{:?}", r.body);
}

#[tokio::test]
async fn account_profile_answers_per_scope() {
    let app = spawn_app().await;
    let c = signed_in(&app, "account-profile@example.com").await;
    let all = c.session_get("/v1/account/profile").await.ok();
    assert_eq!(all.str("email"), "account-profile@example.com");
    assert_eq!(all.body["authenticationMethods"], json!(["pwd", "email"]));
    assert_eq!(all.body["authenticatorAssuranceLevel"], 1);
    assert_eq!(all.body["atLeast18AtReg"], Value::Null);
    assert!(all.body.as_object().unwrap().contains_key("atLeast18AtReg"));
    assert_eq!(all.body["metricsEnabled"], true);
    let changed_at = all.body["profileChangedAt"].as_i64().unwrap();
    assert!(changed_at > 0);

    let profile = access_token(&c, "profile").await;
    assert_eq!(
        profile.split('.').count(),
        3,
        "Firefox gets JWT access tokens"
    );
    let r = get(&app, "/v1/account/profile", &profile).await.ok();
    assert_eq!(
        r.body, all.body,
        "the profile scope sees what the session sees"
    );
    let opaque = stored_token(&app, &c, "profile", now_ms() + 60_000).await;
    let r = get(&app, "/v1/account/profile", &opaque).await.ok();
    assert_eq!(r.body, all.body, "an opaque token is verified the same way");
    // A JWT with a broken signature is no token (a character inside the signature changed).
    let mut forged: Vec<char> = profile.chars().collect();
    let at = forged.len() - 10;
    forged[at] = if forged[at] == 'A' { 'B' } else { 'A' };
    let forged: String = forged.into_iter().collect();
    get(&app, "/v1/account/profile", &forged)
        .await
        .err(401, 110);
    let email_only = access_token(&c, "profile:email").await;
    let r = get(&app, "/v1/account/profile", &email_only).await.ok();
    assert_eq!(keys(&r), ["email", "metricsEnabled", "profileChangedAt"]);
    let amr = access_token(&c, "profile:amr").await;
    let r = get(&app, "/v1/account/profile", &amr).await.ok();
    assert_eq!(
        keys(&r),
        [
            "authenticationMethods",
            "authenticatorAssuranceLevel",
            "metricsEnabled",
            "profileChangedAt"
        ]
    );
    // No profile scope, or a locale the account does not have: nothing, not even profileChangedAt.
    for scope in [OLDSYNC, "profile:locale"] {
        let token = access_token(&c, scope).await;
        let r = get(&app, "/v1/account/profile", &token).await.ok();
        assert_eq!(r.body, json!({}), "{scope}");
    }
    // A destroyed, expired or unknown token is 401 errno 110.
    app.post(
        "/v1/oauth/destroy",
        &json!({"client_id": FIREFOX, "token": email_only}),
    )
    .await
    .ok();
    get(&app, "/v1/account/profile", &email_only)
        .await
        .err(401, 110);
    let expired = stored_token(&app, &c, "profile", now_ms() - 1).await;
    get(&app, "/v1/account/profile", &expired)
        .await
        .err(401, 110);
    get(&app, "/v1/account/profile", &"ab".repeat(32))
        .await
        .err(401, 110);
    get(&app, "/v1/account/profile", "not-a-token")
        .await
        .err(401, 110);
    get_with(&app, "/v1/account/profile", None, None)
        .await
        .err(401, 110);
    // The session as a Bearer token still works.
    let session = bearer(&c.session_token, foxden_crypto::token::TokenKind::Session);
    let r = get_with(&app, "/v1/account/profile", Some(&session), None)
        .await
        .ok();
    assert_eq!(r.body, all.body);
}

#[tokio::test]
async fn profile_parts_follow_the_scopes_and_the_etag() {
    let app = spawn_app().await;
    let c = signed_in(&app, "profile-parts@example.com").await;
    let avatar_url = format!("{}/profile/a/{ZEROS}", app.base);

    let profile = access_token(&c, "profile").await;
    let r = get(&app, "/profile/v1/profile", &profile).await.ok();
    assert_eq!(
        r.body,
        json!({"email": "profile-parts@example.com", "amrValues": ["pwd", "email"],
            "twoFactorAuthentication": false, "uid": c.uid, "avatar": avatar_url,
            "avatarDefault": true})
    );
    let tag = etag(&r);
    // The ETag is the SHA-1 hex of the body as sent.
    let raw = app
        .http
        .get(app.url("/profile/v1/profile"))
        .bearer_auth(&profile)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.headers()["etag"].to_str().unwrap(), tag);
    let sent = raw.bytes().await.unwrap();
    assert_eq!(tag, format!("\"{}\"", hex::encode(Sha1::digest(&sent))));
    assert!(r.headers.contains_key("last-modified"));
    let again = get_with(
        &app,
        "/profile/v1/profile",
        Some(&format!("Bearer {profile}")),
        Some(&tag),
    )
    .await;
    assert_eq!(again.status, 304);
    assert_eq!(etag(&again), tag);
    let other = get_with(
        &app,
        "/profile/v1/profile",
        Some(&format!("Bearer {profile}")),
        Some("\"x\""),
    )
    .await;
    assert_eq!(other.status, 200);

    let email_only = access_token(&c, "profile:email").await;
    let r = get(&app, "/profile/v1/profile", &email_only).await.ok();
    assert_eq!(r.body, json!({"email": "profile-parts@example.com"}));
    let uid_only = access_token(&c, "profile:uid").await;
    let r = get(&app, "/profile/v1/profile", &uid_only).await.ok();
    assert_eq!(r.body, json!({"uid": c.uid}));
    // openid adds `sub` (the uid).
    let openid = access_token(&c, "openid profile:uid profile:email").await;
    let r = get(&app, "/profile/v1/profile", &openid).await.ok();
    assert_eq!(
        r.body,
        json!({"email": "profile-parts@example.com", "uid": c.uid, "sub": c.uid})
    );
    // A token that reaches no part is 403.
    let sync = access_token(&c, OLDSYNC).await;
    let r = get(&app, "/profile/v1/profile", &sync).await;
    profile_err(&r, 403, 999);
    let r = get(&app, "/profile/v1/uid", &sync).await;
    profile_err(&r, 403, 999);
    assert_eq!(r.str("message"), "Insufficient scope");

    let r = get(&app, "/profile/v1/uid", &uid_only).await.ok();
    assert_eq!(r.body, json!({"uid": c.uid}));
    profile_err(&get(&app, "/profile/v1/email", &uid_only).await, 403, 999);
    let r = get(&app, "/profile/v1/email", &email_only).await.ok();
    assert_eq!(r.body, json!({"email": "profile-parts@example.com"}));
    let r = get(&app, "/profile/v1/uid", &profile).await.ok();
    assert_eq!(r.str("uid"), c.uid);
}

#[tokio::test]
async fn profile_server_refuses_missing_and_revoked_tokens() {
    let app = spawn_app().await;
    let c = signed_in(&app, "profile-401@example.com").await;
    let r = get_with(&app, "/profile/v1/profile", None, None).await;
    profile_err(&r, 401, 100);
    assert_eq!(r.str("reason"), "Bearer token not provided");
    assert_eq!(r.str("message"), "Unauthorized");
    let session = bearer(&c.session_token, foxden_crypto::token::TokenKind::Session);
    profile_err(
        &get_with(&app, "/profile/v1/profile", Some(&session), None).await,
        401,
        100,
    );
    let token = access_token(&c, "profile").await;
    get(&app, "/profile/v1/profile", &token).await.ok();
    app.post(
        "/v1/oauth/destroy",
        &json!({"client_id": FIREFOX, "token": token}),
    )
    .await
    .ok();
    for path in [
        "/profile/v1/profile",
        "/profile/v1/uid",
        "/profile/v1/display_name",
    ] {
        let r = get(&app, path, &token).await;
        profile_err(&r, 401, 100);
        assert_eq!(r.str("reason"), "Bearer token invalid");
    }
    let expired = stored_token(&app, &c, "profile", now_ms() - 1).await;
    profile_err(&get(&app, "/profile/v1/avatar", &expired).await, 401, 100);
    // A refresh token is not an access token.
    let body = json!({"client_id": FIREFOX, "grant_type": "fxa-credentials", "scope": "profile",
        "access_type": "offline"});
    let refresh = c
        .session_post("/v1/oauth/token", &body)
        .await
        .ok()
        .str("refresh_token");
    profile_err(&get(&app, "/profile/v1/uid", &refresh).await, 401, 100);
    // Unknown profile routes and methods are the profile server's 404 and 405.
    let delete = app
        .http
        .delete(app.url("/profile/v1/uid"))
        .send()
        .await
        .unwrap();
    profile_err(&Resp::read(delete).await, 405, 999);
    profile_err(
        &get(&app, "/profile/v1/nothing", &"ab".repeat(32)).await,
        404,
        999,
    );
}

#[tokio::test]
async fn display_name_is_set_seen_and_changes_the_profile() {
    let app = spawn_app().await;
    let c = signed_in(&app, "display-name@example.com").await;
    let read = access_token(&c, "profile:display_name").await;
    let write = access_token(&c, "profile:display_name:write").await;
    let profile = access_token(&c, "profile").await;
    let r = get(&app, "/profile/v1/display_name", &read).await;
    assert_eq!((r.status, &r.body), (204, &Value::Null));
    let before = get(&app, "/profile/v1/profile", &profile).await.ok();
    let changed_before =
        c.session_get("/v1/account/profile").await.body["profileChangedAt"].clone();

    // `profile` does not imply the write scope; `profile:write` does.
    profile_err(
        &post(
            &app,
            "/profile/v1/display_name",
            &profile,
            &json!({"displayName": "x"}),
        )
        .await,
        403,
        999,
    );
    profile_err(
        &post(
            &app,
            "/profile/v1/display_name",
            &read,
            &json!({"displayName": "x"}),
        )
        .await,
        403,
        999,
    );
    let name = "Zoë 🦊 Example";
    let r = post(
        &app,
        "/profile/v1/display_name",
        &write,
        &json!({"displayName": name}),
    )
    .await
    .ok();
    assert_eq!(r.body, json!({}));

    let r = get(&app, "/profile/v1/display_name", &read).await.ok();
    assert_eq!(r.body, json!({"displayName": name}));
    let tag = etag(&r);
    assert_eq!(
        tag,
        format!("\"{}\"", hex::encode(Sha1::digest(name.as_bytes())))
    );
    let again = get_with(
        &app,
        "/profile/v1/display_name",
        Some(&format!("Bearer {read}")),
        Some(&tag),
    )
    .await;
    assert_eq!(again.status, 304);
    let after = get(&app, "/profile/v1/profile", &profile).await.ok();
    assert_eq!(after.str("displayName"), name);
    assert_ne!(etag(&after), etag(&before));
    let stale = get_with(
        &app,
        "/profile/v1/profile",
        Some(&format!("Bearer {profile}")),
        Some(&etag(&before)),
    )
    .await;
    assert_eq!(stale.status, 200);
    let changed_after = c.session_get("/v1/account/profile").await.body["profileChangedAt"].clone();
    assert!(changed_after.as_i64().unwrap() > changed_before.as_i64().unwrap());
    // The auth server's /account/profile does not carry the display name (Mozilla's neither).
    assert!(c
        .session_get("/v1/account/profile")
        .await
        .body
        .get("displayName")
        .is_none());

    // profile:write writes too; the empty name clears it (204 again).
    let profile_write = access_token(&c, "profile:write").await;
    post(
        &app,
        "/profile/v1/display_name",
        &profile_write,
        &json!({"displayName": ""}),
    )
    .await
    .ok();
    assert_eq!(
        get(&app, "/profile/v1/display_name", &read).await.status,
        204
    );
    assert!(get(&app, "/profile/v1/profile", &profile)
        .await
        .body
        .get("displayName")
        .is_none());
}

#[tokio::test]
async fn display_name_is_validated_as_the_profile_server_does() {
    let app = spawn_app().await;
    let c = signed_in(&app, "display-name-bad@example.com").await;
    let write = access_token(&c, "profile:display_name:write").await;
    let long = "a".repeat(257);
    let bad = [
        json!({"displayName": "line\nbreak"}),
        json!({"displayName": "\u{E000}"}),
        json!({"displayName": long}),
        json!({"displayName": 7}),
        json!({"displayName": "ok", "extra": 1}),
        json!({}),
    ];
    for body in bad {
        let r = post(&app, "/profile/v1/display_name", &write, &body).await;
        profile_err(&r, 400, 101);
        assert_eq!(r.body["validation"]["source"], "payload", "{body}");
    }
    let r = post(
        &app,
        "/profile/v1/display_name",
        &write,
        &json!({"displayName": "x", "extra": 1}),
    )
    .await;
    assert_eq!(r.body["validation"]["keys"], json!(["extra"]));
    post(
        &app,
        "/profile/v1/display_name",
        &write,
        &json!({"displayName": "a".repeat(256)}),
    )
    .await
    .ok();
}

#[tokio::test]
async fn the_default_avatar_is_served_under_a_configured_prefix() {
    let app = spawn_with(Options {
        profile_server_prefix: "/accounts/profile",
        ..Options::default()
    })
    .await;
    let config = app.get("/.well-known/fxa-client-configuration").await.ok();
    assert_eq!(
        config.str("profile_server_base_url"),
        format!("{}/accounts/profile", app.base)
    );
    let c = signed_in(&app, "avatar@example.com").await;
    let token = access_token(&c, "profile:avatar").await;
    get(&app, "/profile/v1/avatar", &token).await.err(404, 999);
    let r = get(&app, "/accounts/profile/v1/avatar", &token).await.ok();
    let url = format!("{}/accounts/profile/a/{ZEROS}", app.base);
    assert_eq!(
        r.body,
        json!({"id": ZEROS, "avatarDefault": true, "avatar": url})
    );
    assert_eq!(etag(&r), format!("\"{ZEROS}\""));
    let r = get(&app, "/accounts/profile/v1/profile", &token).await.ok();
    assert_eq!(r.body, json!({"avatar": url, "avatarDefault": true}));
    profile_err(
        &get(&app, "/accounts/profile/v1/uid", &token).await,
        403,
        999,
    );

    let image = app.http.get(&url).send().await.unwrap();
    assert_eq!(image.status(), 200);
    assert_eq!(image.headers()["content-type"], "image/png");
    let bytes = image.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    let other = format!("{}/accounts/profile/a/{}", app.base, "1".repeat(32));
    assert_eq!(app.http.get(&other).send().await.unwrap().status(), 404);
}
