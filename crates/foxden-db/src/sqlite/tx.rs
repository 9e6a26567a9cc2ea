//! A SQLite transaction: the writer connection, held from `BEGIN IMMEDIATE`
//! until `COMMIT` or rollback (see the module docs of [`super`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use rusqlite::Connection;
use tokio::sync::OwnedMutexGuard;

use super::{join_err, sql_err, SqliteDb, Writer};
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

    /// Commits on the blocking pool; the session cache is updated in the same
    /// blocking task, so a caller that stops waiting cannot skip it.
    pub(crate) async fn commit(self) -> DbResult<()> {
        let Some(mut writer) = self.take() else {
            return Err(DbError::Backend("sqlite transaction already ended".into()));
        };
        let failed = self.failed.load(Ordering::Acquire);
        let changed = std::mem::take(&mut *self.changed.lock().unwrap_or_else(|p| p.into_inner()));
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            if failed {
                rollback(&writer.conn);
                return Err(DbError::Backend(
                    "transaction not committed: one of its statements failed".into(),
                ));
            }
            match writer.conn.execute_batch("COMMIT").map_err(sql_err) {
                Ok(()) => {
                    db.after_commit(&mut writer, &changed);
                    Ok(())
                }
                Err(e) => {
                    rollback(&writer.conn);
                    Err(e)
                }
            }
        })
        .await
        .map_err(join_err)?
    }

    fn take(&self) -> Option<OwnedMutexGuard<Writer>> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

fn rollback(conn: &Connection) {
    if !conn.is_autocommit() {
        if let Err(e) = conn.execute_batch("ROLLBACK") {
            tracing::warn!(error = %e, "sqlite rollback failed");
        }
    }
}

impl Drop for SqliteTx {
    fn drop(&mut self) {
        if let Some(writer) = self.take() {
            rollback(&writer.conn);
        }
    }
}
