//! Verification state of sessions and the mails that confirm them.

use foxden_db::{Account, SessionToken};
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::mail::templates::{self, LinkContext};
use crate::state::AppState;

/// `verified` / `verificationMethod` / `verificationReason` as login, create and
/// duplicate report them (FxA's `getSessionVerificationStatus`).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SessionVerification {
    pub verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_method: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_reason: Option<&'static str>,
}

pub fn session_verification(account: &Account, session: &SessionToken) -> SessionVerification {
    if !account.email_verified {
        return SessionVerification {
            verified: false,
            verification_method: Some("email"),
            verification_reason: Some("signup"),
        };
    }
    match &session.unverified {
        Some(u) if u.must_verify => SessionVerification {
            verified: false,
            verification_method: Some("email"),
            verification_reason: Some("login"),
        },
        _ => SessionVerification {
            verified: true,
            verification_method: None,
            verification_reason: None,
        },
    }
}

/// `/recovery_email/status`'s rule: `emailVerified && (!mustVerify || sessionVerified)`.
pub fn is_fully_verified(account: &Account, session: &SessionToken) -> bool {
    let session_ok = match &session.unverified {
        None => true,
        Some(u) => !u.must_verify,
    };
    account.email_verified && session_ok
}

/// Where a mail's links should lead.
#[derive(Default, Clone)]
pub struct LinkParams {
    pub service: String,
    pub redirect_to: String,
    pub resume: String,
}

pub(crate) fn ctx<'a>(state: &'a AppState, params: &'a LinkParams) -> LinkContext<'a> {
    LinkContext {
        content_url: &state.settings.content_url,
        service: &params.service,
        redirect_to: &params.redirect_to,
        resume: &params.resume,
    }
}

/// Mails the account verification link (code = emailCode).
pub async fn send_account_verification(
    state: &AppState,
    account: &Account,
    params: &LinkParams,
) -> ApiResult<()> {
    let mail = templates::verify(
        &account.email,
        &account.uid,
        &account.email_code,
        &ctx(state, params),
    );
    state
        .mailer
        .send(mail)
        .await
        .map_err(|_| ApiError::FailedToSendEmail)
}

/// Mails the sign-in confirmation link (code = the session's tokenVerificationId).
pub async fn send_login_verification(
    state: &AppState,
    account: &Account,
    token_verification_id: &[u8; 16],
    params: &LinkParams,
) -> ApiResult<()> {
    let mail = templates::verify_login(
        &account.email,
        &account.uid,
        token_verification_id,
        &ctx(state, params),
    );
    state
        .mailer
        .send(mail)
        .await
        .map_err(|_| ApiError::FailedToSendEmail)
}
