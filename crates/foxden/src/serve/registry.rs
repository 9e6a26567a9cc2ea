//! The open connections: what each is doing (atomics its own task updates, no
//! lock per request) and the registry the accept loop evicts from at the cap.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::ConnectionLimits;

/// Milliseconds on a process-wide monotonic clock; never 0 (0 means "not yet").
pub(super) fn now_ms() -> u64 {
    clock_base().elapsed().as_millis() as u64 + 1
}

/// The instant a [`now_ms`] value stands for.
pub(super) fn instant_at(ms: u64) -> tokio::time::Instant {
    tokio::time::Instant::from_std(clock_base() + Duration::from_millis(ms.saturating_sub(1)))
}

fn clock_base() -> Instant {
    static BASE: OnceLock<Instant> = OnceLock::new();
    *BASE.get_or_init(Instant::now)
}

/// One connection's state.
pub(super) struct Slot {
    accepted_ms: u64,
    /// Requests handed to the router whose response body has not been dropped yet.
    in_flight: AtomicU32,
    /// When the last response finished (0: none yet).
    last_done_ms: AtomicU64,
    /// When the first byte of the next request head arrived (0: none yet).
    head_started_ms: AtomicU64,
    /// The request in the handler is waiting for body bytes that have not come.
    awaiting_body: AtomicBool,
    /// The current request's body did not arrive within the body read timeout.
    body_timed_out: AtomicBool,
    evicted: AtomicBool,
    evict: Notify,
}

impl Slot {
    fn new() -> Self {
        Slot {
            accepted_ms: now_ms(),
            in_flight: AtomicU32::new(0),
            last_done_ms: AtomicU64::new(0),
            head_started_ms: AtomicU64::new(0),
            awaiting_body: AtomicBool::new(false),
            body_timed_out: AtomicBool::new(false),
            evicted: AtomicBool::new(false),
            evict: Notify::new(),
        }
    }

    /// Bytes arrived: with no request in progress, they start the next head.
    pub(super) fn bytes_read(&self) {
        if self.in_flight.load(Relaxed) == 0 && self.head_started_ms.load(Relaxed) == 0 {
            self.head_started_ms.store(now_ms(), Relaxed);
        }
    }

    pub(super) fn request_started(&self) {
        self.in_flight.fetch_add(1, Relaxed);
        self.head_started_ms.store(0, Relaxed);
        self.body_timed_out.store(false, Relaxed);
    }

    pub(super) fn request_done(&self) {
        self.last_done_ms.store(now_ms(), Relaxed);
        self.awaiting_body.store(false, Relaxed);
        self.in_flight.fetch_sub(1, Relaxed);
    }

    pub(super) fn set_awaiting_body(&self, waiting: bool) {
        self.awaiting_body.store(waiting, Relaxed);
    }

    pub(super) fn mark_body_timed_out(&self) {
        self.body_timed_out.store(true, Relaxed);
    }

    pub(super) fn take_body_timed_out(&self) -> bool {
        self.body_timed_out.swap(false, Relaxed)
    }

    /// When the connection must be closed if nothing changes; `None` while a
    /// request is in the handler (the body timeout covers a stalled body).
    pub(super) fn deadline_ms(&self, limits: &ConnectionLimits) -> Option<u64> {
        if self.in_flight.load(Relaxed) > 0 {
            return None;
        }
        let header = limits.header_read_timeout.as_millis() as u64;
        let last_done = self.last_done_ms.load(Relaxed);
        if last_done == 0 {
            return Some(self.accepted_ms + header);
        }
        match self.head_started_ms.load(Relaxed) {
            0 => Some(last_done + limits.idle_timeout.as_millis() as u64),
            head => Some(head + header),
        }
    }

    /// Whether closing it loses no work: no request in the handler, or one
    /// still waiting for its body.
    fn evictable(&self) -> bool {
        !self.evicted.load(Relaxed)
            && (self.in_flight.load(Relaxed) == 0 || self.awaiting_body.load(Relaxed))
    }

    /// When it last did something useful: its last response, or its accept.
    fn last_useful_ms(&self) -> u64 {
        self.last_done_ms.load(Relaxed).max(self.accepted_ms)
    }

    /// Resolves once the accept loop has chosen to close this connection.
    pub(super) async fn evicted(&self) {
        self.evict.notified().await
    }
}

#[derive(Default)]
pub(super) struct Registry {
    slots: Mutex<HashMap<u64, Arc<Slot>>>,
    next_id: AtomicU64,
    /// Evicted connections that have not closed yet.
    evicting: AtomicUsize,
}

/// A connection's place in the registry; leaving drops it.
pub(super) struct Registration {
    registry: Arc<Registry>,
    id: u64,
    slot: Arc<Slot>,
}

impl Registration {
    pub(super) fn slot(&self) -> &Arc<Slot> {
        &self.slot
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.registry.lock().remove(&self.id);
        if self.slot.evicted.load(Relaxed) {
            self.registry.evicting.fetch_sub(1, Relaxed);
        }
    }
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Slot>>> {
        self.slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(super) fn register(self: &Arc<Self>) -> Registration {
        let id = self.next_id.fetch_add(1, Relaxed);
        let slot = Arc::new(Slot::new());
        self.lock().insert(id, slot.clone());
        Registration {
            registry: self.clone(),
            id,
            slot,
        }
    }

    pub(super) fn evicting(&self) -> usize {
        self.evicting.load(Relaxed)
    }

    /// Asks up to `count` evictable connections, those that have gone longest
    /// without a response, to close; returns how many were asked.
    pub(super) fn evict_stalest(&self, count: usize) -> usize {
        let slots = self.lock();
        let mut candidates: Vec<(u64, &Arc<Slot>)> = slots
            .values()
            .filter(|slot| slot.evictable())
            .map(|slot| (slot.last_useful_ms(), slot))
            .collect();
        if candidates.len() > count {
            candidates.select_nth_unstable_by_key(count, |(at, _)| *at);
            candidates.truncate(count);
        }
        for (_, slot) in &candidates {
            slot.evicted.store(true, Relaxed);
            self.evicting.fetch_add(1, Relaxed);
            slot.evict.notify_one();
        }
        candidates.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> ConnectionLimits {
        ConnectionLimits {
            header_read_timeout: Duration::from_millis(100),
            body_read_timeout: Duration::from_millis(200),
            idle_timeout: Duration::from_millis(1000),
            max_connections: 10,
        }
    }

    #[test]
    fn deadlines_follow_the_connection_state() {
        let slot = Slot::new();
        let limits = limits();
        // First request: the head must be complete 100 ms after the accept.
        assert_eq!(slot.deadline_ms(&limits), Some(slot.accepted_ms + 100));
        slot.bytes_read();
        assert_eq!(slot.deadline_ms(&limits), Some(slot.accepted_ms + 100));
        slot.request_started();
        assert_eq!(slot.deadline_ms(&limits), None, "in the handler");
        slot.bytes_read();
        assert_eq!(
            slot.head_started_ms.load(Relaxed),
            0,
            "body bytes start no head"
        );
        slot.request_done();
        let done = slot.last_done_ms.load(Relaxed);
        assert_eq!(slot.deadline_ms(&limits), Some(done + 1000), "idle");
        slot.bytes_read();
        let head = slot.head_started_ms.load(Relaxed);
        assert_eq!(slot.deadline_ms(&limits), Some(head + 100), "next head");
    }

    #[test]
    fn evicts_the_stalest_idle_or_body_waiting_connections_only() {
        let registry = Arc::new(Registry::default());
        let stalled = registry.register();
        let busy = registry.register();
        busy.slot().request_started();
        let waiting_for_body = registry.register();
        waiting_for_body.slot().request_started();
        waiting_for_body.slot().set_awaiting_body(true);
        std::thread::sleep(Duration::from_millis(5));
        let fresh = registry.register();

        assert_eq!(registry.evict_stalest(2), 2);
        assert!(stalled.slot().evicted.load(Relaxed));
        assert!(waiting_for_body.slot().evicted.load(Relaxed));
        assert!(!busy.slot().evicted.load(Relaxed));
        assert!(!fresh.slot().evicted.load(Relaxed));
        assert_eq!(registry.evicting(), 2);
        // Already evicted ones are not chosen again; the busy one never is.
        assert_eq!(registry.evict_stalest(5), 1);
        assert!(fresh.slot().evicted.load(Relaxed));
        drop((stalled, waiting_for_body, fresh));
        assert_eq!(registry.evicting(), 0);
        assert_eq!(registry.lock().len(), 1);
        drop(busy);
        assert!(registry.lock().is_empty());
    }
}
