//! The `foxden` binary's commands: `config check`, `migrate`, `account verify`,
//! `prune` and configuration errors.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

use crate::client::TestClient;
use crate::helpers::{spawn_with, Options};

/// `foxden` with no `FOXDEN_*` variables from the caller, run in `cwd` (so no
/// stray `./foxden.toml` is read) with `FOXDEN_DATA_DIR=data_dir`.
pub fn foxden(cwd: &Path, data_dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_foxden"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("FOXDEN_") {
            cmd.env_remove(key);
        }
    }
    cmd.current_dir(cwd)
        .env("FOXDEN_DATA_DIR", data_dir)
        .env("RUST_LOG", "info");
    cmd
}

pub fn run(cmd: &mut Command) -> (Output, String, String) {
    let out = cmd.output().expect("run foxden");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    (out, stdout, stderr)
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn config_check_prints_the_config_without_secrets() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let (out, stdout, stderr) = run(foxden(tmp.path(), &data)
        .args(["config", "check"])
        .env("FOXDEN_DATABASE_URL", "postgres://u:secret@127.0.0.1/x")
        .env("FOXDEN_SMTP_URL", "smtp://mailer:hunter2@127.0.0.1:2525"));
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("database_url = \"postgres://u:REDACTED@127.0.0.1/x\""),
        "{stdout}"
    );
    assert!(stdout.contains("smtp_url = \"smtp://mailer:REDACTED@127.0.0.1:2525"));
    assert!(stdout.contains(&format!("data_dir = \"{}\"", data.display())));
    assert!(stdout.contains("# configuration is valid"));
    for leak in ["secret", "hunter2"] {
        assert!(
            !stdout.contains(leak) && !stderr.contains(leak),
            "{leak} leaked"
        );
    }
    // Checking the configuration touches nothing.
    assert!(!data.exists());
}

#[test]
fn migrate_creates_a_private_database_and_no_secret() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let (out, stdout, stderr) = run(foxden(tmp.path(), &data).arg("migrate"));
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("migrations applied"), "{stdout}");
    assert_eq!(mode(&data.join("foxden.db")), 0o600);
    assert_eq!(mode(&data), 0o700);
    // The server secret is made by `serve`, not needed (nor created) by `migrate`.
    assert!(!data.join("server-secret.key").exists());
    // Running it again is harmless.
    let (out, _, stderr) = run(foxden(tmp.path(), &data).arg("migrate"));
    assert!(out.status.success(), "{stderr}");
}

#[tokio::test]
async fn account_verify_marks_the_email_verified() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let opts = || Options::in_dir(&data);
    let email = "Admin.Verified@example.com";
    let app = spawn_with(opts()).await;
    let mut c = TestClient::v1(&app, email, "correct horse");
    c.create(false).await.ok();
    let uid = c.uid.clone();
    let r = c.session_get("/v1/recovery_email/status").await.ok();
    assert_eq!(r.body["emailVerified"], false);
    app.stop().await;

    let (out, stdout, stderr) = run(foxden(tmp.path(), &data).args(["account", "verify", email]));
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("email marked verified"), "{stdout}");
    let (out, stdout, _) = run(foxden(tmp.path(), &data).args(["account", "verify", email]));
    assert!(out.status.success());
    assert!(stdout.contains("email was already verified"), "{stdout}");

    let app = spawn_with(opts()).await;
    let mut c = TestClient::v1(&app, email, "correct horse");
    let r = c.login(false).await.ok();
    assert_eq!(c.uid, uid);
    assert_eq!(r.body["verified"], true);
    let r = c.session_get("/v1/recovery_email/status").await.ok();
    assert_eq!(r.body["emailVerified"], true);
    assert_eq!(r.body["verified"], true);
}

/// `foxden account verify` writes the server's SQLite file from another process
/// while the server runs: the server's next request sees the confirmed session,
/// although its session cache held the row from before.
#[tokio::test]
async fn account_verify_while_serving_is_seen_by_the_next_request() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let email = "live.verify@example.com";
    let app = spawn_with(Options::in_dir(&data)).await;
    let mut c = TestClient::v1(&app, email, "correct horse");
    c.create(false).await.ok();
    for _ in 0..2 {
        // The second read is served from the session cache.
        let r = c.session_get("/v1/recovery_email/status").await.ok();
        assert_eq!(
            (&r.body["emailVerified"], &r.body["verified"]),
            (&false.into(), &false.into())
        );
    }

    let mut cmd = foxden(tmp.path(), &data);
    cmd.args(["account", "verify", email]);
    let (out, stdout, stderr) = tokio::task::spawn_blocking(move || run(&mut cmd))
        .await
        .unwrap();
    assert!(out.status.success(), "{stdout}{stderr}");

    let r = c.session_get("/v1/recovery_email/status").await.ok();
    assert_eq!(r.body["emailVerified"], true);
    assert_eq!(r.body["verified"], true, "the session confirmed by the CLI");
    app.stop().await;
}

#[tokio::test]
async fn prune_while_serving_is_seen_by_the_next_request() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let app = spawn_with(Options::in_dir(&data)).await;
    let mut c = TestClient::v1(&app, "live.prune@example.com", "correct horse");
    c.create(false).await.ok();
    for _ in 0..2 {
        // The second read is served from the session cache.
        c.session_get("/v1/session/status").await.ok();
    }
    // The server keeps sessions 4 weeks; this prune, with a 1 ms lifetime, ends
    // the session behind its back.
    let mut cmd = foxden(tmp.path(), &data);
    cmd.arg("prune").env("FOXDEN_SESSION_LIFETIME_MS", "1");
    let (out, stdout, stderr) = tokio::task::spawn_blocking(move || run(&mut cmd))
        .await
        .unwrap();
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("removed"), "{stdout}");
    c.session_get("/v1/session/status").await.err(401, 110);
    app.stop().await;
}

#[tokio::test]
async fn prune_removes_only_what_expired() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let opts = || Options::in_dir(&data);
    let app = spawn_with(opts()).await;
    let mut c = TestClient::v1(&app, "prune@example.com", "pw");
    c.create_verified(false).await;
    let kind = foxden_db::OneTimeCodeKind::Unblock;
    let hour = 60 * 60 * 1000;
    app.store_code(&c.uid, kind, "OLDC0DE1", 2 * hour).await;
    app.store_code(&c.uid, kind, "NEWC0DE1", 0).await;
    app.stop().await;

    let (out, stdout, stderr) = run(foxden(tmp.path(), &data).arg("prune"));
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("removed 1 expired record(s)"), "{stdout}");
    let (_, stdout, _) = run(foxden(tmp.path(), &data).arg("prune"));
    assert!(stdout.contains("removed 0 expired record(s)"), "{stdout}");

    // The fresh code survived and still works.
    let app = spawn_with(opts()).await;
    let mut c = TestClient::v1(&app, "prune@example.com", "pw");
    let r = c.login_with("", serde_json::json!({ "unblockCode": "NEWC0DE1" }));
    assert_eq!(r.await.ok().body["verified"], true);
}

#[test]
fn account_verify_of_an_unknown_email_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let (out, stdout, stderr) =
        run(foxden(tmp.path(), &data).args(["account", "verify", "nobody@example.com"]));
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("no account with email nobody@example.com"),
        "{stderr}"
    );
}

#[test]
fn invalid_configuration_exits_2_with_a_message() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    for (key, value, message) in [
        (
            "FOXDEN_LISTEN",
            "nonsense",
            "FOXDEN_LISTEN must be host:port",
        ),
        (
            "FOXDEN_HAWK_SKEW_SECS",
            "soon",
            "FOXDEN_HAWK_SKEW_SECS must be a whole number",
        ),
    ] {
        for command in [&["config", "check"][..], &["serve"][..], &["migrate"][..]] {
            let (out, stdout, stderr) =
                run(foxden(tmp.path(), &data).args(command).env(key, value));
            assert_eq!(out.status.code(), Some(2), "{command:?} {stdout}{stderr}");
            assert!(
                stderr.contains("configuration error") && stderr.contains(message),
                "{stderr}"
            );
        }
    }
    // A broken config file is reported the same way.
    let file = tmp.path().join("foxden.toml");
    std::fs::write(&file, "nonsense = 1\n").unwrap();
    let (out, _, stderr) = run(foxden(tmp.path(), &data).args(["config", "check"]));
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("foxden.toml"), "{stderr}");
    assert!(!data.exists());
}
