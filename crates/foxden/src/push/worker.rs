//! The push queue's delivery side, as the mail queue's (ADR 0014): claim due
//! rows with a lease, POST each, then delete the row (delivered, or given up) or
//! schedule the next attempt with exponential backoff (`Retry-After` honoured).
//! A row whose TTL has run out goes unsent: the push service would drop it too.
//! A row is given up and logged once, with its account, device and the
//! endpoint's host, never its path (the subscription's capability), keys or payload.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use foxden_db::ops::{PushQueue, QueuedPush};
use foxden_db::{DbError, Uid};
use tokio::sync::watch;

use super::sender::{Outcome, PushRequest, PushSender};
use super::PushState;
use crate::clock::now_ms;
use crate::mail::queue::RetryPolicy;

/// Pushes sent at once.
const BATCH: u32 = 16;
/// How long a claim holds a row: longer than one POST may take (15 s).
pub const LEASE_MS: i64 = 60_000;
/// How long a stopping worker goes on sending what is due.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// With nothing due, look again this often (rows due later, other nodes' rows).
const IDLE_POLL: Duration = Duration::from_secs(1);
/// The longest `Retry-After` honoured.
const MAX_RETRY_AFTER_MS: i64 = 3_600_000;

/// Called when the push service says a device's subscription is gone (404/410)
/// or its stored key is unusable: the device's `pushEndpointExpired` is to be set.
#[async_trait]
pub trait EndpointGone: Send + Sync {
    async fn endpoint_gone(&self, uid: Uid, device_id: [u8; 16], endpoint: &str);
}

/// The default hook: sets the device's `push_endpoint_expired` if its callback
/// is still the endpoint that went (it shows as `pushEndpointExpired`, and no
/// push is queued for it until the device registers a new callback).
pub struct ExpireGoneEndpoints(pub foxden_db::Store);

#[async_trait]
impl EndpointGone for ExpireGoneEndpoints {
    async fn endpoint_gone(&self, uid: Uid, device_id: [u8; 16], endpoint: &str) {
        use foxden_db::ops::Devices;
        match self
            .0
            .expire_push_endpoint(&uid, &device_id, endpoint)
            .await
        {
            Ok(marked) => {
                tracing::info!(device = %foxden_crypto::to_hex(device_id), marked, "push endpoint gone")
            }
            Err(err) => tracing::warn!(
                device = %foxden_crypto::to_hex(device_id),
                error = %err,
                "push endpoint gone: cannot mark the device"
            ),
        }
    }
}

/// What a worker needs.
pub struct PushWorker {
    pub db: foxden_db::Store,
    pub state: PushState,
    pub sender: Arc<PushSender>,
    /// Endpoints must match this (the allowed push servers) to be sent to.
    pub allowed_servers: regex::Regex,
    pub gone: Arc<dyn EndpointGone>,
    pub policy: RetryPolicy,
}

impl PushWorker {
    /// Sends until `shutdown` turns true, then sends what is due by then (for at
    /// most [`SHUTDOWN_GRACE`]); the rest waits in the database.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                let drain = async { while matches!(self.deliver_due().await, Ok(n) if n > 0) {} };
                let _ = tokio::time::timeout(SHUTDOWN_GRACE, drain).await;
                return;
            }
            let handled = match self.deliver_due().await {
                Ok(n) => n,
                Err(err) => {
                    tracing::warn!(error = %err, "push queue: cannot read due pushes");
                    0
                }
            };
            if handled > 0 {
                continue;
            }
            tokio::select! {
                _ = self.state.waker.woken() => {}
                _ = tokio::time::sleep(IDLE_POLL) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Claims and sends one batch; returns how many rows it handled.
    pub async fn deliver_due(&self) -> Result<usize, DbError> {
        let now = now_ms();
        let claimed = self.db.claim_due_pushes(now, LEASE_MS, BATCH).await?;
        let count = claimed.len();
        let mut sends = tokio::task::JoinSet::new();
        for row in claimed {
            if let Some(reason) = self.unsendable(&row, now) {
                self.give_up(&row, reason, None).await?;
                continue;
            }
            let Ok(plaintext) = self.state.open(&row.push) else {
                self.give_up(&row, "its payload does not open", None)
                    .await?;
                continue;
            };
            let sender = self.sender.clone();
            sends.spawn(async move {
                let age_secs = (now - row.created_at).max(0) / 1000;
                let ttl_secs = (i64::from(row.push.ttl_secs) - age_secs).max(0) as u32;
                let data = match (&row.push.p256dh, &row.push.auth, &plaintext) {
                    (Some(p), Some(a), Some(plain)) => Some((p.as_str(), a.as_str(), &plain[..])),
                    _ => None,
                };
                let request = PushRequest {
                    endpoint: &row.push.endpoint,
                    ttl_secs,
                    data,
                };
                let outcome = sender.send(request, now / 1000).await;
                (row, outcome)
            });
        }
        while let Some(joined) = sends.join_next().await {
            let Ok((row, outcome)) = joined else { continue };
            self.settle(row, outcome).await?;
        }
        Ok(count)
    }

    /// Why a row is not to be sent at all.
    fn unsendable(&self, row: &QueuedPush, now: i64) -> Option<&'static str> {
        if !self.allowed_servers.is_match(&row.push.endpoint) {
            return Some("its endpoint is not an allowed push server");
        }
        let expires = row.created_at + i64::from(row.push.ttl_secs) * 1000;
        (row.push.ttl_secs > 0 && now >= expires).then_some("its TTL ran out")
    }

    async fn settle(&self, row: QueuedPush, outcome: Outcome) -> Result<(), DbError> {
        let attempts = row.attempts + 1;
        match outcome {
            Outcome::Delivered => self.db.mark_push_sent(row.id).await.map(drop),
            Outcome::Gone { status } => {
                tracing::debug!(
                    device = %foxden_crypto::to_hex(row.push.device_id),
                    status,
                    "push: endpoint gone"
                );
                let p = &row.push;
                self.gone
                    .endpoint_gone(p.uid, p.device_id, &p.endpoint)
                    .await;
                self.db.mark_push_sent(row.id).await?;
                self.db
                    .drop_pushes_to(&p.uid, &p.device_id, &p.endpoint)
                    .await
                    .map(drop)
            }
            Outcome::Retry {
                status,
                retry_after_secs,
            } => {
                let Some(wait) = self.policy.next_wait_ms(attempts) else {
                    return self.give_up(&row, "it kept failing", status).await;
                };
                let asked = retry_after_secs
                    .map(|s| i64::try_from(s.saturating_mul(1000)).unwrap_or(i64::MAX))
                    .unwrap_or(0)
                    .min(MAX_RETRY_AFTER_MS);
                let next = now_ms() + wait.max(asked);
                let expires = row.created_at + i64::from(row.push.ttl_secs) * 1000;
                if row.push.ttl_secs > 0 && next >= expires {
                    return self
                        .give_up(&row, "its TTL runs out before a retry", status)
                        .await;
                }
                tracing::debug!(id = row.id, attempts, status, "push: will retry");
                self.db
                    .retry_push_later(row.id, attempts, next)
                    .await
                    .map(drop)
            }
            Outcome::Refused { status } => {
                self.give_up(&row, "the push service refused it", status)
                    .await
            }
        }
    }

    async fn give_up(
        &self,
        row: &QueuedPush,
        reason: &'static str,
        status: Option<u16>,
    ) -> Result<(), DbError> {
        let host = url::Url::parse(&row.push.endpoint)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        tracing::warn!(
            uid = %foxden_crypto::to_hex(row.push.uid),
            device = %foxden_crypto::to_hex(row.push.device_id),
            host = %host,
            status,
            attempts = row.attempts + 1,
            reason,
            "push given up"
        );
        self.db.give_up_push(row.id).await.map(drop)
    }
}
