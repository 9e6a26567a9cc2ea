//! Security events: what happened to an account, for its event list and the
//! known-IP sign-in rule.

use async_trait::async_trait;

use super::rows;
use crate::model::*;
use crate::sql::{params, sql};
use crate::store::{Conn, DbResult};

#[async_trait]
pub trait SecurityEvents: Conn {
    /// Appends an event (`Err` if the account does not exist).
    async fn record_security_event(&self, e: &SecurityEvent) -> DbResult<()> {
        let sql = sql!(
            "INSERT INTO security_events (uid, name, token_id_hash, verified, ip_hmac, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)"
        );
        let p = params![
            &e.uid,
            &e.name,
            e.token_id_hash.as_ref(),
            e.verified,
            &e.ip_hmac,
            e.created_at
        ];
        self.exec(sql, p).await.map(drop)
    }

    /// The account's latest `limit` events, newest first.
    async fn security_events(&self, uid: &Uid, limit: u32) -> DbResult<Vec<SecurityEvent>> {
        let sql = sql!(
            "SELECT uid, name, token_id_hash, verified, ip_hmac, created_at \
             FROM security_events WHERE uid = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
        );
        self.query_all(sql, params![uid, limit], rows::security_event)
            .await
    }

    /// Whether the account has a verified event with this `ip_hmac` created at or after `since`.
    async fn verified_event_from_ip_since(
        &self,
        uid: &Uid,
        ip_hmac: &[u8; 32],
        since: Millis,
    ) -> DbResult<bool> {
        let sql = sql!(
            "SELECT 1 FROM security_events WHERE uid = $1 AND created_at >= $3 \
             AND ip_hmac = $2 AND verified = TRUE LIMIT 1"
        );
        let found = self
            .query_opt(sql, params![uid, ip_hmac, since], rows::unit)
            .await?;
        Ok(found.is_some())
    }

    /// Marks verified the events of `uid`'s sessions whose tokenVerificationId is
    /// `code` (run before those sessions are confirmed, which clears the id).
    async fn verify_events_of_code(&self, uid: &Uid, code: &[u8; 16]) -> DbResult<u64> {
        let sql = sql!(
            "UPDATE security_events SET verified = TRUE WHERE uid = $1 AND verified = FALSE \
             AND token_id_hash IN (SELECT id_hash FROM session_tokens \
             WHERE uid = $1 AND token_verification_id = $2)"
        );
        self.exec(sql, params![uid, code]).await
    }
}

impl<C: Conn> SecurityEvents for C {}
