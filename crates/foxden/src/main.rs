use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use foxden::settings::Settings;
use foxden_db::ops::Accounts;

/// foxden: a Firefox Accounts server in one binary.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Configuration file (default: ./foxden.toml when present). FOXDEN_* variables override it.
    #[arg(long, global = true, env = "FOXDEN_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Exit 0 if the server on FOXDEN_LISTEN answers /__lbheartbeat__.
    Healthcheck,
    /// Configuration commands.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Account administration.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Delete expired tokens, codes and rate-limit counters once (`serve` does it hourly).
    Prune,
    /// OAuth clients (Firefox's own are registered by default).
    Client {
        #[command(subcommand)]
        command: foxden::cli::client::ClientCommand,
    },
    /// Signing keys (BrowserID certificates and OpenID/JWT tokens).
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Rotate both signing keys, the BrowserID one and the OpenID one: each current key
    /// becomes the previous one (still published, still verified; the older previous key
    /// is dropped) and a new current key is generated (a running server picks them up
    /// when restarted).
    Rotate,
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration (secrets redacted) and check it.
    Check,
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Mark an account's email verified (for servers without mail).
    Verify { email: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("foxden: configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    foxden::init_logging(settings.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("foxden: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli.command, settings));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("foxden: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, settings: Settings) -> Result<(), String> {
    match command {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            foxden::connect_db(settings.database_url.expose()).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Healthcheck => healthcheck(&settings),
        Command::Prune => {
            let state = foxden::build_state(settings).await?;
            let removed = foxden::prune::prune_once(&state)
                .await
                .map_err(|e| format!("pruning failed: {e}"))?;
            println!("removed {removed} expired record(s)");
            Ok(())
        }
        Command::Config {
            command: ConfigCommand::Check,
        } => {
            print!("{}", settings.redacted());
            println!("# configuration is valid");
            Ok(())
        }
        Command::Account {
            command: AccountCommand::Verify { email },
        } => verify_account(settings, &email).await,
        Command::Keys {
            command: KeysCommand::Rotate,
        } => rotate_keys(&settings),
        Command::Client { command } => foxden::cli::client::run(settings, command).await,
    }
}

async fn serve(settings: Settings) -> Result<(), String> {
    let app = foxden::Application::build(settings).await?;
    let settings = &app.state.settings;
    tracing::info!(
        listen = %settings.listen,
        public_url = %settings.public_url,
        database = app.state.db.backend_name(),
        mail = if settings.smtp_url.is_some() { "smtp" } else { "outbox" },
        "foxden is serving"
    );
    app.run_until(shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))?;
    tracing::info!("foxden stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

fn healthcheck(settings: &Settings) -> Result<(), String> {
    let timeout = std::time::Duration::from_secs(3);
    let mut stream = std::net::TcpStream::connect_timeout(&settings.listen, timeout)
        .map_err(|e| format!("healthcheck: cannot connect to {}: {e}", settings.listen))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    let request = format!(
        "GET /__lbheartbeat__ HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        settings.listen
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    if response.starts_with("HTTP/1.1 200") {
        println!("ok");
        Ok(())
    } else {
        Err(format!(
            "healthcheck: unexpected answer: {}",
            response.lines().next().unwrap_or("")
        ))
    }
}

async fn verify_account(settings: Settings, email: &str) -> Result<(), String> {
    let db = foxden::connect_db(settings.database_url.expose()).await?;
    let account = db
        .account_by_email(&email.to_lowercase())
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no account with email {email}"))?;
    // The emailCode also confirms the sessions created with it (sign-up, sign-ins before verification).
    let outcome = foxden::service::link_code::apply_code(
        &db,
        None,
        &account.uid,
        &account.email_code,
        foxden_db::VerificationMethod::Email,
        foxden::clock::now_ms(),
    )
    .await
    .map_err(|e| e.to_string())?;
    println!(
        "{}",
        if outcome.account_newly_verified {
            "email marked verified"
        } else {
            "email was already verified"
        }
    );
    Ok(())
}

fn rotate_keys(settings: &Settings) -> Result<(), String> {
    let dir = &settings.data_dir;
    foxden::files::create_private_dir(dir)
        .map_err(|e| format!("cannot create data folder {}: {e}", dir.display()))?;
    let keys = foxden::browserid::BrowserIdKeys::rotate(dir)?;
    println!("new BrowserID signing key: {}", keys.current.kid);
    if let Some(previous) = &keys.previous {
        println!("previous BrowserID signing key: {}", previous.kid);
    }
    let openid = foxden::openid::OpenIdKeys::rotate(dir)?;
    println!("new OpenID signing key: {}", openid.current.kid);
    if let Some(previous) = &openid.previous {
        println!("previous OpenID signing key: {}", previous.kid);
    }
    Ok(())
}
