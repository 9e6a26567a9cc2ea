//! The pushes of PROTOCOL §8.2 that device changes send, through the real push
//! receiver (`interop/push_receiver.py`: HTTPS, VAPID checked, bodies decrypted
//! with `http_ece`): `device_connected` to the other devices when a new device
//! registers, `device_disconnected` on device and attached-client destroy,
//! `command_received` with `notified: true`, and a 410 marking the device's
//! `pushEndpointExpired` (the default endpoint-gone hook), and
//! `POST /account/devices/notify`. Account events:
//! `push_events_account.rs`. Skipped (passing) without `FOXDEN_TEST_PUSH_PYTHON`.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::client::TestClient;
use crate::devices::{register, OPEN_URI};
use crate::helpers::{spawn_with, Options, TestApp};
use crate::oauth::signed_in;
use crate::push_delivery::PushSetup;
use crate::push_receiver::{python, records, script, Python};

/// The Python push service and the subscription keys it holds.
pub struct PushService {
    _python: Python,
    dir: tempfile::TempDir,
    pub base: String,
    p256dh: String,
    auth: String,
    ca: PathBuf,
}

impl PushService {
    /// Starts the receiver; `None` when no push Python is configured (skipped).
    pub async fn start() -> Option<PushService> {
        let python = python()?;
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new(python)
            .arg(script())
            .arg(dir.path())
            .stdout(Stdio::null())
            .spawn()
            .expect("start the push receiver");
        let python = Python(child);
        let ready = dir.path().join("ready.json");
        let start = Instant::now();
        while !ready.exists() {
            assert!(start.elapsed() < Duration::from_secs(20), "no receiver");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let ready: Value = serde_json::from_slice(&std::fs::read(ready).unwrap()).unwrap();
        Some(PushService {
            _python: python,
            base: format!("https://127.0.0.1:{}", ready["port"]),
            p256dh: ready["p256dh"].as_str().unwrap().into(),
            auth: ready["auth"].as_str().unwrap().into(),
            ca: PathBuf::from(ready["ca"].as_str().unwrap()),
            dir,
        })
    }

    /// A server whose allowed push servers are this receiver only (the setting,
    /// so registrations accept its callbacks), trusting its CA, with the default
    /// endpoint-gone hook; `opts` for the rest.
    pub async fn app(&self, opts: Options) -> TestApp {
        let allowed = format!("^{}/", regex::escape(&self.base));
        spawn_with(Options {
            push_allowed_servers: Some(Box::leak(allowed.into_boxed_str())),
            push: Some(PushSetup {
                ca_file: Some(self.ca.clone()),
                retry_ms: 50,
                ..PushSetup::default()
            }),
            ..opts
        })
        .await
    }

    /// A registration with a callback at `path` on this receiver, its keys and
    /// the open-uri command.
    pub fn device(&self, name: &str, path: &str) -> Value {
        json!({"name": name, "type": "desktop", "pushCallback": format!("{}{path}", self.base),
            "pushPublicKey": self.p256dh, "pushAuthKey": self.auth,
            "availableCommands": {OPEN_URI: "keys-for-send-tab"}})
    }

    /// What reached `path` so far.
    pub fn to(&self, path: &str) -> Vec<Value> {
        records(self.dir.path())
            .into_iter()
            .filter(|r| r["path"] == path)
            .collect()
    }

    /// Waits (up to 20 s) until `n` pushes reached `path`; returns them.
    pub async fn wait(&self, path: &str, n: usize) -> Vec<Value> {
        let start = Instant::now();
        loop {
            let got = self.to(path);
            if got.len() >= n {
                return got;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{path} got {} of {n} pushes: {got:?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

/// Asserts a data push as the receiver decrypted it: its payload, TTL header,
/// encoding and a VAPID JWT that verified.
pub fn assert_push(record: &Value, payload: Value, ttl: &str) {
    assert_eq!(record.get("decrypt_error"), None, "{record}");
    assert_eq!(record["payload"], payload, "{record}");
    assert_eq!(record["ttl"], ttl, "{record}");
    assert_eq!(record["encoding"], "aes128gcm", "{record}");
    assert_eq!(record["vapid_ok"], true, "{record}");
}

/// Asserts an empty push (no body, TTL 0, VAPID still signed).
pub fn assert_empty_push(record: &Value) {
    assert_eq!(record["length"], 0, "{record}");
    assert_eq!(record["ttl"], "0", "{record}");
    assert_eq!(record.get("payload"), None, "{record}");
    assert_eq!(record["vapid_ok"], true, "{record}");
}

/// Lets the worker send what it would have sent by now.
pub async fn settle() {
    tokio::time::sleep(Duration::from_millis(1500)).await;
}

fn connected(name: &str) -> Value {
    json!({"version": 1, "command": "fxaccounts:device_connected", "data": {"deviceName": name}})
}

fn disconnected(id: &str) -> Value {
    json!({"version": 1, "command": "fxaccounts:device_disconnected", "data": {"id": id}})
}

#[tokio::test]
async fn device_connected_and_disconnected_reach_the_accounts_devices() {
    let Some(push) = PushService::start().await else {
        return;
    };
    let app = push.app(Options::default()).await;
    let a = signed_in(&app, "push.devices@example.com").await;
    register(&a, &push.device("A", "/ok/a")).await.ok();
    let mut b = a.another_device();
    b.login(false).await.ok();
    let b_id = register(&b, &push.device("B", "/ok/b"))
        .await
        .ok()
        .str("id");
    let got = push.wait("/ok/a", 1).await;
    assert_push(&got[0], connected("B"), "0");
    // A device without a callback gets nothing, and its registration tells A and B.
    let mut c = a.another_device();
    c.login(false).await.ok();
    let c_id = register(&c, &json!({"name": "C"})).await.ok().str("id");
    assert_push(&push.wait("/ok/a", 2).await[1], connected("C"), "0");
    assert_push(&push.wait("/ok/b", 1).await[0], connected("C"), "0");
    // An update is no new device.
    register(&b, &json!({"name": "B renamed"})).await.ok();
    // `/account/device/destroy`: every device hears, 5 h TTL.
    a.session_post("/v1/account/device/destroy", &json!({"id": c_id}))
        .await
        .ok();
    assert_push(
        &push.wait("/ok/a", 3).await[2],
        disconnected(&c_id),
        "18000",
    );
    assert_push(
        &push.wait("/ok/b", 2).await[1],
        disconnected(&c_id),
        "18000",
    );
    // `/account/attached_client/destroy` of B's device: B hears it too (it signs out).
    a.session_post(
        "/v1/account/attached_client/destroy",
        &json!({"deviceId": b_id}),
    )
    .await
    .ok();
    assert_push(
        &push.wait("/ok/a", 4).await[3],
        disconnected(&b_id),
        "18000",
    );
    assert_push(
        &push.wait("/ok/b", 3).await[2],
        disconnected(&b_id),
        "18000",
    );
    settle().await;
    assert_eq!(
        push.to("/ok/a").len(),
        4,
        "nothing more: {:?}",
        push.to("/ok/a")
    );
    assert_eq!(
        push.to("/ok/b").len(),
        3,
        "B never hears of itself connecting"
    );
}

async fn invoke(c: &TestClient<'_>, target: &str, ttl: Option<u32>) -> Value {
    let mut body = json!({"target": target, "command": OPEN_URI,
        "payload": {"encrypted": "ciphertext"}});
    if let Some(ttl) = ttl {
        body["ttl"] = json!(ttl);
    }
    c.session_post("/v1/account/devices/invoke_command", &body)
        .await
        .ok()
        .body
}

async fn expired(c: &TestClient<'_>, id: &str) -> bool {
    let r = c.session_get("/v1/account/devices").await.ok();
    let list = r.body.as_array().unwrap().clone();
    let device = list
        .into_iter()
        .find(|d| d["id"] == id)
        .expect("the device");
    device["pushEndpointExpired"].as_bool().unwrap()
}

#[tokio::test]
async fn invoke_command_is_pushed_and_a_410_marks_the_endpoint_expired() {
    let Some(push) = PushService::start().await else {
        return;
    };
    let app = push.app(Options::default()).await;
    let a = signed_in(&app, "push.commands@example.com").await;
    let a_id = register(&a, &push.device("A", "/ok/sender"))
        .await
        .ok()
        .str("id");
    let mut b = a.another_device();
    b.login(false).await.ok();
    let b_id = register(&b, &push.device("B", "/gone/b"))
        .await
        .ok()
        .str("id");
    let url = |index: i64| {
        format!(
            "{}/v1/account/device/commands?index={index}&limit=1",
            app.base
        )
    };
    let received = |index: i64| {
        json!({"version": 1, "command": "fxaccounts:command_received", "data": {
            "command": OPEN_URI, "index": index, "sender": a_id, "url": url(index)}})
    };
    let answer = invoke(&a, &b_id, Some(60)).await;
    assert_eq!(answer, json!({"enqueued": true, "notified": true}));
    // The receiver answers this first push 410: it was decrypted all the same.
    let got = push.wait("/gone/b", 1).await;
    assert_eq!(got[0]["status"], 410);
    assert_push(&got[0], received(1), "60");
    let start = Instant::now();
    while !expired(&a, &b_id).await {
        assert!(start.elapsed() < Duration::from_secs(20), "never expired");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // An expired endpoint gets no push: the command waits for B to poll.
    let answer = invoke(&a, &b_id, None).await;
    assert_eq!(answer, json!({"enqueued": true, "notified": false}));
    // A new callback clears the mark; the default TTL is 6 h.
    register(&b, &push.device("B", "/ok/b2")).await.ok();
    assert!(!expired(&a, &b_id).await);
    let answer = invoke(&a, &b_id, None).await;
    assert_eq!(answer, json!({"enqueued": true, "notified": true}));
    assert_push(&push.wait("/ok/b2", 1).await[0], received(3), "21600");
    // A target without a callback: queued, not notified, no notifyError.
    let mut c = a.another_device();
    c.login(false).await.ok();
    let c_id = register(
        &c,
        &json!({"name": "C", "availableCommands": {OPEN_URI: "k"}}),
    )
    .await
    .ok()
    .str("id");
    let answer = invoke(&a, &c_id, None).await;
    assert_eq!(answer, json!({"enqueued": true, "notified": false}));
    settle().await;
    assert_eq!(push.to("/gone/b").len(), 1, "nothing after the 410");
    assert_eq!(push.to("/ok/sender").len(), 2, "A heard of B and C only");
}

#[tokio::test]
async fn devices_notify_pushes_a_schema_payload_to_the_named_devices() {
    let Some(push) = PushService::start().await else {
        return;
    };
    let app = push.app(Options::default()).await;
    let a = signed_in(&app, "push.notify@example.com").await;
    let a_id = register(&a, &push.device("A", "/ok/n-a"))
        .await
        .ok()
        .str("id");
    let mut b = a.another_device();
    b.login(false).await.ok();
    register(&b, &push.device("B", "/ok/n-b")).await.ok();
    push.wait("/ok/n-a", 1).await;
    let notify = |body: Value| {
        let a = &a;
        async move { a.session_post("/v1/account/devices/notify", &body).await }
    };
    let tabs = json!({"version": 1, "command": "sync:collection_changed",
        "data": {"collections": ["tabs"]}});
    // `to: "all"` less `excluded`, with a TTL.
    let r = notify(json!({"to": "all", "excluded": [a_id], "payload": tabs, "TTL": 120})).await;
    assert_eq!(r.ok().body, json!({}));
    assert_push(&push.wait("/ok/n-b", 1).await[0], tabs.clone(), "120");
    // A list of ids; TTL 0 by default; `_endpointAction` is accepted.
    let body = json!({"to": [a_id], "payload": tabs, "_endpointAction": "accountVerify"});
    notify(body).await.ok();
    assert_push(&push.wait("/ok/n-a", 2).await[1], tabs.clone(), "0");
    // What the schema refuses, and malformed recipients, are errno 107.
    let destroyed = json!({"version": 1, "command": "fxaccounts:account_destroyed",
        "data": {"uid": a.uid}});
    for body in [
        json!({"to": "all", "payload": destroyed}),
        json!({"to": "all", "payload": {"version": 1, "command": "sync:collection_changed",
            "data": {"collections": []}}}),
        json!({"to": "some", "payload": tabs}),
        json!({"to": ["nothex"], "payload": tabs}),
        json!({"to": "all", "payload": tabs, "TTL": -1}),
    ] {
        notify(body).await.err(400, 107);
    }
    notify(json!({"to": "all"})).await.err(400, 108);
    settle().await;
    assert_eq!(push.to("/ok/n-a").len(), 2, "{:?}", push.to("/ok/n-a"));
    assert_eq!(push.to("/ok/n-b").len(), 1, "{:?}", push.to("/ok/n-b"));
}
