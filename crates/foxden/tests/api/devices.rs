//! `POST /account/device`, `GET /account/devices`, `POST /account/device/destroy`
//! with a session or an oldsync refresh token: every field's validation, one
//! device per token, spurious updates, idle filtering, and the device going
//! with its session.

use foxden_crypto::token::TokenKind;
use foxden_db::ops::{Devices, Sessions};
use reqwest::Method;
use serde_json::{json, Value};

use crate::client::{now_ms, Scheme, TestClient};
use crate::helpers::{spawn_app, spawn_with, Options, PgSchema, Resp, TestApp};
use crate::oauth::{signed_in, FIREFOX, OLDSYNC};

pub const PUSH_URL: &str = "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk";
/// P-256's generator point, uncompressed, URL-safe base64.
pub const PUBLIC_KEY: &str =
    "BGsX0fLhLEJH-Lzm5WOkQPJ3A32BLeszoPShOUXYmMKWT-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU";
pub const AUTH_KEY: &str = "w3b14Zjc-Afj2SDOLOyong";
pub const OPEN_URI: &str = "https://identity.mozilla.com/cmd/open-uri";

pub async fn register(c: &TestClient<'_>, body: &Value) -> Resp {
    c.session_post("/v1/account/device", body).await
}

/// A full registration with push and the open-uri command.
pub fn full_device(name: &str) -> Value {
    json!({"name": name, "type": "desktop", "pushCallback": PUSH_URL,
        "pushPublicKey": PUBLIC_KEY, "pushAuthKey": AUTH_KEY,
        "availableCommands": {OPEN_URI: "keys-for-send-tab"}})
}

/// A refresh token of Firefox with the oldsync scope for `c`'s account.
pub async fn oldsync_refresh_token(c: &TestClient<'_>) -> String {
    oauth_refresh_token(c, OLDSYNC).await
}

pub async fn oauth_refresh_token(c: &TestClient<'_>, scope: &str) -> String {
    let body = json!({"client_id": FIREFOX, "grant_type": "fxa-credentials", "scope": scope,
        "access_type": "offline"});
    c.session_post("/v1/oauth/token", &body)
        .await
        .ok()
        .str("refresh_token")
}

/// A request with `Authorization: Bearer <refresh token>`.
pub async fn with_refresh(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> Resp {
    let bytes = body.map(|b| serde_json::to_vec(b).unwrap());
    app.send(method, path, Some(&format!("Bearer {token}")), bytes)
        .await
}

pub async fn devices_of(c: &TestClient<'_>) -> Vec<Value> {
    let r = c.session_get("/v1/account/devices").await.ok();
    r.body.as_array().unwrap().clone()
}

fn session_hash(c: &TestClient<'_>) -> [u8; 32] {
    let id = crate::client::token_id_hex(&c.session_token, TokenKind::Session);
    foxden_crypto::sha256(&hex::decode(id).unwrap())
}

#[tokio::test]
async fn a_session_registers_one_device_and_updates_it() {
    let app = spawn_app().await;
    let c = signed_in(&app, "device.one@example.com").await;
    let r = register(&c, &full_device("Mein 🦊 Firefox 𝔽")).await.ok();
    let id = r.str("id");
    assert_eq!(id.len(), 32);
    assert_eq!(r.body["name"], "Mein 🦊 Firefox 𝔽");
    assert_eq!(r.body["type"], "desktop");
    assert_eq!(r.body["pushCallback"], PUSH_URL);
    assert_eq!(r.body["pushPublicKey"], PUBLIC_KEY);
    assert_eq!(r.body["pushAuthKey"], AUTH_KEY);
    assert_eq!(r.body["pushEndpointExpired"], false);
    assert_eq!(
        r.body["availableCommands"],
        json!({OPEN_URI: "keys-for-send-tab"})
    );
    assert!(r.body["createdAt"].as_i64().unwrap() > 0);
    // Registering again with the same session (no id) updates the same record.
    let r = register(&c, &json!({"name": "renamed"})).await.ok();
    assert_eq!(r.str("id"), id);
    assert_eq!(r.body["name"], "renamed");
    assert_eq!(r.body["pushCallback"], PUSH_URL, "unsent fields are kept");
    let r = register(&c, &json!({"id": id.to_uppercase(), "type": "mobile"}))
        .await
        .ok();
    assert_eq!((r.str("id"), r.str("type")), (id.clone(), "mobile".into()));
    let list = devices_of(&c).await;
    assert_eq!(list.len(), 1);
    let d = &list[0];
    assert_eq!(d["id"], json!(id));
    assert_eq!(d["isCurrentDevice"], true);
    assert_eq!(d["name"], "renamed");
    assert_eq!(d["type"], "mobile");
    assert_eq!(d["location"], json!({}));
    assert_eq!(d["lastAccessTimeFormatted"], "a few seconds ago");
    assert!(d["lastAccessTime"].as_i64().unwrap() > now_ms() - 60_000);
    assert_eq!(d["pushEndpointExpired"], false);
    assert_eq!(
        d["availableCommands"],
        json!({OPEN_URI: "keys-for-send-tab"})
    );
    // Bearer works as Hawk does; another session of the account sees it, not as current.
    let mut other = c.another_device();
    other.scheme = Scheme::Bearer;
    other.login(false).await.ok();
    let list = devices_of(&other).await;
    assert_eq!(list[0]["isCurrentDevice"], false);
    let r = register(&other, &json!({})).await.ok();
    assert_ne!(r.str("id"), id);
    assert_eq!(devices_of(&c).await.len(), 2);
}

#[tokio::test]
async fn a_spurious_update_writes_nothing_and_a_new_callback_clears_expiry() {
    let app = spawn_app().await;
    let c = signed_in(&app, "device.spurious@example.com").await;
    let id = register(&c, &full_device("laptop")).await.ok().str("id");
    let uid: [u8; 16] = hex::decode(&c.uid).unwrap().try_into().unwrap();
    let device_id: [u8; 16] = hex::decode(&id).unwrap().try_into().unwrap();
    let mut stored = app.db.device(&uid, &device_id).await.unwrap().unwrap();
    stored.push_endpoint_expired = true;
    assert!(app.db.update_device(&stored).await.unwrap());
    let mut same = full_device("laptop");
    same["id"] = json!(id);
    let r = register(&c, &same).await.ok();
    assert_eq!(r.body["pushEndpointExpired"], true, "nothing was written");
    // The same callback with new keys keeps the expiry; a new callback clears it.
    let mut keys_only = same.clone();
    keys_only["pushAuthKey"] = json!("AAAAAAAAAAAAAAAAAAAAAA");
    let r = register(&c, &keys_only).await.ok();
    assert_eq!(r.body["pushEndpointExpired"], true);
    let mut moved = same.clone();
    moved["pushCallback"] = json!(format!("{PUSH_URL}-new"));
    let r = register(&c, &moved).await.ok();
    assert_eq!(r.body["pushEndpointExpired"], false);
    assert_eq!(devices_of(&c).await[0]["pushEndpointExpired"], false);
}

#[tokio::test]
async fn a_missing_name_and_type_come_from_the_user_agent() {
    let app = spawn_app().await;
    let mut c = signed_in(&app, "device.ua@example.com").await;
    let body = json!({"email": c.email, "authPW": c.auth_pw()});
    let res = app
        .http
        .post(app.url("/v1/account/login"))
        .header(
            "User-Agent",
            "Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0",
        )
        .json(&body)
        .send()
        .await
        .unwrap();
    let r = Resp::read(res).await.ok();
    c.session_token = r.str("sessionToken");
    let r = register(&c, &json!({})).await.ok();
    assert_eq!(r.body["name"], "Firefox Mobile 125, Android 14");
    let d = &devices_of(&c).await[0];
    assert_eq!(d["name"], "Firefox Mobile 125, Android 14");
    assert_eq!(d["type"], "mobile");
    assert!(d.get("pushCallback").is_some_and(Value::is_null));
}

#[tokio::test]
async fn every_field_is_validated() {
    let app = spawn_app().await;
    let c = signed_in(&app, "device.fields@example.com").await;
    let long_url = format!(
        "https://updates.push.services.mozilla.com/{}",
        "x".repeat(220)
    );
    let push = |url: &str, public: &str, auth: &str| json!({"pushCallback": url, "pushPublicKey": public, "pushAuthKey": auth});
    let cases: Vec<(Value, &str)> = vec![
        (json!({"name": "x".repeat(256)}), "name"),
        (json!({"name": "🦊".repeat(128)}), "name"),
        (json!({"name": "line\nbreak"}), "name"),
        (json!({"name": "private \u{e000}"}), "name"),
        (json!({"name": 7}), "name"),
        (json!({"type": "x".repeat(17)}), "type"),
        (json!({"id": "not hex"}), "id"),
        (json!({"id": "abcd"}), "id"),
        (
            push(
                "http://updates.push.services.mozilla.com/x",
                PUBLIC_KEY,
                AUTH_KEY,
            ),
            "pushCallback",
        ),
        (
            push("https://push.evil.example/x", PUBLIC_KEY, AUTH_KEY),
            "pushCallback",
        ),
        (
            push(
                "https://updates.push.services.mozilla.com.evil.example/x",
                PUBLIC_KEY,
                AUTH_KEY,
            ),
            "pushCallback",
        ),
        (push(&long_url, PUBLIC_KEY, AUTH_KEY), "pushCallback"),
        (push("not a url", PUBLIC_KEY, AUTH_KEY), "pushCallback"),
        (
            push(PUSH_URL, &format!("{PUBLIC_KEY}A"), AUTH_KEY),
            "pushPublicKey",
        ),
        (
            push(PUSH_URL, &format!("{}Q", &PUBLIC_KEY[..86]), AUTH_KEY),
            "pushPublicKey",
        ),
        (push(PUSH_URL, "BAAA+AAA", AUTH_KEY), "pushPublicKey"),
        (push(PUSH_URL, PUBLIC_KEY, &"A".repeat(25)), "pushAuthKey"),
        (json!({"pushCallback": PUSH_URL}), "pushPublicKey"),
        (
            json!({"pushCallback": PUSH_URL, "pushPublicKey": PUBLIC_KEY}),
            "pushAuthKey",
        ),
        (
            json!({"availableCommands": {"bad name": "x"}}),
            "availableCommands",
        ),
        (
            json!({"availableCommands": {"a": "x".repeat(2049)}}),
            "availableCommands",
        ),
        (json!({"availableCommands": {"a": 1}}), "availableCommands"),
        (json!({"capabilities": ["messages"]}), "capabilities"),
        (json!({"pushEndpointExpired": false}), "pushEndpointExpired"),
    ];
    for (body, key) in cases {
        let r = register(&c, &body).await;
        r.err(400, 107);
        let keys = r.body["validation"]["keys"].as_array().unwrap().clone();
        let named = |k: &Value| k.as_str().is_some_and(|k| k.split('.').next() == Some(key));
        assert!(keys.iter().any(named), "{body} → {:?}", r.body);
    }
    assert!(devices_of(&c).await.is_empty(), "nothing was registered");
    // What Firefox sends: an explicit :443, an empty capabilities list, empty push fields.
    let port = PUSH_URL.replacen(".com/", ".com:443/", 1);
    let mut body = push(&port, PUBLIC_KEY, AUTH_KEY);
    body["capabilities"] = json!([]);
    body["name"] = json!("");
    let r = register(&c, &body).await.ok();
    assert_eq!(r.body["pushCallback"], port);
    register(&c, &push("", "", "")).await.ok();
}

#[tokio::test]
async fn allowed_push_hosts_are_a_setting() {
    let app = spawn_with(Options {
        push_allowed_servers: Some(r"^https://push\.example\.org(:\d+)?/"),
        ..Options::default()
    })
    .await;
    let c = signed_in(&app, "device.hosts@example.com").await;
    let mine = json!({"pushCallback": "https://push.example.org:8443/wpush/1",
        "pushPublicKey": PUBLIC_KEY, "pushAuthKey": AUTH_KEY});
    register(&c, &mine).await.ok();
    register(&c, &full_device("mozilla")).await.err(400, 107);
}

#[tokio::test]
async fn an_id_must_be_the_callers_own_device() {
    let app = spawn_app().await;
    let c = signed_in(&app, "device.ids@example.com").await;
    let stranger = "0123456789abcdef0123456789abcdef";
    register(&c, &json!({"id": stranger, "name": "x"}))
        .await
        .err(400, 123);
    let id = register(&c, &json!({"name": "mine"})).await.ok().str("id");
    let r = register(&c, &json!({"id": stranger, "name": "x"})).await;
    r.err(400, 124);
    assert_eq!(r.body["deviceId"], json!(id));
    // A device of another session of the account is not the caller's either.
    let mut other = c.another_device();
    other.login(false).await.ok();
    register(&other, &json!({"id": id, "name": "stolen"}))
        .await
        .err(400, 123);
    assert_eq!(devices_of(&c).await[0]["name"], "mine");
}

#[tokio::test]
async fn simultaneous_registrations_with_one_session_make_one_device() {
    let app = spawn_app().await;
    let c = signed_in(&app, "device.race@example.com").await;
    let b: Vec<Value> = (0..8).map(|i| json!({"name": format!("n{i}")})).collect();
    let results = tokio::join!(
        register(&c, &b[0]),
        register(&c, &b[1]),
        register(&c, &b[2]),
        register(&c, &b[3]),
        register(&c, &b[4]),
        register(&c, &b[5]),
        register(&c, &b[6]),
        register(&c, &b[7]),
    );
    let (r0, r1, r2, r3, r4, r5, r6, r7) = results;
    let ids: std::collections::BTreeSet<String> = [r0, r1, r2, r3, r4, r5, r6, r7]
        .into_iter()
        .map(|r| r.ok().str("id"))
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(devices_of(&c).await.len(), 1);
}

#[tokio::test]
async fn a_refresh_token_with_oldsync_registers_its_own_device() {
    let app = spawn_app().await;
    let c = signed_in(&app, "device.oauth@example.com").await;
    let token = oldsync_refresh_token(&c).await;
    let r = with_refresh(
        &app,
        Method::POST,
        "/v1/account/device",
        &token,
        Some(&json!({})),
    )
    .await
    .ok();
    let id = r.str("id");
    assert_eq!(r.body["type"], "mobile");
    assert!(!r.str("name").is_empty(), "the client's name: {:?}", r.body);
    let r = with_refresh(&app, Method::GET, "/v1/account/devices", &token, None)
        .await
        .ok();
    let list = r.body.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (&list[0]["id"], &list[0]["isCurrentDevice"]),
        (&json!(id), &json!(true))
    );
    assert_eq!(devices_of(&c).await[0]["isCurrentDevice"], false);
    // Bad, unknown and under-scoped tokens.
    let path = "/v1/account/devices";
    with_refresh(&app, Method::GET, path, "abc", None)
        .await
        .err(400, 107);
    let unknown = "ab".repeat(32);
    with_refresh(&app, Method::GET, path, &unknown, None)
        .await
        .err(401, 110);
    let profile_only = oauth_refresh_token(&c, "profile").await;
    let r = with_refresh(&app, Method::GET, path, &profile_only, None).await;
    r.err(400, 163);
    app.send(Method::GET, path, None, None).await.err(401, 110);
    // The sessions list takes only a session.
    with_refresh(&app, Method::GET, "/v1/account/sessions", &token, None)
        .await
        .err(401, 110);
}

#[tokio::test]
async fn idle_devices_are_filtered_out() {
    let app = spawn_app().await;
    let c = signed_in(&app, "device.idle@example.com").await;
    register(&c, &json!({"name": "recent"})).await.ok();
    let mut old = c.another_device();
    old.login(false).await.ok();
    register(&old, &json!({"name": "idle"})).await.ok();
    let five_days_ago = now_ms() - 5 * 24 * 3600 * 1000;
    app.db
        .touch_session(&session_hash(&old), five_days_ago)
        .await
        .unwrap();
    assert_eq!(devices_of(&c).await.len(), 2);
    let day_ago = now_ms() - 24 * 3600 * 1000;
    let path = format!("/v1/account/devices?filterIdleDevicesTimestamp={day_ago}");
    let r = c.session_get(&path).await.ok();
    let names: Vec<&str> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["recent"]);
    c.session_get("/v1/account/devices?filterIdleDevicesTimestamp=soon")
        .await
        .err(400, 107);
}

#[tokio::test]
async fn destroying_a_device_ends_its_session_or_refresh_token() {
    let app = spawn_app().await;
    let c = signed_in(&app, "device.destroy@example.com").await;
    let mut other = c.another_device();
    other.login(false).await.ok();
    let id = register(&other, &json!({"name": "doomed"}))
        .await
        .ok()
        .str("id");
    let r = c
        .session_post("/v1/account/device/destroy", &json!({"id": id}))
        .await
        .ok();
    assert_eq!(r.body, json!({}));
    other.session_get("/v1/session/status").await.err(401, 110);
    assert!(devices_of(&c).await.is_empty());
    c.session_post("/v1/account/device/destroy", &json!({"id": id}))
        .await
        .err(400, 123);
    c.session_post("/v1/account/device/destroy", &json!({}))
        .await
        .err(400, 108);
    // A refresh token's device takes the token with it; the token may destroy itself.
    let token = oldsync_refresh_token(&c).await;
    let id = with_refresh(
        &app,
        Method::POST,
        "/v1/account/device",
        &token,
        Some(&json!({})),
    )
    .await
    .ok()
    .str("id");
    let body = json!({"id": id});
    let path = "/v1/account/device/destroy";
    with_refresh(&app, Method::POST, path, &token, Some(&body))
        .await
        .ok();
    with_refresh(&app, Method::GET, "/v1/account/devices", &token, None)
        .await
        .err(401, 110);
    // Another account's device is unknown.
    let stranger = signed_in(&app, "device.stranger@example.com").await;
    let theirs = register(&stranger, &json!({})).await.ok().str("id");
    c.session_post(path, &json!({"id": theirs}))
        .await
        .err(400, 123);
    assert_eq!(devices_of(&stranger).await.len(), 1);
}

#[tokio::test]
async fn the_device_goes_with_its_session_on_destroy_and_password_change() {
    let app = spawn_app().await;
    let c = signed_in(&app, "device.gone@example.com").await;
    let mut other = c.another_device();
    other.login(false).await.ok();
    register(&other, &json!({"name": "other"})).await.ok();
    other
        .session_post("/v1/session/destroy", &json!({}))
        .await
        .ok();
    assert!(devices_of(&c).await.is_empty());
    register(&c, &json!({"name": "mine"})).await.ok();
    let token = crate::change::start(&app, &c.email, &c.auth_pw_v1())
        .await
        .ok()
        .str("passwordChangeToken");
    let new = TestClient::v1(&app, &c.email, "a new password");
    let body = crate::change::finish_body(&new, &[7u8; 32]);
    crate::change::finish(&app, Scheme::Hawk, &token, "", &body)
        .await
        .ok();
    let uid: [u8; 16] = hex::decode(&c.uid).unwrap().try_into().unwrap();
    assert!(app.db.devices_of(&uid).await.unwrap().is_empty());
    assert!(app.db.sessions_for(&uid).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_session_with_a_device_outlives_the_session_lifetime() {
    let Some(schema) = PgSchema::create().await else {
        return;
    };
    let app = spawn_with(Options {
        database_url: Some(schema.url.clone()),
        ..Options::default()
    })
    .await;
    let c = signed_in(&app, "device.lifetime@example.com").await;
    let mut bare = c.another_device();
    bare.login(false).await.ok();
    register(&c, &json!({"name": "kept"})).await.ok();
    schema.age("session_tokens", 29 * 24 * 3600 * 1000).await;
    c.session_get("/v1/session/status").await.ok();
    bare.session_get("/v1/session/status").await.err(401, 110);
    drop(app);
    schema.drop_now().await;
}
