//! The PostgreSQL backend: tokio-postgres behind a deadpool pool, no TLS.
//!
//! Multi-row writes run in a transaction (READ COMMITTED; the row locks taken
//! by `UPDATE`/`DELETE … RETURNING` make single-use consumption exact).
//! Statements are prepared once per pooled connection (`prepare_cached`).
//!
//! Session reads outside a transaction go through a per-handle cache kept correct
//! across nodes by `LISTEN`/`NOTIFY` (see [`listener`] and ADR 0011).

mod listener;
mod tx;

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

use crate::migrations::{self, MIGRATIONS};
use crate::model::{SessionToken, TokenIdHash};
use crate::sql::{Row, RowFn, Sql, Value};
use crate::store::{DbError, DbResult, SessionKey};
use listener::Listener;
pub(crate) use tx::{pg_err, PgTx};

/// Connections per process unless told otherwise.
pub const DEFAULT_POOL_SIZE: usize = 16;

/// The PostgreSQL backend. Cheap to clone.
#[derive(Clone)]
pub struct PostgresDb {
    pool: Pool,
    listener: Arc<Listener>,
    config: Arc<tokio_postgres::Config>,
    /// The listener task while the session cache is on.
    listening: Option<Arc<AbortOnDrop>>,
}

/// Stops the listener task when the last handle goes.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl PostgresDb {
    /// Connects with [`DEFAULT_POOL_SIZE`] connections. Does not migrate: call [`Self::migrate`].
    pub async fn connect(url: &str) -> DbResult<Self> {
        Self::connect_with_pool_size(url, DEFAULT_POOL_SIZE).await
    }

    /// Parses the URL (libpq style, e.g. `postgres://user:pw@host:5432/db?options=…`),
    /// builds the pool and checks that one connection works. Errors never hold the password.
    pub async fn connect_with_pool_size(url: &str, max_size: usize) -> DbResult<Self> {
        let secret = url_password(url);
        let scrubbed = |e: DbError| match e {
            DbError::Backend(msg) => DbError::Backend(scrub(msg, secret.as_deref())),
            other => other,
        };
        let config: tokio_postgres::Config = url.parse().map_err(|e| scrubbed(pg_err(e)))?;
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(max_size.max(1))
            .runtime(Runtime::Tokio1)
            .create_timeout(Some(Duration::from_secs(10)))
            .wait_timeout(Some(Duration::from_secs(30)))
            .build()
            .map_err(|e| DbError::Backend(format!("postgres pool: {e}")))?;
        let db = Self {
            pool,
            listener: Arc::new(Listener::new()),
            config: Arc::new(config),
            listening: None,
        };
        drop(db.client().await.map_err(scrubbed)?);
        Ok(db)
    }

    /// Turns this node's session cache on (starts its listener) or off. Off by
    /// default: the cache is only correct against writes made through foxden (every
    /// foxden node notifies, whether its own cache is on or not), so writers behind
    /// its back (SQL by hand, tests that age rows) must be ruled out first. Hits are
    /// served once the listener is connected ([`Self::session_cache_is_live`]).
    /// Call it once, before cloning the handle.
    pub fn with_session_cache(mut self, on: bool) -> Self {
        self.listening = on.then(|| {
            let task = tokio::spawn(listener::run((*self.config).clone(), self.listener.clone()));
            Arc::new(AbortOnDrop(task.abort_handle()))
        });
        self
    }

    /// Whether the session cache's listener is connected and listening (for tests
    /// and health); hits are served after each read's barrier ([`listener`]).
    pub fn session_cache_is_live(&self) -> bool {
        self.listener.is_current()
    }

    /// The process id of the backend this handle's listener is connected to.
    pub fn session_listener_pid(&self) -> Option<i32> {
        match self
            .listener
            .backend_pid
            .load(std::sync::atomic::Ordering::SeqCst)
        {
            0 => None,
            pid => Some(pid),
        }
    }

    pub(crate) async fn client(&self) -> DbResult<deadpool_postgres::Object> {
        self.pool.get().await.map_err(|e| match e {
            deadpool_postgres::PoolError::Backend(e) => pg_err(e),
            other => DbError::Backend(format!("postgres pool: {other}")),
        })
    }

    pub(crate) async fn begin(&self) -> DbResult<PgTx> {
        PgTx::begin(self.client().await?, self.listener.clone()).await
    }

    /// One statement that changes the sessions `changed` names, in a transaction
    /// of its own (so the notification commits with it).
    pub(crate) async fn exec_changing(
        &self,
        sql: &'static Sql,
        params: &[Value<'_>],
        changed: SessionKey,
    ) -> DbResult<u64> {
        let tx = self.begin().await?;
        let n = tx.exec(sql, params).await?;
        tx.sessions_changed(changed);
        tx.commit().await?;
        Ok(n)
    }

    /// A session by id: from the cache once the read barrier has passed (every commit
    /// finished before this call is applied), else from the database; a row read
    /// while a write raced it is not stored.
    pub(crate) async fn cached_session(
        &self,
        id: &TokenIdHash,
        sql: &'static Sql,
        map: RowFn<SessionToken>,
    ) -> DbResult<Option<SessionToken>> {
        let params = [Value::Bytes(id)];
        let fetch = self.query_opt(sql, &params, map);
        let use_cache = self.listener.fresh().await;
        self.listener.cache.read_through(id, use_cache, fetch).await
    }

    pub(crate) async fn exec(&self, sql: &'static Sql, params: &[Value<'_>]) -> DbResult<u64> {
        tx::exec(&self.client().await?, sql, params).await
    }

    pub(crate) async fn query_opt<T>(
        &self,
        sql: &'static Sql,
        params: &[Value<'_>],
        map: RowFn<T>,
    ) -> DbResult<Option<T>> {
        let row = tx::query_opt(&self.client().await?, sql, params).await?;
        row.as_ref().map(|r| map(&Row::Postgres(r))).transpose()
    }

    pub(crate) async fn query_all<T>(
        &self,
        sql: &'static Sql,
        params: &[Value<'_>],
        map: RowFn<T>,
    ) -> DbResult<Vec<T>> {
        let rows = tx::query_all(&self.client().await?, sql, params).await?;
        rows.iter().map(|r| map(&Row::Postgres(r))).collect()
    }

    /// Applies pending migrations in one transaction, serialised across processes by an
    /// advisory lock (per schema, so separate schemas migrate independently).
    pub async fn migrate(&self) -> DbResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg_err)?;
        tx.batch_execute(
            "SELECT pg_advisory_xact_lock(hashtext('foxden-migrations'), \
             hashtext(COALESCE(current_schema(), '')))",
        )
        .await
        .map_err(pg_err)?;
        tx.batch_execute(migrations::CREATE_MIGRATIONS_TABLE)
            .await
            .map_err(pg_err)?;
        let current: i64 = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_migrations",
                &[],
            )
            .await
            .map_err(pg_err)?
            .get(0);
        if let Some(last) = MIGRATIONS.last() {
            if current > last.version {
                tracing::warn!(
                    current,
                    known = last.version,
                    "database schema is newer than this build"
                );
            }
        }
        for m in MIGRATIONS.iter().filter(|m| m.version > current) {
            for stmt in migrations::statements(m.sql) {
                tx.batch_execute(stmt).await.map_err(pg_err)?;
            }
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                &[&m.version, &crate::now_millis()],
            )
            .await
            .map_err(pg_err)?;
            tracing::info!(
                version = m.version,
                name = m.name,
                "applied postgres migration"
            );
        }
        tx.commit().await.map_err(pg_err)
    }
}

/// The password in a `scheme://user:password@host…` URL, raw and percent-decoded.
fn url_password(url: &str) -> Option<Vec<String>> {
    let rest = &url[url.find("://")? + 3..];
    let userinfo = &rest[..rest.rfind('@')?];
    let raw = &userinfo[userinfo.find(':')? + 1..];
    if raw.is_empty() {
        return None;
    }
    Some(vec![raw.to_owned(), percent_decode(raw)])
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (b[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Replaces every occurrence of the secrets in `msg`.
fn scrub(mut msg: String, secrets: Option<&[String]>) -> String {
    for s in secrets.unwrap_or_default().iter().filter(|s| !s.is_empty()) {
        msg = msg.replace(s.as_str(), "***");
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_scrubs_the_password() {
        let pw = url_password("postgres://bob:s%40cret:x@db:5432/foxden").unwrap();
        assert_eq!(pw, ["s%40cret:x", "s@cret:x"]);
        let msg = scrub("failed for s@cret:x and s%40cret:x".into(), Some(&pw));
        assert_eq!(msg, "failed for *** and ***");
        assert_eq!(url_password("postgres://bob@db/foxden"), None);
        assert_eq!(url_password("postgres://db/foxden"), None);
    }

    #[tokio::test]
    async fn bad_urls_do_not_leak_the_password() {
        let url = "postgres://bob:hunter2@127.0.0.1:1/x?nonsense=hunter2";
        let err = PostgresDb::connect(url).await.err().unwrap().to_string();
        assert!(!err.contains("hunter2"), "{err}");
        let url = "postgres://bob:hunter2@127.0.0.1:1/x";
        let err = PostgresDb::connect(url).await.err().unwrap().to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }
}
