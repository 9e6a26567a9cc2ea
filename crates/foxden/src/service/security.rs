//! Security events (PROTOCOL §13): what happened to an account, from which IP
//! (kept only as an HMAC keyed by the server secret over uid ‖ IP), and whether it
//! was confirmed. Recording is best effort: a failure is logged and never fails
//! the request.

use aws_lc_rs::hmac;
use foxden_db::ops::*;
use foxden_db::{Millis, SecurityEvent, TokenIdHash, Uid};

use crate::clock::now_ms;
use crate::extract::ClientIp;
use crate::state::AppState;

pub const ACCOUNT_CREATE: &str = "account.create";
pub const ACCOUNT_LOGIN: &str = "account.login";
pub const ACCOUNT_LOGIN_FAILURE: &str = "account.login.failure";
pub const PASSWORD_CHANGED: &str = "account.password_changed";
pub const PASSWORD_RESET_SUCCESS: &str = "account.password_reset_success";
pub const PASSWORD_RESET_REQUESTED: &str = "account.password_reset_requested";
pub const SESSION_DESTROY: &str = "session.destroy";
pub const BYPASS_KNOWN_IP: &str = "account.signin_confirm_bypass_known_ip";
pub const BYPASS_NEW_ACCOUNT: &str = "account.signin_confirm_bypass_new_account";

/// The most events `/securityEvents` lists.
pub const LIST_LIMIT: u32 = 100;

/// The HMAC key for IP addresses, derived from the server secret.
pub fn ip_hmac_key(secret: &[u8]) -> [u8; 32] {
    let mut key = [0u8; 32];
    foxden_crypto::hkdf::hkdf_sha256(secret, None, b"foxden/v1/ip-hmac", &mut key);
    key
}

/// HMAC-SHA256(key, uid ‖ ip).
pub fn ip_hmac(key: &[u8; 32], uid: &Uid, ip: &str) -> [u8; 32] {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(uid);
    ctx.update(ip.as_bytes());
    let tag = ctx.sign();
    let mut out = [0u8; 32];
    out.copy_from_slice(tag.as_ref());
    out
}

/// One event to record for `uid` from `ip`.
pub struct Event<'a> {
    pub name: &'static str,
    pub uid: Uid,
    pub ip: &'a ClientIp,
    pub token_id_hash: Option<TokenIdHash>,
    pub verified: bool,
}

/// Records the event; a storage failure is logged, not returned.
pub async fn record(state: &AppState, event: Event<'_>) {
    let record = SecurityEvent {
        uid: event.uid,
        name: event.name.to_string(),
        token_id_hash: event.token_id_hash,
        verified: event.verified,
        ip_hmac: ip_hmac(&state.ip_hmac_key, &event.uid, event.ip.as_str()),
        created_at: now_ms(),
    };
    if let Err(err) = state.db.record_security_event(&record).await {
        tracing::warn!(
            uid = %foxden_crypto::to_hex(event.uid),
            event = event.name,
            error = %err,
            "could not record a security event"
        );
    }
}

/// Whether the account had a verified event from this IP since `since` (false
/// on a storage failure, which is logged: the caller then asks for confirmation).
pub async fn known_ip(state: &AppState, uid: &Uid, ip: &ClientIp, since: Millis) -> bool {
    let hmac = ip_hmac(&state.ip_hmac_key, uid, ip.as_str());
    match state
        .db
        .verified_event_from_ip_since(uid, &hmac, since)
        .await
    {
        Ok(known) => known,
        Err(err) => {
            tracing::warn!(uid = %foxden_crypto::to_hex(uid), error = %err, "security history lookup failed");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_hmac_depends_on_key_uid_and_ip() {
        let key = ip_hmac_key(b"secret");
        let a = ip_hmac(&key, &[1; 16], "10.0.0.1");
        assert_eq!(a, ip_hmac(&key, &[1; 16], "10.0.0.1"));
        assert_ne!(a, ip_hmac(&key, &[2; 16], "10.0.0.1"));
        assert_ne!(a, ip_hmac(&key, &[1; 16], "10.0.0.2"));
        assert_ne!(a, ip_hmac(&ip_hmac_key(b"other"), &[1; 16], "10.0.0.1"));
    }
}
