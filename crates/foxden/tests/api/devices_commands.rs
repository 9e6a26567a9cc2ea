//! Send Tab: `POST /account/devices/invoke_command` into the target's durable
//! queue and `GET /account/device/commands` paging through it (inclusive `index`,
//! `last`), with the errors of Mozilla's routes.

use foxden_db::ops::DeviceCommands;
use reqwest::Method;
use serde_json::{json, Value};

use crate::client::TestClient;
use crate::devices::{full_device, oldsync_refresh_token, register, with_refresh, OPEN_URI};
use crate::helpers::{spawn_app, Resp};
use crate::oauth::signed_in;

const INVOKE: &str = "/v1/account/devices/invoke_command";

async fn invoke(c: &TestClient<'_>, body: &Value) -> Resp {
    c.session_post(INVOKE, body).await
}

async fn commands(c: &TestClient<'_>, query: &str) -> Resp {
    c.session_get(&format!("/v1/account/device/commands{query}"))
        .await
}

fn tab(url: &str) -> Value {
    json!({"encrypted": format!("ciphertext of {url}")})
}

#[tokio::test]
async fn send_tab_between_two_devices() {
    let app = spawn_app().await;
    let a = signed_in(&app, "sendtab@example.com").await;
    let mut b = a.another_device();
    b.login(false).await.ok();
    let a_id = register(&a, &full_device("A")).await.ok().str("id");
    let b_id = register(&b, &full_device("B")).await.ok().str("id");
    let r = invoke(
        &a,
        &json!({"target": b_id, "command": OPEN_URI, "payload": tab("one")}),
    )
    .await
    .ok();
    // B has a push callback on an allowed server with keys: a push was queued.
    assert_eq!(r.body, json!({"enqueued": true, "notified": true}));
    invoke(
        &a,
        &json!({"target": b_id, "command": OPEN_URI, "payload": tab("two"), "ttl": 60}),
    )
    .await
    .ok();
    let r = commands(&b, "").await.ok();
    let message = |index: i64, url: &str| json!({"index": index, "data": {"command": OPEN_URI, "payload": tab(url), "sender": a_id}});
    assert_eq!(
        r.body,
        json!({"index": 2, "last": true, "messages": [message(1, "one"), message(2, "two")]})
    );
    // Paging one at a time: `index` is inclusive, as the push's URL (`index=N&limit=1`) needs.
    let r = commands(&b, "?index=1&limit=1").await.ok();
    assert_eq!(
        r.body,
        json!({"index": 1, "last": false, "messages": [message(1, "one")]})
    );
    let r = commands(&b, "?index=2&limit=1").await.ok();
    assert_eq!(
        r.body,
        json!({"index": 2, "last": true, "messages": [message(2, "two")]})
    );
    let r = commands(&b, "?index=3").await.ok();
    assert_eq!(r.body, json!({"index": 0, "last": true, "messages": []}));
    let r = commands(&b, "?limit=0").await.ok();
    assert_eq!(r.body["messages"], json!([]));
    // Messages stay until they expire; A's own queue is empty.
    assert_eq!(
        commands(&b, "").await.ok().body["messages"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let r = commands(&a, "").await.ok();
    assert_eq!(r.body, json!({"index": 0, "last": true, "messages": []}));
    // A session without a device has an empty queue too, never an error.
    let mut c = a.another_device();
    c.login(false).await.ok();
    let r = commands(&c, "").await.ok();
    assert_eq!(r.body, json!({"index": 0, "last": true, "messages": []}));
    // A sender without a device is no sender.
    invoke(
        &c,
        &json!({"target": b_id, "command": OPEN_URI, "payload": {}}),
    )
    .await
    .ok();
    let r = commands(&b, "?index=3").await.ok();
    assert_eq!(
        r.body["messages"][0]["data"],
        json!({"command": OPEN_URI, "payload": {}})
    );
}

#[tokio::test]
async fn invoke_command_errors_are_mozillas() {
    let app = spawn_app().await;
    let a = signed_in(&app, "sendtab.errors@example.com").await;
    let b_id = register(&a, &json!({"name": "no commands"}))
        .await
        .ok()
        .str("id");
    let ok = json!({"target": b_id, "command": OPEN_URI, "payload": {}});
    invoke(&a, &ok).await.err(400, 157);
    let mut unknown = ok.clone();
    unknown["target"] = json!("00112233445566778899aabbccddeeff");
    invoke(&a, &unknown).await.err(400, 123);
    for (key, value) in [
        ("ttl", json!(10_000_001)),
        ("ttl", json!(1.5)),
        ("ttl", json!(-1)),
        ("payload", json!("not an object")),
        ("target", json!("xyz")),
        ("command", json!(5)),
    ] {
        let mut body = ok.clone();
        body[key] = value;
        let r = invoke(&a, &body).await;
        r.err(400, 107);
        assert_eq!(r.body["validation"]["keys"], json!([key]), "{body}");
    }
    let mut body = ok.clone();
    body.as_object_mut().unwrap().remove("payload");
    invoke(&a, &body).await.err(400, 108);
    for query in ["?limit=101", "?limit=-1", "?limit=x", "?index=x"] {
        commands(&a, query).await.err(400, 107);
    }
    app.send(
        Method::POST,
        INVOKE,
        None,
        Some(ok.to_string().into_bytes()),
    )
    .await
    .err(401, 110);
}

#[tokio::test]
async fn commands_expire_and_indexes_are_never_reused() {
    let app = spawn_app().await;
    let a = signed_in(&app, "sendtab.ttl@example.com").await;
    let id = register(&a, &full_device("A")).await.ok().str("id");
    let uid: [u8; 16] = hex::decode(&a.uid).unwrap().try_into().unwrap();
    let device: [u8; 16] = hex::decode(&id).unwrap().try_into().unwrap();
    // A message that expired a minute ago is not shown, and pruning removes it.
    let past = crate::client::now_secs() - 60;
    let data = json!({"command": OPEN_URI, "payload": {}}).to_string();
    let index = app.db.enqueue_device_command(&uid, &device, &data, past);
    assert_eq!(index.await.unwrap(), Some(1));
    assert_eq!(commands(&a, "").await.ok().body["messages"], json!([]));
    assert_eq!(
        app.db
            .prune_device_commands(crate::client::now_secs())
            .await
            .unwrap(),
        1
    );
    invoke(
        &a,
        &json!({"target": id, "command": OPEN_URI, "payload": {}, "ttl": 0}),
    )
    .await
    .ok();
    let r = commands(&a, "").await.ok();
    assert_eq!(
        r.body["index"], 2,
        "index 1 is not handed out again: {:?}",
        r.body
    );
}

#[tokio::test]
async fn a_refresh_token_device_sends_and_receives() {
    let app = spawn_app().await;
    let a = signed_in(&app, "sendtab.oauth@example.com").await;
    let token = oldsync_refresh_token(&a).await;
    let body = full_device("phone");
    let phone = with_refresh(
        &app,
        Method::POST,
        "/v1/account/device",
        &token,
        Some(&body),
    )
    .await
    .ok()
    .str("id");
    let desktop = register(&a, &full_device("desktop")).await.ok().str("id");
    let send = json!({"target": desktop, "command": OPEN_URI, "payload": {"x": 1}});
    with_refresh(&app, Method::POST, INVOKE, &token, Some(&send))
        .await
        .ok();
    let r = commands(&a, "").await.ok();
    assert_eq!(r.body["messages"][0]["data"]["sender"], json!(phone));
    invoke(
        &a,
        &json!({"target": phone, "command": OPEN_URI, "payload": {}}),
    )
    .await
    .ok();
    let path = "/v1/account/device/commands?index=0";
    let r = with_refresh(&app, Method::GET, path, &token, None)
        .await
        .ok();
    assert_eq!(r.body["messages"][0]["data"]["sender"], json!(desktop));
}
