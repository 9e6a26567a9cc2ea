//! Every configuration key, defined once: its name (the `foxden.toml` key; the
//! environment variable is `FOXDEN_` + the name in upper case), its default and its
//! meaning as the README's configuration table shows them, and how `foxden config
//! check` prints its effective value. `settings/tests.rs` checks that the loader reads
//! every key and that the README's table is the one [`readme_table`] renders.

use super::{list, redact_url, LogFormat, Settings};

pub struct Key {
    pub name: &'static str,
    /// The default, as documented (Markdown).
    pub default: &'static str,
    /// What the key does (Markdown).
    pub meaning: &'static str,
    /// The effective value for `foxden config check` (secrets redacted).
    pub show: fn(&Settings) -> String,
}

impl Key {
    pub fn env(&self) -> String {
        format!("FOXDEN_{}", self.name.to_ascii_uppercase())
    }
}

pub fn find(name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|key| key.name == name)
}

fn quoted(value: impl std::fmt::Display) -> String {
    format!("\"{value}\"")
}

pub static KEYS: &[Key] = &[
    Key {
        name: "listen",
        default: "`127.0.0.1:9000`",
        meaning: "address to listen on",
        show: |s| quoted(s.listen),
    },
    Key {
        name: "public_url",
        default: "`http://<listen>`",
        meaning: "the URL clients use; Hawk MACs use its host and port",
        show: |s| quoted(&s.public_url),
    },
    Key {
        name: "data_dir",
        default: "`./foxden-data`",
        meaning: "SQLite file, server secret, mail outbox",
        show: |s| quoted(s.data_dir.display()),
    },
    Key {
        name: "database_url",
        default: "`sqlite:<data dir>/foxden.db`",
        meaning: "or `postgres://user@host/db` (a password in it is kept secret)",
        show: |s| quoted(redact_url(s.database_url.expose())),
    },
    Key {
        name: "postgres_session_cache",
        default: "`on`",
        meaning: "PostgreSQL only: each node caches sessions and drops an entry when any node changes it (LISTEN/NOTIFY, ADR 0011); `off` sends every session read to the database (needed only if something other than foxden writes `session_tokens`)",
        show: |s| s.postgres_session_cache.to_string(),
    },
    Key {
        name: "smtp_url",
        default: "unset",
        meaning: "e.g. `smtp://127.0.0.1:2525`; unset → `.eml` files in `<data dir>/outbox/` (a password in it is kept secret)",
        show: |s| match &s.smtp_url {
            Some(url) => quoted(redact_url(url.expose())),
            None => "(outbox)".into(),
        },
    },
    Key {
        name: "mail_from",
        default: "`Firefox Accounts <no-reply@host>`",
        meaning: "sender",
        show: |s| quoted(&s.mail_from),
    },
    Key {
        name: "mail_retry_ms",
        default: "30000",
        meaning: "wait after a mail's first failed hand-off; it doubles with each further failure, up to 1 h, and after 12 attempts (about 6 hours) the mail is given up (ADR 0014)",
        show: |s| s.mail_retry_ms.to_string(),
    },
    Key {
        name: "push_ca_file",
        default: "unset",
        meaning: "a PEM file of CA certificates trusted for Web Push services besides the Mozilla CA list (a self-hosted autopush with a private CA)",
        show: |s| match &s.push_ca_file {
            Some(path) => quoted(path.display()),
            None => "(none)".into(),
        },
    },
    Key {
        name: "push_retry_ms",
        default: "30000",
        meaning: "wait after a Web Push's first failed attempt (429, 5xx, no answer); it doubles with each further failure up to 1 h (at least the push service's `Retry-After`), for 12 attempts at most and never past the push's TTL",
        show: |s| s.push_retry_ms.to_string(),
    },
    Key {
        name: "content_url",
        default: "the public URL",
        meaning: "where links in mail point (`/verify_email`, `/complete_signin`, …) and the `authorization_endpoint` (`/authorization`) of `/.well-known/openid-configuration`; foxden serves those pages only when this is the public URL",
        show: |s| quoted(&s.content_url),
    },
    Key {
        name: "profile_server_prefix",
        default: "`/profile`",
        meaning: "where foxden serves the profile server: `<prefix>/v1/profile`, `<prefix>/v1/display_name`, …, the default avatar at `<prefix>/a/<id>`",
        show: |s| quoted(&s.profile_server_prefix),
    },
    Key {
        name: "log_format",
        default: "`pretty`",
        meaning: "or `json`; `RUST_LOG` filters",
        show: |s| {
            quoted(match s.log_format {
                LogFormat::Pretty => "pretty",
                LogFormat::Json => "json",
            })
        },
    },
    Key {
        name: "hawk_skew_secs",
        default: "20 years (as Mozilla)",
        meaning: "accepted Hawk clock skew",
        show: |s| s.hawk_skew_secs.to_string(),
    },
    Key {
        name: "max_body_bytes",
        default: "16384",
        meaning: "request body limit (413 errno 113)",
        show: |s| s.max_body_bytes.to_string(),
    },
    Key {
        name: "scrypt_workers",
        default: "cores",
        meaning: "password hashes in flight at once",
        show: |s| s.scrypt_workers.to_string(),
    },
    Key {
        name: "scrypt_queue",
        default: "8 × workers",
        meaning: "password hashes allowed to wait; beyond that the server answers 503 errno 201",
        show: |s| s.scrypt_queue.to_string(),
    },
    Key {
        name: "scrypt_max_wait_ms",
        default: "1500",
        meaning: "a password check whose expected wait is longer gets 503 errno 201 with `Retry-After`",
        show: |s| s.scrypt_max_wait_ms.to_string(),
    },
    Key {
        name: "scrypt_refusal_hold_ms",
        default: "500",
        meaning: "how long such a refusal is held before it is answered (it holds no place in the queue); keeps clients that ignore `Retry-After` from spinning",
        show: |s| s.scrypt_refusal_hold_ms.to_string(),
    },
    Key {
        name: "session_lifetime_ms",
        default: "4 weeks",
        meaning: "sessions without a device expire; 0 = never",
        show: |s| s.session_lifetime_ms.to_string(),
    },
    Key {
        name: "skip_confirm_new_account_ms",
        default: "4 hours",
        meaning: "sign-in confirmation is skipped for younger accounts",
        show: |s| s.skip_confirm_new_account_ms.to_string(),
    },
    Key {
        name: "known_ip_recency_ms",
        default: "72 hours",
        meaning: "a confirmed sign-in from the same IP within this window skips confirmation (FxA's `securityHistory.ipProfiling.allowedRecency`); 0 turns the rule off",
        show: |s| s.known_ip_recency_ms.to_string(),
    },
    Key {
        name: "signin_confirm_force_email",
        default: "unset (none)",
        meaning: "regex (case-insensitive) of emails whose sign-ins always need confirmation, even on new accounts and without keys; e.g. `@example\\.org$` (Mozilla uses `.+@mozilla\\.com$`)",
        show: |s| match &s.signin_confirm_force_email_regex {
            Some(re) => format!("{:?}", re.as_str()),
            None => "(none)".into(),
        },
    },
    Key {
        name: "push_allowed_servers",
        default: "Mozilla's autopush hosts",
        meaning: "regex of the push callback URLs devices may register: Mozilla's `push.allowedServerRegex` (`https://` hosts under `.services.mozilla.com`, `autopush.dev.mozaws.net` or `autopush.stage.mozaws.net`, any port); self-hosters running their own autopush add its host",
        show: |s| format!("{:?}", s.push_allowed_servers.as_str()),
    },
    Key {
        name: "rate_limit",
        default: "`on`",
        meaning: "rate limits on sign-in, sign-up, mails and codes (Mozilla's rules; counters in the database, shared by all nodes); `off` for load tests only",
        show: |s| s.rate_limit.to_string(),
    },
    Key {
        name: "client_address_depth",
        default: "2",
        meaning: "the most addresses of `X-Forwarded-For` + the socket peer counted from the right: the number of proxies in front of foxden + 1 (FxA's `clientAddressDepth`); the walk left also stops at the first address that is not a trusted proxy",
        show: |s| s.client_address_depth.to_string(),
    },
    Key {
        name: "trusted_proxies",
        default: "none",
        meaning: "IPs or CIDRs (comma- or space-separated) of the proxies in front of foxden; only from these is `X-Forwarded-For` believed. Unset, the socket peer is the client",
        show: |s| quoted(list(&s.trusted_proxies)),
    },
    Key {
        name: "rate_limit_allowed_ips",
        default: "none",
        meaning: "IPs or CIDRs never rate limited (Mozilla customs' `allowedIPs`)",
        show: |s| quoted(list(&s.rate_limit_allowed_ips)),
    },
    Key {
        name: "rate_limit_allowed_email_domains",
        default: "none",
        meaning: "email domains never rate limited (`allowedEmailDomains`): `restmail.net` is that domain, `*.example.org` the domains below it; for test suites such as PyFxA's",
        show: |s| quoted(s.rate_limit_allowed_email_domains.join(", ")),
    },
    Key {
        name: "header_read_timeout_ms",
        default: "10000",
        meaning: "a request head must be complete this long after the connection opened (first request) or after its first byte; else the connection is closed",
        show: |s| s.header_read_timeout_ms.to_string(),
    },
    Key {
        name: "body_read_timeout_ms",
        default: "30000",
        meaning: "a request body must be complete this long after its head; else 408 and the connection is closed",
        show: |s| s.body_read_timeout_ms.to_string(),
    },
    Key {
        name: "idle_timeout_ms",
        default: "60000",
        meaning: "a keep-alive connection with no request for this long is closed",
        show: |s| s.idle_timeout_ms.to_string(),
    },
    Key {
        name: "max_connections",
        default: "min(10000, open-file limit − 256)",
        meaning: "open connections at most; at the cap the ones idle or stalled the longest are closed to serve new clients (the soft open-file limit is raised to the hard one at startup; a cap above it is refused)",
        show: |s| match s.max_connections {
            Some(n) => n.to_string(),
            None => "(from the open-file limit)".into(),
        },
    },
    Key {
        name: "openid_issuer",
        default: "the public URL",
        meaning: "`iss` of the JWTs foxden signs (access and id tokens) and `issuer` of `/.well-known/openid-configuration` (Mozilla's is `https://accounts.firefox.com`)",
        show: |s| quoted(&s.discovery.openid_issuer),
    },
    Key {
        name: "auth_server_url",
        default: "the public URL",
        meaning: "`auth_server_base_url` of `/.well-known/fxa-client-configuration` (a trailing `/` or `/v1` is dropped; Firefox appends `/v1`)",
        show: |s| quoted(&s.discovery.auth_server_url),
    },
    Key {
        name: "oauth_server_url",
        default: "the public URL",
        meaning: "`oauth_server_base_url` of the client configuration, and the base of the OAuth endpoints in `/.well-known/openid-configuration`",
        show: |s| quoted(&s.discovery.oauth_server_url),
    },
    Key {
        name: "profile_server_url",
        default: "`<public URL><profile server prefix>`",
        meaning: "`profile_server_base_url` of the client configuration (foxden serves the profile server under `FOXDEN_PROFILE_SERVER_PREFIX`); `userinfo_endpoint` is this + `/v1/profile`",
        show: |s| quoted(&s.discovery.profile_server_url),
    },
    Key {
        name: "pairing_server_url",
        default: "unset",
        meaning: "`pairing_server_base_uri` (a `wss://` channel server) of the client configuration; unset, the key is left out and Firefox offers no pairing",
        show: |s| match &s.discovery.pairing_server_url {
            Some(url) => quoted(url),
            None => "(none)".into(),
        },
    },
    Key {
        name: "sync_tokenserver_url",
        default: "unset",
        meaning: "the Sync tokenserver's base URL (without `/1.0/sync/1.5`): `sync_tokenserver_base_url` of the client configuration and the `aud` of oldsync access tokens. Unset, the document leaves the key out: desktop Firefox still signs in but cannot sync, Fenix and iOS refuse the configuration (ADR 0015)",
        show: |s| match &s.discovery.sync_tokenserver_url {
            Some(url) => quoted(url),
            None => "(none)".into(),
        },
    },
];

/// The README's configuration table (header included), one row per key.
pub fn readme_table() -> String {
    let mut out = String::from("| variable | default | meaning |\n|---|---|---|\n");
    for key in KEYS {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            key.env(),
            key.default,
            key.meaning
        ));
    }
    out
}
