//! The `User-Agent` of sign-up, sign-in and reset is parsed into the session's `ua_*` columns.

use serde_json::json;

use crate::client::TestClient;
use crate::helpers::{spawn_app, Resp};

const FIREFOX_ANDROID: &str =
    "Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0";
const FIREFOX_IOS_FXA: &str = "Firefox-iOS-FxA/24";

/// `(browser, version, os, os version, device type)` of every session, oldest first.
fn stored_agents(data_dir: &std::path::Path) -> Vec<[Option<String>; 5]> {
    let db = rusqlite::Connection::open(data_dir.join("foxden.db")).unwrap();
    let mut stmt = db
        .prepare(
            "SELECT ua_browser, ua_browser_version, ua_os, ua_os_version, ua_device_type \
             FROM session_tokens ORDER BY created_at, rowid",
        )
        .unwrap();
    stmt.query_map([], |row| {
        Ok([
            row.get(0)?,
            row.get(1)?,
            row.get(2)?,
            row.get(3)?,
            row.get(4)?,
        ])
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

fn some(values: [&str; 5]) -> [Option<String>; 5] {
    values.map(|v| Some(v.to_string()))
}

#[tokio::test]
async fn sign_up_and_sign_in_store_the_parsed_agent() {
    let app = spawn_app().await;
    let client = TestClient::v1(&app, "ua@example.org", "password one");
    let created = app
        .http
        .post(app.url("/v1/account/create"))
        .header("User-Agent", FIREFOX_ANDROID)
        .json(&client.create_body())
        .send()
        .await
        .unwrap();
    Resp::read(created).await.ok();
    let login = app
        .http
        .post(app.url("/v1/account/login"))
        .header("User-Agent", FIREFOX_IOS_FXA)
        .json(&json!({ "email": "ua@example.org", "authPW": client.auth_pw() }))
        .send()
        .await
        .unwrap();
    Resp::read(login).await.ok();
    let scripted = app
        .http
        .post(app.url("/v1/account/login"))
        .header("User-Agent", "python-requests/2.31.0")
        .json(&json!({ "email": "ua@example.org", "authPW": client.auth_pw() }))
        .send()
        .await
        .unwrap();
    Resp::read(scripted).await.ok();
    assert_eq!(
        stored_agents(&app.data_dir),
        [
            some(["Firefox Mobile", "125", "Android", "14", "mobile"]),
            [
                Some("Firefox".into()),
                Some("24".into()),
                Some("iOS".into()),
                None,
                Some("mobile".into())
            ],
            [None, None, None, None, None],
        ]
    );
}

#[tokio::test]
async fn a_reset_session_stores_the_parsed_agent() {
    let mut app = spawn_app().await;
    let email = "ua-reset@example.org";
    TestClient::v1(&app, email, "old password")
        .create_verified(false)
        .await;
    let token = crate::reset::reset_token_for(&app, email).await;
    app.http = reqwest::Client::builder()
        .user_agent(FIREFOX_ANDROID)
        .build()
        .unwrap();
    let body = json!({ "authPW": "ab".repeat(32), "sessionToken": true });
    crate::reset::account_reset(&app, &token, false, &body)
        .await
        .ok();
    // The reset ended every earlier session: only its own is left.
    assert_eq!(
        stored_agents(&app.data_dir),
        [some(["Firefox Mobile", "125", "Android", "14", "mobile"])]
    );
}
