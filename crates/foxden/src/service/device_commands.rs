//! Device commands (Send Tab; PROTOCOL §8.3): a message stored in the target
//! device's queue, then fetched by that device. Mozilla's pushbox rules: the
//! target must advertise the command (157); the TTL defaults to 30 days for
//! `open-uri`, else and at most to 28 days; fetching from `index` is inclusive
//! (`idx >= index`, 0 or none from the start), and `last` tells whether the
//! page reached the newest message.

use foxden_db::ops::*;
use serde_json::{Map, Value};

use super::devices::{commands_of, device_of};
use super::push_events::{self, To};
use crate::auth::SessionOrRefreshToken;
use crate::clock::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::push::Message;
use crate::state::AppState;

pub const OPEN_URI: &str = "https://identity.mozilla.com/cmd/open-uri";
/// `pushbox.maxTTL`: 28 days.
pub const MAX_TTL_SECS: i64 = 28 * 24 * 3600;
const OPEN_URI_TTL_SECS: i64 = 30 * 24 * 3600;

/// The TTL a command is stored with.
pub fn ttl_secs(command: &str, requested: Option<i64>) -> i64 {
    let ttl = requested.or_else(|| (command == OPEN_URI).then_some(OPEN_URI_TTL_SECS));
    match ttl {
        Some(ttl) if ttl <= MAX_TTL_SECS => ttl,
        _ => MAX_TTL_SECS,
    }
}

/// Stores the command for `target` and, in the same transaction, queues the
/// `command_received` push that announces it (TTL: the caller's `ttl`, else
/// 6 h). Returns whether a push was queued: false when the target has no usable
/// push callback (none, expired, not an allowed server, or no keys).
pub async fn invoke(
    state: &AppState,
    cred: &SessionOrRefreshToken,
    target: DeviceId,
    command: String,
    payload: Map<String, Value>,
    ttl: Option<i64>,
) -> ApiResult<bool> {
    let uid = cred.uid();
    let device = state
        .db
        .device(&uid, &target)
        .await?
        .ok_or(ApiError::UnknownDevice)?;
    if !commands_of(&device).contains_key(&command) {
        return Err(ApiError::UnavailableDeviceCommand);
    }
    let ttl_secs = ttl_secs(&command, ttl);
    let sender = device_of(state, cred)
        .await?
        .map(|d| foxden_crypto::to_hex(d.id));
    let mut data = Map::new();
    data.insert("command".into(), Value::String(command.clone()));
    data.insert("payload".into(), Value::Object(payload));
    if let Some(sender) = &sender {
        data.insert("sender".into(), Value::String(sender.clone()));
    }
    let data = Value::Object(data).to_string();
    let expires_at = now_ms().div_euclid(1000) + 1 + ttl_secs;
    let tx = state.db.begin().await?;
    let index = tx
        .enqueue_device_command(&uid, &target, &data, expires_at)
        .await?
        .ok_or(ApiError::UnknownDevice)?;
    let mut url = state.settings.public_url.clone();
    url.set_path(&format!(
        "{}/v1/account/device/commands",
        url.path().trim_end_matches('/')
    ));
    url.set_query(Some(&format!("index={index}&limit=1")));
    let message = Message::CommandReceived {
        command,
        index,
        sender,
        url: url.to_string(),
        ttl_secs: ttl.and_then(|t| u32::try_from(t).ok()),
    };
    let queued = push_events::queue(state, &tx, &uid, To::Only(target), &message).await?;
    tx.commit().await?;
    state.push.wake();
    Ok(queued > 0)
}

/// One page of the caller's queue.
pub struct Page {
    /// The index of the page's last message (0 for none).
    pub index: i64,
    pub last: bool,
    /// Each message's index and data (`{command, payload, sender?}`).
    pub messages: Vec<(i64, Value)>,
}

/// Up to `limit` messages from `index` on (inclusive); a caller without a
/// device has an empty queue.
pub async fn fetch(
    state: &AppState,
    cred: &SessionOrRefreshToken,
    index: Option<i64>,
    limit: i64,
) -> ApiResult<Page> {
    let Some(device) = device_of(state, cred).await? else {
        return Ok(Page {
            index: 0,
            last: true,
            messages: vec![],
        });
    };
    let now = now_ms().div_euclid(1000);
    let page = state
        .db
        .device_commands(&cred.uid(), &device.id, index.unwrap_or(0), limit, now)
        .await?;
    let messages: Vec<(i64, Value)> = page
        .messages
        .into_iter()
        .filter_map(|m| Some((m.index, serde_json::from_str(&m.data).ok()?)))
        .collect();
    let last_index = messages.last().map(|m| m.0).unwrap_or(0);
    Ok(Page {
        index: last_index,
        last: messages.is_empty() || page.max_index == 0 || last_index == page.max_index,
        messages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls_default_and_cap_as_pushbox() {
        assert_eq!(ttl_secs(OPEN_URI, None), MAX_TTL_SECS);
        assert_eq!(ttl_secs("other", None), MAX_TTL_SECS);
        assert_eq!(ttl_secs(OPEN_URI, Some(0)), 0);
        assert_eq!(ttl_secs("other", Some(60)), 60);
        assert_eq!(ttl_secs("other", Some(10_000_000)), MAX_TTL_SECS);
    }
}
