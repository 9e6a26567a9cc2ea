//! The HTTP/1.1 server: an accept loop of our own around hyper, so that slow or
//! idle clients cannot hold connections forever (see docs/adr/0008).
//!
//! - header read timeout: a request head must be complete this long after the
//!   connection opened (first request) or after its first byte arrived (later ones);
//! - body read timeout: a request body must be complete this long after its head
//!   (408, then the connection closes);
//! - idle timeout: a keep-alive connection with no request for this long is closed;
//! - connection cap: at the cap, the connections that have gone longest without
//!   a request (stalled heads, stalled bodies, idle keep-alive) are closed to make
//!   room, so new clients are still served.

mod conn;
mod fd_limit;
mod heap;
mod registry;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};

use crate::settings::Settings;
use registry::Registry;

/// Timeouts and the connection cap, resolved at startup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    pub header_read_timeout: Duration,
    pub body_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
}

/// Default connection cap when the open-file limit allows it.
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;

impl ConnectionLimits {
    /// Raises the soft open-file limit to the hard one and checks the cap against it.
    pub fn from_settings(settings: &Settings) -> Result<Self, String> {
        let fd_limit = fd_limit::raise_to_hard_limit();
        Ok(ConnectionLimits {
            header_read_timeout: Duration::from_millis(settings.header_read_timeout_ms),
            body_read_timeout: Duration::from_millis(settings.body_read_timeout_ms),
            idle_timeout: Duration::from_millis(settings.idle_timeout_ms),
            max_connections: fd_limit::max_connections(settings.max_connections, fd_limit)?,
        })
    }
}

/// How often the eviction warning may be logged.
const EVICTION_LOG_EVERY: Duration = Duration::from_secs(10);

/// Serves `router` on `listener` until `shutdown` resolves; then stops accepting,
/// lets in-flight requests finish and waits for every connection to close.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Everything is built by now: what start-up freed goes back to the kernel.
    heap::release_free_heap();
    let cap = limits.max_connections;
    let permits = Arc::new(Semaphore::new(cap));
    let registry = Arc::new(Registry::default());
    let (draining_tx, draining_rx) = watch::channel(false);
    let mut builder = hyper::server::conn::http1::Builder::new();
    // Our watchdog does the header and idle timeouts (hyper's header timer also
    // runs while a keep-alive connection waits, so it cannot tell the two apart).
    builder.keep_alive(true).header_read_timeout(None);
    let builder = Arc::new(builder);
    let mut evictions = EvictionLog::default();
    tokio::pin!(shutdown);

    'accept: loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(err) if is_per_connection_error(&err) => continue,
            Err(err) => {
                // Out of file descriptors (or worse): make room and retry shortly.
                let evicted = registry.evict_stalest(eviction_batch(cap));
                evictions.note(evicted, cap, Some(&err));
                tokio::time::sleep(Duration::from_millis(if evicted > 0 { 5 } else { 100 })).await;
                continue;
            }
        };
        let permit = match permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => loop {
                // At the cap: close the stalest connections (unless some are
                // still closing), wait for one to go, and look again now and
                // then in case a busy connection has become idle meanwhile.
                if registry.evicting() == 0 {
                    let evicted = registry.evict_stalest(eviction_batch(cap));
                    evictions.note(evicted, cap, None);
                }
                tokio::select! {
                    permit = permits.clone().acquire_owned() => {
                        break permit.expect("the semaphore is never closed");
                    }
                    _ = tokio::time::sleep(Duration::from_millis(250)) => {}
                    _ = &mut shutdown => break 'accept,
                }
            },
        };
        let registration = registry.register();
        let connection = conn::Connection {
            router: router.clone(),
            peer,
            slot: registration.slot().clone(),
            limits,
            builder: builder.clone(),
            draining: draining_rx.clone(),
        };
        tokio::spawn(async move {
            connection.serve(stream).await;
            drop(registration);
            drop(permit);
        });
    }

    drop(listener);
    let _ = draining_tx.send(true);
    // Every connection holds a permit until it has closed.
    let all = u32::try_from(cap).unwrap_or(u32::MAX);
    let _ = permits.acquire_many(all).await;
    Ok(())
}

/// Closing about 3 % of the cap at once keeps the scans rare under a flood.
fn eviction_batch(cap: usize) -> usize {
    (cap / 32).max(1)
}

/// Errors about one incoming connection, not about the listener.
fn is_per_connection_error(err: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        err.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset | Interrupted
    )
}

/// A warning at most every [`EVICTION_LOG_EVERY`], with counts only.
#[derive(Default)]
struct EvictionLog {
    last: Option<Instant>,
    evicted: usize,
}

impl EvictionLog {
    fn note(&mut self, evicted: usize, cap: usize, accept_error: Option<&std::io::Error>) {
        self.evicted += evicted;
        if self
            .last
            .is_some_and(|at| at.elapsed() < EVICTION_LOG_EVERY)
        {
            return;
        }
        self.last = Some(Instant::now());
        match accept_error {
            Some(err) => tracing::warn!(
                error = %err,
                evicted = self.evicted,
                "cannot accept connections; closing stalled or idle ones"
            ),
            None if evicted == 0 => tracing::warn!(
                max_connections = cap,
                "connection cap reached and every connection is busy; new clients wait"
            ),
            None => tracing::warn!(
                max_connections = cap,
                evicted = self.evicted,
                "connection cap reached; closing the connections idle or stalled the longest"
            ),
        }
        self.evicted = 0;
    }
}
