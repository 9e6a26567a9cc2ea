//! Device records (PROTOCOL §8.1): registering and updating the caller's device
//! (one per session or refresh token), listing the account's devices and
//! sessions, and destroying a device with its session or refresh token.
//!
//! What the account's devices are told of by push (§8.2: a new device connected,
//! a device disconnected) is queued in the transaction of the change.

use std::collections::{BTreeMap, HashMap};

use foxden_db::ops::*;
use foxden_db::{DbError, Millis, SessionToken, TokenIdHash, Uid, UserAgentInfo};

use super::push_events::{self, To};
use crate::auth::{DeviceCredential, SessionOrRefreshToken};
use crate::clock::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::push::Message;
use crate::state::AppState;

/// The fields a registration sets; `None` keeps what is stored.
#[derive(Clone, Debug, Default)]
pub struct DeviceFields {
    pub id: Option<DeviceId>,
    pub name: Option<String>,
    pub device_type: Option<String>,
    /// Callback, public key, auth key: given together or not at all.
    pub push: Option<(String, String, String)>,
    pub available_commands: Option<BTreeMap<String, String>>,
}

/// Mozilla's `synthesizeName`: `"<browser> <major>, <OS> <version>"`, or
/// `"<browser> <major>, <form factor>"`; `""` without User-Agent fields.
pub fn synthesize_name(ua: &UserAgentInfo) -> String {
    let mut name = String::new();
    if let Some(browser) = &ua.browser {
        name.push_str(browser);
        if let Some(version) = &ua.browser_version {
            name.push(' ');
            name.push_str(version.split('.').next().unwrap_or(version));
        }
        if ua.os.is_some() || ua.form_factor.is_some() {
            name.push_str(", ");
        }
    }
    if let Some(form_factor) = &ua.form_factor {
        name.push_str(form_factor);
        return name;
    }
    if let Some(os) = &ua.os {
        name.push_str(os);
        if let Some(version) = &ua.os_version {
            name.push(' ');
            name.push_str(version);
        }
    }
    name
}

/// The device record of the credential itself.
pub async fn device_of(
    state: &AppState,
    cred: &SessionOrRefreshToken,
) -> ApiResult<Option<Device>> {
    Ok(match &cred.0 {
        DeviceCredential::Session(s) => state.db.device_of_session(&s.core.id_hash).await?,
        DeviceCredential::Refresh { token, .. } => {
            state.db.device_of_refresh_token(&token.token_hash).await?
        }
    })
}

/// The User-Agent fields behind a credential (a refresh token has none).
pub fn user_agent_of(cred: &SessionOrRefreshToken) -> UserAgentInfo {
    cred.session()
        .map(|s| s.user_agent.clone())
        .unwrap_or_default()
}

/// A device as answered: stored name or the synthesized one, stored type or the
/// default (`mobile` for OAuth devices, else the User-Agent's or `desktop`).
pub fn display_name(device: &Device, ua: &UserAgentInfo) -> String {
    match &device.name {
        Some(name) if !name.is_empty() => name.clone(),
        _ => synthesize_name(ua),
    }
}

pub fn display_type(device: &Device, ua: &UserAgentInfo) -> String {
    match &device.device_type {
        Some(t) if !t.is_empty() => t.clone(),
        _ if device.refresh_token_hash.is_some() => "mobile".into(),
        _ => ua.device_type.clone().unwrap_or_else(|| "desktop".into()),
    }
}

fn commands_json(map: &BTreeMap<String, String>) -> String {
    serde_json::to_string(map).unwrap_or_else(|_| "{}".into())
}

/// The stored `available_commands` as a map (`{}` if it does not parse).
pub fn commands_of(device: &Device) -> BTreeMap<String, String> {
    serde_json::from_str(&device.available_commands).unwrap_or_default()
}

/// The stored `available_commands` (written by [`commands_json`]) to be answered
/// as they are: checked to be a JSON object of strings, not rebuilt as a map
/// (the device list writes one per device). `{}` if they are anything else.
pub fn commands_raw(stored: String) -> Box<serde_json::value::RawValue> {
    let object_of_strings = serde_json::from_str::<StringMap>(&stored).is_ok();
    let raw = if object_of_strings {
        serde_json::value::RawValue::from_string(stored)
    } else {
        serde_json::value::RawValue::from_string("{}".into())
    };
    raw.unwrap_or_else(|_| unreachable!("checked JSON"))
}

/// Checks that JSON is an object whose values are strings, keeping nothing.
struct StringMap;

impl<'de> serde::Deserialize<'de> for StringMap {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = StringMap;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of strings")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<StringMap, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, StrOnly>()?
                    .is_some()
                {}
                Ok(StringMap)
            }
        }
        d.deserialize_map(Visit)
    }
}

/// A string value, not kept (borrowed or escaped alike).
struct StrOnly;

impl<'de> serde::Deserialize<'de> for StrOnly {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = StrOnly;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<StrOnly, E> {
                Ok(StrOnly)
            }
        }
        d.deserialize_str(Visit)
    }
}

/// Mozilla's `isSpuriousUpdate`: every field sent equals the stored one.
fn is_spurious(fields: &DeviceFields, d: &Device) -> bool {
    let differs = |sent: &Option<String>, stored: &Option<String>| {
        sent.as_ref()
            .is_some_and(|s| !s.is_empty() && Some(s) != stored.as_ref())
    };
    if differs(&fields.name, &d.name) || differs(&fields.device_type, &d.device_type) {
        return false;
    }
    if let Some((callback, public_key, _)) = &fields.push {
        if (!callback.is_empty() && Some(callback) != d.push_callback.as_ref())
            || (!public_key.is_empty() && Some(public_key) != d.push_public_key.as_ref())
        {
            return false;
        }
    }
    match &fields.available_commands {
        Some(sent) => *sent == commands_of(d),
        None => true,
    }
}

/// `fields` written over `d`; a new push callback clears `push_endpoint_expired`.
fn merged(mut d: Device, fields: &DeviceFields) -> Device {
    if let Some(name) = &fields.name {
        d.name = Some(name.clone());
    }
    if let Some(t) = &fields.device_type {
        d.device_type = Some(t.clone());
    }
    if let Some((callback, public_key, auth_key)) = &fields.push {
        if d.push_callback.as_ref() != Some(callback) {
            d.push_endpoint_expired = false;
        }
        d.push_callback = Some(callback.clone());
        d.push_public_key = Some(public_key.clone());
        d.push_auth_key = Some(auth_key.clone());
    }
    if let Some(commands) = &fields.available_commands {
        d.available_commands = commands_json(commands);
    }
    d
}

/// The result of a registration: the record as stored.
pub struct Registered {
    pub device: Device,
}

/// Creates or updates the caller's device. An `id` must be the caller's own
/// device (124 if the caller has another, 123 if it has none); without one the
/// caller's device is updated, or created. Concurrent first registrations with
/// one token make one device: the losers update the winner's.
pub async fn register(
    state: &AppState,
    cred: &SessionOrRefreshToken,
    fields: DeviceFields,
) -> ApiResult<Registered> {
    let current = device_of(state, cred).await?;
    match (fields.id, current) {
        (Some(id), Some(d)) if d.id == id => update(state, d, &fields).await,
        (Some(_), Some(d)) => Err(ApiError::DeviceSessionConflict {
            device_id: foxden_crypto::to_hex(d.id),
        }),
        (Some(_), None) => Err(ApiError::UnknownDevice),
        (None, Some(d)) => update(state, d, &fields).await,
        (None, None) => create(state, cred, &fields).await,
    }
}

async fn update(state: &AppState, d: Device, fields: &DeviceFields) -> ApiResult<Registered> {
    if is_spurious(fields, &d) {
        return Ok(Registered { device: d });
    }
    let device = merged(d, fields);
    if !state.db.update_device(&device).await? {
        return Err(ApiError::UnknownDevice);
    }
    Ok(Registered { device })
}

async fn create(
    state: &AppState,
    cred: &SessionOrRefreshToken,
    fields: &DeviceFields,
) -> ApiResult<Registered> {
    let (session, refresh, client_name) = match &cred.0 {
        DeviceCredential::Session(s) => (Some(s.core.id_hash), None, None),
        DeviceCredential::Refresh { token, client } => (
            None,
            Some(token.token_hash),
            client.as_ref().map(|c| c.name.clone()),
        ),
    };
    let blank = Device {
        uid: cred.uid(),
        id: foxden_crypto::random::bytes(),
        session_token_id_hash: session,
        refresh_token_hash: refresh,
        name: client_name.filter(|n| !n.is_empty()),
        device_type: None,
        created_at: now_ms(),
        push_callback: None,
        push_public_key: None,
        push_auth_key: None,
        push_endpoint_expired: false,
        available_commands: "{}".into(),
    };
    let device = merged(blank, fields);
    let tx = state.db.begin().await?;
    match tx.insert_device(&device).await {
        Ok(()) => {}
        // Another registration with the same token won the race: update its record.
        Err(DbError::Duplicate) => {
            tx.rollback().await;
            let winner = device_of(state, cred)
                .await?
                .ok_or(ApiError::InvalidToken)?;
            return update(state, winner, fields).await;
        }
        Err(err) => {
            tx.rollback().await;
            // The session or refresh token went away meanwhile.
            return Err(if token_exists(state, cred).await? {
                err.into()
            } else {
                ApiError::InvalidToken
            });
        }
    }
    // Mozilla tells the other devices once the new one's credential is verified.
    if cred.verified() {
        let message = Message::DeviceConnected {
            device_name: display_name(&device, &user_agent_of(cred)),
        };
        push_events::queue(state, &tx, &device.uid, To::AllBut(device.id), &message).await?;
    }
    tx.commit().await?;
    state.push.wake();
    Ok(Registered { device })
}

async fn token_exists(state: &AppState, cred: &SessionOrRefreshToken) -> ApiResult<bool> {
    Ok(match &cred.0 {
        DeviceCredential::Session(s) => state.db.session(&s.core.id_hash).await?.is_some(),
        DeviceCredential::Refresh { token, .. } => {
            state.db.oauth_token(&token.token_hash).await?.is_some()
        }
    })
}

/// One device of the account as `GET /account/devices` shows it.
pub struct DeviceView {
    pub device: Device,
    pub is_current: bool,
    pub last_access_time: Option<Millis>,
    /// The User-Agent fields of the device's session (none for OAuth devices).
    pub user_agent: UserAgentInfo,
}

/// The account's devices with their last access (the session's, or the
/// refresh token's last use); with `active_since`, only those used since.
pub async fn list(
    state: &AppState,
    cred: &SessionOrRefreshToken,
    active_since: Option<Millis>,
) -> ApiResult<Vec<DeviceView>> {
    let (my_session, my_refresh) = match &cred.0 {
        DeviceCredential::Session(s) => (Some(s.core.id_hash), None),
        DeviceCredential::Refresh { token, .. } => (None, Some(token.token_hash)),
    };
    let listed = state.db.devices_listed(&cred.uid()).await?;
    Ok(listed
        .into_iter()
        .filter(|l| match active_since {
            Some(since) if since > 0 => l.last_access_time.is_some_and(|t| t >= since),
            _ => true,
        })
        .map(|l| DeviceView {
            is_current: (my_session.is_some() && l.device.session_token_id_hash == my_session)
                || (my_refresh.is_some() && l.device.refresh_token_hash == my_refresh),
            last_access_time: l.last_access_time,
            user_agent: l.user_agent,
            device: l.device,
        })
        .collect())
}

/// A session of the account with its device, if it has one.
pub struct SessionView {
    pub session: SessionToken,
    pub device: Option<Device>,
    pub is_current: bool,
}

pub async fn sessions(state: &AppState, caller: &SessionToken) -> ApiResult<Vec<SessionView>> {
    let uid = caller.core.uid;
    let mut devices: HashMap<TokenIdHash, Device> = state
        .db
        .devices_of(&uid)
        .await?
        .into_iter()
        .filter_map(|d| d.session_token_id_hash.map(|h| (h, d)))
        .collect();
    let sessions = state.db.sessions_for(&uid).await?;
    Ok(sessions
        .into_iter()
        .map(|session| SessionView {
            is_current: session.core.id_hash == caller.core.id_hash,
            device: devices.remove(&session.core.id_hash),
            session,
        })
        .collect())
}

/// Deletes a device of the account with its session or refresh token (123 if
/// the account has no such device) and tells the account's devices, the gone one
/// too (it signs out), with `device_disconnected` queued in the same transaction.
/// Returns the device as it was.
pub async fn destroy(state: &AppState, uid: &Uid, id: &DeviceId) -> ApiResult<Device> {
    let tx = state.db.begin().await?;
    let message = Message::DeviceDisconnected {
        device_id: foxden_crypto::to_hex(id),
    };
    push_events::queue(state, &tx, uid, To::All, &message).await?;
    let device = tx
        .delete_device(uid, id)
        .await?
        .ok_or(ApiError::UnknownDevice)?;
    tx.commit().await?;
    state.push.wake();
    Ok(device)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_commands_are_answered_as_stored_only_if_an_object_of_strings() {
        let raw = |s: &str| commands_raw(s.to_string()).get().to_string();
        let written = commands_json(&BTreeMap::from([
            (
                "https://identity.mozilla.com/cmd/open-uri".to_string(),
                "k\"e\u{e9}y\n".to_string(),
            ),
            ("x".to_string(), String::new()),
        ]));
        assert_eq!(raw(&written), written);
        assert_eq!(raw("{}"), "{}");
        for bad in [
            "[]",
            "\"s\"",
            "{\"a\": 1}",
            "{\"a\": {}}",
            "{\"a\": null}",
            "{",
            "",
            "{} x",
        ] {
            assert_eq!(raw(bad), "{}", "{bad}");
        }
    }

    #[test]
    fn names_are_synthesized_as_mozilla_does() {
        let ua = |b: Option<&str>,
                  bv: Option<&str>,
                  os: Option<&str>,
                  osv: Option<&str>,
                  ff: Option<&str>| UserAgentInfo {
            browser: b.map(Into::into),
            browser_version: bv.map(Into::into),
            os: os.map(Into::into),
            os_version: osv.map(Into::into),
            device_type: None,
            form_factor: ff.map(Into::into),
        };
        let name = |u| synthesize_name(&u);
        assert_eq!(
            name(ua(
                Some("Firefox"),
                Some("120.0.1"),
                Some("Windows"),
                Some("10"),
                None
            )),
            "Firefox 120, Windows 10"
        );
        assert_eq!(
            name(ua(Some("Firefox"), None, Some("Mac OS X"), None, None)),
            "Firefox, Mac OS X"
        );
        assert_eq!(
            name(ua(
                Some("Firefox"),
                Some("120"),
                Some("iOS"),
                Some("17"),
                Some("iPad")
            )),
            "Firefox 120, iPad"
        );
        assert_eq!(
            name(ua(Some("Firefox"), Some("120"), None, None, None)),
            "Firefox 120"
        );
        assert_eq!(name(ua(None, None, Some("Linux"), None, None)), "Linux");
        assert_eq!(name(UserAgentInfo::default()), "");
    }
}
