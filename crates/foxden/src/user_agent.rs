//! The `User-Agent` header classified into a session's `uaBrowser`, `uaBrowserVersion`,
//! `uaOS`, `uaOSVersion`, `uaDeviceType` and `uaFormFactor`, as Mozilla's auth-server
//! does with ua-parser (family names as ua-parser spells them: "Firefox", "Firefox
//! Mobile", "Firefox iOS", "Chrome Mobile", "Mobile Safari", "Mac OS X", …).
//!
//! - The FxA/Sync clients' own agents (`Firefox-iOS-FxA/24`,
//!   `Mobile-Android-FxAccounts/49.0 (Nexus 5; Android 6.0) (Fennec)`) are read by their
//!   own pattern, as Mozilla does: browser = the app name in the last parentheses or the
//!   first word, OS = the second word, the first parentheses give the form factor.
//! - Versions are `major` or `major.minor` (minor left out when it is 0).
//! - Device type: `mobile` or `tablet` for phones, iPads and Android devices without the
//!   word `Mobile`; nothing for desktops. Form factor: the named Apple device (`iPhone`,
//!   `iPad`, `iPod`) or the Sync agent's form factor.
//! - Anything else (`python-requests/2.31`, curl, empty) gives no browser and no OS.
//!   Mozilla stores a truncated copy of such an agent as the browser; foxden stores
//!   nothing rather than an arbitrary string chosen by the client.

use std::sync::LazyLock;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use foxden_db::UserAgentInfo;
use regex::Regex;

/// The longest header read; longer agents are classified by their first 1,024 bytes.
const MAX_LEN: usize = 1024;

/// `(Firefox|Mobile)-<OS>-(FxA|FxAccounts|Sync)/<version>[b<build>] [(<form factor>; <OS name> <OS version>)] [(<app>)]`
static SYNC_AGENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(Firefox|Mobile)-(\w+)-(?:FxA(?:ccounts)?|Sync)/([^\sb]*)(?:b\S+)? ?(?:\(([\w\s]+); [\w\s]+ ([^\s()]+)\))?(?: \((.+)\))?$",
    )
    .expect("valid regex")
});
static VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d+)(?:[._](\d+))?").expect("valid regex"));

/// Extracts the parsed agent of a request (never rejects).
pub struct UserAgent(pub UserAgentInfo);

impl<S: Send + Sync> FromRequestParts<S> for UserAgent {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        Ok(UserAgent(parse(header)))
    }
}

/// Classifies one `User-Agent` string.
pub fn parse(agent: &str) -> UserAgentInfo {
    let agent = truncate(agent.trim());
    if let Some(info) = parse_sync_agent(agent) {
        return info;
    }
    let (browser, browser_version) = browser(agent).unzip();
    let (os, os_version) = os(agent).unzip();
    let device = apple_device(agent);
    let mobile_os = matches!(
        os,
        Some("iOS" | "Android" | "Windows Phone" | "Firefox OS" | "BlackBerry OS")
    );
    let device_type = (device.is_some() || mobile_os).then(|| {
        let android_tablet = os == Some("Android") && !agent.contains("Mobile");
        if device == Some("iPad") || android_tablet {
            "tablet"
        } else {
            "mobile"
        }
    });
    UserAgentInfo {
        browser: browser.map(str::to_string),
        browser_version: browser_version.flatten(),
        os: os.map(str::to_string),
        os_version: os_version.flatten(),
        device_type: device_type.map(str::to_string),
        form_factor: device.map(str::to_string),
    }
}

fn truncate(agent: &str) -> &str {
    if agent.len() <= MAX_LEN {
        return agent;
    }
    let mut end = MAX_LEN;
    while !agent.is_char_boundary(end) {
        end -= 1;
    }
    &agent[..end]
}

fn parse_sync_agent(agent: &str) -> Option<UserAgentInfo> {
    let m = SYNC_AGENT.captures(agent)?;
    let text = |i: usize| m.get(i).map(|g| g.as_str()).filter(|s| !s.is_empty());
    let form_factor = text(4);
    let tablet =
        form_factor.is_some_and(|f| f.contains("iPad") || f.to_lowercase().contains("tablet"));
    Some(UserAgentInfo {
        browser: text(6).or(text(1)).map(str::to_string),
        browser_version: text(3).map(str::to_string),
        os: text(2).map(str::to_string),
        os_version: text(5).map(str::to_string),
        device_type: Some(if tablet { "tablet" } else { "mobile" }.to_string()),
        form_factor: form_factor.map(str::to_string),
    })
}

/// `major` or `major.minor` from the text right after `token` (e.g. `Firefox/`).
fn version_after(agent: &str, token: &str) -> Option<String> {
    let start = agent.find(token)? + token.len();
    version(&agent[start..])
}

fn version(text: &str) -> Option<String> {
    let m = VERSION.captures(text)?;
    let major = m.get(1)?.as_str();
    match m.get(2).map(|g| g.as_str()) {
        Some(minor) if minor.parse::<u64>().is_ok_and(|n| n != 0) => {
            Some(format!("{major}.{minor}"))
        }
        _ => Some(major.to_string()),
    }
}

/// The browser family and version; the order matters (Edge and Opera also say Chrome,
/// Chrome also says Safari).
fn browser(agent: &str) -> Option<(&'static str, Option<String>)> {
    let has = |token: &str| agent.contains(token);
    let mobile = has("Mobile") || has("Android");
    let found = if has("EdgA/") || has("EdgiOS/") {
        (
            "Edge Mobile",
            version_after(agent, "EdgA/").or_else(|| version_after(agent, "EdgiOS/")),
        )
    } else if has("Edg/") || has("Edge/") {
        (
            "Edge",
            version_after(agent, "Edg/").or_else(|| version_after(agent, "Edge/")),
        )
    } else if has("FxiOS/") {
        ("Firefox iOS", version_after(agent, "FxiOS/"))
    } else if has("Firefox/") {
        let family = if mobile { "Firefox Mobile" } else { "Firefox" };
        (family, version_after(agent, "Firefox/"))
    } else if has("OPR/") {
        let family = if mobile { "Opera Mobile" } else { "Opera" };
        (family, version_after(agent, "OPR/"))
    } else if has("CriOS/") {
        ("Chrome Mobile iOS", version_after(agent, "CriOS/"))
    } else if has("Chrome/") {
        let family = if has("Mobile") {
            "Chrome Mobile"
        } else {
            "Chrome"
        };
        (family, version_after(agent, "Chrome/"))
    } else if has("Safari/") && has("Version/") {
        let family = if has("Mobile/") {
            "Mobile Safari"
        } else {
            "Safari"
        };
        (family, version_after(agent, "Version/"))
    } else {
        return None;
    };
    Some(found)
}

fn os(agent: &str) -> Option<(&'static str, Option<String>)> {
    let has = |token: &str| agent.contains(token);
    let found = if has("Windows Phone") {
        ("Windows Phone", version_after(agent, "Windows Phone "))
    } else if has("Windows NT ") {
        let release = match version_after(agent, "Windows NT ").as_deref() {
            Some("10") => Some("10"),
            Some("6.3") => Some("8.1"),
            Some("6.2") => Some("8"),
            Some("6.1") => Some("7"),
            _ => None,
        };
        ("Windows", release.map(str::to_string))
    } else if apple_device(agent).is_some() {
        ("iOS", version_after(agent, " OS "))
    } else if has("Android") {
        ("Android", version_after(agent, "Android "))
    } else if has("Mac OS X") {
        ("Mac OS X", version_after(agent, "Mac OS X "))
    } else if has("CrOS ") {
        ("Chrome OS", None)
    } else if has("Ubuntu") {
        ("Ubuntu", None)
    } else if has("Linux") {
        ("Linux", None)
    } else {
        return None;
    };
    Some(found)
}

/// `iPad`, `iPhone` or `iPod` when the agent names one in its platform part.
fn apple_device(agent: &str) -> Option<&'static str> {
    ["iPad", "iPhone", "iPod"].into_iter().find(|device| {
        agent.contains(&format!("({device}")) || agent.contains(&format!("{device};"))
    })
}

#[cfg(test)]
mod tests;
