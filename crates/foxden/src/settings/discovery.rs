//! The URLs the discovery documents and OpenID tokens name
//! (`/.well-known/fxa-client-configuration`, `/.well-known/openid-configuration`,
//! the JWT `iss` and the oldsync `aud`), each a setting defaulting from the public URL.

use super::sources::Sources;

/// Where each service lives, as clients are told: base URLs without a trailing
/// `/` (Firefox appends `/v1`, or `/1.0/sync/1.5` to the tokenserver's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discovery {
    /// The OpenID issuer (`iss` of every JWT foxden signs).
    pub openid_issuer: String,
    pub auth_server_url: String,
    pub oauth_server_url: String,
    pub profile_server_url: String,
    /// The pairing channel server (`wss://…`); unset, the document leaves it out.
    pub pairing_server_url: Option<String>,
    /// The Sync tokenserver; unset, the document leaves it out (see ADR 0015).
    pub sync_tokenserver_url: Option<String>,
}

/// `value` as a base URL: absolute, `http(s)` (or `ws(s)` when `websocket`), with
/// trailing `/`s and then the version suffix `strip` (if any) taken off, as
/// Mozilla's content server does for the auth URL's `/v1`.
fn base_url(name: &str, value: &str, strip: &str, websocket: bool) -> Result<String, String> {
    let env = format!("FOXDEN_{}", name.to_ascii_uppercase());
    let url = url::Url::parse(value).map_err(|_| format!("{env} is not a valid URL"))?;
    let schemes: &[&str] = if websocket {
        &["ws", "wss"]
    } else {
        &["http", "https"]
    };
    if !schemes.contains(&url.scheme()) || url.host_str().is_none() {
        return Err(format!("{env} must be a {} URL", schemes.join(" or ")));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("{env} must not have a query or fragment"));
    }
    let mut text = url.as_str().trim_end_matches('/');
    if !strip.is_empty() {
        text = text
            .strip_suffix(strip)
            .unwrap_or(text)
            .trim_end_matches('/');
    }
    Ok(text.to_string())
}

impl Discovery {
    /// `profile_prefix`: where foxden serves the profile server (the default of
    /// `profile_server_url` is the public URL + it).
    pub(super) fn from_sources(
        src: &Sources<'_>,
        public_url: &url::Url,
        profile_prefix: &str,
    ) -> Result<Self, String> {
        let public = public_url.as_str().trim_end_matches('/').to_string();
        let read = |name: &'static str, default: &str, strip: &str| -> Result<String, String> {
            let value = src
                .text(name)?
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| default.to_string());
            base_url(name, &value, strip, false)
        };
        let optional = |name: &'static str, strip: &str, websocket: bool| {
            src.text(name)?
                .filter(|s| !s.is_empty())
                .map(|value| base_url(name, &value, strip, websocket))
                .transpose()
        };
        Ok(Discovery {
            openid_issuer: read("openid_issuer", &public, "")?,
            auth_server_url: read("auth_server_url", &public, "/v1")?,
            oauth_server_url: read("oauth_server_url", &public, "/v1")?,
            profile_server_url: read(
                "profile_server_url",
                &format!("{public}{profile_prefix}"),
                "/v1",
            )?,
            pairing_server_url: optional("pairing_server_url", "", true)?,
            sync_tokenserver_url: optional("sync_tokenserver_url", "/1.0/sync/1.5", false)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::base_url;

    #[test]
    fn base_urls_lose_trailing_slashes_and_version_suffixes() {
        let ok = |value, strip| base_url("x", value, strip, false).unwrap();
        assert_eq!(ok("https://a.example", ""), "https://a.example");
        assert_eq!(ok("https://a.example/", ""), "https://a.example");
        assert_eq!(ok("https://a.example/v1/", "/v1"), "https://a.example");
        assert_eq!(
            ok("https://a.example/fxa/v1", "/v1"),
            "https://a.example/fxa"
        );
        assert_eq!(ok("https://a.example/v1x", "/v1"), "https://a.example/v1x");
        assert_eq!(
            ok("https://t.example/token/1.0/sync/1.5", "/1.0/sync/1.5"),
            "https://t.example/token"
        );
        assert_eq!(
            base_url("p", "wss://c.example/", "", true).unwrap(),
            "wss://c.example"
        );
        for bad in [
            "not a url",
            "ftp://a.example",
            "https://a.example/?q=1",
            "/relative",
        ] {
            assert!(base_url("x", bad, "", false).is_err(), "{bad}");
        }
        assert!(base_url("p", "https://c.example", "", true).is_err());
    }
}
