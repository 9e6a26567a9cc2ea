//! Rate-limit statements for SQLite. The count is one UPSERT (see
//! [`crate::Db::rate_limit_count`] for the rules it encodes).

use rusqlite::{params, Connection, OptionalExtension};

use super::rows::sql_err;
use crate::model::*;
use crate::store::DbResult;

/// ?1 key, ?2 now, ?3 window_ms, ?4 max, ?5 ban_ms. A ban in force keeps the row as it
/// is; otherwise the window restarts or counts on, and banned_until is set only when the
/// new count is over max, so the returned banned_until is the answer.
const COUNT: &str = "INSERT INTO rate_limits AS r (key, window_start, count, banned_until) \
    VALUES (?1, ?2, 1, CASE WHEN 1 > ?4 THEN ?2 + ?5 END) \
    ON CONFLICT (key) DO UPDATE SET \
    window_start = CASE WHEN r.banned_until > ?2 THEN r.window_start \
        WHEN r.window_start + ?3 <= ?2 OR r.banned_until <= ?2 THEN ?2 \
        ELSE r.window_start END, \
    count = CASE WHEN r.banned_until > ?2 THEN r.count \
        WHEN r.window_start + ?3 <= ?2 OR r.banned_until <= ?2 THEN 1 \
        ELSE r.count + 1 END, \
    banned_until = CASE WHEN r.banned_until > ?2 THEN r.banned_until \
        WHEN (CASE WHEN r.window_start + ?3 <= ?2 OR r.banned_until <= ?2 THEN 1 \
            ELSE r.count + 1 END) > ?4 THEN ?2 + ?5 \
        END \
    RETURNING banned_until";

/// ?1 key.
const RELEASE: &str = "UPDATE rate_limits SET count = count - 1 \
    WHERE key = ?1 AND count > 0 AND banned_until IS NULL";

pub(super) fn count(
    tx: &Connection,
    key: &[u8; 32],
    window: &RateWindow,
    now: Millis,
) -> DbResult<Option<Millis>> {
    tx.prepare_cached(COUNT)
        .and_then(|mut st| {
            st.query_row(
                params![
                    key,
                    now,
                    window.window_ms,
                    window.stored_max(),
                    window.ban_ms
                ],
                |r| r.get(0),
            )
        })
        .map_err(sql_err)
}

pub(super) fn ban(c: &Connection, key: &[u8; 32], now: Millis) -> DbResult<Option<Millis>> {
    c.prepare_cached("SELECT banned_until FROM rate_limits WHERE key = ?1 AND banned_until > ?2")
        .and_then(|mut st| st.query_row(params![key, now], |r| r.get(0)).optional())
        .map_err(sql_err)
}

pub(super) fn release(tx: &Connection, key: &[u8; 32]) -> DbResult<()> {
    tx.prepare_cached(RELEASE)
        .and_then(|mut st| st.execute([key]))
        .map_err(sql_err)?;
    Ok(())
}

pub(super) fn clear(tx: &Connection, keys: &[[u8; 32]]) -> DbResult<()> {
    let mut st = tx
        .prepare_cached("DELETE FROM rate_limits WHERE key = ?1")
        .map_err(sql_err)?;
    for key in keys {
        st.execute([key]).map_err(sql_err)?;
    }
    Ok(())
}
