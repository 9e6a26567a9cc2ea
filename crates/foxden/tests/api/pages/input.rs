//! What the pages do with links that are damaged, guessed, used up or hostile,
//! and that they exist only while the mails' links lead to foxden.

use serde_json::json;

use super::support::{open, post_raw, submit};
use crate::client::TestClient;
use crate::helpers::{spawn_app, spawn_with, Options};

const HEX16: &str = "0123456789abcdef0123456789abcdef";

#[tokio::test]
async fn damaged_links_get_a_400_page_that_echoes_nothing() {
    let app = spawn_app().await;
    let hostile = "%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E";
    let long = "a".repeat(3000);
    let gets = [
        "/verify_email".to_string(),
        format!("/verify_email?uid={HEX16}"),
        format!("/verify_email?uid=zz&code={HEX16}"),
        format!("/verify_email?uid={HEX16}&code={HEX16}0"),
        format!("/verify_email?uid={HEX16}&code={HEX16}&service={hostile}"),
        format!("/verify_email?uid={HEX16}&code={HEX16}&redirectTo={long}"),
        format!("/verify_email?uid={HEX16}&uid={HEX16}&code={HEX16}"),
        format!("/complete_signin?uid={hostile}&code={HEX16}"),
        format!("/report_signin?uid={HEX16}&unblockCode={hostile}"),
        format!("/report_signin?uid={HEX16}&unblockCode=ABCD1234X"),
        format!("/complete_reset_password?code={HEX16}&uid={HEX16}&email={hostile}"),
        format!("/complete_reset_password?token=00&code={HEX16}&uid={HEX16}&email=a%40b.example"),
        format!("/settings?uid={hostile}"),
        format!("/connect_another_device?service={hostile}"),
    ];
    for path in &gets {
        for lang in ["en", "de", "fr"] {
            let page = open(&app, &app.url(path), lang).await;
            assert_eq!(page.status, 400, "{path}: {}", page.html);
            page.assert_hardened(lang);
            assert!(!page.html.contains("<script"), "{path}: {}", page.html);
            assert!(!page.html.contains("alert"), "{path}: {}", page.html);
            assert!(page.form().is_none(), "{path}");
        }
    }
    let posts = [
        ("/verify_email", "uid=&code=".to_string()),
        ("/verify_email", format!("uid={HEX16}")),
        (
            "/complete_signin",
            json!({ "uid": HEX16, "code": HEX16 }).to_string(),
        ),
        (
            "/report_signin",
            format!("uid={HEX16}&unblockCode={hostile}"),
        ),
        (
            "/verify_email",
            format!("uid={HEX16}&code={HEX16}&service={}", "a".repeat(20_000)),
        ),
    ];
    for (path, body) in posts {
        let page = post_raw(&app, &app.url(path), body, "de").await;
        assert_eq!(page.status, 400, "{path}: {}", page.html);
        page.assert_hardened("de");
        assert!(!page.html.contains("<script"), "{path}");
    }
    // Well-formed links with extra parameters are fine, and nothing extra is echoed.
    let path = format!(
        "/verify_email?uid={HEX16}&code={HEX16}&service=sync&redirectTo=https%3A%2F%2Fevil.example%2F&resume=xyz&utm_source=email"
    );
    let page = open(&app, &app.url(&path), "en").await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(!page.html.contains("evil.example") && !page.html.contains("xyz"));
    let (_, fields) = page.form().unwrap();
    let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["uid", "code", "service"]);
}

async fn email_verified(c: &TestClient<'_>) -> bool {
    let r = c.session_get("/v1/recovery_email/status").await.ok();
    r.body["emailVerified"].as_bool().unwrap()
}

#[tokio::test]
async fn wrong_and_used_codes_get_an_error_page_and_change_nothing() {
    let app = spawn_app().await;
    let mut c = TestClient::v1(&app, "pages-wrong@example.com", "pw");
    c.create(false).await.ok();
    let cases = [
        // The account's uid with a code that is not its emailCode.
        (
            "/verify_email",
            format!("uid={}&code={HEX16}&service=sync", c.uid),
        ),
        ("/complete_signin", format!("uid={}&code={HEX16}", c.uid)),
        // A uid no account has.
        (
            "/verify_email",
            format!("uid={HEX16}&code={}", "f".repeat(32)),
        ),
        // An unblock code never sent.
        (
            "/report_signin",
            format!("uid={}&unblockCode=ABCD2345", c.uid),
        ),
    ];
    for (path, body) in cases {
        for lang in ["en", "fr"] {
            let page = post_raw(&app, &app.url(path), body.clone(), lang).await;
            assert_eq!(page.status, 400, "{path} {body}: {}", page.html);
            page.assert_hardened(lang);
            assert!(page.form().is_none());
        }
    }
    assert!(!email_verified(&c).await);
    // No mail but the first verification went out (no postVerify for a wrong code).
    let templates: Vec<String> = app
        .mails_to(&c.email)
        .await
        .iter()
        .map(|m| m.template().to_string())
        .collect();
    assert_eq!(templates, ["verify"]);

    // Many GETs of the right link (prefetches) change nothing; one POST does.
    let mail = app.last_mail(&c.email).await;
    let link = mail.header("X-Link").to_string();
    for _ in 0..3 {
        let page = open(&app, &link, "en").await;
        assert_eq!(page.status, 200);
        let head = app.http.head(&link).send().await.unwrap();
        assert_eq!(head.status().as_u16(), 200);
    }
    assert!(!email_verified(&c).await);
    let page = open(&app, &link, "en").await;
    let (action, fields) = page.form().unwrap();
    let done = submit(&app, &action, &fields, "en").await;
    assert_eq!(done.status, 200, "{}", done.html);
    assert!(email_verified(&c).await);
    // The account's link still works once verified (the emailCode stays its own).
    let again = submit(&app, &action, &fields, "en").await;
    assert_eq!(again.status, 200, "{}", again.html);
}

#[tokio::test]
async fn with_a_content_server_elsewhere_links_and_redirects_go_there() {
    let app = spawn_with(Options {
        content_url: Some("https://accounts.example.com/"),
        ..Options::default()
    })
    .await;
    let mut c = TestClient::v1(&app, "elsewhere@example.com", "pw");
    c.create(false).await.ok();
    let link = app.last_mail(&c.email).await.header("X-Link").to_string();
    assert!(
        link.starts_with("https://accounts.example.com/verify_email?"),
        "{link}"
    );
    let query = link.split_once('?').unwrap().1;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = http
        .get(app.url(&format!("/v1/verify_email?{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 302);
    assert_eq!(res.headers()["location"].to_str().unwrap(), link);
    // foxden serves no pages of its own then: the root paths are unknown, as before.
    for path in [
        "/verify_email",
        "/complete_signin",
        "/report_signin",
        "/signin_push_code_confirm",
        "/settings",
    ] {
        let r = app.get(&format!("{path}?{query}")).await;
        r.err(404, 999);
    }
}
