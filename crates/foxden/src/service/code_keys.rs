//! Keys for the codes foxden mails, so that the database alone yields none of them
//! (README "Secrets at rest", ADR 0008):
//!
//! * 16-byte codes (emailCode, tokenVerificationId, passCode) are stored as one
//!   AES-256 block ([`foxden_crypto::code_cipher`]); the 6-digit codes derived from
//!   the emailCode are therefore out of reach too.
//! * Short one-time codes (8-character unblock codes, 8-digit reset OTPs) are stored
//!   only as an HMAC-SHA256 of (uid, kind, code): without the key, searching the
//!   code space offline finds nothing.
//!
//! Both keys are derived from the server secret in the data folder, never stored
//! in the database.

use aws_lc_rs::hmac;
use foxden_crypto::code_cipher::{CodeCipher, PlainCode, StoredCode};
use foxden_db::{OneTimeCodeKind, Uid};

pub struct CodeKeys {
    cipher: CodeCipher,
    one_time: hmac::Key,
}

impl std::fmt::Debug for CodeKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeKeys(<redacted>)")
    }
}

impl CodeKeys {
    pub fn from_secret(secret: &[u8]) -> Self {
        let mut cipher_key = [0u8; 32];
        foxden_crypto::hkdf::hkdf_sha256(secret, None, b"foxden/v1/code-cipher", &mut cipher_key);
        let mut hmac_key = [0u8; 32];
        foxden_crypto::hkdf::hkdf_sha256(secret, None, b"foxden/v1/one-time-code", &mut hmac_key);
        CodeKeys {
            cipher: CodeCipher::new(&cipher_key),
            one_time: hmac::Key::new(hmac::HMAC_SHA256, &hmac_key),
        }
    }

    /// The stored form of a code a client sent (to find or compare it).
    pub fn seal(&self, code: &PlainCode) -> StoredCode {
        self.cipher.seal(code)
    }

    /// The code a stored value stands for (to mail it, or to derive from it).
    pub fn open(&self, stored: &StoredCode) -> PlainCode {
        self.cipher.open(stored)
    }

    /// A new random code in its stored form.
    pub fn fresh(&self) -> StoredCode {
        self.cipher.fresh()
    }

    /// What the database keeps for a one-time code: HMAC(key, uid ‖ kind ‖ code).
    pub fn one_time_hash(&self, uid: &Uid, kind: OneTimeCodeKind, code: &str) -> [u8; 32] {
        let mut ctx = hmac::Context::with_key(&self.one_time);
        ctx.update(uid);
        ctx.update(&kind.code().to_be_bytes());
        ctx.update(code.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(ctx.sign().as_ref());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_depend_on_the_secret_and_bind_uid_kind_and_code() {
        let (a, b) = (
            CodeKeys::from_secret(&[1; 32]),
            CodeKeys::from_secret(&[2; 32]),
        );
        let (u1, u2) = ([1u8; 16], [2u8; 16]);
        let unblock = OneTimeCodeKind::Unblock;
        let otp = OneTimeCodeKind::PasswordForgotOtp;
        let h = a.one_time_hash(&u1, unblock, "ABCD2345");
        assert_eq!(h, a.one_time_hash(&u1, unblock, "ABCD2345"));
        assert_ne!(h, a.one_time_hash(&u2, unblock, "ABCD2345"));
        assert_ne!(h, a.one_time_hash(&u1, otp, "ABCD2345"));
        assert_ne!(h, a.one_time_hash(&u1, unblock, "ABCD2346"));
        assert_ne!(h, b.one_time_hash(&u1, unblock, "ABCD2345"));
        let code = [7u8; 16];
        assert_eq!(a.open(&a.seal(&code)), code);
        assert_ne!(a.seal(&code), b.seal(&code));
        assert!(format!("{a:?}").contains("redacted"));
    }
}
