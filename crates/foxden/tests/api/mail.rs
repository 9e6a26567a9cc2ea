//! Mail delivery: SMTP hand-off, what a failed hand-off leaves behind, and the
//! outbox folder used when no SMTP server is configured.

use std::os::unix::fs::PermissionsExt;

use foxden_db::ops::{Accounts, MailQueue};
use serde_json::json;

use crate::client::TestClient;
use crate::helpers::{parse_mail, spawn_app, spawn_with, Options, SmtpSink};

/// An `smtp://` URL on a port nothing listens on.
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("smtp://127.0.0.1:{port}")
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn verification_mail_is_handed_to_smtp() {
    let sink = SmtpSink::start().await;
    let app = spawn_with(Options {
        smtp_url: Some(sink.url.clone()),
        ..Options::default()
    })
    .await;
    let mut c = TestClient::v1(&app, "smtp@example.com", "correct horse");
    c.create(false).await.ok();

    app.mail_settled().await;
    let messages = sink.messages();
    assert_eq!(messages.len(), 1, "one message expected: {messages:?}");
    let raw = &messages[0];
    let mail = parse_mail(raw);
    assert_eq!(mail.template(), "verify");
    assert!(mail.header("To").contains("smtp@example.com"));
    assert_eq!(mail.header("X-Uid"), c.uid);
    let code = mail.header("X-Verify-Code").to_string();
    assert_eq!(code.len(), 32);
    assert!(code.bytes().all(|b| b.is_ascii_hexdigit()));
    let link = mail.header("X-Link");
    assert!(
        link.starts_with(&format!("{}/verify_email?", app.base)),
        "{link}"
    );
    assert!(link.contains(&format!("uid={}", c.uid)) && link.contains(&format!("code={code}")));
    let lower = raw.to_ascii_lowercase();
    assert!(
        lower.contains("content-type: multipart/alternative"),
        "{raw}"
    );
    assert!(lower.contains("content-type: text/plain"), "{raw}");
    assert!(lower.contains("content-type: text/html"), "{raw}");
    // SMTP replaces the outbox: nothing is written to disk.
    assert!(!app.data_dir.join("outbox").exists());

    let r = c.session_get("/v1/recovery_email/status").await.ok();
    assert_eq!(r.body["verified"], false);
    let body = json!({ "uid": c.uid, "code": code });
    app.post("/v1/recovery_email/verify_code", &body).await.ok();
    let r = c.session_get("/v1/recovery_email/status").await.ok();
    assert_eq!(r.body["verified"], true);
    assert_eq!(r.body["emailVerified"], true);
}

#[tokio::test]
async fn a_mail_server_that_is_down_fails_no_request_and_the_mail_goes_when_it_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let email = "nomail@example.com";
    let down = Options {
        smtp_url: Some(closed_port_url()),
        mail_retry_ms: 20,
        ..Options::in_dir(dir.path())
    };
    let app = spawn_with(down).await;
    // Neither the sign-up nor a sign-in waits on (or fails with) the mail server
    // (ADR 0014): their mails are queued with the account and the session.
    let mut c = TestClient::v1(&app, email, "correct horse");
    c.create(true).await.ok();
    let uid = c.uid.clone();
    c.login(true).await.ok();
    drop(c);
    app.mail_settled().await;
    let depth = app.db.mail_queue_depth().await.unwrap();
    assert_eq!(
        (depth.queued, depth.untried),
        (2, 0),
        "both tried and waiting"
    );
    app.stop().await;

    // The mail server is back (the outbox here): both go, once each, and the
    // mailed code confirms the account.
    let app = spawn_with(Options {
        mail_retry_ms: 20,
        ..Options::in_dir(dir.path())
    })
    .await;
    app.mail_drained().await;
    let templates: Vec<String> = app
        .mails_to(email)
        .await
        .iter()
        .map(|m| m.template().to_string())
        .collect();
    assert_eq!(templates, ["verify", "verify"], "each queued mail once");
    let code = app
        .last_mail(email)
        .await
        .header("X-Verify-Code")
        .to_string();
    let body = json!({ "uid": uid, "code": code });
    app.post("/v1/recovery_email/verify_code", &body).await.ok();
    let r = app
        .post("/v1/account/status", &json!({ "email": email }))
        .await
        .ok();
    assert_eq!(r.body["exists"], true);
    let account = app.db.account_by_email(email).await.unwrap().unwrap();
    assert!(account.email_verified);
}

#[tokio::test]
async fn outbox_files_are_private_and_named_without_codes() {
    let app = spawn_app().await;
    let email = "outbox@example.com";
    let mut c = TestClient::v1(&app, email, "correct horse");
    c.create(false).await.ok();

    app.mail_settled().await;
    let outbox = app.data_dir.join("outbox");
    assert_eq!(mode(&outbox), 0o700);
    let files: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let path = &files[0];
    assert_eq!(mode(path), 0o600);

    let mail = app.last_mail(email).await;
    let code = mail.header("X-Verify-Code");
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    assert!(
        name.ends_with(".eml") && name.contains("-verify-"),
        "{name}"
    );
    for secret in [code, c.uid.as_str(), "outbox", "example.com"] {
        assert!(!name.contains(secret), "{name} contains {secret}");
    }
    // The content, of course, carries the code.
    assert!(std::fs::read_to_string(path).unwrap().contains(code));
}

/// POSTs JSON with an `Accept-Language` header.
async fn post_in(
    app: &crate::helpers::TestApp,
    path: &str,
    body: &serde_json::Value,
    lang: &str,
) -> u16 {
    app.http
        .post(app.url(path))
        .header("Accept-Language", lang)
        .json(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn mails_are_written_in_the_requested_language() {
    let app = spawn_app().await;
    let email = "deutsch@example.com";
    let c = TestClient::v1(&app, email, "correct horse");
    let status = post_in(&app, "/v1/account/create", &c.create_body(), "de").await;
    assert_eq!(status, 200);
    let mail = app.last_mail(email).await;
    assert_eq!(mail.template(), "verify");
    assert_eq!(mail.header("Content-Language"), "de");
    assert_eq!(mail.header("Subject"), "Konto fertig einrichten");
    let code = mail.header("X-Verify-Code").to_string();
    let uid = mail.header("X-Uid").to_string();

    // Confirming for Sync sends the postVerify welcome, here in French.
    let body = json!({ "uid": uid, "code": code, "service": "sync" });
    let status = post_in(
        &app,
        "/v1/recovery_email/verify_code",
        &body,
        "fr-FR, de;q=0.5",
    )
    .await;
    assert_eq!(status, 200);
    let mail = app.last_mail(email).await;
    assert_eq!(mail.template(), "postVerify");
    assert_eq!(mail.header("Content-Language"), "fr");
    assert_eq!(mail.header("X-Uid"), uid);
}

#[tokio::test]
async fn mails_default_to_english() {
    let app = spawn_app().await;
    let email = "english@example.com";
    let mut c = TestClient::v1(&app, email, "correct horse");
    c.create(false).await.ok();
    let mail = app.last_mail(email).await;
    assert_eq!(mail.header("Content-Language"), "en");
    assert_eq!(mail.header("Subject"), "Finish creating your account");
    // Without service=sync no postVerify follows.
    let body = json!({ "uid": c.uid, "code": mail.header("X-Verify-Code") });
    assert_eq!(
        post_in(&app, "/v1/recovery_email/verify_code", &body, "es").await,
        200
    );
    assert_eq!(app.last_mail(email).await.template(), "verify");
}

#[tokio::test]
async fn password_change_sends_a_notice() {
    use crate::client::Scheme;
    use foxden_crypto::token::TokenKind;
    use reqwest::Method;

    let app = spawn_app().await;
    let email = "changed@example.com";
    let mut c = TestClient::v1(&app, email, "pw");
    c.create_verified(false).await;
    let body = json!({"email": c.email, "oldAuthPW": c.auth_pw()});
    let r = app.post("/v1/password/change/start", &body).await.ok();
    let token = r.str("passwordChangeToken");
    let finish = json!({"authPW": "11".repeat(32), "wrapKb": "22".repeat(32)});
    app.call(
        Scheme::Bearer,
        Method::POST,
        "/v1/password/change/finish",
        &token,
        TokenKind::PasswordChange,
        Some(&finish),
    )
    .await
    .ok();
    let mail = app.last_mail(email).await;
    assert_eq!(mail.template(), "passwordChanged");
    assert_eq!(mail.header("Content-Language"), "en");
    assert_eq!(mail.header("X-Uid"), c.uid);
    assert!(mail
        .header("X-Link")
        .ends_with(&format!("/settings?uid={}", c.uid)));
}
