//! Device records (migration 8): one per session or per refresh token, keyed by
//! uid + device id. A device goes with its session or refresh token in the same
//! statement (the foreign keys cascade), so every path that ends a session —
//! destroy, password change or reset, pruning, account deletion — ends its
//! device too; [`Devices::delete_device`] goes the other way and ends the
//! device's session or refresh token with it.

use async_trait::async_trait;

use crate::model::*;
use crate::sql::{params, sql, Row, Sql};
use crate::store::{Conn, DbResult, SessionKey};

/// A device id: 16 bytes (32 hex on the wire), assigned by the server.
pub type DeviceId = [u8; 16];

/// One device record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    pub uid: Uid,
    pub id: DeviceId,
    /// The row key of the session it belongs to (SHA-256 of the tokenId).
    pub session_token_id_hash: Option<TokenIdHash>,
    /// The row key of the refresh token it belongs to (SHA-256 of the token).
    pub refresh_token_hash: Option<[u8; 32]>,
    pub name: Option<String>,
    pub device_type: Option<String>,
    pub created_at: Millis,
    pub push_callback: Option<String>,
    pub push_public_key: Option<String>,
    pub push_auth_key: Option<String>,
    pub push_endpoint_expired: bool,
    /// A JSON object of command name → string, as the client sent it.
    pub available_commands: String,
}

macro_rules! device_cols {
    () => {
        "uid, id, session_token_id_hash, refresh_token_hash, name, type, created_at, \
         push_callback, push_public_key, push_auth_key, push_endpoint_expired, \
         available_commands"
    };
}

/// [`device_cols!`] of the `devices` table aliased `d`, for joins.
macro_rules! joined_device_cols {
    () => {
        "d.uid, d.id, d.session_token_id_hash, d.refresh_token_hash, d.name, d.type, \
         d.created_at, d.push_callback, d.push_public_key, d.push_auth_key, \
         d.push_endpoint_expired, d.available_commands"
    };
}

/// A device as the account's device list shows it, with what it needs of the
/// device's session or refresh token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedDevice {
    pub device: Device,
    /// The session's last access, or the refresh token's last use (its creation
    /// if never used).
    pub last_access_time: Option<Millis>,
    /// The User-Agent fields of the device's session (none for OAuth devices).
    pub user_agent: UserAgentInfo,
}

fn device_row(r: &Row<'_>) -> DbResult<Device> {
    Ok(Device {
        uid: r.fixed(0)?,
        id: r.fixed(1)?,
        session_token_id_hash: r.opt_fixed(2)?,
        refresh_token_hash: r.opt_fixed(3)?,
        name: r.opt_text(4)?,
        device_type: r.opt_text(5)?,
        created_at: r.int(6)?,
        push_callback: r.opt_text(7)?,
        push_public_key: r.opt_text(8)?,
        push_auth_key: r.opt_text(9)?,
        push_endpoint_expired: r.bool(10)?,
        available_commands: r.text(11)?,
    })
}

const DEVICE_BY_ID: &Sql = sql!(concat!(
    "SELECT ",
    device_cols!(),
    " FROM devices WHERE uid = $1 AND id = $2"
));

#[async_trait]
pub trait Devices: Conn {
    /// Inserts a device. `Err(Duplicate)` if its id, session or refresh token
    /// already has one (one device per session); `Err` without its account,
    /// session or refresh token.
    async fn insert_device(&self, d: &Device) -> DbResult<()> {
        let sql = sql!(concat!(
            "INSERT INTO devices (",
            device_cols!(),
            ", command_index) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0)"
        ));
        let p = params![
            &d.uid,
            &d.id,
            d.session_token_id_hash.as_ref(),
            d.refresh_token_hash.as_ref(),
            d.name.as_ref(),
            d.device_type.as_ref(),
            d.created_at,
            d.push_callback.as_ref(),
            d.push_public_key.as_ref(),
            d.push_auth_key.as_ref(),
            d.push_endpoint_expired,
            &d.available_commands,
        ];
        self.exec(sql, p).await.map(drop)
    }

    /// Writes every field a client may change (name, type, push callback and
    /// keys, `push_endpoint_expired`, available commands) of the device `d.uid`,
    /// `d.id`; its owner and creation time stay. False if there is no such device.
    async fn update_device(&self, d: &Device) -> DbResult<bool> {
        let sql = sql!(
            "UPDATE devices SET name = $3, type = $4, push_callback = $5, push_public_key = $6, \
             push_auth_key = $7, push_endpoint_expired = $8, available_commands = $9 \
             WHERE uid = $1 AND id = $2"
        );
        let p = params![
            &d.uid,
            &d.id,
            d.name.as_ref(),
            d.device_type.as_ref(),
            d.push_callback.as_ref(),
            d.push_public_key.as_ref(),
            d.push_auth_key.as_ref(),
            d.push_endpoint_expired,
            &d.available_commands,
        ];
        Ok(self.exec(sql, p).await? > 0)
    }

    /// Sets `push_endpoint_expired` of the device `uid`, `id` if its push
    /// callback is still `endpoint` (a device that registered a new callback
    /// since keeps it). False if no such device has that callback.
    async fn expire_push_endpoint(
        &self,
        uid: &Uid,
        id: &DeviceId,
        endpoint: &str,
    ) -> DbResult<bool> {
        let sql = sql!(
            "UPDATE devices SET push_endpoint_expired = TRUE \
             WHERE uid = $1 AND id = $2 AND push_callback = $3"
        );
        Ok(self.exec(sql, params![uid, id, endpoint]).await? > 0)
    }

    async fn device(&self, uid: &Uid, id: &DeviceId) -> DbResult<Option<Device>> {
        self.query_opt(DEVICE_BY_ID, params![uid, id], device_row)
            .await
    }

    /// The account's devices, oldest first.
    async fn devices_of(&self, uid: &Uid) -> DbResult<Vec<Device>> {
        let sql = sql!(concat!(
            "SELECT ",
            device_cols!(),
            " FROM devices WHERE uid = $1 ORDER BY created_at, id"
        ));
        self.query_all(sql, params![uid], device_row).await
    }

    /// The account's devices, oldest first, each with its session's last access
    /// and User-Agent fields or its refresh token's last use: one query.
    async fn devices_listed(&self, uid: &Uid) -> DbResult<Vec<ListedDevice>> {
        let sql = sql!(concat!(
            "SELECT ",
            joined_device_cols!(),
            ", s.last_access_time, COALESCE(t.last_used_at, t.created_at), \
             s.ua_browser, s.ua_browser_version, s.ua_os, s.ua_os_version, s.ua_device_type, \
             s.ua_form_factor \
             FROM devices d \
             LEFT JOIN session_tokens s ON s.id_hash = d.session_token_id_hash \
             LEFT JOIN oauth_tokens t ON t.token_hash = d.refresh_token_hash \
             WHERE d.uid = $1 ORDER BY d.created_at, d.id"
        ));
        self.query_all(sql, params![uid], |r| {
            Ok(ListedDevice {
                device: device_row(r)?,
                last_access_time: match r.opt_int(12)? {
                    Some(t) => Some(t),
                    None => r.opt_int(13)?,
                },
                user_agent: UserAgentInfo {
                    browser: r.opt_text(14)?,
                    browser_version: r.opt_text(15)?,
                    os: r.opt_text(16)?,
                    os_version: r.opt_text(17)?,
                    device_type: r.opt_text(18)?,
                    form_factor: r.opt_text(19)?,
                },
            })
        })
        .await
    }

    /// The device of a session (by the session's row key).
    async fn device_of_session(&self, id_hash: &TokenIdHash) -> DbResult<Option<Device>> {
        let sql = sql!(concat!(
            "SELECT ",
            device_cols!(),
            " FROM devices WHERE session_token_id_hash = $1"
        ));
        self.query_opt(sql, params![id_hash], device_row).await
    }

    /// The device of a refresh token (by the token's row key).
    async fn device_of_refresh_token(&self, token_hash: &[u8; 32]) -> DbResult<Option<Device>> {
        let sql = sql!(concat!(
            "SELECT ",
            device_cols!(),
            " FROM devices WHERE refresh_token_hash = $1"
        ));
        self.query_opt(sql, params![token_hash], device_row).await
    }

    /// Deletes the device and, in the same transaction, the session (with its
    /// keyFetchTokens) or refresh token it belongs to, and its command queue.
    /// Returns the device as it was; None if there was none.
    async fn delete_device(&self, uid: &Uid, id: &DeviceId) -> DbResult<Option<Device>> {
        let tx = self.scope().await?;
        let sql = sql!(concat!(
            "DELETE FROM devices WHERE uid = $1 AND id = $2 RETURNING ",
            device_cols!()
        ));
        let gone = tx.query_opt(sql, params![uid, id], device_row).await?;
        if let Some(device) = &gone {
            if let Some(id_hash) = &device.session_token_id_hash {
                let sql = sql!(
                    "DELETE FROM session_tokens WHERE id_hash = $1 \
                     RETURNING token_verification_id"
                );
                let tvid = tx
                    .query_opt(sql, params![id_hash], |r| r.opt_fixed::<16>(0))
                    .await?;
                tx.sessions_changed(SessionKey::Id(*id_hash));
                if let Some(Some(tvid)) = tvid {
                    let sql = sql!(
                        "DELETE FROM key_fetch_tokens WHERE uid = $1 AND token_verification_id = $2"
                    );
                    tx.exec(sql, params![uid, &tvid]).await?;
                }
            }
            if let Some(hash) = &device.refresh_token_hash {
                let sql = sql!("DELETE FROM oauth_tokens WHERE token_hash = $1");
                tx.exec(sql, params![hash]).await?;
            }
        }
        tx.finish().await?;
        Ok(gone)
    }
}

impl<C: Conn> Devices for C {}
