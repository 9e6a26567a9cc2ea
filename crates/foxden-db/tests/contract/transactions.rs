//! The transaction handle: composed operations commit together, a dropped
//! transaction leaves nothing, a failed statement blocks the commit, and reads
//! inside a transaction see its own writes. Under concurrency (SQLite's group
//! commit, ADR 0017): every transaction that answered Ok is there, every failed or
//! cancelled one left nothing.

use foxden_db::ops::*;
use foxden_db::*;

use crate::fixtures::{self, is_duplicate, seeded};

pub async fn dropped_transaction_writes_nothing(db: Store) {
    let new = seeded(&db).await;
    let uid = new.account.uid;
    let session = fixtures::session(uid, None);
    let tx = db.begin().await.unwrap();
    tx.insert_session(&session).await.unwrap();
    assert!(tx.delete_session(&new.session.core.id_hash).await.unwrap());
    assert_eq!(
        tx.session(&session.core.id_hash).await.unwrap(),
        Some(session.clone()),
        "a transaction reads its own writes"
    );
    drop(tx);
    assert_eq!(db.sessions_for(&uid).await.unwrap(), vec![new.session]);
}

pub async fn composed_operations_commit_together(db: Store) {
    let new = seeded(&db).await;
    let uid = new.account.uid;
    let session = fixtures::session(uid, None);
    let tx = db.begin().await.unwrap();
    tx.delete_tokens_of(&uid).await.unwrap();
    tx.insert_session(&session).await.unwrap();
    assert!(tx.set_email_verified(&uid).await.unwrap());
    // Outside the transaction nothing shows yet.
    assert_eq!(
        db.sessions_for(&uid).await.unwrap(),
        vec![new.session.clone()]
    );
    tx.commit().await.unwrap();
    assert_eq!(db.sessions_for(&uid).await.unwrap(), vec![session]);
    assert!(db.account(&uid).await.unwrap().unwrap().email_verified);
    assert!(db
        .key_fetch_token(&new.key_fetch[0].core.id_hash)
        .await
        .unwrap()
        .is_none());
}

pub async fn failed_statement_blocks_the_commit(db: Store) {
    let new = seeded(&db).await;
    let uid = new.account.uid;
    let tx = db.begin().await.unwrap();
    assert!(tx.set_email_verified(&uid).await.unwrap());
    // A caller that handles the error and commits anyway gets an error, not half a write.
    assert!(is_duplicate(tx.insert_session(&new.session).await));
    assert!(tx.commit().await.is_err());
    assert!(!db.account(&uid).await.unwrap().unwrap().email_verified);
    // The store is usable afterwards.
    assert!(db.set_email_verified(&uid).await.unwrap());
}

/// 48 transactions at once: every third inserts a duplicate and commits anyway
/// (refused); every fifth is dropped without a commit. The others all commit.
pub async fn concurrent_transactions_commit_each_or_nothing(db: Store) {
    let new = seeded(&db).await;
    let uid = new.account.uid;
    let tasks: Vec<_> = (0..48)
        .map(|i| {
            let db = db.clone();
            let existing = new.session.clone();
            tokio::spawn(async move {
                let session = fixtures::session(uid, None);
                let tx = db.begin().await.unwrap();
                tx.insert_session(&session).await.unwrap();
                tokio::task::yield_now().await;
                if i % 3 == 1 {
                    assert!(is_duplicate(tx.insert_session(&existing).await));
                    assert!(tx.commit().await.is_err());
                    (session, false)
                } else if i % 5 == 2 {
                    drop(tx);
                    (session, false)
                } else {
                    tx.commit().await.unwrap();
                    (session, true)
                }
            })
        })
        .collect();
    let mut committed = 0;
    for task in tasks {
        let (session, kept) = task.await.unwrap();
        let stored = db.session(&session.core.id_hash).await.unwrap();
        assert_eq!(
            stored.is_some(),
            kept,
            "Ok means stored, Err or drop means not"
        );
        committed += usize::from(kept);
    }
    assert_eq!(db.sessions_for(&uid).await.unwrap().len(), committed + 1);
    // The writer is free afterwards.
    let tx = tokio::time::timeout(std::time::Duration::from_secs(2), db.begin())
        .await
        .expect("the writer stayed taken")
        .unwrap();
    tx.commit().await.unwrap();
}

/// Transactions cancelled while they wait for the writer, while they hold it,
/// and while they wait for their commit: what answered Ok is stored, and a new
/// transaction still begins at once.
pub async fn cancelled_transactions_leave_the_writer_free(db: Store) {
    let new = seeded(&db).await;
    let uid = new.account.uid;
    for round in 0..8u64 {
        let tasks: Vec<_> = (0..16u64)
            .map(|i| {
                let db = db.clone();
                tokio::spawn(async move {
                    let session = fixtures::session(uid, None);
                    let work = async {
                        let tx = db.begin().await.unwrap();
                        tx.insert_session(&session).await.unwrap();
                        tokio::task::yield_now().await;
                        tx.commit().await.unwrap();
                    };
                    // A few µs to a few hundred: cancelled at every stage.
                    let limit = std::time::Duration::from_micros((i * 37 + round * 11) % 400);
                    let done = tokio::time::timeout(limit, work).await.is_ok();
                    (session, done)
                })
            })
            .collect();
        for task in tasks {
            let (session, done) = task.await.unwrap();
            if done {
                assert!(db.session(&session.core.id_hash).await.unwrap().is_some());
            }
        }
        let tx = tokio::time::timeout(std::time::Duration::from_secs(2), db.begin())
            .await
            .expect("a cancelled transaction kept the writer")
            .unwrap();
        tx.commit().await.unwrap();
    }
}
