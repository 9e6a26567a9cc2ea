//! Request values of the OAuth routes, each holding only what Mozilla's
//! validators accept (a failed parse is errno 107 naming the key).

use serde::de::{self, Deserializer};
use serde::Deserialize;
use utoipa::ToSchema;

fn all_bytes(s: &str, ok: impl Fn(u8) -> bool) -> bool {
    s.bytes().all(ok)
}

fn b64url_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// `code_challenge`: 43 characters of base64url (an S256 hash).
#[derive(Clone, Debug)]
pub struct PkceChallenge(pub String);

impl<'de> Deserialize<'de> for PkceChallenge {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        (s.len() == 43 && all_bytes(&s, b64url_byte))
            .then_some(PkceChallenge(s))
            .ok_or_else(|| de::Error::custom("expected 43 base64url characters"))
    }
}

/// `code_verifier`: 43 to 128 of `[A-Za-z0-9-._~]` (RFC 7636).
#[derive(Clone, Debug)]
pub struct PkceVerifier(pub String);

impl<'de> Deserialize<'de> for PkceVerifier {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let ok = (43..=128).contains(&s.len())
            && all_bytes(&s, |b| b64url_byte(b) || b == b'.' || b == b'~');
        ok.then_some(PkceVerifier(s))
            .ok_or_else(|| de::Error::custom("invalid code_verifier"))
    }
}

/// `keys_jwe`: a compact JWE (five base64url parts, the second may be empty), ≤ 1024.
#[derive(Clone, Debug)]
pub struct Jwe(pub String);

impl<'de> Deserialize<'de> for Jwe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let parts: Vec<&str> = s.split('.').collect();
        let ok = s.len() <= 1024
            && parts.len() == 5
            && parts
                .iter()
                .enumerate()
                .all(|(i, p)| (i == 1 || !p.is_empty()) && all_bytes(p, b64url_byte));
        ok.then_some(Jwe(s))
            .ok_or_else(|| de::Error::custom("invalid JWE"))
    }
}

/// `redirect_uri` of an authorization: an `http`/`https` URL of at most 256 characters.
#[derive(Clone, Debug)]
pub struct RedirectUri(pub String);

impl<'de> Deserialize<'de> for RedirectUri {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let ok = s.len() <= 256
            && url::Url::parse(&s).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        ok.then_some(RedirectUri(s))
            .ok_or_else(|| de::Error::custom("invalid redirect_uri"))
    }
}

/// A positive number of seconds (`ttl`).
#[derive(Clone, Copy, Debug)]
pub struct Ttl(pub f64);

impl<'de> Deserialize<'de> for Ttl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let t = f64::deserialize(d)?;
        (t.is_finite() && t > 0.0)
            .then_some(Ttl(t))
            .ok_or_else(|| de::Error::custom("ttl must be positive"))
    }
}

/// `ppid_seed`: 0 to 1024.
#[derive(Clone, Copy, Debug)]
pub struct PpidSeed(pub u16);

impl<'de> Deserialize<'de> for PpidSeed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = u64::deserialize(d)?;
        (n <= 1024)
            .then_some(PpidSeed(n as u16))
            .ok_or_else(|| de::Error::custom("ppid_seed must be 0–1024"))
    }
}

/// `response_type` of `/oauth/authorization` (the session flavour): `code` only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ToSchema)]
pub enum ResponseType {
    #[serde(rename = "code")]
    Code,
}

/// `response_type` of the OAuth server's `/authorization`: a code, or `token`,
/// the tokens themselves for clients that may grant directly (Mozilla's
/// "implicit grant", which is really an assertion grant).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ToSchema)]
pub enum ServerResponseType {
    #[serde(rename = "code")]
    Code,
    #[serde(rename = "token")]
    Token,
}

/// `resource` (RFC 8707): an absolute `http`/`https` URL without a fragment,
/// written exactly as it parses (or as its bare origin), as Mozilla's
/// `resourceUrl` checks it; at most 2048 characters. It becomes a second `aud`
/// of the JWTs issued.
#[derive(Clone, Debug)]
pub struct ResourceUrl(pub String);

impl ResourceUrl {
    fn is_valid(s: &str) -> bool {
        s.len() <= 2048
            && !s.contains('#')
            && url::Url::parse(s).is_ok_and(|u| {
                matches!(u.scheme(), "http" | "https")
                    && u.host_str().is_some()
                    && (u.as_str() == s || u.origin().ascii_serialization() == s)
            })
    }
}

impl<'de> Deserialize<'de> for ResourceUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::is_valid(&s)
            .then_some(ResourceUrl(s))
            .ok_or_else(|| de::Error::custom("invalid resource URL"))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ToSchema)]
pub enum AccessType {
    #[serde(rename = "online")]
    Online,
    #[serde(rename = "offline")]
    Offline,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ToSchema)]
pub enum CodeChallengeMethod {
    S256,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ToSchema)]
pub enum GrantType {
    #[serde(rename = "authorization_code")]
    AuthorizationCode,
    #[serde(rename = "refresh_token")]
    RefreshToken,
    #[serde(rename = "fxa-credentials")]
    FxaCredentials,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Prompt {
    None,
    Login,
    Consent,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse<T: for<'de> Deserialize<'de>>(s: &str) -> Option<T> {
        serde_json::from_value(serde_json::Value::String(s.into())).ok()
    }

    #[test]
    fn values_are_what_mozilla_accepts() {
        assert!(parse::<PkceChallenge>("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM").is_some());
        assert!(parse::<PkceChallenge>("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM").is_none());
        assert!(parse::<PkceVerifier>("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").is_some());
        assert!(parse::<PkceVerifier>("short").is_none());
        assert!(parse::<Jwe>("eyJh.LCJl.aXYi.Y2lw.dGFn").is_some());
        assert!(parse::<Jwe>("eyJh..aXYi.Y2lw.dGFn").is_some());
        assert!(parse::<Jwe>("eyJh.aXYi.Y2lw.dGFn").is_none());
        assert!(parse::<RedirectUri>("https://rp.example/cb").is_some());
        assert!(parse::<RedirectUri>("urn:ietf:wg:oauth:2.0:oob").is_none());
    }

    #[test]
    fn a_resource_is_a_plain_absolute_url() {
        let good = [
            "https://sync.example/1.5",
            "http://rp.example/",
            "https://rp.example",
            "https://a.example/x?y=1",
        ];
        for good in good {
            assert!(parse::<ResourceUrl>(good).is_some(), "{good}");
        }
        let bad = [
            "https://rp.example/#frag",
            "https://rp.example:443/",
            "https://rp.example/a/../b",
            "ftp://rp.example/",
            "urn:ietf:wg:oauth:2.0:oob",
            "https://RP.example/",
            "/relative",
            "",
        ];
        for bad in bad {
            assert!(parse::<ResourceUrl>(bad).is_none(), "{bad}");
        }
        assert!(
            parse::<ResourceUrl>(&format!("https://rp.example/{}", "a".repeat(2048))).is_none()
        );
    }
}
