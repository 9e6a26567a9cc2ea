//! One settings tree: defaults → `foxden.toml` → `FOXDEN_*` environment variables.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub mod discovery;
pub mod keys;
mod secret;
mod sources;

pub use secret::Secret;
use sources::Sources;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// The effective configuration. Each field's key, default and meaning are defined
/// once, in [`keys::KEYS`] (the README's table is checked against it).
#[derive(Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub public_url: url::Url,
    pub data_dir: PathBuf,
    /// `sqlite:<path>` or `postgres://…` (may hold a password).
    pub database_url: Secret<String>,
    /// `smtp://…` or `smtps://…` (may hold a password); unset: the outbox folder.
    pub smtp_url: Option<Secret<String>>,
    pub mail_from: String,
    /// The wait after a mail's first failed hand-off (ms); doubles with each failure.
    pub mail_retry_ms: i64,
    /// Extra CA certificates (PEM) trusted for push services, besides Mozilla's list.
    pub push_ca_file: Option<PathBuf>,
    /// The wait after a push's first failed attempt (ms); doubles with each failure.
    pub push_retry_ms: i64,
    pub content_url: url::Url,
    /// Where the profile server is mounted (`/profile`: its API is `/profile/v1/…`).
    pub profile_server_prefix: String,
    pub log_format: LogFormat,
    pub hawk_skew_secs: i64,
    pub max_body_bytes: usize,
    pub scrypt_workers: usize,
    pub scrypt_queue: usize,
    pub scrypt_max_wait_ms: i64,
    pub scrypt_refusal_hold_ms: i64,
    pub session_lifetime_ms: i64,
    pub skip_confirm_new_account_ms: i64,
    pub known_ip_recency_ms: i64,
    /// Compiled from `signin_confirm_force_email`.
    pub signin_confirm_force_email_regex: Option<regex::Regex>,
    /// Compiled from `push_allowed_servers`: the push callback URLs devices may
    /// register (and the push services foxden posts to).
    pub push_allowed_servers: regex::Regex,
    pub rate_limit: bool,
    /// PostgreSQL: the per-node session cache invalidated across nodes (ADR 0011).
    pub postgres_session_cache: bool,
    pub client_address_depth: usize,
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub rate_limit_allowed_ips: Vec<ipnet::IpNet>,
    pub rate_limit_allowed_email_domains: Vec<String>,
    pub header_read_timeout_ms: u64,
    pub body_read_timeout_ms: u64,
    pub idle_timeout_ms: u64,
    /// `None`: min(10000, open-file limit − reserve).
    pub max_connections: Option<usize>,
    /// The URLs the discovery documents and OpenID tokens name.
    pub discovery: discovery::Discovery,
}

const TWENTY_YEARS_SECS: i64 = 20 * 365 * 24 * 60 * 60;
const FOUR_WEEKS_MS: i64 = 28 * 24 * 60 * 60 * 1000;
const FOUR_HOURS_MS: i64 = 4 * 60 * 60 * 1000;
const SEVENTY_TWO_HOURS_MS: i64 = 72 * 60 * 60 * 1000;
/// Longest connection timeout accepted (a day).
const MAX_CONNECTION_TIMEOUT_MS: i64 = 24 * 60 * 60 * 1000;
const MAX_CONNECTIONS_CEILING: i64 = 1_000_000;

impl Settings {
    /// Loads `config_path` (or `./foxden.toml` when it exists) and applies the environment.
    pub fn load(config_path: Option<&Path>) -> Result<Self, String> {
        let env = |key: &str| std::env::var(key).ok();
        let sources = match config_path {
            Some(path) => Sources::from_file(path, env)?,
            None if Path::new("foxden.toml").exists() => {
                Sources::from_file(Path::new("foxden.toml"), env)?
            }
            None => Sources::new("foxden.toml", toml::Table::new(), env)?,
        };
        Self::from_sources(&sources)
    }

    /// The defaults for a test server on `listen` with its data in `data_dir`, with a
    /// small password pool that never refuses (2 workers, no refusal hold). Tests
    /// change what they need with `Settings { field, ..Settings::for_tests(…) }`.
    pub fn for_tests(listen: SocketAddr, data_dir: &Path) -> Self {
        let listen_text = listen.to_string();
        let data_dir_text = data_dir.display().to_string();
        let env = |key: &str| match key {
            "FOXDEN_LISTEN" => Some(listen_text.clone()),
            "FOXDEN_DATA_DIR" => Some(data_dir_text.clone()),
            _ => None,
        };
        let sources = Sources::new("for_tests", toml::Table::new(), env)
            .and_then(|sources| Self::from_sources(&sources));
        let defaults = match sources {
            Ok(settings) => settings,
            // Only a listen address with no port could get here, and a SocketAddr has one.
            Err(err) => unreachable!("test settings: {err}"),
        };
        Settings {
            mail_from: "Firefox Accounts <no-reply@foxden.test>".into(),
            scrypt_workers: 2,
            scrypt_queue: 32,
            scrypt_max_wait_ms: 60_000,
            scrypt_refusal_hold_ms: 0,
            ..defaults
        }
    }

    fn from_sources(src: &Sources<'_>) -> Result<Self, String> {
        let listen: SocketAddr = src
            .text("listen")?
            .unwrap_or_else(|| "127.0.0.1:9000".into())
            .parse()
            .map_err(|_| "FOXDEN_LISTEN must be host:port".to_string())?;
        let public_url = src
            .text("public_url")?
            .unwrap_or_else(|| format!("http://{listen}"));
        let public_url = parse_url("FOXDEN_PUBLIC_URL", &public_url)?;
        let data_dir = PathBuf::from(
            src.text("data_dir")?
                .unwrap_or_else(|| "./foxden-data".into()),
        );
        let database_url = src
            .text("database_url")?
            .unwrap_or_else(|| foxden_db::sqlite_url_for(&data_dir));
        let smtp_url = src.text("smtp_url")?.filter(|s| !s.is_empty());
        // A mail domain must be a name; an IP literal (the default public URL) is not valid there.
        let host = match public_url.host() {
            Some(url::Host::Domain(name)) => name.to_string(),
            _ => "localhost".to_string(),
        };
        let mail_from = src
            .text("mail_from")?
            .unwrap_or_else(|| format!("Firefox Accounts <no-reply@{host}>"));
        let content_url = src
            .text("content_url")?
            .unwrap_or_else(|| public_url.to_string());
        let content_url = parse_url("FOXDEN_CONTENT_URL", &content_url)?;
        let profile_server_prefix = profile_prefix(
            &src.text("profile_server_prefix")?
                .unwrap_or_else(|| "/profile".into()),
        )?;
        let log_format = match src.choice("log_format", &["pretty", "json"])? {
            Some("json") => LogFormat::Json,
            _ => LogFormat::Pretty,
        };
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        let scrypt_workers = src
            .count("scrypt_workers")?
            .map(|n| n.max(1) as usize)
            .unwrap_or(cores);
        let scrypt_queue = src
            .count("scrypt_queue")?
            .map(|n| n.max(0) as usize)
            .unwrap_or(8 * scrypt_workers);
        let signin_confirm_force_email_regex = src
            .text("signin_confirm_force_email")?
            .filter(|s| !s.is_empty())
            .map(|pattern| force_email_regex(&pattern))
            .transpose()?;
        let push_allowed_servers = push_servers_regex(
            &src.text("push_allowed_servers")?
                .unwrap_or_else(|| DEFAULT_PUSH_ALLOWED_SERVERS.into()),
        )?;
        let rate_limit = src.switch("rate_limit")?.unwrap_or(true);
        let postgres_session_cache = src.switch("postgres_session_cache")?.unwrap_or(true);
        let trusted_proxies = parse_networks(
            "FOXDEN_TRUSTED_PROXIES",
            &src.text("trusted_proxies")?.unwrap_or_default(),
        )?;
        let rate_limit_allowed_ips = parse_networks(
            "FOXDEN_RATE_LIMIT_ALLOWED_IPS",
            &src.text("rate_limit_allowed_ips")?.unwrap_or_default(),
        )?;
        let rate_limit_allowed_email_domains = parse_domains(
            &src.text("rate_limit_allowed_email_domains")?
                .unwrap_or_default(),
        )?;
        let timeout_ms = |name: &'static str, default: i64| {
            let ms = src.number(name)?.unwrap_or(default);
            if (1..=MAX_CONNECTION_TIMEOUT_MS).contains(&ms) {
                Ok(ms as u64)
            } else {
                Err(format!(
                    "FOXDEN_{} must be between 1 and {MAX_CONNECTION_TIMEOUT_MS} milliseconds",
                    name.to_ascii_uppercase()
                ))
            }
        };
        let max_connections = match src.number("max_connections")? {
            None => None,
            Some(n) if (1..=MAX_CONNECTIONS_CEILING).contains(&n) => Some(n as usize),
            Some(_) => {
                return Err(format!(
                    "FOXDEN_MAX_CONNECTIONS must be between 1 and {MAX_CONNECTIONS_CEILING}"
                ))
            }
        };
        let discovery =
            discovery::Discovery::from_sources(src, &public_url, &profile_server_prefix)?;
        let settings = Settings {
            listen,
            public_url,
            data_dir,
            database_url: Secret::new(database_url),
            smtp_url: smtp_url.map(Secret::new),
            mail_from,
            content_url,
            profile_server_prefix,
            log_format,
            hawk_skew_secs: src.number("hawk_skew_secs")?.unwrap_or(TWENTY_YEARS_SECS),
            max_body_bytes: src
                .count("max_body_bytes")?
                .map(|n| n.max(1) as usize)
                .unwrap_or(16 * 1024),
            scrypt_workers,
            scrypt_queue,
            scrypt_max_wait_ms: src.number("scrypt_max_wait_ms")?.unwrap_or(1500).max(0),
            mail_retry_ms: src
                .number("mail_retry_ms")?
                .unwrap_or(30_000)
                .clamp(1, 3_600_000),
            push_ca_file: src
                .text("push_ca_file")?
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
            push_retry_ms: src
                .number("push_retry_ms")?
                .unwrap_or(30_000)
                .clamp(1, 3_600_000),
            scrypt_refusal_hold_ms: src
                .number("scrypt_refusal_hold_ms")?
                .unwrap_or(500)
                .clamp(0, 10_000),
            session_lifetime_ms: src.number("session_lifetime_ms")?.unwrap_or(FOUR_WEEKS_MS),
            skip_confirm_new_account_ms: src
                .number("skip_confirm_new_account_ms")?
                .unwrap_or(FOUR_HOURS_MS),
            known_ip_recency_ms: src
                .number("known_ip_recency_ms")?
                .unwrap_or(SEVENTY_TWO_HOURS_MS)
                .max(0),
            signin_confirm_force_email_regex,
            push_allowed_servers,
            rate_limit,
            postgres_session_cache,
            client_address_depth: src
                .count("client_address_depth")?
                .map(|n| n.max(1) as usize)
                .unwrap_or(2),
            trusted_proxies,
            rate_limit_allowed_ips,
            rate_limit_allowed_email_domains,
            header_read_timeout_ms: timeout_ms("header_read_timeout_ms", 10_000)?,
            body_read_timeout_ms: timeout_ms("body_read_timeout_ms", 30_000)?,
            idle_timeout_ms: timeout_ms("idle_timeout_ms", 60_000)?,
            max_connections,
            discovery,
        };
        settings.hawk_port()?;
        Ok(settings)
    }

    /// Host and port Hawk MACs are computed with (default port from the scheme).
    pub fn hawk_host(&self) -> String {
        self.public_url
            .host_str()
            .unwrap_or("localhost")
            .to_string()
    }

    pub fn hawk_port(&self) -> Result<u16, String> {
        self.public_url
            .port_or_known_default()
            .ok_or_else(|| "FOXDEN_PUBLIC_URL needs a port or an http(s) scheme".to_string())
    }

    /// The effective configuration with secrets redacted, for `foxden config check`:
    /// one `key = value` line per key of [`keys::KEYS`].
    pub fn redacted(&self) -> String {
        keys::KEYS
            .iter()
            .map(|key| format!("{} = {}\n", key.name, (key.show)(self)))
            .collect()
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// The forced-confirmation pattern, matched case-insensitively.
/// Mozilla's `push.allowedServerRegex`: its autopush hosts, any port.
pub const DEFAULT_PUSH_ALLOWED_SERVERS: &str = r"^https://[a-zA-Z0-9._-]+(\.services\.mozilla\.com|autopush\.dev\.mozaws\.net|autopush\.stage\.mozaws\.net)(?::\d+)?(/.*)?$";

pub fn push_servers_regex(pattern: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(pattern)
        .map_err(|e| format!("FOXDEN_PUSH_ALLOWED_SERVERS is not a valid regex: {e}"))
}

pub fn force_email_regex(pattern: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .build()
        .map_err(|e| format!("FOXDEN_SIGNIN_CONFIRM_FORCE_EMAIL is not a valid regex: {e}"))
}

pub(crate) fn list(nets: &[ipnet::IpNet]) -> String {
    nets.iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn entries(list: &str) -> impl Iterator<Item = &str> {
    list.split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A list of IPs or CIDRs separated by commas or spaces (`key` names it in errors).
pub fn parse_networks(key: &str, list: &str) -> Result<Vec<ipnet::IpNet>, String> {
    entries(list)
        .map(|entry| {
            entry
                .parse::<ipnet::IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map(|net| net.trunc())
                .map_err(|_| format!("{key}: {entry:?} is not an IP address or CIDR"))
        })
        .collect()
}

/// `FOXDEN_RATE_LIMIT_ALLOWED_EMAIL_DOMAINS`: domains, each optionally `*.`-prefixed.
fn parse_domains(list: &str) -> Result<Vec<String>, String> {
    entries(list)
        .map(|entry| {
            let name = entry.strip_prefix("*.").unwrap_or(entry);
            let ok = name.contains('.')
                && name
                    .split('.')
                    .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
            ok.then(|| entry.to_ascii_lowercase()).ok_or_else(|| {
                format!("FOXDEN_RATE_LIMIT_ALLOWED_EMAIL_DOMAINS: {entry:?} is not a domain or *.domain")
            })
        })
        .collect()
}

/// The first path segments of foxden's own routes outside the profile server (the
/// API, discovery, Dockerflow, and the content pages its mails link to).
const RESERVED_ROOT_SEGMENTS: &[&str] = &[
    "v1",
    ".well-known",
    "openapi.json",
    "__heartbeat__",
    "__lbheartbeat__",
    "__version__",
    "verify_email",
    "complete_signin",
    "report_signin",
    "signin_push_code_confirm",
    "complete_reset_password",
    "settings",
    "connect_another_device",
];

/// A path of one or more `/segment`s (letters, digits, `-`, `_`, `.`), without a
/// trailing `/`, that is not one of the auth server's own paths.
fn profile_prefix(value: &str) -> Result<String, String> {
    let segments: Vec<&str> = value.strip_prefix('/').unwrap_or("").split('/').collect();
    let valid = value.starts_with('/')
        && segments.iter().all(|seg| {
            !seg.is_empty()
                && !matches!(*seg, "." | "..")
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        });
    let taken = RESERVED_ROOT_SEGMENTS.contains(&segments[0]);
    if !valid || taken {
        return Err(format!(
            "FOXDEN_PROFILE_SERVER_PREFIX must be a path such as /profile, not under one \
             of foxden's own paths ({}), got {value:?}",
            RESERVED_ROOT_SEGMENTS.join(", ")
        ));
    }
    Ok(value.to_string())
}

fn parse_url(key: &str, value: &str) -> Result<url::Url, String> {
    url::Url::parse(value).map_err(|_| format!("{key} is not a valid URL"))
}

/// Hides the password of `scheme://user:password@host/…`.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("REDACTED"));
            parsed.to_string()
        }
        _ => raw.to_string(),
    }
}

#[cfg(test)]
mod tests;
