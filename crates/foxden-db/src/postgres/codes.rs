//! One-time code statements for PostgreSQL.

use deadpool_postgres::GenericClient;

use super::rows::{self, exec, query_opt};
use crate::model::*;
use crate::store::DbResult;

/// Inserts the code, or updates the created_at of the same (uid, kind, code_hash).
pub(super) async fn insert<C: GenericClient>(c: &C, code: &OneTimeCode) -> DbResult<()> {
    let sql = "INSERT INTO one_time_codes (uid, kind, code_hash, created_at) \
               VALUES ($1, $2, $3, $4) \
               ON CONFLICT (uid, kind, code_hash) DO UPDATE SET created_at = excluded.created_at";
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 4] = [
        &&code.uid[..],
        &code.kind.code(),
        &&code.code_hash[..],
        &code.created_at,
    ];
    exec(c, sql, &params).await?;
    Ok(())
}

/// Must run inside a transaction. Locks the account row first (as `delete_account`
/// does), so concurrent replacements of one account's codes queue and the last one
/// leaves only its own code.
pub(super) async fn replace<C: GenericClient>(tx: &C, code: &OneTimeCode) -> DbResult<()> {
    let uid = &code.uid[..];
    let sql = "SELECT 1 FROM accounts WHERE uid = $1 FOR NO KEY UPDATE";
    query_opt(tx, sql, &[&uid]).await?;
    delete_all(tx, &code.uid, code.kind).await?;
    insert(tx, code).await
}

pub(super) async fn consume<C: GenericClient>(
    c: &C,
    uid: &Uid,
    kind: OneTimeCodeKind,
    code_hash: &[u8; 32],
) -> DbResult<Option<Millis>> {
    let sql = "DELETE FROM one_time_codes WHERE uid = $1 AND kind = $2 AND code_hash = $3 \
               RETURNING created_at";
    let row = query_opt(c, sql, &[&&uid[..], &kind.code(), &&code_hash[..]]).await?;
    row.as_ref().map(|r| rows::get(r, 0)).transpose()
}

pub(super) async fn delete_all<C: GenericClient>(
    c: &C,
    uid: &Uid,
    kind: OneTimeCodeKind,
) -> DbResult<u64> {
    let sql = "DELETE FROM one_time_codes WHERE uid = $1 AND kind = $2";
    exec(c, sql, &[&&uid[..], &kind.code()]).await
}
