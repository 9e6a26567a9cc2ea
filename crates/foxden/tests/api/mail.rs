//! Mail delivery: SMTP hand-off, what a failed hand-off leaves behind, and the
//! outbox folder used when no SMTP server is configured.

use std::os::unix::fs::PermissionsExt;

use foxden_db::ops::{Accounts, Sessions};
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
async fn smtp_failure_answers_151_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let email = "nomail@example.com";
    // An unconfirmed account, made while mail still worked.
    let app = spawn_with(Options::in_dir(dir.path())).await;
    let mut c = TestClient::v1(&app, email, "correct horse");
    c.create(false).await.ok();
    let uid = c.uid.clone();
    app.stop().await;

    let app = spawn_with(Options {
        smtp_url: Some(closed_port_url()),
        ..Options::in_dir(dir.path())
    })
    .await;
    // A sign-up whose verify mail fails is undone: no account is left.
    let fresh = "fresh@example.com";
    let mut f = TestClient::v1(&app, fresh, "correct horse");
    f.create(true).await.err(422, 151);
    let r = app
        .post("/v1/account/status", &json!({ "email": fresh }))
        .await
        .ok();
    assert_eq!(r.body["exists"], false);
    // Signing in to the unconfirmed account resends the verify mail: it fails the
    // same way, and the session it would have made is not kept.
    let mut c = TestClient::v1(&app, email, "correct horse");
    c.login(true).await.err(422, 151);
    app.stop().await;

    // The account is there, unconfirmed, with no token the client never received.
    let db = foxden::connect_db(&foxden_db::sqlite_url_for(dir.path()))
        .await
        .unwrap();
    let account = db.account_by_email(email).await.unwrap().expect("account");
    assert_eq!(hex::encode(account.uid), uid);
    assert!(!account.email_verified);
    let sessions = db.sessions_for(&account.uid).await.unwrap();
    assert_eq!(sessions.len(), 1, "only the sign-up session may remain");
    assert!(db.account_by_email(fresh).await.unwrap().is_none());
    drop(db);

    // Once mail works (outbox), the same password signs in and the code confirms,
    // and the undone sign-up can be made again.
    let app = spawn_with(Options::in_dir(dir.path())).await;
    let mut c = TestClient::v1(&app, email, "correct horse");
    c.login(false).await.ok();
    assert_eq!(c.uid, uid);
    c.verify_from_mail("verify").await.ok();
    let r = c.session_get("/v1/recovery_email/status").await.ok();
    assert_eq!(r.body["emailVerified"], true);
    let mut f = TestClient::v1(&app, fresh, "correct horse");
    f.create(false).await.ok();
}

#[tokio::test]
async fn outbox_files_are_private_and_named_without_codes() {
    let app = spawn_app().await;
    let email = "outbox@example.com";
    let mut c = TestClient::v1(&app, email, "correct horse");
    c.create(false).await.ok();

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
