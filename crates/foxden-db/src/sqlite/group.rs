//! Group commit (ADR 0017): transactions that queue for the writer share one
//! SQLite transaction.
//!
//! The first [`SqliteTx`](super::SqliteTx) to take the writer opens it
//! (`BEGIN IMMEDIATE`); every transaction, the first included, is a savepoint in
//! it. A transaction that finishes releases its savepoint (or rolls it back) and
//! then, if another one is waiting for the writer and the group is not full,
//! hands the writer on; otherwise it commits the group. Every member waits for
//! that one `COMMIT` before it answers, so nothing is acknowledged before it is
//! durable, and a failed commit fails every member (none of them has answered).
//!
//! The members run one after another on the one writer, exactly as separate
//! transactions would; they save what each transaction paid on its own: taking
//! and releasing SQLite's write lock, appending the pages it changed to the WAL
//! (a page that several members change is written once), and the checks after a
//! commit.
//!
//! A waiter that is cancelled before it gets the writer may leave a group with
//! nobody to commit it; [`Waiting`]'s drop and the member that handed the writer
//! on both look for that and commit it.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::sync::{watch, OwnedMutexGuard};

use super::{rollback, sql_err, SqliteDb, Writer};
use crate::store::{DbError, DbResult, SessionKey};

/// Most members of one group: bounds how long the first waits for the commit.
const MAX_MEMBERS: usize = 32;

/// The shared transaction's outcome, once its commit ran (`Err`: why not).
type Outcome = Option<Result<(), String>>;

/// An open group transaction on the writer.
pub(crate) struct Group {
    members: usize,
    changed: Vec<SessionKey>,
    outcome: watch::Sender<Outcome>,
}

impl Group {
    pub(super) fn new() -> Self {
        Self {
            members: 0,
            changed: Vec::new(),
            outcome: watch::channel(None).0,
        }
    }
}

/// Waits for the writer in `begin`, counted in `write_waiters` meanwhile.
/// Dropped before it has it (the task was cancelled), it first drops its claim
/// on the mutex, then commits a group the writer was handed on to it for.
pub(super) struct Waiting<'a> {
    db: &'a SqliteDb,
    lock: Option<Pin<Box<dyn Future<Output = OwnedMutexGuard<Writer>> + Send>>>,
}

impl<'a> Waiting<'a> {
    pub(super) fn new(db: &'a SqliteDb) -> Self {
        db.write_waiters.fetch_add(1, Ordering::AcqRel);
        Self {
            db,
            lock: Some(Box::pin(db.writer.clone().lock_owned())),
        }
    }
}

impl Future for Waiting<'_> {
    type Output = OwnedMutexGuard<Writer>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(lock) = self.lock.as_mut() else {
            panic!("Waiting polled after it was ready");
        };
        let writer = std::task::ready!(lock.as_mut().poll(cx));
        self.lock = None;
        self.db.write_waiters.fetch_sub(1, Ordering::AcqRel);
        Poll::Ready(writer)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if let Some(lock) = self.lock.take() {
            // Gives back the mutex if it was handed to us meanwhile.
            drop(lock);
            self.db.write_waiters.fetch_sub(1, Ordering::AcqRel);
            self.db.commit_orphan();
        }
    }
}

/// What a finished member waits on.
pub(super) struct Pending(watch::Receiver<Outcome>);

impl Pending {
    pub(super) async fn outcome(mut self) -> DbResult<()> {
        loop {
            if let Some(outcome) = self.0.borrow_and_update().clone() {
                return outcome.map_err(DbError::Backend);
            }
            if self.0.changed().await.is_err() {
                // The group went without an outcome (cannot happen: every path that
                // ends a group sends one); never report such a write as done.
                let sent = self.0.borrow().clone();
                return sent
                    .unwrap_or_else(|| Err("sqlite group transaction ended unseen".into()))
                    .map_err(DbError::Backend);
            }
        }
    }
}

impl SqliteDb {
    /// Makes the writer part of a group: opens one if none is open (the caller
    /// has run `BEGIN IMMEDIATE`, see [`SqliteDb::begin`]), then a savepoint for
    /// the new member.
    pub(super) fn join_group(&self, writer: &mut Writer) -> DbResult<()> {
        if writer.group.is_none() {
            writer.group = Some(Group::new());
        }
        writer
            .conn
            .execute_batch("SAVEPOINT member")
            .map_err(sql_err)
            .inspect_err(|_| self.group_lost(writer, "could not open a savepoint"))
    }

    /// Ends a member that succeeded: releases its savepoint into the group and
    /// notes what it changed. What to wait on for the group's commit; the
    /// writer is handed on or the group committed ([`Self::hand_on`]).
    pub(super) fn finish_member(
        &self,
        writer: &mut Writer,
        changed: Vec<SessionKey>,
    ) -> DbResult<Pending> {
        if let Err(e) = writer.conn.execute_batch("RELEASE member") {
            self.abandon_member(writer);
            return Err(sql_err(e));
        }
        let Some(group) = writer.group.as_mut() else {
            return Err(DbError::Backend("sqlite group transaction missing".into()));
        };
        group.members += 1;
        group.changed.extend(changed);
        Ok(Pending(group.outcome.subscribe()))
    }

    /// What to wait on for the open group's commit, if one is open.
    pub(super) fn pending_group(&self, writer: &Writer) -> Option<Pending> {
        writer
            .group
            .as_ref()
            .map(|group| Pending(group.outcome.subscribe()))
    }

    /// Ends a member that failed or was dropped: its savepoint's changes undone.
    pub(super) fn abandon_member(&self, writer: &mut Writer) {
        let undone = writer
            .conn
            .execute_batch("ROLLBACK TO member; RELEASE member");
        if undone.is_err() || writer.conn.is_autocommit() {
            self.group_lost(writer, "sqlite rolled the group transaction back");
        }
    }

    /// Before the writer goes back: commits the group unless another task waits
    /// to join it (and there is room), in which case the writer passes to it.
    pub(super) fn hand_on(&self, writer: &mut Writer) -> bool {
        let Some(group) = &writer.group else {
            return false;
        };
        if self.write_waiters.load(Ordering::Acquire) > 0 && group.members < MAX_MEMBERS {
            return true;
        }
        self.commit_group(writer);
        false
    }

    /// After handing the writer on: if the waiter it went to was cancelled in
    /// between (so nobody waits any more), commits the group it left.
    pub(super) fn commit_orphan(&self) {
        if self.write_waiters.load(Ordering::Acquire) > 0 {
            return;
        }
        if let Ok(mut writer) = self.writer.try_lock() {
            if writer.group.is_some() {
                self.commit_group(&mut writer);
            }
        }
    }

    /// Commits the open group (or rolls back one without members) and tells its
    /// members; then the session cache drops what they changed.
    pub(super) fn commit_group(&self, writer: &mut Writer) {
        let Some(group) = writer.group.take() else {
            return;
        };
        if group.members == 0 {
            rollback(&writer.conn);
            let _ = group.outcome.send(Some(Ok(())));
            return;
        }
        let outcome = match writer.conn.execute_batch("COMMIT") {
            Ok(()) => {
                self.after_commit(writer, &group.changed);
                Ok(())
            }
            Err(e) => {
                rollback(&writer.conn);
                // What may have been written before the failure is gone or never
                // was; other processes may have seen nothing either way.
                self.after_commit(writer, &[SessionKey::All]);
                Err(format!("sqlite: {e}"))
            }
        };
        let _ = group.outcome.send(Some(outcome));
        self.checkpoints.catch_up(&writer.conn);
    }

    /// The group's transaction is gone (SQLite rolled it back): every member so
    /// far fails.
    fn group_lost(&self, writer: &mut Writer, why: &str) {
        if let Some(group) = writer.group.take() {
            rollback(&writer.conn);
            let _ = group.outcome.send(Some(Err(why.into())));
        }
    }
}

/// Tasks in `begin` waiting for the writer (see [`Waiting`]).
pub(super) fn waiters() -> Arc<AtomicUsize> {
    Arc::new(AtomicUsize::new(0))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Polls `f` once; whether it is still pending.
    async fn poll_once<F: Future>(mut f: Pin<&mut F>) -> bool {
        std::future::poll_fn(|cx| Poll::Ready(f.as_mut().poll(cx).is_pending())).await
    }

    /// The writer is handed on to a waiter that is cancelled before it runs: the
    /// member that handed it on still gets its commit, and the write lock is free.
    #[tokio::test(flavor = "current_thread")]
    async fn a_waiter_cancelled_after_the_hand_on_commits_the_group() {
        let dir = tempfile::tempdir().unwrap();
        let db = SqliteDb::open(dir.path().join("foxden.db")).await.unwrap();
        let first = db.begin().await.unwrap();
        first
            .run(|c| {
                c.execute_batch("CREATE TABLE t (x INTEGER)")
                    .map_err(sql_err)
            })
            .unwrap();
        // Polled once, the second transaction waits for the writer.
        let mut waiter = Box::pin(db.begin());
        assert!(poll_once(waiter.as_mut()).await);
        assert_eq!(db.write_waiters.load(Ordering::Acquire), 1);
        // The commit hands the writer on to the waiter and waits for the group's
        // commit; the waiter is dropped before it ever runs again.
        let mut committing = Box::pin(first.commit());
        assert!(poll_once(committing.as_mut()).await);
        drop(waiter);
        tokio::time::timeout(Duration::from_secs(2), committing)
            .await
            .expect("the group was left without anyone to commit it")
            .unwrap();
        assert_eq!(db.write_waiters.load(Ordering::Acquire), 0);
        let other = super::super::open_connection(db.path(), false).unwrap();
        other
            .execute_batch("BEGIN IMMEDIATE; INSERT INTO t VALUES (1); COMMIT")
            .expect("the write lock is free");
    }
}
