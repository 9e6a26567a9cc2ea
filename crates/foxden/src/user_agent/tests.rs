//! User-Agent classification: desktop and mobile browsers, FxA clients, scripts.

use super::*;

/// (browser, version, os, os version, device type, form factor)
type Row = (
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

fn row(agent: &str) -> Row {
    let info = parse(agent);
    let leak = |s: Option<String>| s.map(|s| &*Box::leak(s.into_boxed_str()));
    (
        leak(info.browser),
        leak(info.browser_version),
        leak(info.os),
        leak(info.os_version),
        leak(info.device_type),
        leak(info.form_factor),
    )
}

#[test]
fn firefox_desktop_android_and_ios() {
    assert_eq!(
        row("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"),
        (
            Some("Firefox"),
            Some("125"),
            Some("Windows"),
            Some("10"),
            None,
            None
        )
    );
    assert_eq!(
        row("Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:109.0) Gecko/20100101 Firefox/115.3"),
        (
            Some("Firefox"),
            Some("115.3"),
            Some("Mac OS X"),
            Some("10.15"),
            None,
            None
        )
    );
    assert_eq!(
        row("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:124.0) Gecko/20100101 Firefox/124.0"),
        (
            Some("Firefox"),
            Some("124"),
            Some("Ubuntu"),
            None,
            None,
            None
        )
    );
    assert_eq!(
        row("Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0"),
        (
            Some("Firefox Mobile"),
            Some("125"),
            Some("Android"),
            Some("14"),
            Some("mobile"),
            None
        )
    );
    assert_eq!(
        row("Mozilla/5.0 (Android 13; Tablet; rv:125.0) Gecko/125.0 Firefox/125.0"),
        (
            Some("Firefox Mobile"),
            Some("125"),
            Some("Android"),
            Some("13"),
            Some("tablet"),
            None
        )
    );
    assert_eq!(
        row("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/124.2 Mobile/15E148 Safari/605.1.15"),
        (Some("Firefox iOS"), Some("124.2"), Some("iOS"), Some("17.4"), Some("mobile"), Some("iPhone"))
    );
}

#[test]
fn chrome_safari_and_edge() {
    assert_eq!(
        row("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"),
        (Some("Chrome"), Some("124"), Some("Windows"), Some("10"), None, None)
    );
    assert_eq!(
        row("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36"),
        (Some("Chrome Mobile"), Some("124"), Some("Android"), Some("14"), Some("mobile"), None)
    );
    assert_eq!(
        row("Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"),
        (Some("Chrome"), Some("124"), Some("Android"), Some("13"), Some("tablet"), None)
    );
    assert_eq!(
        row("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15"),
        (Some("Safari"), Some("17.4"), Some("Mac OS X"), Some("10.15"), None, None)
    );
    assert_eq!(
        row("Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.0 Mobile/15E148 Safari/604.1"),
        (Some("Mobile Safari"), Some("16"), Some("iOS"), Some("16"), Some("tablet"), Some("iPad"))
    );
    assert_eq!(
        row("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.67"),
        (Some("Edge"), Some("124"), Some("Windows"), Some("10"), None, None)
    );
    assert_eq!(
        row("Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36"),
        (Some("Chrome"), Some("109"), Some("Windows"), Some("7"), None, None)
    );
}

#[test]
fn fxa_client_agents() {
    assert_eq!(
        row("Firefox-iOS-FxA/24"),
        (
            Some("Firefox"),
            Some("24"),
            Some("iOS"),
            None,
            Some("mobile"),
            None
        )
    );
    assert_eq!(
        row("Firefox-iOS-FxA/6.0b42 (iPad; iPhone OS 10.3) (Firefox)"),
        (
            Some("Firefox"),
            Some("6.0"),
            Some("iOS"),
            Some("10.3"),
            Some("tablet"),
            Some("iPad")
        )
    );
    assert_eq!(
        row("Mobile-Android-FxAccounts/49.0.2 (Nexus 5; Android 6.0.1) (Fennec)"),
        (
            Some("Fennec"),
            Some("49.0.2"),
            Some("Android"),
            Some("6.0.1"),
            Some("mobile"),
            Some("Nexus 5")
        )
    );
    assert_eq!(
        row("Mobile-Android-FxA/1.0"),
        (
            Some("Mobile"),
            Some("1.0"),
            Some("Android"),
            None,
            Some("mobile"),
            None
        )
    );
}

#[test]
fn scripts_and_garbage_have_no_browser() {
    for agent in [
        "python-requests/2.31.0",
        "curl/8.5.0",
        "",
        "   ",
        "Mozilla/5.0",
        "\u{0}\u{fffd}",
    ] {
        assert_eq!(
            row(agent),
            (None, None, None, None, None, None),
            "{agent:?}"
        );
    }
}

#[test]
fn long_agents_are_cut_at_a_char_boundary() {
    let agent = format!(
        "Mozilla/5.0 (Android 14; Mobile) Firefox/125.0 {}",
        "é".repeat(2000)
    );
    assert_eq!(parse(&agent).browser.as_deref(), Some("Firefox Mobile"));
    assert!(truncate(&agent).len() <= MAX_LEN);
}
