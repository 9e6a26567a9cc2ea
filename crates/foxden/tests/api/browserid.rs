//! BrowserID: `/.well-known/browserid`, `/.well-known/public-keys`,
//! `/certificate/sign`, `foxden keys rotate`, and the mail-link redirects.

use std::os::unix::fs::PermissionsExt;

use aws_lc_rs::signature::{RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use foxden_crypto::token::TokenKind;
use reqwest::Method;
use serde_json::{json, Value};

use crate::cli::{foxden, run};
use crate::client::{hawk_header, now_secs, TestClient};
use crate::helpers::{spawn_app, spawn_with, Options, Resp, TestApp};

const SIGN: &str = "/v1/certificate/sign?service=sync";

pub(crate) fn rs_key() -> Value {
    json!({ "algorithm": "RS", "n": "4759581191", "e": "65537" })
}

/// A decimal string as big-endian bytes.
fn decimal_to_bytes(decimal: &str) -> Vec<u8> {
    let mut bytes: Vec<u8> = Vec::new();
    for digit in decimal.bytes() {
        let mut carry = u32::from(digit - b'0');
        for byte in bytes.iter_mut().rev() {
            let v = u32::from(*byte) * 10 + carry;
            *byte = v as u8;
            carry = v >> 8;
        }
        while carry > 0 {
            bytes.insert(0, carry as u8);
            carry >>= 8;
        }
    }
    bytes
}

fn b64json(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// Verifies `cert` with the published `public-key` and returns (header, payload).
pub(crate) async fn check_cert(app: &TestApp, cert: &str) -> (Value, Value) {
    let well_known = app.get("/.well-known/browserid").await.ok();
    let key = &well_known.body["public-key"];
    let (n, e) = (
        decimal_to_bytes(key["n"].as_str().unwrap()),
        decimal_to_bytes(key["e"].as_str().unwrap()),
    );
    let parts: Vec<&str> = cert.split('.').collect();
    assert_eq!(parts.len(), 3, "{cert}");
    let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    RsaPublicKeyComponents { n: &n, e: &e }
        .verify(
            &RSA_PKCS1_2048_8192_SHA256,
            format!("{}.{}", parts[0], parts[1]).as_bytes(),
            &signature,
        )
        .expect("certificate signature verifies");
    let header = b64json(parts[0]);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["kid"], key["kid"]);
    (header, b64json(parts[1]))
}

pub(crate) async fn sign(c: &TestClient<'_>, body: &Value) -> Resp {
    c.session_post(SIGN, body).await
}

pub(crate) async fn cert(c: &TestClient<'_>, key: Value, duration: i64) -> Resp {
    sign(c, &json!({ "publicKey": key, "duration": duration })).await
}

#[tokio::test]
async fn well_known_documents() {
    let app = spawn_app().await;
    let r = app.get("/.well-known/browserid").await.ok();
    assert_eq!(
        r.headers["cache-control"].to_str().unwrap(),
        "public, max-age=10"
    );
    let key = &r.body["public-key"];
    assert_eq!(key["algorithm"], "RS");
    assert_eq!(key["e"], "65537");
    assert!(key["fxa-createdAt"].is_i64());
    let kid = key["kid"].as_str().unwrap();
    let nonexistent = "/.well-known/browserid/nonexistent.html";
    assert_eq!(r.body["authentication"], nonexistent);
    assert_eq!(r.body["provisioning"], nonexistent);
    let jwks = r.body["keys"].as_array().unwrap();
    assert_eq!(jwks.len(), 1);
    let jwk = &jwks[0];
    assert_eq!(
        (&jwk["kty"], &jwk["alg"], &jwk["use"], &jwk["kid"]),
        (&json!("RSA"), &json!("RS256"), &json!("sig"), &json!(kid))
    );
    assert_eq!(jwk["e"], "AQAB");
    let n = URL_SAFE_NO_PAD.decode(jwk["n"].as_str().unwrap()).unwrap();
    assert_eq!(n.len(), 256);
    assert_eq!(n, decimal_to_bytes(key["n"].as_str().unwrap()));
    let r = app.get("/.well-known/public-keys").await.ok();
    assert_eq!(r.body, json!({ "keys": jwks }));
    let meta = std::fs::metadata(app.data_dir.join("browserid-key.der")).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert!(!app.data_dir.join("browserid-key.previous.der").exists());
}

#[tokio::test]
async fn signs_certificates_for_verified_sessions() {
    let app = spawn_app().await;
    let mut c = TestClient::v1(&app, "cert@example.com", "correct horse");
    c.create(false).await.ok();
    cert(&c, rs_key(), 1000).await.err(400, 104);
    c.verify_from_mail("verify").await.ok();

    let duration = 3_600_000;
    let r = cert(&c, rs_key(), duration).await.ok();
    let (_, claims) = check_cert(&app, &r.str("cert")).await;
    let domain = app.base.trim_start_matches("http://");
    assert_eq!(claims["public-key"], rs_key());
    assert_eq!(claims["principal"]["email"], format!("{}@{domain}", c.uid));
    assert_eq!(claims["iss"], domain);
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert_eq!(exp - iat, duration + 10_000);
    assert!((iat + 10_000 - now_secs() * 1000).abs() < 60_000);
    assert!(claims["fxa-generation"].as_i64().unwrap() > 0);
    assert_eq!(claims["fxa-verifiedEmail"], "cert@example.com");
    assert_eq!(claims["fxa-tokenVerified"], true);
    assert_eq!(claims["fxa-amr"], json!(["pwd", "email"]));
    assert_eq!(claims["fxa-aal"], 1);
    assert!(claims["fxa-lastAuthAt"].as_i64().unwrap() <= now_secs());
    assert!(claims["fxa-keysChangedAt"].is_i64() && claims["fxa-profileChangedAt"].is_i64());

    // DS keys are echoed as given.
    let ds = json!({ "algorithm": "DS", "y": "1", "p": "2", "q": "3", "g": "4", "version": "2012.08.15" });
    let r = cert(&c, ds.clone(), 1).await.ok();
    let (_, claims) = check_cert(&app, &r.str("cert")).await;
    assert_eq!(claims["public-key"], ds);
}

#[tokio::test]
async fn sign_validation_errors() {
    let app = spawn_with(Options {
        skip_confirm_new_account_ms: 0,
        ..Options::default()
    })
    .await;
    let mut c = TestClient::v1(&app, "cert.errors@example.com", "correct horse");
    c.create_verified(false).await;
    // An unconfirmed sign-in that must be confirmed (keys=true) gets no certificate.
    let mut other = c.another_device();
    other.login(true).await.ok();
    cert(&other, rs_key(), 1).await.err(400, 138);
    let missing = |r: Resp, param: &str| {
        r.err(400, 108);
        assert_eq!(r.body["param"], param);
    };
    let no_n = json!({ "algorithm": "RS", "e": "65537" });
    missing(cert(&c, no_n, 1).await, "publicKey.n");
    let no_q = json!({ "algorithm": "DS", "y": "1", "p": "2", "g": "4" });
    missing(cert(&c, no_q, 1).await, "publicKey.q");
    missing(sign(&c, &json!({ "duration": 1 })).await, "publicKey");
    missing(
        sign(&c, &json!({ "publicKey": rs_key() })).await,
        "duration",
    );
    for bad in [
        json!({ "publicKey": rs_key(), "duration": 86_400_001 }),
        json!({ "publicKey": rs_key(), "duration": -1 }),
        json!({ "publicKey": rs_key(), "duration": 1.5 }),
        json!({ "publicKey": { "algorithm": "EC", "n": "1", "e": "2" }, "duration": 1 }),
        json!({ "publicKey": { "algorithm": "RS", "n": 1, "e": "2" }, "duration": 1 }),
        json!({ "publicKey": { "algorithm": "RS", "n": "1", "e": "2", "x": "3" }, "duration": 1 }),
    ] {
        sign(&c, &bad).await.err(400, 107);
    }
    cert(&c, rs_key(), 86_400_000).await.ok();

    // Hawk without a payload hash is refused: the payload is required.
    let body = serde_json::to_vec(&json!({ "publicKey": rs_key(), "duration": 1 })).unwrap();
    let auth = hawk_header(
        &app,
        &c.session_token,
        TokenKind::Session,
        "POST",
        SIGN,
        None,
        now_secs(),
    );
    app.send(Method::POST, SIGN, Some(&auth), Some(body))
        .await
        .err(401, 109);
}

#[tokio::test]
async fn rotated_keys_are_published_and_used() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let opts = || Options::in_dir(&data);
    let app = spawn_with(opts()).await;
    let old = app.get("/.well-known/browserid").await.ok().body["public-key"].clone();
    let mut c = TestClient::v1(&app, "rotate@example.com", "correct horse");
    c.create_verified(false).await;
    app.stop().await;

    let (out, stdout, stderr) = run(foxden(tmp.path(), &data).args(["keys", "rotate"]));
    assert!(out.status.success(), "{stdout}{stderr}");
    let old_kid = old["kid"].as_str().unwrap();
    assert!(stdout.contains(old_kid), "{stdout}");
    for file in ["browserid-key.der", "browserid-key.previous.der"] {
        let mode = std::fs::metadata(data.join(file))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{file}");
    }

    let app = spawn_with(opts()).await;
    let r = app.get("/.well-known/browserid").await.ok();
    let new_kid = r.body["public-key"]["kid"].as_str().unwrap().to_string();
    assert_ne!(new_kid, old_kid);
    let kids: Vec<&str> = r.body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, [new_kid.as_str(), old_kid]);
    let r = app.get("/.well-known/public-keys").await.ok();
    assert_eq!(r.body["keys"].as_array().unwrap().len(), 2);
    assert_eq!(r.body["keys"][1]["kid"], old_kid);

    let mut c = TestClient::v1(&app, "rotate@example.com", "correct horse");
    c.login(false).await.ok();
    let r = cert(&c, rs_key(), 60_000).await.ok();
    let (header, _) = check_cert(&app, &r.str("cert")).await;
    assert_eq!(header["kid"], new_kid.as_str());
}

#[tokio::test]
async fn mail_links_redirect_to_the_content_server() {
    let app = spawn_app().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let hex16 = "0123456789abcdef0123456789ABCDEF";
    let token = "ab".repeat(32);
    let cases = [
        (
            "verify_email",
            format!("uid={hex16}&code={hex16}&service=sync&redirectTo=https%3A%2F%2Fexample.com%2F&utm_source=email"),
        ),
        (
            "complete_reset_password",
            format!("token={token}&code={hex16}&email=a%2Bb%40example.com&service=sync"),
        ),
    ];
    for (page, query) in &cases {
        let res = http
            .get(app.url(&format!("/v1/{page}?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 302, "{page}");
        let location = res.headers()["location"].to_str().unwrap();
        assert_eq!(location, format!("{}/{page}?{query}", app.base));
    }
    let bad = [
        ("/v1/verify_email?uid=zz&code=00".to_string(), 107),
        ("/v1/verify_email?uid=abc&code=00".to_string(), 107),
        (format!("/v1/verify_email?uid={token}&code=00"), 107),
        ("/v1/verify_email?uid=00".to_string(), 108),
        (
            format!("/v1/complete_reset_password?token={token}&code=0g&email=a"),
            107,
        ),
        (
            "/v1/complete_reset_password?token=00&code=00".to_string(),
            108,
        ),
    ];
    for (path, errno) in bad {
        let r = app.get(&path).await;
        r.err(400, errno);
    }
}
