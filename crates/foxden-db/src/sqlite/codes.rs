//! One-time code statements for SQLite.

use rusqlite::{params, Connection, OptionalExtension};

use super::rows::sql_err;
use crate::model::*;
use crate::store::DbResult;

pub(super) fn create(tx: &Connection, code: &OneTimeCode, replace: bool) -> DbResult<()> {
    if replace {
        delete_all(tx, &code.uid, code.kind)?;
    }
    tx.prepare_cached(
        "INSERT INTO one_time_codes (uid, kind, code_hash, created_at) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (uid, kind, code_hash) DO UPDATE SET created_at = excluded.created_at",
    )
    .and_then(|mut st| {
        st.execute(params![
            code.uid,
            code.kind.code(),
            code.code_hash,
            code.created_at
        ])
    })
    .map_err(sql_err)?;
    Ok(())
}

pub(super) fn consume(
    tx: &Connection,
    uid: &Uid,
    kind: OneTimeCodeKind,
    code_hash: &[u8; 32],
) -> DbResult<Option<Millis>> {
    tx.prepare_cached(
        "DELETE FROM one_time_codes WHERE uid = ?1 AND kind = ?2 AND code_hash = ?3 \
         RETURNING created_at",
    )
    .and_then(|mut st| {
        st.query_row(params![uid, kind.code(), code_hash], |r| r.get(0))
            .optional()
    })
    .map_err(sql_err)
}

pub(super) fn delete_all(tx: &Connection, uid: &Uid, kind: OneTimeCodeKind) -> DbResult<u64> {
    let n = tx
        .prepare_cached("DELETE FROM one_time_codes WHERE uid = ?1 AND kind = ?2")
        .and_then(|mut st| st.execute(params![uid, kind.code()]))
        .map_err(sql_err)?;
    Ok(n as u64)
}
