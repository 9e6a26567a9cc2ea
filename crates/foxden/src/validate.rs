//! Parsed request values: each type can only hold a value FxA's validators accept.
//! A failed parse becomes errno 107 naming the JSON key (see `extract.rs`).

use serde::de::{self, Deserializer};
use serde::Deserialize;

pub mod device;
mod email;
pub mod push_payload;
pub use email::Email;

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

/// One to `MAX` digits (FxA's `validators.DIGITS` without a length: the 6-digit
/// codes of `/session/verify_code` and `/session/verify/verify_push`, whose
/// length the code check decides).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigitString<const MAX: usize>(pub String);

impl<'de, const MAX: usize> Deserialize<'de> for DigitString<MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if (1..=MAX).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(DigitString(s))
        } else {
            Err(de::Error::custom(format!("expected 1 to {MAX} digits")))
        }
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
