//! [`Db`] for [`SqliteDb`]: reads go to the reader pool, writes to the writer's
//! `IMMEDIATE` transaction.

use async_trait::async_trait;

use super::{accounts as acc, codes, rate_limits, security as sec, tokens as tok, SqliteDb};
use crate::cols::plain_sql;
use crate::model::*;
use crate::store::{Db, DbResult, PruneCutoffs};

#[async_trait]
impl Db for SqliteDb {
    async fn ping(&self) -> DbResult<()> {
        self.read(|c| {
            c.query_row("SELECT 1", [], |_| Ok(()))
                .map_err(super::rows::sql_err)
        })
        .await
    }

    fn backend_name(&self) -> &'static str {
        "sqlite"
    }

    async fn migrate(&self) -> DbResult<()> {
        SqliteDb::migrate(self).await
    }

    async fn create_account(&self, new: &NewAccount) -> DbResult<()> {
        let new = new.clone();
        self.write_sessions(move |tx| acc::create_account(tx, &new))
            .await
    }

    async fn account(&self, uid: &Uid) -> DbResult<Option<Account>> {
        let uid = *uid;
        self.read(move |c| acc::account(c, &uid)).await
    }

    async fn account_by_email(&self, normalized_email: &str) -> DbResult<Option<Account>> {
        let email = normalized_email.to_owned();
        self.read(move |c| acc::account_by_email(c, &email)).await
    }

    async fn delete_account(&self, uid: &Uid) -> DbResult<bool> {
        let uid = *uid;
        self.write_sessions(move |tx| acc::delete_account(tx, &uid))
            .await
    }

    async fn set_email_verified(&self, uid: &Uid) -> DbResult<bool> {
        let uid = *uid;
        self.write(move |tx| acc::set_email_verified(tx, &uid))
            .await
    }

    async fn verify_email_code(
        &self,
        uid: &Uid,
        code: &[u8; 16],
        method: VerificationMethod,
        now: Millis,
    ) -> DbResult<CodeOutcome> {
        let (uid, code) = (*uid, *code);
        self.write_sessions(move |tx| acc::verify_email_code(tx, &uid, &code, method, now))
            .await
    }

    async fn create_session(
        &self,
        session: &SessionToken,
        key_fetch: &[KeyFetchToken],
    ) -> DbResult<()> {
        let (session, key_fetch) = (session.clone(), key_fetch.to_vec());
        self.write(move |tx| tok::create_session(tx, &session, &key_fetch))
            .await
    }

    async fn session(&self, id_hash: &TokenIdHash) -> DbResult<Option<SessionToken>> {
        self.cached_session(id_hash).await
    }

    async fn sessions_for(&self, uid: &Uid) -> DbResult<Vec<SessionToken>> {
        let uid = *uid;
        self.read(move |c| tok::sessions_for(c, &uid)).await
    }

    async fn delete_session(&self, id_hash: &TokenIdHash) -> DbResult<bool> {
        let id = *id_hash;
        self.write_sessions(move |tx| tok::delete_session(tx, &id))
            .await
    }

    async fn touch_session(&self, id_hash: &TokenIdHash, last_access_time: Millis) -> DbResult<()> {
        let id = *id_hash;
        self.write_sessions(move |tx| tok::touch_session(tx, &id, last_access_time))
            .await
    }

    async fn reauth_session(
        &self,
        id_hash: &TokenIdHash,
        auth_at: Millis,
        unverified: Option<&Unverified>,
        key_fetch: &[KeyFetchToken],
    ) -> DbResult<bool> {
        let (id, unverified, key_fetch) = (*id_hash, unverified.cloned(), key_fetch.to_vec());
        self.write_sessions(move |tx| {
            tok::reauth_session(tx, &id, auth_at, unverified.as_ref(), &key_fetch)
        })
        .await
    }

    async fn key_fetch_token(&self, id_hash: &TokenIdHash) -> DbResult<Option<KeyFetchToken>> {
        let id = *id_hash;
        self.read(move |c| tok::key_fetch_token(c, &id)).await
    }

    async fn delete_key_fetch_token(&self, id_hash: &TokenIdHash) -> DbResult<bool> {
        let id = *id_hash;
        self.write(move |tx| {
            tok::delete_by_id(tx, "DELETE FROM key_fetch_tokens WHERE id_hash = ?1", &id)
        })
        .await
    }

    async fn create_plain_token(&self, kind: PlainTokenKind, token: &TokenCore) -> DbResult<()> {
        let token = token.clone();
        self.write(move |tx| tok::create_plain_token(tx, kind, &token))
            .await
    }

    async fn plain_token(
        &self,
        kind: PlainTokenKind,
        id_hash: &TokenIdHash,
    ) -> DbResult<Option<TokenCore>> {
        let id = *id_hash;
        self.read(move |c| tok::plain_token(c, kind, &id)).await
    }

    async fn delete_plain_token(
        &self,
        kind: PlainTokenKind,
        id_hash: &TokenIdHash,
    ) -> DbResult<bool> {
        let id = *id_hash;
        let sql = plain_sql!(kind, "DELETE FROM " ; " WHERE id_hash = ?1");
        self.write(move |tx| tok::delete_by_id(tx, sql, &id)).await
    }

    async fn create_password_change(
        &self,
        change_token: &TokenCore,
        key_fetch: &KeyFetchToken,
    ) -> DbResult<()> {
        let (change_token, key_fetch) = (change_token.clone(), key_fetch.clone());
        self.write(move |tx| tok::create_password_change(tx, &change_token, &key_fetch))
            .await
    }

    async fn change_password(&self, change: &PasswordChange) -> DbResult<bool> {
        let change = change.clone();
        self.write_sessions(move |tx| acc::swap_credentials(tx, &(&change).into()))
            .await
    }

    async fn reset_account(&self, reset: &AccountReset) -> DbResult<bool> {
        let reset = reset.clone();
        self.write_sessions(move |tx| acc::swap_credentials(tx, &(&reset).into()))
            .await
    }

    async fn create_password_forgot_token(&self, token: &PasswordForgotToken) -> DbResult<()> {
        let token = token.clone();
        self.write(move |tx| tok::create_forgot(tx, &token)).await
    }

    async fn password_forgot_token(
        &self,
        id_hash: &TokenIdHash,
    ) -> DbResult<Option<PasswordForgotToken>> {
        let id = *id_hash;
        self.read(move |c| tok::forgot(c, &id)).await
    }

    async fn delete_password_forgot_token(&self, id_hash: &TokenIdHash) -> DbResult<bool> {
        let id = *id_hash;
        self.write(move |tx| {
            tok::delete_by_id(
                tx,
                "DELETE FROM password_forgot_tokens WHERE id_hash = ?1",
                &id,
            )
        })
        .await
    }

    async fn spend_password_forgot_try(&self, id_hash: &TokenIdHash) -> DbResult<Option<i32>> {
        let id = *id_hash;
        self.write(move |tx| tok::spend_forgot_try(tx, &id)).await
    }

    async fn exchange_forgot_for_reset(
        &self,
        forgot_id_hash: &TokenIdHash,
        reset: &TokenCore,
    ) -> DbResult<bool> {
        let (id, reset) = (*forgot_id_hash, reset.clone());
        self.write(move |tx| tok::exchange_forgot(tx, &id, &reset))
            .await
    }

    async fn record_security_event(&self, event: &SecurityEvent) -> DbResult<()> {
        let event = event.clone();
        self.write(move |tx| sec::record(tx, &event)).await
    }

    async fn security_events(&self, uid: &Uid, limit: u32) -> DbResult<Vec<SecurityEvent>> {
        let uid = *uid;
        self.read(move |c| sec::list(c, &uid, limit)).await
    }

    async fn verified_event_from_ip_since(
        &self,
        uid: &Uid,
        ip_hmac: &[u8; 32],
        since: Millis,
    ) -> DbResult<bool> {
        let (uid, ip_hmac) = (*uid, *ip_hmac);
        self.read(move |c| sec::verified_from_ip_since(c, &uid, &ip_hmac, since))
            .await
    }

    async fn create_one_time_code(&self, code: &OneTimeCode, replace: bool) -> DbResult<()> {
        let code = code.clone();
        self.write(move |tx| codes::create(tx, &code, replace))
            .await
    }

    async fn consume_one_time_code(
        &self,
        uid: &Uid,
        kind: OneTimeCodeKind,
        code_hash: &[u8; 32],
    ) -> DbResult<Option<Millis>> {
        let (uid, code_hash) = (*uid, *code_hash);
        self.write(move |tx| codes::consume(tx, &uid, kind, &code_hash))
            .await
    }

    async fn delete_one_time_codes(&self, uid: &Uid, kind: OneTimeCodeKind) -> DbResult<u64> {
        let uid = *uid;
        self.write(move |tx| codes::delete_all(tx, &uid, kind))
            .await
    }

    async fn rate_limit_count(
        &self,
        key: &[u8; 32],
        window: &RateWindow,
        now: Millis,
    ) -> DbResult<Option<Millis>> {
        let (key, window) = (*key, *window);
        self.write(move |tx| rate_limits::count(tx, &key, &window, now))
            .await
    }

    async fn rate_limit_ban(&self, key: &[u8; 32], now: Millis) -> DbResult<Option<Millis>> {
        let key = *key;
        self.read(move |c| rate_limits::ban(c, &key, now)).await
    }

    async fn rate_limit_release(&self, key: &[u8; 32]) -> DbResult<()> {
        let key = *key;
        self.write(move |tx| rate_limits::release(tx, &key)).await
    }

    async fn rate_limit_clear(&self, keys: &[[u8; 32]]) -> DbResult<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let keys = keys.to_vec();
        self.write(move |tx| rate_limits::clear(tx, &keys)).await
    }

    async fn prune_expired(&self, cutoffs: &PruneCutoffs) -> DbResult<u64> {
        let cutoffs = *cutoffs;
        self.write_sessions(move |tx| tok::prune(tx, &cutoffs))
            .await
    }
}
