//! Password sign-in (`/account/login`), re-authentication (`/session/reauth`)
//! and the password check used by `/account/destroy`.

use foxden_crypto::token::TokenKind;
use foxden_db::ops::*;
use foxden_db::{Account, KeyFetchToken, SessionToken, Unverified, VerificationMethod};

use super::outbox::Outgoing;
use super::password::{self, PasswordMatch, PasswordVersion};
use super::security::{self, Event};
use super::signin_confirmation::{confirmation_mail, confirmation_needed, Confirmation};
use super::tokens::{key_fetch, Minted};
use super::unblock;
use super::verification::{
    notify_new_sign_in, session_verification_by, Delivery, LinkParams, SessionVerification,
};
use crate::clock::now_ms;
use crate::customs::PasswordGate;
use crate::error::{ApiError, ApiResult};
use crate::extract::ClientIp;
use crate::state::AppState;
use crate::validate::Email;

/// Marker FxA writes to authSalt when an account must be reset.
const MUST_RESET_SALT: [u8; 32] = [0xff; 32];

pub struct Credentials {
    pub email: Email,
    pub auth_pw: [u8; 32],
}

/// Finds the account and checks the password under the route's limits (`gate`),
/// with FxA's errors (102 unknown, 120 email case, 103 wrong password, 126 must
/// reset, 149 disabled; 114/125 when the limits refuse the check).
pub async fn authenticate(
    state: &AppState,
    creds: &Credentials,
    gate: &PasswordGate,
) -> ApiResult<(Account, PasswordMatch)> {
    let account = gate
        .count_failure(state, find_account(state, creds).await)
        .await?;
    let matched = check_password(state, gate, &account, creds).await?;
    Ok((account, matched))
}

/// The password check, counted by the gate (see [`PasswordGate::check_password`]).
async fn check_password(
    state: &AppState,
    gate: &PasswordGate,
    account: &Account,
    creds: &Credentials,
) -> ApiResult<PasswordMatch> {
    let check = password::check(&state.passwords, account, &creds.auth_pw);
    gate.check_password(state, check, || wrong_password(account, creds))
        .await
}

/// The account a sign-in names, if it may sign in (102, 126, 149).
async fn find_account(state: &AppState, creds: &Credentials) -> ApiResult<Account> {
    let account = state.account_named(&creds.email).await?;
    if account.auth_salt == MUST_RESET_SALT {
        return Err(ApiError::MustResetAccount {
            email: account.email.clone(),
        });
    }
    if account.disabled_at.is_some() || account.verifier_set_at <= 0 {
        return Err(ApiError::CannotLoginWithEmail);
    }
    Ok(account)
}

/// 120 when the email differs in case (the client retries), else 103.
fn wrong_password(account: &Account, creds: &Credentials) -> ApiError {
    if account.email != creds.email.as_str() {
        ApiError::IncorrectEmailCase {
            email: account.email.clone(),
        }
    } else {
        ApiError::IncorrectPassword {
            email: account.email.clone(),
        }
    }
}

pub struct SignIn {
    pub creds: Credentials,
    pub keys: bool,
    pub links: LinkParams,
    pub user_agent: foxden_db::UserAgentInfo,
    /// How a needed confirmation is mailed (link or 6-digit code).
    pub delivery: Delivery,
    /// Keys the security events, the known-IP rule and the rate limits.
    pub ip: ClientIp,
    /// A mailed unblock code (`unblockCode`): used up, it confirms the sign-in.
    pub unblock_code: Option<String>,
}

pub struct SignedIn {
    pub uid: [u8; 16],
    pub session_token: String,
    /// The keyFetchToken and the password version it was issued for.
    pub key_fetch: Option<(PasswordVersion, String)>,
    pub auth_at_secs: i64,
    pub verification: SessionVerification,
}

/// Signs in under the route's limits (`gate`, which let a request with an unblock
/// code through a bad-password ban: the code is checked here).
pub async fn sign_in(state: &AppState, req: SignIn, mut gate: PasswordGate) -> ApiResult<SignedIn> {
    let found = find_account(state, &req.creds).await;
    let account = gate.count_failure(state, found).await?;
    let unblocked = match &req.unblock_code {
        Some(code) => {
            let valid = unblock::consume(state, &account.uid, code).await?;
            let checked = valid.then_some(()).ok_or(ApiError::InvalidUnblockCode);
            gate.count_failure(state, checked).await?;
            gate.unblocked();
            true
        }
        None => false,
    };
    let checked = check_password(state, &gate, &account, &req.creds).await;
    let matched = match checked {
        Ok(matched) => matched,
        Err(err) => {
            if matches!(err, ApiError::IncorrectPassword { .. }) {
                let event = Event {
                    name: security::ACCOUNT_LOGIN_FAILURE,
                    uid: account.uid,
                    ip: &req.ip,
                    token_id_hash: None,
                    verified: false,
                };
                security::record(state, event).await;
            }
            return Err(err);
        }
    };
    let now = now_ms();
    // The mailed unblock code proved the address: nothing more to confirm.
    let unblocked = unblocked && account.email_verified;
    let Confirmation { unverified, bypass } = if unblocked {
        Confirmation {
            unverified: None,
            bypass: None,
        }
    } else {
        confirmation_needed(state, &account, req.keys, &req.ip, now).await
    };
    let session_minted = Minted::new(TokenKind::Session);
    let session = SessionToken {
        core: session_minted.core(state, account.uid, now),
        user_agent: req.user_agent,
        last_access_time: now,
        auth_at: now,
        verification_method: unverified.is_none().then_some(VerificationMethod::Email),
        verified_at: unverified.is_none().then_some(now),
        unverified: unverified.clone(),
    };
    let (key_fetch_field, records) = key_fetch_if(
        req.keys,
        state,
        &account,
        &matched,
        unverified.as_ref(),
        now,
    );
    // Mail when the sign-in must be confirmed now (or the account's email is
    // unconfirmed): queued with the session, so both or neither are kept.
    let to_confirm = unverified
        .as_ref()
        .filter(|u| u.must_verify || !account.email_verified);
    let confirmation = to_confirm
        .map(|u| {
            let mail = confirmation_mail(state, &account, u, &req.links, req.delivery);
            Outgoing::seal(state, &mail)
        })
        .transpose()?;
    store_session(state, &session, &records, confirmation.as_ref()).await?;
    if confirmation.is_none() && account.email_verified {
        notify_new_sign_in(state, &account, &req.links).await;
    }
    // Only a sign-in a rule let through (or, later, one confirmed by mail) counts
    // as verified: a keys=false session is usable at once but proves only the password.
    let token_id_hash = Some(session.core.id_hash);
    if let Some(name) = bypass {
        let event = Event {
            name,
            uid: account.uid,
            ip: &req.ip,
            token_id_hash,
            verified: true,
        };
        security::record(state, event).await;
    }
    let event = Event {
        name: security::ACCOUNT_LOGIN,
        uid: account.uid,
        ip: &req.ip,
        token_id_hash,
        verified: bypass.is_some() || unblocked,
    };
    security::record(state, event).await;
    Ok(SignedIn {
        uid: account.uid,
        session_token: session_minted.hex(),
        key_fetch: key_fetch_field,
        auth_at_secs: now / 1000,
        verification: session_verification_by(&account, &session, req.delivery),
    })
}

/// A keyFetchToken for the matched password version, tied to the session's
/// confirmation state, when the client asked for keys.
fn key_fetch_if(
    keys: bool,
    state: &AppState,
    account: &Account,
    matched: &PasswordMatch,
    unverified: Option<&Unverified>,
    now: i64,
) -> (Option<(PasswordVersion, String)>, Vec<KeyFetchToken>) {
    if !keys {
        return (None, Vec::new());
    }
    let verification_id = unverified.map(|u| u.token_verification_id);
    let (minted, record) = key_fetch(
        state,
        account.uid,
        now,
        &account.ka,
        &matched.wrap_kb,
        verification_id,
    );
    (Some((matched.version, minted.hex())), vec![record])
}

pub struct Reauthed {
    pub uid: [u8; 16],
    pub key_fetch: Option<(PasswordVersion, String)>,
    pub auth_at_secs: i64,
    pub verification: SessionVerification,
}

/// Re-checks the password on an existing session and refreshes its `authAt`.
pub async fn reauth(
    state: &AppState,
    session: &SessionToken,
    creds: Credentials,
    keys: bool,
    links: &LinkParams,
    delivery: Delivery,
    gate: &PasswordGate,
) -> ApiResult<Reauthed> {
    let (account, matched) = authenticate(state, &creds, gate).await?;
    if account.uid != session.core.uid {
        return Err(ApiError::IncorrectPassword {
            email: account.email.clone(),
        });
    }
    let now = now_ms();
    // A confirmed session stays confirmed; an unconfirmed one keeps its code,
    // and must now be confirmed if keys are asked for.
    let unverified = session.unverified.clone().map(|u| Unverified {
        must_verify: u.must_verify || keys,
        ..u
    });
    let (key_fetch_field, records) =
        key_fetch_if(keys, state, &account, &matched, unverified.as_ref(), now);
    // The confirmation mail (its code is the session's existing one), the new
    // verification state and the keyFetchTokens issued with it: all or nothing.
    let confirmation = unverified
        .as_ref()
        .filter(|u| u.must_verify)
        .map(|u| {
            Outgoing::seal(
                state,
                &confirmation_mail(state, &account, u, links, delivery),
            )
        })
        .transpose()?;
    let tx = state.db.begin().await?;
    if !tx
        .reauth_session(&session.core.id_hash, now, unverified.as_ref())
        .await?
    {
        return Err(ApiError::InvalidToken);
    }
    for record in &records {
        tx.insert_key_fetch_token(record).await?;
    }
    if let Some(mail) = &confirmation {
        mail.queue_in(&tx).await?;
    }
    tx.commit().await?;
    if confirmation.is_some() {
        state.mail_waker.wake();
    }
    let updated = SessionToken {
        unverified,
        auth_at: now,
        ..session.clone()
    };
    Ok(Reauthed {
        uid: account.uid,
        key_fetch: key_fetch_field,
        auth_at_secs: now / 1000,
        verification: session_verification_by(&account, &updated, delivery),
    })
}

/// A session, the keyFetchTokens issued with it and the mail that confirms it,
/// in one transaction.
async fn store_session(
    state: &AppState,
    session: &SessionToken,
    key_fetch: &[KeyFetchToken],
    confirmation: Option<&Outgoing>,
) -> foxden_db::DbResult<()> {
    let tx = state.db.begin().await?;
    tx.insert_session(session).await?;
    for record in key_fetch {
        tx.insert_key_fetch_token(record).await?;
    }
    if let Some(mail) = confirmation {
        mail.queue_in(&tx).await?;
    }
    tx.commit().await?;
    if confirmation.is_some() {
        state.mail_waker.wake();
    }
    Ok(())
}
