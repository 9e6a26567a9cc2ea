//! Each device's command queue (Send Tab and other device commands; migration 8):
//! messages keyed by uid, device id and an index that increases by one with every
//! message the device is sent and is never handed out twice (the device row
//! keeps the last one, so expired or pruned messages leave no gap to refill).
//! Messages expire at a time in seconds, as Mozilla's pushbox stores them, and go
//! with their device.

use async_trait::async_trait;

use super::devices::DeviceId;
use crate::model::*;
use crate::sql::{params, sql};
use crate::store::{Conn, DbResult};

/// One queued message: its index and the data as stored (a JSON object).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedCommand {
    pub index: i64,
    pub data: String,
}

/// A page of a device's queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandPage {
    pub messages: Vec<QueuedCommand>,
    /// The highest index among the queue's unexpired messages (0 for none).
    pub max_index: i64,
}

#[async_trait]
pub trait DeviceCommands: Conn {
    /// Appends a message to the device's queue, expiring at `expires_at`
    /// (seconds). Its index, or None if the device does not exist.
    async fn enqueue_device_command(
        &self,
        uid: &Uid,
        device_id: &DeviceId,
        data: &str,
        expires_at: i64,
    ) -> DbResult<Option<i64>> {
        let tx = self.scope().await?;
        let sql = sql!(
            "UPDATE devices SET command_index = command_index + 1 \
             WHERE uid = $1 AND id = $2 RETURNING command_index"
        );
        let index = tx
            .query_opt(sql, params![uid, device_id], |r| r.int(0))
            .await?;
        if let Some(index) = index {
            let sql = sql!(
                "INSERT INTO device_commands (uid, device_id, idx, data, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)"
            );
            tx.exec(sql, params![uid, device_id, index, data, expires_at])
                .await?;
        }
        tx.finish().await?;
        Ok(index)
    }

    /// Up to `limit` unexpired messages (expiring at `now` or later, seconds)
    /// with an index of at least `from_index`, in index order.
    async fn device_commands(
        &self,
        uid: &Uid,
        device_id: &DeviceId,
        from_index: i64,
        limit: i64,
        now: i64,
    ) -> DbResult<CommandPage> {
        let sql = sql!(
            "SELECT idx, data FROM device_commands \
             WHERE uid = $1 AND device_id = $2 AND expires_at >= $3 AND idx >= $4 \
             ORDER BY idx LIMIT $5"
        );
        let p = params![uid, device_id, now, from_index, limit];
        let messages = self
            .query_all(sql, p, |r| {
                Ok(QueuedCommand {
                    index: r.int(0)?,
                    data: r.text(1)?,
                })
            })
            .await?;
        let sql = sql!(
            "SELECT MAX(idx) FROM device_commands \
             WHERE uid = $1 AND device_id = $2 AND expires_at >= $3"
        );
        let max_index = self
            .query_opt(sql, params![uid, device_id, now], |r| r.opt_int(0))
            .await?
            .flatten()
            .unwrap_or(0);
        Ok(CommandPage {
            messages,
            max_index,
        })
    }

    /// Deletes messages that expired before `now` (seconds); how many went.
    async fn prune_device_commands(&self, now: i64) -> DbResult<u64> {
        let sql = sql!("DELETE FROM device_commands WHERE expires_at < $1");
        self.exec(sql, params![now]).await
    }
}

impl<C: Conn> DeviceCommands for C {}
