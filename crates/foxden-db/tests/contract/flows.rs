//! The multi-operation writes the server composes in one transaction (sign-up,
//! password change and reset, the forgot→reset exchange, a code check, a
//! re-authentication), composed here the same way from the store's operations,
//! so the contract cases check that such a composition is atomic on each backend.

use async_trait::async_trait;
use foxden_db::ops::*;
use foxden_db::*;

/// Everything a sign-up writes.
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub account: Account,
    pub session: SessionToken,
    pub key_fetch: Vec<KeyFetchToken>,
    /// An unverified account with the same email to delete first.
    pub replace_uid: Option<Uid>,
}

/// A password change authorised by a passwordChangeToken.
#[derive(Clone, Debug)]
pub struct PasswordChange {
    pub uid: Uid,
    pub change_token_id_hash: TokenIdHash,
    pub auth_salt: [u8; 32],
    pub verify_hash: [u8; 32],
    pub wrap_wrap_kb: [u8; 32],
    pub v2: Option<PasswordV2>,
    pub verifier_set_at: Millis,
    pub new_session: Option<SessionToken>,
    pub key_fetch: Vec<KeyFetchToken>,
}

/// An account reset authorised by an accountResetToken.
#[derive(Clone, Debug)]
pub struct AccountReset {
    pub uid: Uid,
    pub reset_token_id_hash: TokenIdHash,
    pub auth_salt: [u8; 32],
    pub verify_hash: [u8; 32],
    pub wrap_wrap_kb: [u8; 32],
    pub v2: Option<PasswordV2>,
    pub verifier_set_at: Millis,
    pub keys_changed_at: Millis,
    pub new_session: Option<SessionToken>,
    pub key_fetch: Vec<KeyFetchToken>,
}

async fn replace_credentials(
    db: &Store,
    kind: PlainTokenKind,
    token: &TokenIdHash,
    uid: &Uid,
    credentials: &Credentials,
    new_session: Option<&SessionToken>,
    key_fetch: &[KeyFetchToken],
) -> DbResult<bool> {
    let tx = db.begin().await?;
    if !tx.consume_plain_token(kind, token, uid).await? {
        return Ok(false);
    }
    tx.store_credentials(uid, credentials).await?;
    tx.delete_tokens_of(uid).await?;
    if let Some(session) = new_session {
        tx.insert_session(session).await?;
    }
    for k in key_fetch {
        tx.insert_key_fetch_token(k).await?;
    }
    tx.commit().await?;
    Ok(true)
}

#[async_trait]
pub trait Flows {
    async fn create_account(&self, new: &NewAccount) -> DbResult<()>;
    async fn create_session(&self, s: &SessionToken, kf: &[KeyFetchToken]) -> DbResult<()>;
    async fn create_password_change(&self, t: &TokenCore, kf: &KeyFetchToken) -> DbResult<()>;
    async fn change_password(&self, ch: &PasswordChange) -> DbResult<bool>;
    async fn reset_account(&self, r: &AccountReset) -> DbResult<bool>;
    async fn exchange_forgot_for_reset(
        &self,
        forgot: &TokenIdHash,
        reset: &TokenCore,
    ) -> DbResult<bool>;
    async fn verify_email_code(
        &self,
        uid: &Uid,
        code: &[u8; 16],
        method: VerificationMethod,
        now: Millis,
    ) -> DbResult<CodeOutcome>;
    async fn reauth_with_key_fetch(
        &self,
        id: &TokenIdHash,
        auth_at: Millis,
        unverified: Option<&Unverified>,
        kf: &[KeyFetchToken],
    ) -> DbResult<bool>;
}

#[async_trait]
impl Flows for Store {
    async fn create_account(&self, new: &NewAccount) -> DbResult<()> {
        let tx = self.begin().await?;
        if let Some(old) = &new.replace_uid {
            tx.delete_account(old).await?;
        }
        tx.insert_account(&new.account).await?;
        tx.insert_session(&new.session).await?;
        for k in &new.key_fetch {
            tx.insert_key_fetch_token(k).await?;
        }
        tx.commit().await
    }

    async fn create_session(&self, s: &SessionToken, kf: &[KeyFetchToken]) -> DbResult<()> {
        let tx = self.begin().await?;
        tx.insert_session(s).await?;
        for k in kf {
            tx.insert_key_fetch_token(k).await?;
        }
        tx.commit().await
    }

    async fn create_password_change(&self, t: &TokenCore, kf: &KeyFetchToken) -> DbResult<()> {
        let tx = self.begin().await?;
        tx.insert_plain_token(PlainTokenKind::PasswordChange, t)
            .await?;
        tx.insert_key_fetch_token(kf).await?;
        tx.commit().await
    }

    async fn change_password(&self, ch: &PasswordChange) -> DbResult<bool> {
        let credentials = Credentials {
            auth_salt: ch.auth_salt,
            verify_hash: ch.verify_hash,
            wrap_wrap_kb: ch.wrap_wrap_kb,
            v2: ch.v2.clone(),
            verifier_set_at: ch.verifier_set_at,
            reset_keys_changed_at: None,
        };
        let kind = PlainTokenKind::PasswordChange;
        let session = ch.new_session.as_ref();
        let token = &ch.change_token_id_hash;
        replace_credentials(
            self,
            kind,
            token,
            &ch.uid,
            &credentials,
            session,
            &ch.key_fetch,
        )
        .await
    }

    async fn reset_account(&self, r: &AccountReset) -> DbResult<bool> {
        let credentials = Credentials {
            auth_salt: r.auth_salt,
            verify_hash: r.verify_hash,
            wrap_wrap_kb: r.wrap_wrap_kb,
            v2: r.v2.clone(),
            verifier_set_at: r.verifier_set_at,
            reset_keys_changed_at: Some(r.keys_changed_at),
        };
        let kind = PlainTokenKind::AccountReset;
        let session = r.new_session.as_ref();
        let token = &r.reset_token_id_hash;
        replace_credentials(
            self,
            kind,
            token,
            &r.uid,
            &credentials,
            session,
            &r.key_fetch,
        )
        .await
    }

    async fn exchange_forgot_for_reset(
        &self,
        forgot: &TokenIdHash,
        reset: &TokenCore,
    ) -> DbResult<bool> {
        let tx = self.begin().await?;
        match tx.take_password_forgot_token(forgot).await? {
            None => return Ok(false),
            Some(uid) if uid != reset.uid => {
                return Err(DbError::Backend("token of another account".into()))
            }
            Some(_) => {}
        }
        tx.insert_plain_token(PlainTokenKind::AccountReset, reset)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn verify_email_code(
        &self,
        uid: &Uid,
        code: &[u8; 16],
        method: VerificationMethod,
        now: Millis,
    ) -> DbResult<CodeOutcome> {
        let tx = self.begin().await?;
        let Some(account) = tx.account(uid).await? else {
            return Ok(CodeOutcome::default());
        };
        tx.verify_events_of_code(uid, code).await?;
        let mut out = CodeOutcome {
            session_verified: tx.confirm_tokens(uid, code, method, now).await?,
            matched_email_code: account.email_code == *code,
            account_newly_verified: false,
        };
        if out.matched() && !account.email_verified {
            out.account_newly_verified = tx.set_email_verified(uid).await?;
        }
        tx.commit().await?;
        Ok(out)
    }

    async fn reauth_with_key_fetch(
        &self,
        id: &TokenIdHash,
        auth_at: Millis,
        unverified: Option<&Unverified>,
        kf: &[KeyFetchToken],
    ) -> DbResult<bool> {
        let tx = self.begin().await?;
        if !tx.reauth_session(id, auth_at, unverified).await? {
            return Ok(false);
        }
        for k in kf {
            tx.insert_key_fetch_token(k).await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}
