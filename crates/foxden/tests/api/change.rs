//! Password change: `/password/change/start` checks the old password and hands out
//! a passwordChangeToken and a keyFetchToken; `/password/change/finish` stores the
//! new password with the same kB (wrapped by the client under the new one).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use foxden_crypto::onepw;
use foxden_crypto::token::TokenKind;
use reqwest::Method;
use serde_json::{json, Value};

use crate::client::{now_secs, token_id_hex, Scheme, TestClient};
use crate::forgot_otp::{reset_to, reset_token_by_otp};
use crate::helpers::{spawn_app, spawn_with, Options, Resp, TestApp};

const START: &str = "/v1/password/change/start";
const FINISH: &str = "/v1/password/change/finish";

/// `/password/change/start` without authentication (as PyFxA 0.8 does).
pub(crate) async fn start(app: &TestApp, email: &str, old_auth_pw: &str) -> Resp {
    let body = json!({ "email": email, "oldAuthPW": old_auth_pw });
    app.post(START, &body).await
}

/// A verified V1 account with password "old password", and its kB.
async fn account_with_kb<'a>(app: &'a TestApp, email: &str) -> (TestClient<'a>, [u8; 32]) {
    let mut c = TestClient::v1(app, email, "old password");
    c.create_verified(true).await;
    let kb = c.keys().await.1;
    (c, kb)
}

/// A passwordChangeToken for `c`'s current (V1) password.
async fn change_token_for(c: &TestClient<'_>) -> String {
    start(c.app, &c.email, &c.auth_pw_v1())
        .await
        .ok()
        .str("passwordChangeToken")
}

/// `/password/change/finish{query}` authenticated by the passwordChangeToken.
pub(crate) async fn finish(
    app: &TestApp,
    scheme: Scheme,
    change_token: &str,
    query: &str,
    body: &Value,
) -> Resp {
    let path = format!("{FINISH}{query}");
    let kind = TokenKind::PasswordChange;
    app.call(scheme, Method::POST, &path, change_token, kind, Some(body))
        .await
}

/// What `new`'s client sends to finish: its V1 authPW and the V1 wrap of `kb`,
/// plus the V2 group (authPWVersion2, wrapKbVersion2, clientSalt) for a V2 client.
pub(crate) fn finish_body(new: &TestClient<'_>, kb: &[u8; 32]) -> Value {
    let mut body = json!({ "authPW": new.auth_pw_v1(), "wrapKb": new.wrap_kb_v1(kb) });
    if let Some(salt) = &new.client_salt {
        let stretched = onepw::stretch_v2(&new.password, salt);
        let wrap_v2 = foxden_crypto::xor32(kb, &onepw::unwrap_bkey(&stretched));
        body["authPWVersion2"] = json!(hex::encode(onepw::auth_pw(&stretched)));
        body["wrapKbVersion2"] = json!(hex::encode(wrap_v2));
        body["clientSalt"] = json!(salt);
    }
    body
}

/// kB from `/account/keys` with `token`, unwrapped with `c`'s V1 or V2 stretched password.
async fn kb_with(c: &TestClient<'_>, token: &str, v2: bool) -> [u8; 32] {
    let mut fetcher = c.another_device();
    let field = if v2 {
        "keyFetchTokenVersion2"
    } else {
        "keyFetchToken"
    };
    fetcher.key_fetch = Some((field.to_string(), token.to_string()));
    fetcher.keys().await.1
}

/// kB as a fresh sign-in (with keys) of `c` sees it.
async fn kb_after_login(c: &TestClient<'_>) -> [u8; 32] {
    let mut device = c.another_device();
    device.login(true).await.ok();
    device.keys().await.1
}

async fn credentials_status(app: &TestApp, email: &str) -> Resp {
    let body = json!({ "email": email });
    app.post("/v1/account/credentials/status", &body).await.ok()
}

/// The hex tokenId of `c`'s session, as finish's `sessionToken` wants it.
fn session_id(c: &TestClient<'_>) -> String {
    token_id_hex(&c.session_token, TokenKind::Session)
}

async fn password_changed_mails(app: &TestApp, email: &str) -> usize {
    let mails = app.mails_to(email).await;
    mails
        .iter()
        .filter(|m| m.template() == "passwordChanged")
        .count()
}

/// The claims of a certificate signed for `c`'s session (the signature itself is
/// checked in browserid.rs).
async fn cert_claims(c: &TestClient<'_>) -> Value {
    let key = json!({ "algorithm": "RS", "n": "4759581191", "e": "65537" });
    let body = json!({ "publicKey": key, "duration": 60_000 });
    let r = c
        .session_post("/v1/certificate/sign?service=sync", &body)
        .await
        .ok();
    let cert = r.str("cert");
    let payload = cert.split('.').nth(1).expect("a JWS");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn generation(claims: &Value) -> i64 {
    claims["fxa-generation"].as_i64().expect("fxa-generation")
}

fn keys_changed_at(claims: &Value) -> i64 {
    claims["fxa-keysChangedAt"]
        .as_i64()
        .expect("fxa-keysChangedAt")
}

#[tokio::test]
async fn v1_change_keeps_kb_and_ends_every_session() {
    let app = spawn_app().await;
    let email = "change.v1@example.com";
    let (old, kb) = account_with_kb(&app, email).await;
    let mut other_device = old.another_device();
    other_device.login(false).await.ok();

    let r = start(&app, email, &old.auth_pw_v1()).await.ok();
    assert_eq!(r.body["verified"], true);
    assert!(r.body.get("keyFetchToken2").is_none(), "{:?}", r.body);
    let change_token = r.str("passwordChangeToken");
    assert_eq!(change_token.len(), 64);
    // The keyFetchToken from start is usable at once and shows the same kB.
    assert_eq!(kb_with(&old, &r.str("keyFetchToken"), false).await, kb);

    let new = TestClient::v1(&app, email, "new password");
    let r = finish(
        &app,
        Scheme::Hawk,
        &change_token,
        "",
        &finish_body(&new, &kb),
    )
    .await;
    assert_eq!(
        r.ok().body,
        json!({}),
        "no sessionToken named: FxA's legacy answer"
    );

    let mail = app.last_mail(email).await;
    assert_eq!(mail.template(), "passwordChanged");
    assert_eq!(mail.header("X-Uid"), old.uid);
    assert_eq!(password_changed_mails(&app, email).await, 1);

    old.session_get("/v1/session/status").await.err(401, 110);
    other_device
        .session_get("/v1/session/status")
        .await
        .err(401, 110);
    old.another_device().login(false).await.err(400, 103);
    assert_eq!(kb_after_login(&new).await, kb);
}

#[tokio::test]
async fn v2_account_change_keeps_kb_for_v2_and_v1_sign_ins() {
    let app = spawn_app().await;
    let email = "change.v2@example.com";
    let mut old = TestClient::v2(&app, email, "old password");
    old.create_verified(true).await;
    let kb = old.keys().await.1;
    assert_eq!(kb, old.kb);

    // The V2 authPW matches the V2 verifier: the keyFetchToken carries the V2 wrap.
    let r = start(&app, email, &old.auth_pw()).await.ok();
    assert!(r.body.get("keyFetchToken").is_none(), "{:?}", r.body);
    assert_eq!(kb_with(&old, &r.str("keyFetchToken2"), true).await, kb);

    let new = TestClient::v2(&app, email, "new password");
    let change_token = r.str("passwordChangeToken");
    let body = finish_body(&new, &kb);
    let r = finish(&app, Scheme::Bearer, &change_token, "", &body).await;
    assert_eq!(r.ok().body, json!({}));

    let status = credentials_status(&app, email).await;
    assert_eq!(status.body["currentVersion"], "v2");
    assert_eq!(status.body["upgradeNeeded"], false);
    assert_eq!(status.str("clientSalt"), new.client_salt.clone().unwrap());

    assert_eq!(kb_after_login(&new).await, kb, "V2 sign-in");
    assert_eq!(kb_after_login(&new.as_v1()).await, kb, "V1 sign-in");
    old.another_device().login(false).await.err(400, 103);
    old.as_v1().login(false).await.err(400, 103);
    assert_eq!(password_changed_mails(&app, email).await, 1);
}

#[tokio::test]
async fn a_change_upgrades_a_v1_account_to_v2() {
    let app = spawn_app().await;
    let email = "upgrade@example.com";
    let password = "same password";
    let mut v1 = TestClient::v1(&app, email, password);
    v1.create_verified(true).await;
    let kb = v1.keys().await.1;
    let status = credentials_status(&app, email).await;
    assert_eq!(status.body["currentVersion"], "v1");
    assert_eq!(status.body["upgradeNeeded"], true);

    // As PyFxA does: start with the V1 authPW, then finish with V1 and V2 wraps
    // of the same kB under the same password.
    let r = start(&app, email, &v1.auth_pw_v1()).await.ok();
    assert_eq!(kb_with(&v1, &r.str("keyFetchToken"), false).await, kb);
    let v2 = TestClient::v2(&app, email, password);
    let change_token = r.str("passwordChangeToken");
    let body = finish_body(&v2, &kb);
    finish(&app, Scheme::Hawk, &change_token, "", &body)
        .await
        .ok();

    let status = credentials_status(&app, email).await;
    assert_eq!(status.body["currentVersion"], "v2");
    assert_eq!(status.body["upgradeNeeded"], false);
    assert_eq!(status.str("clientSalt"), v2.client_salt.clone().unwrap());
    assert_eq!(kb_after_login(&v2).await, kb, "V2 sign-in");
    assert_eq!(kb_after_login(&v2.as_v1()).await, kb, "V1 sign-in");
}

#[tokio::test]
async fn finish_with_keys_replaces_the_callers_session() {
    let app = spawn_app().await;
    let email = "change.keys@example.com";
    let (old, kb) = account_with_kb(&app, email).await;

    // Start signed with the caller's own session (as PyFxA 0.9 does).
    let body = json!({ "email": email, "oldAuthPW": old.auth_pw_v1() });
    let r = old.session_post(START, &body).await.ok();
    let change_token = r.str("passwordChangeToken");
    assert_eq!(kb_with(&old, &r.str("keyFetchToken"), false).await, kb);

    let new = TestClient::v1(&app, email, "new password");
    let mut body = finish_body(&new, &kb);
    body["sessionToken"] = json!(session_id(&old));
    let r = finish(&app, Scheme::Hawk, &change_token, "?keys=true", &body)
        .await
        .ok();
    assert_eq!(r.str("uid"), old.uid);
    assert_eq!(r.body["verified"], true);
    let auth_at = r.body["authAt"].as_i64().expect("authAt");
    assert!((auth_at - now_secs()).abs() < 60, "{auth_at}");
    assert!(r.body.get("keyFetchToken2").is_none(), "{:?}", r.body);
    let new_session = r.str("sessionToken");
    assert_ne!(new_session, old.session_token);

    let mut device = new.another_device();
    device.session_token = new_session;
    let status = device.session_get("/v1/session/status").await.ok();
    assert_eq!(status.body, json!({ "state": "verified", "uid": old.uid }));
    assert_eq!(kb_with(&new, &r.str("keyFetchToken"), false).await, kb);
    old.session_get("/v1/session/status").await.err(401, 110);
}

#[tokio::test]
async fn the_new_session_owes_what_the_replaced_one_owed() {
    // Old accounts: a keys=true sign-in must be confirmed by mail.
    let app = spawn_with(Options {
        skip_confirm_new_account_ms: 0,
        ..Options::default()
    })
    .await;
    let email = "change.unconfirmed@example.com";
    let (owner, kb) = account_with_kb(&app, email).await;
    let mut signed_in = owner.another_device();
    assert_eq!(signed_in.login(true).await.ok().body["verified"], false);
    let confirm_mail = app.last_mail(email).await;
    assert_eq!(confirm_mail.template(), "verifyLogin");

    let r = start(&app, email, &owner.auth_pw_v1()).await.ok();
    let change_token = r.str("passwordChangeToken");
    let new = TestClient::v1(&app, email, "new password");
    let mut body = finish_body(&new, &kb);
    body["sessionToken"] = json!(session_id(&signed_in));
    let r = finish(&app, Scheme::Hawk, &change_token, "?keys=true", &body)
        .await
        .ok();
    assert_eq!(r.body["verified"], false, "a change is no confirmation");
    let mut device = new.another_device();
    device.session_token = r.str("sessionToken");
    device.key_fetch = Some(("keyFetchToken".into(), r.str("keyFetchToken")));
    let status = device.session_get("/v1/session/status").await.ok();
    assert_eq!(status.body["state"], "unverified");
    device.fetch_keys().await.err(400, 104);

    // The code mailed for the replaced session confirms its successor.
    let code = confirm_mail.header("X-Verify-Code");
    let body = json!({ "uid": owner.uid, "code": code });
    app.post("/v1/recovery_email/verify_code", &body).await.ok();
    let status = device.session_get("/v1/session/status").await.ok();
    assert_eq!(status.body["state"], "verified");
    assert_eq!(device.keys().await.1, kb);
}

#[tokio::test]
async fn an_upgrade_with_keys_returns_both_key_fetch_tokens() {
    let app = spawn_app().await;
    let email = "upgrade.keys@example.com";
    let password = "same password";
    let mut v1 = TestClient::v1(&app, email, password);
    v1.create_verified(true).await;
    let kb = v1.keys().await.1;

    let r = start(&app, email, &v1.auth_pw_v1()).await.ok();
    let change_token = r.str("passwordChangeToken");
    let v2 = TestClient::v2(&app, email, password);
    let mut body = finish_body(&v2, &kb);
    body["sessionToken"] = json!(session_id(&v1));
    let r = finish(&app, Scheme::Bearer, &change_token, "?keys=true", &body)
        .await
        .ok();
    assert_eq!(kb_with(&v2, &r.str("keyFetchToken"), false).await, kb);
    assert_eq!(kb_with(&v2, &r.str("keyFetchToken2"), true).await, kb);
    let mut device = v2.another_device();
    device.session_token = r.str("sessionToken");
    device.session_get("/v1/session/status").await.ok();
    v1.session_get("/v1/session/status").await.err(401, 110);
}

#[tokio::test]
async fn start_rejects_a_wrong_password_and_an_unknown_email() {
    let app = spawn_app().await;
    let email = "change.errors@example.com";
    let mut c = TestClient::v1(&app, email, "right password");
    c.create_verified(false).await;

    let wrong = TestClient::v1(&app, email, "wrong password");
    let r = start(&app, email, &wrong.auth_pw_v1()).await;
    r.err(400, 103);
    assert_eq!(r.body["email"], email);

    let stranger = TestClient::v1(&app, "nobody@example.com", "pw");
    start(&app, &stranger.email, &stranger.auth_pw_v1())
        .await
        .err(400, 102);

    // Neither failure spent anything: the right password still starts a change.
    start(&app, email, &c.auth_pw_v1()).await.ok();
}

#[tokio::test]
async fn a_password_change_token_is_single_use() {
    let app = spawn_app().await;
    let email = "change.once@example.com";
    let (old, kb) = account_with_kb(&app, email).await;

    let change_token = change_token_for(&old).await;
    let new = TestClient::v1(&app, email, "new password");
    let body = finish_body(&new, &kb);
    finish(&app, Scheme::Hawk, &change_token, "", &body)
        .await
        .ok();

    let newer = TestClient::v1(&app, email, "newer password");
    let body = finish_body(&newer, &kb);
    finish(&app, Scheme::Hawk, &change_token, "", &body)
        .await
        .err(401, 110);
    // The replay changed nothing: the first new password is still the one.
    assert_eq!(kb_after_login(&new).await, kb);
    assert_eq!(password_changed_mails(&app, email).await, 1);
}

#[tokio::test]
async fn an_incomplete_v2_group_changes_nothing() {
    let app = spawn_app().await;
    let email = "change.partial@example.com";
    let (old, kb) = account_with_kb(&app, email).await;

    let change_token = change_token_for(&old).await;
    let new = TestClient::v2(&app, email, "new password");
    let complete = finish_body(&new, &kb);
    for missing in ["clientSalt", "wrapKbVersion2", "authPWVersion2"] {
        let mut body = complete.clone();
        body.as_object_mut().unwrap().remove(missing);
        let r = finish(&app, Scheme::Hawk, &change_token, "", &body).await;
        r.err(400, 108);
        assert_eq!(r.body["param"], missing);
    }

    // Nothing changed: the old password, the old session and V1 all remain.
    old.session_get("/v1/session/status").await.ok();
    assert_eq!(kb_after_login(&old).await, kb);
    let status = credentials_status(&app, email).await;
    assert_eq!(status.body["currentVersion"], "v1");
    assert_eq!(password_changed_mails(&app, email).await, 0);

    // The token was not spent by the refused requests.
    finish(&app, Scheme::Hawk, &change_token, "", &complete)
        .await
        .ok();
    assert_eq!(kb_after_login(&new).await, kb);
}

#[tokio::test]
async fn start_ignores_any_session_it_is_sent() {
    let app = spawn_app().await;
    let mut alice = TestClient::v1(&app, "alice@example.com", "alice pw");
    alice.create_verified(false).await;
    let mut bob = TestClient::v1(&app, "bob@example.com", "bob pw");
    bob.create_verified(false).await;

    // Only the password counts (as FxA): another account's session, a destroyed
    // one, or none at all.
    let body = json!({ "email": alice.email, "oldAuthPW": alice.auth_pw_v1() });
    bob.session_post(START, &body).await.ok();
    alice.session_post(START, &body).await.ok();
    bob.session_post("/v1/session/destroy", &json!({}))
        .await
        .ok();
    bob.session_post(START, &body).await.ok();
    start(&app, &alice.email, &alice.auth_pw_v1()).await.ok();
    let wrong = json!({ "email": alice.email, "oldAuthPW": bob.auth_pw_v1() });
    alice.session_post(START, &wrong).await.err(400, 103);
}

#[tokio::test]
async fn finish_refuses_another_accounts_session() {
    let app = spawn_app().await;
    let email = "alice2@example.com";
    let (alice, kb) = account_with_kb(&app, email).await;
    let mut bob = TestClient::v1(&app, "bob2@example.com", "bob pw");
    bob.create_verified(false).await;

    let change_token = change_token_for(&alice).await;
    let new = TestClient::v1(&app, email, "new password");
    let mut body = finish_body(&new, &kb);
    body["sessionToken"] = json!(session_id(&bob));
    finish(&app, Scheme::Hawk, &change_token, "", &body)
        .await
        .err(401, 110);

    // Nobody's password or session changed.
    bob.session_get("/v1/session/status").await.ok();
    alice.session_get("/v1/session/status").await.ok();
    assert_eq!(kb_after_login(&alice).await, kb);
    assert_eq!(password_changed_mails(&app, email).await, 0);
}

#[tokio::test]
async fn generation_grows_and_only_a_reset_changes_keys_changed_at() {
    let app = spawn_app().await;
    let email = "generation@example.com";
    let (old, kb) = account_with_kb(&app, email).await;
    let before = cert_claims(&old).await;

    let change_token = change_token_for(&old).await;
    let mut new = TestClient::v1(&app, email, "new password");
    let mut body = finish_body(&new, &kb);
    body["sessionToken"] = json!(session_id(&old));
    let r = finish(&app, Scheme::Hawk, &change_token, "", &body)
        .await
        .ok();
    new.session_token = r.str("sessionToken");
    let changed = cert_claims(&new).await;
    assert!(
        generation(&changed) > generation(&before),
        "{before} {changed}"
    );
    assert_eq!(keys_changed_at(&changed), keys_changed_at(&before));

    let reset_token = reset_token_by_otp(&app, email).await;
    let mut reset = TestClient::v1(&app, email, "reset password");
    reset_to(&app, &reset_token, &reset).await;
    reset.login(false).await.ok();
    let after_reset = cert_claims(&reset).await;
    assert!(generation(&after_reset) > generation(&changed));
    assert!(keys_changed_at(&after_reset) > keys_changed_at(&changed));
}
