//! Devices and their command queues.

use foxden_db::ops::*;
use foxden_db::*;

use crate::fixtures::{self, is_duplicate, seeded};
use crate::oauth::{client, token};
use crate::sessions::race;

pub fn device(uid: Uid, session: Option<TokenIdHash>) -> Device {
    Device {
        uid,
        id: fixtures::rand(),
        session_token_id_hash: session,
        refresh_token_hash: None,
        name: Some("Firefox on 🦊".into()),
        device_type: Some("desktop".into()),
        created_at: 1_700_000_000_100,
        push_callback: Some("https://updates.push.services.mozilla.com/wpush/v2/x".into()),
        push_public_key: Some("BCp93zru09_hab2Bg37LpTNG__Pw6eMPEP2hrQpwuytoj3h4chXpGc-3qqdKyqjuvAiEupsnOd_RLyc7erJHWgA".into()),
        push_auth_key: Some("w3b14Zjc-Afj2SDOLOyong".into()),
        push_endpoint_expired: false,
        available_commands: r#"{"https://identity.mozilla.com/cmd/open-uri":"keys"}"#.into(),
    }
}

/// A refresh token of a new client for `uid`, stored.
async fn refresh_token(db: &Store, uid: Uid) -> OAuthToken {
    let c = client(true);
    db.insert_oauth_client(&c).await.unwrap();
    let t = token(OAuthTokenKind::Refresh, c.id, uid, 1_700_000_000_000);
    db.insert_oauth_token(&t).await.unwrap();
    t
}

pub async fn devices_round_trip_update_and_lookups(db: Store) {
    let new = seeded(&db).await;
    let uid = new.account.uid;
    let by_session = device(uid, Some(new.session.core.id_hash));
    db.insert_device(&by_session).await.unwrap();
    let refresh = refresh_token(&db, uid).await;
    let mut by_token = Device {
        refresh_token_hash: Some(refresh.token_hash),
        name: None,
        device_type: None,
        push_callback: None,
        push_public_key: None,
        push_auth_key: None,
        available_commands: "{}".into(),
        created_at: by_session.created_at + 1,
        ..device(uid, None)
    };
    db.insert_device(&by_token).await.unwrap();
    assert_eq!(
        db.devices_of(&uid).await.unwrap(),
        vec![by_session.clone(), by_token.clone()]
    );
    assert_eq!(
        db.device(&uid, &by_session.id).await.unwrap().as_ref(),
        Some(&by_session)
    );
    assert_eq!(
        db.device_of_session(&new.session.core.id_hash)
            .await
            .unwrap()
            .as_ref(),
        Some(&by_session)
    );
    assert_eq!(
        db.device_of_refresh_token(&refresh.token_hash)
            .await
            .unwrap()
            .as_ref(),
        Some(&by_token)
    );
    // Another account sees neither.
    let other = seeded(&db).await.account.uid;
    assert_eq!(db.device(&other, &by_session.id).await.unwrap(), None);
    assert!(db.devices_of(&other).await.unwrap().is_empty());
    // An update writes the client's fields and keeps owner and creation time.
    by_token.name = Some("Fenix".into());
    by_token.device_type = Some("mobile".into());
    by_token.push_endpoint_expired = true;
    by_token.available_commands = r#"{"a":"b"}"#.into();
    let mut sneaky = by_token.clone();
    sneaky.created_at = 5;
    sneaky.session_token_id_hash = Some(new.session.core.id_hash);
    assert!(db.update_device(&sneaky).await.unwrap());
    assert_eq!(
        db.device(&uid, &by_token.id).await.unwrap().as_ref(),
        Some(&by_token)
    );
    let missing = device(uid, None);
    assert!(!db.update_device(&missing).await.unwrap());
    assert!(!db
        .update_device(&Device {
            uid: other,
            ..by_token
        })
        .await
        .unwrap());
}

pub async fn one_device_per_session_even_concurrently(db: Store) {
    let new = seeded(&db).await;
    let uid = new.account.uid;
    let session = new.session.core.id_hash;
    db.insert_device(&device(uid, Some(session))).await.unwrap();
    assert!(is_duplicate(
        db.insert_device(&device(uid, Some(session))).await
    ));
    // A second session: of eight simultaneous registrations one device is made.
    let s2 = fixtures::session(uid, None);
    db.insert_session(&s2).await.unwrap();
    let id_hash = s2.core.id_hash;
    let results = race(8, || {
        let db = db.clone();
        async move { db.insert_device(&device(uid, Some(id_hash))).await }
    })
    .await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(results.into_iter().filter(|r| r.is_err()).all(is_duplicate));
    assert_eq!(db.devices_of(&uid).await.unwrap().len(), 2);
    // The same device id twice is a duplicate too.
    let d = device(uid, None);
    db.insert_device(&d).await.unwrap();
    assert!(is_duplicate(db.insert_device(&d).await));
}

pub async fn device_needs_its_account_session_or_token(db: Store) {
    let uid = seeded(&db).await.account.uid;
    let r = db.insert_device(&device(uid, Some(fixtures::rand()))).await;
    assert!(r.is_err() && !is_duplicate(r));
    let r = db
        .insert_device(&Device {
            refresh_token_hash: Some(fixtures::rand()),
            ..device(uid, None)
        })
        .await;
    assert!(r.is_err() && !is_duplicate(r));
    let r = db.insert_device(&device(fixtures::rand(), None)).await;
    assert!(r.is_err() && !is_duplicate(r));
    assert!(db.devices_of(&uid).await.unwrap().is_empty());
}

pub async fn device_goes_with_its_session_token_or_account(db: Store) {
    let new = seeded(&db).await;
    let uid = new.account.uid;
    let d1 = device(uid, Some(new.session.core.id_hash));
    db.insert_device(&d1).await.unwrap();
    // Session destroy.
    assert!(db.delete_session(&new.session.core.id_hash).await.unwrap());
    assert_eq!(db.device(&uid, &d1.id).await.unwrap(), None);
    // Every token of the account (password change and reset).
    let s = fixtures::session(uid, None);
    db.insert_session(&s).await.unwrap();
    let d2 = device(uid, Some(s.core.id_hash));
    db.insert_device(&d2).await.unwrap();
    db.delete_tokens_of(&uid).await.unwrap();
    assert_eq!(db.device(&uid, &d2.id).await.unwrap(), None);
    // A refresh token revoked one by one, or all of the account's grants.
    let t = refresh_token(&db, uid).await;
    let d3 = Device {
        refresh_token_hash: Some(t.token_hash),
        ..device(uid, None)
    };
    db.insert_device(&d3).await.unwrap();
    assert!(db.delete_oauth_token(&t.token_hash).await.unwrap());
    assert_eq!(db.device(&uid, &d3.id).await.unwrap(), None);
    let t = refresh_token(&db, uid).await;
    let d4 = Device {
        refresh_token_hash: Some(t.token_hash),
        ..device(uid, None)
    };
    db.insert_device(&d4).await.unwrap();
    db.delete_oauth_of(&uid).await.unwrap();
    assert_eq!(db.device(&uid, &d4.id).await.unwrap(), None);
    // Account deletion, with the device's queue.
    let s = fixtures::session(uid, None);
    db.insert_session(&s).await.unwrap();
    let d5 = device(uid, Some(s.core.id_hash));
    db.insert_device(&d5).await.unwrap();
    db.enqueue_device_command(&uid, &d5.id, "{}", i64::MAX)
        .await
        .unwrap()
        .unwrap();
    assert!(db.delete_account(&uid).await.unwrap());
    assert!(db.devices_of(&uid).await.unwrap().is_empty());
    let page = db.device_commands(&uid, &d5.id, 0, 100, 0).await.unwrap();
    assert!(page.messages.is_empty());
}

pub async fn delete_device_takes_its_session_or_refresh_token(db: Store) {
    let new = seeded(&db).await;
    let uid = new.account.uid;
    let session = new.session.core.id_hash;
    let d1 = device(uid, Some(session));
    db.insert_device(&d1).await.unwrap();
    db.enqueue_device_command(&uid, &d1.id, "{}", i64::MAX)
        .await
        .unwrap();
    let t = refresh_token(&db, uid).await;
    let d2 = Device {
        refresh_token_hash: Some(t.token_hash),
        ..device(uid, None)
    };
    db.insert_device(&d2).await.unwrap();
    let other = seeded(&db).await.account.uid;
    // Another account's id deletes nothing.
    assert_eq!(db.delete_device(&other, &d1.id).await.unwrap(), None);
    assert_eq!(
        db.delete_device(&uid, &d1.id).await.unwrap(),
        Some(d1.clone())
    );
    assert_eq!(db.session(&session).await.unwrap(), None);
    for kf in &new.key_fetch {
        assert_eq!(db.key_fetch_token(&kf.core.id_hash).await.unwrap(), None);
    }
    let page = db.device_commands(&uid, &d1.id, 0, 100, 0).await.unwrap();
    assert!(page.messages.is_empty());
    assert_eq!(db.delete_device(&uid, &d1.id).await.unwrap(), None);
    assert_eq!(db.delete_device(&uid, &d2.id).await.unwrap(), Some(d2));
    assert_eq!(db.oauth_token(&t.token_hash).await.unwrap(), None);
    // Inside a transaction that rolls back nothing goes.
    let s = fixtures::session(uid, None);
    db.insert_session(&s).await.unwrap();
    let d3 = device(uid, Some(s.core.id_hash));
    db.insert_device(&d3).await.unwrap();
    let tx = db.begin().await.unwrap();
    assert!(tx.delete_device(&uid, &d3.id).await.unwrap().is_some());
    drop(tx);
    assert!(db.session(&s.core.id_hash).await.unwrap().is_some());
    assert_eq!(db.device(&uid, &d3.id).await.unwrap(), Some(d3));
}

pub async fn prune_keeps_sessions_with_a_device(db: Store) {
    let new = seeded(&db).await;
    let uid = new.account.uid;
    let bare = fixtures::session(uid, None);
    db.insert_session(&bare).await.unwrap();
    db.insert_device(&device(uid, Some(new.session.core.id_hash)))
        .await
        .unwrap();
    let cut = PruneCutoffs {
        session: Some(2_000_000_000_000),
        password_change: 0,
        password_forgot: 0,
        account_reset: 0,
        one_time_code: 0,
        rate_limit: 0,
    };
    db.prune_expired(&cut).await.unwrap();
    assert_eq!(db.session(&bare.core.id_hash).await.unwrap(), None);
    assert!(db
        .session(&new.session.core.id_hash)
        .await
        .unwrap()
        .is_some());
    assert_eq!(db.devices_of(&uid).await.unwrap().len(), 1);
}

pub async fn device_commands_page_expire_and_never_reuse_an_index(db: Store) {
    let uid = seeded(&db).await.account.uid;
    let d = device(uid, None);
    db.insert_device(&d).await.unwrap();
    let other = device(uid, None);
    db.insert_device(&other).await.unwrap();
    assert_eq!(
        db.device_commands(&uid, &d.id, 0, 100, 1000).await.unwrap(),
        CommandPage {
            messages: vec![],
            max_index: 0
        }
    );
    for (i, expires) in [(1, 2000), (2, 1500), (3, 3000)] {
        let data = format!("{{\"n\":{i}}}");
        let index = db.enqueue_device_command(&uid, &d.id, &data, expires);
        assert_eq!(index.await.unwrap(), Some(i));
    }
    // Each device has its own sequence; a missing device gets none.
    assert_eq!(
        db.enqueue_device_command(&uid, &other.id, "{}", 9000)
            .await
            .unwrap(),
        Some(1)
    );
    let nowhere: DeviceId = fixtures::rand();
    let queued = db.enqueue_device_command(&uid, &nowhere, "{}", 9000);
    assert_eq!(queued.await.unwrap(), None);
    let msg = |index: i64| QueuedCommand {
        index,
        data: format!("{{\"n\":{index}}}"),
    };
    // `from_index` is inclusive; `limit` caps; expiry is inclusive of `now`.
    let page = db.device_commands(&uid, &d.id, 0, 100, 1500).await.unwrap();
    assert_eq!(page.messages, vec![msg(1), msg(2), msg(3)]);
    assert_eq!(page.max_index, 3);
    let page = db.device_commands(&uid, &d.id, 2, 1, 1500).await.unwrap();
    assert_eq!(page.messages, vec![msg(2)]);
    let page = db.device_commands(&uid, &d.id, 0, 100, 1501).await.unwrap();
    assert_eq!(page.messages, vec![msg(1), msg(3)]);
    let page = db.device_commands(&uid, &d.id, 0, 0, 1501).await.unwrap();
    assert!(page.messages.is_empty());
    // Pruning drops what expired, and the newest index is never handed out again.
    assert_eq!(db.prune_device_commands(3001).await.unwrap(), 3);
    let page = db.device_commands(&uid, &d.id, 0, 100, 0).await.unwrap();
    assert_eq!(
        page,
        CommandPage {
            messages: vec![],
            max_index: 0
        }
    );
    let index = db.enqueue_device_command(&uid, &d.id, "{}", 9000);
    assert_eq!(index.await.unwrap(), Some(4));
    // Concurrent senders each get their own index.
    let mut got: Vec<i64> = race(8, || {
        let db = db.clone();
        let id = d.id;
        async move {
            db.enqueue_device_command(&uid, &id, "{}", 9000)
                .await
                .unwrap()
                .unwrap()
        }
    })
    .await;
    got.sort();
    assert_eq!(got, (5..=12).collect::<Vec<_>>());
    let page = db.device_commands(&uid, &d.id, 0, 100, 0).await.unwrap();
    assert_eq!(page.messages.len(), 9);
    assert_eq!(page.max_index, 12);
}

pub async fn expire_push_endpoint_only_for_the_current_callback(db: Store) {
    let new = seeded(&db).await;
    let uid = new.account.uid;
    let d = device(uid, Some(new.session.core.id_hash));
    db.insert_device(&d).await.unwrap();
    let callback = d.push_callback.clone().unwrap();
    // Another endpoint (the device registered a new one since), another device
    // or another account: nothing changes.
    assert!(!db
        .expire_push_endpoint(&uid, &d.id, "https://push.example/old")
        .await
        .unwrap());
    assert!(!db
        .expire_push_endpoint(&uid, &fixtures::rand(), &callback)
        .await
        .unwrap());
    let other = seeded(&db).await.account.uid;
    assert!(!db
        .expire_push_endpoint(&other, &d.id, &callback)
        .await
        .unwrap());
    assert!(
        !db.device(&uid, &d.id)
            .await
            .unwrap()
            .unwrap()
            .push_endpoint_expired
    );
    assert!(db
        .expire_push_endpoint(&uid, &d.id, &callback)
        .await
        .unwrap());
    let stored = db.device(&uid, &d.id).await.unwrap().unwrap();
    assert_eq!(
        stored,
        Device {
            push_endpoint_expired: true,
            ..d
        }
    );
}
