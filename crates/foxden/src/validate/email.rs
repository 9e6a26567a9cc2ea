//! Email addresses exactly as Mozilla's auth-server accepts them
//! (`validators.email()`, PROTOCOL §17.6):
//!
//! 1. at most 255 UTF-16 code units, every one "display-safe": no C0/C1 controls,
//!    DEL, U+2028/2029, surrogates (so nothing outside the BMP: no emoji),
//!    private use (U+E000–F8FF), U+FFF9–FFFC or U+FFFE/FFFF;
//! 2. exactly one `@`, and a domain part of at most 255 units;
//! 3. the local part, punycoded label by label as punycode.js's `toASCII` does,
//!    is 1–64 of `A-Z a-z 0-9 . ! # $ % & ' * + / = ? ^ _ \` { | } ~ -`;
//! 4. the domain, punycoded the same way, is two or more dot-separated labels of
//!    letters, digits and inner hyphens.
//!
//! punycode.js encodes code points as they are: no case folding, no Unicode
//! normalization, no IDNA mapping or disallowed-character table. So Mozilla
//! accepts, perhaps surprisingly:
//! * invisible and bidi-control characters anywhere: a zero-width space
//!   (U+200B), zero-width joiners, a right-to-left override (U+202E), U+FEFF;
//! * fullwidth forms (`ａ@ｂ.com`), ideographic and no-break spaces (U+3000,
//!   U+00A0) and other non-ASCII punctuation, in the local part and the domain;
//! * dots anywhere in the local part (`.a`, `a.`, `a..b`), and a local part
//!   longer than 64 characters is refused only when its punycode is;
//! * the ideographic full stops U+3002, U+FF0E and U+FF61 as label separators,
//!   and purely numeric top-level labels (`a@1.2`).
//!
//! Such an address is accepted here as there; whether it can be mailed is the
//! mailer's question (`mail::recipient`), and when it cannot the request fails
//! with errno 151, as Mozilla's does, leaving nothing behind.

use serde::de::{self, Deserializer};
use serde::Deserialize;

/// Mozilla's limit on the whole address and on its domain part, in UTF-16 units.
const MAX_UNITS: usize = 255;
/// Mozilla's limit on the punycoded local part.
const MAX_LOCAL: usize = 64;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(pub String);

impl Email {
    pub fn parse(s: &str) -> Option<Self> {
        if s.is_empty() || utf16_len(s) > MAX_UNITS || !s.chars().all(display_safe) {
            return None;
        }
        let mut parts = s.split('@');
        let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
            return None;
        };
        if utf16_len(domain) > MAX_UNITS {
            return None;
        }
        let local_ok = to_ascii(local).is_some_and(|l| is_local_part(&l));
        let domain_ok = to_ascii(domain).is_some_and(|d| is_domain(&d));
        (local_ok && domain_ok).then(|| Email(s.to_string()))
    }

    /// FxA's normalization: lower-case (no Unicode normalization).
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Email::parse(&s).ok_or_else(|| de::Error::custom("invalid email address"))
    }
}

fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// `DISPLAY_SAFE_UNICODE`: a character outside every excluded range. Characters
/// above U+FFFF are two surrogates in JavaScript, and surrogates are excluded.
fn display_safe(c: char) -> bool {
    !matches!(c as u32,
        0x0000..=0x001F | 0x007F..=0x009F | 0x2028..=0x2029 | 0xD800..=0xDFFF
        | 0xE000..=0xF8FF | 0xFFF9..=0xFFFC | 0xFFFE..=0xFFFF | 0x1_0000..)
}

/// punycode.js `toASCII`: the ideographic full stops become `.`, and each label
/// with a non-ASCII character becomes `xn--` + its punycode (code points as they
/// are, basic ones copied, case kept). `None` only on punycode overflow, which
/// punycode.js reports by throwing (the address is then refused).
fn to_ascii(part: &str) -> Option<String> {
    let dotted: String = part
        .chars()
        .map(|c| match c {
            '\u{3002}' | '\u{FF0E}' | '\u{FF61}' => '.',
            c => c,
        })
        .collect();
    let labels: Option<Vec<String>> = dotted
        .split('.')
        .map(|label| {
            if label.is_ascii() {
                Some(label.to_string())
            } else {
                idna::punycode::encode_str(label).map(|p| format!("xn--{p}"))
            }
        })
        .collect();
    Some(labels?.join("."))
}

/// `^[A-Z0-9.!#$%&'*+/=?^_\`{|}~-]{1,64}$`, case-insensitive.
fn is_local_part(ascii: &str) -> bool {
    (1..=MAX_LOCAL).contains(&ascii.len())
        && ascii
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~.-".contains(&b))
}

/// `^[A-Z0-9](?:[A-Z0-9-]{0,253}[A-Z0-9])?(?:\.[A-Z0-9](?:[A-Z0-9-]{0,253}[A-Z0-9])?)+$`,
/// case-insensitive: two or more labels of 1–255 characters that start and end
/// with a letter or digit and otherwise hold letters, digits and hyphens.
fn is_domain(ascii: &str) -> bool {
    let label_ok = |label: &str| {
        let bytes = label.as_bytes();
        match (bytes.first(), bytes.last()) {
            (Some(first), Some(last)) => {
                bytes.len() <= 255
                    && first.is_ascii_alphanumeric()
                    && last.is_ascii_alphanumeric()
                    && bytes
                        .iter()
                        .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
            }
            _ => false,
        }
    };
    let labels: Vec<&str> = ascii.split('.').collect();
    labels.len() >= 2 && labels.into_iter().all(label_ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Addresses Mozilla's validator accepts (each with the reason).
    const ACCEPTED: &[(&str, &str)] = &[
        ("a@b.co", "plain"),
        ("PyFxATester@restmail.net", "mixed case"),
        ("x+y@sub.example.com", "plus and subdomain"),
        (
            "!#$%&'*+/=?^_`{|}~-@example.com",
            "every special of the local part",
        ),
        (".a@example.com", "leading dot"),
        ("a.@example.com", "trailing dot"),
        ("a..b@example.com", "consecutive dots"),
        ("andré@example.org", "non-ASCII local part"),
        ("user@bücher.de", "IDN domain"),
        ("用户@例子.广告", "CJK local part and domain"),
        ("user@例子。广告", "ideographic full stop separates labels"),
        ("user@example.123", "numeric top-level label"),
        ("user@a-b.c-d", "inner hyphens"),
        (
            "a\u{200B}b@example.com",
            "zero-width space in the local part",
        ),
        ("user@exa\u{200B}mple.com", "zero-width space in the domain"),
        ("a\u{202E}b@example.com", "right-to-left override"),
        ("\u{FF41}@\u{FF42}.com", "fullwidth ａ@ｂ.com"),
        ("a\u{00A0}b@example.com", "no-break space"),
        ("a\u{3000}b@example.com", "ideographic space"),
        ("\u{FFFD}@example.com", "replacement character"),
    ];

    /// Addresses Mozilla's validator refuses (each with the reason).
    const REJECTED: &[(&str, &str)] = &[
        ("", "empty"),
        ("ab.co", "no @"),
        ("a@b@c.co", "two @"),
        ("\"a@b\"@c.co", "quoted @ still splits in three"),
        ("@b.co", "empty local part"),
        ("a@", "empty domain"),
        ("user@localhost", "one label"),
        ("a@.co", "empty first label"),
        ("a@b..co", "empty inner label"),
        ("a@b.co.", "trailing dot"),
        ("a@-b.co", "label starts with a hyphen"),
        ("a@b-.co", "label ends with a hyphen"),
        ("a@b_c.co", "underscore in the domain"),
        ("a b@c.co", "space in the local part"),
        ("a(b)@c.co", "parentheses"),
        ("a\"b@c.co", "quote"),
        ("a,b@c.co", "comma"),
        ("a@b.co\n", "newline"),
        ("a\u{0}@b.co", "NUL"),
        ("a\u{1B}@b.co", "escape"),
        ("a\u{7F}@b.co", "DEL"),
        ("a\u{85}@b.co", "C1 control"),
        ("a\u{2028}@b.co", "line separator"),
        ("a\u{E000}@b.co", "private use"),
        ("a\u{FFFE}@b.co", "noncharacter"),
        ("a\u{FFFC}@b.co", "object replacement"),
        ("\u{1F98A}@example.com", "emoji (outside the BMP)"),
        ("user@\u{1F98A}.com", "emoji in the domain"),
        ("a\u{1D400}@b.co", "mathematical bold A (outside the BMP)"),
        ("a\"ü@b.co", "ASCII punctuation survives punycode"),
        ("a@b\u{00E9}_.co", "underscore in an IDN label"),
    ];

    #[test]
    fn mozilla_accepts() {
        for (address, why) in ACCEPTED {
            assert!(Email::parse(address).is_some(), "{why}: {address:?}");
        }
    }

    #[test]
    fn mozilla_rejects() {
        for (address, why) in REJECTED {
            assert!(Email::parse(address).is_none(), "{why}: {address:?}");
        }
    }

    #[test]
    fn local_part_is_limited_to_64_after_punycode() {
        assert!(Email::parse(&format!("{}@b.co", "a".repeat(64))).is_some());
        assert!(Email::parse(&format!("{}@b.co", "a".repeat(65))).is_none());
        // Only 30 characters, but `xn--` plus their punycode is 72.
        let cjk = |n: u32| -> String {
            (0..n)
                .map(|i| char::from_u32(0x4E00 + i * 37).unwrap())
                .collect()
        };
        assert_eq!(to_ascii(&cjk(30)).unwrap().len(), 72);
        assert!(Email::parse(&format!("{}@b.co", cjk(30))).is_none());
        assert_eq!(to_ascii(&cjk(25)).unwrap().len(), 57);
        assert!(Email::parse(&format!("{}@b.co", cjk(25))).is_some());
    }

    #[test]
    fn whole_address_is_limited_to_255_units() {
        // 64 + 1 + 186 + 4 = 255.
        let at_limit = format!("{}@{}.com", "a".repeat(64), "b".repeat(186));
        assert_eq!(at_limit.len(), 255);
        assert!(Email::parse(&at_limit).is_some());
        let over = format!("{}@{}.com", "a".repeat(64), "b".repeat(187));
        assert!(Email::parse(&over).is_none());
        // Units, not bytes: 120 two-byte characters in the domain count 120.
        let wide = format!("{}@{}.de", "a".repeat(60), "ü".repeat(120));
        assert!(wide.len() > 255 && utf16_len(&wide) <= 255);
        assert!(Email::parse(&wide).is_some());
        let wider = format!("{}@{}.de", "a".repeat(64), "ü".repeat(188));
        assert_eq!(utf16_len(&wider), 256);
        assert!(Email::parse(&wider).is_none());
    }

    #[test]
    fn punycode_matches_punycode_js() {
        // Known toASCII outputs of punycode.js.
        assert_eq!(to_ascii("bücher.de").unwrap(), "xn--bcher-kva.de");
        assert_eq!(to_ascii("mañana.com").unwrap(), "xn--maana-pta.com");
        assert_eq!(to_ascii("例子。广告").unwrap(), "xn--fsqu00a.xn--4rr70v");
        assert_eq!(to_ascii("a\u{200B}b").unwrap(), "xn--ab-g1t");
        // No case folding: an upper-case Ü is another code point.
        assert_eq!(to_ascii("BÜCHER").unwrap(), "xn--BCHER-2pa");
        assert_eq!(to_ascii("plain.ascii").unwrap(), "plain.ascii");
    }

    #[test]
    fn normalization_lower_cases_only() {
        let email = Email::parse("Andre.ÉCOLE@Example.COM").unwrap();
        assert_eq!(email.normalized(), "andre.école@example.com");
    }
}
