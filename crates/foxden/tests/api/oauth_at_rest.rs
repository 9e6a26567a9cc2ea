//! OAuth secrets at rest: a copy of the database holds no code, access token,
//! refresh token or client secret, and nothing in it works as one.

use serde_json::json;

use crate::at_rest::copy_of_database;
use crate::helpers::spawn_app;
use crate::oauth::*;
use crate::oauth_token::{token, token_bytes};

#[tokio::test]
async fn oauth_secrets_are_not_in_a_copy_of_the_database() {
    let app = spawn_app().await;
    let c = signed_in(&app, "oauth-at-rest@example.com").await;
    let (_, secret) = add_client(&app, &["trusted"]).await;
    let secret = secret.unwrap();
    let code = firefox_code(&c, "profile").await;
    let exchange = json!({"client_id": FIREFOX, "code": code, "code_verifier": VERIFIER});
    let r = token(&app, &exchange).await.ok();
    let (access, refresh) = (r.str("access_token"), r.str("refresh_token"));
    let pending = firefox_code(&c, "profile").await;

    let (bytes, all_blobs) = copy_of_database(&app);
    for value in [&secret, &access, &refresh, &pending] {
        let raw = token_bytes(value);
        assert!(
            !bytes.windows(32).any(|w| w == raw.as_slice()),
            "raw secret in the copy"
        );
        let text = hex::encode(&raw);
        let text = text.as_bytes();
        assert!(
            !bytes.windows(64).any(|w| w.eq_ignore_ascii_case(text)),
            "hex secret in the copy"
        );
    }
    // Every 32-byte value of the copy, tried as what it might be.
    let blobs: Vec<Vec<u8>> = all_blobs.into_iter().filter(|b| b.len() == 32).collect();
    assert!(blobs.len() >= 4, "{}", blobs.len());
    for blob in blobs {
        let guess = hex::encode(&blob);
        let body =
            json!({"client_id": FIREFOX, "grant_type": "refresh_token", "refresh_token": guess});
        token(&app, &body).await.err(401, 110);
        let body = json!({"client_id": FIREFOX, "code": guess, "code_verifier": VERIFIER});
        token(&app, &body).await.err(400, 172);
    }
    // The real ones still work.
    let body =
        json!({"client_id": FIREFOX, "grant_type": "refresh_token", "refresh_token": refresh});
    token(&app, &body).await.ok();
}
