//! How each token kind is loaded, expired and touched during authentication.

use foxden_crypto::token::TokenKind;
use foxden_db::ops::*;
use foxden_db::{
    KeyFetchToken, PasswordForgotToken, PlainTokenKind, SessionToken, TokenCore, TokenIdHash,
};

use super::Authed;
use crate::clock::now_ms;
use crate::error::ApiError;
use crate::state::AppState;

pub type SessionAuth = Authed<SessionToken>;
pub type KeyFetchAuth = Authed<KeyFetchToken>;
pub type PasswordChangeAuth = Authed<PasswordChangeToken, true>;
pub type PasswordForgotAuth = Authed<PasswordForgotToken, true>;
pub type AccountResetAuth = Authed<AccountResetToken, true>;

/// A passwordChangeToken (lifetime 15 minutes).
pub struct PasswordChangeToken(pub TokenCore);
/// An accountResetToken (lifetime 15 minutes).
pub struct AccountResetToken(pub TokenCore);

/// Lifetime of passwordChange and accountReset tokens (`tokenLifetimes`).
pub const PLAIN_TOKEN_LIFETIME_MS: i64 = 15 * 60 * 1000;
/// Session last-access times are written at most this often.
const TOUCH_INTERVAL_MS: i64 = 60 * 60 * 1000;

pub trait TokenRecord: Sized + Send + 'static {
    const KIND: TokenKind;

    fn core(&self) -> &TokenCore;

    /// Lifetime in ms, or None for tokens that live until consumed.
    fn lifetime_ms(state: &AppState) -> Option<i64>;

    fn fetch(
        state: &AppState,
        id_hash: &TokenIdHash,
    ) -> impl std::future::Future<Output = foxden_db::DbResult<Option<Self>>> + Send;

    /// Loads the token; an expired one counts as absent (and a session is pruned).
    fn load(
        state: &AppState,
        id_hash: &TokenIdHash,
    ) -> impl std::future::Future<Output = Result<Option<Self>, ApiError>> + Send {
        async move {
            let Some(token) = Self::fetch(state, id_hash).await? else {
                return Ok(None);
            };
            if let Some(lifetime) = Self::lifetime_ms(state) {
                if now_ms() - token.core().created_at >= lifetime {
                    if Self::KIND != TokenKind::Session {
                        return Ok(None);
                    }
                    // A session with a device lives until it is destroyed
                    // (FxA's lifetime is `sessionTokenWithoutDevice`).
                    if state.db.device_of_session(id_hash).await?.is_none() {
                        state.db.delete_session(id_hash).await?;
                        return Ok(None);
                    }
                }
            }
            Ok(Some(token))
        }
    }

    /// Bookkeeping after a successful authentication (off the response path).
    fn after_auth(&self, _state: &AppState) {}
}

impl TokenRecord for SessionToken {
    const KIND: TokenKind = TokenKind::Session;

    fn core(&self) -> &TokenCore {
        &self.core
    }

    fn lifetime_ms(state: &AppState) -> Option<i64> {
        Some(state.settings.session_lifetime_ms).filter(|ms| *ms > 0)
    }

    async fn fetch(state: &AppState, id_hash: &TokenIdHash) -> foxden_db::DbResult<Option<Self>> {
        state.db.session(id_hash).await
    }

    fn after_auth(&self, state: &AppState) {
        let now = now_ms();
        if now - self.last_access_time < TOUCH_INTERVAL_MS {
            return;
        }
        let db = state.db.clone();
        let id_hash = self.core.id_hash;
        tokio::spawn(async move {
            if let Err(err) = db.touch_session(&id_hash, now).await {
                tracing::warn!(error = %err, "could not record session access");
            }
        });
    }
}

impl TokenRecord for KeyFetchToken {
    const KIND: TokenKind = TokenKind::KeyFetch;

    fn core(&self) -> &TokenCore {
        &self.core
    }

    fn lifetime_ms(_: &AppState) -> Option<i64> {
        None
    }

    async fn fetch(state: &AppState, id_hash: &TokenIdHash) -> foxden_db::DbResult<Option<Self>> {
        state.db.key_fetch_token(id_hash).await
    }
}

impl TokenRecord for PasswordForgotToken {
    const KIND: TokenKind = TokenKind::PasswordForgot;

    fn core(&self) -> &TokenCore {
        &self.core
    }

    fn lifetime_ms(_: &AppState) -> Option<i64> {
        Some(crate::service::password_forgot::FORGOT_LIFETIME_MS)
    }

    async fn fetch(state: &AppState, id_hash: &TokenIdHash) -> foxden_db::DbResult<Option<Self>> {
        state.db.password_forgot_token(id_hash).await
    }
}

/// passwordChange and accountReset tokens: a core row, 15 minutes.
macro_rules! plain_token_record {
    ($record:ident, $kind:ident) => {
        impl TokenRecord for $record {
            const KIND: TokenKind = TokenKind::$kind;

            fn core(&self) -> &TokenCore {
                &self.0
            }

            fn lifetime_ms(_: &AppState) -> Option<i64> {
                Some(PLAIN_TOKEN_LIFETIME_MS)
            }

            async fn fetch(
                state: &AppState,
                id_hash: &TokenIdHash,
            ) -> foxden_db::DbResult<Option<Self>> {
                let row = state.db.plain_token(PlainTokenKind::$kind, id_hash).await?;
                Ok(row.map($record))
            }
        }
    };
}

plain_token_record!(PasswordChangeToken, PasswordChange);
plain_token_record!(AccountResetToken, AccountReset);
