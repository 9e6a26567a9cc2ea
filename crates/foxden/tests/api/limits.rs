//! Rate limits under concurrency and behind proxies: no more passwords checked
//! than the bad-password rule allows, however many attempts race.

use serde_json::{json, Value};
use tokio::task::JoinSet;

use crate::client::TestClient;
use crate::helpers::{spawn_app, spawn_with, Options, Resp, TestApp};

/// `n` copies of one POST sent at once; their (status, errno).
async fn all_at_once(app: &TestApp, path: &str, body: &Value, n: usize) -> Vec<(u16, i64)> {
    let mut set = JoinSet::new();
    for _ in 0..n {
        let (http, url, body) = (app.http.clone(), app.url(path), body.clone());
        set.spawn(async move {
            let r = Resp::read(http.post(url).json(&body).send().await.unwrap()).await;
            (r.status, r.errno())
        });
    }
    set.join_all().await
}

#[tokio::test]
async fn forty_concurrent_wrong_passwords_check_at_most_five() {
    let app = spawn_app().await;
    let mut user = TestClient::v1(&app, "racer@example.com", "the right password");
    user.create_verified(false).await;
    let thief = TestClient::v1(&app, "racer@example.com", "a guessed password");
    let body = json!({ "email": thief.email, "authPW": thief.auth_pw() });
    let answers = all_at_once(&app, "/v1/account/login", &body, 40).await;
    let checked = answers.iter().filter(|a| **a == (400, 103)).count();
    let refused = answers
        .iter()
        .filter(|a| matches!(a, (400, 125) | (429, 114)))
        .count();
    assert!(
        (1..=5).contains(&checked),
        "{checked} passwords checked against a limit of 5: {answers:?}"
    );
    assert_eq!(checked + refused, 40, "{answers:?}");
    // The limit stands for the right password too: from this address (banned
    // per IP as well, which no unblock code lifts) until the ban ends.
    let r = user.login(false).await;
    r.err(429, 114);
}

#[tokio::test]
async fn a_matching_password_gives_its_count_back() {
    let app = spawn_app().await;
    let mut user = TestClient::v1(&app, "regular@example.com", "the right password");
    user.create_verified(false).await;
    // More successful sign-ins than the bad-password limit allows failures.
    for _ in 0..7 {
        user.login(false).await.ok();
    }
    // Four wrong ones still fit under the limit, and so does the right one after.
    let thief = TestClient::v1(&app, "regular@example.com", "a guessed password");
    let body = json!({ "email": thief.email, "authPW": thief.auth_pw() });
    for _ in 0..4 {
        app.post("/v1/account/login", &body).await.err(400, 103);
    }
    user.login(false).await.ok();
}

/// Wrong sign-ins for 12 different unknown emails, each claiming another
/// `X-Forwarded-For`; the errnos.
async fn rotating_forwarded_for(app: &TestApp) -> Vec<i64> {
    let mut errnos = Vec::new();
    for i in 0..12 {
        let body = json!({ "email": format!("nobody{i}@example.com"), "authPW": "00".repeat(32) });
        let ip = format!("198.51.100.{i}");
        errnos.push(app.post_from(&ip, "/v1/account/login", &body).await.errno());
    }
    errnos
}

#[tokio::test]
async fn without_a_trusted_proxy_a_forwarded_address_buys_nothing() {
    let app = spawn_with(Options {
        trusted_proxies: "",
        ..Options::default()
    })
    .await;
    let errnos = rotating_forwarded_for(&app).await;
    // The per-IP bad-login rule (5 per 10 minutes) keys on the socket peer.
    assert_eq!(errnos[..5], [102; 5], "{errnos:?}");
    assert_eq!(errnos[5..], [114; 7], "{errnos:?}");
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_address_is_the_client() {
    // The tests' default trusts 127.0.0.1, the peer of every test request.
    let app = spawn_app().await;
    assert_eq!(rotating_forwarded_for(&app).await, [102; 12]);
}

/// Twelve wrong email-verification codes for `email`'s new account, from one
/// address; the answers, and the last response's body.
async fn wrong_codes(app: &TestApp, email: &str, language: &str) -> (Vec<i64>, Value) {
    let mut user = TestClient::v1(app, email, "a long enough password");
    user.create(false).await.ok();
    let body = json!({ "uid": user.uid, "code": "00".repeat(16) });
    let mut errnos = Vec::new();
    let mut last = Value::Null;
    for _ in 0..12 {
        let res = app
            .http
            .post(app.url("/v1/recovery_email/verify_code"))
            .header("Accept-Language", language)
            .json(&body)
            .send()
            .await
            .unwrap();
        let r = Resp::read(res).await;
        errnos.push(r.errno());
        last = r.body;
    }
    (errnos, last)
}

#[tokio::test]
async fn allowed_email_domains_are_never_limited_and_others_hear_when_to_retry() {
    let app = spawn_with(Options {
        allowed_email_domains: "restmail.net",
        ..Options::default()
    })
    .await;
    let (errnos, _) = wrong_codes(&app, "tester@restmail.net", "en").await;
    assert_eq!(errnos, [105; 12], "an allowed domain was limited");
    // 10 code checks per 10 minutes per IP: the 11th waits out a 30-minute ban.
    let (errnos, last) = wrong_codes(&app, "someone@example.com", "de-DE, en;q=0.5").await;
    assert_eq!(errnos[10..], [114, 114], "{errnos:?}");
    assert_eq!(last["retryAfter"], 1800);
    assert_eq!(last["retryAfterLocalized"], "in 30 Minuten");
}

#[tokio::test]
async fn allowed_addresses_are_never_limited() {
    let app = spawn_with(Options {
        allowed_ips: "198.51.100.0/24",
        ..Options::default()
    })
    .await;
    for i in 0..12 {
        let body = json!({ "email": format!("nobody{i}@example.com"), "authPW": "00".repeat(32) });
        let r = app
            .post_from("198.51.100.7", "/v1/account/login", &body)
            .await;
        r.err(400, 102);
    }
    // Another address is limited as ever.
    let body = json!({ "email": "nobody@example.com", "authPW": "00".repeat(32) });
    let mut errnos = Vec::new();
    for _ in 0..6 {
        errnos.push(
            app.post_from("203.0.113.5", "/v1/account/login", &body)
                .await
                .errno(),
        );
    }
    assert_eq!(errnos, [102, 102, 102, 102, 102, 114]);
}
