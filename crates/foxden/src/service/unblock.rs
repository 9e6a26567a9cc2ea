//! Sign-in unblock codes (PROTOCOL §11.1): `/account/login/send_unblock_code`
//! mails 8 characters of FxA's base32, valid for an hour and usable once; a
//! sign-in carrying one is let past a bad-password ban on its email and needs no
//! further confirmation; `/account/login/reject_unblock_code` ("this wasn't me")
//! burns one.

use foxden_db::ops::*;
use foxden_db::{OneTimeCodeKind, Uid};

use super::one_time_code::{store_and_mail, CodeSpec, BASE32};
use super::verification::{ctx, LinkParams};
use crate::clock::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::mail::templates;
use crate::state::AppState;
use crate::validate::Email;

/// `signinUnblock.codeLifetime`.
pub const LIFETIME_MS: i64 = 60 * 60 * 1000;
/// `signinUnblock.codeLength`.
pub const CODE_LENGTH: usize = 8;

/// Mails a new unblock code to the account (earlier codes stay valid).
pub async fn send(state: &AppState, email: &Email, links: &LinkParams) -> ApiResult<()> {
    let account = state.account_named(email).await?;
    let spec = CodeSpec {
        kind: OneTimeCodeKind::Unblock,
        alphabet: BASE32,
        len: CODE_LENGTH,
        replace: false,
    };
    store_and_mail(state, &account, spec, |code| {
        templates::unblock_code(&account.email, &account.uid, code, &ctx(state, links))
    })
    .await?;
    tracing::info!(uid = %foxden_crypto::to_hex(account.uid), "unblock code sent");
    Ok(())
}

/// What is stored for an unblock code; codes are compared upper-cased, as FxA does.
fn unblock_hash(state: &AppState, uid: &Uid, code: &str) -> [u8; 32] {
    state
        .codes
        .one_time_hash(uid, OneTimeCodeKind::Unblock, &code.to_ascii_uppercase())
}

/// Uses up the code: true if it was the account's and is under an hour old.
/// Codes are compared upper-cased, as FxA does.
pub async fn consume(state: &AppState, uid: &Uid, code: &str) -> ApiResult<bool> {
    let hash = unblock_hash(state, uid, code);
    let created_at = state
        .db
        .consume_one_time_code(uid, OneTimeCodeKind::Unblock, &hash)
        .await?;
    Ok(created_at.is_some_and(|at| now_ms() - at <= LIFETIME_MS))
}

/// "This wasn't me": burns the code (errno 127 if there is no such code).
pub async fn reject(state: &AppState, uid: &Uid, code: &str) -> ApiResult<()> {
    let hash = unblock_hash(state, uid, code);
    if state
        .db
        .consume_one_time_code(uid, OneTimeCodeKind::Unblock, &hash)
        .await?
        .is_none()
    {
        return Err(ApiError::InvalidUnblockCode);
    }
    tracing::warn!(uid = %foxden_crypto::to_hex(uid), "unblock code rejected by its owner");
    Ok(())
}
