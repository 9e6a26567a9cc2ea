//! The push queue: enqueue (alone or inside a transaction), claim with a lease,
//! sent, retry later, give up, drop an endpoint's messages; two claimers never
//! get the same message.

use std::collections::BTreeSet;

use foxden_db::ops::*;
use foxden_db::*;

use crate::fixtures::rand;

const NOW: Millis = 1_800_000_000_000;
const LEASE: i64 = 60_000;

fn push(uid: Uid, endpoint: &str, payload: Option<&[u8]>) -> NewPush {
    NewPush {
        uid,
        device_id: rand(),
        endpoint: endpoint.into(),
        p256dh: payload.map(|_| "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcx".into()),
        auth: payload.map(|_| "BTBZMqHH6r4Tts7J_aSIgg".into()),
        payload: payload.map(<[u8]>::to_vec),
        ttl_secs: 21_600,
    }
}

pub async fn push_round_trips_and_is_claimed_once_per_lease(db: Store) {
    let uid = rand();
    let data = push(uid, "https://push.example/a", Some(b"sealed"));
    let empty = NewPush {
        ttl_secs: 0,
        ..push(uid, "https://push.example/b", None)
    };
    let a = db.enqueue_push(&data, NOW).await.unwrap();
    let b = db.enqueue_push(&empty, NOW + 1).await.unwrap();
    assert_ne!(a, b);
    assert!(db
        .claim_due_pushes(NOW - 1, LEASE, 10)
        .await
        .unwrap()
        .is_empty());

    let claimed = db.claim_due_pushes(NOW + 5, LEASE, 10).await.unwrap();
    let expect = vec![
        QueuedPush {
            id: a,
            push: data,
            attempts: 0,
            created_at: NOW,
        },
        QueuedPush {
            id: b,
            push: empty,
            attempts: 0,
            created_at: NOW + 1,
        },
    ];
    assert_eq!(claimed, expect);
    assert!(db
        .claim_due_pushes(NOW + 6, LEASE, 10)
        .await
        .unwrap()
        .is_empty());
    let again = db
        .claim_due_pushes(NOW + 5 + LEASE, LEASE, 10)
        .await
        .unwrap();
    assert_eq!(again, expect);
    assert_eq!(db.push_queue_depth().await.unwrap(), 2);
}

pub async fn push_claim_takes_the_oldest_due_first_up_to_the_limit(db: Store) {
    let uid = rand();
    let mut ids = Vec::new();
    for i in 0..5u8 {
        let p = push(uid, "https://push.example/x", Some(&[i]));
        ids.push(db.enqueue_push(&p, NOW + i64::from(i)).await.unwrap());
    }
    let first = db.claim_due_pushes(NOW + 10, LEASE, 2).await.unwrap();
    assert_eq!(first.iter().map(|m| m.id).collect::<Vec<_>>(), ids[..2]);
    let rest = db.claim_due_pushes(NOW + 10, LEASE, 10).await.unwrap();
    assert_eq!(rest.iter().map(|m| m.id).collect::<Vec<_>>(), ids[2..]);
}

pub async fn pushes_sent_retried_and_given_up(db: Store) {
    let uid = rand();
    let p = push(uid, "https://push.example/s", Some(b"1"));
    let sent = db.enqueue_push(&p, NOW).await.unwrap();
    let retried = db.enqueue_push(&p, NOW).await.unwrap();
    let failed = db.enqueue_push(&p, NOW).await.unwrap();
    assert_eq!(db.claim_due_pushes(NOW, LEASE, 10).await.unwrap().len(), 3);

    assert!(db.mark_push_sent(sent).await.unwrap());
    assert!(!db.mark_push_sent(sent).await.unwrap(), "already gone");
    assert!(db.retry_push_later(retried, 1, NOW + 5_000).await.unwrap());
    assert!(db.give_up_push(failed).await.unwrap());
    assert!(!db.retry_push_later(failed, 2, NOW).await.unwrap());

    assert!(db
        .claim_due_pushes(NOW + 4_999, LEASE, 10)
        .await
        .unwrap()
        .is_empty());
    let due = db.claim_due_pushes(NOW + 5_000, LEASE, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!((due[0].id, due[0].attempts), (retried, 1));
    assert_eq!(db.push_queue_depth().await.unwrap(), 1);
}

pub async fn push_enqueued_in_a_transaction_needs_its_commit(db: Store) {
    let uid = rand();
    let tx = db.begin().await.unwrap();
    tx.enqueue_push(&push(uid, "https://push.example/r", None), NOW)
        .await
        .unwrap();
    drop(tx);
    let tx = db.begin().await.unwrap();
    let kept = tx
        .enqueue_push(&push(uid, "https://push.example/c", None), NOW)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let due = db.claim_due_pushes(NOW, LEASE, 10).await.unwrap();
    assert_eq!(due.iter().map(|m| m.id).collect::<Vec<_>>(), [kept]);
}

pub async fn drop_pushes_to_takes_only_that_device_and_endpoint(db: Store) {
    let uid = rand();
    let gone = push(uid, "https://push.example/gone", Some(b"a"));
    let same_device_new_endpoint = NewPush {
        endpoint: "https://push.example/new".into(),
        ..gone.clone()
    };
    let other_device = NewPush {
        device_id: rand(),
        ..gone.clone()
    };
    let other_account = NewPush {
        uid: rand(),
        ..gone.clone()
    };
    db.enqueue_push(&gone, NOW).await.unwrap();
    db.enqueue_push(&gone, NOW).await.unwrap();
    let mut kept = BTreeSet::new();
    for p in [&same_device_new_endpoint, &other_device, &other_account] {
        kept.insert(db.enqueue_push(p, NOW).await.unwrap());
    }
    let dropped = db
        .drop_pushes_to(&gone.uid, &gone.device_id, &gone.endpoint)
        .await
        .unwrap();
    assert_eq!(dropped, 2);
    let left: BTreeSet<_> = db
        .claim_due_pushes(NOW, LEASE, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(left, kept);
}

pub async fn concurrent_push_claimers_never_share_a_message(db: Store) {
    let uid = rand();
    let mut all = BTreeSet::new();
    for i in 0..40u8 {
        let p = push(uid, "https://push.example/c", Some(&[i]));
        all.insert(db.enqueue_push(&p, NOW).await.unwrap());
    }
    let claimers: Vec<_> = (0..2)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                loop {
                    let batch = db.claim_due_pushes(NOW, LEASE, 3).await.unwrap();
                    if batch.is_empty() {
                        return got;
                    }
                    got.extend(batch.into_iter().map(|m| m.id));
                }
            })
        })
        .collect();
    let mut seen = BTreeSet::new();
    for c in claimers {
        for id in c.await.unwrap() {
            assert!(seen.insert(id), "push {id} claimed twice");
        }
    }
    assert_eq!(seen, all);
}
