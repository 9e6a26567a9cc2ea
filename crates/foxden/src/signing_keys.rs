//! RSA-2048 signing keys kept in the data folder, one implementation for the
//! BrowserID certificate key ([`crate::browserid`]) and the OpenID/JWT key
//! ([`crate::openid`]), which are separate keys in separate files (ADR 0015).
//!
//! A key set is two files named by [`KeyFiles`]: the current key (PKCS#8 DER,
//! mode 0600), generated on first start, and the previous one, kept after a
//! rotation so what it signed still verifies. A key's creation time is its
//! file's modification time (a rename keeps it).

use std::io;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{
    KeyPair as _, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::files;

/// The two file names of one key set, inside the data folder.
#[derive(Clone, Copy, Debug)]
pub struct KeyFiles {
    pub current: &'static str,
    pub previous: &'static str,
}

/// One RSA signing key with its public identity.
pub struct SigningKey {
    pair: KeyPair,
    /// The public half, parsed once (parsing per check, with its Montgomery
    /// set-up, cost a third of a verification).
    verifier: ParsedPublicKey,
    pub kid: String,
    /// Creation time (ms since the epoch).
    pub created_at: i64,
    n: Vec<u8>,
    e: Vec<u8>,
}

/// An RSA public key as a JWK, in the member order Mozilla's `/jwks` writes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Jwk {
    /// `RSA`.
    pub kty: String,
    /// `RS256`.
    pub alg: String,
    pub kid: String,
    /// The key's creation time, in seconds.
    #[serde(rename = "fxa-createdAt")]
    pub fxa_created_at: i64,
    /// `sig`.
    #[serde(rename = "use")]
    pub key_use: String,
    /// The modulus, base64url without padding.
    pub n: String,
    /// The public exponent, base64url without padding.
    pub e: String,
}

/// The key that signs (`current`) and the one it replaced, if any.
pub struct KeySet {
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
        let verifier =
            ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, pair.public_key().as_ref())
                .map_err(|e| format!("unusable RSA public key: {e}"))?;
        Ok(SigningKey {
            verifier,
            kid: format!("{created_at}-{}", foxden_crypto::to_hex(&fingerprint[..8])),
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
        files::write_private_atomically(path, der.as_ref())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Self::load(path)?.ok_or_else(|| format!("{} vanished", path.display()))
    }

    /// The modulus (big-endian, no leading zeros).
    pub fn n(&self) -> &[u8] {
        &self.n
    }

    /// The public exponent (big-endian, no leading zeros).
    pub fn e(&self) -> &[u8] {
        &self.e
    }

    /// The public key as a JWK (`n`, `e` base64url).
    pub fn jwk(&self) -> Jwk {
        Jwk {
            kty: "RSA".into(),
            alg: "RS256".into(),
            kid: self.kid.clone(),
            fxa_created_at: self.created_at / 1000,
            key_use: "sig".into(),
            n: URL_SAFE_NO_PAD.encode(&self.n),
            e: URL_SAFE_NO_PAD.encode(&self.e),
        }
    }

    /// A compact JWS (`RS256`, PKCS#1 v1.5 with SHA-256) of `header` and `payload`.
    pub fn sign_compact(
        &self,
        header: &impl Serialize,
        payload: &impl Serialize,
    ) -> Result<String, String> {
        let json = |e| format!("cannot encode a JWS part: {e}");
        let mut out = URL_SAFE_NO_PAD.encode(serde_json::to_vec(header).map_err(json)?);
        out.push('.');
        out.push_str(&URL_SAFE_NO_PAD.encode(serde_json::to_vec(payload).map_err(json)?));
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

    /// Whether `signature` is this key's RS256 signature of `message`.
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        self.verifier.verify_sig(message, signature).is_ok()
    }
}

impl KeyFiles {
    fn paths(&self, dir: &Path) -> (PathBuf, PathBuf) {
        (dir.join(self.current), dir.join(self.previous))
    }

    /// Loads the keys in `dir`, generating the current one on first start.
    pub fn load_or_create(&self, dir: &Path) -> Result<KeySet, String> {
        let (current_path, previous_path) = self.paths(dir);
        let current = match SigningKey::load(&current_path)? {
            Some(key) => key,
            None => SigningKey::generate(&current_path)?,
        };
        let previous = SigningKey::load(&previous_path)?;
        Ok(KeySet { current, previous })
    }

    /// Moves the current key to `previous` (dropping the older one) and generates a new current key.
    pub fn rotate(&self, dir: &Path) -> Result<KeySet, String> {
        let (current_path, previous_path) = self.paths(dir);
        if current_path.exists() {
            std::fs::rename(&current_path, &previous_path)
                .map_err(|e| format!("cannot move {}: {e}", current_path.display()))?;
        }
        SigningKey::generate(&current_path)?;
        self.load_or_create(dir)
    }
}

impl KeySet {
    /// The current key, then the previous one.
    pub fn keys(&self) -> impl Iterator<Item = &SigningKey> {
        std::iter::once(&self.current).chain(self.previous.as_ref())
    }

    /// The key named `kid`, current or previous.
    pub fn by_kid(&self, kid: &str) -> Option<&SigningKey> {
        self.keys().find(|key| key.kid == kid)
    }

    /// The public keys as JWKs, current first.
    pub fn jwks(&self) -> Vec<Jwk> {
        self.keys().map(SigningKey::jwk).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILES: KeyFiles = KeyFiles {
        current: "test-key.der",
        previous: "test-key.previous.der",
    };

    #[test]
    fn keys_are_created_reloaded_rotated_and_verify() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let first = FILES.load_or_create(dir.path()).unwrap();
        assert!(first.previous.is_none());
        assert_eq!(first.current.e(), [1, 0, 1]);
        assert_eq!(first.current.n().len(), 256);
        let mode = std::fs::metadata(dir.path().join(FILES.current))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let again = FILES.load_or_create(dir.path()).unwrap();
        assert_eq!(again.current.kid, first.current.kid);
        let rotated = FILES.rotate(dir.path()).unwrap();
        assert_eq!(rotated.previous.as_ref().unwrap().kid, first.current.kid);
        assert_ne!(rotated.current.kid, first.current.kid);
        let kids: Vec<String> = rotated.jwks().into_iter().map(|k| k.kid).collect();
        assert_eq!(
            kids,
            [rotated.current.kid.clone(), first.current.kid.clone()]
        );
        assert!(rotated.by_kid(&first.current.kid).is_some());
        assert!(rotated.by_kid("nope").is_none());

        let jws = rotated
            .current
            .sign_compact(
                &serde_json::json!({"alg": "RS256"}),
                &serde_json::json!({"a": 1}),
            )
            .unwrap();
        let (input, sig) = jws.rsplit_once('.').unwrap();
        let sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
        assert!(rotated.current.verifies(input.as_bytes(), &sig));
        assert!(!rotated
            .previous
            .as_ref()
            .unwrap()
            .verifies(input.as_bytes(), &sig));
        assert!(!rotated.current.verifies(b"other", &sig));
        // An implementation other than the key pair's: the public numbers alone.
        let public = aws_lc_rs::signature::RsaPublicKeyComponents {
            n: rotated.current.n(),
            e: rotated.current.e(),
        };
        public
            .verify(&RSA_PKCS1_2048_8192_SHA256, input.as_bytes(), &sig)
            .unwrap();
    }
}
