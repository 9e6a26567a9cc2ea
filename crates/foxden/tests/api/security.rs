//! Security events: recorded on create, login and failures, listed by
//! `/securityEvents`, keyed by an HMAC of the client IP (never the IP), and the
//! known-IP rule that skips sign-in confirmation.

use serde_json::{json, Value};

use crate::client::TestClient;
use crate::helpers::{spawn_with, Options, Resp, TestApp};

fn known_ip_rule() -> Options {
    Options {
        skip_confirm_new_account_ms: 0,
        known_ip_recency_ms: 72 * 60 * 60 * 1000,
        ..Options::default()
    }
}

/// `POST /account/login?keys=true` through a proxy: the client is `ip`, the
/// entry its one proxy appends to `X-Forwarded-For`.
async fn login_from(app: &TestApp, c: &TestClient<'_>, ip: &str, password: &str) -> Resp {
    let mut d = TestClient::v1(app, &c.email, password);
    let body = json!({ "email": c.email, "authPW": d.auth_pw() });
    let res = app
        .http
        .post(app.url("/v1/account/login?keys=true"))
        .header("X-Forwarded-For", ip)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    if status == 200 {
        d.session_token = body["sessionToken"].as_str().unwrap().to_string();
    }
    Resp {
        status,
        headers: Default::default(),
        body,
    }
}

async fn events(c: &TestClient<'_>) -> Vec<(String, bool)> {
    let r = c.session_get("/v1/securityEvents").await.ok();
    let list = r.body.as_array().expect("an array").clone();
    for e in &list {
        assert!(e["createdAt"].as_i64().unwrap() > 1_600_000_000_000, "{e}");
    }
    list.iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_string(),
                e["verified"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn create_and_login_are_listed_newest_first() {
    let app = spawn_with(known_ip_rule()).await;
    let mut c = TestClient::v1(&app, "events@example.com", "pw");
    c.create(true).await.ok();
    assert_eq!(events(&c).await, [("account.create".to_string(), false)]);
    c.verify_from_mail("verify").await.ok();
    assert_eq!(events(&c).await, [("account.create".to_string(), true)]);
    let mut d = c.another_device();
    d.login(false).await.ok();
    // The sign-up's confirmation made 127.0.0.1 known: the login skips confirmation.
    let got = events(&d).await;
    let expected = [
        ("account.login", true),
        ("account.signin_confirm_bypass_known_ip", true),
        ("account.create", true),
    ];
    let expected: Vec<(String, bool)> = expected.iter().map(|(n, v)| (n.to_string(), *v)).collect();
    assert_eq!(got, expected);
}

#[tokio::test]
async fn a_confirmed_sign_in_makes_its_ip_known() {
    let app = spawn_with(known_ip_rule()).await;
    let mut c = TestClient::v1(&app, "known-ip@example.com", "pw");
    c.create_verified(true).await;

    // A new IP must confirm.
    let r = login_from(&app, &c, "198.51.100.7", "pw").await.ok();
    assert_eq!(r.body["verified"], false);
    assert_eq!(r.body["verificationReason"], "login");
    let mut d = c.another_device();
    d.session_token = r.str("sessionToken");
    d.verify_from_mail("verifyLogin").await.ok();

    // Now it is known; another IP still must confirm.
    let r = login_from(&app, &c, "198.51.100.7", "pw").await.ok();
    assert_eq!(r.body["verified"], true, "{:?}", r.body);
    let r = login_from(&app, &c, "203.0.113.9", "pw").await.ok();
    assert_eq!(r.body["verified"], false);
    let names: Vec<String> = events(&d).await.into_iter().map(|(n, _)| n).collect();
    assert!(names.contains(&"account.signin_confirm_bypass_known_ip".to_string()));
}

#[tokio::test]
async fn wrong_password_is_recorded_and_no_ip_is_stored() {
    let app = spawn_with(known_ip_rule()).await;
    let mut c = TestClient::v1(&app, "failure@example.com", "pw");
    c.create_verified(true).await;
    let ip = "192.0.2.123";
    login_from(&app, &c, ip, "wrong").await.err(400, 103);
    let got = events(&c).await;
    assert_eq!(got[0], ("account.login.failure".to_string(), false));

    // Neither the proxied IP nor the peer address is in the database.
    let db = app.data_dir.join("foxden.db");
    let mut bytes = std::fs::read(&db).unwrap();
    let wal = app.data_dir.join("foxden.db-wal");
    bytes.extend(std::fs::read(wal).unwrap_or_default());
    for needle in [ip, "127.0.0.1"] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{needle} is stored"
        );
    }
}
