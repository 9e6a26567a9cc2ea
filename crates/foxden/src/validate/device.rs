//! The device record's fields as Mozilla's `lib/devices.js` schema accepts them
//! (PROTOCOL §8.1). The push callback's host is checked against the configured
//! `push_allowed_servers` by the service, since a deserializer has no settings.

use std::collections::BTreeMap;

use serde::de::{self, Deserializer};
use serde::Deserialize;

/// `name`: at most 255 characters, FxA's `DISPLAY_SAFE_UNICODE_WITH_NON_BMP`
/// (no control characters, line/paragraph separators, private-use or
/// non-characters; astral characters such as emoji are allowed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceName(pub String);

/// Whether `c` is outside FxA's display-safe class.
fn unsafe_for_display(c: char) -> bool {
    matches!(c as u32,
        0x0000..=0x001F | 0x007F..=0x009F | 0x2028..=0x2029 | 0xE000..=0xF8FF | 0xFFF9..=0xFFFF)
}

/// The length as JavaScript counts it (UTF-16 code units), which Joi's `max` uses.
fn js_len(s: &str) -> usize {
    s.encode_utf16().count()
}

impl<'de> Deserialize<'de> for DeviceName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if js_len(&s) <= 255 && !s.chars().any(unsafe_for_display) {
            Ok(DeviceName(s))
        } else {
            Err(de::Error::custom("invalid device name"))
        }
    }
}

/// `type`: at most 16 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceType(pub String);

impl<'de> Deserialize<'de> for DeviceType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if js_len(&s) <= 16 {
            Ok(DeviceType(s))
        } else {
            Err(de::Error::custom("invalid device type"))
        }
    }
}

/// `pushCallback`: `""`, or an `https` URL of at most 255 characters written in
/// its normal form (as WHATWG URL serializes it; an explicit `:443` is tolerated,
/// as Firefox sends it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushCallback(pub String);

impl PushCallback {
    fn is_valid(s: &str) -> bool {
        if s.is_empty() {
            return true;
        }
        if js_len(s) > 255 {
            return false;
        }
        let normalized = strip_explicit_443(s);
        match url::Url::parse(&normalized) {
            Ok(u) => u.scheme() == "https" && u.host_str().is_some() && u.as_str() == normalized,
            Err(_) => false,
        }
    }
}

/// `https://host:443/…` → `https://host/…` (only right after a plain host name).
fn strip_explicit_443(s: &str) -> String {
    let Some(rest) = s.strip_prefix("https://") else {
        return s.to_string();
    };
    let host_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .unwrap_or(rest.len());
    let (host, tail) = rest.split_at(host_len);
    match tail.strip_prefix(":443") {
        Some(after) if after.is_empty() || after.starts_with('/') => {
            format!("https://{host}{after}")
        }
        _ => s.to_string(),
    }
}

impl<'de> Deserialize<'de> for PushCallback {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if Self::is_valid(&s) {
            Ok(PushCallback(s))
        } else {
            Err(de::Error::custom("invalid pushCallback"))
        }
    }
}

/// A push key: `""` or at most `MAX` characters of URL-safe base64 (no padding).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushKey<const MAX: usize>(pub String);

impl<'de, const MAX: usize> Deserialize<'de> for PushKey<MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let ok = s.len() <= MAX
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then_some(PushKey(s))
            .ok_or_else(|| de::Error::custom("invalid push key"))
    }
}

/// Whether `key` (URL-safe base64) is a point on P-256 a push service can
/// encrypt to: an ECDH agreement with it must succeed (Mozilla's
/// `push.isValidPublicKey`). The empty key (no push) passes.
pub fn is_valid_push_public_key(key: &str) -> bool {
    use aws_lc_rs::agreement::{
        agree_ephemeral, EphemeralPrivateKey, UnparsedPublicKey, ECDH_P256,
    };
    use base64::Engine;
    if key.is_empty() {
        return true;
    }
    let Ok(point) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(key) else {
        return false;
    };
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let Ok(mine) = EphemeralPrivateKey::generate(&ECDH_P256, &rng) else {
        return false;
    };
    let theirs = UnparsedPublicKey::new(&ECDH_P256, &point);
    agree_ephemeral(mine, theirs, (), |_| Ok(())).is_ok()
}

/// `availableCommands`: command names (`^[a-zA-Z0-9._/\-:]{1,100}$`) to strings
/// of at most 2048 characters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AvailableCommands(pub BTreeMap<String, String>);

fn is_command_name(s: &str) -> bool {
    (1..=100).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._/-:".contains(&b))
}

impl<'de> Deserialize<'de> for AvailableCommands {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, String>::deserialize(d)?;
        let ok = map
            .iter()
            .all(|(name, value)| is_command_name(name) && js_len(value) <= 2048);
        ok.then_some(AvailableCommands(map))
            .ok_or_else(|| de::Error::custom("invalid availableCommands"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ok<T: for<'de> Deserialize<'de>>(v: serde_json::Value) -> bool {
        serde_json::from_value::<T>(v).is_ok()
    }

    #[test]
    fn names_allow_astral_characters_but_not_controls() {
        assert!(ok::<DeviceName>(json!("Mein 🦊 Firefox")));
        assert!(ok::<DeviceName>(json!("")));
        assert!(ok::<DeviceName>(json!("x".repeat(255))));
        assert!(!ok::<DeviceName>(json!("x".repeat(256))));
        // 128 emoji are 256 UTF-16 units, as JavaScript counts them.
        assert!(!ok::<DeviceName>(json!("🦊".repeat(128))));
        for bad in [
            "a\nb",
            "a\u{7f}",
            "a\u{2028}",
            "\u{e000}",
            "\u{fffe}",
            "\u{85}",
        ] {
            assert!(!ok::<DeviceName>(json!(bad)), "{bad:?}");
        }
    }

    #[test]
    fn push_callbacks_must_be_normal_https_urls() {
        for good in [
            "https://updates.push.services.mozilla.com/wpush/v2/abc",
            "https://updates.push.services.mozilla.com:443/wpush/v2/abc",
            "https://push.example:8443/x?y=1",
            "",
        ] {
            assert!(ok::<PushCallback>(json!(good)), "{good}");
        }
        for bad in [
            "http://updates.push.services.mozilla.com/wpush",
            "https://updates.push.services.mozilla.com",
            "https://UPPER.example/x",
            "not a url",
            "https:///x",
        ] {
            assert!(!ok::<PushCallback>(json!(bad)), "{bad}");
        }
        let long = format!("https://a.example/{}", "x".repeat(240));
        assert!(!ok::<PushCallback>(json!(long)));
    }

    #[test]
    fn push_keys_and_commands() {
        assert!(ok::<PushKey<24>>(json!("w3b14Zjc-Afj2SDOLOyong")));
        assert!(!ok::<PushKey<24>>(json!("w3b14Zjc+Afj2SDOLOyong")));
        assert!(!ok::<PushKey<24>>(json!("a".repeat(25))));
        assert!(ok::<AvailableCommands>(
            json!({"https://identity.mozilla.com/cmd/open-uri": "x"})
        ));
        assert!(!ok::<AvailableCommands>(json!({"bad name": "x"})));
        assert!(!ok::<AvailableCommands>(json!({"a": 1})));
        assert!(!ok::<AvailableCommands>(json!({"a": "x".repeat(2049)})));
        // P-256's generator is on the curve; with its last bit flipped it is not.
        let g = "BGsX0fLhLEJH-Lzm5WOkQPJ3A32BLeszoPShOUXYmMKWT-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU";
        assert!(is_valid_push_public_key(g));
        assert!(!is_valid_push_public_key(&format!(
            "{}Q",
            &g[..g.len() - 1]
        )));
        assert!(!is_valid_push_public_key("AAAA"));
    }
}
