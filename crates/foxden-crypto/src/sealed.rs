//! AES-256-GCM box for secrets at rest (for example Hawk auth keys under a server key).
//! Format: 12-byte random nonce ‖ ciphertext ‖ 16-byte tag.

use std::fmt;

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};

/// Bytes of nonce in front of every sealed value.
pub const NONCE_LEN: usize = 12;
/// Bytes of GCM tag at the end of every sealed value.
pub const TAG_LEN: usize = 16;
/// Bytes a sealed value adds to its plaintext.
pub const OVERHEAD: usize = NONCE_LEN + TAG_LEN;

/// Why a sealed value could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("sealed value shorter than nonce and tag")]
    TooShort,
    #[error("sealed value failed authentication (wrong key, wrong aad or tampered)")]
    Decrypt,
}

/// An AES-256-GCM key with random nonces. Random 96-bit nonces are safe for up to about
/// 2^32 seals under one key.
#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
}

impl fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBox(<redacted>)")
    }
}

impl SecretBox {
    pub fn new(key: &[u8; 32]) -> Self {
        SecretBox {
            cipher: Aes256Gcm::new(key.into()),
        }
    }

    /// Encrypts `plaintext`, binding `aad` (for example the row's tokenId) into the tag.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        let nonce = crate::random::bytes::<NONCE_LEN>();
        let ct = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .expect("AES-GCM encryption of an in-memory buffer cannot fail");
        let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    /// Decrypts a value made by [`seal`](Self::seal) with the same key and `aad`.
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() < OVERHEAD {
            return Err(SealError::TooShort);
        }
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        self.cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad })
            .map_err(|_| SealError::Decrypt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip() {
        let b = SecretBox::new(&[3u8; 32]);
        for pt in [&b""[..], b"x", &[0xaa; 32], &[1; 1000]] {
            let s = b.seal(pt, b"aad");
            assert_eq!(s.len(), pt.len() + OVERHEAD);
            assert_eq!(b.open(&s, b"aad").unwrap(), pt);
        }
    }

    #[test]
    fn nonces_are_fresh() {
        let b = SecretBox::new(&[3u8; 32]);
        let (x, y) = (b.seal(b"same", b""), b.seal(b"same", b""));
        assert_ne!(x, y);
        assert_ne!(x[..NONCE_LEN], y[..NONCE_LEN]);
    }

    #[test]
    fn rejects_tamper_wrong_aad_wrong_key() {
        let b = SecretBox::new(&[3u8; 32]);
        let s = b.seal(b"secret key material", b"token-id");
        for i in [0, NONCE_LEN, s.len() - 1] {
            let mut bad = s.clone();
            bad[i] ^= 0x80;
            assert_eq!(b.open(&bad, b"token-id"), Err(SealError::Decrypt));
        }
        assert_eq!(b.open(&s, b"token-iD"), Err(SealError::Decrypt));
        assert_eq!(b.open(&s, b""), Err(SealError::Decrypt));
        assert_eq!(
            SecretBox::new(&[4u8; 32]).open(&s, b"token-id"),
            Err(SealError::Decrypt)
        );
        assert_eq!(
            b.open(&s[..s.len() - 1], b"token-id"),
            Err(SealError::Decrypt)
        );
        assert_eq!(
            b.open(&s[..OVERHEAD - 1], b"token-id"),
            Err(SealError::TooShort)
        );
        assert!(format!("{b:?}").contains("redacted"));
    }
}
