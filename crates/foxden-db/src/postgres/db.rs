//! [`Db`] for [`PostgresDb`]: single statements run on a pooled connection,
//! multi-statement methods in one transaction (rolled back on any error).

use async_trait::async_trait;

use super::rows::pg_err;
use super::{accounts as acc, codes, rate_limits, security as sec, tokens as tok, PostgresDb};
use crate::cols::plain_sql;
use crate::model::*;
use crate::store::{Db, DbResult, PruneCutoffs};

/// `in_tx!(self, tx => body)`: runs `body` (which uses `tx`) in a transaction and
/// commits if it returns `Ok`; dropping the transaction on `Err` rolls it back.
macro_rules! in_tx {
    ($db:expr, $tx:ident => $body:expr) => {{
        let mut client = $db.client().await?;
        let $tx = client.transaction().await.map_err(pg_err)?;
        let out = $body?;
        $tx.commit().await.map_err(pg_err)?;
        Ok(out)
    }};
}

#[async_trait]
impl Db for PostgresDb {
    async fn ping(&self) -> DbResult<()> {
        let client = self.client().await?;
        client.simple_query("SELECT 1").await.map_err(pg_err)?;
        Ok(())
    }

    fn backend_name(&self) -> &'static str {
        "postgres"
    }

    async fn migrate(&self) -> DbResult<()> {
        PostgresDb::migrate(self).await
    }

    async fn create_account(&self, new: &NewAccount) -> DbResult<()> {
        in_tx!(self, tx => acc::create_account(&tx, new).await)
    }

    async fn account(&self, uid: &Uid) -> DbResult<Option<Account>> {
        acc::account(&self.client().await?, uid).await
    }

    async fn account_by_email(&self, normalized_email: &str) -> DbResult<Option<Account>> {
        acc::account_by_email(&self.client().await?, normalized_email).await
    }

    async fn delete_account(&self, uid: &Uid) -> DbResult<bool> {
        acc::delete_account(&self.client().await?, uid).await
    }

    async fn set_email_verified(&self, uid: &Uid) -> DbResult<bool> {
        acc::set_email_verified(&self.client().await?, uid).await
    }

    async fn verify_email_code(
        &self,
        uid: &Uid,
        code: &[u8; 16],
        method: VerificationMethod,
        now: Millis,
    ) -> DbResult<CodeOutcome> {
        in_tx!(self, tx => acc::verify_email_code(&tx, uid, code, method, now).await)
    }

    async fn create_session(
        &self,
        session: &SessionToken,
        key_fetch: &[KeyFetchToken],
    ) -> DbResult<()> {
        in_tx!(self, tx => async {
            tok::insert_session(&tx, session).await?;
            for k in key_fetch {
                tok::insert_key_fetch(&tx, k).await?;
            }
            DbResult::Ok(())
        }.await)
    }

    async fn session(&self, id_hash: &TokenIdHash) -> DbResult<Option<SessionToken>> {
        tok::session(&self.client().await?, id_hash).await
    }

    async fn sessions_for(&self, uid: &Uid) -> DbResult<Vec<SessionToken>> {
        tok::sessions_for(&self.client().await?, uid).await
    }

    async fn delete_session(&self, id_hash: &TokenIdHash) -> DbResult<bool> {
        in_tx!(self, tx => tok::delete_session(&tx, id_hash).await)
    }

    async fn touch_session(&self, id_hash: &TokenIdHash, last_access_time: Millis) -> DbResult<()> {
        let client = self.client().await?;
        let sql = "UPDATE session_tokens SET last_access_time = $2 WHERE id_hash = $1";
        super::rows::exec(&client, sql, &[&&id_hash[..], &last_access_time]).await?;
        Ok(())
    }

    async fn reauth_session(
        &self,
        id_hash: &TokenIdHash,
        auth_at: Millis,
        unverified: Option<&Unverified>,
        key_fetch: &[KeyFetchToken],
    ) -> DbResult<bool> {
        in_tx!(self, tx => tok::reauth_session(&tx, id_hash, auth_at, unverified, key_fetch).await)
    }

    async fn key_fetch_token(&self, id_hash: &TokenIdHash) -> DbResult<Option<KeyFetchToken>> {
        tok::key_fetch_token(&self.client().await?, id_hash).await
    }

    async fn delete_key_fetch_token(&self, id_hash: &TokenIdHash) -> DbResult<bool> {
        let sql = "DELETE FROM key_fetch_tokens WHERE id_hash = $1";
        tok::delete_by_id(&self.client().await?, sql, id_hash).await
    }

    async fn create_plain_token(&self, kind: PlainTokenKind, token: &TokenCore) -> DbResult<()> {
        tok::create_plain_token(&self.client().await?, kind, token).await
    }

    async fn plain_token(
        &self,
        kind: PlainTokenKind,
        id_hash: &TokenIdHash,
    ) -> DbResult<Option<TokenCore>> {
        tok::plain_token(&self.client().await?, kind, id_hash).await
    }

    async fn delete_plain_token(
        &self,
        kind: PlainTokenKind,
        id_hash: &TokenIdHash,
    ) -> DbResult<bool> {
        let sql = plain_sql!(kind, "DELETE FROM " ; " WHERE id_hash = $1");
        tok::delete_by_id(&self.client().await?, sql, id_hash).await
    }

    async fn create_password_change(
        &self,
        change_token: &TokenCore,
        key_fetch: &KeyFetchToken,
    ) -> DbResult<()> {
        in_tx!(self, tx => tok::create_password_change(&tx, change_token, key_fetch).await)
    }

    async fn change_password(&self, change: &PasswordChange) -> DbResult<bool> {
        in_tx!(self, tx => acc::swap_credentials(&tx, &change.into()).await)
    }

    async fn reset_account(&self, reset: &AccountReset) -> DbResult<bool> {
        in_tx!(self, tx => acc::swap_credentials(&tx, &reset.into()).await)
    }

    async fn create_password_forgot_token(&self, token: &PasswordForgotToken) -> DbResult<()> {
        tok::create_forgot(&self.client().await?, token).await
    }

    async fn password_forgot_token(
        &self,
        id_hash: &TokenIdHash,
    ) -> DbResult<Option<PasswordForgotToken>> {
        tok::forgot(&self.client().await?, id_hash).await
    }

    async fn delete_password_forgot_token(&self, id_hash: &TokenIdHash) -> DbResult<bool> {
        let sql = "DELETE FROM password_forgot_tokens WHERE id_hash = $1";
        tok::delete_by_id(&self.client().await?, sql, id_hash).await
    }

    async fn spend_password_forgot_try(&self, id_hash: &TokenIdHash) -> DbResult<Option<i32>> {
        in_tx!(self, tx => tok::spend_forgot_try(&tx, id_hash).await)
    }

    async fn exchange_forgot_for_reset(
        &self,
        forgot_id_hash: &TokenIdHash,
        reset: &TokenCore,
    ) -> DbResult<bool> {
        in_tx!(self, tx => tok::exchange_forgot(&tx, forgot_id_hash, reset).await)
    }

    async fn record_security_event(&self, event: &SecurityEvent) -> DbResult<()> {
        sec::record(&self.client().await?, event).await
    }

    async fn security_events(&self, uid: &Uid, limit: u32) -> DbResult<Vec<SecurityEvent>> {
        sec::list(&self.client().await?, uid, limit).await
    }

    async fn verified_event_from_ip_since(
        &self,
        uid: &Uid,
        ip_hmac: &[u8; 32],
        since: Millis,
    ) -> DbResult<bool> {
        sec::verified_from_ip_since(&self.client().await?, uid, ip_hmac, since).await
    }

    async fn create_one_time_code(&self, code: &OneTimeCode, replace: bool) -> DbResult<()> {
        if replace {
            in_tx!(self, tx => codes::replace(&tx, code).await)
        } else {
            codes::insert(&self.client().await?, code).await
        }
    }

    async fn consume_one_time_code(
        &self,
        uid: &Uid,
        kind: OneTimeCodeKind,
        code_hash: &[u8; 32],
    ) -> DbResult<Option<Millis>> {
        codes::consume(&self.client().await?, uid, kind, code_hash).await
    }

    async fn delete_one_time_codes(&self, uid: &Uid, kind: OneTimeCodeKind) -> DbResult<u64> {
        codes::delete_all(&self.client().await?, uid, kind).await
    }

    async fn rate_limit_count(
        &self,
        key: &[u8; 32],
        window: &RateWindow,
        now: Millis,
    ) -> DbResult<Option<Millis>> {
        rate_limits::count(&self.client().await?, key, window, now).await
    }

    async fn rate_limit_ban(&self, key: &[u8; 32], now: Millis) -> DbResult<Option<Millis>> {
        rate_limits::ban(&self.client().await?, key, now).await
    }

    async fn rate_limit_release(&self, key: &[u8; 32]) -> DbResult<()> {
        rate_limits::release(&self.client().await?, key).await
    }

    async fn rate_limit_clear(&self, keys: &[[u8; 32]]) -> DbResult<()> {
        if keys.is_empty() {
            return Ok(());
        }
        rate_limits::clear(&self.client().await?, keys).await
    }

    async fn prune_expired(&self, cutoffs: &PruneCutoffs) -> DbResult<u64> {
        in_tx!(self, tx => tok::prune(&tx, cutoffs).await)
    }
}
