//! Encrypted bundles (PROTOCOL §5): `K = HKDF(bundleKey, KW(info), 32 + n)`,
//! `ct = plaintext XOR K[32..]`, output `ct ‖ HMAC-SHA256(K[..32], ct)`.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroize;

use crate::hkdf::{derive_into, MAX_OUTPUT};

/// Info string of the `/account/keys` bundle (plaintext `kA ‖ wrapKb`, 64 bytes).
pub const KEYS_INFO: &str = "account/keys";
/// Length of the trailing MAC.
pub const MAC_LEN: usize = 32;
/// Largest plaintext a bundle can carry (HKDF output limit minus the HMAC key).
pub const MAX_PLAINTEXT: usize = MAX_OUTPUT - 32;

/// Why a bundle could not be opened. Every variant maps to errno 109 on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("bundle shorter than its MAC")]
    TooShort,
    #[error("bundle longer than the maximum of {MAX_PLAINTEXT} plaintext bytes")]
    TooLong,
    #[error("bundle MAC mismatch")]
    BadMac,
}

fn keys(bundle_key: &[u8; 32], info: &str, len: usize) -> Vec<u8> {
    let mut k = vec![0u8; 32 + len];
    derive_into(bundle_key, info, &mut k);
    k
}

fn hmac(key: &[u8], data: &[u8]) -> Hmac<Sha256> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(data);
    m
}

/// Seals `plaintext`: returns `ct ‖ mac` (`plaintext.len() + 32` bytes).
///
/// # Panics
/// If `plaintext.len() > MAX_PLAINTEXT` (8128 bytes).
pub fn seal(bundle_key: &[u8; 32], info: &str, plaintext: &[u8]) -> Vec<u8> {
    assert!(
        plaintext.len() <= MAX_PLAINTEXT,
        "bundle plaintext too long"
    );
    let mut k = keys(bundle_key, info, plaintext.len());
    let mut out = Vec::with_capacity(plaintext.len() + MAC_LEN);
    out.extend(plaintext.iter().zip(&k[32..]).map(|(p, x)| p ^ x));
    let tag = hmac(&k[..32], &out).finalize().into_bytes();
    out.extend_from_slice(&tag);
    k.zeroize();
    out
}

/// Opens a bundle made by [`seal`]: checks the MAC in constant time before un-XORing.
pub fn open(bundle_key: &[u8; 32], info: &str, sealed: &[u8]) -> Result<Vec<u8>, BundleError> {
    let n = sealed
        .len()
        .checked_sub(MAC_LEN)
        .ok_or(BundleError::TooShort)?;
    if n > MAX_PLAINTEXT {
        return Err(BundleError::TooLong);
    }
    let (ct, tag) = sealed.split_at(n);
    let mut k = keys(bundle_key, info, n);
    let ok = hmac(&k[..32], ct).verify_slice(tag).is_ok();
    let result = if ok {
        Ok(ct.iter().zip(&k[32..]).map(|(c, x)| c ^ x).collect())
    } else {
        Err(BundleError::BadMac)
    };
    k.zeroize();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_various_lengths() {
        let key = [9u8; 32];
        for n in [0usize, 1, 31, 32, 64, 100, MAX_PLAINTEXT] {
            let pt: Vec<u8> = (0..n).map(|i| i as u8).collect();
            let sealed = seal(&key, "test", &pt);
            assert_eq!(sealed.len(), n + MAC_LEN);
            assert_eq!(open(&key, "test", &sealed).unwrap(), pt);
        }
    }

    #[test]
    fn rejects_tampering_and_wrong_context() {
        let key = [1u8; 32];
        let sealed = seal(&key, KEYS_INFO, &[0x42; 64]);
        for i in [0, 63, 64, 95] {
            let mut bad = sealed.clone();
            bad[i] ^= 1;
            assert_eq!(open(&key, KEYS_INFO, &bad), Err(BundleError::BadMac));
        }
        assert_eq!(open(&key, "other", &sealed), Err(BundleError::BadMac));
        assert_eq!(
            open(&[2u8; 32], KEYS_INFO, &sealed),
            Err(BundleError::BadMac)
        );
        assert_eq!(
            open(&key, KEYS_INFO, &sealed[..95]),
            Err(BundleError::BadMac)
        );
        assert_eq!(
            open(&key, KEYS_INFO, &sealed[..31]),
            Err(BundleError::TooShort)
        );
        let huge = vec![0u8; MAX_PLAINTEXT + MAC_LEN + 1];
        assert_eq!(open(&key, KEYS_INFO, &huge), Err(BundleError::TooLong));
    }
}
