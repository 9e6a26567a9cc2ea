//! Parsed request values: each type can only hold a value FxA's validators accept.
//! A failed parse becomes errno 107 naming the JSON key (see `extract.rs`).

use serde::de::{self, Deserializer};
use serde::Deserialize;

/// `N` bytes sent as exactly `2N` hex characters (either case, as FxA accepts).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Hex<const N: usize>(pub [u8; N]);

impl<const N: usize> std::fmt::Debug for Hex<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Hex<{N}>(…)")
    }
}

impl<const N: usize> Hex<N> {
    pub fn parse(s: &str) -> Option<Self> {
        if s.len() != 2 * N {
            return None;
        }
        let mut out = [0u8; N];
        hex::decode_to_slice(s, &mut out).ok()?;
        Some(Hex(out))
    }
}

impl<'de, const N: usize> Deserialize<'de> for Hex<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Hex::parse(&s)
            .ok_or_else(|| de::Error::custom(format!("expected {} hex characters", 2 * N)))
    }
}

/// An email address as FxA accepts it: at most 255 characters, no control or
/// private-use characters, one `@`, a non-empty local part of at most 64
/// characters, and a domain of dot-separated labels with at least one dot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(pub String);

impl Email {
    pub fn parse(s: &str) -> Option<Self> {
        if s.is_empty() || s.chars().count() > 255 || s.chars().any(forbidden_char) {
            return None;
        }
        let (local, domain) = s.rsplit_once('@')?;
        if local.is_empty() || local.chars().count() > 64 || local.contains('@') {
            return None;
        }
        if local.chars().any(char::is_whitespace) {
            return None;
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 {
            return None;
        }
        let label_ok = |l: &&str| {
            !l.is_empty()
                && l.chars().count() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        labels.iter().all(label_ok).then(|| Email(s.to_string()))
    }

    /// FxA's normalization: lower-case (no Unicode normalization).
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn forbidden_char(c: char) -> bool {
    matches!(c as u32,
        0x0000..=0x001F | 0x007F..=0x009F | 0x2028..=0x2029 | 0xD800..=0xDFFF | 0xE000..=0xF8FF
        | 0xFFF9..=0xFFFC | 0xFFFE..=0xFFFF)
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Email::parse(&s).ok_or_else(|| de::Error::custom("invalid email address"))
    }
}

/// `identity.mozilla.com/picl/v1/quickStretchV2:<salt>` (or the V1 prefix), ≤ 128 chars.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientSalt(pub String);

impl<'de> Deserialize<'de> for ClientSalt {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if foxden_crypto::onepw::is_valid_client_salt(&s) {
            Ok(ClientSalt(s))
        } else {
            Err(de::Error::custom("invalid clientSalt"))
        }
    }
}

/// `service`: at most 16 of `[a-zA-Z0-9-]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Service(pub String);

impl<'de> Deserialize<'de> for Service {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let ok = s.len() <= 16 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        ok.then_some(Service(s))
            .ok_or_else(|| de::Error::custom("invalid service"))
    }
}

/// A string of at most `MAX` characters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bounded<const MAX: usize>(pub String);

impl<'de, const MAX: usize> Deserialize<'de> for Bounded<MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.chars().count() <= MAX {
            Ok(Bounded(s))
        } else {
            Err(de::Error::custom(format!("longer than {MAX} characters")))
        }
    }
}

/// Exactly `LEN` characters of `[a-zA-Z0-9]` (FxA's `BASE_36` codes, e.g. `unblockCode`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alnum<const LEN: usize>(pub String);

/// Exactly `LEN` digits (FxA's `DIGITS` codes, e.g. the password-forgot OTP).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digits<const LEN: usize>(pub String);

fn fixed_code<E: de::Error>(s: String, len: usize, ok: fn(&u8) -> bool) -> Result<String, E> {
    if s.len() == len && s.bytes().all(|b| ok(&b)) {
        Ok(s)
    } else {
        Err(E::custom(format!("expected a code of {len} characters")))
    }
}

impl<'de, const LEN: usize> Deserialize<'de> for Alnum<LEN> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        fixed_code(String::deserialize(d)?, LEN, u8::is_ascii_alphanumeric).map(Alnum)
    }
}

impl<'de, const LEN: usize> Deserialize<'de> for Digits<LEN> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        fixed_code(String::deserialize(d)?, LEN, u8::is_ascii_digit).map(Digits)
    }
}

/// The verification methods FxA accepts on create, login and reauth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum RequestedVerification {
    #[serde(rename = "email")]
    Email,
    #[serde(rename = "email-otp")]
    EmailOtp,
    #[serde(rename = "email-2fa")]
    Email2fa,
    #[serde(rename = "email-captcha")]
    EmailCaptcha,
    #[serde(rename = "totp-2fa")]
    Totp2fa,
}

impl RequestedVerification {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::EmailOtp => "email-otp",
            Self::Email2fa => "email-2fa",
            Self::EmailCaptcha => "email-captcha",
            Self::Totp2fa => "totp-2fa",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in [
            "a@b.co",
            "andré@example.org",
            "PyFxATester@restmail.net",
            "x+y@sub.example.com",
        ] {
            assert!(Email::parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "",
            "a@b",
            "@b.co",
            "a@.co",
            "a@b..co",
            "a b@c.co",
            "a@b.co\n",
            "a@-b.co",
            "a\u{0}@b.co",
        ] {
            assert!(Email::parse(bad).is_none(), "{bad:?}");
        }
        assert!(Email::parse(&format!("{}@b.co", "a".repeat(65))).is_none());
    }

    #[test]
    fn fixed_length_codes() {
        let alnum = |s: &str| serde_json::from_value::<Alnum<8>>(serde_json::json!(s)).is_ok();
        let digits = |s: &str| serde_json::from_value::<Digits<8>>(serde_json::json!(s)).is_ok();
        assert!(alnum("AbC12345") && alnum("ZZZZZZZZ"));
        assert!(
            !alnum("ABC1234") && !alnum("ABC123456") && !alnum("ABC-1234") && !alnum("ÄBC12345")
        );
        assert!(digits("01234567"));
        assert!(!digits("0123456a") && !digits("0123456") && !digits("012345678"));
    }

    #[test]
    fn hex_lengths() {
        assert!(Hex::<2>::parse("abCD").is_some());
        assert!(Hex::<2>::parse("abc").is_none());
        assert!(Hex::<2>::parse("abcg").is_none());
        assert!(Hex::<2>::parse("abcdef").is_none());
    }
}
