//! Password reset by mailed code: `/password/forgot/*` issue and check a
//! passwordForgotToken (a 32-hex passCode, 3 tries, 60 minutes), a correct code
//! buys an accountResetToken (15 minutes), and `/account/reset` sets a new password
//! (and, without the client's wrapKb, a new kB), destroying every token of the account.

use foxden_crypto::token::TokenKind;
use foxden_crypto::{random, xor32};
use foxden_db::ops::*;
use foxden_db::{Credentials, PasswordForgotToken, PlainTokenKind, Uid, VerificationMethod};

use super::new_password::{
    hash_v2, issue_session, new_password, replace_credentials, NewPassword, SessionGrant,
};
use super::outbox::{self, Outgoing};
use super::push_events::To;
use super::signup::V2Credentials;
use super::tokens::Minted;
use super::verification::{ctx, LinkParams};
use crate::clock::now_ms;
use crate::customs;
use crate::error::{ApiError, ApiResult};
use crate::mail::templates;
use crate::push::Message;
use crate::state::AppState;
use crate::validate::Email;

/// passwordForgotToken lifetime (config `tokenLifetimes.passwordForgotToken`).
pub const FORGOT_LIFETIME_MS: i64 = 60 * 60 * 1000;
/// Wrong codes allowed per passwordForgotToken.
pub const FORGOT_TRIES: i32 = 3;
/// The passCode is 16 bytes, mailed as 32 hex characters.
pub const CODE_LENGTH: usize = 32;

/// Seconds a passwordForgotToken has left (rounded up, never negative).
pub fn forgot_ttl_secs(token: &PasswordForgotToken, now: i64) -> i64 {
    let left = FORGOT_LIFETIME_MS - (now - token.core.created_at);
    ((left + 999) / 1000).max(0)
}

pub struct ForgotIssued {
    pub uid: [u8; 16],
    pub password_forgot_token: String,
    pub ttl: i64,
    pub tries: i32,
}

/// `/password/forgot/send_code`: a new token (replacing any earlier one) and its mail.
pub async fn send_code(
    state: &AppState,
    email: &Email,
    links: &LinkParams,
) -> ApiResult<ForgotIssued> {
    let account = state.account_named(email).await?;
    let now = now_ms();
    let (minted, token) = new_token(state, &account.uid, now);
    let mail = templates::recovery(
        &account.email,
        &account.uid,
        &minted.hex(),
        &state.codes.open(&token.pass_code),
        &ctx(state, links),
    );
    // The token and its mail: both or neither.
    let recovery = Outgoing::seal(state, &mail)?;
    let tx = state.db.begin().await?;
    tx.insert_password_forgot_token(&token).await?;
    recovery.queue_in(&tx).await?;
    tx.commit().await?;
    state.mail_waker.wake();
    tracing::info!(uid = %foxden_crypto::to_hex(account.uid), "password reset code sent");
    Ok(ForgotIssued {
        uid: account.uid,
        password_forgot_token: minted.hex(),
        ttl: forgot_ttl_secs(&token, now),
        tries: token.tries,
    })
}

/// A new passwordForgotToken for the account (replacing any earlier one).
pub async fn issue_token(
    state: &AppState,
    uid: &Uid,
    now: i64,
) -> ApiResult<(Minted, PasswordForgotToken)> {
    let (minted, token) = new_token(state, uid, now);
    state.db.insert_password_forgot_token(&token).await?;
    Ok((minted, token))
}

/// A new passwordForgotToken and its record, not stored yet.
fn new_token(state: &AppState, uid: &Uid, now: i64) -> (Minted, PasswordForgotToken) {
    let minted = Minted::new(TokenKind::PasswordForgot);
    let token = PasswordForgotToken {
        core: minted.core(state, *uid, now),
        pass_code: state.codes.fresh(),
        tries: FORGOT_TRIES,
    };
    (minted, token)
}

/// `/password/forgot/resend_code`: the same code again. The server keeps only a hash
/// of the tokenId, not the token itself, so this mail's link carries no `token`.
pub async fn resend_code(
    state: &AppState,
    token: &PasswordForgotToken,
    links: &LinkParams,
) -> ApiResult<i64> {
    let account = state.token_account(&token.core.uid).await?;
    let mail = templates::recovery(
        &account.email,
        &account.uid,
        "",
        &state.codes.open(&token.pass_code),
        &ctx(state, links),
    );
    outbox::send(state, &mail).await?;
    Ok(forgot_ttl_secs(token, now_ms()))
}

/// `/password/forgot/verify_code`: the right code swaps the token for an
/// accountResetToken; a wrong one uses up a try (errno 105 with `tries` and `ttl`).
pub async fn verify_code(
    state: &AppState,
    token: &PasswordForgotToken,
    code: &[u8; 16],
) -> ApiResult<String> {
    let now = now_ms();
    if !foxden_crypto::ct_eq(&state.codes.open(&token.pass_code), code) {
        let ttl = forgot_ttl_secs(token, now);
        return match state
            .db
            .spend_password_forgot_try(&token.core.id_hash)
            .await?
        {
            Some(tries) => Err(ApiError::InvalidVerificationCodeWithTries { tries, ttl }),
            None => Err(ApiError::InvalidToken),
        };
    }
    let reset = Minted::new(TokenKind::AccountReset);
    let core = reset.core(state, token.core.uid, now);
    // The passwordForgotToken is swapped for the accountResetToken: both or neither.
    let tx = state.db.begin().await?;
    match tx.take_password_forgot_token(&token.core.id_hash).await? {
        None => return Err(ApiError::InvalidToken),
        Some(uid) if uid != core.uid => {
            return Err(foxden_db::DbError::Backend(
                "accountReset token is for another account than the passwordForgot token".into(),
            )
            .into())
        }
        Some(_) => {}
    }
    tx.insert_plain_token(PlainTokenKind::AccountReset, &core)
        .await?;
    tx.commit().await?;
    Ok(reset.hex())
}

pub struct ResetRequest {
    pub auth_pw: [u8; 32],
    /// The client's wrapKb (a kB it chose); `None` makes the server pick a new random kB.
    pub wrap_kb: Option<[u8; 32]>,
    /// Only together with `wrap_kb` (its `wrap_kb` field is that same value).
    pub v2: Option<V2Credentials>,
    pub session: bool,
    pub keys: bool,
    pub links: LinkParams,
    /// Recorded on the new session.
    pub user_agent: foxden_db::UserAgentInfo,
}

pub use super::new_password::IssuedSession as ResetSession;

pub struct ResetDone {
    pub uid: [u8; 16],
    pub session: Option<ResetSession>,
}

/// `/account/reset` with an accountResetToken.
pub async fn reset_account(
    state: &AppState,
    reset_token_id_hash: [u8; 32],
    uid: [u8; 16],
    req: ResetRequest,
) -> ApiResult<ResetDone> {
    let NewPassword {
        account,
        now,
        auth_salt,
        verifier,
    } = new_password(state, &uid, &req.auth_pw).await?;
    let (wrap_kb, wrap_wrap_kb) = match req.wrap_kb {
        Some(wrap_kb) => (wrap_kb, xor32(&wrap_kb, &verifier.wrapwrap_key)),
        None => {
            let wrap_wrap_kb = random::bytes::<32>();
            (xor32(&wrap_wrap_kb, &verifier.wrapwrap_key), wrap_wrap_kb)
        }
    };
    let v2 = hash_v2(state, req.v2.as_ref(), &auth_salt).await?;
    let (new_session, key_fetch_tokens, out_session) = if req.session {
        let grant = SessionGrant {
            uid,
            now,
            user_agent: req.user_agent.clone(),
            method: VerificationMethod::Email,
            // The reset proved control of the mailbox.
            unverified: None,
            ka: &account.ka,
            keys: req
                .keys
                .then(|| (wrap_kb, req.v2.as_ref().map(|v2| v2.wrap_kb_v2))),
        };
        let (session, records, issued) = issue_session(state, grant);
        (Some(session), records, Some(issued))
    } else {
        (None, Vec::new(), None)
    };
    let credentials = Credentials {
        auth_salt,
        verify_hash: verifier.verify_hash,
        wrap_wrap_kb,
        v2,
        verifier_set_at: now,
        // Both ways a new kB was chosen (by the server, or by the client with its wrapKb).
        reset_keys_changed_at: Some(now),
    };
    let token = (PlainTokenKind::AccountReset, &reset_token_id_hash);
    let notice = templates::password_reset(&account.email, &uid, &ctx(state, &req.links));
    let new_tokens = (new_session.as_ref(), &key_fetch_tokens[..]);
    let push = (&Message::PasswordReset, To::All);
    replace_credentials(
        state,
        token,
        &uid,
        &credentials,
        new_tokens,
        (&notice, push),
    )
    .await?;
    tracing::info!(uid = %foxden_crypto::to_hex(uid), "account reset");
    customs::forget_failures(state, &account.email).await;
    Ok(ResetDone {
        uid,
        session: out_session,
    })
}
