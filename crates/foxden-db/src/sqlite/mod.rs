//! The SQLite backend (rusqlite, bundled SQLite).
//!
//! One writer connection behind an async mutex, and a small pool of reader
//! connections; WAL mode lets the readers run while the writer commits. Writes
//! run on tokio's blocking pool in `BEGIN IMMEDIATE` transactions; statements are
//! prepared once per connection (`prepare_cached`).
//!
//! Reads are indexed single-row (or one account's rows) lookups that take a few
//! microseconds on cached pages, so by default they run inline on the async worker
//! once a reader connection is free: handing each one to `spawn_blocking` costs
//! more than the query (measured on 2 cores: ~40k session lookups/s through
//! `spawn_blocking`, ~150k/s inline). [`SqliteDb::with_inline_reads`] switches
//! reads to the blocking pool too.

mod accounts;
mod codes;
mod db;
mod pool;
mod rate_limits;
mod rows;
mod security;
mod session_cache;
mod tokens;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use tokio::sync::Mutex;

use crate::migrations::{self, MIGRATIONS};
use crate::store::{DbError, DbResult};
use pool::ReaderPool;
use rows::sql_err;
use session_cache::SessionCache;

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
const STATEMENT_CACHE: usize = 64;

/// The SQLite implementation of [`crate::Db`]. Cheap to clone.
#[derive(Clone)]
pub struct SqliteDb {
    path: Arc<PathBuf>,
    writer: Arc<Mutex<Connection>>,
    readers: Arc<ReaderPool>,
    inline_reads: bool,
    sessions: Arc<SessionCache>,
}

impl SqliteDb {
    /// Opens (creating it mode 0600 if needed) the database file, with a
    /// reader pool sized for this machine. Does not migrate: call [`Self::migrate`].
    pub async fn open(path: impl AsRef<Path>) -> DbResult<Self> {
        let readers = std::thread::available_parallelism().map_or(2, |n| n.get() * 2);
        Self::open_with_readers(path, readers.clamp(2, 8)).await
    }

    /// Like [`Self::open`] with an explicit number of reader connections (at least 1).
    pub async fn open_with_readers(path: impl AsRef<Path>, readers: usize) -> DbResult<Self> {
        let path = path.as_ref().to_path_buf();
        let readers = readers.max(1);
        tokio::task::spawn_blocking(move || Self::open_blocking(path, readers))
            .await
            .map_err(join_err)?
    }

    fn open_blocking(path: PathBuf, readers: usize) -> DbResult<Self> {
        create_private_file(&path)?;
        let writer = open_connection(&path, false)?;
        let journal: String = writer
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(sql_err)?;
        if !journal.eq_ignore_ascii_case("wal") {
            tracing::warn!(
                journal,
                "SQLite refused WAL mode; readers will block on writes"
            );
        }
        writer
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(sql_err)?;
        let readers = (0..readers)
            .map(|_| open_connection(&path, true))
            .collect::<DbResult<Vec<_>>>()?;
        restrict_side_files(&path)?;
        Ok(Self {
            path: Arc::new(path),
            writer: Arc::new(Mutex::new(writer)),
            readers: Arc::new(ReaderPool::new(readers)),
            inline_reads: true,
            sessions: Arc::new(SessionCache::default()),
        })
    }

    /// `false` runs reads on tokio's blocking pool instead of inline (see the module docs).
    pub fn with_inline_reads(mut self, inline: bool) -> Self {
        self.inline_reads = inline;
        self
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Applies pending migrations in one `IMMEDIATE` transaction.
    pub async fn migrate(&self) -> DbResult<()> {
        let path = self.path.clone();
        self.write(move |tx| {
            tx.execute(migrations::CREATE_MIGRATIONS_TABLE, [])
                .map_err(sql_err)?;
            let current: i64 = tx
                .query_row(
                    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                    [],
                    |r| r.get(0),
                )
                .map_err(sql_err)?;
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
                tx.execute_batch(&migrations::for_sqlite(m.sql))
                    .map_err(sql_err)?;
                tx.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                    (m.version, crate::now_millis()),
                )
                .map_err(sql_err)?;
                tracing::info!(
                    version = m.version,
                    name = m.name,
                    "applied sqlite migration"
                );
            }
            Ok(())
        })
        .await?;
        tokio::task::spawn_blocking(move || restrict_side_files(&path))
            .await
            .map_err(join_err)?
    }

    /// Runs `f` in an `IMMEDIATE` transaction on the writer connection and commits
    /// if it returns `Ok`; on `Err` the transaction rolls back.
    pub(crate) async fn write<T, F>(&self, f: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> DbResult<T> + Send + 'static,
    {
        self.write_inner(f, None).await
    }

    /// Like [`Self::write`] for writes that may change or delete sessions: the
    /// session cache is cleared right after the commit (inside the blocking task,
    /// so a cancelled caller cannot skip it).
    pub(crate) async fn write_sessions<T, F>(&self, f: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> DbResult<T> + Send + 'static,
    {
        self.write_inner(f, Some(self.sessions.clone())).await
    }

    async fn write_inner<T, F>(&self, f: F, invalidate: Option<Arc<SessionCache>>) -> DbResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> DbResult<T> + Send + 'static,
    {
        let mut conn = self.writer.clone().lock_owned().await;
        tokio::task::spawn_blocking(move || {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(sql_err)?;
            let out = f(&tx)?;
            tx.commit().map_err(sql_err)?;
            if let Some(cache) = invalidate {
                cache.invalidate();
            }
            Ok(out)
        })
        .await
        .map_err(join_err)?
    }

    /// A session by id, from the cache or the database.
    pub(crate) async fn cached_session(
        &self,
        id: &crate::model::TokenIdHash,
    ) -> DbResult<Option<crate::model::SessionToken>> {
        if let Some(hit) = self.sessions.get(id) {
            return Ok(Some(hit));
        }
        let seen = self.sessions.generation();
        let id = *id;
        let found = self.read(move |c| tokens::session(c, &id)).await?;
        if let Some(session) = &found {
            self.sessions.store(seen, session);
        }
        Ok(found)
    }

    /// Runs `f` on a reader connection (each statement sees the latest commit),
    /// inline or on the blocking pool (see the module docs).
    pub(crate) async fn read<T, F>(&self, f: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> DbResult<T> + Send + 'static,
    {
        let conn = self.readers.checkout().await?;
        if self.inline_reads {
            return f(&conn);
        }
        tokio::task::spawn_blocking(move || f(&conn))
            .await
            .map_err(join_err)?
    }
}

fn join_err(e: tokio::task::JoinError) -> DbError {
    DbError::Backend(format!("sqlite task failed: {e}"))
}

fn io_err(what: &str, e: std::io::Error) -> DbError {
    DbError::Backend(format!("sqlite {what}: {e}"))
}

/// Creates the file mode 0600 if missing and makes sure it is 0600 whatever the umask.
fn create_private_file(path: &Path) -> DbResult<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true).write(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path)
        .map_err(|e| io_err("cannot create database file", e))?;
    set_private(path)
}

/// Sets mode 0600 on the database's `-wal` and `-shm` files when they exist.
fn restrict_side_files(path: &Path) -> DbResult<()> {
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let side = PathBuf::from(side);
        if side.exists() {
            set_private(&side)?;
        }
    }
    Ok(())
}

fn set_private(path: &Path) -> DbResult<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| io_err("cannot restrict file permissions", e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

fn open_connection(path: &Path, reader: bool) -> DbResult<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(sql_err)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sql_err)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(sql_err)?;
    conn.pragma_update(None, "cache_size", -8000)
        .map_err(sql_err)?;
    conn.pragma_update(None, "temp_store", "MEMORY")
        .map_err(sql_err)?;
    if reader {
        conn.pragma_update(None, "query_only", "ON")
            .map_err(sql_err)?;
    }
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}
