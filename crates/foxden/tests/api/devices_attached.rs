//! `GET /account/attached_clients` (devices, OAuth grants and sessions merged as
//! PROTOCOL §8.4), `POST /account/attached_client/destroy` (its precedence and
//! 107 checks), and `GET /account/sessions`.

use foxden_crypto::token::TokenKind;
use reqwest::Method;
use serde_json::{json, Value};

use crate::client::TestClient;
use crate::devices::{oldsync_refresh_token, register, with_refresh};
use crate::helpers::spawn_app;
use crate::oauth::{signed_in, FIREFOX};

const DESTROY: &str = "/v1/account/attached_client/destroy";

async fn attached(c: &TestClient<'_>) -> Vec<Value> {
    let r = c.session_get("/v1/account/attached_clients").await.ok();
    r.body.as_array().unwrap().clone()
}

fn session_id(c: &TestClient<'_>) -> String {
    let id = crate::client::token_id_hex(&c.session_token, TokenKind::Session);
    hex::encode(foxden_crypto::sha256(&hex::decode(id).unwrap()))
}

fn refresh_id(token: &str) -> String {
    hex::encode(foxden_crypto::sha256(&hex::decode(token).unwrap()))
}

fn find<'v>(list: &'v [Value], key: &str, value: &str) -> &'v Value {
    list.iter()
        .find(|c| c[key] == json!(value))
        .unwrap_or_else(|| panic!("no entry with {key} {value} in {list:?}"))
}

#[tokio::test]
async fn devices_grants_and_sessions_are_merged() {
    let app = spawn_app().await;
    let c = signed_in(&app, "attached@example.com").await;
    let device = register(&c, &json!({"name": "laptop"}))
        .await
        .ok()
        .str("id");
    let mut bare = c.another_device();
    bare.login(false).await.ok();
    let token = oldsync_refresh_token(&c).await;
    let oauth_device = with_refresh(
        &app,
        Method::POST,
        "/v1/account/device",
        &token,
        Some(&json!({"name": "phone"})),
    )
    .await
    .ok()
    .str("id");
    let grant_only = oldsync_refresh_token(&c).await;
    let list = attached(&c).await;
    assert_eq!(list.len(), 4, "{list:#?}");
    // Device + session: the current session, with its user agent, no scope.
    let d = find(&list, "deviceId", &device);
    assert_eq!(d["sessionTokenId"], json!(session_id(&c)));
    assert_eq!(d["isCurrentSession"], true);
    assert_eq!(
        (&d["clientId"], &d["refreshTokenId"], &d["scope"]),
        (&Value::Null, &Value::Null, &Value::Null)
    );
    assert_eq!(
        (&d["name"], &d["deviceType"]),
        (&json!("laptop"), &json!("desktop"))
    );
    assert_eq!(d["location"], json!({}));
    assert_eq!(d["lastAccessTimeFormatted"], "a few seconds ago");
    // Device + refresh token: the client's id and scope, type mobile.
    let o = find(&list, "deviceId", &oauth_device);
    assert_eq!(o["refreshTokenId"], json!(refresh_id(&token)));
    assert_eq!(o["clientId"], json!(FIREFOX));
    assert_eq!(o["scope"], json!([crate::oauth::OLDSYNC]));
    assert_eq!(
        (&o["name"], &o["deviceType"], &o["sessionTokenId"]),
        (&json!("phone"), &json!("mobile"), &Value::Null)
    );
    // A grant without a device: named after its client.
    let g = find(&list, "refreshTokenId", &refresh_id(&grant_only));
    assert_eq!(
        (&g["deviceId"], &g["clientId"]),
        (&Value::Null, &json!(FIREFOX))
    );
    assert!(g["name"].as_str().is_some_and(|n| !n.is_empty()));
    // A session without a device.
    let s = find(&list, "sessionTokenId", &session_id(&bare));
    assert_eq!(
        (&s["deviceId"], &s["isCurrentSession"], &s["deviceType"]),
        (&Value::Null, &json!(false), &Value::Null)
    );
    // The sessions list: both sessions, one a device.
    let r = c.session_get("/v1/account/sessions").await.ok();
    let sessions = r.body.as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    let mine = find(sessions, "id", &session_id(&c));
    assert_eq!(
        (
            &mine["isDevice"],
            &mine["isCurrentDevice"],
            &mine["deviceId"]
        ),
        (&json!(true), &json!(true), &json!(device))
    );
    assert_eq!(mine["deviceName"], "laptop");
    let other = find(sessions, "id", &session_id(&bare));
    assert_eq!(
        (&other["isDevice"], &other["deviceId"]),
        (&json!(false), &Value::Null)
    );
}

#[tokio::test]
async fn destroy_follows_mozillas_precedence_and_checks() {
    let app = spawn_app().await;
    let c = signed_in(&app, "attached.destroy@example.com").await;
    let mut laptop = c.another_device();
    laptop.login(false).await.ok();
    let laptop_device = register(&laptop, &json!({"name": "laptop"}))
        .await
        .ok()
        .str("id");
    let token = oldsync_refresh_token(&c).await;
    let phone = with_refresh(
        &app,
        Method::POST,
        "/v1/account/device",
        &token,
        Some(&json!({})),
    )
    .await
    .ok()
    .str("id");
    let destroy = |body: Value| {
        let c = &c;
        async move { c.session_post(DESTROY, &body).await }
    };
    // Mismatched ids: 107, and nothing is deleted.
    let r = destroy(json!({"deviceId": laptop_device, "sessionTokenId": session_id(&c)})).await;
    r.err(400, 107);
    destroy(json!({"deviceId": phone, "refreshTokenId": "ab".repeat(32), "clientId": FIREFOX}))
        .await
        .err(400, 107);
    destroy(json!({"refreshTokenId": refresh_id(&token)}))
        .await
        .err(400, 107);
    let both = json!({"refreshTokenId": refresh_id(&token), "clientId": FIREFOX, "sessionTokenId": session_id(&c)});
    destroy(both).await.err(400, 107);
    destroy(json!({"clientId": FIREFOX, "sessionTokenId": session_id(&c)}))
        .await
        .err(400, 107);
    destroy(json!({})).await.err(400, 107);
    destroy(json!({"deviceId": null, "sessionTokenId": "abcd"}))
        .await
        .err(400, 107);
    destroy(json!({"deviceId": "00112233445566778899aabbccddeeff"}))
        .await
        .err(400, 123);
    assert_eq!(attached(&c).await.len(), 3);
    // Device + session.
    destroy(json!({"deviceId": laptop_device, "sessionTokenId": session_id(&laptop)}))
        .await
        .ok();
    laptop.session_get("/v1/session/status").await.err(401, 110);
    // Device + refresh token.
    destroy(json!({"deviceId": phone, "refreshTokenId": refresh_id(&token), "clientId": FIREFOX}))
        .await
        .ok();
    with_refresh(&app, Method::GET, "/v1/account/devices", &token, None)
        .await
        .err(401, 110);
    // A grant without a device, then every token of a client; an unknown one is fine.
    let grant = oldsync_refresh_token(&c).await;
    destroy(json!({"refreshTokenId": refresh_id(&grant), "clientId": FIREFOX}))
        .await
        .ok();
    destroy(json!({"refreshTokenId": refresh_id(&grant), "clientId": FIREFOX}))
        .await
        .ok();
    let a = oldsync_refresh_token(&c).await;
    let b = oldsync_refresh_token(&c).await;
    destroy(json!({"clientId": FIREFOX})).await.ok();
    for t in [a, b] {
        with_refresh(&app, Method::GET, "/v1/account/devices", &t, None)
            .await
            .err(401, 110);
    }
    // Sessions: another account's is refused; the caller's own goes.
    let stranger = signed_in(&app, "attached.stranger@example.com").await;
    destroy(json!({"sessionTokenId": session_id(&stranger)}))
        .await
        .err(400, 107);
    stranger.session_get("/v1/session/status").await.ok();
    let list = attached(&c).await;
    assert_eq!(list.len(), 1, "{list:#?}");
    destroy(json!({"sessionTokenId": session_id(&c)}))
        .await
        .ok();
    c.session_get("/v1/session/status").await.err(401, 110);
}
