//! Server-side password checks. scrypt (64 MiB, ~0.1 s) runs on a fixed pool of
//! threads, at most one hash per worker in flight, behind a bounded queue. When
//! the queue is full the caller gets 503 errno 201 with `Retry-After` at once
//! instead of waiting without limit.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
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

pub struct PasswordPool {
    queue: SyncSender<Job>,
    workers: usize,
    capacity: usize,
    /// Moving average of one hash in microseconds, for `Retry-After`.
    average_micros: Arc<AtomicU64>,
}

impl PasswordPool {
    pub fn new(workers: usize, queue_len: usize) -> Self {
        let workers = workers.max(1);
        let (queue, receiver) = sync_channel::<Job>(queue_len);
        let receiver = Arc::new(Mutex::new(receiver));
        let average_micros = Arc::new(AtomicU64::new(150_000));
        for index in 0..workers {
            let receiver = receiver.clone();
            let average = average_micros.clone();
            std::thread::Builder::new()
                .name(format!("foxden-scrypt-{index}"))
                .spawn(move || worker(receiver, average))
                .expect("spawn scrypt worker thread");
        }
        PasswordPool {
            queue,
            workers,
            capacity: queue_len + workers,
            average_micros,
        }
    }

    /// Computes verifyHash and wrapwrapKey for `auth_pw` under `auth_salt`.
    pub async fn verifier(
        &self,
        auth_pw: &[u8; 32],
        auth_salt: &[u8; 32],
        verifier_version: i32,
    ) -> ApiResult<Verifier> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            auth_pw: *auth_pw,
            auth_salt: *auth_salt,
            verifier_version,
            reply,
        };
        match self.queue.try_send(job) {
            Ok(()) => answer.await.ok().flatten().ok_or(ApiError::Unexpected),
            Err(TrySendError::Full(_)) => Err(ApiError::ServerBusy {
                retry_after: self.retry_after_secs(),
            }),
            Err(TrySendError::Disconnected(_)) => Err(ApiError::Unexpected),
        }
    }

    /// Seconds until a full queue has drained, at least one.
    fn retry_after_secs(&self) -> u64 {
        let micros = self.average_micros.load(Ordering::Relaxed) * self.capacity as u64
            / self.workers as u64;
        micros.div_ceil(1_000_000).max(1)
    }
}

fn worker(receiver: Arc<Mutex<std::sync::mpsc::Receiver<Job>>>, average: Arc<AtomicU64>) {
    loop {
        let job = match receiver.lock() {
            Ok(guard) => match guard.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
            Err(_) => return,
        };
        let started = Instant::now();
        // An unknown verifierVersion (only possible in imported data) fails the request.
        let result = verifier::try_compute(&job.auth_pw, &job.auth_salt, job.verifier_version).ok();
        let took = started.elapsed().as_micros() as u64;
        let old = average.load(Ordering::Relaxed);
        average.store((old * 7 + took) / 8, Ordering::Relaxed);
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
