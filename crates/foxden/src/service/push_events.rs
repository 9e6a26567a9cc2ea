//! Pushes to an account's devices (PROTOCOL §8.2), queued in the transaction of
//! the change they announce: who gets what follows Mozilla's `lib/push.js`.
//! Devices marked `pushEndpointExpired` are skipped, and iOS devices get only
//! what [`ios_accepts`]; the callers wake the worker after their commit.

use std::collections::HashMap;

use foxden_db::ops::*;
use foxden_db::{Conn, DbResult, TokenIdHash, Uid, UserAgentInfo};

use crate::clock::now_ms;
use crate::push::{ios_accepts, Message, PushTarget};
use crate::state::AppState;

/// Which of the account's devices get a push.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum To {
    All,
    /// All but this device (the one that just connected).
    AllBut(DeviceId),
    /// All but the device of this session (the caller's, on a password change).
    AllButSession(TokenIdHash),
    Only(DeviceId),
    /// The desktop devices whose session's browser is Firefox, but not the
    /// device of this session (`send_push`'s caller): Mozilla sends the
    /// sign-in request only to Firefox desktop.
    FirefoxDesktopsBut(TokenIdHash),
}

impl To {
    fn takes(&self, d: &Device) -> bool {
        match self {
            To::All => true,
            To::AllBut(id) => d.id != *id,
            To::AllButSession(hash) => d.session_token_id_hash.as_ref() != Some(hash),
            To::Only(id) => d.id == *id,
            To::FirefoxDesktopsBut(hash) => {
                d.session_token_id_hash.as_ref() != Some(hash)
                    && d.device_type.as_deref() == Some("desktop")
            }
        }
    }

    /// Whether the devices' sessions' browsers are to be read.
    fn reads_browser(&self) -> bool {
        matches!(self, To::FirefoxDesktopsBut(_))
    }

    /// Whether a device whose session's browser is `browser` is taken.
    fn takes_browser(&self, browser: Option<&str>) -> bool {
        !self.reads_browser() || browser == Some("Firefox")
    }
}

/// The devices of `uid` that `to` names and that may get `message`.
pub async fn targets(
    conn: &impl Conn,
    uid: &Uid,
    to: To,
    message: &Message,
) -> DbResult<Vec<PushTarget>> {
    // One device (Send Tab's target) is read alone, not with the account's others.
    let candidates = match to {
        To::Only(id) => conn.device(uid, &id).await?.into_iter().collect(),
        _ => conn.devices_of(uid).await?,
    };
    let devices: Vec<Device> = candidates
        .into_iter()
        .filter(|d| to.takes(d) && !d.push_endpoint_expired)
        .filter(|d| d.push_callback.as_deref().is_some_and(|c| !c.is_empty()))
        .collect();
    if devices.is_empty() {
        return Ok(Vec::new());
    }
    // The User-Agent is the device's session's (OAuth devices have none); it
    // matters only for a message that iOS devices do not get, or that only
    // Firefox gets.
    let reads_agent = !ios_accepts(Some("iOS"), message) || to.reads_browser();
    let agents: HashMap<TokenIdHash, UserAgentInfo> =
        if reads_agent && devices.iter().any(|d| d.session_token_id_hash.is_some()) {
            conn.sessions_for(uid)
                .await?
                .into_iter()
                .map(|s| (s.core.id_hash, s.user_agent))
                .collect()
        } else {
            HashMap::new()
        };
    Ok(devices
        .into_iter()
        .filter(|d| {
            let agent = d.session_token_id_hash.as_ref().and_then(|h| agents.get(h));
            let ua_os = agent.and_then(|a| a.os.as_deref());
            let browser = agent.and_then(|a| a.browser.as_deref());
            ios_accepts(ua_os, message) && to.takes_browser(browser)
        })
        .map(|d| PushTarget {
            uid: d.uid,
            device_id: d.id,
            callback: d.push_callback,
            public_key: d.push_public_key,
            auth_key: d.push_auth_key,
        })
        .collect())
}

/// Queues `message` for the devices of `uid` that `to` names, in `conn`'s
/// transaction; returns how many pushes were queued. Wake the worker
/// ([`crate::push::PushState::wake`]) after the commit.
pub async fn queue(
    state: &AppState,
    conn: &impl Conn,
    uid: &Uid,
    to: To,
    message: &Message,
) -> DbResult<usize> {
    let targets = targets(conn, uid, to, message).await?;
    if targets.is_empty() {
        return Ok(0);
    }
    enqueue(state, conn, &targets, message).await
}

/// [`queue`] in a transaction of its own, then wakes the worker: for a push
/// that announces no stored change.
pub async fn send(state: &AppState, uid: &Uid, to: To, message: &Message) -> DbResult<usize> {
    let tx = state.db.begin().await?;
    let queued = queue(state, &tx, uid, to, message).await?;
    tx.commit().await?;
    if queued > 0 {
        state.push.wake();
    }
    Ok(queued)
}

/// Queues `message` for `targets` to the allowed push servers.
async fn enqueue(
    state: &AppState,
    conn: &impl Conn,
    targets: &[PushTarget],
    message: &Message,
) -> DbResult<usize> {
    let allowed = &state.settings.push_allowed_servers;
    state
        .push
        .enqueue(conn, targets, message, allowed, now_ms())
        .await
}

/// Which devices `POST /account/devices/notify` names.
pub enum NotifyTo {
    /// `to: "all"`, but not the `excluded` ones.
    All { excluded: Vec<DeviceId> },
    /// `to: [ids]`.
    Ids(Vec<DeviceId>),
}

/// `POST /account/devices/notify`: queues `payload` (already checked against
/// the push payload schema) with `ttl_secs` for the named devices of `uid` that
/// can get it; unknown ids are skipped, as Mozilla's filter does.
pub async fn notify(
    state: &AppState,
    uid: &Uid,
    to: &NotifyTo,
    payload: serde_json::Value,
    ttl_secs: u32,
) -> DbResult<usize> {
    let message = Message::Notify { payload, ttl_secs };
    let tx = state.db.begin().await?;
    let mut targets = targets(&tx, uid, To::All, &message).await?;
    targets.retain(|t| match to {
        NotifyTo::All { excluded } => !excluded.contains(&t.device_id),
        NotifyTo::Ids(ids) => ids.contains(&t.device_id),
    });
    let queued = enqueue(state, &tx, &targets, &message).await?;
    tx.commit().await?;
    state.push.wake();
    Ok(queued)
}

/// Deletes the account (its devices, tokens and all go with it) after queueing
/// `account_destroyed` for its devices in the same transaction: the push queue
/// has no foreign key, so the pushes outlive the rows. False if it was gone.
pub async fn destroy_account(state: &AppState, uid: &Uid) -> DbResult<bool> {
    let tx = state.db.begin().await?;
    let message = Message::AccountDestroyed {
        uid: foxden_crypto::to_hex(uid),
    };
    queue(state, &tx, uid, To::All, &message).await?;
    let gone = tx.delete_account(uid).await?;
    tx.commit().await?;
    state.push.wake();
    Ok(gone)
}
