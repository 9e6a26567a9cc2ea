//! Web Push to devices (PROTOCOL §8.2): RFC 8291 `aes128gcm` encryption
//! ([`ece`]), RFC 8292 VAPID ([`vapid`]) and a durable queue in the database
//! delivered by a background worker ([`worker`]), as the mail queue (ADR 0014).
//! No request waits on a push service.
//!
//! # Using it (for the device, command and account code)
//!
//! 1. Build a [`PushTarget`] per device that is to get the push: skip devices
//!    whose `push_endpoint_expired` is set, and those [`ios_accepts`] refuses
//!    (`ua_os` "iOS" gets only `command_received`, `device_connected` and
//!    `device_disconnected`, as Mozilla's `filterSupportedDevices`).
//! 2. In the transaction of the change, call [`PushState::enqueue`] with the
//!    targets, the [`Message`] and the allowed push servers (the
//!    `push_allowed_servers` regex). Targets without a callback or whose callback
//!    the regex refuses are skipped; a data message skips targets without both
//!    keys (Mozilla's `noKeys`), so keyless devices get only empty pushes.
//! 3. After the commit, [`PushState::wake`] the worker.
//!
//! The worker POSTs each row with `TTL` (what is left of it), `Content-Encoding:
//! aes128gcm` and `Authorization: vapid …`. 2xx: done. 404/410, or a stored key
//! that is no P-256 point: the [`EndpointGone`] hook is called (it sets the
//! device's `pushEndpointExpired`) and every row queued for that endpoint goes.
//! 429/5xx/connection errors: retried with backoff (`Retry-After` honoured) while
//! the TTL lasts. Other 4xx: given up, logged once without keys or payload. The
//! worker checks the allowed servers again before each send.
//!
//! Payloads are sealed at rest (AES-256-GCM, a key from the server secret), so a
//! copy of the database shows no command URL, device name or payload.

pub mod ece;
pub mod sender;
pub mod vapid;
pub mod worker;

use std::sync::Arc;

use foxden_crypto::sealed::SecretBox;
use foxden_db::ops::{NewPush, PushQueue};
use foxden_db::{Conn, DbResult, Millis, Uid};
use serde::Serialize;
use tokio::sync::Notify;

pub use sender::PushSender;
pub use worker::{EndpointGone, ExpireGoneEndpoints, PushWorker};

/// `version` of every push payload.
pub const PAYLOAD_VERSION: u8 = 1;
pub const TTL_DEVICE_DISCONNECTED: u32 = 5 * 3600;
pub const TTL_PASSWORD_CHANGED: u32 = 6 * 3600;
pub const TTL_PASSWORD_RESET: u32 = TTL_PASSWORD_CHANGED;
pub const TTL_ACCOUNT_DESTROYED: u32 = TTL_DEVICE_DISCONNECTED;
/// `command_received`'s TTL when the caller gives none.
pub const TTL_COMMAND_RECEIVED: u32 = TTL_PASSWORD_CHANGED;
/// `verify_login`'s TTL: Mozilla's `sendPush` default (`TTL: '0'`), as no
/// constant of its own was found in the code read (PROTOCOL has none).
pub const TTL_VERIFY_LOGIN: u32 = 0;

/// Mozilla's `push.allowedServerRegex` default (its autopush hosts).
pub const MOZILLA_PUSH_SERVERS: &str = r"^https://[a-zA-Z0-9._-]+(\.services\.mozilla\.com|autopush\.dev\.mozaws\.net|autopush\.stage\.mozaws\.net)(?::\d+)?(/.*)?$";

/// Why an empty push (no payload, TTL 0) is sent: Mozilla's push reasons.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmptyReason {
    AccountVerify,
    AccountConfirm,
    DevicesNotify,
}

/// A push message of the §8.2 table.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    DeviceConnected {
        device_name: String,
    },
    DeviceDisconnected {
        device_id: String,
    },
    ProfileUpdated,
    PasswordChanged,
    PasswordReset,
    AccountDestroyed {
        uid: String,
    },
    /// `ttl_secs` `None`: [`TTL_COMMAND_RECEIVED`].
    CommandReceived {
        command: String,
        index: i64,
        sender: Option<String>,
        url: String,
        ttl_secs: Option<u32>,
    },
    /// `POST /account/devices/notify`: a payload the caller validated against the
    /// push payload schema, sent as it is.
    Notify {
        payload: serde_json::Value,
        ttl_secs: u32,
    },
    /// `POST /session/verify/send_push`: asks a signed-in desktop Firefox to
    /// confirm another sign-in; Firefox shows `title` and `body` and opens `url`.
    VerifyLogin {
        title: String,
        body: String,
        url: String,
    },
    Empty(EmptyReason),
}

#[derive(Serialize)]
struct Payload<'a, D: Serialize> {
    version: u8,
    command: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<D>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeviceConnectedData<'a> {
    device_name: &'a str,
}

#[derive(Serialize)]
struct IdData<'a> {
    id: &'a str,
}

#[derive(Serialize)]
struct UidData<'a> {
    uid: &'a str,
}

#[derive(Serialize)]
struct VerifyLoginData<'a> {
    title: &'a str,
    body: &'a str,
    url: &'a str,
}

#[derive(Serialize)]
struct CommandData<'a> {
    command: &'a str,
    index: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    sender: Option<&'a str>,
    url: &'a str,
}

fn payload<D: Serialize>(command: &str, data: Option<D>) -> Vec<u8> {
    let body = Payload {
        version: PAYLOAD_VERSION,
        command,
        data,
    };
    // Serializing plain structs of strings and numbers cannot fail.
    serde_json::to_vec(&body).unwrap_or_default()
}

impl Message {
    /// The payload's `command`, `None` for an empty push.
    pub fn command(&self) -> Option<&str> {
        Some(match self {
            Message::DeviceConnected { .. } => "fxaccounts:device_connected",
            Message::DeviceDisconnected { .. } => "fxaccounts:device_disconnected",
            Message::ProfileUpdated => "fxaccounts:profile_updated",
            Message::PasswordChanged => "fxaccounts:password_changed",
            Message::PasswordReset => "fxaccounts:password_reset",
            Message::AccountDestroyed { .. } => "fxaccounts:account_destroyed",
            Message::CommandReceived { .. } => "fxaccounts:command_received",
            Message::VerifyLogin { .. } => "fxaccounts:verify_login",
            Message::Notify { payload, .. } => {
                return payload.get("command").and_then(|c| c.as_str())
            }
            Message::Empty(_) => return None,
        })
    }

    /// The push's TTL in seconds (the `TTL` header).
    pub fn ttl_secs(&self) -> u32 {
        match self {
            Message::DeviceDisconnected { .. } => TTL_DEVICE_DISCONNECTED,
            Message::PasswordChanged => TTL_PASSWORD_CHANGED,
            Message::PasswordReset => TTL_PASSWORD_RESET,
            Message::AccountDestroyed { .. } => TTL_ACCOUNT_DESTROYED,
            Message::CommandReceived { ttl_secs, .. } => ttl_secs.unwrap_or(TTL_COMMAND_RECEIVED),
            Message::Notify { ttl_secs, .. } => *ttl_secs,
            Message::VerifyLogin { .. } => TTL_VERIFY_LOGIN,
            Message::DeviceConnected { .. } | Message::ProfileUpdated | Message::Empty(_) => 0,
        }
    }

    /// The JSON payload (`{version, command, data?}`), `None` for an empty push.
    pub fn payload(&self) -> Option<Vec<u8>> {
        let command = self.command().unwrap_or_default();
        Some(match self {
            Message::DeviceConnected { device_name } => {
                payload(command, Some(DeviceConnectedData { device_name }))
            }
            Message::DeviceDisconnected { device_id } => {
                payload(command, Some(IdData { id: device_id }))
            }
            Message::AccountDestroyed { uid } => payload(command, Some(UidData { uid })),
            Message::CommandReceived {
                command: name,
                index,
                sender,
                url,
                ..
            } => payload(
                command,
                Some(CommandData {
                    command: name,
                    index: *index,
                    sender: sender.as_deref(),
                    url,
                }),
            ),
            Message::VerifyLogin { title, body, url } => {
                payload(command, Some(VerifyLoginData { title, body, url }))
            }
            Message::ProfileUpdated | Message::PasswordChanged | Message::PasswordReset => {
                payload::<()>(command, None)
            }
            Message::Notify { payload, .. } => serde_json::to_vec(payload).unwrap_or_default(),
            Message::Empty(_) => return None,
        })
    }
}

/// Whether a device whose User-Agent OS is `ua_os` is to get `message`: iOS
/// devices get only `command_received`, `device_connected` and
/// `device_disconnected` (no empty pushes), as Mozilla's `filterSupportedDevices`.
pub fn ios_accepts(ua_os: Option<&str>, message: &Message) -> bool {
    if !ua_os.is_some_and(|os| os.eq_ignore_ascii_case("ios")) {
        return true;
    }
    matches!(
        message.command(),
        Some(
            "fxaccounts:command_received"
                | "fxaccounts:device_connected"
                | "fxaccounts:device_disconnected"
        )
    )
}

/// One device to push to, as the devices table holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushTarget {
    pub uid: Uid,
    pub device_id: [u8; 16],
    /// `pushCallback`; `None` or empty: the device gets no push.
    pub callback: Option<String>,
    /// `pushPublicKey` (base64url).
    pub public_key: Option<String>,
    /// `pushAuthKey` (base64url).
    pub auth_key: Option<String>,
}

/// Wakes the push worker after a commit that queued pushes.
#[derive(Clone, Default)]
pub struct PushWaker(Arc<Notify>);

impl PushWaker {
    pub fn wake(&self) {
        self.0.notify_one();
    }

    pub(crate) async fn woken(&self) {
        self.0.notified().await
    }
}

/// What requests and the worker share: the payload seal and the waker.
#[derive(Clone)]
pub struct PushState {
    seal: Arc<SecretBox>,
    pub waker: PushWaker,
}

/// The sealed payload's associated data: the row's account and device.
fn seal_aad(uid: &Uid, device_id: &[u8; 16]) -> [u8; 32] {
    let mut aad = [0u8; 32];
    aad[..16].copy_from_slice(uid);
    aad[16..].copy_from_slice(device_id);
    aad
}

impl PushState {
    /// The payload seal's key comes from the server secret.
    pub fn from_secret(secret: &[u8]) -> Self {
        let mut key = [0u8; 32];
        foxden_crypto::hkdf::hkdf_sha256(secret, None, b"foxden/v1/push-payload-seal", &mut key);
        PushState {
            seal: Arc::new(SecretBox::new(&key)),
            waker: PushWaker::default(),
        }
    }

    /// Queues `message` for each target that can get it (see the module doc), in
    /// the caller's transaction; returns how many pushes were queued.
    pub async fn enqueue(
        &self,
        conn: &impl Conn,
        targets: &[PushTarget],
        message: &Message,
        allowed_servers: &regex::Regex,
        now: Millis,
    ) -> DbResult<usize> {
        let plaintext = message.payload();
        let ttl_secs = i32::try_from(message.ttl_secs()).unwrap_or(i32::MAX);
        let mut queued = 0;
        for target in targets {
            let Some(endpoint) = target.callback.as_deref().filter(|c| !c.is_empty()) else {
                continue;
            };
            if !allowed_servers.is_match(endpoint) {
                tracing::debug!(device = %foxden_crypto::to_hex(target.device_id), "push: endpoint not allowed, skipped");
                continue;
            }
            let keys = target
                .public_key
                .as_ref()
                .zip(target.auth_key.as_ref())
                .filter(|(p, a)| !p.is_empty() && !a.is_empty());
            let (p256dh, auth, payload) = match (&plaintext, keys) {
                (Some(_), None) => continue,
                (Some(plain), Some((p, a))) => (
                    Some(p.clone()),
                    Some(a.clone()),
                    Some(
                        self.seal
                            .seal(plain, &seal_aad(&target.uid, &target.device_id)),
                    ),
                ),
                (None, _) => (None, None, None),
            };
            let push = NewPush {
                uid: target.uid,
                device_id: target.device_id,
                endpoint: endpoint.to_string(),
                p256dh,
                auth,
                payload,
                ttl_secs,
            };
            conn.enqueue_push(&push, now).await?;
            queued += 1;
        }
        Ok(queued)
    }

    /// Wakes this process's worker (call after the commit).
    pub fn wake(&self) {
        self.waker.wake();
    }

    /// Opens a queued row's payload: `Ok(None)` for an empty push, `Err` when the
    /// seal does not open (another server secret).
    pub(crate) fn open(&self, push: &NewPush) -> Result<Option<Vec<u8>>, ()> {
        let Some(sealed) = push.payload.as_ref() else {
            return Ok(None);
        };
        self.seal
            .open(sealed, &seal_aad(&push.uid, &push.device_id))
            .map(Some)
            .map_err(drop)
    }
}

#[cfg(test)]
mod tests;
