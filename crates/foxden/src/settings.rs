//! One settings tree: defaults → `foxden.toml` → `FOXDEN_*` environment variables.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    /// The URL clients use; Hawk MACs are computed with its host and port.
    pub public_url: url::Url,
    pub data_dir: PathBuf,
    /// `sqlite:<path>` or `postgres://…`.
    pub database_url: String,
    /// `smtp://host:port` (or `smtps://`); unset → `.eml` files in `<data dir>/outbox/`.
    pub smtp_url: Option<String>,
    pub mail_from: String,
    /// Where links in mail point (the FxA content server).
    pub content_url: url::Url,
    pub log_format: LogFormat,
    /// Accepted difference between a Hawk `ts` and the server clock.
    pub hawk_skew_secs: i64,
    pub max_body_bytes: usize,
    /// Password hashes in flight at once (default: one per core).
    pub scrypt_workers: usize,
    /// Password hashes allowed to wait; beyond that the server answers 503 errno 201.
    pub scrypt_queue: usize,
    /// Longest expected wait for a password hash before the server answers 503 errno 201.
    pub scrypt_max_wait_ms: i64,
    /// How long a refused password check (503 errno 201) is held before it is answered (ms).
    pub scrypt_refusal_hold_ms: i64,
    /// Lifetime of a session with no device record (ms); 0 = unlimited.
    pub session_lifetime_ms: i64,
    /// Sign-in confirmation is skipped for accounts younger than this (ms).
    pub skip_confirm_new_account_ms: i64,
    /// Sign-in confirmation is skipped when the account had a verified security event
    /// from the same IP this recently (ms; FxA's `securityHistory.ipProfiling.allowedRecency`);
    /// 0 turns the rule off.
    pub known_ip_recency_ms: i64,
    /// Emails (matched case-insensitively) whose sign-ins always need confirmation,
    /// even on new accounts and without keys (FxA's `forcedEmailAddresses`); unset = none.
    pub signin_confirm_force_email_regex: Option<regex::Regex>,
    /// Rate limiting ("customs"); on unless turned off (e.g. for load tests).
    pub rate_limit: bool,
    /// The most addresses of the `X-Forwarded-For` chain plus the socket peer that
    /// are counted from the right to find the client: the number of proxies in
    /// front + 1 (FxA's `clientAddressDepth`). Default 2: one TLS proxy.
    pub client_address_depth: usize,
    /// Peers whose `X-Forwarded-For` is believed (IPs or CIDRs); default none, so
    /// without a proxy the socket peer is the client whatever it claims.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Clients never rate limited, by address (Mozilla customs' `allowedIPs`).
    pub rate_limit_allowed_ips: Vec<ipnet::IpNet>,
    /// Emails never rate limited, by domain (Mozilla customs' `allowedEmailDomains`):
    /// `example.com` is that domain, `*.example.com` any domain below it.
    pub rate_limit_allowed_email_domains: Vec<String>,
    /// A request head must be complete this long after the connection opened
    /// (first request) or after its first byte (ms).
    pub header_read_timeout_ms: u64,
    /// A request body must be complete this long after its head (ms); else 408.
    pub body_read_timeout_ms: u64,
    /// A keep-alive connection with no request for this long is closed (ms).
    pub idle_timeout_ms: u64,
    /// Open connections at most; `None`: min(10000, open-file limit − reserve).
    pub max_connections: Option<usize>,
}

/// The subset a `foxden.toml` file may set (all optional).
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<String>,
    public_url: Option<String>,
    data_dir: Option<String>,
    database_url: Option<String>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    content_url: Option<String>,
    log_format: Option<LogFormat>,
    hawk_skew_secs: Option<i64>,
    max_body_bytes: Option<usize>,
    scrypt_workers: Option<usize>,
    scrypt_queue: Option<usize>,
    scrypt_max_wait_ms: Option<i64>,
    scrypt_refusal_hold_ms: Option<i64>,
    session_lifetime_ms: Option<i64>,
    skip_confirm_new_account_ms: Option<i64>,
    known_ip_recency_ms: Option<i64>,
    signin_confirm_force_email: Option<String>,
    rate_limit: Option<bool>,
    client_address_depth: Option<usize>,
    trusted_proxies: Option<String>,
    rate_limit_allowed_ips: Option<String>,
    rate_limit_allowed_email_domains: Option<String>,
    header_read_timeout_ms: Option<i64>,
    body_read_timeout_ms: Option<i64>,
    idle_timeout_ms: Option<i64>,
    max_connections: Option<i64>,
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
        let file = match config_path {
            Some(path) => read_file(path)?,
            None if Path::new("foxden.toml").exists() => read_file(Path::new("foxden.toml"))?,
            None => FileSettings::default(),
        };
        Self::from_sources(file, |key| std::env::var(key).ok())
    }

    fn from_sources(
        file: FileSettings,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, String> {
        let pick = |key: &str, from_file: Option<String>| env(key).or(from_file);
        let number = |key: &str, from_file: Option<i64>| -> Result<Option<i64>, String> {
            match env(key) {
                Some(v) => v
                    .parse()
                    .map(Some)
                    .map_err(|_| format!("{key} must be a whole number")),
                None => Ok(from_file),
            }
        };
        let listen: SocketAddr = pick("FOXDEN_LISTEN", file.listen)
            .unwrap_or_else(|| "127.0.0.1:9000".into())
            .parse()
            .map_err(|_| "FOXDEN_LISTEN must be host:port".to_string())?;
        let public_url = pick("FOXDEN_PUBLIC_URL", file.public_url)
            .unwrap_or_else(|| format!("http://{listen}"));
        let public_url = parse_url("FOXDEN_PUBLIC_URL", &public_url)?;
        let data_dir = PathBuf::from(
            pick("FOXDEN_DATA_DIR", file.data_dir).unwrap_or_else(|| "./foxden-data".into()),
        );
        let database_url = pick("FOXDEN_DATABASE_URL", file.database_url)
            .unwrap_or_else(|| foxden_db::sqlite_url_for(&data_dir));
        let smtp_url = pick("FOXDEN_SMTP_URL", file.smtp_url).filter(|s| !s.is_empty());
        // A mail domain must be a name; an IP literal (the default public URL) is not valid there.
        let host = match public_url.host() {
            Some(url::Host::Domain(name)) => name.to_string(),
            _ => "localhost".to_string(),
        };
        let mail_from = pick("FOXDEN_MAIL_FROM", file.mail_from)
            .unwrap_or_else(|| format!("Firefox Accounts <no-reply@{host}>"));
        let content_url =
            pick("FOXDEN_CONTENT_URL", file.content_url).unwrap_or_else(|| public_url.to_string());
        let content_url = parse_url("FOXDEN_CONTENT_URL", &content_url)?;
        let log_format = match env("FOXDEN_LOG_FORMAT").as_deref() {
            Some("json") => LogFormat::Json,
            Some("pretty") => LogFormat::Pretty,
            Some(_) => return Err("FOXDEN_LOG_FORMAT must be pretty or json".into()),
            None => file.log_format.unwrap_or(LogFormat::Pretty),
        };
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        let scrypt_workers = number(
            "FOXDEN_SCRYPT_WORKERS",
            file.scrypt_workers.map(|n| n as i64),
        )?
        .map(|n| n.max(1) as usize)
        .unwrap_or(cores);
        let scrypt_queue = number("FOXDEN_SCRYPT_QUEUE", file.scrypt_queue.map(|n| n as i64))?
            .map(|n| n.max(0) as usize)
            .unwrap_or(8 * scrypt_workers);
        let signin_confirm_force_email_regex = pick(
            "FOXDEN_SIGNIN_CONFIRM_FORCE_EMAIL",
            file.signin_confirm_force_email,
        )
        .filter(|s| !s.is_empty())
        .map(|pattern| force_email_regex(&pattern))
        .transpose()?;
        let rate_limit = match env("FOXDEN_RATE_LIMIT").as_deref() {
            Some("on" | "true" | "1") => true,
            Some("off" | "false" | "0") => false,
            Some(_) => return Err("FOXDEN_RATE_LIMIT must be on or off".into()),
            None => file.rate_limit.unwrap_or(true),
        };
        let trusted_proxies = parse_networks(
            "FOXDEN_TRUSTED_PROXIES",
            &pick("FOXDEN_TRUSTED_PROXIES", file.trusted_proxies).unwrap_or_default(),
        )?;
        let rate_limit_allowed_ips = parse_networks(
            "FOXDEN_RATE_LIMIT_ALLOWED_IPS",
            &pick("FOXDEN_RATE_LIMIT_ALLOWED_IPS", file.rate_limit_allowed_ips).unwrap_or_default(),
        )?;
        let rate_limit_allowed_email_domains = parse_domains(
            &pick(
                "FOXDEN_RATE_LIMIT_ALLOWED_EMAIL_DOMAINS",
                file.rate_limit_allowed_email_domains,
            )
            .unwrap_or_default(),
        )?;
        let timeout_ms = |key: &str, from_file: Option<i64>, default: i64| {
            let ms = number(key, from_file)?.unwrap_or(default);
            if (1..=MAX_CONNECTION_TIMEOUT_MS).contains(&ms) {
                Ok(ms as u64)
            } else {
                Err(format!(
                    "{key} must be between 1 and {MAX_CONNECTION_TIMEOUT_MS} milliseconds"
                ))
            }
        };
        let max_connections = match number("FOXDEN_MAX_CONNECTIONS", file.max_connections)? {
            None => None,
            Some(n) if (1..=MAX_CONNECTIONS_CEILING).contains(&n) => Some(n as usize),
            Some(_) => {
                return Err(format!(
                    "FOXDEN_MAX_CONNECTIONS must be between 1 and {MAX_CONNECTIONS_CEILING}"
                ))
            }
        };
        let settings = Settings {
            listen,
            public_url,
            data_dir,
            database_url,
            smtp_url,
            mail_from,
            content_url,
            log_format,
            hawk_skew_secs: number("FOXDEN_HAWK_SKEW_SECS", file.hawk_skew_secs)?
                .unwrap_or(TWENTY_YEARS_SECS),
            max_body_bytes: number(
                "FOXDEN_MAX_BODY_BYTES",
                file.max_body_bytes.map(|n| n as i64),
            )?
            .map(|n| n.max(1) as usize)
            .unwrap_or(16 * 1024),
            scrypt_workers,
            scrypt_queue,
            scrypt_max_wait_ms: number("FOXDEN_SCRYPT_MAX_WAIT_MS", file.scrypt_max_wait_ms)?
                .unwrap_or(1500)
                .max(0),
            scrypt_refusal_hold_ms: number(
                "FOXDEN_SCRYPT_REFUSAL_HOLD_MS",
                file.scrypt_refusal_hold_ms,
            )?
            .unwrap_or(500)
            .clamp(0, 10_000),
            session_lifetime_ms: number("FOXDEN_SESSION_LIFETIME_MS", file.session_lifetime_ms)?
                .unwrap_or(FOUR_WEEKS_MS),
            skip_confirm_new_account_ms: number(
                "FOXDEN_SKIP_CONFIRM_NEW_ACCOUNT_MS",
                file.skip_confirm_new_account_ms,
            )?
            .unwrap_or(FOUR_HOURS_MS),
            known_ip_recency_ms: number("FOXDEN_KNOWN_IP_RECENCY_MS", file.known_ip_recency_ms)?
                .unwrap_or(SEVENTY_TWO_HOURS_MS)
                .max(0),
            signin_confirm_force_email_regex,
            rate_limit,
            client_address_depth: number(
                "FOXDEN_CLIENT_ADDRESS_DEPTH",
                file.client_address_depth.map(|n| n as i64),
            )?
            .map(|n| n.max(1) as usize)
            .unwrap_or(2),
            trusted_proxies,
            rate_limit_allowed_ips,
            rate_limit_allowed_email_domains,
            header_read_timeout_ms: timeout_ms(
                "FOXDEN_HEADER_READ_TIMEOUT_MS",
                file.header_read_timeout_ms,
                10_000,
            )?,
            body_read_timeout_ms: timeout_ms(
                "FOXDEN_BODY_READ_TIMEOUT_MS",
                file.body_read_timeout_ms,
                30_000,
            )?,
            idle_timeout_ms: timeout_ms("FOXDEN_IDLE_TIMEOUT_MS", file.idle_timeout_ms, 60_000)?,
            max_connections,
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

    /// The effective configuration with secrets redacted, for `foxden config check`.
    pub fn redacted(&self) -> String {
        format!(
            "listen = \"{}\"\npublic_url = \"{}\"\ndata_dir = \"{}\"\ndatabase_url = \"{}\"\nsmtp_url = {}\n\
             mail_from = \"{}\"\ncontent_url = \"{}\"\nlog_format = \"{}\"\nhawk_skew_secs = {}\n\
             max_body_bytes = {}\nscrypt_workers = {}\nscrypt_queue = {}\nscrypt_max_wait_ms = {}\nscrypt_refusal_hold_ms = {}\nsession_lifetime_ms = {}\n\
             skip_confirm_new_account_ms = {}\nknown_ip_recency_ms = {}\nsignin_confirm_force_email = {}\n\
             rate_limit = {}\nclient_address_depth = {}\ntrusted_proxies = \"{}\"\n\
             rate_limit_allowed_ips = \"{}\"\nrate_limit_allowed_email_domains = \"{}\"\n\
             header_read_timeout_ms = {}\nbody_read_timeout_ms = {}\nidle_timeout_ms = {}\nmax_connections = {}\n",
            self.listen,
            self.public_url,
            self.data_dir.display(),
            redact_url(&self.database_url),
            self.smtp_url.as_deref().map(|u| format!("\"{}\"", redact_url(u))).unwrap_or_else(|| "(outbox)".into()),
            self.mail_from,
            self.content_url,
            match self.log_format {
                LogFormat::Pretty => "pretty",
                LogFormat::Json => "json",
            },
            self.hawk_skew_secs,
            self.max_body_bytes,
            self.scrypt_workers,
            self.scrypt_queue,
            self.scrypt_max_wait_ms,
            self.scrypt_refusal_hold_ms,
            self.session_lifetime_ms,
            self.skip_confirm_new_account_ms,
            self.known_ip_recency_ms,
            match &self.signin_confirm_force_email_regex {
                Some(re) => format!("{:?}", re.as_str()),
                None => "(none)".into(),
            },
            self.rate_limit,
            self.client_address_depth,
            list(&self.trusted_proxies),
            list(&self.rate_limit_allowed_ips),
            self.rate_limit_allowed_email_domains.join(", "),
            self.header_read_timeout_ms,
            self.body_read_timeout_ms,
            self.idle_timeout_ms,
            match self.max_connections {
                Some(n) => n.to_string(),
                None => "(from the open-file limit)".into(),
            },
        )
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

fn read_file(path: &Path) -> Result<FileSettings, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The forced-confirmation pattern, matched case-insensitively.
pub fn force_email_regex(pattern: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .build()
        .map_err(|e| format!("FOXDEN_SIGNIN_CONFIRM_FORCE_EMAIL is not a valid regex: {e}"))
}

fn list(nets: &[ipnet::IpNet]) -> String {
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
