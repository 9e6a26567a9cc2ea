//! Rate limits on sign-in and the unblock codes that lift a bad-password ban:
//! `/account/login/send_unblock_code`, `/account/login` with `unblockCode`,
//! `/account/login/reject_unblock_code`.

use foxden_db::OneTimeCodeKind;
use serde_json::{json, Value};

use crate::client::TestClient;
use crate::helpers::{spawn_with, Options, Resp, TestApp};

/// Old accounts (no new-account skip), so a keys=true sign-in needs confirmation.
async fn app() -> TestApp {
    spawn_with(Options {
        skip_confirm_new_account_ms: 0,
        ..Options::default()
    })
    .await
}

const USER_IP: &str = "198.51.100.7";

async fn login_from(app: &TestApp, ip: &str, c: &TestClient<'_>, extra: Value) -> Resp {
    let mut body = json!({ "email": c.email, "authPW": c.auth_pw() });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    app.post_from(ip, "/v1/account/login?keys=true", &body)
        .await
}

/// Five wrong passwords for the email, each from another address (so no single
/// address is banned, only the email).
async fn ban_email(app: &TestApp, c: &TestClient<'_>) {
    let wrong = TestClient::v1(app, &c.email, "not the password");
    for i in 0..5 {
        let ip = format!("203.0.113.{}", 10 + i);
        login_from(app, &ip, &wrong, json!({})).await.err(400, 103);
    }
}

async fn send_unblock(app: &TestApp, email: &str) -> Resp {
    app.post(
        "/v1/account/login/send_unblock_code",
        &json!({ "email": email }),
    )
    .await
}

async fn mailed_unblock_code(app: &TestApp, email: &str) -> String {
    let mail = app.last_mail(email).await;
    assert_eq!(mail.template(), "unblockCode");
    mail.header("X-Unblock-Code").to_string()
}

#[tokio::test]
async fn five_bad_passwords_block_the_email_until_an_unblock_code() {
    let app = app().await;
    let mut user = TestClient::v1(&app, "blocked@example.com", "right password");
    user.create_verified(false).await;
    ban_email(&app, &user).await;

    // Even the right password is refused now, with the way out named.
    let r = login_from(&app, USER_IP, &user, json!({})).await;
    r.err(400, 125);
    assert_eq!(r.body["error"], "Request blocked");
    assert_eq!(r.body["verificationMethod"], "email-captcha");
    assert_eq!(r.body["verificationReason"], "login");

    send_unblock(&app, &user.email).await.ok();
    let mail = app.last_mail(&user.email).await;
    let code = mailed_unblock_code(&app, &user.email).await;
    assert_eq!(code.len(), 8);
    assert!(code
        .bytes()
        .all(|b| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&b)));
    assert_eq!(mail.header("X-Uid"), user.uid);
    let report = mail.header("X-Report-SignIn-Link");
    assert!(
        report.starts_with(&format!("{}/report_signin?", app.base)),
        "{report}"
    );
    assert!(report.contains(&format!("unblockCode={code}")), "{report}");

    // A wrong code is errno 127 and uses nothing up.
    let r = login_from(&app, USER_IP, &user, json!({ "unblockCode": "ZZZZZZZZ" })).await;
    r.err(400, 127);

    // The code (any case) gets through, and the sign-in needs no confirmation.
    let lower = code.to_ascii_lowercase();
    let r = login_from(&app, USER_IP, &user, json!({ "unblockCode": lower }))
        .await
        .ok();
    assert_eq!(r.body["verified"], true, "{:?}", r.body);
    user.session_token = r.str("sessionToken");
    user.key_fetch = Some(("keyFetchToken".into(), r.str("keyFetchToken")));
    user.keys().await;
    let status = user.session_get("/v1/recovery_email/status").await.ok();
    assert_eq!(status.body["sessionVerified"], true);

    // Single use; and without a code the email stays blocked.
    login_from(&app, USER_IP, &user, json!({ "unblockCode": code }))
        .await
        .err(400, 127);
    login_from(&app, USER_IP, &user, json!({}))
        .await
        .err(400, 125);
}

#[tokio::test]
async fn reauth_takes_no_unblock_code_so_a_ban_is_a_wait() {
    let app = app().await;
    let mut user = TestClient::v1(&app, "reauth-ban@example.com", "right password");
    user.create_verified(false).await;
    ban_email(&app, &user).await;
    let body = json!({ "email": user.email, "authPW": user.auth_pw() });
    let r = user.session_post("/v1/session/reauth", &body).await;
    r.err(429, 114);
    assert!(r.body.get("verificationMethod").is_none(), "{:?}", r.body);
    assert!(r.body["retryAfter"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn a_banned_address_is_throttled_and_no_code_lifts_that() {
    let app = app().await;
    let mut user = TestClient::v1(&app, "throttled@example.com", "right password");
    user.create_verified(false).await;
    let wrong = TestClient::v1(&app, &user.email, "guess");
    let attacker = "203.0.113.66";
    for i in 0..5 {
        // Addresses the attacker writes in front of its own change nothing.
        let spoofed = format!("10.9.9.{i}, {attacker}");
        login_from(&app, &spoofed, &wrong, json!({}))
            .await
            .err(400, 103);
    }
    let r = login_from(&app, attacker, &wrong, json!({})).await;
    r.err(429, 114);
    let retry_after = r.body["retryAfter"].as_u64().unwrap();
    assert!((1700..=1800).contains(&retry_after), "{retry_after}");
    assert_eq!(
        r.headers["retry-after"].to_str().unwrap(),
        retry_after.to_string()
    );
    assert!(r.body.get("verificationMethod").is_none());

    send_unblock(&app, &user.email).await.ok();
    let code = mailed_unblock_code(&app, &user.email).await;
    let r = login_from(&app, attacker, &user, json!({ "unblockCode": code })).await;
    r.err(429, 114);
    // The owner, elsewhere, still has the code (the address ban never consumed it).
    let r = login_from(&app, USER_IP, &user, json!({ "unblockCode": code })).await;
    assert_eq!(r.ok().body["verified"], true);
}

#[tokio::test]
async fn an_unblock_code_also_confirms_a_sign_in_that_was_not_blocked() {
    let app = app().await;
    let mut user = TestClient::v1(&app, "plain@example.com", "pw");
    user.create_verified(false).await;
    let r = login_from(&app, USER_IP, &user, json!({})).await.ok();
    assert_eq!(r.body["verified"], false, "keys=true on an old account");

    send_unblock(&app, &user.email).await.ok();
    let code = mailed_unblock_code(&app, &user.email).await;
    let r = login_from(&app, USER_IP, &user, json!({ "unblockCode": code }))
        .await
        .ok();
    assert_eq!(r.body["verified"], true);
    assert!(r.body.get("verificationReason").is_none());
    // A sign-in by unblock code counts as verified: the address is now known.
    let events = {
        user.session_token = r.str("sessionToken");
        user.session_get("/v1/securityEvents").await.ok().body
    };
    assert_eq!(events[0]["name"], "account.login");
    assert_eq!(events[0]["verified"], true);
}

#[tokio::test]
async fn unblock_codes_are_validated_and_expire_after_an_hour() {
    let app = app().await;
    let mut user = TestClient::v1(&app, "expiry@example.com", "pw");
    user.create_verified(false).await;
    for bad in ["SHORT", "TOOLONGXX", "ABC-1234", ""] {
        login_from(&app, USER_IP, &user, json!({ "unblockCode": bad }))
            .await
            .err(400, 107);
    }
    send_unblock(&app, "nobody@example.com").await.err(400, 102);
    send_unblock(&app, "not an email").await.err(400, 107);

    // A code stored 61 minutes ago is refused and used up.
    let code = "ABCDEFGH";
    let kind = OneTimeCodeKind::Unblock;
    app.store_code(&user.uid, kind, code, 61 * 60 * 1000).await;
    login_from(&app, USER_IP, &user, json!({ "unblockCode": code }))
        .await
        .err(400, 127);
    app.store_code(&user.uid, kind, code, 59 * 60 * 1000).await;
    let r = login_from(&app, USER_IP, &user, json!({ "unblockCode": code }));
    assert_eq!(r.await.ok().body["verified"], true);
}

#[tokio::test]
async fn rejecting_a_code_burns_it() {
    let app = app().await;
    let mut user = TestClient::v1(&app, "reject@example.com", "pw");
    user.create_verified(false).await;
    send_unblock(&app, &user.email).await.ok();
    let code = mailed_unblock_code(&app, &user.email).await;

    let path = "/v1/account/login/reject_unblock_code";
    let body = json!({ "uid": user.uid, "unblockCode": code.to_ascii_lowercase() });
    let r = app.post(path, &body).await.ok();
    assert_eq!(r.body, json!({}));
    app.post(path, &body).await.err(400, 127);
    login_from(&app, USER_IP, &user, json!({ "unblockCode": code }))
        .await
        .err(400, 127);
    app.post(path, &json!({ "uid": user.uid, "unblockCode": "1234" }))
        .await
        .err(400, 107);
    app.post(path, &json!({ "unblockCode": code }))
        .await
        .err(400, 108);
}

#[tokio::test]
async fn unblock_mails_are_rate_limited_per_email() {
    let app = app().await;
    let mut user = TestClient::v1(&app, "spam@example.com", "pw");
    user.create_verified(false).await;
    for i in 0..5 {
        let ip = format!("192.0.2.{i}");
        let body = json!({ "email": user.email });
        app.post_from(&ip, "/v1/account/login/send_unblock_code", &body)
            .await
            .ok();
    }
    let body = json!({ "email": user.email });
    let r = app
        .post_from("192.0.2.99", "/v1/account/login/send_unblock_code", &body)
        .await;
    r.err(429, 114);
    assert!(r.body["retryAfter"].as_u64().unwrap() > 0);
    let sent = app
        .mails_to(&user.email)
        .await
        .iter()
        .filter(|m| m.template() == "unblockCode")
        .count();
    assert_eq!(sent, 5);
}

#[tokio::test]
async fn a_password_reset_lifts_the_email_ban() {
    let app = app().await;
    let mut user = TestClient::v1(&app, "forgetful@example.com", "old");
    user.create_verified(false).await;
    ban_email(&app, &user).await;
    login_from(&app, USER_IP, &user, json!({}))
        .await
        .err(400, 125);

    let reset_token = crate::forgot_otp::reset_token_by_otp(&app, &user.email).await;
    let new = TestClient::v1(&app, &user.email, "new");
    crate::forgot_otp::reset_to(&app, &reset_token, &new).await;
    let r = login_from(&app, USER_IP, &new, json!({})).await;
    r.ok();
}
