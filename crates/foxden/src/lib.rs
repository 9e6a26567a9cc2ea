//! foxden: a Firefox Accounts server. `Application::build` wires settings,
//! storage, mail and routes; `main.rs` and the tests both use it.

pub mod api;
pub mod auth;
pub mod browserid;
pub mod cli;
pub mod clock;
pub mod customs;
pub mod error;
pub mod extract;
pub mod files;
#[doc(hidden)]
pub mod fuzzing;
mod http;
pub mod mail;
pub mod oauth;
pub mod openapi;
pub mod openid;
pub mod pages;
pub mod profile;
pub mod prune;
pub mod push;
pub mod relative_time;
pub mod serve;
pub mod service;
pub mod settings;
pub mod signing_keys;
pub mod state;
pub mod user_agent;
pub mod validate;

use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;

use crate::service::password::PasswordPool;
use crate::settings::Settings;
use crate::state::{AppState, Shared};

pub struct Application {
    listener: TcpListener,
    router: Router,
    limits: serve::ConnectionLimits,
    pub state: AppState,
    /// The push servers the push worker sends to (`push_allowed_servers`) and its
    /// endpoint-gone hook (see [`Application::with_push_hooks`]).
    push_allowed_servers: regex::Regex,
    push_gone: Arc<dyn push::EndpointGone>,
}

impl Application {
    /// Prepares the data folder and secret, connects and migrates the database,
    /// and binds the listener.
    pub async fn build(settings: Settings) -> Result<Self, String> {
        let state = build_state(settings).await?;
        let listener = TcpListener::bind(state.settings.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", state.settings.listen))?;
        Self::with_state(listener, state)
    }

    /// Like [`Application::build`] but serves on a listener the caller already bound
    /// (tests bind port 0 first so that `public_url` can name the real port).
    pub async fn build_on(
        settings: Settings,
        listener: std::net::TcpListener,
    ) -> Result<Self, String> {
        let state = build_state(settings).await?;
        listener
            .set_nonblocking(true)
            .map_err(|e| format!("cannot use the listener: {e}"))?;
        let listener =
            TcpListener::from_std(listener).map_err(|e| format!("cannot use the listener: {e}"))?;
        Self::with_state(listener, state)
    }

    fn with_state(listener: TcpListener, state: AppState) -> Result<Self, String> {
        let limits = serve::ConnectionLimits::from_settings(&state.settings)?;
        let router = http::router(state.clone());
        Ok(Application {
            listener,
            router,
            limits,
            push_allowed_servers: state.settings.push_allowed_servers.clone(),
            push_gone: Arc::new(push::ExpireGoneEndpoints(state.db.clone())),
            state,
        })
    }

    /// For tests: the push servers the worker may send to (default: the
    /// `push_allowed_servers` setting) and what it calls when a push service says
    /// an endpoint is gone (default: [`push::ExpireGoneEndpoints`]).
    #[doc(hidden)]
    pub fn with_push_hooks(
        mut self,
        allowed_servers: regex::Regex,
        gone: Arc<dyn push::EndpointGone>,
    ) -> Self {
        self.push_allowed_servers = allowed_servers;
        self.push_gone = gone;
        self
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests.
    /// Slow and idle clients are dropped and connections capped (`serve`).
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let pruner = tokio::spawn(prune::run(self.state.clone()));
        let (stop_mail, mail_stopped) = tokio::sync::watch::channel(false);
        let mail = tokio::spawn(mail_worker(&self.state).run(mail_stopped.clone()));
        let push = push::PushWorker {
            db: self.state.db.clone(),
            state: self.state.push.clone(),
            sender: self.state.push_sender.clone(),
            allowed_servers: self.push_allowed_servers,
            gone: self.push_gone,
            policy: mail::queue::RetryPolicy {
                first_retry_ms: self.state.settings.push_retry_ms,
                ..mail::queue::RetryPolicy::default()
            },
        };
        let push = tokio::spawn(push.run(mail_stopped));
        let served = serve::serve(self.listener, self.router, self.limits, shutdown).await;
        pruner.abort();
        // The batches in hand are finished; what is still queued waits in the database.
        let _ = stop_mail.send(true);
        let _ = mail.await;
        let _ = push.await;
        served
    }
}

/// The mail-queue worker of this process (ADR 0014).
fn mail_worker(state: &AppState) -> mail::queue::MailWorker {
    mail::queue::MailWorker {
        db: state.db.clone(),
        mailer: state.mailer.clone(),
        codec: state.mail_codec.clone(),
        policy: mail::queue::RetryPolicy {
            first_retry_ms: state.settings.mail_retry_ms,
            ..mail::queue::RetryPolicy::default()
        },
        waker: state.mail_waker.clone(),
        log_key: state.mail_log_key,
    }
}

/// Everything but the listener: used by `serve` and by CLI commands.
pub async fn build_state(settings: Settings) -> Result<AppState, String> {
    files::create_private_dir(&settings.data_dir).map_err(|e| {
        format!(
            "cannot create data folder {}: {e}",
            settings.data_dir.display()
        )
    })?;
    let secret = files::load_or_create_secret(&settings.data_dir.join("server-secret.key"))
        .map_err(|e| format!("cannot read or create the server secret: {e}"))?;
    let browserid = browserid::BrowserIdKeys::load_or_create(&settings.data_dir)
        .map_err(|e| format!("BrowserID signing key: {e}"))?;
    let openid_keys = openid::OpenIdKeys::load_or_create(&settings.data_dir, &settings.discovery)
        .map_err(|e| format!("OpenID signing key: {e}"))?;
    let mut seal_key = [0u8; 32];
    foxden_crypto::hkdf::hkdf_sha256(&secret, None, b"foxden/v1/token-key-seal", &mut seal_key);
    let db = match connect_db(settings.database_url.expose()).await? {
        foxden_db::Store::Postgres(pg) if settings.postgres_session_cache => {
            foxden_db::Store::Postgres(pg.with_session_cache(true))
        }
        other => other,
    };
    let mailer = mail::from_settings(
        settings.smtp_url.as_ref().map(|url| url.expose().as_str()),
        &settings.mail_from,
        &settings.data_dir,
    )?;
    let hawk_port = settings.hawk_port()?;
    let vapid = push::vapid::VapidKey::load_or_create(&settings.data_dir, &settings.public_url)
        .map_err(|e| format!("VAPID key: {e}"))?;
    let push_sender = push::PushSender::new(vapid, settings.push_ca_file.as_deref())?;
    Ok(AppState::new(Shared {
        db,
        sealer: foxden_crypto::sealed::SecretBox::new(&seal_key),
        passwords: PasswordPool::new(
            settings.scrypt_workers,
            settings.scrypt_queue,
            settings.scrypt_max_wait_ms as u64,
            std::time::Duration::from_millis(settings.scrypt_refusal_hold_ms as u64),
        ),
        mailer,
        mail_codec: Arc::new(mail::MailCodec::from_secret(&secret)),
        mail_waker: mail::queue::MailWaker::default(),
        mail_log_key: mail::queue::log_key(&secret),
        hawk_host: settings.hawk_host(),
        hawk_port,
        browserid,
        openid_keys,
        ip_hmac_key: service::security::ip_hmac_key(&secret),
        codes: service::code_keys::CodeKeys::from_secret(&secret),
        push: push::PushState::from_secret(&secret),
        push_sender: Arc::new(push_sender),
        settings,
    }))
}

/// Connects, migrates, and registers Firefox's OAuth clients that are missing.
pub async fn connect_db(url: &str) -> Result<foxden_db::Store, String> {
    let db = foxden_db::connect(url)
        .await
        .map_err(|e| format!("database: {e}"))?;
    db.migrate()
        .await
        .map_err(|e| format!("database migration failed: {e}"))?;
    oauth::clients::register_defaults(&db)
        .await
        .map_err(|e| format!("registering Firefox's OAuth clients: {e}"))?;
    Ok(db)
}

/// Logs to stderr, pretty or JSON; `RUST_LOG` filters (default `info`).
pub fn init_logging(format: settings::LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    let _ = match format {
        settings::LogFormat::Json => builder.json().flatten_event(true).try_init(),
        settings::LogFormat::Pretty => builder.try_init(),
    };
}
