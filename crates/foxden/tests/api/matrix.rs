//! The sign-in confirmation matrix: every account situation (new account, old
//! account from an unknown or a known IP, `keys=false`, a forced email, an
//! unverified account) × every requested `verificationMethod` (absent, `email`,
//! `email-otp`, `email-2fa`), run by one runner on a fresh server per case.
//!
//! For each case it checks the login response, the one mail the sign-in sends,
//! that a keyFetchToken answers 104 while the sign-in is unconfirmed, that the
//! confirmation the case's mail offers (a link code for `/recovery_email/verify_code`
//! or a 6-digit code for `/session/verify_code`) makes `/session/status` and
//! `/account/keys` work, the security events that record the decision, and
//! whether the IP counts as known for the next sign-in.
//!
//! The cases are `ROWS` × `METHODS`; a failure names its case
//! (`[row × verificationMethod method]`) and the other cases still run. The
//! test at the end guards the path next to the matrix: a `keys=false` sign-in
//! must not reach the keys through `/session/reauth` without confirmation.

use std::sync::Arc;
use std::time::Instant;

use serde_json::json;
use tokio::sync::Semaphore;

use crate::client::TestClient;
use crate::helpers::{spawn_with, Options, Resp};

/// Every verified account first signs in (and confirms) from here.
const KNOWN_IP: &str = "198.51.100.7";
/// An address the account has never signed in from.
const OTHER_IP: &str = "203.0.113.9";
/// Configured on every case's server; only the `forced` rows use an email it matches.
const FORCED_PATTERN: &str = r"@forced\.example\.com$";
const SEVENTY_TWO_HOURS_MS: i64 = 72 * 60 * 60 * 1000;

const BYPASS_NEW_ACCOUNT: &str = "account.signin_confirm_bypass_new_account";
const BYPASS_KNOWN_IP: &str = "account.signin_confirm_bypass_known_ip";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Age {
    /// Younger than `skip_confirm_new_account_ms` (the 4 h default).
    New,
    /// `skip_confirm_new_account_ms = 0`: every account counts as old.
    Old,
    /// Signed up, email never confirmed (default settings otherwise).
    Unverified,
}

#[derive(Clone, Copy, Debug)]
enum Expect {
    /// `verified: true`, no method or reason, only the `newDeviceLogin` notice is
    /// mailed; `bypass` is the security event naming the rule that let it through.
    Notice { bypass: Option<&'static str> },
    /// `verified: false` with this `verificationReason` (`login` or `signup`) and
    /// the requested method echoed; the confirmation mail is the method's.
    Confirm { reason: &'static str },
}

struct Row {
    name: &'static str,
    age: Age,
    /// The `X-Forwarded-For` client of the sign-in under test.
    ip: &'static str,
    forced: bool,
    keys: bool,
    expect: Expect,
    /// Whether, after the case, another `keys=true` sign-in from the same IP is
    /// let through without confirmation (a confirmed sign-in makes its IP known).
    again_verified: bool,
}

const ROWS: &[Row] = &[
    Row {
        name: "new account",
        age: Age::New,
        ip: OTHER_IP,
        forced: false,
        keys: true,
        expect: Expect::Notice {
            bypass: Some(BYPASS_NEW_ACCOUNT),
        },
        again_verified: true,
    },
    Row {
        name: "old account, unknown IP",
        age: Age::Old,
        ip: OTHER_IP,
        forced: false,
        keys: true,
        expect: Expect::Confirm { reason: "login" },
        again_verified: true,
    },
    Row {
        name: "old account, known IP",
        age: Age::Old,
        ip: KNOWN_IP,
        forced: false,
        keys: true,
        expect: Expect::Notice {
            bypass: Some(BYPASS_KNOWN_IP),
        },
        again_verified: true,
    },
    Row {
        name: "old account, unknown IP, keys=false",
        age: Age::Old,
        ip: OTHER_IP,
        forced: false,
        keys: false,
        expect: Expect::Notice { bypass: None },
        // Without keys the sign-in proves only the password: the IP stays unknown.
        again_verified: false,
    },
    Row {
        name: "forced email, new account, known IP",
        age: Age::New,
        ip: KNOWN_IP,
        forced: true,
        keys: true,
        expect: Expect::Confirm { reason: "login" },
        again_verified: false,
    },
    Row {
        name: "forced email, new account, known IP, keys=false",
        age: Age::New,
        ip: KNOWN_IP,
        forced: true,
        keys: false,
        expect: Expect::Confirm { reason: "login" },
        again_verified: false,
    },
    Row {
        name: "unverified account",
        age: Age::Unverified,
        ip: OTHER_IP,
        forced: false,
        keys: true,
        expect: Expect::Confirm { reason: "signup" },
        // Now verified and younger than 4 h.
        again_verified: true,
    },
];

struct Method {
    name: &'static str,
    /// `verificationMethod` in the login body.
    sent: Option<&'static str>,
    /// `verificationMethod` in an unconfirmed login's response.
    echoed: &'static str,
    /// Confirmed with a 6-digit code (`X-Signin-Verify-Code` for a sign-in,
    /// `X-Verify-Short-Code` for a sign-up; `/session/verify_code`)
    /// instead of a link code (`X-Verify-Code`, `/recovery_email/verify_code`).
    by_code: bool,
    /// The template confirming a sign-in (`reason: login`) or a sign-up (`signup`).
    login_template: &'static str,
    signup_template: &'static str,
}

const METHODS: &[Method] = &[
    Method {
        name: "absent",
        sent: None,
        echoed: "email",
        by_code: false,
        login_template: "verifyLogin",
        signup_template: "verify",
    },
    Method {
        name: "email",
        sent: Some("email"),
        echoed: "email",
        by_code: false,
        login_template: "verifyLogin",
        signup_template: "verify",
    },
    Method {
        name: "email-otp",
        sent: Some("email-otp"),
        echoed: "email-otp",
        by_code: true,
        login_template: "verifyLoginCode",
        signup_template: "verifyShortCode",
    },
    Method {
        name: "email-2fa",
        sent: Some("email-2fa"),
        echoed: "email-2fa",
        by_code: true,
        login_template: "verifyLoginCode",
        signup_template: "verifyShortCode",
    },
];

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_confirmation_matrix() {
    let started = Instant::now();
    // Cases run side by side, each on its own server, one per CPU (scrypt-bound).
    let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
    let permits = Arc::new(Semaphore::new(cpus));
    let mut cases = Vec::new();
    for row in ROWS {
        for method in METHODS {
            let name = format!("[{} × verificationMethod {}]", row.name, method.name);
            let permits = permits.clone();
            // Its own task, so a failing case is named and the others still run.
            let task = tokio::spawn(async move {
                let _permit = permits.acquire_owned().await.unwrap();
                run_case(row, method).await
            });
            cases.push((name, task));
        }
    }
    let count = cases.len();
    let mut failures = Vec::new();
    for (name, task) in cases {
        if let Err(err) = task.await {
            let why = match err.try_into_panic() {
                Ok(payload) => payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "(non-string panic)".into()),
                Err(err) => err.to_string(),
            };
            failures.push(format!("{name}: {why}"));
        }
    }
    eprintln!(
        "sign-in confirmation matrix: {count} cases in {:.1?}",
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

async fn run_case(row: &'static Row, method: &'static Method) {
    let defaults = Options::default();
    let app = spawn_with(Options {
        skip_confirm_new_account_ms: match row.age {
            Age::Old => 0,
            Age::New | Age::Unverified => defaults.skip_confirm_new_account_ms,
        },
        known_ip_recency_ms: SEVENTY_TWO_HOURS_MS,
        force_confirm_email: Some(FORCED_PATTERN),
        ..defaults
    })
    .await;
    let email = if row.forced {
        "someone@forced.example.com"
    } else {
        "someone@example.com"
    };
    let mut c = TestClient::v1(&app, email, "pw");
    if row.age == Age::Unverified {
        c.create(true).await.ok();
    } else {
        c.create_verified(true).await;
        // A confirmed sign-in from KNOWN_IP (the sign-up's own confirmation counts
        // for 127.0.0.1 only, which no case signs in from).
        let mut first = c.another_device();
        let r = login_from(&mut first, KNOWN_IP, true, None).await.ok();
        if r.body["verified"] == false {
            first.verify_from_mail("verifyLogin").await.ok();
        }
        let r = first.session_get("/v1/session/status").await.ok();
        assert_eq!(r.body["state"], "verified", "set-up sign-in from KNOWN_IP");
    }
    let mails_before = app.mails_to(email).await.len();

    // The sign-in under test.
    let mut d = c.another_device();
    let r = login_from(&mut d, row.ip, row.keys, method.sent).await.ok();
    let b = &r.body;
    match row.expect {
        Expect::Notice { .. } => {
            assert_eq!(b["verified"], true, "login response {b}");
            assert_eq!(b.get("verificationMethod"), None, "login response {b}");
            assert_eq!(b.get("verificationReason"), None, "login response {b}");
        }
        Expect::Confirm { reason } => {
            assert_eq!(b["verified"], false, "login response {b}");
            assert_eq!(b["verificationMethod"], method.echoed, "login response {b}");
            assert_eq!(b["verificationReason"], reason, "login response {b}");
        }
    }
    let key_fetch_field = d.key_fetch.as_ref().map(|(f, _)| f.as_str());
    let expected_field = row.keys.then_some("keyFetchToken");
    assert_eq!(key_fetch_field, expected_field, "login response {b}");

    // Exactly one mail: the notice, or the confirmation the method asks for.
    let new_mails = app.mails_to(email).await.split_off(mails_before);
    let templates: Vec<&str> = new_mails.iter().map(|m| m.template()).collect();
    let expected_template = match row.expect {
        Expect::Notice { .. } => "newDeviceLogin",
        Expect::Confirm { reason: "signup" } => method.signup_template,
        Expect::Confirm { .. } => method.login_template,
    };
    assert_eq!(templates, [expected_template], "mails sent by the sign-in");
    let mail = &new_mails[0];
    assert_eq!(mail.header("X-Uid"), c.uid);
    // PROTOCOL §17.5: the sign-in code has its own header; the sign-up one only its own.
    let (short_code_header, wrong_header) = if expected_template == "verifyLoginCode" {
        ("x-signin-verify-code", "x-verify-short-code")
    } else {
        ("x-verify-short-code", "x-signin-verify-code")
    };
    assert!(
        !mail.headers.contains_key(wrong_header),
        "{wrong_header} in {expected_template}"
    );
    let (has_link_code, has_short_code) = (
        mail.headers.contains_key("x-verify-code"),
        mail.headers.contains_key(short_code_header),
    );
    let codes = match row.expect {
        Expect::Notice { .. } => (false, false),
        Expect::Confirm { .. } => (!method.by_code, method.by_code),
    };
    assert_eq!(
        (has_link_code, has_short_code),
        codes,
        "(X-Verify-Code, {short_code_header}) in {expected_template}"
    );

    let (bypass, login_event_verified) = match row.expect {
        Expect::Notice { bypass } => (bypass, bypass.is_some()),
        Expect::Confirm { .. } => (None, false),
    };
    let events = security_events(&d).await;
    assert_eq!(
        events[0],
        ("account.login".to_string(), login_event_verified),
        "newest security event, before any confirmation: {events:?}"
    );
    match bypass {
        Some(name) => assert_eq!(events[1].0, name, "bypass event: {events:?}"),
        None => assert!(
            !events[1].0.contains("bypass"),
            "no bypass expected: {events:?}"
        ),
    }

    if let Expect::Confirm { .. } = row.expect {
        if row.keys {
            d.fetch_keys().await.err(400, 104);
        }
        let r = d.session_get("/v1/session/status").await.ok();
        assert_eq!(
            r.body["state"], "unverified",
            "session/status before confirming"
        );
        let r = d.session_get("/v1/recovery_email/status").await.ok();
        assert_eq!(
            r.body["verified"], false,
            "recovery_email/status before confirming"
        );

        if method.by_code {
            let code = mail.header(short_code_header);
            assert!(
                code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
                "short code {code:?}"
            );
            let r = d
                .session_post("/v1/session/verify_code", &json!({ "code": code }))
                .await
                .ok();
            assert_eq!(r.body, json!({}));
        } else {
            d.verify_from_mail(expected_template).await.ok();
        }
    }

    // Confirmed (or never needing it): the session and its keyFetchToken work.
    let confirmed = matches!(row.expect, Expect::Confirm { .. }) || bypass.is_some();
    if confirmed {
        // Not pinned for a keys=false sign-in that needed an id: FxA keeps the id
        // (state "unverified", mustVerify false), foxden drops it ("verified").
        let r = d.session_get("/v1/session/status").await.ok();
        assert_eq!(r.body["state"], "verified", "session/status at the end");
    }
    let r = d.session_get("/v1/recovery_email/status").await.ok();
    assert_eq!(
        r.body["verified"], true,
        "recovery_email/status at the end: {}",
        r.body
    );
    if row.keys {
        // The sign-up's keyFetchToken is confirmed too by now.
        let (ka, kb) = d.keys().await;
        assert_eq!((ka, kb), c.keys().await, "kA, kB from /account/keys");
    }
    let events = security_events(&d).await;
    assert_eq!(
        events[0],
        ("account.login".to_string(), confirmed),
        "newest security event at the end: {events:?}"
    );

    let mut again = c.another_device();
    let r = login_from(&mut again, row.ip, true, None).await.ok();
    assert_eq!(
        r.body["verified"], row.again_verified,
        "a second keys=true sign-in from {}: {}",
        row.ip, r.body
    );
}

/// `POST /account/login` from `ip` (`TestApp::post_from`), keeping the tokens in
/// `client` as `TestClient::login_with` does.
async fn login_from(
    client: &mut TestClient<'_>,
    ip: &str,
    keys: bool,
    method: Option<&str>,
) -> Resp {
    let mut body = json!({ "email": client.email, "authPW": client.auth_pw() });
    if let Some(method) = method {
        body["verificationMethod"] = json!(method);
    }
    let query = if keys { "?keys=true" } else { "" };
    let path = format!("/v1/account/login{query}");
    let r = client.app.post_from(ip, &path, &body).await;
    if r.status == 200 {
        client.uid = r.str("uid");
        client.session_token = r.str("sessionToken");
        client.key_fetch = ["keyFetchTokenVersion2", "keyFetchToken"]
            .iter()
            .find_map(|f| r.body[*f].as_str().map(|t| (f.to_string(), t.to_string())));
    }
    r
}

/// `(name, verified)` of the account's security events, newest first.
async fn security_events(c: &TestClient<'_>) -> Vec<(String, bool)> {
    let r = c.session_get("/v1/securityEvents").await.ok();
    r.body
        .as_array()
        .expect("an array of events")
        .iter()
        .map(|e| {
            let name = e["name"].as_str().expect("event name").to_string();
            (name, e["verified"].as_bool().expect("event verified"))
        })
        .collect()
}

/// FxA keeps a tokenVerificationId on a `keys=false` sign-in that needed one
/// (`mustVerify` false), so `/session/reauth?keys=true` on that session
/// (`mustVerify = mustVerify || keys`) must then be confirmed before
/// `/account/keys` answers. foxden confirms such a session at once, so the
/// reauth hands out a working keyFetchToken without any confirmation.
#[tokio::test]
async fn keys_false_sign_in_cannot_reach_keys_without_confirmation() {
    // The known-IP rule stays off: no address counts as known.
    let app = spawn_with(Options {
        skip_confirm_new_account_ms: 0,
        ..Options::default()
    })
    .await;
    let mut c = TestClient::v1(&app, "escalate@example.com", "pw");
    c.create_verified(false).await;
    let mut d = c.another_device();
    let r = d.login(false).await.ok();
    assert_eq!(r.body["verified"], true, "{}", r.body);

    let body = json!({ "email": c.email, "authPW": c.auth_pw() });
    let r = d
        .session_post("/v1/session/reauth?keys=true", &body)
        .await
        .ok();
    d.key_fetch = r.body["keyFetchToken"]
        .as_str()
        .map(|t| ("keyFetchToken".to_string(), t.to_string()));
    assert!(d.key_fetch.is_some(), "{}", r.body);
    let mails = app.mails_to(&c.email).await;
    let templates: Vec<&str> = mails.iter().map(|m| m.template()).collect();
    let r2 = d.fetch_keys().await;
    assert_eq!(
        (r.body["verified"].clone(), r2.status, r2.errno()),
        (json!(false), 400, 104),
        "reauth response {}; mails {templates:?}; /account/keys {:?}",
        r.body,
        r2.body
    );
}
