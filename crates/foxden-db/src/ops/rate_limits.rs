//! Rate-limit counters and bans. The count is one upsert (see
//! [`RateLimits::rate_limit_count`] for the rules it encodes): on PostgreSQL the
//! conflicting row is locked and the update sees its latest version, on SQLite
//! the single writer serialises it, so no count is lost.

use async_trait::async_trait;

use super::rows;
use crate::model::*;
use crate::sql::{params, sql};
use crate::store::{Conn, DbResult};

/// $1 key, $2 now, $3 window_ms, $4 max, $5 ban_ms, cast at every use (several are
/// first seen inside expressions, where PostgreSQL cannot infer BIGINT; `CAST` is
/// understood by both dialects). A ban in force keeps the row as it is; otherwise
/// the window restarts or counts on, and banned_until is set only when the new count
/// is over max, so the returned banned_until is the answer.
const COUNT: &str = "INSERT INTO rate_limits AS r (key, window_start, count, banned_until) \
    VALUES ($1, $2, 1, CASE WHEN 1 > CAST($4 AS BIGINT) \
        THEN CAST($2 AS BIGINT) + CAST($5 AS BIGINT) END) \
    ON CONFLICT (key) DO UPDATE SET \
    window_start = CASE WHEN r.banned_until > CAST($2 AS BIGINT) THEN r.window_start \
        WHEN r.window_start + CAST($3 AS BIGINT) <= CAST($2 AS BIGINT) \
            OR r.banned_until <= CAST($2 AS BIGINT) THEN CAST($2 AS BIGINT) \
        ELSE r.window_start END, \
    count = CASE WHEN r.banned_until > CAST($2 AS BIGINT) THEN r.count \
        WHEN r.window_start + CAST($3 AS BIGINT) <= CAST($2 AS BIGINT) \
            OR r.banned_until <= CAST($2 AS BIGINT) THEN 1 \
        ELSE r.count + 1 END, \
    banned_until = CASE WHEN r.banned_until > CAST($2 AS BIGINT) THEN r.banned_until \
        WHEN (CASE WHEN r.window_start + CAST($3 AS BIGINT) <= CAST($2 AS BIGINT) \
                OR r.banned_until <= CAST($2 AS BIGINT) THEN 1 \
            ELSE r.count + 1 END) > CAST($4 AS BIGINT) \
            THEN CAST($2 AS BIGINT) + CAST($5 AS BIGINT) \
        END \
    RETURNING banned_until";

#[async_trait]
pub trait RateLimits: Conn {
    /// Counts one event for `key` at `now` against `window`, atomically (one statement;
    /// concurrent callers on any number of server processes never lose a count).
    /// - If the key is banned (banned_until > now): nothing is counted, returns
    ///   Some(banned_until).
    /// - Else if there is no row, or its window has ended (window_start + window_ms <= now),
    ///   or it carries an expired ban (banned_until <= now): the window restarts at now
    ///   with count 1 and no ban.
    /// - Else count += 1.
    /// - If the count is now greater than window.max: banned_until = now + ban_ms, returns
    ///   Some(banned_until). Otherwise returns None.
    async fn rate_limit_count(
        &self,
        key: &[u8; 32],
        window: &RateWindow,
        now: Millis,
    ) -> DbResult<Option<Millis>> {
        let p = params![
            key,
            now,
            window.window_ms,
            window.stored_max(),
            window.ban_ms
        ];
        let row = self.query_opt(sql!(COUNT), p, rows::opt_int).await?;
        Ok(row.flatten())
    }

    /// The ban in force on `key` at `now` (banned_until > now), without counting anything.
    async fn rate_limit_ban(&self, key: &[u8; 32], now: Millis) -> DbResult<Option<Millis>> {
        let sql = sql!("SELECT banned_until FROM rate_limits WHERE key = $1 AND banned_until > $2");
        self.query_opt(sql, params![key, now], rows::int).await
    }

    /// Takes back one count of `key` (an attempt counted ahead that turned out not
    /// to count, e.g. a password that matched): count − 1, never below 0. A banned
    /// key is left as it is: the ban stands.
    async fn rate_limit_release(&self, key: &[u8; 32]) -> DbResult<()> {
        let sql = sql!(
            "UPDATE rate_limits SET count = count - 1 \
             WHERE key = $1 AND count > 0 AND banned_until IS NULL"
        );
        self.exec(sql, params![key]).await.map(drop)
    }

    /// Forgets these keys (counts and bans).
    async fn rate_limit_clear(&self, keys: &[[u8; 32]]) -> DbResult<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let tx = self.scope().await?;
        for key in keys {
            tx.exec(sql!("DELETE FROM rate_limits WHERE key = $1"), params![key])
                .await?;
        }
        tx.finish().await
    }
}

impl<C: Conn> RateLimits for C {}
