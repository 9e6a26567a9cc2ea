//! Security-event statements for SQLite.

use rusqlite::{params, Connection, OptionalExtension};

use super::rows::sql_err;
use crate::model::*;
use crate::store::DbResult;

pub(super) fn record(tx: &Connection, e: &SecurityEvent) -> DbResult<()> {
    tx.prepare_cached(
        "INSERT INTO security_events (uid, name, token_id_hash, verified, ip_hmac, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut st| {
        st.execute(params![
            e.uid,
            e.name,
            e.token_id_hash,
            e.verified,
            e.ip_hmac,
            e.created_at
        ])
    })
    .map_err(sql_err)?;
    Ok(())
}

pub(super) fn list(c: &Connection, uid: &Uid, limit: u32) -> DbResult<Vec<SecurityEvent>> {
    let mut st = c
        .prepare_cached(
            "SELECT uid, name, token_id_hash, verified, ip_hmac, created_at \
             FROM security_events WHERE uid = ?1 ORDER BY created_at DESC, id DESC LIMIT ?2",
        )
        .map_err(sql_err)?;
    let rows = st
        .query_map(params![uid, limit], |r| {
            Ok(SecurityEvent {
                uid: r.get(0)?,
                name: r.get(1)?,
                token_id_hash: r.get(2)?,
                verified: r.get(3)?,
                ip_hmac: r.get(4)?,
                created_at: r.get(5)?,
            })
        })
        .map_err(sql_err)?;
    rows.collect::<rusqlite::Result<_>>().map_err(sql_err)
}

pub(super) fn verified_from_ip_since(
    c: &Connection,
    uid: &Uid,
    ip_hmac: &[u8; 32],
    since: Millis,
) -> DbResult<bool> {
    c.prepare_cached(
        "SELECT 1 FROM security_events WHERE uid = ?1 AND created_at >= ?3 \
         AND ip_hmac = ?2 AND verified = 1 LIMIT 1",
    )
    .and_then(|mut st| {
        st.query_row(params![uid, ip_hmac, since], |_| Ok(()))
            .optional()
    })
    .map(|found| found.is_some())
    .map_err(sql_err)
}
