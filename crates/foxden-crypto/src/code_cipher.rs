//! 16-byte codes at rest (an account's emailCode, a session's tokenVerificationId,
//! a passwordForgotToken's passCode): the database keeps each one only as a
//! single AES-256 block encrypted under a key derived from the server secret.
//!
//! One block of AES is a keyed permutation: equal codes give equal stored values,
//! so a backend can still find a row by its code (`WHERE token_verification_id = ?`),
//! and the server can turn the stored value back into the code when it mails it
//! again. Without the key the stored value says nothing about the code. Codes are
//! 16 uniformly random bytes, so no two plaintexts repeat in practice and the
//! determinism reveals nothing beyond equality of the codes themselves.

use std::fmt;

use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use aes::Aes256;

/// A 16-byte code as the server mails and receives it.
pub type PlainCode = [u8; 16];
/// A 16-byte code as the database stores it.
pub type StoredCode = [u8; 16];

#[derive(Clone)]
pub struct CodeCipher {
    aes: Aes256,
}

impl fmt::Debug for CodeCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeCipher(<redacted>)")
    }
}

impl CodeCipher {
    pub fn new(key: &[u8; 32]) -> Self {
        CodeCipher {
            aes: Aes256::new(key.into()),
        }
    }

    /// The value stored for `code`.
    pub fn seal(&self, code: &PlainCode) -> StoredCode {
        let mut block = (*code).into();
        self.aes.encrypt_block(&mut block);
        block.into()
    }

    /// The code a stored value stands for.
    pub fn open(&self, stored: &StoredCode) -> PlainCode {
        let mut block = (*stored).into();
        self.aes.decrypt_block(&mut block);
        block.into()
    }

    /// A fresh random code, already in its stored form.
    pub fn fresh(&self) -> StoredCode {
        self.seal(&crate::random::bytes::<16>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fips_197_aes_256_vector() {
        // FIPS-197 Appendix C.3.
        let key: [u8; 32] = std::array::from_fn(|i| i as u8);
        let pt: [u8; 16] = hex::decode("00112233445566778899aabbccddeeff")
            .unwrap()
            .try_into()
            .unwrap();
        let c = CodeCipher::new(&key);
        let ct = c.seal(&pt);
        assert_eq!(hex::encode(ct), "8ea2b7ca516745bfeafc49904b496089");
        assert_eq!(c.open(&ct), pt);
    }

    #[test]
    fn roundtrip_is_deterministic_and_keyed() {
        let (a, b) = (CodeCipher::new(&[1; 32]), CodeCipher::new(&[2; 32]));
        for _ in 0..100 {
            let code = crate::random::bytes::<16>();
            let stored = a.seal(&code);
            assert_ne!(stored, code);
            assert_eq!(a.seal(&code), stored);
            assert_ne!(b.seal(&code), stored);
            assert_eq!(a.open(&stored), code);
            assert_ne!(b.open(&stored), code);
        }
        let fresh = a.fresh();
        assert_ne!(fresh, a.fresh());
        assert!(format!("{a:?}").contains("redacted"));
    }
}
