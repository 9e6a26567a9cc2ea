//! Settings: defaults, layering, parsing and redaction.

use super::*;

fn load(env: &[(&str, &str)], file: &str) -> Result<Settings, String> {
    load_reading(env, file).map(|(settings, _)| settings)
}

/// Also the keys the loader read.
fn load_reading(
    env: &[(&str, &str)],
    file: &str,
) -> Result<(Settings, std::collections::BTreeSet<&'static str>), String> {
    let file: toml::Table = toml::from_str(file).map_err(|e| e.to_string())?;
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let sources = Sources::new("test.toml", file, |key| {
        env.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    })?;
    let settings = Settings::from_sources(&sources)?;
    Ok((settings, sources.read_keys()))
}

#[test]
fn defaults() {
    let s = load(&[], "").unwrap();
    assert_eq!(s.listen.to_string(), "127.0.0.1:9000");
    assert_eq!(s.public_url.as_str(), "http://127.0.0.1:9000/");
    assert_eq!(s.hawk_port().unwrap(), 9000);
    assert!(s.database_url.expose().starts_with("sqlite:"));
    assert_eq!(s.max_body_bytes, 16384);
    assert!(s.smtp_url.is_none());
    assert!(s.signin_confirm_force_email_regex.is_none());
    assert!(s.rate_limit);
    assert_eq!(s.client_address_depth, 2);
    assert!(
        s.trusted_proxies.is_empty(),
        "no proxy is trusted by default"
    );
}

#[test]
fn profile_server_prefix_is_a_path_of_its_own() {
    assert_eq!(load(&[], "").unwrap().profile_server_prefix, "/profile");
    let set = |v: &str| load(&[("FOXDEN_PROFILE_SERVER_PREFIX", v)], "");
    let moved = set("/accounts/profile").unwrap();
    assert_eq!(moved.profile_server_prefix, "/accounts/profile");
    // The client configuration's profile_server_base_url follows it.
    assert_eq!(
        moved.discovery.profile_server_url,
        "http://127.0.0.1:9000/accounts/profile"
    );
    for bad in [
        "",
        "/",
        "profile",
        "/profile/",
        "/v1",
        "/v1/profile",
        "/.well-known",
        "/settings",
        "/verify_email/x",
        "/a//b",
        "/../x",
        "/a b",
    ] {
        let err = set(bad).err().unwrap_or_default();
        assert!(
            err.contains("FOXDEN_PROFILE_SERVER_PREFIX"),
            "{bad:?}: {err}"
        );
    }
}

#[test]
fn trusted_proxies_are_ips_or_cidrs() {
    let s = load(
        &[(
            "FOXDEN_TRUSTED_PROXIES",
            "10.0.0.0/8, 127.0.0.1 ::1,fd00::/8",
        )],
        "",
    )
    .unwrap();
    let listed: Vec<String> = s.trusted_proxies.iter().map(|n| n.to_string()).collect();
    assert_eq!(
        listed,
        ["10.0.0.0/8", "127.0.0.1/32", "::1/128", "fd00::/8"]
    );
    let s = load(&[], "trusted_proxies = \"192.168.1.7/24\"").unwrap();
    assert_eq!(s.trusted_proxies[0].to_string(), "192.168.1.0/24");
    for bad in ["10.0.0.0/33", "localhost", "1.2.3"] {
        assert!(
            load(&[("FOXDEN_TRUSTED_PROXIES", bad)], "").is_err(),
            "{bad}"
        );
    }
}

#[test]
fn rate_limit_allow_lists() {
    let s = load(
        &[
            ("FOXDEN_RATE_LIMIT_ALLOWED_IPS", "10.9.0.0/16 192.0.2.1"),
            (
                "FOXDEN_RATE_LIMIT_ALLOWED_EMAIL_DOMAINS",
                "restmail.net, *.Example.org",
            ),
        ],
        "",
    )
    .unwrap();
    assert_eq!(s.rate_limit_allowed_ips.len(), 2);
    assert_eq!(
        s.rate_limit_allowed_email_domains,
        ["restmail.net", "*.example.org"]
    );
    let s = load(&[], "").unwrap();
    assert!(s.rate_limit_allowed_ips.is_empty() && s.rate_limit_allowed_email_domains.is_empty());
    for bad in ["localhost", "*.", "a@b.c", "ex ample..com"] {
        let env = [("FOXDEN_RATE_LIMIT_ALLOWED_EMAIL_DOMAINS", bad)];
        assert!(load(&env, "").is_err(), "{bad}");
    }
    assert!(load(&[("FOXDEN_RATE_LIMIT_ALLOWED_IPS", "nope")], "").is_err());
}

#[test]
fn rate_limits_can_be_turned_off() {
    assert!(
        !load(&[("FOXDEN_RATE_LIMIT", "off")], "")
            .unwrap()
            .rate_limit
    );
    assert!(!load(&[], "rate_limit = false").unwrap().rate_limit);
    assert!(
        load(&[("FOXDEN_RATE_LIMIT", "on")], "rate_limit = false")
            .unwrap()
            .rate_limit
    );
    assert!(load(&[("FOXDEN_RATE_LIMIT", "maybe")], "").is_err());
}

#[test]
fn forced_confirmation_regex() {
    let s = load(
        &[("FOXDEN_SIGNIN_CONFIRM_FORCE_EMAIL", r".+@example\.org$")],
        "",
    )
    .unwrap();
    let re = s.signin_confirm_force_email_regex.unwrap();
    assert!(re.is_match("Someone@EXAMPLE.org"));
    assert!(!re.is_match("someone@example.org.evil.com"));
    assert!(load(&[("FOXDEN_SIGNIN_CONFIRM_FORCE_EMAIL", "(")], "").is_err());
    let s = load(&[], "signin_confirm_force_email = \"\"").unwrap();
    assert!(s.signin_confirm_force_email_regex.is_none());
}

#[test]
fn connection_limits_are_validated() {
    let s = load(&[], "").unwrap();
    assert_eq!(
        (
            s.header_read_timeout_ms,
            s.body_read_timeout_ms,
            s.idle_timeout_ms
        ),
        (10_000, 30_000, 60_000)
    );
    assert_eq!(s.max_connections, None);
    let s = load(
        &[
            ("FOXDEN_IDLE_TIMEOUT_MS", "5000"),
            ("FOXDEN_MAX_CONNECTIONS", "300"),
        ],
        "header_read_timeout_ms = 2000\nbody_read_timeout_ms = 3000",
    )
    .unwrap();
    assert_eq!(
        (
            s.header_read_timeout_ms,
            s.body_read_timeout_ms,
            s.idle_timeout_ms
        ),
        (2000, 3000, 5000)
    );
    assert_eq!(s.max_connections, Some(300));
    for (key, value) in [
        ("FOXDEN_HEADER_READ_TIMEOUT_MS", "0"),
        ("FOXDEN_BODY_READ_TIMEOUT_MS", "-5"),
        ("FOXDEN_IDLE_TIMEOUT_MS", "soon"),
        ("FOXDEN_IDLE_TIMEOUT_MS", "99999999999999"),
        ("FOXDEN_MAX_CONNECTIONS", "0"),
        ("FOXDEN_MAX_CONNECTIONS", "lots"),
    ] {
        let err = load(&[(key, value)], "").err().unwrap_or_default();
        assert!(err.contains(key), "{key}={value}: {err:?}");
    }
    assert!(load(&[], "max_connections = 0").is_err());
}

#[test]
fn env_overrides_file() {
    let s = load(
        &[("FOXDEN_LISTEN", "127.0.0.1:9100")],
        "listen = \"127.0.0.1:9200\"\nmail_from = \"a@b.c\"",
    )
    .unwrap();
    assert_eq!(s.listen.port(), 9100);
    assert_eq!(s.mail_from, "a@b.c");
    assert!(load(&[("FOXDEN_HAWK_SKEW_SECS", "x")], "").is_err());
    assert!(load(&[], "nonsense = 1").is_err());
}

#[test]
fn redacts_passwords() {
    let s = load(&[("FOXDEN_DATABASE_URL", "postgres://u:secret@h/db")], "").unwrap();
    assert!(!s.redacted().contains("secret"));
    assert!(!format!("{s:?}").contains("secret"));
}

#[test]
fn secrets_print_as_stars() {
    let s = load(
        &[
            ("FOXDEN_DATABASE_URL", "postgres://u:hunter2@h/db"),
            ("FOXDEN_SMTP_URL", "smtp://mailer:hunter3@h:25"),
        ],
        "",
    )
    .unwrap();
    assert_eq!(
        format!("{:?} {}", s.database_url, s.database_url),
        "*** ***"
    );
    let smtp = s.smtp_url.as_ref().unwrap();
    assert_eq!(format!("{smtp:?} {smtp}"), "*** ***");
    assert_eq!(smtp.expose(), "smtp://mailer:hunter3@h:25");
    let shown = s.redacted();
    assert!(!shown.contains("hunter"), "{shown}");
    assert!(
        shown.contains("smtp_url = \"smtp://mailer:REDACTED@h:25\""),
        "{shown}"
    );
}

#[test]
fn every_key_is_loaded_and_printed() {
    let (s, read) = load_reading(&[], "").unwrap();
    let defined: std::collections::BTreeSet<&str> = keys::KEYS.iter().map(|k| k.name).collect();
    assert_eq!(read, defined, "keys read by the loader vs keys::KEYS");
    assert_eq!(defined.len(), keys::KEYS.len(), "a key is defined twice");
    let shown = s.redacted();
    let printed: Vec<&str> = shown
        .lines()
        .map(|line| line.split(" = ").next().unwrap_or_default())
        .collect();
    let names: Vec<&str> = keys::KEYS.iter().map(|k| k.name).collect();
    assert_eq!(printed, names);
}

#[test]
fn every_key_can_be_set_in_the_file() {
    for key in keys::KEYS {
        let err = load(&[], &format!("{} = []", key.name)).err();
        assert!(
            err.as_deref().is_some_and(|e| e.contains(key.name)),
            "{}: {err:?}",
            key.name
        );
    }
    let err = load(&[], "scrypt_workers = -1").err().unwrap_or_default();
    assert!(err.contains("scrypt_workers"), "{err}");
    let err = load(&[], "log_format = \"xml\"").err().unwrap_or_default();
    assert!(err.contains("FOXDEN_LOG_FORMAT"), "{err}");
    assert_eq!(
        load(&[], "log_format = \"json\"").unwrap().log_format,
        LogFormat::Json
    );
}

#[test]
fn for_tests_uses_the_defaults() {
    let dir = std::path::Path::new("/tmp/foxden-for-tests");
    let s = Settings::for_tests("127.0.0.1:4321".parse().unwrap(), dir);
    assert_eq!(s.public_url.as_str(), "http://127.0.0.1:4321/");
    assert_eq!(s.data_dir, dir);
    assert_eq!(s.database_url.expose(), &foxden_db::sqlite_url_for(dir));
    assert_eq!((s.scrypt_workers, s.scrypt_refusal_hold_ms), (2, 0));
    assert_eq!(s.max_body_bytes, 16384);
    assert!(s.rate_limit && s.smtp_url.is_none());
}

/// The README's configuration table is the one `keys::readme_table` renders; after
/// changing a key, paste the table this test prints into README.md.
#[test]
fn readme_table_matches_the_keys() {
    let readme = include_str!("../../../../README.md");
    let expected = keys::readme_table();
    let start = readme.find("| variable | default | meaning |");
    let found = start.map(|start| {
        let rest = &readme[start..];
        let end = rest.find("\n\n").map_or(rest.len(), |end| end + 1);
        &rest[..end]
    });
    assert!(
        found == Some(expected.as_str()),
        "README.md's configuration table differs from settings::keys; it should be:\n{expected}"
    );
}

#[test]
fn discovery_urls_default_from_the_public_url_and_are_normalized() {
    let s = load(&[("FOXDEN_PUBLIC_URL", "https://fxa.example.org/")], "").unwrap();
    let d = &s.discovery;
    assert_eq!(d.openid_issuer, "https://fxa.example.org");
    assert_eq!(d.auth_server_url, "https://fxa.example.org");
    assert_eq!(d.oauth_server_url, "https://fxa.example.org");
    assert_eq!(d.profile_server_url, "https://fxa.example.org/profile");
    assert!(d.pairing_server_url.is_none() && d.sync_tokenserver_url.is_none());
    let s = load(
        &[
            ("FOXDEN_AUTH_SERVER_URL", "https://api.example.org/v1/"),
            ("FOXDEN_SYNC_TOKENSERVER_URL", "https://token.example.org/1.0/sync/1.5"),
        ],
        "openid_issuer = \"https://id.example.org\"\npairing_server_url = \"wss://pair.example.org\"\nprofile_server_url = \"https://p.example.org/v1\"",
    )
    .unwrap();
    let d = &s.discovery;
    assert_eq!(d.openid_issuer, "https://id.example.org");
    assert_eq!(d.auth_server_url, "https://api.example.org");
    assert_eq!(d.profile_server_url, "https://p.example.org");
    assert_eq!(
        d.pairing_server_url.as_deref(),
        Some("wss://pair.example.org")
    );
    assert_eq!(
        d.sync_tokenserver_url.as_deref(),
        Some("https://token.example.org")
    );
    let err = load(&[("FOXDEN_SYNC_TOKENSERVER_URL", "token.example.org")], "").unwrap_err();
    assert!(err.contains("FOXDEN_SYNC_TOKENSERVER_URL"), "{err}");
    assert!(load(
        &[("FOXDEN_PAIRING_SERVER_URL", "https://pair.example.org")],
        ""
    )
    .is_err());
}
