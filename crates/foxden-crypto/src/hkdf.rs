//! RFC 5869 HKDF-SHA256 as the protocol uses it (PROTOCOL §1).

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroize;

use crate::kw::kw;

/// Largest output HKDF-SHA256 can produce (255 × 32 bytes).
pub const MAX_OUTPUT: usize = 255 * 32;

/// HKDF-SHA256 of `ikm` into `out`. `salt = None` means the RFC default (32 zero bytes),
/// which is what the Node `hkdf` package does with a null salt.
///
/// # Panics
/// If `out.len() > MAX_OUTPUT` (8160 bytes).
pub fn hkdf_sha256(ikm: &[u8], salt: Option<&[u8]>, info: &[u8], out: &mut [u8]) {
    Hkdf::<Sha256>::new(salt, ikm)
        .expand(info, out)
        .expect("HKDF-SHA256 output longer than 8160 bytes");
}

/// `HKDF(ikm, info = KW(name), 32)` with no salt.
pub fn derive32(ikm: &[u8], name: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    hkdf_sha256(ikm, None, &kw(name), &mut out);
    out
}

/// Like [`derive32`] but writes `out.len()` bytes (used for token and bundle keys).
pub(crate) fn derive_into(ikm: &[u8], name: &str, out: &mut [u8]) {
    let mut info = kw(name);
    hkdf_sha256(ikm, None, &info, out);
    info.zeroize();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    #[test]
    fn rfc5869_case1() {
        let ikm = unhex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
        let salt = unhex("000102030405060708090a0b0c");
        let info = unhex("f0f1f2f3f4f5f6f7f8f9");
        let mut okm = [0u8; 42];
        hkdf_sha256(&ikm, Some(&salt), &info, &mut okm);
        assert_eq!(
            hex::encode(okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
        );
    }

    #[test]
    fn rfc5869_case3_no_salt_equals_zero_salt() {
        let ikm = unhex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
        let mut a = [0u8; 42];
        let mut b = [0u8; 42];
        hkdf_sha256(&ikm, None, b"", &mut a);
        hkdf_sha256(&ikm, Some(&[0u8; 32]), b"", &mut b);
        assert_eq!(a, b);
        assert_eq!(
            hex::encode(a),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
        );
    }

    #[test]
    #[should_panic(expected = "8160")]
    fn too_long_panics() {
        let mut out = vec![0u8; MAX_OUTPUT + 1];
        hkdf_sha256(b"k", None, b"", &mut out);
    }
}
