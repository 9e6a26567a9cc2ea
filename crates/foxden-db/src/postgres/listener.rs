//! The session-cache listener of one [`super::PostgresDb`] (ADR 0011, "PostgreSQL
//! session cache"): a dedicated connection (not from the pool) running
//! `LISTEN foxden_sessions`, evicting what each notification names.
//!
//! * Every commit that changes sessions sends one notification,
//!   `<schema>|<origin>:<seq>|<key>,<key>…`, inside its transaction (so only on
//!   commit). A key is `s<id hash hex>`, `u<uid hex>` or `*`; `origin` names the
//!   handle that sent it, so a handle can wait for its own (see [`Listener::expect`]);
//!   listeners ignore other schemas' notifications (the channel is per database).
//! * The cache may serve a hit only while [`Listener::is_current`]: the listener is
//!   connected and has read and applied everything that has arrived on its socket
//!   (a non-blocking `peek` finds nothing unread, and no read of the socket happened
//!   since the last time the connection had no more messages). Otherwise reads go to
//!   the database. On (re)connect the cache is cleared once `LISTEN` is in effect; on
//!   loss of the connection, right away.
//! * A heartbeat (`SELECT 1` every [`HEARTBEAT`], answered within it) notices a
//!   connection that died without closing.

use std::collections::HashMap;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex, RwLock};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
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
    /// Reads of the socket started (counted before each read).
    reads: Arc<AtomicU64>,
    /// The value of `reads` when the connection last had no message left to hand out.
    drained: AtomicU64,
    /// A clone of the listener's socket, to peek for unread bytes.
    socket: RwLock<Option<std::net::TcpStream>>,
    waiters: Mutex<HashMap<u64, oneshot::Sender<()>>>,
}

/// A notification this handle is about to send, and how to wait for its delivery.
pub(crate) struct Expected {
    pub(crate) payload: String,
    seq: u64,
    delivered: Option<oneshot::Receiver<()>>,
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
            reads: Arc::default(),
            drained: AtomicU64::new(u64::MAX),
            socket: RwLock::new(None),
            waiters: Mutex::default(),
        }
    }

    /// Whether the cache may serve a hit now (see the module docs).
    pub(crate) fn is_current(&self) -> bool {
        if !self.connected.load(SeqCst) {
            return false;
        }
        let unread = match self.socket.read() {
            Ok(guard) => match guard.as_ref() {
                Some(s) => {
                    !matches!(s.peek(&mut [0u8; 1]), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
                }
                None => true,
            },
            Err(_) => true,
        };
        !unread && self.reads.load(SeqCst) == self.drained.load(SeqCst)
    }

    /// The notification for a commit that changes `keys`; when the listener is
    /// connected, its delivery back to us can be awaited with [`Self::delivered`].
    pub(crate) fn expect(&self, keys: &[SessionKey]) -> Expected {
        let seq = self.seq.fetch_add(1, SeqCst);
        let payload = payload(self.origin, seq, keys);
        let delivered = self.connected.load(SeqCst).then(|| {
            let (tx, rx) = oneshot::channel();
            lock(&self.waiters).insert(seq, tx);
            rx
        });
        Expected {
            payload,
            seq,
            delivered,
        }
    }

    /// Forgets a notification that was not sent (its transaction rolled back).
    pub(crate) fn abandon(&self, expected: Expected) {
        lock(&self.waiters).remove(&expected.seq);
    }

    /// Waits (at most `limit`) until our listener has received our own notification,
    /// and with it every notification committed before it (PostgreSQL delivers them to
    /// each listener in commit order). If it does not come back in time, the cache is
    /// cleared instead, which leaves nothing stale either.
    pub(crate) async fn delivered(&self, expected: Expected, limit: Duration) {
        if let Some(rx) = expected.delivered {
            if tokio::time::timeout(limit, rx).await.is_err() {
                tracing::warn!("session-cache notification not seen back in time; cache cleared");
                self.cache.invalidate(&[SessionKey::All]);
            }
        }
        lock(&self.waiters).remove(&expected.seq);
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
            Some((origin, seq, keys)) => {
                self.cache.invalidate(&keys);
                if origin == self.origin {
                    let mut waiters = lock(&self.waiters);
                    if let Some(tx) = waiters.remove(&seq) {
                        let _ = tx.send(());
                    }
                    // Commits whose caller stopped waiting leave a closed entry.
                    waiters.retain(|_, tx| !tx.is_closed());
                }
            }
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

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
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
        *state.socket.write().unwrap_or_else(|p| p.into_inner()) = None;
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

/// One connection's life; returns when it ends. `Ok` if it had been listening.
async fn listen(config: &Config, state: &Arc<Listener>) -> Result<(), String> {
    let stream = open_socket(config).await?;
    let peer = stream.into_std().map_err(|e| e.to_string())?;
    let peek = peer.try_clone().map_err(|e| e.to_string())?;
    let stream = TcpStream::from_std(peer).map_err(|e| e.to_string())?;
    let counted = Counted {
        inner: stream,
        reads: state.reads.clone(),
    };
    let (client, mut conn) = config
        .connect_raw(counted, NoTls)
        .await
        .map_err(|e| e.to_string())?;
    *state.socket.write().unwrap_or_else(|p| p.into_inner()) = Some(peek);
    let drive = poll_fn(|cx: &mut Context<'_>| loop {
        match conn.poll_message(cx) {
            Poll::Ready(Some(Ok(AsyncMessage::Notification(n)))) => state.apply(n.payload()),
            Poll::Ready(Some(Ok(_))) => {}
            Poll::Ready(Some(Err(e))) => return Poll::Ready(Err(e.to_string())),
            Poll::Ready(None) => return Poll::Ready(Err("connection closed".into())),
            Poll::Pending => {
                state.drained.store(state.reads.load(SeqCst), SeqCst);
                return Poll::Pending;
            }
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
                "SELECT pg_backend_pid(), COALESCE(current_schema(), '')::TEXT",
                &[],
            )
            .await
            .map_err(|e| e.to_string())?;
        *state.schema.write().unwrap_or_else(|p| p.into_inner()) = Some(row.get(1));
        state.backend_pid.store(row.get(0), SeqCst);
        state.set_connected(true);
        loop {
            tokio::time::sleep(HEARTBEAT).await;
            match tokio::time::timeout(HEARTBEAT, client.simple_query("SELECT 1")).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => return Err::<(), String>(e.to_string()),
                Err(_) => return Err("heartbeat timed out".into()),
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

/// The listener's socket, counting each read before it happens.
struct Counted {
    inner: TcpStream,
    reads: Arc<AtomicU64>,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.reads.fetch_add(1, SeqCst);
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
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

    #[test]
    fn only_our_own_notification_releases_its_waiter() {
        let l = Listener::new();
        l.connected.store(true, SeqCst);
        let mut e = l.expect(&[SessionKey::Id([1; 32])]);
        let mut rx = e.delivered.take().unwrap();
        l.apply("not a payload");
        assert!(rx.try_recv().is_err());
        l.apply(&format!("|{}", e.payload));
        assert!(rx.try_recv().is_ok());
    }
}
