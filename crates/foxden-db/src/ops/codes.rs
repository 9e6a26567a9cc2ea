//! One-time codes (unblock codes, password-forgot OTPs), stored as keyed hashes.

use async_trait::async_trait;

use super::rows;
use crate::model::*;
use crate::sql::{params, sql};
use crate::store::{Conn, DbResult};

#[async_trait]
pub trait OneTimeCodes: Conn {
    /// Stores a code. With `replace`, the account's other codes of the same kind are
    /// deleted in the same transaction. Storing an existing (uid, kind, code_hash) again
    /// just updates its created_at. `Err` if the account does not exist.
    async fn create_one_time_code(&self, code: &OneTimeCode, replace: bool) -> DbResult<()> {
        let tx = self.scope().await?;
        if replace {
            tx.delete_one_time_codes(&code.uid, code.kind).await?;
        }
        let sql = sql!(
            "INSERT INTO one_time_codes (uid, kind, code_hash, created_at) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (uid, kind, code_hash) DO UPDATE SET created_at = excluded.created_at"
        );
        let p = params![
            &code.uid,
            code.kind.code(),
            &code.code_hash,
            code.created_at
        ];
        tx.exec(sql, p).await?;
        tx.finish().await
    }

    /// Deletes the matching code and returns its created_at; None if there is none.
    /// Of concurrent callers with the same code exactly one gets Some.
    async fn consume_one_time_code(
        &self,
        uid: &Uid,
        kind: OneTimeCodeKind,
        code_hash: &[u8; 32],
    ) -> DbResult<Option<Millis>> {
        let sql = sql!(
            "DELETE FROM one_time_codes WHERE uid = $1 AND kind = $2 AND code_hash = $3 \
             RETURNING created_at"
        );
        self.query_opt(sql, params![uid, kind.code(), code_hash], rows::int)
            .await
    }

    /// Deletes every code of this kind for the account; returns how many went.
    async fn delete_one_time_codes(&self, uid: &Uid, kind: OneTimeCodeKind) -> DbResult<u64> {
        let sql = sql!("DELETE FROM one_time_codes WHERE uid = $1 AND kind = $2");
        self.exec(sql, params![uid, kind.code()]).await
    }
}

impl<C: Conn> OneTimeCodes for C {}
