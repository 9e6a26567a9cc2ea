//! The protocol's context strings: `KW(name)` and `KWE(name, email)` (PROTOCOL §1).

/// Prefix of every info / salt string in the onepw protocol.
pub const PREFIX: &str = "identity.mozilla.com/picl/v1/";

/// `KW(name)` = UTF-8 of `"identity.mozilla.com/picl/v1/" + name`.
pub fn kw(name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(PREFIX.len() + name.len());
    out.extend_from_slice(PREFIX.as_bytes());
    out.extend_from_slice(name.as_bytes());
    out
}

/// `KWE(name, email)` = UTF-8 of `"identity.mozilla.com/picl/v1/" + name + ":" + email`.
/// The email is used exactly as given (no case folding, no normalization).
pub fn kwe(name: &str, email: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(PREFIX.len() + name.len() + 1 + email.len());
    out.extend_from_slice(PREFIX.as_bytes());
    out.extend_from_slice(name.as_bytes());
    out.push(b':');
    out.extend_from_slice(email.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kw_strings() {
        assert_eq!(kw("authPW"), b"identity.mozilla.com/picl/v1/authPW");
        assert_eq!(
            kwe("quickStretch", "a@b"),
            b"identity.mozilla.com/picl/v1/quickStretch:a@b"
        );
    }

    #[test]
    fn kwe_firefox_vector() {
        // Firefox test_credentials.js
        assert_eq!(
            hex::encode(kwe("quickStretch", "francine@example.org")),
            "6964656e746974792e6d6f7a696c6c612e636f6d2f7069636c2f76312f717569636b537472657463683a6672616e63696e65406578616d706c652e6f7267"
        );
    }
}
