//! Scoped keys as clients derive them from kB (PROTOCOL §9.5): the server only
//! hands out `{identifier, keyRotationSecret, keyRotationTimestamp}`
//! (`/account/scoped-key-data`); these derivations are the client's, here so
//! tests can check what a client would compute, and what the Sync tokenserver
//! is sent as `X-KeyID`.
//!
//! * Generic scopes: `kSfp(16) ‖ kS(32) = HKDF-SHA256(kB ‖ keyRotationSecret,
//!   salt = uid, info = "identity.mozilla.com/picl/v1/scoped_key\n" + identifier)`,
//!   `kid = "<timestamp>-" + b64url(kSfp)`.
//! * Sync (`https://identity.mozilla.com/apps/oldsync`), the legacy special
//!   case: `kSync = HKDF(kB, info = "identity.mozilla.com/picl/v1/oldsync", 64)`,
//!   `kXCS = SHA-256(kB)[0..16]`, `kid = "<timestamp>-" + b64url(kXCS)`, which
//!   is also the tokenserver's `X-KeyID` (and `hex(kXCS)` its `X-Client-State`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use zeroize::Zeroize;

use crate::hkdf::hkdf_sha256;
use crate::kw::kw;

/// The scope whose key is derived the legacy way.
pub const OLDSYNC_SCOPE: &str = "https://identity.mozilla.com/apps/oldsync";

/// A scoped key: the 32- or 64-byte secret (wiped on drop) and its key id.
pub struct ScopedKey {
    /// The key bytes (`kS`, or `kSync` for oldsync).
    pub k: Vec<u8>,
    /// `<keyRotationTimestamp>-<base64url fingerprint>`.
    pub kid: String,
}

impl Drop for ScopedKey {
    fn drop(&mut self) {
        self.k.zeroize();
    }
}

impl ScopedKey {
    /// The key as the JWK a client keeps: `{"kty": "oct", "k", "kid"}`'s `k`.
    pub fn k_b64(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.k)
    }
}

fn kid(timestamp: i64, fingerprint: &[u8]) -> String {
    format!("{timestamp}-{}", URL_SAFE_NO_PAD.encode(fingerprint))
}

/// The generic scoped key for `identifier`, from kB, the account's uid (16 raw
/// bytes) and the scope's key-rotation secret and timestamp.
pub fn scoped_key(
    kb: &[u8; 32],
    uid: &[u8; 16],
    key_rotation_secret: &[u8; 32],
    key_rotation_timestamp: i64,
    identifier: &str,
) -> ScopedKey {
    let mut ikm = [0u8; 64];
    ikm[..32].copy_from_slice(kb);
    ikm[32..].copy_from_slice(key_rotation_secret);
    let mut info = kw("scoped_key\n");
    info.extend_from_slice(identifier.as_bytes());
    let mut out = [0u8; 48];
    hkdf_sha256(&ikm, Some(uid), &info, &mut out);
    let key = ScopedKey {
        k: out[16..].to_vec(),
        kid: kid(key_rotation_timestamp, &out[..16]),
    };
    ikm.zeroize();
    out.zeroize();
    key
}

/// kXCS: the first 16 bytes of SHA-256(kB), Sync's client state.
pub fn kxcs(kb: &[u8; 32]) -> [u8; 16] {
    let digest = crate::sha256(kb);
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

/// The Sync key: kSync (64 bytes: encryption then HMAC key) with the kid
/// `<keyRotationTimestamp>-b64url(kXCS)`.
pub fn oldsync_key(kb: &[u8; 32], key_rotation_timestamp: i64) -> ScopedKey {
    let mut out = [0u8; 64];
    hkdf_sha256(kb, None, &kw("oldsync"), &mut out);
    let key = ScopedKey {
        k: out.to_vec(),
        kid: kid(key_rotation_timestamp, &kxcs(kb)),
    };
    out.zeroize();
    key
}

/// The tokenserver's `X-KeyID` header: `<keys_changed_at>-b64url(kXCS)` (the
/// oldsync key's kid; `keys_changed_at` is the ms `keyRotationTimestamp`).
pub fn sync_key_id(kb: &[u8; 32], keys_changed_at: i64) -> String {
    kid(keys_changed_at, &kxcs(kb))
}

/// The legacy `X-Client-State` header: `hex(kXCS)`.
pub fn sync_client_state(kb: &[u8; 32]) -> String {
    hex::encode(kxcs(kb))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes<const N: usize>(text: &str) -> [u8; N] {
        hex::decode(text).unwrap().try_into().unwrap()
    }

    /// PROTOCOL §9.6 (Mozilla's scoped-keys.md vector).
    #[test]
    fn generic_scoped_key_vector() {
        let key = scoped_key(
            &bytes("8b2e1303e21eee06a945683b8d495b9bf079ca30baa37eb8392d9ffa4767be45"),
            &bytes("aeaa1725c7a24ff983c6295725d5fc9b"),
            &bytes("517d478cb4f994aa69930416648a416fdaa1762c5abf401a2acf11a0f185e98d"),
            1510726317,
            "app_key:https%3A//example.com",
        );
        assert_eq!(
            hex::encode(&key.k),
            "2a46e4d7f434a027139a081e0c7ebcf346d0af18a7d912eee43d3435c25acdd4"
        );
        assert_eq!(key.kid, "1510726317-Voc-Eb9IpoTINuo9ll7bjA");
        assert_eq!(key.k_b64(), "Kkbk1_Q0oCcTmggeDH6880bQrxin2RLu5D00NcJazdQ");
        // kSfp is the kid's fingerprint.
        let fp = URL_SAFE_NO_PAD.decode("Voc-Eb9IpoTINuo9ll7bjA").unwrap();
        assert_eq!(hex::encode(fp), "56873e11bf48a684c836ea3d965edb8c");
    }

    /// PROTOCOL §9.6, the onepw wiki's kB.
    #[test]
    fn oldsync_vector() {
        let kb = bytes("a095c51c1c6e384e8d5777d97e3c487a4fc2128a00ab395a73d57fedf41631f0");
        let key = oldsync_key(&kb, 1_510_726_317_000);
        assert_eq!(
            hex::encode(&key.k),
            "9103e3f241298d68d8c8048f25822cc1c1dfe1938709c8793ba2cd8b9e8d60cc\
             81fd33da652c55c3f7acf361956346904052977392a134075e2f0f1d1732d688"
        );
        assert_eq!(hex::encode(kxcs(&kb)), "c3f3435531fb029f4e20d429c1709562");
        assert_eq!(sync_client_state(&kb), "c3f3435531fb029f4e20d429c1709562");
        assert_eq!(key.kid, "1510726317000-w_NDVTH7Ap9OINQpwXCVYg");
        assert_eq!(sync_key_id(&kb, 1_510_726_317_000), key.kid);
    }

    #[test]
    fn keys_differ_by_identifier_secret_and_timestamp() {
        let kb = [1u8; 32];
        let uid = [2u8; 16];
        let base = scoped_key(&kb, &uid, &[0; 32], 5, "a");
        assert_ne!(scoped_key(&kb, &uid, &[0; 32], 5, "b").k, base.k);
        assert_ne!(scoped_key(&kb, &uid, &[1; 32], 5, "a").k, base.k);
        assert_ne!(scoped_key(&kb, &[3; 16], &[0; 32], 5, "a").k, base.k);
        let later = scoped_key(&kb, &uid, &[0; 32], 6, "a");
        assert_eq!(later.k, base.k);
        assert_eq!(later.kid, base.kid.replacen('5', "6", 1));
    }
}
