//! Pruning expired records.

use async_trait::async_trait;

use crate::sql::{params, sql, Sql};
use crate::store::{Conn, DbResult, PruneCutoffs, SessionKey};

#[async_trait]
pub trait Housekeeping: Conn {
    /// Deletes tokens, one-time codes and rate-limit rows older than the given
    /// cut-offs, in one transaction; returns how many rows went.
    async fn prune_expired(&self, cut: &PruneCutoffs) -> DbResult<u64> {
        let mut steps: Vec<(&'static Sql, i64)> = vec![
            (
                sql!("DELETE FROM password_change_tokens WHERE created_at < $1"),
                cut.password_change,
            ),
            (
                sql!("DELETE FROM password_forgot_tokens WHERE created_at < $1"),
                cut.password_forgot,
            ),
            (
                sql!("DELETE FROM account_reset_tokens WHERE created_at < $1"),
                cut.account_reset,
            ),
            (
                sql!("DELETE FROM one_time_codes WHERE created_at < $1"),
                cut.one_time_code,
            ),
            (
                sql!(
                    "DELETE FROM rate_limits WHERE window_start < $1 \
                     AND (banned_until IS NULL OR banned_until < $1)"
                ),
                cut.rate_limit,
            ),
        ];
        if let Some(session) = cut.session {
            steps.push((
                // A session with a device lives until it is destroyed (FxA's
                // `sessionTokenWithoutDevice` lifetime).
                sql!(
                    "DELETE FROM session_tokens WHERE created_at < $1 AND NOT EXISTS \
                     (SELECT 1 FROM devices WHERE devices.session_token_id_hash = \
                     session_tokens.id_hash)"
                ),
                session,
            ));
        }
        let tx = self.scope().await?;
        let mut total = 0u64;
        for (sql, cutoff) in steps {
            total += tx.exec(sql, params![cutoff]).await?;
        }
        if cut.session.is_some() {
            tx.sessions_changed(SessionKey::All);
        }
        tx.finish().await?;
        Ok(total)
    }
}

impl<C: Conn> Housekeeping for C {}
