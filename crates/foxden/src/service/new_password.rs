//! What password change and account reset share: hashing the new V2 credentials
//! and issuing the session (and keyFetchTokens) that replaces the old ones.

use foxden_crypto::token::TokenKind;
use foxden_crypto::xor32;
use foxden_db::ops::*;
use foxden_db::{
    Credentials, KeyFetchToken, PasswordV2, PlainTokenKind, SessionToken, TokenIdHash, Uid,
    Unverified, UserAgentInfo, VerificationMethod,
};

use super::outbox::Outgoing;
use super::push_events::{self, To};
use super::signup::V2Credentials;
use super::tokens::{key_fetch, Minted};
use crate::error::{ApiError, ApiResult};
use crate::mail::Mail;
use crate::push::Message;
use crate::state::AppState;

/// The account about to get a new password, and what every new password needs:
/// a fresh authSalt, the V1 verifier under it, and a `verifierSetAt` later than the old one.
pub struct NewPassword {
    pub account: foxden_db::Account,
    pub now: i64,
    pub auth_salt: [u8; 32],
    pub verifier: foxden_crypto::verifier::Verifier,
}

pub async fn new_password(
    state: &AppState,
    uid: &[u8; 16],
    auth_pw: &[u8; 32],
) -> ApiResult<NewPassword> {
    let account = state
        .db
        .account(uid)
        .await?
        .ok_or(crate::error::ApiError::InvalidToken)?;
    let now = crate::clock::now_ms().max(account.verifier_set_at + 1);
    let auth_salt = foxden_crypto::random::bytes::<32>();
    let verifier = state.passwords.verifier(auth_pw, &auth_salt, 1).await?;
    Ok(NewPassword {
        account,
        now,
        auth_salt,
        verifier,
    })
}

/// A password change or reset, in one transaction: consumes the authorising token
/// (errno 110, and nothing written, if it is gone or belongs to another account),
/// stores the new credentials, deletes every token of the account (OAuth tokens
/// and codes too), stores the
/// caller's new session and its keyFetchTokens, and queues the `notice` mail (an
/// address with no SMTP form only loses the notice) and the `push` (message and
/// recipients) for the devices as they were before their tokens went.
pub async fn replace_credentials(
    state: &AppState,
    (kind, token_id_hash): (PlainTokenKind, &TokenIdHash),
    uid: &Uid,
    credentials: &Credentials,
    (new_session, key_fetch): (Option<&SessionToken>, &[KeyFetchToken]),
    (notice, push): (&Mail, (&Message, To)),
) -> ApiResult<()> {
    let notice = Outgoing::seal(state, notice).ok();
    let tx = state.db.begin().await?;
    if !tx.consume_plain_token(kind, token_id_hash, uid).await? {
        return Err(ApiError::InvalidToken);
    }
    push_events::queue(state, &tx, uid, push.1, push.0).await?;
    tx.store_credentials(uid, credentials).await?;
    tx.delete_tokens_of(uid).await?;
    // Every OAuth grant ends with the old password (`oauth.removeTokensAndCodes`).
    tx.delete_oauth_of(uid).await?;
    if let Some(session) = new_session {
        tx.insert_session(session).await?;
    }
    for record in key_fetch {
        tx.insert_key_fetch_token(record).await?;
    }
    if let Some(mail) = &notice {
        mail.queue_in(&tx).await?;
    }
    tx.commit().await?;
    state.mail_waker.wake();
    state.push.wake();
    Ok(())
}

/// The stored form of new V2 credentials under `auth_salt` (one more scrypt).
pub async fn hash_v2(
    state: &AppState,
    v2: Option<&V2Credentials>,
    auth_salt: &[u8; 32],
) -> ApiResult<Option<PasswordV2>> {
    let Some(v2) = v2 else { return Ok(None) };
    let verifier2 = state.passwords.verifier(&v2.auth_pw, auth_salt, 1).await?;
    Ok(Some(PasswordV2 {
        client_salt: v2.client_salt.clone(),
        verify_hash: verifier2.verify_hash,
        wrap_wrap_kb: xor32(&v2.wrap_kb_v2, &verifier2.wrapwrap_key),
    }))
}

/// A new session as the client receives it.
pub struct IssuedSession {
    pub session_token: String,
    /// No confirmation pending (the caller also requires a verified email).
    pub verified: bool,
    pub auth_at_secs: i64,
    pub key_fetch_token: Option<String>,
    pub key_fetch_token2: Option<String>,
}

/// What to issue a fresh session with.
pub struct SessionGrant<'a> {
    pub uid: [u8; 16],
    pub now: i64,
    pub user_agent: UserAgentInfo,
    pub method: VerificationMethod,
    /// The confirmation the new session still owes (a password change carries the
    /// replaced session's over); `None` issues it confirmed.
    pub unverified: Option<Unverified>,
    pub ka: &'a [u8; 32],
    /// With keys: the V1 wrap of kB and, for V2 accounts, the V2 wrap.
    pub keys: Option<([u8; 32], Option<[u8; 32]>)>,
}

/// Mints the session and its keyFetchTokens (which share its confirmation state);
/// the caller stores them in its transaction.
pub fn issue_session(
    state: &AppState,
    grant: SessionGrant,
) -> (SessionToken, Vec<KeyFetchToken>, IssuedSession) {
    let SessionGrant {
        uid,
        now,
        user_agent,
        method,
        unverified,
        ka,
        keys,
    } = grant;
    let minted = Minted::new(TokenKind::Session);
    let confirmed = unverified.is_none();
    let verification_id = unverified.as_ref().map(|u| u.token_verification_id);
    let session = SessionToken {
        core: minted.core(state, uid, now),
        user_agent,
        last_access_time: now,
        auth_at: now,
        unverified,
        verification_method: confirmed.then_some(method),
        verified_at: confirmed.then_some(now),
    };
    let mut issued = IssuedSession {
        session_token: minted.hex(),
        verified: confirmed,
        auth_at_secs: now / 1000,
        key_fetch_token: None,
        key_fetch_token2: None,
    };
    let mut records = Vec::new();
    if let Some((wrap_kb, wrap_kb_v2)) = keys {
        let (minted, record) = key_fetch(state, uid, now, ka, &wrap_kb, verification_id);
        issued.key_fetch_token = Some(minted.hex());
        records.push(record);
        if let Some(wrap_kb_v2) = wrap_kb_v2 {
            let (minted, record) = key_fetch(state, uid, now, ka, &wrap_kb_v2, verification_id);
            issued.key_fetch_token2 = Some(minted.hex());
            records.push(record);
        }
    }
    (session, records, issued)
}
