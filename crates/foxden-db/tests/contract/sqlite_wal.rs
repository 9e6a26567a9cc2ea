//! SQLite's WAL stays bounded while the server writes: the writer never
//! checkpoints (`wal_autocheckpoint = 0`, ADR 0017), so the checkpoint thread
//! must copy the WAL back often enough for it to restart from its beginning, and
//! under writes that never pause the writer must help (`checkpoint.rs`).

use foxden_db::ops::*;
use foxden_db::*;

use crate::fixtures::{self, seeded};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_checkpoint_thread_keeps_the_wal_bounded() {
    const COMMITS: u64 = 12_000;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("foxden.db");
    let db: Store = SqliteDb::open(&file).await.unwrap().into();
    db.migrate().await.unwrap();
    let uid = seeded(&db).await.account.uid;
    let wal = dir.path().join("foxden.db-wal");
    let page_size: u64 = rusqlite::Connection::open(&file)
        .unwrap()
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap();
    let mut peak = 0;
    for _ in 0..COMMITS {
        let tx = db.begin().await.unwrap();
        tx.insert_session(&fixtures::session(uid, None))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        peak = peak.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
    }
    // Every commit appends at least one frame (a page and its 24-byte header), so
    // a WAL that never restarted would hold at least COMMITS frames.
    let unbounded = COMMITS * (page_size + 24);
    eprintln!("peak WAL: {peak} bytes after {COMMITS} commits");
    assert!(
        peak < unbounded / 2,
        "the WAL grew to {peak} bytes; {COMMITS} commits without a checkpoint make {unbounded}"
    );
}
