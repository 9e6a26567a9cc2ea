//! BrowserID signing keys: RSA-2048 in the data folder (`browserid-key.der`,
//! PKCS#8, mode 0600) plus an optional `browserid-key.previous.der` kept after a
//! rotation so certificates it signed still verify. The key machinery is
//! [`crate::signing_keys`], shared with the OpenID key (a separate key, ADR 0015).

use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::signing_keys::{KeyFiles, KeySet, SigningKey};

pub use crate::signing_keys::Jwk;

pub const CURRENT_FILE: &str = "browserid-key.der";
pub const PREVIOUS_FILE: &str = "browserid-key.previous.der";

/// The BrowserID key set's files.
pub const FILES: KeyFiles = KeyFiles {
    current: CURRENT_FILE,
    previous: PREVIOUS_FILE,
};

/// The key that signs certificates (`current`) and the one it replaced, if any.
pub struct BrowserIdKeys(KeySet);

/// The public key in BrowserID's own form (`n`, `e` in decimal).
#[derive(Serialize, utoipa::ToSchema)]
pub struct BrowserIdPublicKey {
    pub kid: String,
    #[serde(rename = "fxa-createdAt")]
    pub fxa_created_at: i64,
    /// `RS`.
    pub algorithm: String,
    pub n: String,
    pub e: String,
}

impl std::ops::Deref for BrowserIdKeys {
    type Target = KeySet;
    fn deref(&self) -> &KeySet {
        &self.0
    }
}

impl BrowserIdKeys {
    /// Loads the keys in `dir`, generating the current one on first start.
    pub fn load_or_create(dir: &Path) -> Result<Self, String> {
        FILES.load_or_create(dir).map(BrowserIdKeys)
    }

    /// Moves the current key to `previous` (dropping the older one) and generates a new current key.
    pub fn rotate(dir: &Path) -> Result<Self, String> {
        FILES.rotate(dir).map(BrowserIdKeys)
    }

    /// The current key's public half in BrowserID's form.
    pub fn browserid_public_key(&self) -> BrowserIdPublicKey {
        let key: &SigningKey = &self.current;
        BrowserIdPublicKey {
            kid: key.kid.clone(),
            fxa_created_at: key.created_at / 1000,
            algorithm: "RS".into(),
            n: decimal(key.n()),
            e: decimal(key.e()),
        }
    }

    /// A certificate: a compact JWS (`RS256`, header `{alg, kid}`) of `payload`.
    pub fn sign_certificate(&self, payload: &Value) -> Result<String, String> {
        #[derive(Serialize)]
        struct Header<'a> {
            alg: &'static str,
            kid: &'a str,
        }
        let key = &self.current;
        key.sign_compact(
            &Header {
                alg: "RS256",
                kid: &key.kid,
            },
            payload,
        )
    }
}

/// A big-endian unsigned integer in decimal (repeated division by 10^9 over u32 limbs).
pub fn decimal(be: &[u8]) -> String {
    let pad = (4 - be.len() % 4) % 4;
    let mut bytes = vec![0u8; pad];
    bytes.extend_from_slice(be);
    // Most significant limb first.
    let mut limbs: Vec<u32> = bytes
        .chunks(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let mut start = 0;
    // Base-10^9 digits, least significant first.
    let mut digits: Vec<u32> = Vec::new();
    loop {
        while start < limbs.len() && limbs[start] == 0 {
            start += 1;
        }
        if start == limbs.len() {
            break;
        }
        let mut rem: u64 = 0;
        for limb in &mut limbs[start..] {
            let cur = (rem << 32) | u64::from(*limb);
            *limb = (cur / 1_000_000_000) as u32;
            rem = cur % 1_000_000_000;
        }
        digits.push(rem as u32);
    }
    let Some((top, rest)) = digits.split_last() else {
        return "0".into();
    };
    let mut out = top.to_string();
    for d in rest.iter().rev() {
        out.push_str(&format!("{d:09}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    #[test]
    fn decimal_of_big_endian_bytes() {
        assert_eq!(decimal(&[]), "0");
        assert_eq!(decimal(&[0, 0]), "0");
        assert_eq!(decimal(&[1, 0, 1]), "65537");
        assert_eq!(decimal(&[0x3b, 0x9a, 0xca, 0x00]), "1000000000");
        assert_eq!(
            decimal(&[1, 0, 0, 0, 0, 0, 0, 0, 0]),
            "18446744073709551616"
        );
        assert_eq!(
            decimal(&1_000_000_000_000_000_000u64.to_be_bytes()),
            "1000000000000000000"
        );
        let mut two_128 = vec![1u8];
        two_128.extend([0u8; 16]);
        assert_eq!(decimal(&two_128), "340282366920938463463374607431768211456");
        assert_eq!(decimal(&u128::MAX.to_be_bytes()), u128::MAX.to_string());
        assert_eq!(
            decimal(&12_345_678_901_234_567_890_123u128.to_be_bytes()),
            "12345678901234567890123"
        );
    }

    #[test]
    fn keys_are_created_rotated_and_sign() {
        let dir = tempfile::tempdir().unwrap();
        let first = BrowserIdKeys::load_or_create(dir.path()).unwrap();
        assert!(first.previous.is_none());
        assert!(dir.path().join(CURRENT_FILE).exists());
        assert_eq!(first.browserid_public_key().e, "65537");
        let again = BrowserIdKeys::load_or_create(dir.path()).unwrap();
        assert_eq!(again.current.kid, first.current.kid);
        let rotated = BrowserIdKeys::rotate(dir.path()).unwrap();
        assert!(dir.path().join(PREVIOUS_FILE).exists());
        assert_eq!(rotated.previous.as_ref().unwrap().kid, first.current.kid);
        assert_ne!(rotated.current.kid, first.current.kid);
        assert_eq!(rotated.jwks().len(), 2);
        let jws = rotated
            .sign_certificate(&serde_json::json!({"a": 1}))
            .unwrap();
        let parts: Vec<&str> = jws.split('.').collect();
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(
            header,
            serde_json::json!({"alg": "RS256", "kid": rotated.current.kid})
        );
        let sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        let public = aws_lc_rs::signature::RsaPublicKeyComponents {
            n: rotated.current.n(),
            e: rotated.current.e(),
        };
        public
            .verify(
                &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
                format!("{}.{}", parts[0], parts[1]).as_bytes(),
                &sig,
            )
            .unwrap();
    }
}
