//! Sign-in confirmation by push: `/session/verify/send_push` sends
//! `fxaccounts:verify_login` to the account's other Firefox desktops (through the
//! real push receiver, see `push_events.rs`), and `/session/verify/verify_push`
//! from one of them confirms the new session with the URL's code and
//! tokenVerificationId. The bad-input and other-account cases need no receiver.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::client::TestClient;
use crate::devices::register;
use crate::helpers::{spawn_with, Options, Resp, TestApp};
use crate::push_events::{assert_empty_push, settle, PushService};

pub(crate) const FIREFOX_DESKTOP: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0";
const CHROME_DESKTOP: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
     (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";

const SEND: &str = "/v1/session/verify/send_push";
const VERIFY: &str = "/v1/session/verify/verify_push";

/// Every sign-in must be confirmed (no new-account or known-IP bypass).
pub(crate) fn confirming() -> Options {
    Options {
        skip_confirm_new_account_ms: 0,
        ..Options::default()
    }
}

/// `/account/login` from a browser whose User-Agent is `agent`; `c` takes the session.
pub(crate) async fn login_as(c: &mut TestClient<'_>, agent: &str, keys: bool) -> Resp {
    let query = if keys { "?keys=true" } else { "" };
    let r = c
        .app
        .http
        .post(c.app.url(&format!("/v1/account/login{query}")))
        .header("User-Agent", agent)
        .json(&json!({"email": c.email, "authPW": c.auth_pw()}))
        .send()
        .await
        .unwrap();
    let r = Resp::read(r).await.ok();
    c.session_token = r.str("sessionToken");
    c.uid = r.str("uid");
    r
}

/// A verified account whose client `c` signed in again from `agent` and
/// confirmed that sign-in by mail.
pub(crate) async fn confirmed_on<'a>(app: &'a TestApp, email: &str, agent: &str) -> TestClient<'a> {
    let mut c = TestClient::v1(app, email, "pw");
    c.create_verified(false).await;
    assert_eq!(login_as(&mut c, agent, true).await.body["verified"], false);
    c.verify_from_mail("verifyLogin").await.ok();
    c
}

/// A new sign-in of `a`'s account from Firefox desktop, waiting on confirmation;
/// with its tokenVerificationId (the `verifyLogin` mail's code).
pub(crate) async fn new_sign_in<'a>(a: &TestClient<'a>) -> (TestClient<'a>, String) {
    let mut b = a.another_device();
    assert_eq!(
        login_as(&mut b, FIREFOX_DESKTOP, true).await.body["verified"],
        false
    );
    let mail = a.app.last_mail(&a.email).await;
    assert_eq!(mail.template(), "verifyLogin");
    (b, mail.header("X-Verify-Code").to_string())
}

/// The account's current 6-digit code, as `/session/resend_code` mails it.
pub(crate) async fn current_code(c: &TestClient<'_>) -> String {
    c.session_post("/v1/session/resend_code", &json!({}))
        .await
        .ok();
    let mail = c.app.last_mail(&c.email).await;
    assert_eq!(mail.template(), "verifyLoginCode");
    mail.header("X-Signin-Verify-Code").to_string()
}

/// A six-digit code that is not `code`.
pub(crate) fn other_code(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

pub(crate) async fn state_of(c: &TestClient<'_>) -> String {
    c.session_get("/v1/session/status").await.ok().str("state")
}

/// The query of the push's URL, `remoteMetaData` decoded both times.
pub(crate) fn confirm_query(url: &str) -> (HashMap<String, String>, Value) {
    let url = url::Url::parse(url).unwrap();
    let query: HashMap<String, String> = url.query_pairs().into_owned().collect();
    // The second layer is encodeURIComponent's: no `+`, so form decoding undoes it.
    let meta: String = form_urlencoded::parse(format!("m={}", query["remoteMetaData"]).as_bytes())
        .map(|(_, v)| v.into_owned())
        .collect();
    (query, serde_json::from_str(&meta).unwrap())
}

fn verify_login_pushes(push: &PushService, path: &str) -> Vec<Value> {
    push.to(path)
        .into_iter()
        .filter(|r| r["payload"]["command"] == "fxaccounts:verify_login")
        .collect()
}

/// Waits (up to 20 s) for a push to `path` that `pick` takes.
pub(crate) async fn wait_for(
    push: &PushService,
    path: &str,
    pick: impl Fn(&Value) -> bool,
) -> Value {
    let start = std::time::Instant::now();
    loop {
        if let Some(found) = push.to(path).into_iter().find(|r| pick(r)) {
            return found;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "{path}: {:?}",
            push.to(path)
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn a_firefox_desktop_confirms_a_new_sign_in_from_the_push() {
    let Some(push) = PushService::start().await else {
        return;
    };
    let app = push.app(confirming()).await;
    let email = "push.login@example.com";
    let a = confirmed_on(&app, email, FIREFOX_DESKTOP).await;
    register(&a, &push.device("A", "/ok/a")).await.ok();
    // Devices Mozilla does not ask: a Firefox phone, a desktop Chrome.
    let mut phone = a.another_device();
    login_as(&mut phone, FIREFOX_DESKTOP, false).await;
    let mut phone_device = push.device("Phone", "/ok/phone");
    phone_device["type"] = json!("mobile");
    register(&phone, &phone_device).await.ok();
    let mut chrome = a.another_device();
    login_as(&mut chrome, CHROME_DESKTOP, false).await;
    register(&chrome, &push.device("Chrome", "/ok/chrome"))
        .await
        .ok();
    // A confirmed session asks nobody.
    assert_eq!(a.session_post(SEND, &json!({})).await.ok().body, json!({}));

    let (b, tvid) = new_sign_in(&a).await;
    register(&b, &push.device("B", "/ok/b")).await.ok();
    assert_eq!(b.session_post(SEND, &json!({})).await.ok().body, json!({}));
    let record = wait_for(&push, "/ok/a", |r| {
        r["payload"]["command"] == "fxaccounts:verify_login"
    })
    .await;
    assert_eq!(record.get("decrypt_error"), None, "{record}");
    assert_eq!(record["ttl"], "0", "{record}");
    assert_eq!(record["vapid_ok"], true, "{record}");
    let payload = &record["payload"];
    assert_eq!(payload["version"], 1);
    let data = &payload["data"];
    assert_eq!(data["title"], "Logging in to your Mozilla account?");
    assert_eq!(data["body"], "Click here to confirm it\u{2019}s you");
    let url = data["url"].as_str().unwrap();
    let page = format!("{}/signin_push_code_confirm?", app.base);
    assert!(url.starts_with(&page), "{url}");
    let (query, meta) = confirm_query(url);
    assert_eq!(query["tokenVerificationId"], tvid);
    assert_eq!(query["uid"], a.uid);
    assert_eq!(query["email"], email);
    let code = query["code"].clone();
    assert_eq!(code, current_code(&b).await);
    assert_eq!(
        meta,
        json!({"deviceName": "B", "deviceFamily": "Firefox", "deviceOS": "Windows",
            "ipAddress": "127.0.0.1"})
    );
    assert_eq!(state_of(&b).await, "unverified");

    // A wrong code confirms nothing; the URL's confirms B.
    let wrong = json!({"code": other_code(&code), "tokenVerificationId": tvid});
    a.session_post(VERIFY, &wrong).await.err(400, 183);
    assert_eq!(state_of(&b).await, "unverified");
    let body = json!({"code": code, "tokenVerificationId": tvid});
    assert_eq!(a.session_post(VERIFY, &body).await.ok().body, json!({}));
    assert_eq!(state_of(&b).await, "verified");
    let status = b.session_get("/v1/recovery_email/status").await.ok();
    assert_eq!(status.body["verified"], true, "{:?}", status.body);
    assert_eq!(app.last_mail(email).await.template(), "newDeviceLogin");
    // Every device hears `accountConfirm`, B too.
    assert_empty_push(&wait_for(&push, "/ok/b", |r| r["length"] == 0).await);
    assert_empty_push(&wait_for(&push, "/ok/a", |r| r["length"] == 0).await);
    // Once confirmed, the id names no waiting session.
    a.session_post(VERIFY, &body).await.err(400, 123);

    settle().await;
    assert_eq!(verify_login_pushes(&push, "/ok/a").len(), 1);
    for path in ["/ok/b", "/ok/phone", "/ok/chrome"] {
        assert_eq!(
            verify_login_pushes(&push, path),
            Vec::<Value>::new(),
            "{path}"
        );
    }
}

#[tokio::test]
async fn verify_push_confirms_only_the_callers_accounts_sign_ins() {
    let app = spawn_with(confirming()).await;
    let a = confirmed_on(&app, "push.mine@example.com", FIREFOX_DESKTOP).await;
    let (b, tvid) = new_sign_in(&a).await;
    register(&b, &json!({"name": "B", "type": "desktop"}))
        .await
        .ok();
    let code = current_code(&b).await;

    // Another account's session, with the right code and id, changes nothing.
    let x = confirmed_on(&app, "push.other@example.com", FIREFOX_DESKTOP).await;
    let body = json!({"code": code, "tokenVerificationId": tvid});
    x.session_post(VERIFY, &body).await.err(400, 123);
    assert_eq!(state_of(&b).await, "unverified");
    // Nor does an id nobody waits on.
    let unknown = json!({"code": code, "tokenVerificationId": "ab".repeat(16)});
    a.session_post(VERIFY, &unknown).await.err(400, 123);
    // A sign-in without a device cannot be confirmed this way (Mozilla looks up
    // the device of the session).
    let (c, c_tvid) = new_sign_in(&a).await;
    let c_code = current_code(&c).await;
    let no_device = json!({"code": c_code, "tokenVerificationId": c_tvid});
    a.session_post(VERIFY, &no_device).await.err(400, 123);
    assert_eq!(state_of(&c).await, "unverified");

    // Malformed bodies: errno 107 naming the key, 108 for a missing one.
    let cases = [
        (
            json!({"code": code, "tokenVerificationId": tvid, "uid": a.uid}),
            107,
        ),
        (json!({"code": "12a456", "tokenVerificationId": tvid}), 107),
        (json!({"code": "", "tokenVerificationId": tvid}), 107),
        (
            json!({"code": code, "tokenVerificationId": &tvid[..31]}),
            107,
        ),
        (
            json!({"code": code, "tokenVerificationId": "zz".repeat(16)}),
            107,
        ),
        (json!({"code": 123456, "tokenVerificationId": tvid}), 107),
        (json!({"tokenVerificationId": tvid}), 108),
        (json!({"code": code}), 108),
    ];
    for (body, errno) in cases {
        let r = a.session_post(VERIFY, &body).await;
        assert_eq!((r.status, r.errno()), (400, errno), "{body}: {:?}", r.body);
    }
    b.session_post(SEND, &json!({"to": "all"}))
        .await
        .err(400, 107);
    assert_eq!(state_of(&b).await, "unverified");

    // The account's own device with the right code (upper-case hex, as FxA
    // accepts) confirms it.
    let body = json!({"code": code, "tokenVerificationId": tvid.to_uppercase()});
    a.session_post(VERIFY, &body).await.ok();
    assert_eq!(state_of(&b).await, "verified");
    assert_eq!(state_of(&c).await, "unverified");
}

/// Several devices answering one push at once: the sign-in is confirmed once,
/// every other answer is 123 or `{}`, and one `newDeviceLogin` notice goes out.
#[tokio::test]
async fn concurrent_verify_push_calls_confirm_and_notify_once() {
    let app = spawn_with(confirming()).await;
    let a = confirmed_on(&app, "push.race@example.com", FIREFOX_DESKTOP).await;
    let (b, tvid) = new_sign_in(&a).await;
    register(&b, &json!({"name": "B", "type": "desktop"}))
        .await
        .ok();
    let code = current_code(&b).await;
    let before = app.mails_to(&a.email).await.len();
    let body = json!({"code": code, "tokenVerificationId": tvid});
    let post = || a.session_post(VERIFY, &body);
    let (r1, r2, r3, r4, r5, r6, r7, r8) = tokio::join!(
        post(),
        post(),
        post(),
        post(),
        post(),
        post(),
        post(),
        post()
    );
    for r in [r1, r2, r3, r4, r5, r6, r7, r8] {
        assert!(
            r.status == 200 || (r.status == 400 && r.body["errno"] == 123),
            "{} {}",
            r.status,
            r.body
        );
    }
    assert_eq!(state_of(&b).await, "verified");
    let notices = app.mails_to(&a.email).await[before..]
        .iter()
        .filter(|m| m.template() == "newDeviceLogin")
        .count();
    assert_eq!(notices, 1);
}
