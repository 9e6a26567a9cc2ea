//! The durable mail queue's delivery side (ADR 0014).
//!
//! A request never talks to SMTP: it writes the sealed message as a row in the
//! same transaction as the change that causes it, and wakes this worker after the
//! commit. The worker claims due rows (the claim pushes their next attempt a lease
//! ahead, so another node, or this one after a crash, takes them up only once the
//! lease has run out), hands each to the [`Mailer`], and then deletes the row
//! (sent), or schedules the next attempt with exponential backoff (a transient
//! failure), or drops it (a permanent failure, or too many attempts). A message
//! dropped that way is logged once, with its template and a keyed hash of its
//! recipient, never its address, links or codes.

use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::hmac;
use tokio::sync::{watch, Notify};

use foxden_db::ops::MailQueue;

use super::codec::MailCodec;
use super::{MailError, Mailer};
use crate::clock::now_ms;

/// Messages handed to the mailer at once.
const BATCH: u32 = 8;
/// How long a claim holds a row: longer than any one hand-off can take (the SMTP
/// transport gives up after 10 s).
pub const LEASE_MS: i64 = 120_000;
/// How long a stopping worker goes on handing off mail that is due.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// With nothing due, look again this often (rows due later, other nodes' rows).
const IDLE_POLL: Duration = Duration::from_secs(1);

/// When to try again after a failed hand-off.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// The wait after the first failure; it doubles with each further one.
    pub first_retry_ms: i64,
    /// The longest wait between two attempts.
    pub max_retry_ms: i64,
    /// Attempts in all before a message is given up.
    pub max_attempts: i32,
}

impl Default for RetryPolicy {
    /// 30 s, 1 min, 2 min, … capped at 1 h: 12 attempts span about 6 hours.
    fn default() -> Self {
        RetryPolicy {
            first_retry_ms: 30_000,
            max_retry_ms: 3_600_000,
            max_attempts: 12,
        }
    }
}

impl RetryPolicy {
    /// The wait before the next attempt after `attempts` failed ones, or `None`
    /// when the message is to be given up.
    pub fn next_wait_ms(&self, attempts: i32) -> Option<i64> {
        if attempts >= self.max_attempts {
            return None;
        }
        let doublings = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(0)
            .min(40);
        let wait = self.first_retry_ms.saturating_mul(1i64 << doublings);
        Some(wait.min(self.max_retry_ms).max(0))
    }
}

/// The key of the recipient hash in log lines, from the server secret.
pub fn log_key(secret: &[u8]) -> [u8; 32] {
    let mut key = [0u8; 32];
    foxden_crypto::hkdf::hkdf_sha256(secret, None, b"foxden/v1/mail-log-recipient", &mut key);
    key
}

/// Wakes the worker after a commit that queued mail.
#[derive(Clone, Default)]
pub struct MailWaker(Arc<Notify>);

impl MailWaker {
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

/// What a worker needs; cheap to build from the app state.
pub struct MailWorker {
    pub db: foxden_db::Store,
    pub mailer: Arc<dyn Mailer>,
    pub codec: Arc<MailCodec>,
    pub policy: RetryPolicy,
    pub waker: MailWaker,
    /// Keys the recipient hash in the give-up log line.
    pub log_key: [u8; 32],
}

impl MailWorker {
    /// Delivers until `shutdown` turns true, then hands off what is due by then
    /// (for at most [`SHUTDOWN_GRACE`]); the rest waits in the database.
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
                    tracing::warn!(error = %err, "mail queue: cannot read due mail");
                    0
                }
            };
            if handled > 0 {
                continue;
            }
            tokio::select! {
                _ = self.waker.0.notified() => {}
                _ = tokio::time::sleep(IDLE_POLL) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Claims and hands off one batch; returns how many rows it handled.
    pub async fn deliver_due(&self) -> Result<usize, foxden_db::DbError> {
        let claimed = self.db.claim_due_mail(now_ms(), LEASE_MS, BATCH).await?;
        let count = claimed.len();
        let mut sends = tokio::task::JoinSet::new();
        for row in claimed {
            let mailer = self.mailer.clone();
            let codec = self.codec.clone();
            sends.spawn(async move {
                let outcome = match codec.open(&row.payload) {
                    Ok(mail) => mailer.send(mail).await,
                    Err(err) => Err(err),
                };
                (row, outcome)
            });
        }
        while let Some(joined) = sends.join_next().await {
            let Ok((row, outcome)) = joined else { continue };
            self.settle(row, outcome).await?;
        }
        Ok(count)
    }

    async fn settle(
        &self,
        row: foxden_db::QueuedMail,
        outcome: Result<(), MailError>,
    ) -> Result<(), foxden_db::DbError> {
        let attempts = row.attempts + 1;
        let reason = match outcome {
            Ok(()) => return self.db.mark_mail_sent(row.id).await.map(drop),
            Err(MailError::Transport {
                permanent: false, ..
            }) => match self.policy.next_wait_ms(attempts) {
                Some(wait) => {
                    tracing::debug!(
                        id = row.id,
                        attempts,
                        wait,
                        "mail queue: hand-off failed, will retry"
                    );
                    return self
                        .db
                        .retry_mail_later(row.id, attempts, now_ms() + wait)
                        .await
                        .map(drop);
                }
                None => "it kept failing",
            },
            Err(MailError::Transport { .. }) => "the mail server refused it",
            Err(MailError::Build(_)) => "it cannot be built",
        };
        tracing::warn!(
            template = %row.template,
            recipient = %self.recipient_hash(&row),
            attempts,
            reason,
            "mail given up"
        );
        self.db.give_up_mail(row.id).await.map(drop)
    }

    /// A keyed hash of the recipient (16 hex digits): the same address gives the
    /// same value in every log line, and the logs alone give no address.
    fn recipient_hash(&self, row: &foxden_db::QueuedMail) -> String {
        let to = self
            .codec
            .open(&row.payload)
            .map(|m| m.to.to_lowercase())
            .unwrap_or_default();
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.log_key);
        foxden_crypto::to_hex(&hmac::sign(&key, to.as_bytes()).as_ref()[..8])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap_then_give_up() {
        let policy = RetryPolicy {
            first_retry_ms: 1_000,
            max_retry_ms: 5_000,
            max_attempts: 5,
        };
        let waits: Vec<_> = (1..=5).map(|a| policy.next_wait_ms(a)).collect();
        assert_eq!(
            waits,
            [Some(1_000), Some(2_000), Some(4_000), Some(5_000), None]
        );
        let default = RetryPolicy::default();
        let total: i64 = (1..default.max_attempts)
            .filter_map(|a| default.next_wait_ms(a))
            .sum();
        assert!((5 * 3_600_000..7 * 3_600_000).contains(&total), "{total}");
        assert_eq!(default.next_wait_ms(i32::MAX), None);
    }
}
