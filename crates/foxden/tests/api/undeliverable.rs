//! Addresses Mozilla's validator refuses (400 errno 107, nothing written), and
//! addresses it accepts that cannot be mailed (422 errno 151, nothing left behind);
//! recipients the mail server refuses (the request succeeds, the mail is given
//! up: ADR 0014); what goes over SMTP for IDN domains and non-ASCII or dotted
//! local parts.

use std::sync::{Arc, Mutex};

use foxden_db::ops::Accounts;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::client::TestClient;
use crate::helpers::{spawn_app, spawn_with, Options, TestApp};

/// What the picky SMTP server was told and what it does.
#[derive(Default)]
struct Picky {
    /// RCPT TO is refused (550) when the address contains one of these.
    refused: Vec<String>,
    /// Offer SMTPUTF8 and 8BITMIME in the EHLO reply.
    utf8: bool,
    mail_from: Vec<String>,
    rcpt_to: Vec<String>,
    messages: Vec<String>,
}

/// A small SMTP server that refuses some recipients, as a real one answers an
/// unknown mailbox: `550` to `RCPT TO`.
pub(crate) struct PickySmtp {
    pub(crate) url: String,
    state: Arc<Mutex<Picky>>,
}

impl PickySmtp {
    pub(crate) async fn start(refused: &[&str], utf8: bool) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(Picky {
            refused: refused.iter().map(|s| s.to_string()).collect(),
            utf8,
            ..Picky::default()
        }));
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, shared.clone()));
            }
        });
        PickySmtp { url, state }
    }

    fn accept_everyone(&self) {
        self.state.lock().unwrap().refused.clear();
    }

    fn rcpt_to(&self) -> Vec<String> {
        self.state.lock().unwrap().rcpt_to.clone()
    }

    pub(crate) fn mail_from(&self) -> Vec<String> {
        self.state.lock().unwrap().mail_from.clone()
    }

    pub(crate) fn messages(&self) -> Vec<String> {
        self.state.lock().unwrap().messages.clone()
    }
}

async fn session(stream: tokio::net::TcpStream, state: Arc<Mutex<Picky>>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let _ = write.write_all(b"220 picky ESMTP\r\n").await;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let command = line.trim_end().to_string();
        let verb = command.get(..4).unwrap_or("").to_ascii_uppercase();
        let reply: String = match verb.as_str() {
            "EHLO" if state.lock().unwrap().utf8 => {
                "250-picky\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n".into()
            }
            "MAIL" => {
                state.lock().unwrap().mail_from.push(command);
                "250 ok\r\n".into()
            }
            "RCPT" => {
                let mut picky = state.lock().unwrap();
                if picky.refused.iter().any(|r| command.contains(r.as_str())) {
                    "550 5.1.1 no such mailbox\r\n".into()
                } else {
                    picky.rcpt_to.push(command);
                    "250 ok\r\n".into()
                }
            }
            "DATA" => {
                let _ = write.write_all(b"354 go ahead\r\n").await;
                let mut data = String::new();
                while !data.ends_with("\r\n.\r\n") {
                    if lines.read_line(&mut data).await.unwrap_or(0) == 0 {
                        return;
                    }
                }
                state.lock().unwrap().messages.push(data);
                "250 queued\r\n".into()
            }
            "QUIT" => {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            }
            _ => "250 ok\r\n".into(),
        };
        if write.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
    }
}

async fn smtp_app(smtp: &PickySmtp) -> TestApp {
    spawn_with(Options {
        smtp_url: Some(smtp.url.clone()),
        ..Options::default()
    })
    .await
}

/// `/account/status` for `email` (which must pass validation).
async fn exists(app: &TestApp, email: &str) -> bool {
    let r = app
        .post("/v1/account/status", &json!({ "email": email }))
        .await
        .ok();
    r.body["exists"].as_bool().unwrap()
}

/// Whether the database holds an account for `email` (lower-cased, as stored).
async fn stored(app: &TestApp, email: &str) -> bool {
    let db = app.database().await;
    let found = db.account_by_email(&email.to_lowercase()).await.unwrap();
    found.is_some()
}

/// The mails of several requests may go out in any order (the queue hands a
/// batch over at once).
fn sorted(mut lines: Vec<String>) -> Vec<String> {
    lines.sort();
    lines
}

fn outbox_files(app: &TestApp) -> usize {
    std::fs::read_dir(app.data_dir.join("outbox"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[tokio::test]
async fn a_refused_recipient_is_given_up_and_a_new_sign_up_works() {
    let smtp = PickySmtp::start(&["bounce@"], false).await;
    let app = smtp_app(&smtp).await;
    let email = "bounce@example.com";
    // The sign-up answers before the mail server does (ADR 0014): it succeeds,
    // and the refused mail (a 550, permanent) is given up, not retried.
    let mut c = TestClient::v1(&app, email, "correct horse");
    c.create(true).await.ok();
    // Drained (not waiting for a retry 30 s later): given up after one try.
    app.mail_drained().await;
    assert!(exists(&app, email).await);
    assert_eq!(smtp.mail_from().len(), 1, "one attempt");
    assert!(smtp.rcpt_to().is_empty() && smtp.messages().is_empty());

    // Another address goes through at once.
    let mut good = TestClient::v1(&app, "good@example.com", "correct horse");
    good.create(true).await.ok();
    app.mail_drained().await;
    assert_eq!(smtp.messages().len(), 1);

    // Once the mailbox takes mail, signing up again replaces the unconfirmed
    // account, and its code confirms it.
    smtp.accept_everyone();
    c.create(true).await.ok();
    app.mail_drained().await;
    let messages = smtp.messages();
    let verify = messages.last().unwrap();
    assert!(verify.contains("bounce@example.com"));
    let code = verify
        .lines()
        .find_map(|l| l.strip_prefix("X-Verify-Code: "))
        .unwrap()
        .trim()
        .to_string();
    let body = json!({ "uid": c.uid, "code": code });
    app.post("/v1/recovery_email/verify_code", &body).await.ok();
    let r = c.session_get("/v1/recovery_email/status").await.ok();
    assert_eq!(r.body["verified"], true);
}

#[tokio::test]
async fn a_refused_recipient_of_a_v2_sign_up_with_code_gets_no_mail() {
    let smtp = PickySmtp::start(&["Bounce@"], false).await;
    let app = smtp_app(&smtp).await;
    let email = "Bounce@Example.com";
    let mut c = TestClient::v2(&app, email, "correct horse");
    let r = c
        .create_with("?keys=true", json!({ "verificationMethod": "email-otp" }))
        .await;
    r.ok();
    app.mail_drained().await;
    assert!(stored(&app, email).await);
    assert!(smtp.messages().is_empty());
}

/// Addresses Mozilla's validator refuses.
fn invalid_addresses() -> Vec<String> {
    vec![
        "fox\u{1F98A}@example.com".into(),
        "user@\u{1F98A}.example.com".into(),
        "ctl\u{1B}@example.com".into(),
        "del\u{7F}@example.com".into(),
        "c1\u{85}@example.com".into(),
        "priv\u{E000}@example.com".into(),
        "line\u{2028}@example.com".into(),
        "two@at@example.com".into(),
        "user@localhost".into(),
        "user@example.com.".into(),
        "under@exam_ple.com".into(),
        "sp ace@example.com".into(),
        format!("{}@example.com", "a".repeat(65)),
        format!("{}@{}.com", "a".repeat(64), "b".repeat(187)),
    ]
}

#[tokio::test]
async fn addresses_mozilla_refuses_answer_107_and_write_nothing() {
    let app = spawn_app().await;
    for email in invalid_addresses() {
        let c = TestClient::v1(&app, &email, "correct horse");
        let r = app.post("/v1/account/create", &c.create_body()).await;
        r.err(400, 107);
        assert_eq!(r.body["validation"]["keys"], json!(["email"]), "{email:?}");
        let r = app
            .post("/v1/account/status", &json!({ "email": email }))
            .await;
        r.err(400, 107);
        assert!(!stored(&app, &email).await, "{email:?} was stored");
    }
    assert_eq!(outbox_files(&app), 0);
    // The limits: exactly 64 and 255 are fine (in labels DNS allows).
    let at_limit = format!(
        "{}@{}.{}.{}.com",
        "a".repeat(64),
        "b".repeat(63),
        "c".repeat(63),
        "d".repeat(58)
    );
    assert_eq!(at_limit.len(), 255);
    for email in [format!("{}@example.com", "a".repeat(64)), at_limit] {
        let mut c = TestClient::v1(&app, &email, "correct horse");
        c.create(false).await.ok();
        assert!(exists(&app, &email).await);
    }
}

#[tokio::test]
async fn accepted_but_unmailable_addresses_answer_151_and_leave_nothing() {
    // Mozilla's validator takes invisible and bidi-control characters; no
    // mailer can carry them, so the sign-up fails as a failed mail does.
    // Nor can a domain label longer than DNS allows (63), which Mozilla's
    // pattern lets through up to 255.
    let app = spawn_app().await;
    let long_label = format!("user@{}.com", "b".repeat(64));
    for email in [
        "zero\u{200B}width@example.com",
        "evil\u{202E}moc.elpmaxe@example.com",
        "no\u{A0}break@example.com",
        "user@exam\u{202E}ple.com",
        &long_label,
    ] {
        let mut c = TestClient::v1(&app, email, "correct horse");
        c.create(true).await.err(422, 151);
        assert!(!exists(&app, email).await, "{email:?} outlived errno 151");
        assert!(!stored(&app, email).await);
    }
    assert_eq!(outbox_files(&app), 0);
}

#[tokio::test]
async fn idn_domains_go_out_in_their_idna_form() {
    let smtp = PickySmtp::start(&[], false).await;
    let app = smtp_app(&smtp).await;
    for email in ["user@bücher.de", "user@\u{FF42}\u{FF43}.com"] {
        let mut c = TestClient::v1(&app, email, "correct horse");
        c.create(false).await.ok();
        assert!(exists(&app, email).await);
    }
    app.mail_settled().await;
    assert_eq!(
        sorted(smtp.rcpt_to()),
        ["RCPT TO:<user@bc.com>", "RCPT TO:<user@xn--bcher-kva.de>"]
    );
    let messages = smtp.messages();
    assert!(messages
        .iter()
        .any(|m| m.contains("To: user@xn--bcher-kva.de\r\n")));
    // Plain ASCII all the way: no SMTPUTF8 needed.
    assert!(smtp.mail_from().iter().all(|m| !m.contains("SMTPUTF8")));
}

#[tokio::test]
async fn non_ascii_local_parts_need_smtputf8() {
    let plain = PickySmtp::start(&[], false).await;
    let app = smtp_app(&plain).await;
    // Without SMTPUTF8 the mail cannot go to this server at all: it is given
    // up at once (the sign-up itself does not wait for it).
    for email in ["andré@example.org", "\u{FF41}@\u{FF42}.com"] {
        let mut c = TestClient::v1(&app, email, "correct horse");
        c.create(false).await.ok();
    }
    app.mail_drained().await;
    assert!(plain.rcpt_to().is_empty());
    drop(app);

    let utf8 = PickySmtp::start(&[], true).await;
    let app = smtp_app(&utf8).await;
    for email in ["andré@example.org", "\u{FF41}@\u{FF42}.com"] {
        let mut c = TestClient::v1(&app, email, "correct horse");
        c.create(false).await.ok();
    }
    app.mail_settled().await;
    assert_eq!(
        sorted(utf8.rcpt_to()),
        ["RCPT TO:<andré@example.org>", "RCPT TO:<\u{FF41}@b.com>"]
    );
    assert!(utf8.mail_from().iter().all(|m| m.contains(" SMTPUTF8")));
}

#[tokio::test]
async fn dotted_local_parts_are_quoted_on_the_wire() {
    let smtp = PickySmtp::start(&[], false).await;
    let app = smtp_app(&smtp).await;
    let email = ".dot..ted.@example.com";
    let mut c = TestClient::v1(&app, email, "correct horse");
    c.create(false).await.ok();
    app.mail_settled().await;
    assert_eq!(smtp.rcpt_to(), ["RCPT TO:<\".dot..ted.\"@example.com>"]);
    let r: Value = app
        .post("/v1/account/status", &json!({ "email": email }))
        .await
        .ok()
        .body;
    assert_eq!(r["exists"], true);
}
