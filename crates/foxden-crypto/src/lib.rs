//! Pure FxA protocol crypto for foxden (no IO, no async).
//!
//! * [`kw`] and [`hkdf`]: the `identity.mozilla.com/picl/v1/` info strings and HKDF-SHA256.
//! * [`onepw`]: client-side password stretching (V1 quickStretch, V2 PBKDF2 650 000).
//! * [`verifier`]: the server-side scrypt stretch and `verifyHash` / `wrapwrapKey`.
//! * [`token`]: tokenId / authKey / bundleKey derivation for the five token kinds.
//! * [`bundle`]: the HKDF-XOR-HMAC bundle used by `/account/keys`.
//! * [`hawk`]: Hawk 1 (SHA-256) header parsing, MACs, payload hashes and client headers.
//! * [`sealed`]: an AES-256-GCM box for secrets at rest.
//! * [`code_cipher`]: one-block AES-256 for 16-byte codes at rest (lookups stay equality).
//! * [`random`]: OS randomness and the server's random code formats.
//! * [`scoped_keys`]: the client-side scoped-key derivations (kS, kSync, kXCS, `X-KeyID`).
//! * [`dsa`]: DSA signature checks (aws-lc) for BrowserID's `DS` user keys.

pub mod bundle;
pub mod code_cipher;
pub mod dsa;
pub mod hawk;
pub mod hkdf;
pub mod kw;
pub mod onepw;
pub mod random;
pub mod scoped_keys;
pub mod sealed;
pub mod token;
pub mod verifier;

mod aws_scrypt;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Lower-case hex of `bytes`, as `hex::encode` gives it, written by table into a
/// buffer of the final size (`hex::encode` collects it a `char` at a time; ids
/// are hexed many times per device list).
pub fn to_hex(bytes: impl AsRef<[u8]>) -> String {
    let bytes = bytes.as_ref();
    let mut out = vec![0u8; bytes.len() * 2];
    hex::encode_to_slice(bytes, &mut out).unwrap_or_else(|_| unreachable!("twice the length"));
    String::from_utf8(out).unwrap_or_else(|_| unreachable!("hex digits are ASCII"))
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// Constant-time equality. Returns `false` (without comparing) when the lengths differ;
/// the lengths themselves are not treated as secret.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// XOR of two 32-byte values (the protocol's wrap / unwrap operation).
pub fn xor32(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    std::array::from_fn(|i| a[i] ^ b[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_hex_is_hex_encode() {
        for bytes in [&b""[..], &[0, 1, 0xab, 0xff][..], &[7; 32][..]] {
            assert_eq!(to_hex(bytes), hex::encode(bytes));
        }
    }

    #[test]
    fn sha256_empty() {
        assert_eq!(
            hex::encode(sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn ct_eq_cases() {
        assert!(ct_eq(b"", b""));
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
        assert!(!ct_eq(b"", b"a"));
    }

    #[test]
    fn xor32_roundtrip() {
        let a = [0x5au8; 32];
        let b: [u8; 32] = std::array::from_fn(|i| i as u8);
        let x = xor32(&a, &b);
        assert_eq!(x[1], 0x5b);
        assert_eq!(xor32(&x, &b), a);
        assert_eq!(xor32(&a, &a), [0u8; 32]);
    }
}
