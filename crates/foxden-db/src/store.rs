//! The storage handle ([`Store`]), its transactions ([`Tx`]) and the statement
//! interface both implement ([`Conn`]). The operations themselves live in the
//! per-aggregate traits of [`crate::ops`], written once over [`Conn`], so every
//! operation works on the store (one call, atomic on its own) and inside a
//! transaction (composed with others, atomic together):
//!
//! ```ignore
//! let tx = store.begin().await?;
//! tx.delete_tokens_of(&uid).await?;
//! tx.insert_session(&session).await?;
//! tx.commit().await?; // dropping `tx` instead rolls everything back
//! ```

use async_trait::async_trait;

use crate::model::{TokenIdHash, Uid};
use crate::postgres::{PgTx, PostgresDb};
use crate::sql::{RowFn, Sql, Value};
use crate::sqlite::{Run, SqliteDb, SqliteTx};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A unique key is taken (e.g. an account with this normalized email exists).
    #[error("duplicate record")]
    Duplicate,
    /// The backend failed (connection, I/O, corrupt data). The message never holds secrets.
    #[error("storage backend failure: {0}")]
    Backend(String),
}

pub type DbResult<T> = Result<T, DbError>;

/// Runs statements: implemented by [`Store`] and [`Tx`]. Operations are written
/// against this trait (see [`crate::ops`]).
#[async_trait]
pub trait Conn: Send + Sync {
    /// Runs a statement; returns the number of rows it changed.
    async fn exec(&self, sql: &'static Sql, params: &[Value<'_>]) -> DbResult<u64>;

    /// Runs a statement and maps its first row, if any (the statement still runs to
    /// completion, so an `UPDATE … RETURNING` changes every row it matches).
    async fn query_opt<T: Send + 'static>(
        &self,
        sql: &'static Sql,
        params: &[Value<'_>],
        map: RowFn<T>,
    ) -> DbResult<Option<T>>;

    /// Runs a statement and maps every row.
    async fn query_all<T: Send + 'static>(
        &self,
        sql: &'static Sql,
        params: &[Value<'_>],
        map: RowFn<T>,
    ) -> DbResult<Vec<T>>;

    /// Runs a statement that changes or deletes the sessions `changed` names (so
    /// cached copies are dropped once it commits); returns the rows it changed.
    async fn exec_changing(
        &self,
        sql: &'static Sql,
        params: &[Value<'_>],
        changed: SessionKey,
    ) -> DbResult<u64>;

    /// The transaction an operation of several statements runs in: the caller's
    /// when called on a [`Tx`], a new one when called on the [`Store`].
    async fn scope(&self) -> DbResult<Scope<'_>>;

    /// The store whose session cache serves session reads (only the [`Store`]
    /// outside a transaction: a transaction reads its own writes).
    fn session_cache(&self) -> Option<&Store> {
        None
    }
}

/// Which cached sessions a write makes stale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionKey {
    /// One session.
    Id(TokenIdHash),
    /// Every session of an account.
    Uid(Uid),
    /// Any session (e.g. pruning by age).
    All,
}

/// The storage handle: one of the backends, chosen at run time by URL. Cheap to clone.
#[derive(Clone)]
pub enum Store {
    Sqlite(SqliteDb),
    Postgres(PostgresDb),
}

impl Store {
    /// Starts a transaction. Commit it with [`Tx::commit`]; dropping it rolls back.
    pub async fn begin(&self) -> DbResult<Tx> {
        Ok(Tx(match self {
            Store::Sqlite(db) => TxInner::Sqlite(db.begin().await?),
            Store::Postgres(db) => TxInner::Postgres(db.begin().await?),
        }))
    }

    /// Cheap liveness check for `/__heartbeat__`.
    pub async fn ping(&self) -> DbResult<()> {
        self.query_opt(crate::sql::sql!("SELECT 1"), &[], |_| Ok(()))
            .await
            .map(drop)
    }

    /// A session by id through this store's session cache.
    pub(crate) async fn cached_session(
        &self,
        id: &TokenIdHash,
        sql: &'static Sql,
        map: RowFn<crate::model::SessionToken>,
    ) -> DbResult<Option<crate::model::SessionToken>> {
        match self {
            Store::Sqlite(db) => db.cached_session(id, sql, map).await,
            Store::Postgres(db) => db.cached_session(id, sql, map).await,
        }
    }

    /// Which backend this is ("sqlite" or "postgres"), for logs and health output.
    pub fn backend_name(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// Applies pending schema migrations (idempotent; safe to run from several
    /// processes at once). Call it once at start-up, before serving.
    pub async fn migrate(&self) -> DbResult<()> {
        match self {
            Store::Sqlite(db) => db.migrate().await,
            Store::Postgres(db) => db.migrate().await,
        }
    }
}

impl From<SqliteDb> for Store {
    fn from(db: SqliteDb) -> Self {
        Store::Sqlite(db)
    }
}

impl From<PostgresDb> for Store {
    fn from(db: PostgresDb) -> Self {
        Store::Postgres(db)
    }
}

#[async_trait]
impl Conn for Store {
    async fn exec(&self, sql: &'static Sql, params: &[Value<'_>]) -> DbResult<u64> {
        match self {
            Store::Sqlite(db) => {
                db.write_one(sql, params, None, |c, sql, p| c.exec(sql, p))
                    .await
            }
            Store::Postgres(db) => db.exec(sql, params).await,
        }
    }

    async fn exec_changing(
        &self,
        sql: &'static Sql,
        params: &[Value<'_>],
        changed: SessionKey,
    ) -> DbResult<u64> {
        match self {
            Store::Sqlite(db) => {
                db.write_one(sql, params, Some(changed), |c, sql, p| c.exec(sql, p))
                    .await
            }
            Store::Postgres(db) => db.exec_changing(sql, params, changed).await,
        }
    }

    async fn query_opt<T: Send + 'static>(
        &self,
        sql: &'static Sql,
        params: &[Value<'_>],
        map: RowFn<T>,
    ) -> DbResult<Option<T>> {
        match self {
            Store::Sqlite(db) if sql.is_read() => {
                db.read(sql, params, move |c, sql, p| c.query_opt(sql, p, map))
                    .await
            }
            Store::Sqlite(db) => {
                db.write_one(sql, params, None, move |c, sql, p| c.query_opt(sql, p, map))
                    .await
            }
            Store::Postgres(db) => db.query_opt(sql, params, map).await,
        }
    }

    async fn query_all<T: Send + 'static>(
        &self,
        sql: &'static Sql,
        params: &[Value<'_>],
        map: RowFn<T>,
    ) -> DbResult<Vec<T>> {
        match self {
            Store::Sqlite(db) if sql.is_read() => {
                db.read(sql, params, move |c, sql, p| c.query_all(sql, p, map))
                    .await
            }
            Store::Sqlite(db) => {
                db.write_one(sql, params, None, move |c, sql, p| c.query_all(sql, p, map))
                    .await
            }
            Store::Postgres(db) => db.query_all(sql, params, map).await,
        }
    }

    async fn scope(&self) -> DbResult<Scope<'_>> {
        Ok(Scope::Own(self.begin().await?))
    }

    fn session_cache(&self) -> Option<&Store> {
        Some(self)
    }
}

/// A transaction. Statements run on it in order; [`Tx::commit`] makes them
/// durable together, and dropping it without a commit rolls them all back.
/// After any statement of it failed, `commit` refuses (and rolls back), so an
/// error a caller chose to handle can never commit half an operation.
pub struct Tx(TxInner);

enum TxInner {
    Sqlite(SqliteTx),
    Postgres(PgTx),
}

impl Tx {
    pub async fn commit(self) -> DbResult<()> {
        match self.0 {
            TxInner::Sqlite(tx) => tx.commit().await,
            TxInner::Postgres(tx) => tx.commit().await,
        }
    }

    /// Rolls the transaction back, and returns once the writes it may have
    /// collided with are visible outside it: on SQLite a transaction can fail on
    /// an earlier member of its group (ADR 0017), which commits only after it;
    /// PostgreSQL makes a conflicting statement wait for the other commit itself.
    /// Call it instead of dropping the transaction before reading what a
    /// failed statement (a duplicate, say) says someone else wrote.
    pub async fn rollback(self) {
        match self.0 {
            TxInner::Sqlite(tx) => tx.rollback().await,
            TxInner::Postgres(tx) => drop(tx),
        }
    }

    /// Records that this transaction changes or deletes these sessions: cached
    /// copies are dropped when it commits.
    pub(crate) fn sessions_changed(&self, key: SessionKey) {
        match &self.0 {
            TxInner::Sqlite(tx) => tx.sessions_changed(key),
            TxInner::Postgres(tx) => tx.sessions_changed(key),
        }
    }
}

#[async_trait]
impl Conn for Tx {
    async fn exec(&self, sql: &'static Sql, params: &[Value<'_>]) -> DbResult<u64> {
        match &self.0 {
            TxInner::Sqlite(tx) => tx.run(|c| c.exec(sql, params)),
            TxInner::Postgres(tx) => tx.exec(sql, params).await,
        }
    }

    async fn query_opt<T: Send + 'static>(
        &self,
        sql: &'static Sql,
        params: &[Value<'_>],
        map: RowFn<T>,
    ) -> DbResult<Option<T>> {
        match &self.0 {
            TxInner::Sqlite(tx) => tx.run(|c| c.query_opt(sql, params, map)),
            TxInner::Postgres(tx) => tx.query_opt(sql, params, map).await,
        }
    }

    async fn query_all<T: Send + 'static>(
        &self,
        sql: &'static Sql,
        params: &[Value<'_>],
        map: RowFn<T>,
    ) -> DbResult<Vec<T>> {
        match &self.0 {
            TxInner::Sqlite(tx) => tx.run(|c| c.query_all(sql, params, map)),
            TxInner::Postgres(tx) => tx.query_all(sql, params, map).await,
        }
    }

    async fn exec_changing(
        &self,
        sql: &'static Sql,
        params: &[Value<'_>],
        changed: SessionKey,
    ) -> DbResult<u64> {
        let n = self.exec(sql, params).await?;
        self.sessions_changed(changed);
        Ok(n)
    }

    async fn scope(&self) -> DbResult<Scope<'_>> {
        Ok(Scope::Joined(self))
    }
}

/// The transaction of one multi-statement operation (see [`Conn::scope`]).
// Lives on the stack for one operation; boxing `Own` would add an allocation to each.
#[allow(clippy::large_enum_variant)]
pub enum Scope<'a> {
    /// The caller's transaction: the caller commits.
    Joined(&'a Tx),
    /// A transaction of the operation's own, committed by [`Scope::finish`].
    Own(Tx),
}

impl std::ops::Deref for Scope<'_> {
    type Target = Tx;

    fn deref(&self) -> &Tx {
        match self {
            Scope::Joined(tx) => tx,
            Scope::Own(tx) => tx,
        }
    }
}

impl Scope<'_> {
    /// Commits an own transaction; a joined one is left to its owner.
    pub async fn finish(self) -> DbResult<()> {
        match self {
            Scope::Joined(_) => Ok(()),
            Scope::Own(tx) => tx.commit().await,
        }
    }
}

/// Times before which stored records are expired.
#[derive(Clone, Copy, Debug)]
pub struct PruneCutoffs {
    /// Sessions created before this go; `None` keeps every session.
    pub session: Option<crate::model::Millis>,
    pub password_change: crate::model::Millis,
    pub password_forgot: crate::model::Millis,
    pub account_reset: crate::model::Millis,
    /// One-time codes created before this go.
    pub one_time_code: crate::model::Millis,
    /// Rate-limit rows whose window started before this and whose ban (if any)
    /// ended before this go.
    pub rate_limit: crate::model::Millis,
}
