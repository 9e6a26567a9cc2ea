//! The code a mailed link carries (`verify`: the account's emailCode;
//! `verifyLogin`: a session's tokenVerificationId), taken by
//! `/recovery_email/verify_code` and by the confirmation pages foxden serves.

use foxden_db::{Account, CodeOutcome, Uid, VerificationMethod};

use crate::clock::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::mail::Locale;
use crate::service::verification::{self, LinkParams};
use crate::state::AppState;

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
    let outcome = state
        .db
        .verify_email_code(
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
        tracing::info!(uid = %hex::encode(link.uid), "account email verified");
        if let Some(service) = link.service.filter(|s| *s == "sync") {
            let links = LinkParams {
                service: service.to_string(),
                locale: link.locale,
                ..LinkParams::default()
            };
            verification::notify_post_verify(state, account, &links).await;
        }
    }
    Ok(outcome)
}
