//! Password reset by an 8-digit mailed code (FxA's `passwordForgotOtp`, the only
//! way PyFxA 0.9 resets): `/password/forgot/send_otp` mails the code (valid ten
//! minutes, one per account: a new one replaces the old), and
//! `/password/forgot/verify_otp` trades it for a passwordForgotToken and its
//! passCode, which `/password/forgot/verify_code` then takes as usual. Wrong
//! guesses are bounded by the rate limits of both actions.

use foxden_db::ops::*;
use foxden_db::{Account, OneTimeCodeKind};

use super::one_time_code::{store_and_mail, CodeSpec, DIGITS};
use super::password_forgot::issue_token;
use super::security::{self, Event};
use crate::clock::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::extract::ClientIp;
use crate::mail::{templates, Locale};
use crate::state::AppState;
use crate::validate::Email;

/// `passwordForgotOtp.digits`.
pub const OTP_LENGTH: usize = 8;
/// `passwordForgotOtp.ttl`: ten minutes.
pub const OTP_LIFETIME_MS: i64 = 10 * 60 * 1000;

pub const OTP_SENT_EVENT: &str = "account.password_reset_otp_sent";
pub const OTP_VERIFIED_EVENT: &str = "account.password_reset_otp_verified";

pub async fn send_otp(
    state: &AppState,
    email: &Email,
    ip: &ClientIp,
    locale: Locale,
) -> ApiResult<()> {
    let account = state.account_named(email).await?;
    let spec = CodeSpec {
        kind: OneTimeCodeKind::PasswordForgotOtp,
        alphabet: DIGITS,
        len: OTP_LENGTH,
        replace: true,
    };
    store_and_mail(state, &account, spec, |code| {
        templates::password_forgot_otp(&account.email, &account.uid, code, locale)
    })
    .await?;
    tracing::info!(uid = %foxden_crypto::to_hex(account.uid), "password reset OTP sent");
    record_event(state, &account, ip, OTP_SENT_EVENT).await;
    Ok(())
}

pub struct OtpVerified {
    pub uid: [u8; 16],
    /// The new passwordForgotToken (64 hex).
    pub token: String,
    /// Its passCode (32 hex), for `/password/forgot/verify_code`.
    pub pass_code: String,
    /// The account's email as stored, which the client stretches the new password with.
    pub email_to_hash_with: String,
}

/// A right, fresh code is used up and buys a passwordForgotToken; anything else is errno 105.
pub async fn verify_otp(
    state: &AppState,
    email: &Email,
    code: &str,
    ip: &ClientIp,
) -> ApiResult<OtpVerified> {
    let account = state.account_named(email).await?;
    let now = now_ms();
    let created_at = state
        .db
        .consume_one_time_code(
            &account.uid,
            OneTimeCodeKind::PasswordForgotOtp,
            &state
                .codes
                .one_time_hash(&account.uid, OneTimeCodeKind::PasswordForgotOtp, code),
        )
        .await?;
    let fresh = created_at.is_some_and(|at| now - at <= OTP_LIFETIME_MS);
    if !fresh {
        return Err(ApiError::InvalidVerificationCode);
    }
    let (minted, token) = issue_token(state, &account.uid, now).await?;
    record_event(state, &account, ip, OTP_VERIFIED_EVENT).await;
    Ok(OtpVerified {
        uid: account.uid,
        token: minted.hex(),
        pass_code: foxden_crypto::to_hex(state.codes.open(&token.pass_code)),
        email_to_hash_with: account.email,
    })
}

async fn record_event(state: &AppState, account: &Account, ip: &ClientIp, name: &'static str) {
    let event = Event {
        name,
        uid: account.uid,
        ip,
        token_id_hash: None,
        verified: false,
    };
    security::record(state, event).await;
}
