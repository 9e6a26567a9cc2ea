//! The session-cache listener of one [`super::PostgresDb`] (ADR 0011, "PostgreSQL
//! session cache"): a dedicated connection (not from the pool) running
//! `LISTEN foxden_sessions`, evicting what each notification names.
//!
//! * Every commit that changes sessions sends one notification,
//!   `<schema>|<origin>:<seq>|<key>,<key>…`, inside its transaction (so only on
//!   commit). A key is `s<id hash hex>`, `u<uid hex>` or `*`; listeners ignore other
//!   schemas' notifications (the channel is per database).
//! * A cache hit is served only after a **read barrier** ([`Listener::fresh`]): an
//!   empty query on the listening connection sent after the read began, and
//!   answered. PostgreSQL (14 and later) signals every listening backend while the
//!   notifying transaction commits, before its client hears the commit, and a
//!   backend sends pending notifications before it answers its next query; we apply
//!   each notification as it is read, before the answer behind it. So once the
//!   barrier is answered, every commit that finished before the read began has been
//!   applied: a write on one node is seen by the next read on any other. Reads that
//!   arrive together share one round trip.
//! * Without a connection (or while a barrier takes longer than [`BARRIER_WAIT`])
//!   reads go to the database. On (re)connect the cache is cleared once `LISTEN` is in
//!   effect; on loss of the connection, right away. An idle connection still sees a
//!   round trip every [`HEARTBEAT`], which notices a connection that died without
//!   closing.

use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::sync::{watch, Notify};
use tokio_postgres::config::Host;
use tokio_postgres::{AsyncMessage, Config, NoTls};

use crate::session_cache::SessionCache;
use crate::sql::{sql, Sql};
use crate::store::SessionKey;

pub(crate) const CHANNEL: &str = "foxden_sessions";

/// Sends a notification on [`CHANNEL`] (inside the caller's transaction, if any).
pub(crate) fn notify_sql() -> &'static Sql {
    sql!("SELECT pg_notify('foxden_sessions', COALESCE(current_schema(), '') || '|' || $1)")
}
const HEARTBEAT: Duration = Duration::from_secs(5);
/// How long a read waits for its barrier before it reads the database instead.
pub(crate) const BARRIER_WAIT: Duration = Duration::from_secs(1);
/// The oldest server whose commit signals listeners before it answers (see above).
const MIN_SERVER_VERSION: i32 = 140_000;
const BACKOFF_MIN: Duration = Duration::from_millis(50);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// What the listener task and the handles share.
pub(crate) struct Listener {
    pub(crate) cache: SessionCache,
    origin: u64,
    seq: AtomicU64,
    connected: AtomicBool,
    /// The listening connection's `current_schema()`, once known.
    schema: RwLock<Option<String>>,
    /// The listening backend's process id (0 when not connected).
    pub(crate) backend_pid: AtomicI32,
    barrier: Barrier,
}

/// Read barriers: round trips on the listening connection, numbered.
struct Barrier {
    /// The number the next round trip will carry.
    next: AtomicU64,
    /// The highest number whose round trip has been answered.
    done: watch::Sender<u64>,
    /// Readers waiting for a round trip that has not started yet.
    wanted: Notify,
}

impl Listener {
    pub(crate) fn new() -> Self {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        h.write_u128(now.map_or(0, |d| d.as_nanos()));
        h.write_u32(std::process::id());
        Self {
            cache: SessionCache::default(),
            origin: h.finish(),
            seq: AtomicU64::new(0),
            connected: AtomicBool::new(false),
            schema: RwLock::new(None),
            backend_pid: AtomicI32::new(0),
            barrier: Barrier {
                next: AtomicU64::new(1),
                done: watch::Sender::new(0),
                wanted: Notify::new(),
            },
        }
    }

    /// Whether the listener is connected and listening (for tests and health).
    pub(crate) fn is_current(&self) -> bool {
        self.connected.load(SeqCst)
    }

    /// The read barrier (see the module docs): true once every commit that finished
    /// before the call has been applied to the cache, so a hit may be served; false
    /// when the listener is not connected or the barrier is late (read the database).
    pub(crate) async fn fresh(&self) -> bool {
        if !self.connected.load(SeqCst) {
            return false;
        }
        // The round trip with this number starts after this load.
        let ticket = self.barrier.next.load(SeqCst);
        let mut done = self.barrier.done.subscribe();
        self.barrier.wanted.notify_one();
        let passed = tokio::time::timeout(BARRIER_WAIT, done.wait_for(|d| *d >= ticket)).await;
        matches!(passed, Ok(Ok(_))) && self.connected.load(SeqCst)
    }

    /// The notification payload for a commit that changes `keys`.
    pub(crate) fn payload_for(&self, keys: &[SessionKey]) -> String {
        payload(self.origin, self.seq.fetch_add(1, SeqCst), keys)
    }

    fn apply(&self, payload: &str) {
        let Some((schema, rest)) = payload.split_once('|') else {
            return self.cache.invalidate(&[SessionKey::All]);
        };
        let ours = self
            .schema
            .read()
            .map_or(true, |s| s.as_deref().is_none_or(|s| s == schema));
        if !ours {
            return;
        }
        match parse(rest) {
            Some((_origin, _seq, keys)) => self.cache.invalidate(&keys),
            None => self.cache.invalidate(&[SessionKey::All]),
        }
    }

    fn set_connected(&self, on: bool) {
        if !on {
            self.connected.store(false, SeqCst);
        }
        self.cache.invalidate(&[SessionKey::All]);
        if on {
            self.connected.store(true, SeqCst);
        }
    }
}

fn payload(origin: u64, seq: u64, keys: &[SessionKey]) -> String {
    let keys: Vec<String> = keys
        .iter()
        .map(|k| match k {
            SessionKey::Id(id) => format!("s{}", hex::encode(id)),
            SessionKey::Uid(uid) => format!("u{}", hex::encode(uid)),
            SessionKey::All => "*".into(),
        })
        .collect();
    format!("{origin:016x}:{seq}|{}", keys.join(","))
}

fn parse(payload: &str) -> Option<(u64, u64, Vec<SessionKey>)> {
    let (head, keys) = payload.split_once('|')?;
    let (origin, seq) = head.split_once(':')?;
    let origin = u64::from_str_radix(origin, 16).ok()?;
    let seq = seq.parse().ok()?;
    let keys = keys
        .split(',')
        .filter(|k| !k.is_empty())
        .map(|k| match k.split_at(1) {
            ("*", "") => Some(SessionKey::All),
            ("s", id) => Some(SessionKey::Id(decode::<32>(id)?)),
            ("u", uid) => Some(SessionKey::Uid(decode::<16>(uid)?)),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    Some((origin, seq, keys))
}

fn decode<const N: usize>(s: &str) -> Option<[u8; N]> {
    hex::decode(s).ok()?.try_into().ok()
}

/// Keeps the listener connected until the task is aborted (when the last handle
/// of its `PostgresDb` is dropped).
pub(crate) async fn run(config: Config, state: Arc<Listener>) {
    let mut backoff = BACKOFF_MIN;
    loop {
        match listen(&config, &state).await {
            Ok(()) => backoff = BACKOFF_MIN,
            Err(e) => tracing::warn!(error = %e, "session-cache listener disconnected"),
        }
        state.set_connected(false);
        state.backend_pid.store(0, SeqCst);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

/// One connection's life; returns when it ends. `Ok` if it had been listening.
async fn listen(config: &Config, state: &Arc<Listener>) -> Result<(), String> {
    let stream = open_socket(config).await?;
    let (client, mut conn) = config
        .connect_raw(stream, NoTls)
        .await
        .map_err(|e| e.to_string())?;
    // Each notification is applied as it is read, before whatever answer follows it
    // on the socket is handed to its query: the barrier's ordering rests on this.
    let drive = poll_fn(|cx: &mut Context<'_>| loop {
        match conn.poll_message(cx) {
            Poll::Ready(Some(Ok(AsyncMessage::Notification(n)))) => state.apply(n.payload()),
            Poll::Ready(Some(Ok(_))) => {}
            Poll::Ready(Some(Err(e))) => return Poll::Ready(Err(e.to_string())),
            Poll::Ready(None) => return Poll::Ready(Err("connection closed".into())),
            Poll::Pending => return Poll::Pending,
        }
    });
    let mut drive = std::pin::pin!(drive);
    let serve = async {
        client
            .batch_execute(&format!("LISTEN {CHANNEL}"))
            .await
            .map_err(|e| e.to_string())?;
        let row = client
            .query_one(
                "SELECT pg_backend_pid(), COALESCE(current_schema(), '')::TEXT, \
                 current_setting('server_version_num')::INT",
                &[],
            )
            .await
            .map_err(|e| e.to_string())?;
        let version: i32 = row.get(2);
        if version < MIN_SERVER_VERSION {
            // Never connected: reads keep going to the database.
            tracing::warn!(
                version,
                "PostgreSQL older than 14: the session cache stays off"
            );
            std::future::pending::<()>().await;
        }
        *state.schema.write().unwrap_or_else(|p| p.into_inner()) = Some(row.get(1));
        state.backend_pid.store(row.get(0), SeqCst);
        state.set_connected(true);
        let barrier = &state.barrier;
        loop {
            // A reader asks for a round trip, or the heartbeat is due.
            let _ = tokio::time::timeout(HEARTBEAT, barrier.wanted.notified()).await;
            let number = barrier.next.fetch_add(1, SeqCst);
            match tokio::time::timeout(HEARTBEAT, client.batch_execute("")).await {
                Ok(Ok(())) => {
                    barrier.done.send_replace(number);
                }
                Ok(Err(e)) => return Err::<(), String>(e.to_string()),
                Err(_) => return Err("round trip timed out".into()),
            }
        }
    };
    tokio::select! {
        end = &mut drive => end,
        end = serve => end,
    }
}

async fn open_socket(config: &Config) -> Result<TcpStream, String> {
    let ports = config.get_ports();
    let mut last = String::from("no TCP host in the PostgreSQL URL (the cache stays off)");
    for (i, host) in config.get_hosts().iter().enumerate() {
        let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
        let Host::Tcp(name) = host else { continue };
        match TcpStream::connect((name.as_str(), port)).await {
            Ok(s) => {
                s.set_nodelay(true).map_err(|e| e.to_string())?;
                return Ok(s);
            }
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip_and_garbage_is_rejected() {
        let keys = [
            SessionKey::Id([0xab; 32]),
            SessionKey::Uid([0x01; 16]),
            SessionKey::All,
        ];
        let p = payload(0xfeed, 42, &keys);
        assert_eq!(parse(&p), Some((0xfeed, 42, keys.to_vec())));
        for bad in ["", "x|", "1:2", "1:2|sabc", "1:2|q00", "zz:1|*"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[tokio::test]
    async fn a_barrier_waits_for_a_round_trip_that_starts_after_it() {
        let l = Arc::new(Listener::new());
        assert!(!l.fresh().await, "not connected: read the database");
        l.connected.store(true, SeqCst);
        let reader = tokio::spawn({
            let l = l.clone();
            async move { l.fresh().await }
        });
        l.barrier.wanted.notified().await;
        // A round trip that had started before the reader asked does not count.
        l.barrier.done.send_replace(0);
        tokio::task::yield_now().await;
        assert!(!reader.is_finished());
        let number = l.barrier.next.fetch_add(1, SeqCst);
        l.barrier.done.send_replace(number);
        assert!(reader.await.unwrap());
    }
}
