//! Password change (`/password/change/start` and `/finish`): kB stays, a new
//! authSalt and verifiers are stored, every token of the account is destroyed,
//! and the caller's session is replaced by a confirmed one.

use foxden_crypto::token::TokenKind;
use foxden_crypto::xor32;
use foxden_db::ops::*;
use foxden_db::{PlainTokenKind, VerificationMethod};

use super::new_password::{
    hash_v2, issue_session, new_password, replace_credentials, NewPassword, SessionGrant,
};
use super::password::PasswordVersion;
use super::push_events::To;
use super::signin::{authenticate, Credentials};
use super::signup::V2Credentials;
use super::tokens::{key_fetch, Minted};
use super::verification::LinkParams;
use crate::clock::now_ms;
use crate::customs::PasswordGate;
use crate::error::{ApiError, ApiResult};
use crate::push::Message;
use crate::state::AppState;

pub struct Started {
    /// The keyFetchToken and the version of the password that matched.
    pub key_fetch: (PasswordVersion, String),
    pub password_change_token: String,
    pub verified: bool,
}

/// Checks the old password and issues a passwordChangeToken and a confirmed keyFetchToken.
pub async fn start(
    state: &AppState,
    creds: Credentials,
    gate: &PasswordGate,
) -> ApiResult<Started> {
    let (account, matched) = authenticate(state, &creds, gate).await?;
    let now = now_ms();
    let change = Minted::new(TokenKind::PasswordChange);
    let (kf_minted, kf_record) =
        key_fetch(state, account.uid, now, &account.ka, &matched.wrap_kb, None);
    // The passwordChangeToken and its keyFetchToken: both or neither.
    let tx = state.db.begin().await?;
    tx.insert_plain_token(
        PlainTokenKind::PasswordChange,
        &change.core(state, account.uid, now),
    )
    .await?;
    tx.insert_key_fetch_token(&kf_record).await?;
    tx.commit().await?;
    Ok(Started {
        key_fetch: (matched.version, kf_minted.hex()),
        password_change_token: change.hex(),
        verified: account.email_verified,
    })
}

pub struct Finish {
    pub auth_pw: [u8; 32],
    pub wrap_kb: [u8; 32],
    pub v2: Option<V2Credentials>,
    /// The tokenId of the caller's session, to be replaced by a fresh one.
    pub session_token_id: Option<[u8; 32]>,
    pub keys: bool,
    /// The `passwordChanged` notice's language and links.
    pub links: LinkParams,
}

pub struct Finished {
    pub uid: [u8; 16],
    pub session: Option<FinishedSession>,
}

pub use super::new_password::IssuedSession as FinishedSession;

pub async fn finish(
    state: &AppState,
    change_token_id_hash: [u8; 32],
    uid: [u8; 16],
    req: Finish,
) -> ApiResult<Finished> {
    let NewPassword {
        account,
        now,
        auth_salt,
        verifier,
    } = new_password(state, &uid, &req.auth_pw).await?;
    let v2 = hash_v2(state, req.v2.as_ref(), &auth_salt).await?;
    let old_session = match req.session_token_id {
        None => None,
        Some(id) => {
            let session = state.db.session(&foxden_crypto::sha256(&id)).await?;
            Some(
                session
                    .filter(|s| s.core.uid == uid)
                    .ok_or(ApiError::InvalidToken)?,
            )
        }
    };
    // Every device but the caller's session's (Mozilla's `notifyPasswordChanged`).
    let to = match &old_session {
        Some(old) => To::AllButSession(old.core.id_hash),
        None => To::All,
    };
    let (new_session, key_fetch_tokens, finished_session) = match old_session {
        None => (None, Vec::new(), None),
        Some(old) => {
            let grant = SessionGrant {
                uid,
                now,
                user_agent: old.user_agent.clone(),
                method: old.verification_method.unwrap_or(VerificationMethod::Email),
                // As FxA: the new session is exactly as confirmed as the one it replaces.
                unverified: old.unverified.clone(),
                ka: &account.ka,
                keys: req
                    .keys
                    .then(|| (req.wrap_kb, req.v2.as_ref().map(|v2| v2.wrap_kb_v2))),
            };
            let (session, records, mut issued) = issue_session(state, grant);
            issued.verified &= account.email_verified;
            (Some(session), records, Some(issued))
        }
    };
    let credentials = foxden_db::Credentials {
        auth_salt,
        verify_hash: verifier.verify_hash,
        wrap_wrap_kb: xor32(&req.wrap_kb, &verifier.wrapwrap_key),
        v2,
        verifier_set_at: now,
        reset_keys_changed_at: None,
    };
    let token = (PlainTokenKind::PasswordChange, &change_token_id_hash);
    let notice = super::verification::password_changed_mail(state, &account, &req.links);
    let new_tokens = (new_session.as_ref(), &key_fetch_tokens[..]);
    let push = (&Message::PasswordChanged, to);
    replace_credentials(
        state,
        token,
        &uid,
        &credentials,
        new_tokens,
        (&notice, push),
    )
    .await?;
    tracing::info!(uid = %foxden_crypto::to_hex(uid), "password changed");
    Ok(Finished {
        uid,
        session: finished_session,
    })
}
