//! Session tokens and the keyFetchTokens issued with them.

use async_trait::async_trait;

use super::rows;
use crate::cols::{key_fetch_cols, session_cols};
use crate::model::*;
use crate::sql::{params, sql, Sql};
use crate::store::{Conn, DbResult, SessionKey};

const SESSION_BY_ID: &Sql = sql!(concat!(
    "SELECT ",
    session_cols!(),
    " FROM session_tokens WHERE id_hash = $1"
));

#[async_trait]
pub trait Sessions: Conn {
    /// Inserts a session (`Err(Duplicate)` if its id exists; `Err` without its account).
    async fn insert_session(&self, s: &SessionToken) -> DbResult<()> {
        let sql = sql!(concat!(
            "INSERT INTO session_tokens (",
            session_cols!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
        ));
        let u = s.unverified.as_ref();
        let ua = &s.user_agent;
        let p = params![
            &s.core.id_hash,
            &s.core.auth_key_sealed,
            &s.core.uid,
            s.core.created_at,
            ua.browser.as_ref(),
            ua.browser_version.as_ref(),
            ua.os.as_ref(),
            ua.os_version.as_ref(),
            ua.device_type.as_ref(),
            ua.form_factor.as_ref(),
            s.last_access_time,
            s.auth_at,
            u.map(|u| &u.token_verification_id),
            u.is_some_and(|u| u.must_verify),
            s.verification_method.map(VerificationMethod::code),
            s.verified_at,
        ];
        self.exec(sql, p).await.map(drop)
    }

    /// A session by id; on SQLite outside a transaction, through the session cache.
    async fn session(&self, id_hash: &TokenIdHash) -> DbResult<Option<SessionToken>> {
        if let Some(cached) = self.session_cache() {
            return cached
                .cached_session(id_hash, SESSION_BY_ID, rows::session)
                .await;
        }
        self.query_opt(SESSION_BY_ID, params![id_hash], rows::session)
            .await
    }

    /// The account's sessions, oldest first.
    async fn sessions_for(&self, uid: &Uid) -> DbResult<Vec<SessionToken>> {
        let sql = sql!(concat!(
            "SELECT ",
            session_cols!(),
            " FROM session_tokens WHERE uid = $1 ORDER BY created_at, id_hash"
        ));
        self.query_all(sql, params![uid], rows::session).await
    }

    /// Deletes one session (and keyFetchTokens that share its verification id). False if absent.
    async fn delete_session(&self, id_hash: &TokenIdHash) -> DbResult<bool> {
        let tx = self.scope().await?;
        let sql = sql!(
            "DELETE FROM session_tokens WHERE id_hash = $1 RETURNING uid, token_verification_id"
        );
        let gone = tx
            .query_opt(sql, params![id_hash], |r| {
                Ok((r.fixed::<16>(0)?, r.opt_fixed::<16>(1)?))
            })
            .await?;
        tx.sessions_changed(SessionKey::Id(*id_hash));
        if let Some((uid, Some(tvid))) = gone {
            let sql =
                sql!("DELETE FROM key_fetch_tokens WHERE uid = $1 AND token_verification_id = $2");
            tx.exec(sql, params![&uid, &tvid]).await?;
        }
        tx.finish().await?;
        Ok(gone.is_some())
    }

    /// Records use of a session. Callers throttle this; storage just writes.
    async fn touch_session(&self, id_hash: &TokenIdHash, last_access_time: Millis) -> DbResult<()> {
        let sql = sql!("UPDATE session_tokens SET last_access_time = $2 WHERE id_hash = $1");
        let p = params![id_hash, last_access_time];
        self.exec_changing(sql, p, SessionKey::Id(*id_hash))
            .await
            .map(drop)
    }

    /// After a password re-check: sets `auth_at` and replaces the verification state.
    /// With `Some(unverified)` the session's earlier `verification_method`/`verified_at`
    /// are cleared (it must be confirmed again); with `None` they are kept. False if
    /// the session is gone.
    async fn reauth_session(
        &self,
        id_hash: &TokenIdHash,
        auth_at: Millis,
        unverified: Option<&Unverified>,
    ) -> DbResult<bool> {
        let sql = if unverified.is_some() {
            sql!(
                "UPDATE session_tokens SET auth_at = $2, token_verification_id = $3, \
                 must_verify = $4, verification_method = NULL, verified_at = NULL \
                 WHERE id_hash = $1"
            )
        } else {
            sql!(
                "UPDATE session_tokens SET auth_at = $2, token_verification_id = $3, \
                 must_verify = $4 WHERE id_hash = $1"
            )
        };
        let tvid = unverified.map(|u| &u.token_verification_id);
        let must_verify = unverified.is_some_and(|u| u.must_verify);
        let p = params![id_hash, auth_at, tvid, must_verify];
        let n = self.exec_changing(sql, p, SessionKey::Id(*id_hash)).await?;
        Ok(n > 0)
    }

    /// Confirms with `method` at `now` every session and keyFetchToken of `uid` whose
    /// tokenVerificationId is `code`. True if any matched.
    async fn confirm_tokens(
        &self,
        uid: &Uid,
        code: &[u8; 16],
        method: VerificationMethod,
        now: Millis,
    ) -> DbResult<bool> {
        let tx = self.scope().await?;
        let sql = sql!(
            "UPDATE session_tokens SET token_verification_id = NULL, must_verify = FALSE, \
             verification_method = $3, verified_at = $4 \
             WHERE uid = $1 AND token_verification_id = $2"
        );
        let sessions = tx.exec(sql, params![uid, code, method.code(), now]).await?;
        let sql = sql!(
            "UPDATE key_fetch_tokens SET token_verification_id = NULL \
             WHERE uid = $1 AND token_verification_id = $2"
        );
        let key_fetches = tx.exec(sql, params![uid, code]).await?;
        tx.sessions_changed(SessionKey::Uid(*uid));
        tx.finish().await?;
        Ok(sessions + key_fetches > 0)
    }

    async fn insert_key_fetch_token(&self, k: &KeyFetchToken) -> DbResult<()> {
        let sql = sql!(concat!(
            "INSERT INTO key_fetch_tokens (",
            key_fetch_cols!(),
            ") VALUES ($1, $2, $3, $4, $5, $6)"
        ));
        let c = &k.core;
        let p = params![
            &c.id_hash,
            &c.auth_key_sealed,
            &c.uid,
            c.created_at,
            &k.key_bundle,
            k.token_verification_id.as_ref(),
        ];
        self.exec(sql, p).await.map(drop)
    }

    async fn key_fetch_token(&self, id_hash: &TokenIdHash) -> DbResult<Option<KeyFetchToken>> {
        let sql = sql!(concat!(
            "SELECT ",
            key_fetch_cols!(),
            " FROM key_fetch_tokens WHERE id_hash = $1"
        ));
        self.query_opt(sql, params![id_hash], rows::key_fetch).await
    }

    /// Consumes the token; true only for the one caller that deleted it.
    async fn delete_key_fetch_token(&self, id_hash: &TokenIdHash) -> DbResult<bool> {
        let sql = sql!("DELETE FROM key_fetch_tokens WHERE id_hash = $1");
        Ok(self.exec(sql, params![id_hash]).await? > 0)
    }
}

impl<C: Conn> Sessions for C {}
