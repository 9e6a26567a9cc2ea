//! What a password change and an account reset both write, as one borrowed view,
//! so each backend has a single routine for it: consume the authorising token,
//! store the new salt, verifiers and wraps, delete every token of the account,
//! and insert the caller's new session.

use crate::model::*;

/// The token that authorises the swap.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum SwapToken {
    PasswordChange,
    AccountReset,
}

pub(crate) struct CredentialSwap<'a> {
    pub uid: &'a Uid,
    pub token: SwapToken,
    pub token_id_hash: &'a TokenIdHash,
    pub auth_salt: &'a [u8; 32],
    pub verify_hash: &'a [u8; 32],
    pub wrap_wrap_kb: &'a [u8; 32],
    pub v2: Option<&'a PasswordV2>,
    pub verifier_set_at: Millis,
    /// A reset: kB may have changed (this time) and the email is proven.
    pub reset_keys_changed_at: Option<Millis>,
    pub new_session: Option<&'a SessionToken>,
    pub key_fetch: &'a [KeyFetchToken],
}

impl<'a> From<&'a PasswordChange> for CredentialSwap<'a> {
    fn from(c: &'a PasswordChange) -> Self {
        CredentialSwap {
            uid: &c.uid,
            token: SwapToken::PasswordChange,
            token_id_hash: &c.change_token_id_hash,
            auth_salt: &c.auth_salt,
            verify_hash: &c.verify_hash,
            wrap_wrap_kb: &c.wrap_wrap_kb,
            v2: c.v2.as_ref(),
            verifier_set_at: c.verifier_set_at,
            reset_keys_changed_at: None,
            new_session: c.new_session.as_ref(),
            key_fetch: &c.key_fetch,
        }
    }
}

impl<'a> From<&'a AccountReset> for CredentialSwap<'a> {
    fn from(r: &'a AccountReset) -> Self {
        CredentialSwap {
            uid: &r.uid,
            token: SwapToken::AccountReset,
            token_id_hash: &r.reset_token_id_hash,
            auth_salt: &r.auth_salt,
            verify_hash: &r.verify_hash,
            wrap_wrap_kb: &r.wrap_wrap_kb,
            v2: r.v2.as_ref(),
            verifier_set_at: r.verifier_set_at,
            reset_keys_changed_at: Some(r.keys_changed_at),
            new_session: r.new_session.as_ref(),
            key_fetch: &r.key_fetch,
        }
    }
}
