//! The account pushes of PROTOCOL §8.2 through the real push receiver (see
//! `push_events.rs`): `password_changed` to every device but the caller's,
//! `password_reset` and `account_destroyed` to every device (queued before the
//! devices go), `profile_updated` on a display name change, and the empty
//! `accountVerify` / `accountConfirm` pushes on email verification and sign-in
//! confirmation.

use foxden_crypto::token::TokenKind;
use serde_json::json;

use crate::change::{finish, finish_body, start};
use crate::client::{token_id_hex, Scheme, TestClient};
use crate::devices::register;
use crate::helpers::{Options, Resp};
use crate::oauth::FIREFOX;
use crate::push_events::{assert_empty_push, assert_push, settle, PushService};
use crate::reset::{account_reset, reset_token_for};

#[tokio::test]
async fn password_change_tells_every_device_but_the_callers() {
    let Some(push) = PushService::start().await else {
        return;
    };
    let app = push.app(Options::default()).await;
    let email = "push.change@example.com";
    let mut a = TestClient::v1(&app, email, "old password");
    a.create_verified(true).await;
    let kb = a.keys().await.1;
    register(&a, &push.device("A", "/ok/caller")).await.ok();
    let mut b = a.another_device();
    b.login(false).await.ok();
    register(&b, &push.device("B", "/ok/other")).await.ok();
    push.wait("/ok/caller", 1).await;
    let change_token = start(&app, email, &a.auth_pw_v1())
        .await
        .ok()
        .str("passwordChangeToken");
    let new = TestClient::v1(&app, email, "new password");
    let mut body = finish_body(&new, &kb);
    body["sessionToken"] = json!(token_id_hex(&a.session_token, TokenKind::Session));
    finish(&app, Scheme::Hawk, &change_token, "", &body)
        .await
        .ok();
    let changed = json!({"version": 1, "command": "fxaccounts:password_changed"});
    assert_push(&push.wait("/ok/other", 1).await[0], changed, "21600");
    settle().await;
    assert_eq!(push.to("/ok/caller").len(), 1, "only B's device_connected");
}

#[tokio::test]
async fn reset_and_destroy_tell_every_device() {
    let Some(push) = PushService::start().await else {
        return;
    };
    let app = push.app(Options::default()).await;
    let email = "push.reset@example.com";
    let mut a = TestClient::v1(&app, email, "old password");
    a.create_verified(false).await;
    register(&a, &push.device("A", "/ok/reset-a")).await.ok();
    let mut b = a.another_device();
    b.login(false).await.ok();
    register(&b, &push.device("B", "/ok/reset-b")).await.ok();
    push.wait("/ok/reset-a", 1).await;
    let token = reset_token_for(&app, email).await;
    let mut new = TestClient::v1(&app, email, "new password");
    let body = json!({ "authPW": new.auth_pw_v1() });
    account_reset(&app, &token, false, &body).await.ok();
    let reset = json!({"version": 1, "command": "fxaccounts:password_reset"});
    assert_push(
        &push.wait("/ok/reset-a", 2).await[1],
        reset.clone(),
        "21600",
    );
    assert_push(&push.wait("/ok/reset-b", 1).await[0], reset, "21600");

    // After the reset: two new devices, then the account goes; both hear it.
    new.login(false).await.ok();
    register(&new, &push.device("C", "/ok/destroy-c"))
        .await
        .ok();
    let mut d = new.another_device();
    d.login(false).await.ok();
    register(&d, &push.device("D", "/ok/destroy-d")).await.ok();
    push.wait("/ok/destroy-c", 1).await;
    let body = json!({"email": email, "authPW": new.auth_pw()});
    new.session_post("/v1/account/destroy", &body).await.ok();
    let destroyed = json!({"version": 1, "command": "fxaccounts:account_destroyed",
        "data": {"uid": new.uid}});
    let got = push.wait("/ok/destroy-c", 2).await;
    assert_push(&got[1], destroyed.clone(), "18000");
    assert_push(&push.wait("/ok/destroy-d", 1).await[0], destroyed, "18000");
}

#[tokio::test]
async fn a_display_name_change_pushes_profile_updated() {
    let Some(push) = PushService::start().await else {
        return;
    };
    let app = push.app(Options::default()).await;
    let mut a = TestClient::v1(&app, "push.profile@example.com", "pw");
    a.create_verified(false).await;
    register(&a, &push.device("A", "/ok/profile")).await.ok();
    let body = json!({"client_id": FIREFOX, "grant_type": "fxa-credentials",
        "scope": "profile:display_name:write"});
    let token = a
        .session_post("/v1/oauth/token", &body)
        .await
        .ok()
        .str("access_token");
    let r = app
        .http
        .post(app.url("/profile/v1/display_name"))
        .bearer_auth(&token)
        .json(&json!({"displayName": "Fox"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let updated = json!({"version": 1, "command": "fxaccounts:profile_updated"});
    assert_push(&push.wait("/ok/profile", 1).await[0], updated, "0");
}

#[tokio::test]
async fn verification_and_sign_in_confirmation_send_empty_pushes() {
    let Some(push) = PushService::start().await else {
        return;
    };
    let app = push
        .app(Options {
            skip_confirm_new_account_ms: 0,
            ..Options::default()
        })
        .await;
    let email = "push.verify@example.com";
    let mut a = TestClient::v1(&app, email, "pw");
    a.create(false).await.ok();
    // An unverified session's device: no device_connected, but the verification reaches it.
    register(&a, &push.device("A", "/ok/verify")).await.ok();
    a.verify_from_mail("verify").await.ok();
    assert_empty_push(&push.wait("/ok/verify", 1).await[0]);
    // A sign-in that must be confirmed: its confirmation is `accountConfirm`, to every device.
    let mut b = a.another_device();
    assert_eq!(b.login(true).await.ok().body["verified"], false);
    register(&b, &push.device("B", "/ok/confirm")).await.ok();
    b.verify_from_mail("verifyLogin").await.ok();
    assert_empty_push(&push.wait("/ok/verify", 2).await[1]);
    assert_empty_push(&push.wait("/ok/confirm", 1).await[0]);
    settle().await;
    assert_eq!(
        push.to("/ok/verify").len(),
        2,
        "{:?}",
        push.to("/ok/verify")
    );
}

/// An iOS device (its session signed in with Firefox for iOS's User-Agent) gets
/// `device_connected` but not `profile_updated`; a desktop device gets both.
#[tokio::test]
async fn ios_devices_get_only_the_pushes_firefox_for_ios_handles() {
    let Some(push) = PushService::start().await else {
        return;
    };
    let app = push.app(Options::default()).await;
    let mut a = TestClient::v1(&app, "push.ios@example.com", "pw");
    a.create_verified(false).await;
    register(&a, &push.device("A", "/ok/desktop")).await.ok();
    let mut phone = a.another_device();
    let login = app
        .http
        .post(app.url("/v1/account/login"))
        .header("User-Agent", "Firefox-iOS-FxA/24")
        .json(&json!({"email": phone.email, "authPW": phone.auth_pw()}))
        .send()
        .await
        .unwrap();
    phone.session_token = Resp::read(login).await.ok().str("sessionToken");
    register(&phone, &push.device("Phone", "/ok/ios"))
        .await
        .ok();
    let mut third = a.another_device();
    third.login(false).await.ok();
    register(&third, &push.device("C", "/ok/third")).await.ok();
    let connected = push.wait("/ok/ios", 1).await;
    assert_eq!(
        connected[0]["payload"]["command"],
        "fxaccounts:device_connected"
    );

    let body = json!({"client_id": FIREFOX, "grant_type": "fxa-credentials",
        "scope": "profile:display_name:write"});
    let token = a
        .session_post("/v1/oauth/token", &body)
        .await
        .ok()
        .str("access_token");
    let r = app
        .http
        .post(app.url("/profile/v1/display_name"))
        .bearer_auth(&token)
        .json(&json!({"displayName": "Fox"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let updated = json!({"version": 1, "command": "fxaccounts:profile_updated"});
    // The desktop device got device_connected twice (Phone, C) and this.
    let desktop = push.wait("/ok/desktop", 3).await;
    let profile = desktop.iter().find(|r| r["payload"] == updated);
    assert_push(
        profile.expect("profile_updated on the desktop device"),
        updated,
        "0",
    );
    settle().await;
    assert_eq!(push.to("/ok/ios").len(), 1, "{:?}", push.to("/ok/ios"));
}
