//! The single-purpose tokens: passwordChange, accountReset and passwordForgot,
//! and the account-wide token reset a password change or reset does.

use async_trait::async_trait;

use super::rows;
use crate::cols::{core_cols, forgot_cols};
use crate::model::*;
use crate::sql::{params, sql, Sql};
use crate::store::{Conn, DbResult, SessionKey};

/// Statement per [`PlainTokenKind`].
fn by_kind(kind: PlainTokenKind, change: &'static Sql, reset: &'static Sql) -> &'static Sql {
    match kind {
        PlainTokenKind::PasswordChange => change,
        PlainTokenKind::AccountReset => reset,
    }
}

#[async_trait]
pub trait Tokens: Conn {
    /// Inserts the token. An accountReset token replaces any earlier one of the account.
    async fn insert_plain_token(&self, kind: PlainTokenKind, t: &TokenCore) -> DbResult<()> {
        let sql = by_kind(
            kind,
            sql!(concat!(
                "INSERT INTO password_change_tokens (",
                core_cols!(),
                ") VALUES ($1, $2, $3, $4)"
            )),
            sql!(concat!(
                "INSERT INTO account_reset_tokens (",
                core_cols!(),
                ") VALUES ($1, $2, $3, $4) ON CONFLICT (uid) DO UPDATE SET \
                 id_hash = excluded.id_hash, auth_key_sealed = excluded.auth_key_sealed, \
                 created_at = excluded.created_at"
            )),
        );
        let p = params![&t.id_hash, &t.auth_key_sealed, &t.uid, t.created_at];
        self.exec(sql, p).await.map(drop)
    }

    async fn plain_token(
        &self,
        kind: PlainTokenKind,
        id_hash: &TokenIdHash,
    ) -> DbResult<Option<TokenCore>> {
        let sql = by_kind(
            kind,
            sql!(concat!(
                "SELECT ",
                core_cols!(),
                " FROM password_change_tokens WHERE id_hash = $1"
            )),
            sql!(concat!(
                "SELECT ",
                core_cols!(),
                " FROM account_reset_tokens WHERE id_hash = $1"
            )),
        );
        self.query_opt(sql, params![id_hash], rows::core).await
    }

    /// Consumes the token; true only for the one caller that deleted it.
    async fn delete_plain_token(
        &self,
        kind: PlainTokenKind,
        id_hash: &TokenIdHash,
    ) -> DbResult<bool> {
        let sql = by_kind(
            kind,
            sql!("DELETE FROM password_change_tokens WHERE id_hash = $1"),
            sql!("DELETE FROM account_reset_tokens WHERE id_hash = $1"),
        );
        Ok(self.exec(sql, params![id_hash]).await? > 0)
    }

    /// Consumes the token if it belongs to `uid`; true only for the one caller that
    /// deleted it (false, and nothing deleted, for another account's token).
    async fn consume_plain_token(
        &self,
        kind: PlainTokenKind,
        id_hash: &TokenIdHash,
        uid: &Uid,
    ) -> DbResult<bool> {
        let sql = by_kind(
            kind,
            sql!("DELETE FROM password_change_tokens WHERE id_hash = $1 AND uid = $2"),
            sql!("DELETE FROM account_reset_tokens WHERE id_hash = $1 AND uid = $2"),
        );
        Ok(self.exec(sql, params![id_hash, uid]).await? > 0)
    }

    /// Deletes every token of the account (sessions, keyFetch, passwordChange,
    /// passwordForgot, accountReset); the account row stays.
    async fn delete_tokens_of(&self, uid: &Uid) -> DbResult<()> {
        let tx = self.scope().await?;
        for sql in [
            sql!("DELETE FROM session_tokens WHERE uid = $1"),
            sql!("DELETE FROM key_fetch_tokens WHERE uid = $1"),
            sql!("DELETE FROM password_change_tokens WHERE uid = $1"),
            sql!("DELETE FROM password_forgot_tokens WHERE uid = $1"),
            sql!("DELETE FROM account_reset_tokens WHERE uid = $1"),
        ] {
            tx.exec(sql, params![uid]).await?;
        }
        tx.sessions_changed(SessionKey::Uid(*uid));
        tx.finish().await
    }

    /// Inserts the token, replacing any earlier one of the account (one per uid).
    async fn insert_password_forgot_token(&self, t: &PasswordForgotToken) -> DbResult<()> {
        let sql = sql!(concat!(
            "INSERT INTO password_forgot_tokens (",
            forgot_cols!(),
            ") VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (uid) DO UPDATE SET \
             id_hash = excluded.id_hash, auth_key_sealed = excluded.auth_key_sealed, \
             created_at = excluded.created_at, pass_code = excluded.pass_code, \
             tries = excluded.tries"
        ));
        let c = &t.core;
        let p = params![
            &c.id_hash,
            &c.auth_key_sealed,
            &c.uid,
            c.created_at,
            &t.pass_code,
            t.tries
        ];
        self.exec(sql, p).await.map(drop)
    }

    async fn password_forgot_token(
        &self,
        id_hash: &TokenIdHash,
    ) -> DbResult<Option<PasswordForgotToken>> {
        let sql = sql!(concat!(
            "SELECT ",
            forgot_cols!(),
            " FROM password_forgot_tokens WHERE id_hash = $1"
        ));
        self.query_opt(sql, params![id_hash], rows::forgot).await
    }

    /// Deletes the token. False if it was gone.
    async fn delete_password_forgot_token(&self, id_hash: &TokenIdHash) -> DbResult<bool> {
        let sql = sql!("DELETE FROM password_forgot_tokens WHERE id_hash = $1");
        Ok(self.exec(sql, params![id_hash]).await? > 0)
    }

    /// Deletes the token and returns its account: of concurrent callers exactly one
    /// gets `Some`.
    async fn take_password_forgot_token(&self, id_hash: &TokenIdHash) -> DbResult<Option<Uid>> {
        let sql = sql!("DELETE FROM password_forgot_tokens WHERE id_hash = $1 RETURNING uid");
        self.query_opt(sql, params![id_hash], rows::uid).await
    }

    /// Uses up one try; at zero tries left the token is deleted.
    /// Returns the tries left, or None if the token is gone.
    async fn spend_password_forgot_try(&self, id_hash: &TokenIdHash) -> DbResult<Option<i32>> {
        let tx = self.scope().await?;
        let sql = sql!(
            "UPDATE password_forgot_tokens SET tries = tries - 1 WHERE id_hash = $1 \
             RETURNING tries"
        );
        let left = tx.query_opt(sql, params![id_hash], |r| r.int32(0)).await?;
        let left = match left {
            Some(n) if n <= 0 => {
                tx.delete_password_forgot_token(id_hash).await?;
                Some(0)
            }
            other => other,
        };
        tx.finish().await?;
        Ok(left)
    }
}

impl<C: Conn> Tokens for C {}
