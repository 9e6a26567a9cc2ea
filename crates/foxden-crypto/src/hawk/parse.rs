//! `Authorization: Hawk …` parsing with the Hawk library's rules
//! (`utils.parseAuthorizationHeader` plus the server's required-attribute check).

use super::HawkHeader;

/// Hawk's `limits.maxMatchLength`: longer headers are rejected before any parsing.
pub const MAX_HEADER_LEN: usize = 4096;

const KEYS: [&str; 8] = ["id", "ts", "nonce", "hash", "ext", "mac", "app", "dlg"];

/// Why a Hawk header was rejected. [`WrongScheme`](Self::WrongScheme) means "not Hawk at all"
/// (try another auth strategy); the rest are malformed Hawk headers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HawkParseError {
    #[error("header length too long")]
    TooLong,
    #[error("invalid header syntax")]
    InvalidSyntax,
    #[error("authorization scheme is not Hawk")]
    WrongScheme,
    #[error("bad header format")]
    BadFormat,
    #[error("unknown attribute: {0}")]
    UnknownAttribute(String),
    #[error("bad attribute value: {0}")]
    BadAttributeValue(String),
    #[error("duplicate attribute: {0}")]
    DuplicateAttribute(String),
    #[error("missing attribute: {0}")]
    MissingAttribute(&'static str),
    #[error("invalid timestamp")]
    InvalidTimestamp,
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Hawk's allowed value characters: printable ASCII except `"` and `\`.
fn is_value_char(b: u8) -> bool {
    (0x20..=0x7e).contains(&b) && b != b'"' && b != b'\\'
}

fn skip_spaces(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    i
}

/// Parses a full header value such as `Hawk id="…", ts="…", nonce="…", mac="…"`.
/// The scheme word is case-insensitive. Attributes must be `name="value"` separated by
/// commas; unknown or duplicate names, empty values, disallowed characters, headers over
/// [`MAX_HEADER_LEN`] bytes and a missing `id`, `ts`, `nonce` or `mac` are rejected.
/// `ts` must be a canonical non-negative decimal (no sign, no leading zeros), so that
/// re-formatting it for the MAC reproduces the client's text.
pub fn parse_header(value: &str) -> Result<HawkHeader, HawkParseError> {
    use HawkParseError as E;
    if value.len() > MAX_HEADER_LEN {
        return Err(E::TooLong);
    }
    let s = value.as_bytes();
    let scheme_end = s.iter().position(|&b| !is_word(b)).unwrap_or(s.len());
    if scheme_end == 0 || (scheme_end < s.len() && !is_space(s[scheme_end])) {
        return Err(E::InvalidSyntax);
    }
    if !value[..scheme_end].eq_ignore_ascii_case("hawk") {
        return Err(E::WrongScheme);
    }
    let mut i = skip_spaces(s, scheme_end);
    if i == s.len() {
        return Err(E::InvalidSyntax);
    }
    let mut attrs: [Option<&str>; 8] = [None; 8];
    while i < s.len() {
        // name
        let name_start = i;
        while i < s.len() && is_word(s[i]) {
            i += 1;
        }
        let name = &value[name_start..i];
        if name.is_empty() || s.get(i) != Some(&b'=') || s.get(i + 1) != Some(&b'"') {
            return Err(E::BadFormat);
        }
        i += 2;
        // value: anything up to the closing quote except `"` and `\`
        let val_start = i;
        while i < s.len() && s[i] != b'"' && s[i] != b'\\' {
            i += 1;
        }
        if s.get(i) != Some(&b'"') {
            return Err(E::BadFormat);
        }
        let val = &value[val_start..i];
        i = skip_spaces(s, i + 1);
        // separator: a comma (then spaces), or the end of the header
        if i < s.len() {
            if s[i] != b',' {
                return Err(E::BadFormat);
            }
            i = skip_spaces(s, i + 1);
        }
        let slot = KEYS
            .iter()
            .position(|k| *k == name)
            .ok_or_else(|| E::UnknownAttribute(name.to_owned()))?;
        if val.is_empty() || !val.bytes().all(is_value_char) {
            return Err(E::BadAttributeValue(name.to_owned()));
        }
        if attrs[slot].replace(val).is_some() {
            return Err(E::DuplicateAttribute(name.to_owned()));
        }
    }
    let [id, ts, nonce, hash, ext, mac, app, dlg] = attrs;
    let need =
        |v: Option<&str>, n: &'static str| v.map(str::to_owned).ok_or(E::MissingAttribute(n));
    let id = need(id, "id")?;
    let ts = parse_ts(ts.ok_or(E::MissingAttribute("ts"))?)?;
    Ok(HawkHeader {
        id,
        ts,
        nonce: need(nonce, "nonce")?,
        mac: need(mac, "mac")?,
        hash: hash.map(str::to_owned),
        ext: ext.map(str::to_owned),
        app: app.map(str::to_owned),
        dlg: dlg.map(str::to_owned),
    })
}

fn parse_ts(ts: &str) -> Result<i64, HawkParseError> {
    let canonical = !ts.is_empty()
        && ts.bytes().all(|b| b.is_ascii_digit())
        && (ts == "0" || !ts.starts_with('0'));
    if !canonical {
        return Err(HawkParseError::InvalidTimestamp);
    }
    ts.parse().map_err(|_| HawkParseError::InvalidTimestamp)
}
