//! Server side of onepw (PROTOCOL §2.3): scrypt stretch, `verifyHash`, `wrapwrapKey`.

use std::fmt;

use zeroize::Zeroize;

use crate::aws_scrypt::{self, Params};
use crate::hkdf::derive32;

/// The FxA server stretch: N = 65536, r = 8, p = 1, dkLen = 32.
const FXA_SCRYPT: Params = Params {
    log_n: 16,
    r: 8,
    p: 1,
};

/// `scrypt(authPW, authSalt, N=65536, r=8, p=1, dkLen=32)` = bigStretchedPW.
///
/// Blocking and CPU-heavy (~0.1 s, 64 MiB): run it on a blocking pool.
pub fn scrypt_stretch(auth_pw: &[u8; 32], auth_salt: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    aws_scrypt::scrypt(auth_pw, auth_salt, FXA_SCRYPT, &mut out);
    out
}

/// How the stretched password is fed to HKDF as input keying material.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IkmMode {
    /// The 64 lowercase ASCII hex characters of the stretched value. This is what
    /// Mozilla's Node server really does for verifier version 1; required to keep
    /// an imported FxA database working.
    #[default]
    AsciiHex,
    /// The 32 raw bytes (the onepw wiki vectors; what the Node server does for version 0).
    RawBytes,
}

/// What the server derives from a password: `verifyHash` (stored, compared in constant
/// time with [`crate::ct_eq`]) and `wrapwrapKey` (XORed with wrapKb to give the stored
/// wrapWrapKb). Deliberately not `PartialEq`, so nobody compares it in variable time.
#[derive(Clone)]
pub struct Verifier {
    pub verify_hash: [u8; 32],
    pub wrapwrap_key: [u8; 32],
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("verify_hash", &hex::encode(self.verify_hash))
            .field("wrapwrap_key", &"<redacted>")
            .finish()
    }
}

/// A `verifierVersion` this server does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown verifier version {0}")]
pub struct UnknownVersion(pub i32);

/// `verifyHash = HKDF(ikm, KW("verifyHash"))`, `wrapwrapKey = HKDF(ikm, KW("wrapwrapKey"))`
/// with `ikm` the stretched password in the given [`IkmMode`].
pub fn verifier_from_stretched(stretched: &[u8; 32], mode: IkmMode) -> Verifier {
    match mode {
        IkmMode::RawBytes => from_ikm(stretched),
        IkmMode::AsciiHex => {
            let mut ikm = [0u8; 64];
            hex::encode_to_slice(stretched, &mut ikm).expect("64 = 2 * 32");
            let v = from_ikm(&ikm);
            ikm.zeroize();
            v
        }
    }
}

fn from_ikm(ikm: &[u8]) -> Verifier {
    Verifier {
        verify_hash: derive32(ikm, "verifyHash"),
        wrapwrap_key: derive32(ikm, "wrapwrapKey"),
    }
}

/// Like [`compute`] but returns an error for an unknown `verifier_version`
/// (as the Node server rejects with "Unknown Password Version").
pub fn try_compute(
    auth_pw: &[u8; 32],
    auth_salt: &[u8; 32],
    verifier_version: i32,
) -> Result<Verifier, UnknownVersion> {
    let (mut stretched, mode) = match verifier_version {
        0 => (crate::xor32(auth_pw, auth_salt), IkmMode::RawBytes),
        1 => (scrypt_stretch(auth_pw, auth_salt), IkmMode::AsciiHex),
        v => return Err(UnknownVersion(v)),
    };
    let v = verifier_from_stretched(&stretched, mode);
    stretched.zeroize();
    Ok(v)
}

/// The server's verifier for `authPW` with the account's `authSalt`, exactly as the Node
/// server computes it: version 1 = scrypt + ASCII-hex IKM; version 0 = `authPW XOR authSalt`
/// with raw IKM. Version 1 is blocking (one scrypt).
///
/// # Panics
/// On any other `verifier_version`; use [`try_compute`] for values read from storage
/// that might be foreign.
pub fn compute(auth_pw: &[u8; 32], auth_salt: &[u8; 32], verifier_version: i32) -> Verifier {
    try_compute(auth_pw, auth_salt, verifier_version).expect("verifier version must be 0 or 1")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [OLD test/local/crypto/scrypt.js]: K1 with the 35-byte salt "…/scrypt".
    #[test]
    fn scrypt_unit_test_vector() {
        let k1 = hex::decode("f84913e3d8e6d624689d0a3e9678ac8dcc79d2c2f3d9641488cd9d6ef6cd83dd")
            .unwrap();
        let mut out = [0u8; 32];
        aws_scrypt::scrypt(&k1, &crate::kw::kw("scrypt"), FXA_SCRYPT, &mut out);
        assert_eq!(
            hex::encode(out),
            "5b82f146a64126923e4167a0350bb181feba61f63cb1714012b19cb0be0119c5"
        );
    }

    #[test]
    fn unknown_version_is_an_error() {
        assert_eq!(
            try_compute(&[0; 32], &[0; 32], 2).unwrap_err(),
            UnknownVersion(2)
        );
        assert_eq!(
            try_compute(&[0; 32], &[0; 32], -1).unwrap_err(),
            UnknownVersion(-1)
        );
    }

    #[test]
    #[should_panic(expected = "verifier version")]
    fn compute_panics_on_unknown_version() {
        let _ = compute(&[0; 32], &[0; 32], 7);
    }

    #[test]
    fn debug_redacts_wrapwrap_key() {
        let v = verifier_from_stretched(&[1; 32], IkmMode::RawBytes);
        let s = format!("{v:?}");
        assert!(s.contains(&hex::encode(v.verify_hash)));
        assert!(!s.contains(&hex::encode(v.wrapwrap_key)));
        assert_eq!(IkmMode::default(), IkmMode::AsciiHex);
    }
}
