//! The VAPID key (RFC 8292): a P-256 key pair in the data folder
//! (`vapid-key.der`, PKCS#8, mode 0600), generated on first start, that signs a
//! short-lived ES256 JWT for each push so the push service knows who sends it.
//!
//! Claims: `aud` the origin of the push endpoint, `exp` 12 hours ahead (RFC 8292
//! allows at most 24), `sub` the public URL when it is `https:` (RFC 8292 wants an
//! `https:` or `mailto:` URI; an `http:` public URL, as in a test setup, is left out,
//! which RFC 8292 permits: `sub` is a SHOULD).

use std::io;
use std::path::Path;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_FIXED_SIGNING};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;

use crate::files;

/// The key file's name inside the data folder.
pub const KEY_FILE: &str = "vapid-key.der";
/// How long a VAPID JWT is valid.
pub const JWT_LIFETIME_SECS: i64 = 12 * 60 * 60;

pub struct VapidKey {
    pair: EcdsaKeyPair,
    /// The uncompressed public key, base64url (the header's `k=`).
    public_b64: String,
    subject: Option<String>,
}

#[derive(Serialize)]
struct Claims<'a> {
    aud: &'a str,
    exp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub: Option<&'a str>,
}

impl std::fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VapidKey")
            .field("public", &self.public_b64)
            .finish_non_exhaustive()
    }
}

impl VapidKey {
    /// Reads `<data dir>/vapid-key.der`, creating it (mode 0600) on first use.
    pub fn load_or_create(data_dir: &Path, public_url: &url::Url) -> Result<Self, String> {
        let path = data_dir.join(KEY_FILE);
        let der = match std::fs::read(&path) {
            Ok(der) => {
                files::make_private(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                der
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
                    .map_err(|_| "cannot generate the VAPID key".to_string())?;
                let der = pair
                    .to_pkcs8v1()
                    .map_err(|_| "cannot encode the VAPID key".to_string())?;
                files::write_private_atomically(&path, der.as_ref())
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                der.as_ref().to_vec()
            }
            Err(err) => return Err(format!("cannot read {}: {err}", path.display())),
        };
        Self::from_pkcs8(&der, public_url).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn from_pkcs8(der: &[u8], public_url: &url::Url) -> Result<Self, String> {
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der)
            .map_err(|_| "not a P-256 PKCS#8 key".to_string())?;
        let public_b64 = URL_SAFE_NO_PAD.encode(pair.public_key().as_ref());
        let subject = (public_url.scheme() == "https")
            .then(|| public_url.as_str().trim_end_matches('/').to_string());
        Ok(VapidKey {
            pair,
            public_b64,
            subject,
        })
    }

    /// The public key (uncompressed point), base64url: what `k=` carries and
    /// what a push service pins a subscription to.
    pub fn public_key(&self) -> &str {
        &self.public_b64
    }

    /// The `sub` claim, when the public URL is `https:`.
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }

    /// The `Authorization` header value for a push to `endpoint` at `now_secs`:
    /// `vapid t=<JWT>, k=<public key>`. `None` if the endpoint has no origin.
    pub fn authorization(&self, endpoint: &url::Url, now_secs: i64) -> Option<String> {
        let origin = endpoint.origin();
        if !origin.is_tuple() {
            return None;
        }
        let aud = origin.ascii_serialization();
        let claims = Claims {
            aud: &aud,
            exp: now_secs + JWT_LIFETIME_SECS,
            sub: self.subject(),
        };
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).ok()?);
        let signing_input = format!("{header}.{claims}");
        let signature = self
            .pair
            .sign(&SystemRandom::new(), signing_input.as_bytes())
            .ok()?;
        let signature = URL_SAFE_NO_PAD.encode(signature.as_ref());
        Some(format!(
            "vapid t={signing_input}.{signature}, k={}",
            self.public_b64
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};

    #[test]
    fn key_is_created_private_and_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let url = url::Url::parse("https://accounts.example.org/").unwrap();
        let a = VapidKey::load_or_create(dir.path(), &url).unwrap();
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let b = VapidKey::load_or_create(dir.path(), &url).unwrap();
        assert_eq!(a.public_key(), b.public_key());
        assert_eq!(URL_SAFE_NO_PAD.decode(a.public_key()).unwrap().len(), 65);
        std::fs::write(dir.path().join(KEY_FILE), b"junk").unwrap();
        assert!(VapidKey::load_or_create(dir.path(), &url).is_err());
    }

    #[test]
    fn header_carries_a_verifiable_es256_jwt() {
        let dir = tempfile::tempdir().unwrap();
        let url = url::Url::parse("https://accounts.example.org/").unwrap();
        let key = VapidKey::load_or_create(dir.path(), &url).unwrap();
        let endpoint = url::Url::parse("https://push.example.net:8443/wpush/v2/abc?x=1").unwrap();
        let header = key.authorization(&endpoint, 1_700_000_000).unwrap();
        let rest = header.strip_prefix("vapid t=").unwrap();
        let (jwt, k) = rest.split_once(", k=").unwrap();
        assert_eq!(k, key.public_key());
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(
            claims,
            serde_json::json!({
                "aud": "https://push.example.net:8443",
                "exp": 1_700_000_000 + JWT_LIFETIME_SECS,
                "sub": "https://accounts.example.org",
            })
        );
        let public = URL_SAFE_NO_PAD.decode(k).unwrap();
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &public)
            .verify(
                format!("{}.{}", parts[0], parts[1]).as_bytes(),
                &URL_SAFE_NO_PAD.decode(parts[2]).unwrap(),
            )
            .unwrap();
        // An http public URL is no valid subject: the claim is left out.
        let plain = url::Url::parse("http://127.0.0.1:9000/").unwrap();
        let key = VapidKey::load_or_create(dir.path(), &plain).unwrap();
        assert_eq!(key.subject(), None);
        let header = key.authorization(&endpoint, 0).unwrap();
        let jwt = header.strip_prefix("vapid t=").unwrap();
        let claims = jwt.split('.').nth(1).unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
        assert!(claims.get("sub").is_none());
    }
}
