//! Verification state of sessions and the mails that confirm them.

use foxden_db::{Account, SessionToken};

use crate::mail::templates::{self, LinkContext};
use crate::mail::{Locale, Mail};
use crate::service::outbox;
use crate::service::short_code;
use crate::state::AppState;
use crate::validate::RequestedVerification;

/// `verified` / `verificationMethod` / `verificationReason` as login, create and
/// duplicate report them (FxA's `getSessionVerificationStatus`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionVerification {
    pub verified: bool,
    pub verification_method: Option<&'static str>,
    pub verification_reason: Option<&'static str>,
}

pub fn session_verification(account: &Account, session: &SessionToken) -> SessionVerification {
    session_verification_by(account, session, Delivery::Link)
}

/// [`session_verification`] naming the method the client asked for (`email`,
/// `email-otp` or `email-2fa`) while confirmation is pending.
pub fn session_verification_by(
    account: &Account,
    session: &SessionToken,
    delivery: Delivery,
) -> SessionVerification {
    let method = delivery.method_name();
    if !account.email_verified {
        return SessionVerification {
            verified: false,
            verification_method: Some(method),
            verification_reason: Some("signup"),
        };
    }
    match &session.unverified {
        Some(u) if u.must_verify => SessionVerification {
            verified: false,
            verification_method: Some(method),
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

/// How a confirmation reaches the user: a link (`email`, the default) or a
/// 6-digit code (`email-otp`, `email-2fa`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Delivery {
    #[default]
    Link,
    Otp,
    TwoFa,
}

impl Delivery {
    /// The link for `email` (or none), a code for `email-otp` / `email-2fa`;
    /// `None` for the methods foxden has not built (`email-captcha`, `totp-2fa`).
    pub fn from_requested(method: Option<RequestedVerification>) -> Option<Self> {
        match method {
            None | Some(RequestedVerification::Email) => Some(Delivery::Link),
            Some(RequestedVerification::EmailOtp) => Some(Delivery::Otp),
            Some(RequestedVerification::Email2fa) => Some(Delivery::TwoFa),
            Some(RequestedVerification::EmailCaptcha | RequestedVerification::Totp2fa) => None,
        }
    }

    pub fn method_name(self) -> &'static str {
        match self {
            Delivery::Link => "email",
            Delivery::Otp => "email-otp",
            Delivery::TwoFa => "email-2fa",
        }
    }

    pub fn is_code(self) -> bool {
        self != Delivery::Link
    }
}

/// Where a mail's links should lead, and the language it is written in.
#[derive(Default, Clone)]
pub struct LinkParams {
    pub service: String,
    pub redirect_to: String,
    pub resume: String,
    pub locale: Locale,
}

pub(crate) fn ctx<'a>(state: &'a AppState, params: &'a LinkParams) -> LinkContext<'a> {
    LinkContext {
        content_url: &state.settings.content_url,
        service: &params.service,
        redirect_to: &params.redirect_to,
        resume: &params.resume,
        locale: params.locale,
    }
}

/// The account verification link (code = emailCode).
pub fn account_verification_mail(state: &AppState, account: &Account, params: &LinkParams) -> Mail {
    templates::verify(
        &account.email,
        &account.uid,
        &state.codes.open(&account.email_code),
        &ctx(state, params),
    )
}

/// The sign-in confirmation link (code = the session's tokenVerificationId,
/// given in its stored form).
pub fn login_verification_mail(
    state: &AppState,
    account: &Account,
    token_verification_id: &[u8; 16],
    params: &LinkParams,
) -> Mail {
    templates::verify_login(
        &account.email,
        &account.uid,
        &state.codes.open(token_verification_id),
        &ctx(state, params),
    )
}

/// The 6-digit account confirmation code (`verifyShortCode`).
pub fn account_short_code_mail(state: &AppState, account: &Account, locale: Locale) -> Mail {
    let code = short_code::current(&state.codes.open(&account.email_code));
    templates::verify_short_code(&account.email, &account.uid, &code, locale)
}

/// The 6-digit sign-in confirmation code (`verifyLoginCode`).
pub fn login_short_code_mail(state: &AppState, account: &Account, locale: Locale) -> Mail {
    let code = short_code::current(&state.codes.open(&account.email_code));
    templates::verify_login_code(&account.email, &account.uid, &code, locale)
}

/// Queues the "new sign-in" notice (`newDeviceLogin`); a failure is only logged.
pub async fn notify_new_sign_in(state: &AppState, account: &Account, params: &LinkParams) {
    let mail = templates::new_device_login(&account.email, &account.uid, &ctx(state, params));
    outbox::notify(state, &mail).await;
}

/// The "password changed" notice (`passwordChanged`).
pub fn password_changed_mail(state: &AppState, account: &Account, params: &LinkParams) -> Mail {
    templates::password_changed(&account.email, &account.uid, &ctx(state, params))
}

/// Queues the "account confirmed" welcome (`postVerify`); a failure is only logged.
pub async fn notify_post_verify(state: &AppState, account: &Account, params: &LinkParams) {
    let mail = templates::post_verify(&account.email, &account.uid, &ctx(state, params));
    outbox::notify(state, &mail).await;
}
