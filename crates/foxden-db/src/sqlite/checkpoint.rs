//! WAL checkpoints off the writer (ADR 0017).
//!
//! SQLite's automatic checkpoint runs inside the `COMMIT` that pushes the WAL
//! past 1,000 pages: that commit copies the pages back into the database file
//! and fsyncs it, while the writer — and so every other write — waits. The
//! writer connection therefore runs with `wal_autocheckpoint = 0` and commits
//! inline (a WAL commit with `synchronous = NORMAL` only appends frames), and
//! this thread, on a connection of its own, runs `PRAGMA wal_checkpoint(PASSIVE)`
//! every [`COMMITS_PER_CHECKPOINT`] commits. A passive checkpoint takes no lock a
//! writer or reader waits for; what it cannot copy yet (a reader still needs
//! older frames) the next one copies.
//!
//! The thread ends when the last handle of the database is dropped (its channel
//! closes), after one last checkpoint.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};

use rusqlite::Connection;

use crate::store::DbResult;

/// Commits between two checkpoints: a few hundred pages of WAL at most for
/// foxden's transactions of one to a few rows.
const COMMITS_PER_CHECKPOINT: u32 = 200;

/// The writer's side: counts commits and wakes the thread.
pub(super) struct Checkpointer {
    commits: AtomicU32,
    wake: SyncSender<()>,
}

impl Checkpointer {
    /// Starts the checkpoint thread on a new connection to `path`.
    pub(super) fn start(path: &Path) -> DbResult<Self> {
        let conn = super::open_connection(path, false)?;
        let (wake, asleep) = mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || run(conn, asleep))
            .map_err(|e| super::io_err("cannot start the checkpoint thread", e))?;
        Ok(Self {
            commits: AtomicU32::new(0),
            wake,
        })
    }

    /// Called after every commit of the writer.
    pub(super) fn committed(&self) {
        let n = self.commits.fetch_add(1, Ordering::Relaxed) + 1;
        if n.is_multiple_of(COMMITS_PER_CHECKPOINT) {
            self.request();
        }
    }

    /// Asks for a checkpoint now (without waiting for it).
    pub(super) fn request(&self) {
        // Full: one is already asked for, and it will see these frames too.
        let _ = self.wake.try_send(());
    }
}

fn run(conn: Connection, asleep: Receiver<()>) {
    while asleep.recv().is_ok() {
        checkpoint(&conn);
    }
    checkpoint(&conn);
}

fn checkpoint(conn: &Connection) {
    let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
    });
    match done {
        Ok((log, copied)) => tracing::trace!(log, copied, "sqlite wal checkpoint"),
        Err(e) => tracing::warn!(error = %e, "sqlite wal checkpoint failed"),
    }
}
