//! A SQLite transaction: the writer connection, held from its start until it
//! ends, as a member of a group transaction (see [`super::group`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use rusqlite::Connection;
use tokio::sync::OwnedMutexGuard;

use super::{SqliteDb, Writer};
use crate::store::{DbError, DbResult, SessionKey};

pub(crate) struct SqliteTx {
    /// `None` once committed. The std mutex only makes the handle `Sync`
    /// (statements run inline, never across an await).
    writer: Mutex<Option<OwnedMutexGuard<Writer>>>,
    db: SqliteDb,
    changed: Mutex<Vec<SessionKey>>,
    failed: AtomicBool,
}

impl SqliteTx {
    pub(super) fn new(writer: OwnedMutexGuard<Writer>, db: SqliteDb) -> Self {
        Self {
            writer: Mutex::new(Some(writer)),
            db,
            changed: Mutex::new(Vec::new()),
            failed: AtomicBool::new(false),
        }
    }

    /// Runs statements on the transaction's connection.
    pub(crate) fn run<T>(&self, f: impl FnOnce(&Connection) -> DbResult<T>) -> DbResult<T> {
        let writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let writer = writer
            .as_ref()
            .ok_or_else(|| DbError::Backend("sqlite transaction already ended".into()))?;
        let out = f(&writer.conn);
        if out.is_err() {
            self.failed.store(true, Ordering::Release);
        }
        out
    }

    pub(crate) fn sessions_changed(&self, key: SessionKey) {
        self.changed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(key);
    }

    /// Ends the member: its savepoint released into the group, or rolled back
    /// after a failed statement. Then waits for the group's `COMMIT` (inline: a
    /// WAL append, the checkpoint thread does the copying, ADR 0017), which the
    /// session cache's update follows before anyone hears of it.
    pub(crate) async fn commit(self) -> DbResult<()> {
        let Some(mut writer) = self.take() else {
            return Err(DbError::Backend("sqlite transaction already ended".into()));
        };
        if self.failed.load(Ordering::Acquire) {
            self.db.abandon_member(&mut writer);
            self.give_back(writer);
            return Err(DbError::Backend(
                "transaction not committed: one of its statements failed".into(),
            ));
        }
        let changed = std::mem::take(&mut *self.changed.lock().unwrap_or_else(|p| p.into_inner()));
        let pending = self.db.finish_member(&mut writer, changed);
        self.give_back(writer);
        pending?.outcome().await
    }

    /// Rolls the member back, then waits until the group it was in has
    /// committed (see [`crate::Tx::rollback`]).
    pub(crate) async fn rollback(self) {
        let Some(mut writer) = self.take() else {
            return;
        };
        self.db.abandon_member(&mut writer);
        let group_done = self.db.pending_group(&writer);
        self.give_back(writer);
        if let Some(done) = group_done {
            // Its outcome is the other members'; this one wrote nothing.
            let _ = done.outcome().await;
        }
    }

    /// Hands the writer on to a waiting transaction, or commits the group.
    fn give_back(&self, mut writer: OwnedMutexGuard<Writer>) {
        let handed_on = self.db.hand_on(&mut writer);
        drop(writer);
        if handed_on {
            self.db.commit_orphan();
        }
    }

    fn take(&self) -> Option<OwnedMutexGuard<Writer>> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

impl Drop for SqliteTx {
    fn drop(&mut self) {
        if let Some(mut writer) = self.take() {
            self.db.abandon_member(&mut writer);
            self.give_back(writer);
        }
    }
}
