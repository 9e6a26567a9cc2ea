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
//! A WAL only restarts from its beginning when a write begins after a checkpoint
//! copied all of it, and under a steady stream of writes the thread's checkpoint
//! never catches the last frame: the WAL would grow for as long as the writes
//! go on. So when the thread finds more than [`RESTART_FRAMES`] left in the WAL
//! after its checkpoint, the writer runs the next checkpoint itself, between two
//! of its transactions ([`Checkpointer::catch_up`]), where no frame can be
//! added: it copies everything readers no longer need, and the next write
//! restarts the WAL.
//!
//! The thread ends when the last handle of the database is dropped (its channel
//! closes), after one last checkpoint.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::Arc;

use rusqlite::Connection;

use crate::store::DbResult;

/// Commits between two checkpoints: a few hundred pages of WAL at most for
/// foxden's transactions of one to a few rows.
const COMMITS_PER_CHECKPOINT: u32 = 200;

/// Frames a WAL may hold after the thread's checkpoint before the writer
/// checkpoints itself: SQLite's own autocheckpoint threshold (about 4 MB).
const RESTART_FRAMES: i64 = 1_000;

/// The writer's side: counts commits and wakes the thread.
pub(super) struct Checkpointer {
    commits: AtomicU32,
    wake: SyncSender<()>,
    /// Set by the thread when its checkpoint left more than [`RESTART_FRAMES`].
    overgrown: Arc<AtomicBool>,
}

impl Checkpointer {
    /// Starts the checkpoint thread on a new connection to `path`.
    pub(super) fn start(path: &Path) -> DbResult<Self> {
        let conn = super::open_connection(path, false)?;
        let (wake, asleep) = mpsc::sync_channel(1);
        let overgrown = Arc::new(AtomicBool::new(false));
        let flag = overgrown.clone();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || run(conn, asleep, &flag))
            .map_err(|e| super::io_err("cannot start the checkpoint thread", e))?;
        Ok(Self {
            commits: AtomicU32::new(0),
            wake,
            overgrown,
        })
    }

    /// Called by the writer between transactions (none open on `writer`), after
    /// its members have their answer: checkpoints there if the thread could not
    /// bring the WAL under [`RESTART_FRAMES`].
    pub(super) fn catch_up(&self, writer: &Connection) {
        if self.overgrown.swap(false, Ordering::AcqRel) {
            checkpoint(writer);
        }
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

fn run(conn: Connection, asleep: Receiver<()>, overgrown: &AtomicBool) {
    while asleep.recv().is_ok() {
        if checkpoint(&conn).is_some_and(|log| log > RESTART_FRAMES) {
            overgrown.store(true, Ordering::Release);
        }
    }
    checkpoint(&conn);
}

/// A passive checkpoint; the frames in the WAL (None if it could not run).
fn checkpoint(conn: &Connection) -> Option<i64> {
    let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
        ))
    });
    match done {
        Ok((busy, log, copied)) => {
            tracing::trace!(busy, log, copied, "sqlite wal checkpoint");
            (busy == 0).then_some(log)
        }
        Err(e) => {
            tracing::warn!(error = %e, "sqlite wal checkpoint failed");
            None
        }
    }
}
