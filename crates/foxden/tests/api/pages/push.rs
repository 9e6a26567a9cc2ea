//! `/signin_push_code_confirm`, the page the `verify_login` push opens
//! (`session_push.rs` sends it): the GET shows what is signing in and a button,
//! and changes nothing; the button's POST answers the push as
//! `/session/verify/verify_push` does, under the same rate limit.

use serde_json::json;

use super::support::{open, post_raw, submit};
use crate::client::TestClient;
use crate::devices::register;
use crate::helpers::{spawn_with, Options, TestApp};
use crate::push_events::{assert_empty_push, PushService};
use crate::session_push::{
    confirmed_on, confirming, current_code, new_sign_in, other_code, state_of, wait_for,
    FIREFOX_DESKTOP,
};

const PATH: &str = "/signin_push_code_confirm";
const SEND: &str = "/v1/session/verify/send_push";
const VERIFY: &str = "/v1/session/verify/verify_push";
const HEX16: &str = "0123456789abcdef0123456789abcdef";

/// `encodeURIComponent`, or more: every byte but letters and digits escaped.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b.is_ascii_alphanumeric() {
            true => (b as char).to_string(),
            false => format!("%{b:02X}"),
        })
        .collect()
}

/// The page's URL with `query`, as the push would carry it.
fn page_url(app: &TestApp, query: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&app.url(PATH)).unwrap();
    url.query_pairs_mut().extend_pairs(query);
    url.to_string()
}

/// A new sign-in of `a`'s account with a device, waiting on confirmation: the
/// session, its tokenVerificationId and the account's current code.
async fn waiting<'a>(a: &TestClient<'a>) -> (TestClient<'a>, String, String) {
    let (b, tvid) = new_sign_in(a).await;
    register(&b, &json!({"name": "B", "type": "desktop"}))
        .await
        .ok();
    let code = current_code(&b).await;
    (b, tvid, code)
}

fn fields(uid: &str, tvid: &str, code: &str) -> Vec<(String, String)> {
    [("uid", uid), ("tokenVerificationId", tvid), ("code", code)]
        .into_iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn the_push_opens_a_page_whose_button_confirms_the_sign_in() {
    let Some(push) = PushService::start().await else {
        return;
    };
    let app = push.app(confirming()).await;
    let email = "push.page@example.com";
    let a = confirmed_on(&app, email, FIREFOX_DESKTOP).await;
    register(&a, &push.device("A", "/ok/a")).await.ok();
    let (b, tvid) = new_sign_in(&a).await;
    let name = "Bob's <Laptop> & \"Co\"";
    register(&b, &push.device(name, "/ok/b")).await.ok();
    assert_eq!(b.session_post(SEND, &json!({})).await.ok().body, json!({}));
    let record = wait_for(&push, "/ok/a", |r| {
        r["payload"]["command"] == "fxaccounts:verify_login"
    })
    .await;
    let url = record["payload"]["data"]["url"]
        .as_str()
        .unwrap()
        .to_string();
    let code = current_code(&b).await;

    // Opening the link (again and again, HEAD too, as prefetchers do) changes nothing.
    for _ in 0..2 {
        assert_eq!(open(&app, &url, "en").await.status, 200);
        let head = app.http.head(&url).send().await.unwrap();
        assert_eq!(head.status().as_u16(), 200);
    }
    assert_eq!(state_of(&b).await, "unverified");
    let page = open(&app, &url, "de").await;
    assert_eq!(page.status, 200, "{}", page.html);
    page.assert_hardened("de");
    for shown in [
        "<h1>Diese Anmeldung bestätigen?</h1>",
        "<p>Gerät: Bob's &lt;Laptop&gt; &amp; &quot;Co&quot;</p>",
        "<p>Browser: Firefox</p>",
        "<p>Betriebssystem: Windows</p>",
        "<p>IP-Adresse: 127.0.0.1</p>",
    ] {
        assert!(page.html.contains(shown), "{shown}: {}", page.html);
    }
    assert!(!page.html.contains("<Laptop>"), "{}", page.html);
    let (action, form) = page.form().expect("the page has a button");
    assert_eq!(action.path(), PATH);
    assert_eq!(form, fields(&a.uid, &tvid, &code));
    assert_eq!(state_of(&b).await, "unverified");

    // A wrong code: errno 183's page, and the sign-in still waits.
    let wrong = fields(&a.uid, &tvid, &other_code(&code));
    let page = submit(&app, &action, &wrong, "de").await;
    assert_eq!(page.status, 400, "{}", page.html);
    page.assert_hardened("de");
    assert!(page
        .html
        .contains("Ungültiger oder abgelaufener Bestätigungscode"));
    assert!(page.form().is_none());
    assert_eq!(state_of(&b).await, "unverified");

    // The button confirms B, as verify_push would: notice mail, accountConfirm.
    let done = submit(&app, &action, &form, "de").await;
    assert_eq!(done.status, 200, "{}", done.html);
    done.assert_hardened("de");
    assert!(
        done.html.contains("<h1>Anmeldung bestätigt</h1>"),
        "{}",
        done.html
    );
    assert!(done.form().is_none());
    assert_eq!(state_of(&b).await, "verified");
    let status = b.session_get("/v1/recovery_email/status").await.ok();
    assert_eq!(status.body["verified"], true, "{:?}", status.body);
    let notice = app.last_mail(email).await;
    assert_eq!(notice.template(), "newDeviceLogin");
    assert_eq!(notice.header("Content-Language"), "de");
    assert_empty_push(&wait_for(&push, "/ok/b", |r| r["length"] == 0).await);
    assert_empty_push(&wait_for(&push, "/ok/a", |r| r["length"] == 0).await);

    // Pressed again: the sign-in no longer waits, the used-link page.
    let again = submit(&app, &action, &form, "fr").await;
    assert_eq!(again.status, 400, "{}", again.html);
    again.assert_hardened("fr");
    assert!(
        again.html.contains("Ce lien n’est plus valide"),
        "{}",
        again.html
    );
    let mails = app.mails_to(email).await;
    let notices = mails.iter().filter(|m| m.template() == "newDeviceLogin");
    assert_eq!(notices.count(), 1);
}

#[tokio::test]
async fn the_page_shows_what_its_url_tells_and_refuses_bad_links() {
    let app = spawn_with(confirming()).await;
    let a = confirmed_on(&app, "push.page.url@example.com", FIREFOX_DESKTOP).await;
    let (b, tvid, code) = waiting(&a).await;
    let base = [
        ("tokenVerificationId", tvid.as_str()),
        ("code", code.as_str()),
        ("uid", a.uid.as_str()),
        ("email", a.email.as_str()),
    ];
    let with_meta = |meta: &str| {
        let mut query = base.to_vec();
        query.push(("remoteMetaData", meta));
        page_url(&app, &query)
    };
    let hostile = r#"{"deviceName":"<script>alert(1)</script>","ipAddress":"10.1.2.3"}"#;
    let cases = [
        (page_url(&app, &base), vec![]),
        (
            with_meta(&encode(r#"{"ipAddress":"10.1.2.3"}"#)),
            vec!["IP address: 10.1.2.3"],
        ),
        (
            with_meta(&encode(hostile)),
            vec![
                "Device: &lt;script&gt;alert(1)&lt;/script&gt;",
                "IP address: 10.1.2.3",
            ],
        ),
        (
            with_meta(&encode(r#"{"deviceOS":"Linux","deviceFamily":7}"#)),
            vec!["Operating system: Linux"],
        ),
        // Damaged metadata shows less, never fails.
        (with_meta("%7B%22ipAddress"), vec![]),
        (with_meta("%zz"), vec![]),
        (with_meta(&"%7B".repeat(6_000)), vec![]),
        // Not encoded a second time: still read.
        (with_meta(r#"{"deviceName":"Büro"}"#), vec!["Device: Büro"]),
    ];
    for (url, shown) in cases {
        let page = open(&app, &url, "en").await;
        assert_eq!(page.status, 200, "{url}: {}", page.html);
        page.assert_hardened("en");
        assert!(!page.html.contains("<script"), "{url}: {}", page.html);
        let lines = [
            "Device: ",
            "Browser: ",
            "Operating system: ",
            "IP address: ",
        ];
        for line in lines {
            let want = shown.iter().any(|s| s.starts_with(line));
            assert_eq!(
                page.html.contains(line),
                want,
                "{url} {line}: {}",
                page.html
            );
        }
        for s in shown {
            assert!(
                page.html.contains(&format!("<p>{s}</p>")),
                "{s}: {}",
                page.html
            );
        }
        let (_, form) = page.form().unwrap();
        assert_eq!(form, fields(&a.uid, &tvid, &code));
    }

    // Bad links: the bad-link page, no button, nothing echoed.
    let (t, c, uid) = (tvid.as_str(), code.as_str(), a.uid.as_str());
    let bad = [
        vec![("tokenVerificationId", t), ("uid", uid)],
        vec![("code", c), ("uid", uid)],
        vec![("tokenVerificationId", t), ("code", c)],
        vec![("tokenVerificationId", &t[..31]), ("code", c), ("uid", uid)],
        vec![("tokenVerificationId", "zz"), ("code", c), ("uid", uid)],
        vec![("tokenVerificationId", t), ("code", "12345"), ("uid", uid)],
        vec![
            ("tokenVerificationId", t),
            ("code", "1234567"),
            ("uid", uid),
        ],
        vec![("tokenVerificationId", t), ("code", "12a456"), ("uid", uid)],
        vec![("tokenVerificationId", t), ("code", c), ("uid", "<script>")],
        vec![
            ("tokenVerificationId", t),
            ("code", c),
            ("uid", uid),
            ("email", "\"><script>alert(1)</script>"),
        ],
    ];
    for query in bad {
        let url = page_url(&app, &query);
        for lang in ["en", "fr"] {
            let page = open(&app, &url, lang).await;
            assert_eq!(page.status, 400, "{url}: {}", page.html);
            page.assert_hardened(lang);
            assert!(!page.html.contains("<script"), "{url}");
            assert!(page.form().is_none(), "{url}");
        }
    }
    let page = post_raw(&app, &app.url(PATH), format!("uid={uid}&code={code}"), "de").await;
    assert_eq!(page.status, 400, "{}", page.html);
    assert!(
        page.html.contains("Dieser Link funktioniert nicht"),
        "{}",
        page.html
    );
    assert_eq!(state_of(&b).await, "unverified");

    // Well-formed answers that name no waiting sign-in: the used-link page.
    let other = confirmed_on(&app, "push.page.other@example.com", FIREFOX_DESKTOP).await;
    let (no_device, no_device_tvid) = new_sign_in(&a).await;
    let used = [
        fields(uid, &"ab".repeat(16), &code),
        fields(HEX16, &tvid, &code),
        fields(&other.uid, &tvid, &code),
        // Mozilla's verify_push confirms only a session with a device.
        fields(uid, &no_device_tvid, &code),
    ];
    let action = url::Url::parse(&app.url(PATH)).unwrap();
    for form in used {
        let page = submit(&app, &action, &form, "en").await;
        assert_eq!(page.status, 400, "{form:?}: {}", page.html);
        assert!(
            page.html.contains("This link is no longer valid"),
            "{}",
            page.html
        );
    }
    assert_eq!(state_of(&b).await, "unverified");
    assert_eq!(state_of(&no_device).await, "unverified");

    // The URL built from what the push carries confirms the sign-in.
    let page = open(&app, &page_url(&app, &base), "fr").await;
    let (action, form) = page.form().unwrap();
    let done = submit(&app, &action, &form, "fr").await;
    assert_eq!(done.status, 200, "{}", done.html);
    assert!(done.html.contains("Connexion confirmée"), "{}", done.html);
    assert_eq!(state_of(&b).await, "verified");
}

#[tokio::test]
async fn the_page_and_verify_push_share_one_limit_on_code_checks() {
    let app = spawn_with(Options {
        rate_limit: true,
        ..confirming()
    })
    .await;
    let a = confirmed_on(&app, "push.page.limit@example.com", FIREFOX_DESKTOP).await;
    let (b, tvid, code) = waiting(&a).await;
    let action = url::Url::parse(&app.url(PATH)).unwrap();
    let wrong = fields(&a.uid, &tvid, &other_code(&code));
    // verifySessionCode: 10 checks per account in 15 minutes, page or API.
    let body = json!({"code": other_code(&code), "tokenVerificationId": tvid});
    a.session_post(VERIFY, &body).await.err(400, 183);
    for _ in 0..9 {
        let page = submit(&app, &action, &wrong, "en").await;
        assert_eq!(page.status, 400, "{}", page.html);
    }
    let right = fields(&a.uid, &tvid, &code);
    let page = submit(&app, &action, &right, "en").await;
    assert_eq!(page.status, 429, "{}", page.html);
    page.assert_hardened("en");
    assert!(page.headers.contains_key("retry-after"));
    assert!(page.html.contains("Too many attempts"), "{}", page.html);
    let body = json!({"code": code, "tokenVerificationId": tvid});
    a.session_post(VERIFY, &body).await.err(429, 114);
    assert_eq!(state_of(&b).await, "unverified");
}
