//! Payloads, TTLs, the iOS filter and which targets get a push.

use super::*;
use foxden_db::ops::PushQueue;
use serde_json::json;

fn json_of(message: &Message) -> serde_json::Value {
    serde_json::from_slice(&message.payload().unwrap()).unwrap()
}

#[test]
fn payloads_and_ttls_are_mozillas() {
    let cases = [
        (
            Message::DeviceConnected {
                device_name: "Fx on 🦊".into(),
            },
            json!({"version": 1, "command": "fxaccounts:device_connected", "data": {"deviceName": "Fx on 🦊"}}),
            0,
        ),
        (
            Message::DeviceDisconnected {
                device_id: "ab".repeat(16),
            },
            json!({"version": 1, "command": "fxaccounts:device_disconnected", "data": {"id": "ab".repeat(16)}}),
            5 * 3600,
        ),
        (
            Message::ProfileUpdated,
            json!({"version": 1, "command": "fxaccounts:profile_updated"}),
            0,
        ),
        (
            Message::PasswordChanged,
            json!({"version": 1, "command": "fxaccounts:password_changed"}),
            6 * 3600,
        ),
        (
            Message::PasswordReset,
            json!({"version": 1, "command": "fxaccounts:password_reset"}),
            6 * 3600,
        ),
        (
            Message::AccountDestroyed {
                uid: "cd".repeat(16),
            },
            json!({"version": 1, "command": "fxaccounts:account_destroyed", "data": {"uid": "cd".repeat(16)}}),
            5 * 3600,
        ),
        (
            Message::CommandReceived {
                command: "https://identity.mozilla.com/cmd/open-uri".into(),
                index: 7,
                sender: Some("ef".repeat(16)),
                url: "https://fx.example/v1/account/device/commands?index=7&limit=1".into(),
                ttl_secs: Some(86_400),
            },
            json!({"version": 1, "command": "fxaccounts:command_received", "data": {
                "command": "https://identity.mozilla.com/cmd/open-uri", "index": 7,
                "sender": "ef".repeat(16),
                "url": "https://fx.example/v1/account/device/commands?index=7&limit=1"}}),
            86_400,
        ),
        (
            Message::VerifyLogin {
                title: "T".into(),
                body: "B".into(),
                url: "https://fx.example/signin_push_code_confirm?code=123456".into(),
            },
            json!({"version": 1, "command": "fxaccounts:verify_login", "data": {
                "title": "T", "body": "B",
                "url": "https://fx.example/signin_push_code_confirm?code=123456"}}),
            0,
        ),
    ];
    for (message, expected, ttl) in cases {
        assert_eq!(json_of(&message), expected, "{message:?}");
        assert_eq!(message.ttl_secs(), ttl, "{message:?}");
    }
    let default_ttl = Message::CommandReceived {
        command: "c".into(),
        index: 1,
        sender: None,
        url: "u".into(),
        ttl_secs: None,
    };
    assert_eq!(default_ttl.ttl_secs(), 6 * 3600);
    assert!(json_of(&default_ttl)["data"].get("sender").is_none());
    let empty = Message::Empty(EmptyReason::AccountVerify);
    assert_eq!(
        (empty.payload(), empty.ttl_secs(), empty.command()),
        (None, 0, None)
    );
}

#[test]
fn ios_gets_only_commands_and_device_changes() {
    let connected = Message::DeviceConnected {
        device_name: "x".into(),
    };
    let notify_send_tab = Message::Notify {
        payload: json!({"version": 1, "command": "fxaccounts:command_received"}),
        ttl_secs: 0,
    };
    for os in [Some("iOS"), Some("ios")] {
        assert!(ios_accepts(os, &connected));
        assert!(ios_accepts(os, &notify_send_tab));
        assert!(!ios_accepts(os, &Message::PasswordChanged));
        let verify_login = Message::VerifyLogin {
            title: String::new(),
            body: String::new(),
            url: String::new(),
        };
        assert!(!ios_accepts(os, &verify_login));
        assert!(!ios_accepts(
            os,
            &Message::Empty(EmptyReason::AccountConfirm)
        ));
    }
    for os in [None, Some("Android"), Some("Windows")] {
        assert!(ios_accepts(os, &Message::PasswordChanged));
        assert!(ios_accepts(os, &Message::Empty(EmptyReason::DevicesNotify)));
    }
}

fn target(callback: Option<&str>, keys: bool) -> PushTarget {
    PushTarget {
        uid: [1; 16],
        device_id: foxden_crypto::random::bytes(),
        callback: callback.map(str::to_string),
        public_key: keys.then(|| "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4".into()),
        auth_key: keys.then(|| "BTBZMqHH6r4Tts7J_aSIgg".into()),
    }
}

#[tokio::test]
async fn enqueue_skips_what_mozilla_skips_and_seals_payloads() {
    let dir = tempfile::tempdir().unwrap();
    let db = crate::connect_db(&foxden_db::sqlite_url_for(dir.path()))
        .await
        .unwrap();
    let state = PushState::from_secret(&[7; 32]);
    let allowed = regex::Regex::new(MOZILLA_PUSH_SERVERS).unwrap();
    let good = "https://updates.push.services.mozilla.com/wpush/v2/abc";
    let targets = [
        target(Some(good), true),
        target(Some(good), false),
        target(None, true),
        target(Some(""), true),
        target(Some("https://evil.example/wpush"), true),
    ];
    let tx = db.begin().await.unwrap();
    let data = state
        .enqueue(&tx, &targets, &Message::PasswordChanged, &allowed, 1_000)
        .await
        .unwrap();
    let empty = state
        .enqueue(
            &tx,
            &targets,
            &Message::Empty(EmptyReason::AccountVerify),
            &allowed,
            1_000,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        (data, empty),
        (1, 2),
        "keyless devices get empty pushes only"
    );
    let rows = db.claim_due_pushes(1_000, 1, 10).await.unwrap();
    assert_eq!(rows.len(), 3);
    let sealed = &rows[0].push;
    assert_eq!(sealed.device_id, targets[0].device_id);
    assert_eq!(sealed.ttl_secs, 6 * 3600);
    let payload = sealed.payload.as_ref().unwrap();
    assert!(!String::from_utf8_lossy(payload).contains("password_changed"));
    assert_eq!(
        state.open(sealed).unwrap().unwrap(),
        Message::PasswordChanged.payload().unwrap()
    );
    // Sealed for this row: moved to another device it does not open.
    let moved = NewPush {
        device_id: [0; 16],
        ..sealed.clone()
    };
    assert!(state.open(&moved).is_err());
    for row in &rows[1..] {
        assert_eq!(
            (&row.push.payload, &row.push.p256dh, row.push.ttl_secs),
            (&None, &None, 0)
        );
        assert_eq!(state.open(&row.push), Ok(None));
    }
}
