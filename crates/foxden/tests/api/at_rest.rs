//! Secrets at rest: a copy of the database file alone yields no usable token,
//! code or confirmation. The copy is taken while an account has a live session,
//! a pending sign-in confirmation (by link and by 6-digit code), a pending
//! password-forgot token, a pending reset OTP and a pending unblock code, and
//! another account a pending email verification. Everything read from the copy is
//! then tried the ways an attacker would: as the mailed codes themselves, by an
//! offline search of each code space with the uid known, and against the API.

use reqwest::Method;
use serde_json::{json, Value};

use crate::client::TestClient;
use crate::helpers::{spawn_with, Mail, Options, TestApp};

/// Every BLOB value in every table of a consistent copy of the SQLite database,
/// and the copy's bytes.
pub fn copy_of_database(app: &TestApp) -> (Vec<u8>, Vec<Vec<u8>>) {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("stolen.db");
    let live = rusqlite::Connection::open(app.data_dir.join("foxden.db")).unwrap();
    live.execute("VACUUM INTO ?1", [copy.to_str().unwrap()])
        .unwrap();
    let bytes = std::fs::read(&copy).unwrap();
    let stolen = rusqlite::Connection::open(&copy).unwrap();
    let tables: Vec<String> = stolen
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut blobs = Vec::new();
    for table in tables {
        let mut stmt = stolen
            .prepare(&format!("SELECT * FROM \"{table}\""))
            .unwrap();
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..columns {
                if let rusqlite::types::ValueRef::Blob(b) = row.get_ref(i).unwrap() {
                    blobs.push(b.to_vec());
                }
            }
        }
    }
    (bytes, blobs)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The 6-digit sign-in code of a mail (the header as Mozilla names it, or the
/// one foxden used before).
fn six_digit_code(mail: &Mail) -> String {
    ["x-signin-verify-code", "x-verify-short-code"]
        .iter()
        .find_map(|h| mail.headers.get(*h).cloned())
        .expect("a 6-digit code header")
}

fn sha256_concat(parts: &[&[u8]]) -> [u8; 32] {
    foxden_crypto::sha256(&parts.concat())
}

/// Every 8-digit code whose SHA-256(uid ‖ code) is one of `stored`, searched on
/// two threads (the hashing runs in foxden-crypto's optimized build).
fn search_otp_space(uid: &[u8; 16], stored: &[[u8; 32]]) -> Option<u32> {
    let mut by_prefix = vec![false; 1 << 16];
    for h in stored {
        by_prefix[usize::from(u16::from_be_bytes([h[0], h[1]]))] = true;
    }
    let half = 50_000_000u32;
    std::thread::scope(|scope| {
        let workers: Vec<_> = [0, half]
            .into_iter()
            .map(|start| {
                let by_prefix = &by_prefix;
                scope.spawn(move || {
                    let mut buf = [0u8; 24];
                    buf[..16].copy_from_slice(uid);
                    buf[16..].copy_from_slice(format!("{start:08}").as_bytes());
                    for n in start..start + half {
                        let h = foxden_crypto::sha256(&buf);
                        if by_prefix[usize::from(u16::from_be_bytes([h[0], h[1]]))]
                            && stored.contains(&h)
                        {
                            return Some(n);
                        }
                        // The next code: a decimal increment of the last 8 bytes.
                        let mut i = 23;
                        while buf[i] == b'9' {
                            buf[i] = b'0';
                            i -= 1;
                        }
                        buf[i] += 1;
                    }
                    None
                })
            })
            .collect();
        workers.into_iter().find_map(|w| w.join().unwrap())
    })
}

async fn bearer(app: &TestApp, method: Method, path: &str, prefix: &str, id: &[u8]) -> u16 {
    let auth = format!("Bearer {prefix}{}", hex::encode(id));
    let body = (method == Method::POST).then(|| b"{}".to_vec());
    app.send(method, path, Some(&auth), body).await.status
}

#[tokio::test]
async fn a_copy_of_the_database_alone_lets_no_one_act() {
    let app = spawn_with(Options {
        // Every sign-in must be confirmed, and the attacker's many tries are not
        // cut short by rate limits (which would prove less).
        skip_confirm_new_account_ms: 0,
        rate_limit: false,
        ..Options::default()
    })
    .await;
    let mut victim = TestClient::v1(&app, "victim@example.com", "correct horse battery");
    victim.create_verified(true).await;
    // A pending sign-in confirmation by link...
    let mut by_link = victim.another_device();
    by_link.login(true).await.ok();
    let login_mail = app.last_mail(&victim.email).await;
    assert_eq!(login_mail.template(), "verifyLogin");
    let login_code = login_mail.header("X-Verify-Code").to_string();
    // ...and one by 6-digit code (the attacker's own sign-in, with the password).
    let mut attacker = victim.another_device();
    attacker
        .login_with("?keys=true", json!({ "verificationMethod": "email-otp" }))
        .await
        .ok();
    let six = six_digit_code(&app.last_mail(&victim.email).await);
    // A pending password-forgot token, reset OTP and unblock code.
    let email = json!({ "email": victim.email });
    let forgot = app.post("/v1/password/forgot/send_code", &email).await.ok();
    let recovery_code = app
        .last_mail(&victim.email)
        .await
        .header("X-Recovery-Code")
        .to_string();
    app.post("/v1/password/forgot/send_otp", &email).await.ok();
    let otp = app
        .last_mail(&victim.email)
        .await
        .header("X-Password-Forgot-Otp")
        .to_string();
    app.post("/v1/account/login/send_unblock_code", &email)
        .await
        .ok();
    let unblock = app
        .last_mail(&victim.email)
        .await
        .header("X-Unblock-Code")
        .to_string();
    // Another account waiting for its email to be verified.
    let mut newcomer = TestClient::v1(&app, "newcomer@example.com", "another long password");
    newcomer.create(false).await.ok();
    let signup_code = app
        .last_mail(&newcomer.email)
        .await
        .header("X-Verify-Code")
        .to_string();

    let (file, blobs) = copy_of_database(&app);
    let uids: Vec<[u8; 16]> = [&victim.uid, &newcomer.uid]
        .iter()
        .map(|u| hex::decode(u).unwrap().try_into().unwrap())
        .collect();

    // 1. No mailed code is in the file, as bytes or as hex.
    for code in [&login_code, &recovery_code, &signup_code] {
        let raw = hex::decode(code).unwrap();
        assert!(
            !contains(&file, &raw),
            "a mailed 16-byte code is stored as it is"
        );
        assert!(!contains(&file, code.to_lowercase().as_bytes()));
        assert!(!contains(&file, code.to_uppercase().as_bytes()));
    }
    assert!(!contains(&file, unblock.as_bytes()));

    // 2. Offline searches with the uid known.
    let now = crate::client::now_secs() as u64;
    let sixteen: Vec<[u8; 16]> = blobs
        .iter()
        .filter_map(|b| b.as_slice().try_into().ok())
        .collect();
    let thirty_two: Vec<[u8; 32]> = blobs
        .iter()
        .filter_map(|b| b.as_slice().try_into().ok())
        .collect();
    assert!(
        sixteen.len() >= 4 && thirty_two.len() >= 10,
        "the copy holds the rows"
    );
    // 2a. The 6-digit codes are derived from a 16-byte value: none stored derives it.
    for value in &sixteen {
        for step in [now - 300, now, now + 300] {
            let derived = foxden::service::short_code::code_at(value, step);
            assert_ne!(
                derived, six,
                "a stored value derives the mailed 6-digit code"
            );
        }
    }
    // 2b. The whole 8-digit OTP space under FxA's construction, SHA-256(uid ‖ code).
    let victim_uid = uids[0];
    let stored: std::collections::HashSet<[u8; 32]> = thirty_two.iter().copied().collect();
    assert_eq!(
        search_otp_space(&victim_uid, &thirty_two),
        None,
        "an offline search found the OTP"
    );
    // 2c. The unblock and OTP codes under every unkeyed construction one would try.
    for code in [&unblock, &otp] {
        for guess in [
            sha256_concat(&[&victim_uid, code.as_bytes()]),
            sha256_concat(&[code.as_bytes()]),
            sha256_concat(&[victim.uid.as_bytes(), code.as_bytes()]),
        ] {
            assert!(!stored.contains(&guess), "a code is stored unkeyed");
        }
    }

    // 3. What was read, used against the API.
    for value in &sixteen {
        for uid in &uids {
            let body = json!({ "uid": hex::encode(uid), "code": hex::encode(value) });
            let r = app.post("/v1/recovery_email/verify_code", &body).await;
            assert_ne!(
                r.status, 200,
                "a stored value verified an account or a sign-in"
            );
        }
        let derived = foxden::service::short_code::code_at(value, now);
        let r = attacker
            .session_post("/v1/session/verify_code", &json!({ "code": derived }))
            .await;
        assert_ne!(
            r.status, 200,
            "a code derived from a stored value confirmed a sign-in"
        );
    }
    for value in &thirty_two {
        for (method, path, prefix) in [
            (Method::GET, "/v1/session/status", "fxs_"),
            (Method::GET, "/v1/account/keys", "fxk_"),
            (Method::GET, "/v1/password/forgot/status", "fxpf_"),
            (Method::POST, "/v1/account/reset", "fxar_"),
        ] {
            let status = bearer(&app, method, path, prefix, value).await;
            assert_eq!(status, 401, "a stored value worked as a token on {path}");
        }
    }
    let status: Value = attacker
        .session_get("/v1/recovery_email/status")
        .await
        .ok()
        .body;
    assert_eq!(
        status["sessionVerified"], false,
        "the attacker's sign-in stayed unconfirmed"
    );

    // 4. The pending state was live all along: the mailed codes themselves work.
    let body = json!({ "uid": victim.uid, "code": login_code });
    app.post("/v1/recovery_email/verify_code", &body).await.ok();
    attacker
        .session_post("/v1/session/verify_code", &json!({ "code": six }))
        .await
        .ok();
    let token = forgot.str("passwordForgotToken");
    crate::forgot_otp::forgot_verify_code(&app, &token, &recovery_code)
        .await
        .ok();
    let body = json!({ "email": victim.email, "code": otp });
    app.post("/v1/password/forgot/verify_otp", &body).await.ok();
    by_link
        .login_with("", json!({ "unblockCode": unblock }))
        .await
        .ok();
    let body = json!({ "uid": newcomer.uid, "code": signup_code });
    app.post("/v1/recovery_email/verify_code", &body).await.ok();
}
