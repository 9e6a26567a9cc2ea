//! The 6-digit codes mailed for code-based confirmation (`verifyShortCode`,
//! `verifyLoginCode`) and checked by `/session/verify_code`.
//!
//! Like Mozilla's auth-server the code is stateless: a TOTP over the account's
//! `emailCode` with a 600-second step, so nothing is stored and a resend mails
//! the same code. foxden writes it as HOTP-SHA1 (RFC 4226 dynamic truncation)
//! with key = the 16 raw emailCode bytes and counter = ⌊now_secs / 600⌋.
//! (Mozilla's otplib base32-decodes the hex string instead; the server both
//! issues and checks the code, so bit-exactness does not matter to clients.)
//!
//! Deviation from Mozilla: [`verify`] accepts the current **and the previous**
//! step, so a code lives 10–20 minutes instead of 0–10 (a code mailed at the
//! end of a step would otherwise expire within seconds).

use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// Length of a step (s).
pub const STEP_SECS: u64 = 600;
/// Digits in a code.
pub const DIGITS: usize = 6;

/// RFC 4226 HOTP value (6 digits) for `key` and `counter`.
pub fn hotp(key: &[u8], counter: u64) -> u32 {
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[19] & 0x0f) as usize;
    let binary = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    binary % 10u32.pow(DIGITS as u32)
}

fn format_code(value: u32) -> String {
    format!("{value:0width$}", width = DIGITS)
}

/// The code for the step that contains `now_secs`.
pub fn code_at(email_code: &[u8; 16], now_secs: u64) -> String {
    format_code(hotp(email_code, now_secs / STEP_SECS))
}

/// The code to mail now.
pub fn current(email_code: &[u8; 16]) -> String {
    code_at(email_code, now_secs())
}

/// Whether `code` is the current or the previous step's code (constant-time compare).
pub fn verify_at(email_code: &[u8; 16], code: &str, now_secs: u64) -> bool {
    let step = now_secs / STEP_SECS;
    let candidate = code.as_bytes();
    let mut matched = subtle::Choice::from(0u8);
    for counter in [Some(step), step.checked_sub(1)].into_iter().flatten() {
        let expected = format_code(hotp(email_code, counter));
        matched |= expected.as_bytes().ct_eq(candidate);
    }
    matched.into()
}

/// [`verify_at`] with the current time.
pub fn verify(email_code: &[u8; 16], code: &str) -> bool {
    verify_at(email_code, code, now_secs())
}

fn now_secs() -> u64 {
    crate::clock::now_secs().max(0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4226_appendix_d_vectors() {
        let key = b"12345678901234567890";
        let expected = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, value) in expected.iter().enumerate() {
            assert_eq!(hotp(key, counter as u64), *value, "counter {counter}");
        }
    }

    #[test]
    fn codes_are_six_digits_and_zero_padded() {
        assert_eq!(format_code(42), "000042");
        for n in 0..50u64 {
            let code = code_at(&[n as u8; 16], n * STEP_SECS);
            assert_eq!(code.len(), 6);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn accepts_current_and_previous_step_only() {
        let secret = [7u8; 16];
        let t = 1_000_000 * STEP_SECS + 17;
        let code = code_at(&secret, t);
        assert_eq!(code_at(&secret, t - 17), code);
        assert_eq!(code_at(&secret, t + STEP_SECS - 18), code);
        assert!(verify_at(&secret, &code, t));
        assert!(verify_at(&secret, &code, t + STEP_SECS));
        let two_steps_later = t + 2 * STEP_SECS;
        if code_at(&secret, two_steps_later) != code
            && code_at(&secret, two_steps_later - STEP_SECS) != code
        {
            assert!(!verify_at(&secret, &code, two_steps_later));
        }
        // Another account's code, a wrong length, and non-digits are refused.
        let other = code_at(&[8u8; 16], t);
        if other != code && other != code_at(&secret, t - STEP_SECS) {
            assert!(!verify_at(&secret, &other, t));
        }
        assert!(!verify_at(&secret, &code[..5], t));
        assert!(!verify_at(&secret, &format!("{code}0"), t));
        assert!(!verify_at(&secret, "", t));
        // Step 0 has no previous step.
        assert!(verify_at(&secret, &code_at(&secret, 0), 5));
    }
}
