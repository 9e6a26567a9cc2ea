//! The code a mailed link carries (`verify`: the account's emailCode;
//! `verifyLogin`: a session's tokenVerificationId), taken by
//! `/recovery_email/verify_code` and by the confirmation pages foxden serves.

use foxden_db::ops::*;
use foxden_db::{Account, CodeOutcome, DbResult, Store, Uid, VerificationMethod};

use crate::clock::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::mail::Locale;
use crate::push::{EmptyReason, Message};
use crate::service::push_events::{self, To};
use crate::service::verification::{self, LinkParams};
use crate::state::AppState;

/// Checks a 16-byte code (in the stored form the server seals codes to) against the
/// account, in one transaction: the sessions and keyFetchTokens of `uid` waiting on it
/// (tokenVerificationId) are confirmed with `method` at `now`, with the security
/// events of those sessions, and if it is the account's emailCode (or confirmed
/// anything) an unverified email is marked verified. Nothing matches an unknown account.
/// With `push`, the account's devices get the empty push Mozilla sends, in the
/// same transaction: `accountVerify` when the email became verified, else
/// `accountConfirm` when a sign-in was confirmed.
pub async fn apply_code(
    db: &Store,
    push: Option<&AppState>,
    uid: &Uid,
    code: &[u8; 16],
    method: VerificationMethod,
    now: i64,
) -> DbResult<CodeOutcome> {
    let tx = db.begin().await?;
    let Some(account) = tx.account(uid).await? else {
        return Ok(CodeOutcome::default());
    };
    tx.verify_events_of_code(uid, code).await?;
    let mut outcome = CodeOutcome {
        session_verified: tx.confirm_tokens(uid, code, method, now).await?,
        matched_email_code: foxden_crypto::ct_eq(&account.email_code, code),
        account_newly_verified: false,
    };
    if outcome.matched() && !account.email_verified {
        outcome.account_newly_verified = tx.set_email_verified(uid).await?;
    }
    let reason = if outcome.account_newly_verified {
        Some(EmptyReason::AccountVerify)
    } else {
        outcome
            .session_verified
            .then_some(EmptyReason::AccountConfirm)
    };
    let push = push.zip(reason);
    if let Some((state, reason)) = push {
        push_events::queue(state, &tx, uid, To::All, &Message::Empty(reason)).await?;
    }
    tx.commit().await?;
    if let Some((state, _)) = push {
        state.push.wake();
    }
    Ok(outcome)
}

/// A link code as the client (or the page's form) sends it.
pub struct LinkCode<'a> {
    pub uid: &'a Uid,
    pub code: &'a [u8; 16],
    /// `service` of the link; `sync` gets the `postVerify` mail once the account is verified.
    pub service: Option<&'a str>,
    /// The language of that mail.
    pub locale: Locale,
}

/// The account a link names (errno 102 if none): the route checks its rate
/// limit (`recoveryEmailVerifyCode`, keyed by this account's email) before
/// [`confirm`].
pub async fn account(state: &AppState, uid: &Uid) -> ApiResult<Account> {
    state
        .db
        .account(uid)
        .await?
        .ok_or(ApiError::UnknownAccount { email: None })
}

/// Confirms whatever the code names: the account's email (emailCode) and/or the
/// session and key-fetch tokens waiting on it (tokenVerificationId). Errno 105
/// for a code that matches nothing.
pub async fn confirm(
    state: &AppState,
    account: &Account,
    link: LinkCode<'_>,
) -> ApiResult<CodeOutcome> {
    let outcome = apply_code(
        &state.db,
        Some(state),
        link.uid,
        &state.codes.seal(link.code),
        VerificationMethod::Email,
        now_ms(),
    )
    .await?;
    if !outcome.matched() {
        return Err(ApiError::InvalidVerificationCode);
    }
    if outcome.account_newly_verified {
        newly_verified(state, account, link.service == Some("sync"), link.locale).await;
    }
    Ok(outcome)
}

/// What follows an account's first verification: a log line and, for Sync
/// (Mozilla: `service=sync`, or a Sync scope asked for), the postVerify welcome
/// in `locale`.
pub async fn newly_verified(state: &AppState, account: &Account, for_sync: bool, locale: Locale) {
    tracing::info!(uid = %foxden_crypto::to_hex(account.uid), "account email verified");
    if for_sync {
        let links = LinkParams {
            service: "sync".to_string(),
            locale,
            ..LinkParams::default()
        };
        verification::notify_post_verify(state, account, &links).await;
    }
}
