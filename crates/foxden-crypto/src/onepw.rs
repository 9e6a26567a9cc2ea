//! Client side of the onepw protocol (PROTOCOL §2.1, §2.2).
//!
//! The server never runs these on a request path; they serve our test client and
//! interoperability checks.

use pbkdf2::pbkdf2_hmac;
use sha2::Sha256;
use zeroize::Zeroize;

use crate::hkdf::derive32;
use crate::kw::{kwe, PREFIX};

/// PBKDF2 iterations of the V1 "quickStretch".
pub const V1_ITERATIONS: u32 = 1000;
/// PBKDF2 iterations of the V2 stretch.
pub const V2_ITERATIONS: u32 = 650_000;
/// Prefix of a V2 clientSalt; the client appends 32 lowercase hex characters.
pub const CLIENT_SALT_V2_PREFIX: &str = "identity.mozilla.com/picl/v1/quickStretchV2:";
/// The V1 marker that Mozilla's clientSalt validator also accepts.
const CLIENT_SALT_V1_PREFIX: &str = "identity.mozilla.com/picl/v1/quickStretch:";
/// `accounts.clientSalt` is a `VARCHAR(128)`.
pub const CLIENT_SALT_MAX_LEN: usize = 128;

fn pbkdf2_32(password: &str, salt: &[u8], rounds: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    pbkdf2_hmac::<Sha256>(password.as_bytes(), salt, rounds, &mut out);
    out
}

/// V1: `PBKDF2-HMAC-SHA256(password, KWE("quickStretch", email), 1000, 32)`.
/// The email is used exactly as given (it must be the one the account was created with).
pub fn quick_stretch_v1(password: &str, email: &str) -> [u8; 32] {
    pbkdf2_32(password, &kwe("quickStretch", email), V1_ITERATIONS)
}

/// V2: `PBKDF2-HMAC-SHA256(password, clientSalt as UTF-8 text, 650000, 32)`.
pub fn stretch_v2(password: &str, client_salt: &str) -> [u8; 32] {
    pbkdf2_32(password, client_salt.as_bytes(), V2_ITERATIONS)
}

/// `authPW = HKDF(stretched, KW("authPW"), 32)`: the value sent to the server.
pub fn auth_pw(stretched: &[u8; 32]) -> [u8; 32] {
    derive32(stretched, "authPW")
}

/// `unwrapBKey = HKDF(stretched, KW("unwrapBkey"), 32)` (lowercase `k`).
pub fn unwrap_bkey(stretched: &[u8; 32]) -> [u8; 32] {
    derive32(stretched, "unwrapBkey")
}

/// A fresh V2 clientSalt: the prefix plus the hex of 16 random bytes.
pub fn new_client_salt() -> String {
    let mut raw = crate::random::bytes::<16>();
    let salt = format!("{CLIENT_SALT_V2_PREFIX}{}", hex::encode(raw));
    raw.zeroize();
    salt
}

/// The server's clientSalt validator: Mozilla's regex only anchors the prefix
/// (`quickStretch:` or `quickStretchV2:`); we also bound the length to the DB column.
pub fn is_valid_client_salt(s: &str) -> bool {
    debug_assert!(CLIENT_SALT_V2_PREFIX.starts_with(PREFIX));
    s.len() <= CLIENT_SALT_MAX_LEN
        && (s.starts_with(CLIENT_SALT_V2_PREFIX) || s.starts_with(CLIENT_SALT_V1_PREFIX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_salt_validator() {
        let good = "identity.mozilla.com/picl/v1/quickStretchV2:c2dc400c9cc1a93dd3cd3af1b05ebd60";
        assert!(is_valid_client_salt(good));
        assert!(is_valid_client_salt(
            "identity.mozilla.com/picl/v1/quickStretch:abc"
        ));
        assert!(is_valid_client_salt(CLIENT_SALT_V2_PREFIX));
        assert!(!is_valid_client_salt(""));
        assert!(!is_valid_client_salt(
            "identity.mozilla.com/picl/v1/quickStretch"
        ));
        assert!(!is_valid_client_salt(
            "identity.mozilla.com/picl/v1/quickStretchV3:ab"
        ));
        assert!(!is_valid_client_salt(
            "xidentity.mozilla.com/picl/v1/quickStretchV2:ab"
        ));
        assert!(!is_valid_client_salt(
            "IDENTITY.mozilla.com/picl/v1/quickStretchV2:ab"
        ));
        let long = format!("{CLIENT_SALT_V2_PREFIX}{}", "a".repeat(CLIENT_SALT_MAX_LEN));
        assert!(!is_valid_client_salt(&long));
        let edge = format!(
            "{CLIENT_SALT_V2_PREFIX}{}",
            "a".repeat(CLIENT_SALT_MAX_LEN - CLIENT_SALT_V2_PREFIX.len())
        );
        assert!(is_valid_client_salt(&edge));
    }

    #[test]
    fn new_client_salt_shape() {
        let s = new_client_salt();
        assert!(is_valid_client_salt(&s));
        let suffix = &s[CLIENT_SALT_V2_PREFIX.len()..];
        assert_eq!(suffix.len(), 32);
        assert!(suffix
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_ne!(s, new_client_salt());
    }
}
