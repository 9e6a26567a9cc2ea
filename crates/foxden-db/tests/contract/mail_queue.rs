//! The mail queue: enqueue (alone or inside a transaction), claim with a lease,
//! sent, retry later, give up; two claimers never get the same message.

use std::collections::BTreeSet;

use foxden_db::ops::*;
use foxden_db::*;

const NOW: Millis = 1_800_000_000_000;
const LEASE: i64 = 60_000;

pub async fn mail_is_claimed_once_per_lease(db: Store) {
    let a = db.enqueue_mail("verify", b"sealed-a", NOW).await.unwrap();
    let b = db
        .enqueue_mail("recovery", b"sealed-b", NOW + 1)
        .await
        .unwrap();
    assert_ne!(a, b);
    // Not due yet for a claimer looking before it was queued.
    assert!(db
        .claim_due_mail(NOW - 1, LEASE, 10)
        .await
        .unwrap()
        .is_empty());

    let claimed = db.claim_due_mail(NOW + 5, LEASE, 10).await.unwrap();
    let expect = vec![
        QueuedMail {
            id: a,
            template: "verify".into(),
            payload: b"sealed-a".to_vec(),
            attempts: 0,
            created_at: NOW,
        },
        QueuedMail {
            id: b,
            template: "recovery".into(),
            payload: b"sealed-b".to_vec(),
            attempts: 0,
            created_at: NOW + 1,
        },
    ];
    assert_eq!(claimed, expect);
    // Leased: nobody gets them again until the lease ends.
    assert!(db
        .claim_due_mail(NOW + 6, LEASE, 10)
        .await
        .unwrap()
        .is_empty());
    let again = db.claim_due_mail(NOW + 5 + LEASE, LEASE, 10).await.unwrap();
    assert_eq!(again, expect);
}

pub async fn claim_takes_the_oldest_due_first_up_to_the_limit(db: Store) {
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            db.enqueue_mail("t", &[i], NOW + i64::from(i))
                .await
                .unwrap(),
        );
    }
    let first = db.claim_due_mail(NOW + 10, LEASE, 2).await.unwrap();
    assert_eq!(first.iter().map(|m| m.id).collect::<Vec<_>>(), ids[..2]);
    let rest = db.claim_due_mail(NOW + 10, LEASE, 10).await.unwrap();
    assert_eq!(rest.iter().map(|m| m.id).collect::<Vec<_>>(), ids[2..]);
}

pub async fn sent_retried_and_given_up_mail(db: Store) {
    let sent = db.enqueue_mail("a", b"1", NOW).await.unwrap();
    let retried = db.enqueue_mail("b", b"2", NOW).await.unwrap();
    let failed = db.enqueue_mail("c", b"3", NOW).await.unwrap();
    assert_eq!(db.claim_due_mail(NOW, LEASE, 10).await.unwrap().len(), 3);

    assert!(db.mark_mail_sent(sent).await.unwrap());
    assert!(!db.mark_mail_sent(sent).await.unwrap(), "already gone");
    assert!(db.retry_mail_later(retried, 1, NOW + 5_000).await.unwrap());
    assert!(db.give_up_mail(failed).await.unwrap());
    assert!(!db.retry_mail_later(failed, 2, NOW).await.unwrap());

    assert!(db
        .claim_due_mail(NOW + 4_999, LEASE, 10)
        .await
        .unwrap()
        .is_empty());
    let due = db.claim_due_mail(NOW + 5_000, LEASE, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!((due[0].id, due[0].attempts), (retried, 1));
}

pub async fn mail_enqueued_in_a_transaction_needs_its_commit(db: Store) {
    let tx = db.begin().await.unwrap();
    tx.enqueue_mail("rolled-back", b"x", NOW).await.unwrap();
    drop(tx);
    let tx = db.begin().await.unwrap();
    let kept = tx.enqueue_mail("committed", b"y", NOW).await.unwrap();
    tx.commit().await.unwrap();
    let due = db.claim_due_mail(NOW, LEASE, 10).await.unwrap();
    assert_eq!(due.iter().map(|m| m.id).collect::<Vec<_>>(), [kept]);
}

pub async fn concurrent_claimers_never_share_a_message(db: Store) {
    let mut all = BTreeSet::new();
    for i in 0..40u8 {
        all.insert(db.enqueue_mail("t", &[i], NOW).await.unwrap());
    }
    let claimers: Vec<_> = (0..2)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                loop {
                    let batch = db.claim_due_mail(NOW, LEASE, 3).await.unwrap();
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
            assert!(seen.insert(id), "message {id} claimed twice");
        }
    }
    assert_eq!(seen, all);
}

pub async fn depth_counts_queued_and_untried_mail(db: Store) {
    let none = QueueDepth {
        queued: 0,
        untried: 0,
    };
    assert_eq!(db.mail_queue_depth().await.unwrap(), none);
    let a = db.enqueue_mail("verify", b"a", NOW).await.unwrap();
    db.enqueue_mail("verify", b"b", NOW).await.unwrap();
    let both_untried = QueueDepth {
        queued: 2,
        untried: 2,
    };
    assert_eq!(db.mail_queue_depth().await.unwrap(), both_untried);
    // A claimed message is still untried until its attempt is recorded.
    assert_eq!(db.claim_due_mail(NOW, LEASE, 1).await.unwrap().len(), 1);
    assert_eq!(db.mail_queue_depth().await.unwrap(), both_untried);
    assert!(db.retry_mail_later(a, 1, NOW + LEASE).await.unwrap());
    let one_retrying = QueueDepth {
        queued: 2,
        untried: 1,
    };
    assert_eq!(db.mail_queue_depth().await.unwrap(), one_retrying);
}
