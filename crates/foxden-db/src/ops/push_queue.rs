//! The push queue: Web Push messages written in the transaction of the state
//! change that causes them, and handed out to delivery workers (modelled on the
//! mail queue). A row is one message to one device's push endpoint. Payloads are
//! opaque bytes (the server seals them; `None` is an empty push); storage never
//! looks inside.

use async_trait::async_trait;

use crate::model::{Millis, Uid};
use crate::sql::{params, sql, Row};
use crate::store::{Conn, DbResult};

/// A message to queue for one device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPush {
    pub uid: Uid,
    pub device_id: [u8; 16],
    /// The device's push endpoint (its `pushCallback`).
    pub endpoint: String,
    /// The device's `pushPublicKey` (base64url P-256 point), when it has one.
    pub p256dh: Option<String>,
    /// The device's `pushAuthKey` (base64url), when it has one.
    pub auth: Option<String>,
    /// The sealed payload; `None` for an empty push.
    pub payload: Option<Vec<u8>>,
    /// The push's time to live, in seconds, counted from `created_at`.
    pub ttl_secs: i32,
}

/// A queued message as a worker claims it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedPush {
    pub id: i64,
    pub push: NewPush,
    /// Delivery attempts made so far (as recorded by [`PushQueue::retry_push_later`]).
    pub attempts: i32,
    pub created_at: Millis,
}

fn queued(r: &Row<'_>) -> DbResult<QueuedPush> {
    Ok(QueuedPush {
        id: r.int(0)?,
        push: NewPush {
            uid: r.fixed(1)?,
            device_id: r.fixed(2)?,
            endpoint: r.text(3)?,
            p256dh: r.opt_text(4)?,
            auth: r.opt_text(5)?,
            payload: r.opt_bytes(6)?,
            ttl_secs: r.int32(7)?,
        },
        attempts: r.int32(8)?,
        created_at: r.int(9)?,
    })
}

#[async_trait]
pub trait PushQueue: Conn {
    /// Queues a message, due at once; returns its id. Inside a transaction it is
    /// queued only if that transaction commits.
    async fn enqueue_push(&self, push: &NewPush, now: Millis) -> DbResult<i64> {
        let sql = sql!(
            "INSERT INTO push_queue (uid, device_id, endpoint, p256dh, auth, payload, ttl_secs, \
             attempts, created_at, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $8) RETURNING id"
        );
        let id = self
            .query_opt(
                sql,
                params![
                    &push.uid,
                    &push.device_id,
                    &push.endpoint,
                    push.p256dh.as_deref(),
                    push.auth.as_deref(),
                    push.payload.as_deref(),
                    push.ttl_secs,
                    now
                ],
                |r| r.int(0),
            )
            .await?;
        id.ok_or_else(|| crate::DbError::Backend("push_queue insert returned no id".into()))
    }

    /// Claims up to `limit` messages due at `now` (oldest due first) and, in the
    /// same statement, pushes their next attempt to `now + lease_ms`, so no other
    /// worker (on any node) gets them until that lease ends. PostgreSQL skips rows
    /// another claimer has locked (`FOR UPDATE SKIP LOCKED`); SQLite has one writer.
    async fn claim_due_pushes(
        &self,
        now: Millis,
        lease_ms: i64,
        limit: u32,
    ) -> DbResult<Vec<QueuedPush>> {
        let sql = sql!(
            pg: "UPDATE push_queue SET next_attempt_at = $2 WHERE id IN (SELECT id FROM push_queue \
                 WHERE next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $3 \
                 FOR UPDATE SKIP LOCKED) \
                 RETURNING id, uid, device_id, endpoint, p256dh, auth, payload, ttl_secs, \
                 attempts, created_at",
            sqlite: "UPDATE push_queue SET next_attempt_at = $2 WHERE id IN (SELECT id FROM \
                 push_queue WHERE next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $3) \
                 RETURNING id, uid, device_id, endpoint, p256dh, auth, payload, ttl_secs, \
                 attempts, created_at",
        );
        let mut claimed = self
            .query_all(
                sql,
                params![now, now.saturating_add(lease_ms), limit],
                queued,
            )
            .await?;
        claimed.sort_by_key(|m| m.id);
        Ok(claimed)
    }

    /// Delivered: the message goes. False if it was already gone.
    async fn mark_push_sent(&self, id: i64) -> DbResult<bool> {
        let sql = sql!("DELETE FROM push_queue WHERE id = $1");
        Ok(self.exec(sql, params![id]).await? > 0)
    }

    /// A failed attempt: records `attempts` and when to try next. False if gone.
    async fn retry_push_later(
        &self,
        id: i64,
        attempts: i32,
        next_attempt_at: Millis,
    ) -> DbResult<bool> {
        let sql = sql!("UPDATE push_queue SET attempts = $2, next_attempt_at = $3 WHERE id = $1");
        Ok(self
            .exec(sql, params![id, attempts, next_attempt_at])
            .await?
            > 0)
    }

    /// Given up on: the message goes (the caller logs it). False if it was already gone.
    async fn give_up_push(&self, id: i64) -> DbResult<bool> {
        self.mark_push_sent(id).await
    }

    /// The push service said the endpoint is gone: every message still queued for
    /// that device at that endpoint goes too. Returns how many went.
    async fn drop_pushes_to(
        &self,
        uid: &Uid,
        device_id: &[u8; 16],
        endpoint: &str,
    ) -> DbResult<u64> {
        let sql =
            sql!("DELETE FROM push_queue WHERE uid = $1 AND device_id = $2 AND endpoint = $3");
        self.exec(sql, params![uid, device_id, endpoint]).await
    }

    /// How many messages are queued (for health output and tests).
    async fn push_queue_depth(&self) -> DbResult<u64> {
        let sql = sql!("SELECT COUNT(*) FROM push_queue");
        let depth = self.query_opt(sql, params![], |r| r.int(0)).await?;
        Ok(depth.unwrap_or(0).max(0) as u64)
    }
}

impl<C: Conn> PushQueue for C {}
