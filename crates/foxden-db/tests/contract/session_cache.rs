//! The SQLite session cache against writes it does not see: another `SqliteDb`
//! on the same file stands for another process (`foxden account verify`,
//! `foxden prune`) writing while the server runs.

use foxden_db::ops::*;
use foxden_db::*;

use crate::fixtures::{self, seeded};
use crate::flows::*;

/// Another process's commit is seen by every read that starts 1 ms after it
/// (one `PRAGMA data_version` probe vouches for the cache that long; ADR 0011).
async fn past_the_probe_window() {
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
}

async fn two_handles() -> (tempfile::TempDir, Store, Store) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("foxden.db");
    let server: Store = SqliteDb::open(&file).await.unwrap().into();
    server.migrate().await.unwrap();
    let other: Store = SqliteDb::open(&file).await.unwrap().into();
    (dir, server, other)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_process_write_is_seen_by_the_next_cached_read() {
    let (_dir, server, other) = two_handles().await;
    let new = seeded(&server).await;
    let id = new.session.core.id_hash;
    // Cached by these reads.
    assert_eq!(
        server.session(&id).await.unwrap(),
        Some(new.session.clone())
    );
    assert_eq!(
        server.session(&id).await.unwrap(),
        Some(new.session.clone())
    );

    other.touch_session(&id, 1_800_000_000_000).await.unwrap();
    past_the_probe_window().await;
    let read = server.session(&id).await.unwrap().unwrap();
    assert_eq!(read.last_access_time, 1_800_000_000_000);

    // A code check from the other process confirms the session.
    let code = new.account.email_code;
    let outcome = other
        .verify_email_code(&new.account.uid, &code, VerificationMethod::Email, 7)
        .await
        .unwrap();
    assert!(outcome.session_verified);
    past_the_probe_window().await;
    let read = server.session(&id).await.unwrap().unwrap();
    assert_eq!((read.unverified, read.verified_at), (None, Some(7)));

    // Pruning from the other process deletes it.
    let cutoffs = PruneCutoffs {
        session: Some(i64::MAX),
        password_change: 0,
        password_forgot: 0,
        account_reset: 0,
        one_time_code: 0,
        rate_limit: 0,
    };
    assert!(other.prune_expired(&cutoffs).await.unwrap() >= 1);
    past_the_probe_window().await;
    assert_eq!(server.session(&id).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_process_write_is_seen_after_our_own_commit() {
    // The other process commits, then we commit something unrelated before the
    // next session read: our commit must not hide theirs.
    let (_dir, server, other) = two_handles().await;
    let new = seeded(&server).await;
    let id = new.session.core.id_hash;
    assert!(server.session(&id).await.unwrap().is_some());
    assert!(other.delete_session(&id).await.unwrap());
    let bystander = fixtures::session(new.account.uid, None);
    server.create_session(&bystander, &[]).await.unwrap();
    assert_eq!(server.session(&id).await.unwrap(), None);
    assert_eq!(
        server.session(&bystander.core.id_hash).await.unwrap(),
        Some(bystander)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_drops_only_what_it_changed() {
    let (_dir, server, _other) = two_handles().await;
    let new = seeded(&server).await;
    let uid = new.account.uid;
    let a = new.session.clone();
    let b = fixtures::session(uid, None);
    server.create_session(&b, &[]).await.unwrap();
    for s in [&a, &b] {
        assert_eq!(
            server.session(&s.core.id_hash).await.unwrap().as_ref(),
            Some(s)
        );
    }
    server.touch_session(&a.core.id_hash, 9).await.unwrap();
    assert_eq!(
        server
            .session(&a.core.id_hash)
            .await
            .unwrap()
            .unwrap()
            .last_access_time,
        9
    );
    assert_eq!(
        server.session(&b.core.id_hash).await.unwrap(),
        Some(b.clone())
    );
    // Account-wide: every session of the account goes.
    server.delete_account(&uid).await.unwrap();
    assert_eq!(server.session(&b.core.id_hash).await.unwrap(), None);
}

/// A transaction opens inline when SQLite's write lock is free, and waits (on
/// the blocking pool) while another process holds it, then proceeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_waits_for_another_process_write_lock() {
    let (_dir, server, other) = two_handles().await;
    let held = other.begin().await.unwrap();
    let waiting = tokio::spawn({
        let server = server.clone();
        async move {
            let tx = server.begin().await?;
            tx.commit().await
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    assert!(
        !waiting.is_finished(),
        "began while another process held the write lock"
    );
    held.commit().await.unwrap();
    let done = tokio::time::timeout(std::time::Duration::from_secs(5), waiting)
        .await
        .expect("the waiting transaction never began");
    done.unwrap().unwrap();
    // Free again: the next one begins inline.
    server.begin().await.unwrap().commit().await.unwrap();
}

/// After transactions cancelled at every stage, no group transaction is left
/// open holding SQLite's write lock: another process takes it at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_transactions_leave_the_write_lock_to_other_processes() {
    let (_dir, server, other) = two_handles().await;
    let new = seeded(&server).await;
    let uid = new.account.uid;
    for round in 0..8u64 {
        let tasks: Vec<_> = (0..16u64)
            .map(|i| {
                let server = server.clone();
                tokio::spawn(async move {
                    let work = async {
                        let tx = server.begin().await.unwrap();
                        tx.insert_session(&crate::fixtures::session(uid, None))
                            .await
                            .unwrap();
                        tokio::task::yield_now().await;
                        tx.commit().await.unwrap();
                    };
                    let limit = std::time::Duration::from_micros((i * 29 + round * 13) % 300);
                    let _ = tokio::time::timeout(limit, work).await;
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let tx = tokio::time::timeout(std::time::Duration::from_secs(2), other.begin())
            .await
            .expect("the server kept SQLite's write lock")
            .unwrap();
        tx.commit().await.unwrap();
    }
}
