//! A fresh foxden per test: a temp data folder, SQLite (or a throw-away PostgreSQL
//! schema), mail written to `<data dir>/outbox`, and a small HTTP client.

use std::collections::HashMap;
use std::path::PathBuf;

use foxden::settings::{Secret, Settings};
use foxden_db::ops::{MailQueue, OneTimeCodes};
use reqwest::header::{HeaderMap, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const PG_ENV: &str = "FOXDEN_TEST_POSTGRES_URL";

/// Knobs a test may turn; everything else is the server default.
pub struct Options {
    pub hawk_skew_secs: i64,
    pub skip_confirm_new_account_ms: i64,
    /// The known-IP rule; off (0) unless a test turns it on: every test client
    /// signs in from 127.0.0.1, which would otherwise skip confirmation.
    pub known_ip_recency_ms: i64,
    pub database_url: Option<String>,
    /// SMTP instead of the outbox.
    pub smtp_url: Option<String>,
    /// Serve on an existing data folder (owned by the caller) instead of a fresh one.
    pub data_dir: Option<PathBuf>,
    /// `FOXDEN_SIGNIN_CONFIRM_FORCE_EMAIL`.
    pub force_confirm_email: Option<&'static str>,
    /// `FOXDEN_RATE_LIMIT`.
    pub rate_limit: bool,
    /// `FOXDEN_TRUSTED_PROXIES`; the tests' own 127.0.0.1 by default, so that
    /// `post_from` can speak for other addresses.
    pub trusted_proxies: &'static str,
    /// `FOXDEN_RATE_LIMIT_ALLOWED_IPS` and `…_ALLOWED_EMAIL_DOMAINS`.
    pub allowed_ips: &'static str,
    pub allowed_email_domains: &'static str,
    /// `FOXDEN_CONTENT_URL`; unset → the public URL, as by default.
    pub content_url: Option<&'static str>,
    /// `FOXDEN_HEADER_READ_TIMEOUT_MS`, `_BODY_READ_`, `_IDLE_` and `FOXDEN_MAX_CONNECTIONS`.
    pub header_read_timeout_ms: u64,
    pub body_read_timeout_ms: u64,
    pub idle_timeout_ms: u64,
    pub max_connections: Option<usize>,
    /// `FOXDEN_MAIL_RETRY_MS`.
    pub mail_retry_ms: i64,
    /// The discovery URLs (`FOXDEN_OPENID_ISSUER`, `…_SERVER_URL`s); unset → from the public URL.
    pub discovery: Option<foxden::settings::discovery::Discovery>,
    /// `FOXDEN_PROFILE_SERVER_PREFIX`.
    pub profile_server_prefix: &'static str,
    /// `FOXDEN_PUSH_ALLOWED_SERVERS`; unset → Mozilla's autopush hosts.
    pub push_allowed_servers: Option<&'static str>,
    /// The push worker's servers, hook and settings (default: Mozilla's hosts, a log line).
    pub push: Option<crate::push_delivery::PushSetup>,
}

impl Options {
    /// The defaults, serving on `data` (kept by the caller across restarts).
    pub fn in_dir(data: &std::path::Path) -> Self {
        Options {
            data_dir: Some(data.to_path_buf()),
            ..Options::default()
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            hawk_skew_secs: 20 * 365 * 24 * 60 * 60,
            skip_confirm_new_account_ms: 4 * 60 * 60 * 1000,
            known_ip_recency_ms: 0,
            database_url: None,
            smtp_url: None,
            data_dir: None,
            force_confirm_email: None,
            rate_limit: true,
            trusted_proxies: "127.0.0.1",
            allowed_ips: "",
            allowed_email_domains: "",
            content_url: None,
            header_read_timeout_ms: 10_000,
            body_read_timeout_ms: 30_000,
            idle_timeout_ms: 60_000,
            max_connections: None,
            mail_retry_ms: 30_000,
            discovery: None,
            profile_server_prefix: "/profile",
            push_allowed_servers: None,
            push: None,
        }
    }
}

pub struct TestApp {
    pub base: String,
    pub data_dir: PathBuf,
    pub http: reqwest::Client,
    /// The server's own storage handle (its database, on either backend).
    pub db: foxden_db::Store,
    /// The server's shared state (its push queue, VAPID key, …).
    pub state: foxden::state::AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    _owned_dir: Option<tempfile::TempDir>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl TestApp {
    /// Shuts the server down and waits until it has stopped (its data folder stays).
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task").expect("server run");
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_with(Options::default()).await
}

pub async fn spawn_with(opts: Options) -> TestApp {
    let (data_dir, owned_dir) = match opts.data_dir {
        Some(dir) => (dir, None),
        None => {
            let tmp = tempfile::tempdir().expect("temp dir");
            (tmp.path().to_path_buf(), Some(tmp))
        }
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    let addr = listener.local_addr().unwrap();
    let push = opts.push.unwrap_or_default();
    let public_url = push.public_url.unwrap_or_else(|| format!("http://{addr}/"));
    let public_url = url::Url::parse(&public_url).unwrap();
    let defaults = Settings::for_tests(addr, &data_dir);
    let settings = Settings {
        discovery: opts
            .discovery
            .unwrap_or_else(|| foxden::settings::discovery::Discovery {
                profile_server_url: format!("http://{addr}{}", opts.profile_server_prefix),
                ..defaults.discovery.clone()
            }),
        public_url: public_url.clone(),
        database_url: opts
            .database_url
            .unwrap_or_else(|| foxden_db::sqlite_url_for(&data_dir))
            .into(),
        smtp_url: opts.smtp_url.map(Secret::new),
        content_url: opts
            .content_url
            .map_or(public_url, |u| url::Url::parse(u).unwrap()),
        hawk_skew_secs: opts.hawk_skew_secs,
        skip_confirm_new_account_ms: opts.skip_confirm_new_account_ms,
        known_ip_recency_ms: opts.known_ip_recency_ms,
        signin_confirm_force_email_regex: opts
            .force_confirm_email
            .map(|p| foxden::settings::force_email_regex(p).unwrap()),
        rate_limit: opts.rate_limit,
        trusted_proxies: foxden::settings::parse_networks("test", opts.trusted_proxies).unwrap(),
        rate_limit_allowed_ips: foxden::settings::parse_networks("test", opts.allowed_ips).unwrap(),
        rate_limit_allowed_email_domains: opts
            .allowed_email_domains
            .split(',')
            .filter(|d| !d.is_empty())
            .map(str::to_string)
            .collect(),
        header_read_timeout_ms: opts.header_read_timeout_ms,
        body_read_timeout_ms: opts.body_read_timeout_ms,
        idle_timeout_ms: opts.idle_timeout_ms,
        max_connections: opts.max_connections,
        mail_retry_ms: opts.mail_retry_ms,
        profile_server_prefix: opts.profile_server_prefix.into(),
        push_allowed_servers: match opts.push_allowed_servers {
            Some(p) => foxden::settings::push_servers_regex(p).unwrap(),
            None => defaults.push_allowed_servers.clone(),
        },
        push_ca_file: push.ca_file,
        push_retry_ms: push.retry_ms,
        ..defaults
    };
    let mut app = foxden::Application::build_on(settings, listener)
        .await
        .expect("build app");
    if let Some((allowed, gone)) = push.hooks {
        app = app.with_push_hooks(allowed, gone);
    }
    let db = app.state.db.clone();
    let state = app.state.clone();
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(app.run_until(async move {
        let _ = rx.await;
    }));
    TestApp {
        base: format!("http://{addr}"),
        data_dir,
        http: reqwest::Client::new(),
        db,
        state,
        shutdown: Some(tx),
        task: Some(task),
        _owned_dir: owned_dir,
    }
}

/// A response with its body parsed as JSON (`Value::Null` when it is not JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Resp {
    /// Reads a response, its body parsed as JSON (`Value::Null` when it is not JSON).
    pub async fn read(res: reqwest::Response) -> Self {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.unwrap_or_default();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
        }
    }

    pub fn errno(&self) -> i64 {
        self.body["errno"].as_i64().unwrap_or(-1)
    }

    /// Asserts a 200 and returns self.
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(self.status, 200, "unexpected response: {:?}", self.body);
        self
    }

    /// Asserts an error status and errno.
    #[track_caller]
    pub fn err(&self, status: u16, errno: i64) {
        assert_eq!(
            (self.status, self.errno()),
            (status, errno),
            "unexpected response: {:?}",
            self.body
        );
    }

    pub fn str(&self, key: &str) -> String {
        self.body[key]
            .as_str()
            .unwrap_or_else(|| panic!("no string {key} in {:?}", self.body))
            .to_string()
    }
}

/// One message from the outbox, header names lower-cased.
#[derive(Debug)]
pub struct Mail {
    pub headers: HashMap<String, String>,
}

impl Mail {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
            .unwrap_or_else(|| panic!("mail has no {name} header: {:?}", self.headers))
    }

    pub fn template(&self) -> &str {
        self.header("X-Template-Name")
    }
}

pub fn parse_mail(raw: &str) -> Mail {
    let head = raw.split("\r\n\r\n").next().unwrap_or("");
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    let headers = unfolded
        .split("\r\n")
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Mail { headers }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Waits until every mail queued so far has had its first delivery attempt
    /// (the queue delivers after the response; ADR 0014).
    pub async fn mail_settled(&self) {
        let start = std::time::Instant::now();
        loop {
            let pending = self
                .db
                .mail_queue_depth()
                .await
                .expect("mail queue")
                .untried;
            if pending == 0 {
                return;
            }
            assert!(
                start.elapsed() < std::time::Duration::from_secs(20),
                "{pending} queued mails were never tried"
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    /// Waits until the mail queue is empty: every message sent or given up
    /// (retries included, so only with a short `mail_retry_ms`).
    pub async fn mail_drained(&self) {
        let start = std::time::Instant::now();
        loop {
            let queued = self.db.mail_queue_depth().await.expect("mail queue").queued;
            if queued == 0 {
                return;
            }
            assert!(
                start.elapsed() < std::time::Duration::from_secs(30),
                "{queued} mails are still queued"
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// All mails sent to `email`, oldest first (once the mail queue has drained).
    pub async fn mails_to(&self, email: &str) -> Vec<Mail> {
        self.mail_settled().await;
        let dir = self.data_dir.join("outbox");
        let mut files: Vec<(u128, String, std::path::PathBuf)> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_else(|_| Vec::new())
            .into_iter()
            .map(|p: std::path::PathBuf| {
                let name = p.file_name().unwrap().to_string_lossy().to_string();
                let ms = name.split('-').next().unwrap_or("0").parse().unwrap_or(0);
                (ms, name, p)
            })
            .collect();
        files.sort();
        let needle = email.to_ascii_lowercase();
        files
            .iter()
            .map(|(_, _, p)| parse_mail(&std::fs::read_to_string(p).unwrap()))
            .filter(|m| {
                m.headers
                    .get("to")
                    .is_some_and(|to| to.to_ascii_lowercase().contains(&needle))
            })
            .collect()
    }

    /// The newest mail to `email`; panics when there is none.
    pub async fn last_mail(&self, email: &str) -> Mail {
        self.mails_to(email)
            .await
            .pop()
            .unwrap_or_else(|| panic!("no mail to {email}"))
    }

    /// Sends a request; a body is sent as `application/json`.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        authorization: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Resp {
        let mut req = self.http.request(method, self.url(path));
        if let Some(auth) = authorization {
            req = req.header(AUTHORIZATION, auth);
        }
        if let Some(body) = body {
            req = req.header(CONTENT_TYPE, "application/json").body(body);
        }
        Resp::read(req.send().await.expect("request failed")).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(Method::GET, path, None, None).await
    }

    /// A POST from client address `ip`, as the one proxy foxden expects in front
    /// of it (depth 2) reports it in `X-Forwarded-For`.
    pub async fn post_from(&self, ip: &str, path: &str, body: &Value) -> Resp {
        let res = self
            .http
            .post(self.url(path))
            .header("X-Forwarded-For", ip)
            .json(body)
            .send()
            .await
            .expect("request failed");
        Resp::read(res).await
    }

    /// Stores a one-time code for `uid_hex` as the server would (an HMAC under a key
    /// from the server secret), created `age_ms` ago: the way to test expiry without waiting.
    pub async fn store_code(
        &self,
        uid_hex: &str,
        kind: foxden_db::OneTimeCodeKind,
        code: &str,
        age_ms: i64,
    ) {
        let uid: [u8; 16] = hex::decode(uid_hex).unwrap().try_into().unwrap();
        let record = foxden_db::OneTimeCode {
            uid,
            kind,
            code_hash: self.code_keys().one_time_hash(&uid, kind, code),
            created_at: crate::client::now_ms() - age_ms,
        };
        let replace = kind == foxden_db::OneTimeCodeKind::PasswordForgotOtp;
        let db = self.database().await;
        db.create_one_time_code(&record, replace).await.unwrap();
    }

    /// The keys the server seals its codes with (read from its data folder).
    pub fn code_keys(&self) -> foxden::service::code_keys::CodeKeys {
        let path = self.data_dir.join("server-secret.key");
        let secret = foxden::files::load_or_create_secret(&path).expect("server secret");
        foxden::service::code_keys::CodeKeys::from_secret(&secret)
    }

    /// The server's database, opened alongside it (SQLite WAL allows that).
    pub async fn database(&self) -> foxden_db::Store {
        let url = foxden_db::sqlite_url_for(&self.data_dir);
        foxden_db::connect(&url).await.expect("open the database")
    }

    pub async fn post(&self, path: &str, body: &Value) -> Resp {
        let bytes = serde_json::to_vec(body).unwrap();
        self.send(Method::POST, path, None, Some(bytes)).await
    }
}

/// A throw-away PostgreSQL schema (as in foxden-db's contract tests); `None`
/// with a note on stderr when `FOXDEN_TEST_POSTGRES_URL` is unset.
pub struct PgSchema {
    pub name: String,
    pub url: String,
    admin: tokio_postgres::Client,
}

impl PgSchema {
    pub async fn create() -> Option<Self> {
        let Ok(base) = std::env::var(PG_ENV) else {
            // In CI a missing URL must not pass the PostgreSQL tests silently.
            let ci = std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true"));
            assert!(!ci, "CI=true but {PG_ENV} is not set");
            eprintln!("skipped: {PG_ENV} is not set");
            return None;
        };
        let (admin, conn) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
            .await
            .expect("connect to FOXDEN_TEST_POSTGRES_URL");
        tokio::spawn(conn);
        let name = format!("foxden_api_{}", foxden_crypto::random::hex(8));
        admin
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .await
            .unwrap();
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-csearch_path%3D{name}");
        Some(PgSchema { name, url, admin })
    }

    /// Makes every row of `table` older by `ms` (its `created_at`), as if time had passed.
    pub async fn age(&self, table: &str, ms: i64) {
        let sql = format!(
            "UPDATE {}.{table} SET created_at = created_at - {ms}",
            self.name
        );
        self.admin.batch_execute(&sql).await.expect("age rows");
        // A writer other than foxden announces its change, as foxden's own writes
        // do, so that the servers' session caches drop it (ADR 0011).
        let notify = format!("SELECT pg_notify('foxden_sessions', '{}|0:0|*')", self.name);
        self.admin.batch_execute(&notify).await.expect("notify");
    }

    pub async fn drop_now(self) {
        let sql = format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name);
        if let Err(e) = self.admin.batch_execute(&sql).await {
            eprintln!("could not drop test schema {}: {e}", self.name);
        }
    }
}

pub use crate::smtp_sink::SmtpSink;
