//! The OAuth-server routes on a BrowserID assertion: `POST /v1/authorization`,
//! `/v1/token` (`fxa-credentials`), `/v1/key-data`, `/v1/authorized-clients` and
//! `/v1/authorized-clients/destroy`. The tests hold an RSA key (or a DSA key, as
//! PyFxA 0.7.9 does by default), have `/certificate/sign` certify it, and sign the
//! assertion as a BrowserID client does.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use foxden_crypto::token::TokenKind;
use reqwest::Method;

use crate::client::{now_ms, Scheme, TestClient};
use crate::helpers::spawn_app;
use crate::oauth::*;

/// A user's BrowserID key and the certificate foxden signed for it.
pub struct Certified {
    key: KeyPair,
    cert: String,
}

fn strip(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

pub async fn certify(c: &TestClient<'_>) -> Certified {
    let key = KeyPair::generate(KeySize::Rsa2048).unwrap();
    let parts = PublicKeyComponents::<Vec<u8>>::from(key.public_key());
    let public = json!({"algorithm": "RS", "n": foxden::browserid::decimal(strip(&parts.n)),
        "e": foxden::browserid::decimal(strip(&parts.e))});
    let body = json!({"publicKey": public, "duration": 3_600_000});
    let cert = c
        .session_post("/v1/certificate/sign", &body)
        .await
        .ok()
        .str("cert");
    Certified { key, cert }
}

fn sign(key: &KeyPair, payload: &Value) -> String {
    let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
    let signed = format!("{}.{}", b64(&json!({"alg": "RS256"})), b64(payload));
    let mut sig = vec![0u8; key.public_modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        signed.as_bytes(),
        &mut sig,
    )
    .unwrap();
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(sig))
}

/// `cert~assertion` for `aud`, expiring `exp_in_ms` from now.
pub fn bundle(certified: &Certified, aud: &str, exp_in_ms: i64) -> String {
    let assertion = sign(
        &certified.key,
        &json!({"aud": aud, "exp": now_ms() + exp_in_ms}),
    );
    format!("{}~{assertion}", certified.cert)
}

#[tokio::test]
async fn an_assertion_authorizes_a_code_and_bad_ones_are_errno_104() {
    let app = spawn_app().await;
    let c = signed_in(&app, "assertion@example.com").await;
    let certified = certify(&c).await;
    let aud = format!("{}/v1", app.base);
    let good = bundle(&certified, &aud, 60_000);
    let body = |assertion: &str| {
        json!({"client_id": FIREFOX, "assertion": assertion, "scope": format!("profile {OLDSYNC}"),
            "state": "st", "access_type": "offline", "code_challenge_method": "S256",
            "code_challenge": CHALLENGE, "keys_jwe": JWE})
    };
    let r = app.post("/v1/authorization", &body(&good)).await.ok();
    assert_eq!(r.str("state"), "st");
    assert!(r.str("redirect").contains(&r.str("code")));
    let exchange = json!({"client_id": FIREFOX, "grant_type": "authorization_code",
        "code": r.str("code"), "code_verifier": VERIFIER});
    let t = app.post("/v1/token", &exchange).await.ok();
    assert_eq!(t.str("keys_jwe"), JWE);
    assert_eq!(t.str("scope"), format!("profile {OLDSYNC}"));
    let v = app
        .post("/v1/verify", &json!({"token": t.str("access_token")}))
        .await
        .ok();
    assert_eq!(v.str("user"), c.uid);

    // Another audience, an expired assertion, a foreign signature, a lone certificate.
    let other_aud = bundle(&certified, "https://elsewhere.example", 60_000);
    let expired = bundle(&certified, &aud, -1);
    let stranger = Certified {
        key: KeyPair::generate(KeySize::Rsa2048).unwrap(),
        cert: certified.cert.clone(),
    };
    let foreign = bundle(&stranger, &aud, 60_000);
    let mut forged_cert = certified.cert.clone();
    let at = forged_cert.len() - 20;
    forged_cert.replace_range(
        at..at + 1,
        if &forged_cert[at..at + 1] == "A" {
            "B"
        } else {
            "A"
        },
    );
    let forged = format!("{forged_cert}~{}", good.split('~').nth(1).unwrap());
    for bad in [other_aud, expired, foreign, certified.cert.clone(), forged] {
        let r = app.post("/v1/authorization", &body(&bad)).await;
        r.err(401, 104);
        assert!(r.str("info").contains("fxa-oauth-server"));
    }
    // The grant checks of a session apply: an unknown client, a disallowed scope, no PKCE.
    let mut unknown = body(&good);
    unknown["client_id"] = json!("0000000000000000");
    app.post("/v1/authorization", &unknown).await.err(400, 101);
    let (untrusted, _) = add_client(&app, &["public"]).await;
    let mut scope = body(&good);
    scope["client_id"] = json!(untrusted);
    scope.as_object_mut().unwrap().remove("keys_jwe");
    let r = app.post("/v1/authorization", &scope).await;
    r.err(400, 114);
    assert_eq!(r.body["invalidScopes"], json!(["profile", OLDSYNC]));
    let mut no_pkce = body(&good);
    no_pkce.as_object_mut().unwrap().remove("code_challenge");
    no_pkce
        .as_object_mut()
        .unwrap()
        .remove("code_challenge_method");
    app.post("/v1/authorization", &no_pkce).await.err(400, 118);
    // A password change makes the certificate stale.
    let kb = c.keys().await.1;
    let start = json!({"email": "assertion@example.com", "oldAuthPW": c.auth_pw_v1()});
    let change = app.post("/v1/password/change/start", &start).await.ok();
    let new = TestClient::v1(&app, "assertion@example.com", "new password");
    let finish = json!({"authPW": new.auth_pw_v1(), "wrapKb": new.wrap_kb_v1(&kb)});
    app.call(
        Scheme::Hawk,
        Method::POST,
        "/v1/password/change/finish",
        &change.str("passwordChangeToken"),
        TokenKind::PasswordChange,
        Some(&finish),
    )
    .await
    .ok();
    app.post("/v1/authorization", &body(&good))
        .await
        .err(401, 104);
}

#[tokio::test]
async fn fxa_credentials_key_data_and_authorized_clients_on_an_assertion() {
    let app = spawn_app().await;
    let c = signed_in(&app, "assertion-grants@example.com").await;
    let certified = certify(&c).await;
    let good = bundle(&certified, &format!("{}/v1", app.base), 60_000);
    let creds = json!({"client_id": FIREFOX, "grant_type": "fxa-credentials",
        "assertion": good, "scope": format!("profile {OLDSYNC}"), "access_type": "offline"});
    let t = app.post("/v1/token", &creds).await.ok();
    assert_eq!(t.str("token_type"), "bearer");
    let refresh = t.str("refresh_token");
    let mut no_scope = creds.clone();
    no_scope.as_object_mut().unwrap().remove("scope");
    app.post("/v1/token", &no_scope).await.err(400, 109);
    let (rp, _) = add_client(&app, &["public", "trusted"]).await;
    let mut not_granting = creds.clone();
    not_granting["client_id"] = json!(rp);
    not_granting["scope"] = json!("profile");
    app.post("/v1/token", &not_granting).await.err(400, 109);
    let mut with_code = creds.clone();
    with_code["code"] = json!("ab".repeat(32));
    app.post("/v1/token", &with_code).await.err(400, 109);

    let kd = json!({"client_id": FIREFOX, "assertion": good, "scope": OLDSYNC});
    let k = app.post("/v1/key-data", &kd).await.ok();
    assert_eq!(k.body[OLDSYNC]["identifier"], OLDSYNC);
    assert!(k.body[OLDSYNC]["keyRotationTimestamp"].as_i64().unwrap() > 0);
    let mut kd_bad = kd.clone();
    kd_bad["assertion"] = json!(certified.cert);
    app.post("/v1/key-data", &kd_bad).await.err(401, 104);

    // An access-only grant too, for another client.
    let code = authorize(
        &c,
        &json!({"client_id": rp, "state": "s", "scope": "profile",
            "code_challenge_method": "S256", "code_challenge": CHALLENGE}),
    )
    .await
    .ok()
    .str("code");
    let exchange = json!({"client_id": rp, "code": code, "code_verifier": VERIFIER});
    app.post("/v1/token", &exchange).await.ok();
    let list = app
        .post("/v1/authorized-clients", &json!({"assertion": good}))
        .await
        .ok();
    let entries = list.body.as_array().unwrap();
    let firefox: Vec<&Value> = entries
        .iter()
        .filter(|e| e["client_id"] == FIREFOX)
        .collect();
    let refresh_id = hex::encode(foxden_crypto::sha256(&hex::decode(&refresh).unwrap()));
    assert!(
        firefox
            .iter()
            .any(|e| e["refresh_token_id"] == refresh_id.as_str()),
        "{entries:?}"
    );
    let theirs: Vec<&Value> = entries
        .iter()
        .filter(|e| e["client_id"] == rp.as_str())
        .collect();
    assert_eq!(theirs.len(), 1, "{entries:?}");
    assert!(theirs[0].get("refresh_token_id").is_none());
    assert_eq!(theirs[0]["scope"], json!(["profile"]));
    assert_eq!(theirs[0]["client_name"], "Test RP");

    let destroy = |extra: Value| {
        let mut body = json!({"client_id": FIREFOX, "assertion": good});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let unknown = destroy(json!({"refresh_token_id": "ab".repeat(32)}));
    app.post("/v1/authorized-clients/destroy", &unknown)
        .await
        .err(400, 108);
    let one = destroy(json!({"refresh_token_id": refresh_id}));
    app.post("/v1/authorized-clients/destroy", &one).await.ok();
    let refresh_grant = json!({"client_id": FIREFOX, "grant_type": "refresh_token",
        "refresh_token": refresh});
    app.post("/v1/token", &refresh_grant).await.err(400, 108);
    let mut all_of_rp = destroy(json!({}));
    all_of_rp["client_id"] = json!(rp);
    app.post("/v1/authorized-clients/destroy", &all_of_rp)
        .await
        .ok();
    let list = app
        .post("/v1/authorized-clients", &json!({"assertion": good}))
        .await
        .ok();
    let left = list.body.as_array().unwrap();
    assert!(
        left.iter().all(|e| e["client_id"] != rp.as_str()),
        "{left:?}"
    );
    let no_assertion = json!({"client_id": FIREFOX});
    app.post("/v1/authorized-clients/destroy", &no_assertion)
        .await
        .err(400, 109);
}

/// A DSA key certified by `/certificate/sign`, as PyFxA 0.7.9's default keypair
/// (1024/160, hex numbers).
struct DsaCertified {
    key: foxden_crypto::dsa::SigningKey,
    cert: String,
}

async fn certify_dsa(c: &TestClient<'_>) -> DsaCertified {
    let key = foxden_crypto::dsa::SigningKey::generate(1024);
    let [p, q, g, y] = key.public().map(hex::encode);
    let public = json!({"algorithm": "DS", "p": p, "q": q, "g": g, "y": y});
    let body = json!({"publicKey": public, "duration": 3_600_000});
    let cert = c
        .session_post("/v1/certificate/sign", &body)
        .await
        .ok()
        .str("cert");
    DsaCertified { key, cert }
}

/// `cert~assertion` with the assertion's header `alg`, signed as PyBrowserID's
/// `DS128Key` does (SHA-1 of the signing input, `r ‖ s` of 20 bytes each).
fn dsa_bundle(certified: &DsaCertified, alg: &str, aud: &str) -> String {
    let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
    let payload = json!({"aud": aud, "exp": now_ms() + 60_000});
    let signed = format!("{}.{}", b64(&json!({"alg": alg})), b64(&payload));
    let digest = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
        signed.as_bytes(),
    );
    let (r, s) = certified.key.sign(digest.as_ref());
    let signature = URL_SAFE_NO_PAD.encode([r, s].concat());
    format!("{}~{signed}.{signature}", certified.cert)
}

#[tokio::test]
async fn a_dsa_assertion_authorizes_and_its_alg_must_fit_the_key() {
    let app = spawn_app().await;
    let c = signed_in(&app, "assertion-dsa@example.com").await;
    let certified = certify_dsa(&c).await;
    let aud = format!("{}/v1", app.base);
    let body = |assertion: &str| {
        json!({"client_id": FIREFOX, "assertion": assertion, "scope": "profile",
            "state": "st", "code_challenge_method": "S256", "code_challenge": CHALLENGE})
    };
    let good = dsa_bundle(&certified, "DS128", &aud);
    let r = app.post("/v1/authorization", &body(&good)).await.ok();
    let exchange = json!({"client_id": FIREFOX, "grant_type": "authorization_code",
        "code": r.str("code"), "code_verifier": VERIFIER});
    let t = app.post("/v1/token", &exchange).await.ok();
    let v = app
        .post("/v1/verify", &json!({"token": t.str("access_token")}))
        .await
        .ok();
    assert_eq!(v.str("user"), c.uid);
    let creds = json!({"client_id": FIREFOX, "grant_type": "fxa-credentials",
        "assertion": good, "scope": "profile"});
    app.post("/v1/token", &creds).await.ok();

    // A 1024-bit key signs DS128 only; RS256 is an RSA key's; another key, another audience,
    // a changed payload.
    let stranger = DsaCertified {
        key: foxden_crypto::dsa::SigningKey::generate(1024),
        cert: certified.cert.clone(),
    };
    let (cert, assertion) = good.split_once('~').unwrap();
    let parts: Vec<&str> = assertion.split('.').collect();
    let changed = format!("f{}", &parts[1][1..]);
    for bad in [
        dsa_bundle(&certified, "DS256", &aud),
        dsa_bundle(&certified, "DS160", &aud),
        dsa_bundle(&certified, "RS256", &aud),
        dsa_bundle(&stranger, "DS128", &aud),
        dsa_bundle(&certified, "DS128", "https://elsewhere.example"),
        format!("{cert}~{}.{changed}.{}", parts[0], parts[2]),
    ] {
        app.post("/v1/authorization", &body(&bad))
            .await
            .err(401, 104);
    }
}
