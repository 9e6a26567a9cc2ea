//! Rate-limit statements for PostgreSQL. The count is one `INSERT … ON CONFLICT`
//! (see [`crate::Db::rate_limit_count`] for the rules it encodes): the conflicting
//! row is locked and the update sees its latest version, so no count is lost.

use deadpool_postgres::GenericClient;

use super::rows::{self, exec, query_one, query_opt};
use crate::model::*;
use crate::store::DbResult;

/// $1 key, $2 now, $3 window_ms, $4 max, $5 ban_ms, cast at every use (several are
/// first seen inside expressions, where PostgreSQL cannot infer BIGINT). A ban in force keeps the row as it is; otherwise
/// the window restarts or counts on, and banned_until is set only when the new count
/// is over max, so the returned banned_until is the answer.
const COUNT: &str = "INSERT INTO rate_limits AS r (key, window_start, count, banned_until) \
    VALUES ($1, $2, 1, CASE WHEN 1 > $4::BIGINT THEN $2::BIGINT + $5::BIGINT END) \
    ON CONFLICT (key) DO UPDATE SET \
    window_start = CASE WHEN r.banned_until > $2::BIGINT THEN r.window_start \
        WHEN r.window_start + $3::BIGINT <= $2::BIGINT OR r.banned_until <= $2::BIGINT \
            THEN $2::BIGINT \
        ELSE r.window_start END, \
    count = CASE WHEN r.banned_until > $2::BIGINT THEN r.count \
        WHEN r.window_start + $3::BIGINT <= $2::BIGINT OR r.banned_until <= $2::BIGINT THEN 1 \
        ELSE r.count + 1 END, \
    banned_until = CASE WHEN r.banned_until > $2::BIGINT THEN r.banned_until \
        WHEN (CASE WHEN r.window_start + $3::BIGINT <= $2::BIGINT \
                OR r.banned_until <= $2::BIGINT THEN 1 \
            ELSE r.count + 1 END) > $4::BIGINT THEN $2::BIGINT + $5::BIGINT \
        END \
    RETURNING banned_until";

pub(super) async fn count<C: GenericClient>(
    c: &C,
    key: &[u8; 32],
    window: &RateWindow,
    now: Millis,
) -> DbResult<Option<Millis>> {
    let max = window.stored_max();
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 5] =
        [&&key[..], &now, &window.window_ms, &max, &window.ban_ms];
    rows::get(&query_one(c, COUNT, &params).await?, 0)
}

pub(super) async fn ban<C: GenericClient>(
    c: &C,
    key: &[u8; 32],
    now: Millis,
) -> DbResult<Option<Millis>> {
    let sql = "SELECT banned_until FROM rate_limits WHERE key = $1 AND banned_until > $2";
    let row = query_opt(c, sql, &[&&key[..], &now]).await?;
    row.as_ref().map(|r| rows::get(r, 0)).transpose()
}

pub(super) async fn release<C: GenericClient>(c: &C, key: &[u8; 32]) -> DbResult<()> {
    let sql = "UPDATE rate_limits SET count = count - 1 \
        WHERE key = $1 AND count > 0 AND banned_until IS NULL";
    exec(c, sql, &[&&key[..]]).await?;
    Ok(())
}

pub(super) async fn clear<C: GenericClient>(c: &C, keys: &[[u8; 32]]) -> DbResult<()> {
    let keys: Vec<&[u8]> = keys.iter().map(|k| &k[..]).collect();
    exec(c, "DELETE FROM rate_limits WHERE key = ANY($1)", &[&keys]).await?;
    Ok(())
}
