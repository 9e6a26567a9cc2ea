//! Hawk 1 with SHA-256 (PROTOCOL §4.1): server-side parsing and MAC checks, client signing.
//!
//! FxA ignores `ts` skew and nonces; those policies belong to the server, not here.
//! `app`/`dlg` are parsed (Hawk allows them) but FxA clients never send them and [`mac`]
//! does not cover them, so a header carrying `app` will not verify.

mod parse;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub use parse::{parse_header, HawkParseError, MAX_HEADER_LEN};

/// The attributes of a parsed `Authorization: Hawk …` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HawkHeader {
    pub id: String,
    pub ts: i64,
    pub nonce: String,
    pub mac: String,
    pub hash: Option<String>,
    pub ext: Option<String>,
    pub app: Option<String>,
    pub dlg: Option<String>,
}

impl HawkHeader {
    /// The MAC this header should carry for `req` under `key` (uses the header's own
    /// ts, nonce, hash and ext). Compare it with [`verify_mac`].
    pub fn expected_mac(&self, key: &[u8], req: &RequestParts<'_>) -> String {
        mac(
            key,
            self.ts,
            &self.nonce,
            req,
            self.hash.as_deref(),
            self.ext.as_deref(),
        )
    }
}

/// The request fields the MAC covers. `host` and `port` are the server's public ones
/// (FxA takes them from `publicUrl`, not from the Host header).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestParts<'a> {
    pub method: &'a str,
    /// Path plus `?query`, exactly as sent.
    pub resource: &'a str,
    pub host: &'a str,
    pub port: u16,
}

/// The Hawk 1 normalized header string. `ext` is escaped as the spec requires
/// (`\` → `\\`, newline → `\n`); a parsed header's ext never contains either.
fn normalized(
    ts: i64,
    nonce: &str,
    req: &RequestParts<'_>,
    hash: Option<&str>,
    ext: Option<&str>,
) -> String {
    let ext = ext.unwrap_or("");
    let mut s =
        String::with_capacity(64 + nonce.len() + req.resource.len() + req.host.len() + ext.len());
    use std::fmt::Write as _;
    let _ = write!(
        s,
        "hawk.1.header\n{ts}\n{nonce}\n{}\n{}\n{}\n{}\n{}\n",
        req.method.to_uppercase(),
        req.resource,
        req.host.to_lowercase(),
        req.port,
        hash.unwrap_or(""),
    );
    for c in ext.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s.push('\n');
    s
}

/// Base64 of HMAC-SHA256(key, normalized header string).
pub fn mac(
    key: &[u8],
    header_ts: i64,
    nonce: &str,
    req: &RequestParts<'_>,
    hash_b64: Option<&str>,
    ext: Option<&str>,
) -> String {
    let text = normalized(header_ts, nonce, req, hash_b64, ext);
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(text.as_bytes());
    B64.encode(m.finalize().into_bytes())
}

/// Base64 of SHA-256(`"hawk.1.payload\n" + mime + "\n" + body + "\n"`), where `mime` is the
/// content type without parameters, trimmed and lowercased.
pub fn payload_hash(content_type: &str, body: &[u8]) -> String {
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_lowercase();
    let mut h = Sha256::new();
    h.update(b"hawk.1.payload\n");
    h.update(mime.as_bytes());
    h.update(b"\n");
    h.update(body);
    h.update(b"\n");
    B64.encode(h.finalize())
}

/// Constant-time comparison of two base64 MACs (or payload hashes), as strings.
pub fn verify_mac(expected_b64: &str, got_b64: &str) -> bool {
    crate::ct_eq(expected_b64.as_bytes(), got_b64.as_bytes())
}

/// A complete client `Authorization` value:
/// `Hawk id="…", ts="…", nonce="…"[, hash="…"], mac="…"`.
/// `payload` = `(content type, body)`; when given, its hash is included and signed.
pub fn client_header(
    id_hex: &str,
    key: &[u8],
    ts: i64,
    nonce: &str,
    req: &RequestParts<'_>,
    payload: Option<(&str, &[u8])>,
) -> String {
    let hash = payload.map(|(ct, body)| payload_hash(ct, body));
    let m = mac(key, ts, nonce, req, hash.as_deref(), None);
    match hash {
        Some(h) => {
            format!(r#"Hawk id="{id_hex}", ts="{ts}", nonce="{nonce}", hash="{h}", mac="{m}""#)
        }
        None => format!(r#"Hawk id="{id_hex}", ts="{ts}", nonce="{nonce}", mac="{m}""#),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalized_string_shape() {
        let req = RequestParts {
            method: "post",
            resource: "/v1/x?a=1",
            host: "Example.COM",
            port: 443,
        };
        assert_eq!(
            normalized(5, "n", &req, Some("h"), Some("a\\b\nc")),
            "hawk.1.header\n5\nn\nPOST\n/v1/x?a=1\nexample.com\n443\nh\na\\\\b\\nc\n"
        );
        assert_eq!(
            normalized(5, "n", &req, None, None),
            "hawk.1.header\n5\nn\nPOST\n/v1/x?a=1\nexample.com\n443\n\n\n"
        );
    }

    #[test]
    fn verify_mac_cases() {
        assert!(verify_mac("abc=", "abc="));
        assert!(!verify_mac("abc=", "abd="));
        assert!(!verify_mac("abc=", "abc"));
        assert!(!verify_mac("abc=", ""));
    }
}
