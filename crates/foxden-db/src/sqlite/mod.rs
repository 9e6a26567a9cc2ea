//! The SQLite backend (rusqlite, bundled SQLite).
//!
//! One writer connection behind an async mutex, and a small pool of reader
//! connections; WAL mode lets the readers run while the writer commits.
//!
//! A transaction ([`SqliteTx`]) holds the writer (an owned guard of the async
//! mutex) from `BEGIN IMMEDIATE` to `COMMIT`, so it may span awaits. Its
//! statements and its `COMMIT` run inline: the write lock is ours by then, the
//! statements are indexed single-row statements of a few microseconds, and a
//! commit only appends to the WAL, because checkpoints run on a thread of their
//! own ([`checkpoint`], ADR 0017). Only a `BEGIN IMMEDIATE` that finds another
//! process holding the write lock waits for it on tokio's blocking pool. A single
//! statement outside a transaction runs as its own autocommit statement on the
//! blocking pool (it may wait for such a lock too).
//!
//! Reads are indexed single-row (or one account's rows) lookups that take a few
//! microseconds on cached pages, so by default they run inline on the async worker
//! once a reader connection is free: handing each one to `spawn_blocking` costs
//! more than the query (measured on 2 cores: ~40k session lookups/s through
//! `spawn_blocking`, ~150k/s inline). [`SqliteDb::with_inline_reads`] switches
//! reads to the blocking pool too.

mod checkpoint;
mod group;
mod pool;
mod run;
mod tx;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::migrations::{self, MIGRATIONS};
use crate::model::{SessionToken, TokenIdHash};
use crate::session_cache::SessionCache;
use crate::sql::{RowFn, Sql, Value};
use crate::store::{DbError, DbResult, SessionKey};
use checkpoint::Checkpointer;
use group::{Group, Waiting};
use pool::ReaderPool;
use run::data_version;
pub(crate) use run::sql_err;
pub(crate) use run::Run;
pub(crate) use tx::SqliteTx;

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
const STATEMENT_CACHE: usize = 64;
/// How long one `PRAGMA data_version` probe vouches for the cache: another
/// process's commit is seen by every read that starts this long after it (our
/// own commits drop their keys at once). A probe costs several µs (a read
/// transaction start: locks on the `-shm` file); probing on every cache hit cost
/// a quarter of `session/status` throughput on 2 cores (ADR 0011).
const PROBE_VOUCHES_FOR: Duration = Duration::from_millis(1);

/// The writer connection and its `PRAGMA data_version` as of its last commit.
pub(crate) struct Writer {
    conn: Connection,
    data_version: i64,
    /// The group transaction open on it, if any ([`group`]).
    group: Option<Group>,
}

/// A connection that only answers `PRAGMA data_version`, and the value it should
/// answer if no other process has committed since we last looked.
struct Probe {
    conn: Connection,
    expected: Option<i64>,
}

/// The SQLite backend. Cheap to clone.
#[derive(Clone)]
pub struct SqliteDb {
    path: Arc<PathBuf>,
    writer: Arc<Mutex<Writer>>,
    readers: Arc<ReaderPool>,
    inline_reads: bool,
    sessions: Arc<SessionCache>,
    probe: Arc<std::sync::Mutex<Probe>>,
    /// When the last probe that found no foreign commit started, in µs since
    /// `opened` (0: none yet).
    probed_clean_at: Arc<AtomicU64>,
    opened: Instant,
    checkpoints: Arc<Checkpointer>,
    /// Tasks in [`Self::begin`] waiting for the writer ([`group`]).
    write_waiters: Arc<AtomicUsize>,
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
        // Commits never checkpoint; the checkpoint thread does (ADR 0017).
        writer
            .pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(sql_err)?;
        let checkpoints = Checkpointer::start(&path)?;
        let readers = (0..readers)
            .map(|_| open_connection(&path, true))
            .collect::<DbResult<Vec<_>>>()?;
        let probe = open_connection(&path, true)?;
        restrict_side_files(&path)?;
        let data_version = data_version(&writer)?;
        Ok(Self {
            path: Arc::new(path),
            writer: Arc::new(Mutex::new(Writer {
                conn: writer,
                data_version,
                group: None,
            })),
            readers: Arc::new(ReaderPool::new(readers)),
            inline_reads: true,
            sessions: Arc::new(SessionCache::default()),
            probe: Arc::new(std::sync::Mutex::new(Probe {
                conn: probe,
                expected: None,
            })),
            probed_clean_at: Arc::new(AtomicU64::new(0)),
            opened: Instant::now(),
            checkpoints: Arc::new(checkpoints),
            write_waiters: group::waiters(),
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
        let tx = self.begin().await?;
        tx.run(|c| {
            c.execute(migrations::CREATE_MIGRATIONS_TABLE, [])
                .map_err(sql_err)?;
            let current: i64 = c
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
                c.execute_batch(&migrations::for_sqlite(m.sql))
                    .map_err(sql_err)?;
                c.execute(
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
        })?;
        tx.commit().await?;
        self.checkpoints.request();
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || restrict_side_files(&path))
            .await
            .map_err(join_err)?
    }

    /// Takes the writer and starts a transaction on it: a member of the group
    /// transaction open there, or of a new one ([`group`]). A new group's `BEGIN
    /// IMMEDIATE` runs inline when no other process holds SQLite's write lock (it
    /// only takes the lock: microseconds, as the statements of a transaction,
    /// which run inline too); when one does, the wait for it runs on the blocking
    /// pool. Either way no await lies between taking the writer and making the
    /// handle, whose drop rolls the member back.
    pub(crate) async fn begin(&self) -> DbResult<SqliteTx> {
        let mut writer = Waiting::new(self).await;
        if writer.group.is_none() {
            match begin_immediate(&writer.conn, Duration::ZERO) {
                Ok(()) => {}
                Err(Begin::Busy) => writer = self.begin_when_free(writer).await?,
                Err(Begin::Failed(e)) => return Err(e),
            }
        }
        self.join_group(&mut writer)?;
        Ok(SqliteTx::new(writer, self.clone()))
    }

    /// `BEGIN IMMEDIATE` on the blocking pool, waiting up to the busy timeout
    /// for another process's write lock.
    async fn begin_when_free(
        &self,
        writer: OwnedMutexGuard<Writer>,
    ) -> DbResult<OwnedMutexGuard<Writer>> {
        tokio::task::spawn_blocking(move || match begin_immediate(&writer.conn, BUSY_TIMEOUT) {
            Ok(()) => Ok(writer),
            Err(Begin::Busy) => Err(DbError::Backend("sqlite: database is locked".into())),
            Err(Begin::Failed(e)) => Err(e),
        })
        .await
        .map_err(join_err)?
    }

    /// Runs one statement outside a transaction (it commits on its own) on the
    /// writer, then drops the cached sessions `changed` names.
    pub(crate) async fn write_one<T, F>(
        &self,
        sql: &'static Sql,
        params: &[Value<'_>],
        changed: Option<SessionKey>,
        f: F,
    ) -> DbResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Sql, &[rusqlite::types::Value]) -> DbResult<T> + Send + 'static,
    {
        let params: Vec<_> = params.iter().map(|v| v.to_sqlite_owned()).collect();
        let mut writer = self.writer.clone().lock_owned().await;
        // A group left open for a waiter: this statement commits on its own.
        self.commit_group(&mut writer);
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let out = f(&writer.conn, sql, &params);
            db.after_commit(&mut writer, changed.as_slice());
            db.checkpoints.catch_up(&writer.conn);
            out
        })
        .await
        .map_err(join_err)?
    }

    /// After a commit of ours (writer held): drops the sessions it changed, and
    /// everything if the writer saw another connection's commit since its last
    /// one; then notes what the probe should answer from now on.
    pub(crate) fn after_commit(&self, writer: &mut Writer, changed: &[SessionKey]) {
        self.checkpoints.committed();
        self.sessions.invalidate(changed);
        let mut probe = self.probe.lock().unwrap_or_else(|p| p.into_inner());
        let probed = data_version(&probe.conn).ok();
        match data_version(&writer.conn) {
            Ok(v) if v == writer.data_version => {}
            Ok(v) => {
                writer.data_version = v;
                self.sessions.invalidate(&[SessionKey::All]);
            }
            Err(_) => self.sessions.invalidate(&[SessionKey::All]),
        }
        probe.expected = probed;
    }

    /// Whether cached sessions may be served: no other process committed since we
    /// last looked. When one did, the cache is cleared first.
    fn cache_is_current(&self) -> bool {
        // µs since open, never 0 (0 means "no clean probe yet").
        let started = self.opened.elapsed().as_micros() as u64 + 1;
        let clean_at = self.probed_clean_at.load(Ordering::Acquire);
        if clean_at != 0 && started - clean_at.min(started) < PROBE_VOUCHES_FOR.as_micros() as u64 {
            return true;
        }
        let mut probe = self.probe.lock().unwrap_or_else(|p| p.into_inner());
        let now = data_version(&probe.conn).ok();
        if now.is_some() && now == probe.expected {
            self.probed_clean_at.fetch_max(started, Ordering::AcqRel);
            return true;
        }
        self.sessions.invalidate(&[SessionKey::All]);
        probe.expected = now;
        now.is_some()
    }

    /// A session by id, from the cache or the database (with `sql`, mapped by `map`).
    pub(crate) async fn cached_session(
        &self,
        id: &TokenIdHash,
        sql: &'static Sql,
        map: RowFn<SessionToken>,
    ) -> DbResult<Option<SessionToken>> {
        let params = [Value::Bytes(id)];
        let fetch = self.read(sql, &params, move |c, sql, p| c.query_opt(sql, p, map));
        let use_cache = self.cache_is_current();
        self.sessions.read_through(id, use_cache, fetch).await
    }

    /// Runs a read on a reader connection (each statement sees the latest commit),
    /// inline or on the blocking pool (see the module docs).
    pub(crate) async fn read<T, F>(
        &self,
        sql: &'static Sql,
        params: &[Value<'_>],
        f: F,
    ) -> DbResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Sql, &[Value<'_>]) -> DbResult<T> + Send + 'static,
    {
        let conn = self.readers.checkout().await?;
        if self.inline_reads {
            return f(&conn, sql, params);
        }
        let params: Vec<_> = params.iter().map(|v| v.to_sqlite_owned()).collect();
        tokio::task::spawn_blocking(move || {
            let params: Vec<Value<'_>> = params.iter().map(Value::from_sqlite_owned).collect();
            f(&conn, sql, &params)
        })
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

/// Rolls back the connection's open transaction, if any.
fn rollback(conn: &Connection) {
    if !conn.is_autocommit() {
        if let Err(e) = conn.execute_batch("ROLLBACK") {
            tracing::warn!(error = %e, "sqlite rollback failed");
        }
    }
}

/// Why `BEGIN IMMEDIATE` did not open a transaction.
enum Begin {
    /// Another process holds the write lock longer than the wait allowed.
    Busy,
    Failed(DbError),
}

/// `BEGIN IMMEDIATE`, waiting at most `wait` for another process's write lock.
fn begin_immediate(conn: &Connection, wait: Duration) -> Result<(), Begin> {
    if !conn.is_autocommit() {
        // Defensive: a transaction left open can only be a bug; never build on it.
        tracing::warn!("sqlite writer had a transaction open; rolling it back");
        conn.execute_batch("ROLLBACK")
            .map_err(|e| Begin::Failed(sql_err(e)))?;
    }
    conn.busy_timeout(wait)
        .map_err(|e| Begin::Failed(sql_err(e)))?;
    let begun = conn.execute_batch("BEGIN IMMEDIATE");
    if wait != BUSY_TIMEOUT {
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| Begin::Failed(sql_err(e)))?;
    }
    match begun {
        Ok(()) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::DatabaseBusy =>
        {
            Err(Begin::Busy)
        }
        Err(e) => Err(Begin::Failed(sql_err(e))),
    }
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
