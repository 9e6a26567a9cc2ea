//! `/certificate/sign` signs only keys in the form BrowserID clients write them:
//! RSA `n`/`e` in decimal, DSA `y`/`p`/`q`/`g` in hex, bounded lengths, and a
//! duration of 1 ms to 24 hours; anything else is 400 errno 107 naming the key.

use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::KeyPair as _;
use serde_json::{json, Value};

use crate::browserid::{cert, check_cert, rs_key, sign};
use crate::client::TestClient;
use crate::helpers::{spawn_app, TestApp};

/// A freshly generated RSA-2048 public key, in BrowserID's decimal form.
fn real_rsa_key() -> Value {
    let pair = KeyPair::generate(KeySize::Rsa2048).unwrap();
    let public = PublicKeyComponents::<Vec<u8>>::from(pair.public_key());
    json!({
        "algorithm": "RS",
        "n": foxden::browserid::decimal(&public.n),
        "e": foxden::browserid::decimal(&public.e),
    })
}

/// `len` hex digits (a fixed pattern), upper- or lower-case.
fn hex_digits(len: usize, upper: bool) -> String {
    let digits = if upper {
        "0123456789ABCDEF"
    } else {
        "0123456789abcdef"
    };
    digits.chars().cycle().skip(1).take(len).collect()
}

/// A DSA key as Firefox writes one (upper-case hex, a leading zero byte) for
/// 1024-bit `p` and 160-bit `q`.
fn firefox_dsa_key() -> Value {
    json!({
        "algorithm": "DS",
        "y": format!("00{}", hex_digits(256, true)),
        "p": format!("00{}", hex_digits(256, true)),
        "q": format!("00{}", hex_digits(40, true)),
        "g": hex_digits(255, true),
    })
}

/// A DSA key as jwcrypto writes one (lower-case hex, any length) for 2048/256 bits.
fn jwcrypto_dsa_key() -> Value {
    json!({
        "algorithm": "DS",
        "y": hex_digits(511, false),
        "p": hex_digits(512, false),
        "q": hex_digits(64, false),
        "g": hex_digits(512, false),
        "version": "2012.08.15",
    })
}

async fn verified(app: &TestApp) -> TestClient<'_> {
    let mut c = TestClient::v1(app, "keys@example.com", "correct horse");
    c.create_verified(false).await;
    c
}

/// `key` with `field` set to `value`.
fn with(mut key: Value, field: &str, value: Value) -> Value {
    key[field] = value;
    key
}

#[tokio::test]
async fn real_keys_get_certificates_that_verify() {
    let app = spawn_app().await;
    let c = verified(&app).await;
    for key in [real_rsa_key(), firefox_dsa_key(), jwcrypto_dsa_key()] {
        for duration in [1, 3_600_000, 86_400_000] {
            let r = cert(&c, key.clone(), duration).await.ok();
            let (_, claims) = check_cert(&app, &r.str("cert")).await;
            assert_eq!(claims["public-key"], key);
            let (iat, exp) = (
                claims["iat"].as_i64().unwrap(),
                claims["exp"].as_i64().unwrap(),
            );
            assert_eq!(exp - iat, duration + 10_000);
        }
    }
}

#[tokio::test]
async fn malformed_keys_and_durations_answer_107_naming_the_key() {
    let app = spawn_app().await;
    let c = verified(&app).await;
    let rsa = real_rsa_key();
    let dsa = jwcrypto_dsa_key();
    let cases: Vec<(Value, i64, &str)> = vec![
        // RSA numbers: decimal digits only, 1 to 1234 of them.
        (
            with(rsa.clone(), "n", json!("-4759581191")),
            1,
            "publicKey.n",
        ),
        (with(rsa.clone(), "n", json!("12ab")), 1, "publicKey.n"),
        (with(rsa.clone(), "n", json!("0x1f")), 1, "publicKey.n"),
        (with(rsa.clone(), "n", json!(" 123")), 1, "publicKey.n"),
        (with(rsa.clone(), "n", json!("1e5")), 1, "publicKey.n"),
        (with(rsa.clone(), "n", json!("")), 1, "publicKey.n"),
        (
            with(rsa.clone(), "n", json!(4759581191u64)),
            1,
            "publicKey.n",
        ),
        (
            with(rsa.clone(), "n", json!("7".repeat(5000))),
            1,
            "publicKey.n",
        ),
        (
            with(rsa.clone(), "n", json!("7".repeat(1235))),
            1,
            "publicKey.n",
        ),
        (with(rsa.clone(), "e", json!("-65537")), 1, "publicKey.e"),
        (with(rsa.clone(), "e", json!("sixty")), 1, "publicKey.e"),
        // The other algorithm's numbers.
        (with(rsa.clone(), "y", json!("1f")), 1, "publicKey.y"),
        (with(dsa.clone(), "n", json!("65537")), 1, "publicKey.n"),
        // DSA numbers: hex digits only, bounded.
        (with(dsa.clone(), "y", json!("x")), 1, "publicKey.y"),
        (with(dsa.clone(), "p", json!("-1f")), 1, "publicKey.p"),
        (with(dsa.clone(), "p", json!("0x1f")), 1, "publicKey.p"),
        (
            with(dsa.clone(), "g", json!("f".repeat(1027))),
            1,
            "publicKey.g",
        ),
        (
            with(dsa.clone(), "q", json!("f".repeat(67))),
            1,
            "publicKey.q",
        ),
        (with(dsa.clone(), "q", json!("")), 1, "publicKey.q"),
        // version: jwcrypto's short dotted form.
        (
            with(dsa.clone(), "version", json!("a b")),
            1,
            "publicKey.version",
        ),
        (
            with(dsa.clone(), "version", json!("1".repeat(33))),
            1,
            "publicKey.version",
        ),
        // Durations: 1 ms to 24 hours.
        (rsa.clone(), 0, "duration"),
        (rsa.clone(), -1, "duration"),
        (rsa.clone(), 86_400_001, "duration"),
        (rs_key(), i64::MAX, "duration"),
    ];
    for (key, duration, named) in cases {
        let r = cert(&c, key.clone(), duration).await;
        r.err(400, 107);
        assert_eq!(
            r.body["validation"]["keys"],
            json!([named]),
            "{key} / {duration}"
        );
    }
    let r = sign(&c, &json!({ "publicKey": rsa, "duration": "3600000" })).await;
    r.err(400, 107);
    assert_eq!(r.body["validation"]["keys"], json!(["duration"]));
}

#[tokio::test]
async fn the_bounds_themselves_are_signed() {
    let app = spawn_app().await;
    let c = verified(&app).await;
    let rsa = real_rsa_key();
    let dsa = jwcrypto_dsa_key();
    for key in [
        with(rsa.clone(), "n", json!("7".repeat(1234))),
        with(rsa.clone(), "e", json!("3")),
        with(dsa.clone(), "g", json!("F".repeat(1026))),
        with(dsa.clone(), "q", json!("f".repeat(66))),
        with(dsa.clone(), "version", json!("1".repeat(32))),
    ] {
        let r = cert(&c, key.clone(), 86_400_000).await.ok();
        let (_, claims) = check_cert(&app, &r.str("cert")).await;
        assert_eq!(claims["public-key"], key);
    }
}
