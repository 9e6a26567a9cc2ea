//! Running a [`Sql`] statement on a pooled tokio-postgres client (prepared once
//! per connection, `prepare_cached`), PostgreSQL transactions, and the driver's
//! error mapping.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use deadpool_postgres::{GenericClient, Object};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;

use super::listener::Listener;
use crate::sql::{Row, RowFn, Sql, Value};
use crate::store::{DbError, DbResult, SessionKey};

/// Maps a driver error; unique violations become [`DbError::Duplicate`]. Server
/// errors keep only severity, message and SQLSTATE: their DETAIL can quote row values.
pub(crate) fn pg_err(e: tokio_postgres::Error) -> DbError {
    if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
        return DbError::Duplicate;
    }
    if let Some(db) = e.as_db_error() {
        return DbError::Backend(format!(
            "postgres: {}: {} ({})",
            db.severity(),
            db.message(),
            db.code().code()
        ));
    }
    match std::error::Error::source(&e) {
        Some(cause) => DbError::Backend(format!("postgres: {e}: {cause}")),
        None => DbError::Backend(format!("postgres: {e}")),
    }
}

fn bind<'a>(params: &'a [Value<'_>]) -> Vec<&'a (dyn ToSql + Sync)> {
    params.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

pub(super) async fn exec<C: GenericClient>(
    c: &C,
    sql: &Sql,
    params: &[Value<'_>],
) -> DbResult<u64> {
    let st = c.prepare_cached(sql.pg()).await.map_err(pg_err)?;
    c.execute(&st, &bind(params)).await.map_err(pg_err)
}

pub(super) async fn query_opt<C: GenericClient>(
    c: &C,
    sql: &Sql,
    params: &[Value<'_>],
) -> DbResult<Option<tokio_postgres::Row>> {
    Ok(query_all(c, sql, params).await?.into_iter().next())
}

pub(super) async fn query_all<C: GenericClient>(
    c: &C,
    sql: &Sql,
    params: &[Value<'_>],
) -> DbResult<Vec<tokio_postgres::Row>> {
    let st = c.prepare_cached(sql.pg()).await.map_err(pg_err)?;
    c.query(&st, &bind(params)).await.map_err(pg_err)
}

/// A transaction on one pooled connection (`BEGIN` … `COMMIT`, READ COMMITTED; the
/// row locks taken by `UPDATE`/`DELETE … RETURNING` make single-use consumption
/// exact). Dropped without a commit, it rolls back in a spawned task before the
/// connection goes back to the pool.
pub(crate) struct PgTx {
    client: Option<Object>,
    failed: AtomicBool,
    listener: Arc<Listener>,
    changed: Mutex<Vec<SessionKey>>,
}

impl PgTx {
    /// The handle exists before `BEGIN` is sent: a caller that stops waiting drops
    /// it, which rolls back, so the connection never goes back with a transaction open.
    pub(super) async fn begin(client: Object, listener: Arc<Listener>) -> DbResult<Self> {
        let tx = Self {
            client: Some(client),
            failed: AtomicBool::new(false),
            listener,
            changed: Mutex::default(),
        };
        tx.client()?.batch_execute("BEGIN").await.map_err(pg_err)?;
        Ok(tx)
    }

    fn client(&self) -> DbResult<&Object> {
        self.client
            .as_ref()
            .ok_or_else(|| DbError::Backend("postgres transaction already ended".into()))
    }

    fn note<T>(&self, out: DbResult<T>) -> DbResult<T> {
        if out.is_err() {
            self.failed.store(true, Ordering::Release);
        }
        out
    }

    pub(crate) async fn exec(&self, sql: &Sql, params: &[Value<'_>]) -> DbResult<u64> {
        self.note(exec(self.client()?, sql, params).await)
    }

    pub(crate) async fn query_opt<T>(
        &self,
        sql: &Sql,
        params: &[Value<'_>],
        map: RowFn<T>,
    ) -> DbResult<Option<T>> {
        let row = self.note(query_opt(self.client()?, sql, params).await)?;
        self.note(row.as_ref().map(|r| map(&Row::Postgres(r))).transpose())
    }

    pub(crate) async fn query_all<T>(
        &self,
        sql: &Sql,
        params: &[Value<'_>],
        map: RowFn<T>,
    ) -> DbResult<Vec<T>> {
        let rows = self.note(query_all(self.client()?, sql, params).await)?;
        self.note(rows.iter().map(|r| map(&Row::Postgres(r))).collect())
    }

    /// Records that this transaction changes or deletes these sessions: the commit
    /// notifies every node (`pg_notify`, inside the transaction) and drops them here.
    pub(crate) fn sessions_changed(&self, key: SessionKey) {
        self.changed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(key);
    }

    /// Commits. When sessions changed: notifies inside the transaction (every node's
    /// next read applies it, see the listener's read barrier) and drops them from
    /// our cache.
    pub(crate) async fn commit(mut self) -> DbResult<()> {
        if self.failed.load(Ordering::Acquire) {
            return Err(DbError::Backend(
                "transaction not committed: one of its statements failed".into(),
            ));
        }
        let changed = std::mem::take(&mut *self.changed.lock().unwrap_or_else(|p| p.into_inner()));
        if !changed.is_empty() {
            let payload = self.listener.payload_for(&changed);
            let notify = super::listener::notify_sql();
            let sent = exec(self.client()?, notify, &[Value::Text(&payload)]).await;
            self.note(sent)?;
        }
        // The client stays in `self` until COMMIT is answered: a caller that stops
        // waiting drops `self`, whose rollback is harmless after a COMMIT went through.
        let done = self.client()?.batch_execute("COMMIT").await;
        let client = self.client.take().expect("present until commit or drop");
        // Committed, or unknown (it may have committed): nothing cached may outlive it.
        self.listener.cache.invalidate(&changed);
        match done {
            Ok(()) => Ok(()),
            Err(e) => {
                // Unknown state: do not hand this connection to anyone else.
                drop(Object::take(client));
                Err(pg_err(e))
            }
        }
    }
}

impl Drop for PgTx {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move {
                    if client.batch_execute("ROLLBACK").await.is_err() {
                        drop(Object::take(client));
                    }
                });
            }
            Err(_) => drop(Object::take(client)),
        }
    }
}
