//! Every push of PROTOCOL §8.2 through a real push service: `interop/push_receiver.py`,
//! HTTPS on loopback with a throw-away CA that foxden trusts through
//! `FOXDEN_PUSH_CA_FILE`. It checks each VAPID JWT's signature under its `k` and
//! decrypts each body with Python's `http_ece` (an implementation independent of
//! foxden's); this test asserts what it recorded: payload, TTL, claims, and that
//! a 410 marked the endpoint gone and a 503 was retried.
//!
//! Needs a Python with `interop/requirements-push.txt` in `FOXDEN_TEST_PUSH_PYTHON`
//! (`scripts/test` makes one); without it the test says so and passes, and with
//! `CI=true` it fails instead.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use foxden::push::{EmptyReason, Message, PushTarget};
use serde_json::{json, Value};

use crate::helpers::{spawn_with, Options};
use crate::push_delivery::{enqueue, until, GoneLog, PushSetup};

const PYTHON_ENV: &str = "FOXDEN_TEST_PUSH_PYTHON";

pub(crate) struct Python(pub(crate) Child);

impl Drop for Python {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn python() -> Option<String> {
    match std::env::var(PYTHON_ENV) {
        Ok(python) if !python.is_empty() => Some(python),
        _ if std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true")) => {
            panic!("CI=true but {PYTHON_ENV} is not set: the push receiver test would not run")
        }
        _ => {
            eprintln!("skipped: set {PYTHON_ENV} to a Python with interop/requirements-push.txt");
            None
        }
    }
}

pub(crate) fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../interop/push_receiver.py")
}

pub(crate) fn records(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("records.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn every_push_decrypts_with_http_ece_and_carries_a_valid_vapid_jwt() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let _receiver = Python(
        Command::new(python)
            .arg(script())
            .arg(dir.path())
            .stdout(Stdio::null())
            .spawn()
            .expect("start the push receiver"),
    );
    let start = Instant::now();
    while !dir.path().join("ready.json").exists() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the receiver never came up"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ready: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("ready.json")).unwrap()).unwrap();
    let base = format!("https://127.0.0.1:{}", ready["port"]);
    let allowed = regex::Regex::new(&format!("^{}/", regex::escape(&base))).unwrap();
    let gone = Arc::new(GoneLog::default());
    let app = spawn_with(Options {
        push: Some(PushSetup {
            public_url: Some("https://accounts.foxden.test/".into()),
            ca_file: Some(PathBuf::from(ready["ca"].as_str().unwrap())),
            ..PushSetup::to(allowed.clone(), gone.clone())
        }),
        ..Options::default()
    })
    .await;

    let uid = [0x42; 16];
    let device = |path: &str| PushTarget {
        uid,
        device_id: foxden_crypto::random::bytes(),
        callback: Some(format!("{base}{path}")),
        public_key: Some(ready["p256dh"].as_str().unwrap().into()),
        auth_key: Some(ready["auth"].as_str().unwrap().into()),
    };
    let url = "https://accounts.foxden.test/v1/account/device/commands?index=3&limit=1";
    let cases: Vec<(&str, Message, Value, &str)> = vec![
        (
            "/ok/connected",
            Message::DeviceConnected {
                device_name: "Firefox on 🦊 Linux".into(),
            },
            json!({"version": 1, "command": "fxaccounts:device_connected", "data": {"deviceName": "Firefox on 🦊 Linux"}}),
            "0",
        ),
        (
            "/ok/disconnected",
            Message::DeviceDisconnected {
                device_id: "12".repeat(16),
            },
            json!({"version": 1, "command": "fxaccounts:device_disconnected", "data": {"id": "12".repeat(16)}}),
            "18000",
        ),
        (
            "/ok/profile",
            Message::ProfileUpdated,
            json!({"version": 1, "command": "fxaccounts:profile_updated"}),
            "0",
        ),
        (
            "/ok/changed",
            Message::PasswordChanged,
            json!({"version": 1, "command": "fxaccounts:password_changed"}),
            "21600",
        ),
        (
            "/ok/reset",
            Message::PasswordReset,
            json!({"version": 1, "command": "fxaccounts:password_reset"}),
            "21600",
        ),
        (
            "/ok/destroyed",
            Message::AccountDestroyed {
                uid: hex::encode(uid),
            },
            json!({"version": 1, "command": "fxaccounts:account_destroyed", "data": {"uid": hex::encode(uid)}}),
            "18000",
        ),
        (
            "/ok/command",
            Message::CommandReceived {
                command: "https://identity.mozilla.com/cmd/open-uri".into(),
                index: 3,
                sender: Some("34".repeat(16)),
                url: url.into(),
                ttl_secs: None,
            },
            json!({"version": 1, "command": "fxaccounts:command_received", "data": {
                "command": "https://identity.mozilla.com/cmd/open-uri", "index": 3,
                "sender": "34".repeat(16), "url": url}}),
            "21600",
        ),
        (
            "/ok/empty",
            Message::Empty(EmptyReason::AccountConfirm),
            Value::Null,
            "0",
        ),
        (
            "/busy/changed",
            Message::PasswordChanged,
            json!({"version": 1, "command": "fxaccounts:password_changed"}),
            "21600",
        ),
        (
            "/gone/reset",
            Message::PasswordReset,
            json!({"version": 1, "command": "fxaccounts:password_reset"}),
            "21600",
        ),
    ];
    let mut gone_target = None;
    for (path, message, _, _) in &cases {
        let target = device(path);
        if path.starts_with("/gone/") {
            gone_target = Some(target.clone());
        }
        assert_eq!(
            enqueue(&app, &[target], message, &allowed).await,
            1,
            "{path}"
        );
    }
    // Ten pushes, the busy one twice, the gone one once.
    until("every push arrived", || {
        records(dir.path()).len() > cases.len()
    })
    .await;
    until("the gone hook", || !gone.0.lock().unwrap().is_empty()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let seen = records(dir.path());
    assert_eq!(seen.len(), cases.len() + 1, "{seen:#?}");

    let now = foxden::clock::now_ms() / 1000;
    for (path, _, payload, ttl) in &cases {
        let to_path: Vec<&Value> = seen.iter().filter(|r| r["path"] == *path).collect();
        let expected_tries = if path.starts_with("/busy/") { 2 } else { 1 };
        assert_eq!(to_path.len(), expected_tries, "{path}: {to_path:#?}");
        for (try_number, record) in to_path.into_iter().enumerate() {
            assert_eq!(record["vapid_ok"], true, "{path}: {record}");
            let vapid = app.state.push_sender.vapid().public_key();
            assert_eq!(record["k"], vapid, "{path}");
            let claims = &record["claims"];
            assert_eq!(claims["aud"], base.as_str(), "{path}");
            assert_eq!(claims["sub"], "https://accounts.foxden.test", "{path}");
            let exp = claims["exp"].as_i64().unwrap();
            assert!(exp > now && exp <= now + 24 * 3600, "{path}: exp {exp}");
            if try_number == 0 {
                assert_eq!(record["ttl"], *ttl, "{path}");
            } else {
                // A retry carries what is left of the TTL.
                let left: i64 = record["ttl"].as_str().unwrap().parse().unwrap();
                let full: i64 = ttl.parse().unwrap();
                assert!((full - 5..=full).contains(&left), "{path}: TTL {left}");
            }
            assert!(record.get("decrypt_error").is_none(), "{path}: {record}");
            if payload.is_null() {
                assert_eq!(
                    (record["length"].as_i64(), &record["encoding"]),
                    (Some(0), &Value::Null)
                );
            } else {
                assert_eq!(record["encoding"], "aes128gcm", "{path}");
                assert_eq!(record["payload"], *payload, "{path}");
            }
        }
    }
    let statuses = |path: &str| -> Vec<i64> {
        seen.iter()
            .filter(|r| r["path"] == path)
            .map(|r| r["status"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(statuses("/busy/changed"), [503, 201], "a 503 is retried");
    assert_eq!(statuses("/gone/reset"), [410], "a 410 is not");
    let gone_target = gone_target.unwrap();
    assert_eq!(
        gone.0.lock().unwrap().clone(),
        [(uid, gone_target.device_id, gone_target.callback.unwrap())]
    );
}
