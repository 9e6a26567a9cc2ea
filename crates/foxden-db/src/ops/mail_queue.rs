//! The mail queue: mail written in the transaction of the state change that
//! causes it, and handed out to delivery workers. Payloads are opaque bytes
//! (the server seals them); storage never looks inside.

use async_trait::async_trait;

use crate::model::Millis;
use crate::sql::{params, sql, Row};
use crate::store::{Conn, DbResult};

/// A queued message as a worker claims it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedMail {
    pub id: i64,
    /// The template name, for logs (the payload is sealed).
    pub template: String,
    pub payload: Vec<u8>,
    /// Delivery attempts made so far (as recorded by [`MailQueue::retry_later`]).
    pub attempts: i32,
    pub created_at: Millis,
}

/// See [`MailQueue::mail_queue_depth`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueDepth {
    pub queued: u64,
    pub untried: u64,
}

fn queued(r: &Row<'_>) -> DbResult<QueuedMail> {
    Ok(QueuedMail {
        id: r.int(0)?,
        template: r.text(1)?,
        payload: r.bytes(2)?,
        attempts: r.int32(3)?,
        created_at: r.int(4)?,
    })
}

#[async_trait]
pub trait MailQueue: Conn {
    /// Queues a message, due at once; returns its id. Inside a transaction it is
    /// queued only if that transaction commits.
    async fn enqueue_mail(&self, template: &str, payload: &[u8], now: Millis) -> DbResult<i64> {
        let sql = sql!(
            "INSERT INTO mail_queue (template, payload, attempts, created_at, next_attempt_at) \
             VALUES ($1, $2, 0, $3, $3) RETURNING id"
        );
        let id = self
            .query_opt(sql, params![template, payload, now], |r| r.int(0))
            .await?;
        id.ok_or_else(|| crate::DbError::Backend("mail_queue insert returned no id".into()))
    }

    /// Claims up to `limit` messages due at `now` (oldest due first) and, in the
    /// same statement, pushes their next attempt to `now + lease_ms`, so no other
    /// worker (on any node) gets them until that lease ends. PostgreSQL skips rows
    /// another claimer has locked (`FOR UPDATE SKIP LOCKED`); SQLite has one writer.
    async fn claim_due_mail(
        &self,
        now: Millis,
        lease_ms: i64,
        limit: u32,
    ) -> DbResult<Vec<QueuedMail>> {
        let sql = sql!(
            pg: "UPDATE mail_queue SET next_attempt_at = $2 WHERE id IN (SELECT id FROM mail_queue \
                 WHERE next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $3 \
                 FOR UPDATE SKIP LOCKED) \
                 RETURNING id, template, payload, attempts, created_at",
            sqlite: "UPDATE mail_queue SET next_attempt_at = $2 WHERE id IN (SELECT id FROM \
                 mail_queue WHERE next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $3) \
                 RETURNING id, template, payload, attempts, created_at",
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
    async fn mark_mail_sent(&self, id: i64) -> DbResult<bool> {
        let sql = sql!("DELETE FROM mail_queue WHERE id = $1");
        Ok(self.exec(sql, params![id]).await? > 0)
    }

    /// A failed attempt: records `attempts` and when to try next. False if gone.
    async fn retry_mail_later(
        &self,
        id: i64,
        attempts: i32,
        next_attempt_at: Millis,
    ) -> DbResult<bool> {
        let sql = sql!("UPDATE mail_queue SET attempts = $2, next_attempt_at = $3 WHERE id = $1");
        Ok(self
            .exec(sql, params![id, attempts, next_attempt_at])
            .await?
            > 0)
    }

    /// How many messages are queued, and how many of them were never tried (due,
    /// or claimed and in a worker's hands): for health output and for readers of
    /// the mail that wait for its delivery (the tests).
    async fn mail_queue_depth(&self) -> DbResult<QueueDepth> {
        let sql = sql!(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN attempts = 0 THEN 1 ELSE 0 END), 0) \
             FROM mail_queue"
        );
        let depth = self.query_opt(sql, params![], |r| {
            Ok(QueueDepth {
                queued: r.int(0)?.max(0) as u64,
                untried: r.int(1)?.max(0) as u64,
            })
        });
        Ok(depth.await?.unwrap_or_default())
    }

    /// Given up on: the message goes (the caller logs it). False if it was already gone.
    async fn give_up_mail(&self, id: i64) -> DbResult<bool> {
        self.mark_mail_sent(id).await
    }
}

impl<C: Conn> MailQueue for C {}
