//! Sign-in unblock codes (PROTOCOL §11.1): `/account/login/send_unblock_code`
//! mails 8 characters of FxA's base32, valid for an hour and usable once; a
//! sign-in carrying one is let past a bad-password ban on its email and needs no
//! further confirmation; `/account/login/reject_unblock_code` ("this wasn't me")
//! burns one.

use foxden_db::{OneTimeCode, OneTimeCodeKind, Uid};

use super::one_time_code::{code_hash, random_code, BASE32};
use super::verification::{ctx, deliver, LinkParams};
use crate::clock::now_ms;
use crate::customs::{self, Action, Subject};
use crate::error::{ApiError, ApiResult};
use crate::extract::ClientIp;
use crate::mail::templates;
use crate::state::AppState;
use crate::validate::Email;

/// `signinUnblock.codeLifetime`.
pub const LIFETIME_MS: i64 = 60 * 60 * 1000;
/// `signinUnblock.codeLength`.
pub const CODE_LENGTH: usize = 8;

/// Mails a new unblock code to the account (earlier codes stay valid).
pub async fn send(
    state: &AppState,
    email: &Email,
    ip: &ClientIp,
    links: &LinkParams,
) -> ApiResult<()> {
    customs::check(
        state,
        Action::SendUnblockCode,
        Subject::email(ip, email.as_str()),
    )
    .await?;
    let account = state.account_named(email).await?;
    let code = random_code(BASE32, CODE_LENGTH);
    let record = OneTimeCode {
        uid: account.uid,
        kind: OneTimeCodeKind::Unblock,
        code_hash: code_hash(&account.uid, &code),
        created_at: now_ms(),
    };
    state.db.create_one_time_code(&record, false).await?;
    let mail = templates::unblock_code(&account.email, &account.uid, &code, &ctx(state, links));
    if let Err(err) = deliver(state, mail).await {
        // A code nobody received must not stay usable.
        state
            .db
            .consume_one_time_code(&account.uid, OneTimeCodeKind::Unblock, &record.code_hash)
            .await?;
        return Err(err);
    }
    tracing::info!(uid = %hex::encode(account.uid), "unblock code sent");
    Ok(())
}

/// Uses up the code: true if it was the account's and is under an hour old.
/// Codes are compared upper-cased, as FxA does.
pub async fn consume(state: &AppState, uid: &Uid, code: &str) -> ApiResult<bool> {
    let hash = code_hash(uid, &code.to_ascii_uppercase());
    let created_at = state
        .db
        .consume_one_time_code(uid, OneTimeCodeKind::Unblock, &hash)
        .await?;
    Ok(created_at.is_some_and(|at| now_ms() - at <= LIFETIME_MS))
}

/// "This wasn't me": burns the code (errno 127 if there is no such code).
pub async fn reject(state: &AppState, uid: &Uid, code: &str) -> ApiResult<()> {
    let hash = code_hash(uid, &code.to_ascii_uppercase());
    if state
        .db
        .consume_one_time_code(uid, OneTimeCodeKind::Unblock, &hash)
        .await?
        .is_none()
    {
        return Err(ApiError::InvalidUnblockCode);
    }
    tracing::warn!(uid = %hex::encode(uid), "unblock code rejected by its owner");
    Ok(())
}
