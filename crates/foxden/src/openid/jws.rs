//! Compact JWS (RFC 7515) as foxden's JWTs use it: RS256 only, the key chosen
//! by the header's `kid` among a [`KeySet`]'s current and previous keys.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::signing_keys::KeySet;

/// Longest token looked at (a foxden JWT is well under 2 KiB).
const MAX_TOKEN_LEN: usize = 8 * 1024;

/// A JWS header: `alg`, `typ` and `kid`, in the order Mozilla's tokens have them.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Header {
    pub alg: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
    pub kid: String,
    /// Extensions the verifier must understand (RFC 7515 §4.1.11): foxden
    /// understands none, so a token naming any is refused.
    #[serde(default, skip_serializing)]
    pub crit: Option<serde_json::Value>,
}

/// A media type as RFC 7515 §4.1.9 compares `typ`: case-insensitive, with an
/// implied `application/` prefix.
pub(crate) fn normalize_typ(typ: &str) -> String {
    let typ = typ.to_ascii_lowercase();
    if typ.contains('/') {
        typ
    } else {
        format!("application/{typ}")
    }
}

/// Signs `payload` with the set's current key under `{alg: RS256, typ, kid}`.
pub(crate) fn sign(keys: &KeySet, typ: &str, payload: &impl Serialize) -> Result<String, String> {
    let header = Header {
        alg: "RS256".into(),
        typ: Some(typ.into()),
        kid: keys.current.kid.clone(),
        crit: None,
    };
    keys.current.sign_compact(&header, payload)
}

/// The payload of `token` when its RS256 signature is by one of `keys` (named by
/// `kid`) and its `typ` is `typ` (RFC 7515 comparison); `None` otherwise.
pub(crate) fn verify<T: DeserializeOwned>(keys: &KeySet, token: &str, typ: &str) -> Option<T> {
    if token.len() > MAX_TOKEN_LEN {
        return None;
    }
    let mut parts = token.split('.');
    let (header_b64, payload_b64, signature_b64) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: Header = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header_b64).ok()?).ok()?;
    if header.crit.is_some()
        || header.alg != "RS256"
        || normalize_typ(header.typ.as_deref()?) != normalize_typ(typ)
    {
        return None;
    }
    let key = keys.by_kid(&header.kid)?;
    let signature = URL_SAFE_NO_PAD.decode(signature_b64).ok()?;
    let signed = &token[..header_b64.len() + 1 + payload_b64.len()];
    if !key.verifies(signed.as_bytes(), &signature) {
        return None;
    }
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload_b64).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typ_compares_as_a_media_type() {
        assert_eq!(normalize_typ("at+JWT"), "application/at+jwt");
        assert_eq!(normalize_typ("application/AT+jwt"), "application/at+jwt");
        assert_eq!(normalize_typ("JWT"), "application/jwt");
    }

    #[test]
    fn only_rs256_by_a_known_kid_with_the_typ_and_no_crit_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let files = crate::signing_keys::KeyFiles {
            current: "k.der",
            previous: "k.previous.der",
        };
        let keys = files.load_or_create(dir.path()).unwrap();
        let payload = serde_json::json!({"sub": "x"});
        let token = sign(&keys, "at+JWT", &payload).unwrap();
        assert_eq!(
            verify::<serde_json::Value>(&keys, &token, "at+jwt"),
            Some(payload.clone())
        );
        assert!(verify::<serde_json::Value>(&keys, &token, "JWT").is_none());
        let kid = keys.current.kid.as_str();
        let with = |header: serde_json::Value| {
            let token = keys.current.sign_compact(&header, &payload).unwrap();
            verify::<serde_json::Value>(&keys, &token, "at+JWT")
        };
        assert!(with(serde_json::json!({"alg": "RS256", "typ": "at+JWT", "kid": kid})).is_some());
        assert!(with(
            serde_json::json!({"alg": "RS256", "typ": "at+JWT", "kid": kid, "crit": ["exp"]})
        )
        .is_none());
        assert!(with(serde_json::json!({"alg": "RS512", "typ": "at+JWT", "kid": kid})).is_none());
        assert!(with(serde_json::json!({"alg": "RS256", "kid": kid})).is_none());
        assert!(
            with(serde_json::json!({"alg": "RS256", "typ": "at+JWT", "kid": "other"})).is_none()
        );
        assert!(with(serde_json::json!({"alg": "RS256", "typ": "at+JWT"})).is_none());
        assert!(
            verify::<serde_json::Value>(&keys, &"a".repeat(MAX_TOKEN_LEN + 1), "at+JWT").is_none()
        );
    }
}
