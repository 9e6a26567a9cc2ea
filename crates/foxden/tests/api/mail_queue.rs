//! The durable mail queue with `foxden serve` as a real process (ADR 0014): a
//! mail committed but not yet delivered survives `kill -9` and goes exactly
//! once after the restart; a mail given up is logged once, without its address;
//! a copy of the database with mail queued shows neither the code nor the address.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use foxden_crypto::onepw;
use serde_json::json;

use crate::cli::foxden;
use crate::helpers::{parse_mail, SmtpSink};
use crate::undeliverable::PickySmtp;

/// A running `foxden serve`; killed (SIGKILL) when dropped.
struct Served {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn closed_port_url() -> String {
    format!("smtp://127.0.0.1:{}", free_port())
}

/// Serves `data` with mail going to `smtp_url`, retrying failed mail after 50 ms.
async fn serve(tmp: &Path, data: &Path, smtp_url: &str, run: &str) -> Served {
    let listen = format!("127.0.0.1:{}", free_port());
    let base = format!("http://{listen}");
    let log = tmp.join(format!("serve-{run}.log"));
    let child = foxden(tmp, data)
        .arg("serve")
        .env("FOXDEN_LISTEN", &listen)
        .env("FOXDEN_PUBLIC_URL", &base)
        .env("FOXDEN_SCRYPT_WORKERS", "1")
        .env("FOXDEN_SMTP_URL", smtp_url)
        .env("FOXDEN_MAIL_RETRY_MS", "50")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("spawn foxden serve");
    let mut served = Served { child, base, log };
    let http = reqwest::Client::new();
    let start = Instant::now();
    loop {
        let up = http
            .get(format!("{}/__lbheartbeat__", served.base))
            .send()
            .await;
        if up.is_ok_and(|r| r.status() == 200) {
            return served;
        }
        assert!(
            served.child.try_wait().unwrap().is_none(),
            "foxden serve exited early: {}",
            std::fs::read_to_string(&served.log).unwrap()
        );
        assert!(start.elapsed() < Duration::from_secs(30), "never came up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn sign_up(base: &str, email: &str) {
    let auth_pw = hex::encode(onepw::auth_pw(&onepw::quick_stretch_v1("pw pw pw", email)));
    let r = reqwest::Client::new()
        .post(format!("{base}/v1/account/create"))
        .json(&json!({ "email": email, "authPW": auth_pw }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

/// (queued rows, the fewest attempts among them) read from the SQLite file.
fn queue(data: &Path) -> (i64, i64) {
    let db = rusqlite::Connection::open_with_flags(
        data.join("foxden.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    db.query_row(
        "SELECT COUNT(*), COALESCE(MIN(attempts), 0) FROM mail_queue",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

/// Polls `done` every 20 ms for up to 20 s.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(20), "never: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn mail_committed_before_kill_9_goes_once_after_the_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let email = "crash@example.com";
    // The mail server is down: the sign-up succeeds, its mail is committed with
    // the account and fails its first hand-off.
    let down = serve(tmp.path(), &data, &closed_port_url(), "down").await;
    sign_up(&down.base, email).await;
    until("the mail was tried", || queue(&data).1 >= 1).await;
    drop(down); // SIGKILL: no shutdown of any kind
    assert_eq!(queue(&data).0, 1, "the queued mail survived the kill");

    let sink = SmtpSink::start().await;
    let up = serve(tmp.path(), &data, &sink.url, "up").await;
    until("the mail was delivered", || !sink.messages().is_empty()).await;
    until("the queue is empty", || queue(&data).0 == 0).await;
    // Given time to go wrong, it still went once.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let messages = sink.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    let mail = parse_mail(&messages[0]);
    assert_eq!(mail.template(), "verify");
    assert!(mail.header("To").contains(email));
    assert_eq!(mail.header("X-Verify-Code").len(), 32);
    drop(up);
}

#[tokio::test]
async fn a_mail_given_up_is_logged_once_without_its_address() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let refusing = PickySmtp::start(&["gone@"], false).await;
    let served = serve(tmp.path(), &data, &refusing.url, "refused").await;
    let email = "gone@example.com";
    sign_up(&served.base, email).await;
    until("the mail was given up", || queue(&data).0 == 0).await;
    assert_eq!(refusing.mail_from().len(), 1, "a 550 is not retried");
    let log = std::fs::read_to_string(&served.log).unwrap();
    let given_up: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("mail given up"))
        .collect();
    assert_eq!(given_up.len(), 1, "{log}");
    assert!(given_up[0].contains("verify"), "{log}");
    assert!(given_up[0].contains("recipient="), "{log}");
    for leak in [email, "gone@", "example.com"] {
        assert!(!log.contains(leak), "{leak} in the log: {log}");
    }
    assert!(refusing.messages().is_empty());
}

#[tokio::test]
async fn a_database_copy_with_mail_queued_shows_no_code_and_no_address() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let email = "queued.secret@example.com";
    let down = serve(tmp.path(), &data, &closed_port_url(), "down").await;
    sign_up(&down.base, email).await;
    until("the mail was tried", || queue(&data).1 >= 1).await;
    let copy = tmp.path().join("copy.db");
    let db = rusqlite::Connection::open(data.join("foxden.db")).unwrap();
    db.execute("VACUUM INTO ?1", [copy.to_str().unwrap()])
        .unwrap();
    drop(db);
    drop(down);

    let sink = SmtpSink::start().await;
    let _up = serve(tmp.path(), &data, &sink.url, "up").await;
    until("the mail was delivered", || !sink.messages().is_empty()).await;
    let mail = parse_mail(&sink.messages()[0]);
    let code = mail.header("X-Verify-Code").to_string();
    let link = mail.header("X-Link").to_string();
    let bytes = std::fs::read(&copy).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    // The account holds the address (email, normalized_email and the unique index
    // on it); the queued mail must add nothing readable.
    assert_eq!(text.matches(email).count(), 3, "the account's copies only");
    for secret in [code.as_str(), link.as_str()] {
        assert!(!text.contains(secret), "{secret} is readable in the copy");
    }
    let raw_code = hex::decode(&code).unwrap();
    assert!(!bytes.windows(16).any(|w| w == raw_code.as_slice()));
}
