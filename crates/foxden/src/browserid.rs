//! BrowserID signing keys: RSA-2048 in the data folder (`browserid-key.der`,
//! PKCS#8, mode 0600) plus an optional `browserid-key.previous.der` kept after a
//! rotation so certificates it signed still verify. A key's creation time is
//! its file's modification time (a rename keeps it).

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use crate::files;

pub const CURRENT_FILE: &str = "browserid-key.der";
pub const PREVIOUS_FILE: &str = "browserid-key.previous.der";

/// One RSA signing key with its public identity.
pub struct SigningKey {
    pair: KeyPair,
    pub kid: String,
    /// Creation time (ms since the epoch).
    pub created_at: i64,
    n: Vec<u8>,
    e: Vec<u8>,
}

/// The key that signs (`current`) and the one it replaced, if any.
pub struct BrowserIdKeys {
    pub current: SigningKey,
    pub previous: Option<SigningKey>,
}

fn strip_zeros(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes[start..].to_vec()
}

impl SigningKey {
    fn from_pkcs8(der: &[u8], created_at: i64) -> Result<Self, String> {
        let pair = KeyPair::from_pkcs8(der).map_err(|e| format!("not an RSA PKCS#8 key: {e}"))?;
        let components = PublicKeyComponents::<Vec<u8>>::from(pair.public_key());
        let fingerprint = foxden_crypto::sha256(pair.public_key().as_ref());
        Ok(SigningKey {
            kid: format!("{created_at}-{}", hex::encode(&fingerprint[..8])),
            created_at,
            n: strip_zeros(&components.n),
            e: strip_zeros(&components.e),
            pair,
        })
    }

    /// Reads the key at `path`; `None` when there is no such file.
    fn load(path: &Path) -> Result<Option<Self>, String> {
        let der = match std::fs::read(path) {
            Ok(der) => der,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(format!("cannot read {}: {err}", path.display())),
        };
        let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        let created_at = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        Self::from_pkcs8(&der, created_at)
            .map(Some)
            .map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Generates a new key and writes it (mode 0600) to `path`, replacing any file there.
    fn generate(path: &Path) -> Result<Self, String> {
        let pair = KeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| "cannot generate an RSA key".to_string())?;
        let der = pair
            .as_der()
            .map_err(|_| "cannot encode the RSA key".to_string())?;
        let tmp = path.with_extension("der.tmp");
        let _ = std::fs::remove_file(&tmp);
        let write = || -> io::Result<()> {
            let mut file = files::create_private_file(&tmp)?;
            file.write_all(der.as_ref())?;
            file.sync_all()?;
            std::fs::rename(&tmp, path)
        };
        write().map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Self::load(path)?.ok_or_else(|| format!("{} vanished", path.display()))
    }

    /// The public key as a JWK (`n`, `e` base64url).
    pub fn jwk(&self) -> Value {
        json!({
            "kty": "RSA",
            "alg": "RS256",
            "kid": self.kid,
            "fxa-createdAt": self.created_at / 1000,
            "use": "sig",
            "n": URL_SAFE_NO_PAD.encode(&self.n),
            "e": URL_SAFE_NO_PAD.encode(&self.e),
        })
    }

    /// The public key in BrowserID's own form (`n`, `e` in decimal).
    pub fn browserid_public_key(&self) -> Value {
        json!({
            "kid": self.kid,
            "fxa-createdAt": self.created_at / 1000,
            "algorithm": "RS",
            "n": decimal(&self.n),
            "e": decimal(&self.e),
        })
    }

    /// A compact JWS (`RS256`, PKCS#1 v1.5 with SHA-256) of `payload`.
    pub fn sign_jws(&self, payload: &Value) -> Result<String, String> {
        let header = json!({ "alg": "RS256", "kid": self.kid });
        let mut out = URL_SAFE_NO_PAD.encode(header.to_string());
        out.push('.');
        out.push_str(&URL_SAFE_NO_PAD.encode(payload.to_string()));
        let mut signature = vec![0u8; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                out.as_bytes(),
                &mut signature,
            )
            .map_err(|_| "RSA signing failed".to_string())?;
        out.push('.');
        out.push_str(&URL_SAFE_NO_PAD.encode(&signature));
        Ok(out)
    }
}

fn paths(dir: &Path) -> (PathBuf, PathBuf) {
    (dir.join(CURRENT_FILE), dir.join(PREVIOUS_FILE))
}

impl BrowserIdKeys {
    /// Loads the keys in `dir`, generating the current one on first start.
    pub fn load_or_create(dir: &Path) -> Result<Self, String> {
        let (current_path, previous_path) = paths(dir);
        let current = match SigningKey::load(&current_path)? {
            Some(key) => key,
            None => SigningKey::generate(&current_path)?,
        };
        let previous = SigningKey::load(&previous_path)?;
        Ok(BrowserIdKeys { current, previous })
    }

    /// Moves the current key to `previous` (dropping the older one) and generates a new current key.
    pub fn rotate(dir: &Path) -> Result<Self, String> {
        let (current_path, previous_path) = paths(dir);
        if current_path.exists() {
            std::fs::rename(&current_path, &previous_path)
                .map_err(|e| format!("cannot move {}: {e}", current_path.display()))?;
        }
        SigningKey::generate(&current_path)?;
        Self::load_or_create(dir)
    }

    /// The public keys as JWKs, current first.
    pub fn jwks(&self) -> Vec<Value> {
        std::iter::once(&self.current)
            .chain(self.previous.as_ref())
            .map(SigningKey::jwk)
            .collect()
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
        assert_eq!(decimal(&first.current.e), "65537");
        let again = BrowserIdKeys::load_or_create(dir.path()).unwrap();
        assert_eq!(again.current.kid, first.current.kid);
        let rotated = BrowserIdKeys::rotate(dir.path()).unwrap();
        assert_eq!(rotated.previous.as_ref().unwrap().kid, first.current.kid);
        assert_ne!(rotated.current.kid, first.current.kid);
        assert_eq!(rotated.jwks().len(), 2);
        let jws = rotated.current.sign_jws(&json!({"a": 1})).unwrap();
        let parts: Vec<&str> = jws.split('.').collect();
        let sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        let public = aws_lc_rs::signature::RsaPublicKeyComponents {
            n: &rotated.current.n,
            e: &rotated.current.e,
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
