//! What every handler shares.

use std::ops::Deref;
use std::sync::Arc;

use foxden_crypto::sealed::SecretBox;
use foxden_db::ops::Accounts;
use foxden_db::Store;

use crate::browserid::BrowserIdKeys;
use crate::mail::queue::MailWaker;
use crate::mail::{MailCodec, Mailer};
use crate::service::password::PasswordPool;
use crate::settings::Settings;

#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub db: Store,
    pub settings: Settings,
    /// Seals Hawk keys at rest; its key lives in the data folder, not in the database.
    pub sealer: SecretBox,
    pub passwords: PasswordPool,
    /// Delivers queued mail (used by the worker only: requests queue mail).
    pub mailer: Arc<dyn Mailer>,
    /// Seals mail for the queue (ADR 0014).
    pub mail_codec: Arc<MailCodec>,
    /// Wakes this process's delivery worker after a commit that queued mail.
    pub mail_waker: MailWaker,
    /// Keys the recipient hash in mail-queue log lines.
    pub mail_log_key: [u8; 32],
    pub hawk_host: String,
    pub hawk_port: u16,
    /// Keys that sign BrowserID certificates (`/certificate/sign`).
    pub browserid: BrowserIdKeys,
    /// Keys that sign JWT access tokens and id_tokens, published at `/v1/jwks`
    /// (see [`crate::openid`]).
    pub openid_keys: crate::openid::OpenIdKeys,
    /// Keys the HMAC that stands in for client IPs in security events (derived
    /// from the server secret; see [`crate::service::security`]).
    pub ip_hmac_key: [u8; 32],
    /// Seals the codes foxden mails before they are stored (see [`crate::service::code_keys`]).
    pub codes: crate::service::code_keys::CodeKeys,
    /// Queues Web Push messages and wakes this process's push worker ([`crate::push`]).
    pub push: crate::push::PushState,
    /// Sends pushes (the VAPID key and the HTTPS client; used by the worker only).
    pub push_sender: Arc<crate::push::PushSender>,
}

impl AppState {
    pub fn new(shared: Shared) -> Self {
        AppState(Arc::new(shared))
    }
}

impl Shared {
    /// The account a token belongs to; a token whose account is gone is invalid (errno 110).
    pub async fn token_account(
        &self,
        uid: &foxden_db::Uid,
    ) -> crate::error::ApiResult<foxden_db::Account> {
        self.db
            .account(uid)
            .await?
            .ok_or(crate::error::ApiError::InvalidToken)
    }
}

impl Shared {
    /// The account an email names; errno 102 (with the email) when there is none.
    pub async fn account_named(
        &self,
        email: &crate::validate::Email,
    ) -> crate::error::ApiResult<foxden_db::Account> {
        self.db
            .account_by_email(&email.normalized())
            .await?
            .ok_or_else(|| crate::error::ApiError::UnknownAccount {
                email: Some(email.as_str().to_string()),
            })
    }
}

impl Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}
