//! Account creation (FxA's `/account/create`).

use foxden_crypto::token::TokenKind;
use foxden_crypto::{random, xor32};
use foxden_db::ops::*;
use foxden_db::{
    Account, DbError, DbResult, KeyFetchToken, PasswordV2, SessionToken, Uid, Unverified,
};

use super::outbox::Outgoing;
use super::password::PasswordPool;
use super::security;
use super::tokens::{key_fetch, Minted};
use super::verification::{account_short_code_mail, account_verification_mail, LinkParams};
use crate::clock::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::validate::Email;

/// V2 credentials sent at sign-up (all or nothing).
pub struct V2Credentials {
    pub auth_pw: [u8; 32],
    pub wrap_kb: [u8; 32],
    pub wrap_kb_v2: [u8; 32],
    pub client_salt: String,
}

pub struct SignUp {
    pub email: Email,
    pub auth_pw: [u8; 32],
    pub v2: Option<V2Credentials>,
    pub keys: bool,
    pub links: LinkParams,
    pub user_agent: foxden_db::UserAgentInfo,
    /// `verificationMethod: "email-otp"`: mail a 6-digit code (`verifyShortCode`)
    /// instead of the `verify` link.
    pub short_code: bool,
    /// Keys the `account.create` security event.
    pub ip: crate::extract::ClientIp,
}

pub struct SignedUp {
    pub uid: [u8; 16],
    pub session_token: String,
    pub key_fetch_token: Option<String>,
    pub key_fetch_token_v2: Option<String>,
    pub auth_at_secs: i64,
}

/// A random UUIDv4, as FxA makes uids.
pub fn new_uid() -> [u8; 16] {
    let mut uid = random::bytes::<16>();
    uid[6] = (uid[6] & 0x0f) | 0x40;
    uid[8] = (uid[8] & 0x3f) | 0x80;
    uid
}

/// In one transaction: the unverified account with the same email goes (FxA
/// recreates it), then the account, its session and keyFetchTokens and its
/// verification mail are stored. `Err(Duplicate)` when the normalized email is taken.
async fn store_new_account(
    state: &AppState,
    replace_uid: Option<&Uid>,
    account: &Account,
    (session, key_fetch): (&SessionToken, &[KeyFetchToken]),
    verification: &Outgoing,
) -> DbResult<()> {
    let tx = state.db.begin().await?;
    if let Some(old) = replace_uid {
        tx.delete_account(old).await?;
    }
    tx.insert_account(account).await?;
    tx.insert_session(session).await?;
    for record in key_fetch {
        tx.insert_key_fetch_token(record).await?;
    }
    verification.queue_in(&tx).await?;
    tx.commit().await?;
    state.mail_waker.wake();
    Ok(())
}

pub async fn sign_up(state: &AppState, req: SignUp) -> ApiResult<SignedUp> {
    let normalized = req.email.normalized();
    let replace_uid = match state.db.account_by_email(&normalized).await? {
        Some(existing) if existing.email_verified => {
            return Err(ApiError::AccountExists {
                email: req.email.as_str().to_string(),
            })
        }
        Some(existing) => Some(existing.uid),
        None => None,
    };
    let now = now_ms();
    let uid = new_uid();
    let auth_salt = random::bytes::<32>();
    let verifier = hash(&state.passwords, &req.auth_pw, &auth_salt).await?;
    let (wrap_wrap_kb, v2) = match &req.v2 {
        None => (random::bytes::<32>(), None),
        Some(v2) => {
            let verifier2 = hash(&state.passwords, &v2.auth_pw, &auth_salt).await?;
            let stored = PasswordV2 {
                client_salt: v2.client_salt.clone(),
                verify_hash: verifier2.verify_hash,
                wrap_wrap_kb: xor32(&v2.wrap_kb_v2, &verifier2.wrapwrap_key),
            };
            (xor32(&v2.wrap_kb, &verifier.wrapwrap_key), Some(stored))
        }
    };
    let account = Account {
        uid,
        email: req.email.as_str().to_string(),
        normalized_email: normalized,
        email_code: state.codes.fresh(),
        email_verified: false,
        ka: random::bytes::<32>(),
        wrap_wrap_kb,
        auth_salt,
        verify_hash: verifier.verify_hash,
        verifier_version: 1,
        verifier_set_at: now,
        v2,
        created_at: now,
        locale: None,
        keys_changed_at: now,
        profile_changed_at: now,
        disabled_at: None,
        locked_at: None,
    };
    let session_minted = Minted::new(TokenKind::Session);
    let unverified = Unverified {
        token_verification_id: account.email_code,
        must_verify: req.keys,
    };
    let session = SessionToken {
        core: session_minted.core(state, uid, now),
        user_agent: req.user_agent,
        last_access_time: now,
        auth_at: now,
        unverified: Some(unverified),
        verification_method: None,
        verified_at: None,
    };
    let mut key_fetch_tokens = Vec::new();
    let mut key_fetch_token = None;
    let mut key_fetch_token_v2 = None;
    if req.keys {
        let wrap_kb = xor32(&account.wrap_wrap_kb, &verifier.wrapwrap_key);
        let (minted, record) = key_fetch(
            state,
            uid,
            now,
            &account.ka,
            &wrap_kb,
            Some(account.email_code),
        );
        key_fetch_token = Some(minted.hex());
        key_fetch_tokens.push(record);
        if let Some(v2) = &req.v2 {
            let (minted, record) = key_fetch(
                state,
                uid,
                now,
                &account.ka,
                &v2.wrap_kb_v2,
                Some(account.email_code),
            );
            key_fetch_token_v2 = Some(minted.hex());
            key_fetch_tokens.push(record);
        }
    }
    let mail = if req.short_code {
        account_short_code_mail(state, &account, req.links.locale)
    } else {
        account_verification_mail(state, &account, &req.links)
    };
    // Checked before anything is written: an address with no SMTP form is errno 151.
    let verification = Outgoing::seal(state, &mail)?;
    let stored = store_new_account(
        state,
        replace_uid.as_ref(),
        &account,
        (&session, &key_fetch_tokens),
        &verification,
    );
    match stored.await {
        Ok(()) => {}
        Err(DbError::Duplicate) => {
            return Err(ApiError::AccountExists {
                email: req.email.as_str().to_string(),
            })
        }
        Err(err) => return Err(err.into()),
    }
    tracing::info!(uid = %foxden_crypto::to_hex(uid), "account created");
    // Verified later, with the sign-up session (`verify_email_code`).
    let event = security::Event {
        name: security::ACCOUNT_CREATE,
        uid,
        ip: &req.ip,
        token_id_hash: Some(session.core.id_hash),
        verified: false,
    };
    security::record(state, event).await;
    Ok(SignedUp {
        uid,
        session_token: session_minted.hex(),
        key_fetch_token,
        key_fetch_token_v2,
        auth_at_secs: now / 1000,
    })
}

async fn hash(
    pool: &PasswordPool,
    auth_pw: &[u8; 32],
    salt: &[u8; 32],
) -> ApiResult<foxden_crypto::verifier::Verifier> {
    pool.verifier(auth_pw, salt, 1).await
}
