//! Whether a new sign-in must be confirmed (FxA's mustVerify rules, PROTOCOL
//! §6.2), and the mail that asks for it.

use foxden_db::{Account, Unverified};

use super::security;
use super::verification::{
    account_short_code_mail, account_verification_mail, login_short_code_mail,
    login_verification_mail, Delivery, LinkParams,
};
use crate::extract::ClientIp;
use crate::mail::Mail;
use crate::state::AppState;

/// Whether the settings force sign-in confirmation for this account's email
/// (FxA's `signinConfirmation.forcedEmailAddresses`).
fn confirmation_forced(state: &AppState, account: &Account) -> bool {
    state
        .settings
        .signin_confirm_force_email_regex
        .as_ref()
        .is_some_and(|re| re.is_match(&account.email))
}

/// What a new session must do before it counts as confirmed.
pub(super) struct Confirmation {
    /// `None`: the session is confirmed at once.
    pub unverified: Option<Unverified>,
    /// A rule (new account, known IP) made a verification id unnecessary: the
    /// sign-in counts as confirmed, and this names the bypass event.
    pub bypass: Option<&'static str>,
}

/// FxA's rule: a verification id is needed unless the account is new or the IP is
/// known (a verified security event from it within `known_ip_recency_ms`), and
/// forced emails always need one; `mustVerify = needsId && (forced || keys)`.
/// A session that needs an id but need not be confirmed yet (keys=false) keeps the
/// id, as FxA's does: it is usable at once, but asking for keys later (reauth)
/// makes it confirm first.
pub(super) async fn confirmation_needed(
    state: &AppState,
    account: &Account,
    keys: bool,
    ip: &ClientIp,
    now: i64,
) -> Confirmation {
    let forced = confirmation_forced(state, account);
    if !account.email_verified {
        return Confirmation {
            unverified: Some(Unverified {
                token_verification_id: account.email_code,
                must_verify: keys || forced,
            }),
            bypass: None,
        };
    }
    let bypass = if forced {
        None
    } else if now - account.created_at < state.settings.skip_confirm_new_account_ms {
        Some(security::BYPASS_NEW_ACCOUNT)
    } else if state.settings.known_ip_recency_ms > 0
        && security::known_ip(
            state,
            &account.uid,
            ip,
            now - state.settings.known_ip_recency_ms,
        )
        .await
    {
        Some(security::BYPASS_KNOWN_IP)
    } else {
        None
    };
    let needs_id = bypass.is_none();
    let unverified = needs_id.then(|| Unverified {
        token_verification_id: state.codes.fresh(),
        must_verify: forced || keys,
    });
    Confirmation { unverified, bypass }
}

/// The mail that confirms a sign-in (or, while the account's email is unconfirmed,
/// the account): a link or a 6-digit code, as the client asked.
pub(super) fn confirmation_mail(
    state: &AppState,
    account: &Account,
    unverified: &Unverified,
    links: &LinkParams,
    delivery: Delivery,
) -> Mail {
    match (account.email_verified, delivery.is_code()) {
        (false, false) => account_verification_mail(state, account, links),
        (false, true) => account_short_code_mail(state, account, links.locale),
        (true, false) => {
            login_verification_mail(state, account, &unverified.token_verification_id, links)
        }
        (true, true) => login_short_code_mail(state, account, links.locale),
    }
}
