//! Security-event statements for PostgreSQL.

use deadpool_postgres::GenericClient;

use super::rows::{self, exec, query, query_opt};
use crate::model::*;
use crate::store::DbResult;

pub(super) async fn record<C: GenericClient>(c: &C, e: &SecurityEvent) -> DbResult<()> {
    let token = e.token_id_hash.as_ref().map(|t| &t[..]);
    exec(
        c,
        "INSERT INTO security_events (uid, name, token_id_hash, verified, ip_hmac, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &&e.uid[..],
            &e.name,
            &token,
            &e.verified,
            &&e.ip_hmac[..],
            &e.created_at,
        ],
    )
    .await?;
    Ok(())
}

pub(super) async fn list<C: GenericClient>(
    c: &C,
    uid: &Uid,
    limit: u32,
) -> DbResult<Vec<SecurityEvent>> {
    let rows = query(
        c,
        "SELECT uid, name, token_id_hash, verified, ip_hmac, created_at \
         FROM security_events WHERE uid = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        &[&&uid[..], &i64::from(limit)],
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SecurityEvent {
                uid: rows::fixed(r, 0)?,
                name: rows::get(r, 1)?,
                token_id_hash: rows::opt_fixed(r, 2)?,
                verified: rows::get(r, 3)?,
                ip_hmac: rows::fixed(r, 4)?,
                created_at: rows::get(r, 5)?,
            })
        })
        .collect()
}

pub(super) async fn verified_from_ip_since<C: GenericClient>(
    c: &C,
    uid: &Uid,
    ip_hmac: &[u8; 32],
    since: Millis,
) -> DbResult<bool> {
    let sql = "SELECT 1 FROM security_events WHERE uid = $1 AND created_at >= $3 \
               AND ip_hmac = $2 AND verified LIMIT 1";
    Ok(query_opt(c, sql, &[&&uid[..], &&ip_hmac[..], &since])
        .await?
        .is_some())
}
