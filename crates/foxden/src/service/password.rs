//! Server-side password checks. scrypt (64 MiB, 0.1–0.3 s) runs on a fixed pool
//! of threads, one hash per worker at a time. A request is admitted only if its
//! expected wait (the hashes ahead of it at the measured hash time) fits the
//! wait budget and the queue cap; otherwise it gets 503 errno 201 with
//! `Retry-After` instead of waiting without limit.
//!
//! A refusal is answered after a short hold (`FOXDEN_SCRYPT_REFUSAL_HOLD_MS`),
//! holding no admission slot: a client that resends at once instead of honouring
//! `Retry-After` then loops a few times a second rather than thousands, so
//! refusals cannot eat the cores the hashes need (docs/benchmarks.md).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use foxden_crypto::verifier::{self, Verifier};
use tokio::sync::oneshot;

use crate::error::{ApiError, ApiResult};

struct Job {
    auth_pw: [u8; 32],
    auth_salt: [u8; 32],
    verifier_version: i32,
    reply: oneshot::Sender<Option<Verifier>>,
}

/// Shared between the pool handle and its workers.
struct Load {
    /// Jobs admitted and not finished (waiting or hashing).
    pending: AtomicUsize,
    /// Moving average of one hash in microseconds.
    average_micros: AtomicU64,
}

pub struct PasswordPool {
    queue: Mutex<Sender<Job>>,
    load: Arc<Load>,
    workers: usize,
    /// Hard cap on admitted jobs (workers + queue).
    max_pending: usize,
    max_wait_micros: u64,
    refusal_hold: std::time::Duration,
}

/// Releases an admission slot however the request ends (even if it is dropped).
struct Admitted<'a>(&'a Load);

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        self.0.pending.fetch_sub(1, Ordering::AcqRel);
    }
}

impl PasswordPool {
    pub fn new(
        workers: usize,
        queue_len: usize,
        max_wait_ms: u64,
        refusal_hold: std::time::Duration,
    ) -> Self {
        let workers = workers.max(1);
        let (queue, receiver) = channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let load = Arc::new(Load {
            pending: AtomicUsize::new(0),
            average_micros: AtomicU64::new(200_000),
        });
        for index in 0..workers {
            let receiver = receiver.clone();
            let load = load.clone();
            std::thread::Builder::new()
                .name(format!("foxden-scrypt-{index}"))
                .spawn(move || worker(receiver, load))
                .expect("spawn scrypt worker thread");
        }
        PasswordPool {
            queue: Mutex::new(queue),
            load,
            workers,
            max_pending: workers + queue_len,
            max_wait_micros: max_wait_ms.saturating_mul(1000),
            refusal_hold,
        }
    }

    /// Computes verifyHash and wrapwrapKey for `auth_pw` under `auth_salt`.
    pub async fn verifier(
        &self,
        auth_pw: &[u8; 32],
        auth_salt: &[u8; 32],
        verifier_version: i32,
    ) -> ApiResult<Verifier> {
        let _slot = match self.admit() {
            Ok(slot) => slot,
            Err(refusal) => {
                // The slot is already given back; only the answer waits.
                if !self.refusal_hold.is_zero() {
                    tokio::time::sleep(self.refusal_hold).await;
                }
                return Err(refusal);
            }
        };
        let (reply, answer) = oneshot::channel();
        let job = Job {
            auth_pw: *auth_pw,
            auth_salt: *auth_salt,
            verifier_version,
            reply,
        };
        let sent = self
            .queue
            .lock()
            .map_err(|_| ApiError::Unexpected)?
            .send(job);
        sent.map_err(|_| ApiError::Unexpected)?;
        answer.await.ok().flatten().ok_or(ApiError::Unexpected)
    }

    fn admit(&self) -> ApiResult<Admitted<'_>> {
        let ahead = self.load.pending.fetch_add(1, Ordering::AcqRel);
        let slot = Admitted(&self.load);
        let expected_wait = self.expected_wait_micros(ahead);
        if ahead >= self.max_pending
            || (ahead >= self.workers && expected_wait > self.max_wait_micros)
        {
            return Err(ApiError::ServerBusy {
                retry_after: expected_wait.div_ceil(1_000_000).max(1),
            });
        }
        Ok(slot)
    }

    /// Time until a job with `ahead` jobs before it has been hashed.
    fn expected_wait_micros(&self, ahead: usize) -> u64 {
        let average = self.load.average_micros.load(Ordering::Relaxed);
        (ahead / self.workers + 1) as u64 * average
    }
}

fn worker(receiver: Arc<Mutex<Receiver<Job>>>, load: Arc<Load>) {
    loop {
        let job = match receiver.lock() {
            Ok(guard) => match guard.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
            Err(_) => return,
        };
        if job.reply.is_closed() {
            continue; // the client went away while waiting
        }
        let started = Instant::now();
        // An unknown verifierVersion (only possible in imported data) fails the request.
        let result = verifier::try_compute(&job.auth_pw, &job.auth_salt, job.verifier_version).ok();
        let took = started.elapsed().as_micros() as u64;
        let old = load.average_micros.load(Ordering::Relaxed);
        load.average_micros
            .store((old * 7 + took) / 8, Ordering::Relaxed);
        let _ = job.reply.send(result);
    }
}

/// Which stored credential a presented authPW matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordVersion {
    V1,
    V2,
}

/// The outcome of checking a password against an account.
pub struct PasswordMatch {
    pub version: PasswordVersion,
    /// The password-level wrap of kB for that version (`wrapWrapKb XOR wrapwrapKey`).
    pub wrap_kb: [u8; 32],
}

/// Checks `auth_pw` against both stored verifiers of the account.
pub async fn check(
    pool: &PasswordPool,
    account: &foxden_db::Account,
    auth_pw: &[u8; 32],
) -> ApiResult<Option<PasswordMatch>> {
    let computed = pool
        .verifier(auth_pw, &account.auth_salt, account.verifier_version)
        .await?;
    if let Some(v2) = &account.v2 {
        if foxden_crypto::ct_eq(&computed.verify_hash, &v2.verify_hash) {
            let wrap_kb = foxden_crypto::xor32(&v2.wrap_wrap_kb, &computed.wrapwrap_key);
            return Ok(Some(PasswordMatch {
                version: PasswordVersion::V2,
                wrap_kb,
            }));
        }
    }
    if foxden_crypto::ct_eq(&computed.verify_hash, &account.verify_hash) {
        let wrap_kb = foxden_crypto::xor32(&account.wrap_wrap_kb, &computed.wrapwrap_key);
        return Ok(Some(PasswordMatch {
            version: PasswordVersion::V1,
            wrap_kb,
        }));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn full_pool_answers_busy_with_retry_after() {
        let pool = Arc::new(PasswordPool::new(1, 0, 1500, Duration::ZERO));
        let first = {
            let pool = pool.clone();
            tokio::spawn(async move { pool.verifier(&[1; 32], &[2; 32], 1).await })
        };
        // Let the first job be admitted.
        while pool.load.pending.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        match pool.verifier(&[3; 32], &[4; 32], 1).await {
            Err(ApiError::ServerBusy { retry_after }) => assert!(retry_after >= 1),
            other => panic!("expected 503 errno 201, got {:?}", other.map(|_| ())),
        }
        assert!(first.await.unwrap().is_ok());
        // The slot is released: the next request is admitted.
        assert!(pool.verifier(&[5; 32], &[6; 32], 1).await.is_ok());
        assert_eq!(pool.load.pending.load(Ordering::Acquire), 0);
    }

    /// On a paused clock: the refusal is answered after the hold, and while it
    /// is held it takes no slot from the next request.
    #[tokio::test(start_paused = true)]
    async fn a_refusal_is_held_without_holding_a_slot() {
        let hold = Duration::from_millis(500);
        let pool = Arc::new(PasswordPool::new(1, 0, 1500, hold));
        let slot = pool.admit().unwrap();
        let started = tokio::time::Instant::now();
        let refused = {
            let pool = pool.clone();
            tokio::spawn(async move { pool.verifier(&[3; 32], &[4; 32], 1).await.map(|_| ()) })
        };
        tokio::task::yield_now().await;
        assert_eq!(
            pool.load.pending.load(Ordering::Acquire),
            1,
            "only the admitted one"
        );
        drop(slot);
        assert!(matches!(
            refused.await.unwrap(),
            Err(ApiError::ServerBusy { .. })
        ));
        assert!(tokio::time::Instant::now() - started >= hold);
        assert_eq!(pool.load.pending.load(Ordering::Acquire), 0);
    }

    #[test]
    fn unknown_verifier_version_fails_the_request_not_the_worker() {
        let pool = PasswordPool::new(1, 0, 1500, Duration::ZERO);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert!(rt.block_on(pool.verifier(&[1; 32], &[2; 32], 7)).is_err());
        assert!(rt.block_on(pool.verifier(&[1; 32], &[2; 32], 0)).is_ok());
    }
}
