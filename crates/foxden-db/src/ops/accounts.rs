//! Accounts: the `accounts` table.

use async_trait::async_trait;

use super::rows;
use crate::cols::account_cols;
use crate::model::*;
use crate::sql::{params, sql};
use crate::store::{Conn, DbResult, SessionKey};

#[async_trait]
pub trait Accounts: Conn {
    /// Inserts the account. `Err(Duplicate)` when the uid or normalized email is taken.
    async fn insert_account(&self, a: &Account) -> DbResult<()> {
        let v2 = a.v2.as_ref();
        let sql = sql!(concat!(
            "INSERT INTO accounts (",
            account_cols!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
             $17, $18, $19, $20)"
        ));
        let p = params![
            &a.uid,
            &a.email,
            &a.normalized_email,
            &a.email_code,
            a.email_verified,
            &a.ka,
            &a.wrap_wrap_kb,
            &a.auth_salt,
            &a.verify_hash,
            a.verifier_version,
            a.verifier_set_at,
            v2.map(|v| &v.client_salt),
            v2.map(|v| &v.verify_hash),
            v2.map(|v| &v.wrap_wrap_kb),
            a.created_at,
            a.locale.as_ref(),
            a.keys_changed_at,
            a.profile_changed_at,
            a.disabled_at,
            a.locked_at,
        ];
        self.exec(sql, p).await.map(drop)
    }

    async fn account(&self, uid: &Uid) -> DbResult<Option<Account>> {
        let sql = sql!(concat!(
            "SELECT ",
            account_cols!(),
            " FROM accounts WHERE uid = $1"
        ));
        self.query_opt(sql, params![uid], rows::account).await
    }

    /// Looks up by normalized (lower-cased) email.
    async fn account_by_email(&self, normalized_email: &str) -> DbResult<Option<Account>> {
        let sql = sql!(concat!(
            "SELECT ",
            account_cols!(),
            " FROM accounts WHERE normalized_email = $1"
        ));
        self.query_opt(sql, params![normalized_email], rows::account)
            .await
    }

    /// Deletes the account and every token it owns. Returns false if there was none.
    async fn delete_account(&self, uid: &Uid) -> DbResult<bool> {
        let sql = sql!("DELETE FROM accounts WHERE uid = $1");
        let n = self
            .exec_changing(sql, params![uid], SessionKey::Uid(*uid))
            .await?;
        Ok(n > 0)
    }

    /// Marks the account's email verified (without touching sessions).
    /// Returns true if it was unverified before.
    async fn set_email_verified(&self, uid: &Uid) -> DbResult<bool> {
        let sql = sql!(
            "UPDATE accounts SET email_verified = TRUE WHERE uid = $1 AND email_verified = FALSE"
        );
        Ok(self.exec(sql, params![uid]).await? > 0)
    }

    /// Stores new salt, verifiers and wraps (verifier_version 1; the V2 columns set or
    /// cleared). For a reset (`reset_keys_changed_at`) also `keys_changed_at`, and the
    /// email is marked verified. False if the account is gone.
    async fn store_credentials(&self, uid: &Uid, c: &Credentials) -> DbResult<bool> {
        let sql = sql!(
            "UPDATE accounts SET auth_salt = $2, verify_hash = $3, wrap_wrap_kb = $4, \
             verifier_version = 1, verifier_set_at = $5, client_salt = $6, verify_hash_v2 = $7, \
             wrap_wrap_kb_v2 = $8, keys_changed_at = COALESCE($9, keys_changed_at), \
             email_verified = (email_verified OR $10) WHERE uid = $1"
        );
        let v2 = c.v2.as_ref();
        let p = params![
            uid,
            &c.auth_salt,
            &c.verify_hash,
            &c.wrap_wrap_kb,
            c.verifier_set_at,
            v2.map(|v| &v.client_salt),
            v2.map(|v| &v.verify_hash),
            v2.map(|v| &v.wrap_wrap_kb),
            c.reset_keys_changed_at,
            c.reset_keys_changed_at.is_some(),
        ];
        Ok(self.exec(sql, p).await? > 0)
    }
}

impl<C: Conn> Accounts for C {}
