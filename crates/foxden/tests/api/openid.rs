//! The OpenID key at `/v1/jwks` (also after `foxden keys rotate`), JWT access
//! tokens verified as the Sync tokenserver verifies them, and the two discovery
//! documents.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;

use aws_lc_rs::signature::{RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use foxden::openid::{AccessTokenClaims, Audience, OpenIdKeys, OLDSYNC_SCOPE};
use foxden::settings::discovery::Discovery;
use serde_json::{json, Value};

use foxden_db::ops::*;

use crate::cli::{foxden, run};
use crate::client::TestClient;
use crate::helpers::{spawn_app, spawn_with, Options, TestApp};
use crate::oauth::FIREFOX;

const TOKENSERVER: &str = "https://token.example.com";

/// Discovery settings with a tokenserver, as a Sync deployment has them.
fn configured() -> Discovery {
    Discovery {
        openid_issuer: "https://accounts.example.com".into(),
        auth_server_url: "https://accounts.example.com".into(),
        oauth_server_url: "https://accounts.example.com".into(),
        profile_server_url: "https://accounts.example.com/profile".into(),
        pairing_server_url: None,
        sync_tokenserver_url: Some(TOKENSERVER.into()),
    }
}

async fn spawn_for_sync(data: Option<&std::path::Path>) -> TestApp {
    spawn_with(Options {
        discovery: Some(configured()),
        data_dir: data.map(|d| d.to_path_buf()),
        ..Options::default()
    })
    .await
}

/// The server's OpenID keys, read from its data folder (the files it signs with).
fn server_keys(app: &TestApp) -> OpenIdKeys {
    OpenIdKeys::load_or_create(&app.data_dir, &configured()).unwrap()
}

fn now_secs() -> i64 {
    foxden::clock::now_secs()
}

/// An oldsync access token as the token endpoint will make it.
fn sync_token(keys: &OpenIdKeys, uid: &str, generation: i64) -> String {
    let claims = AccessTokenClaims {
        aud: keys.access_token_audience("5882386c6d801776", [OLDSYNC_SCOPE].into_iter(), None),
        client_id: "5882386c6d801776".into(),
        exp: now_secs() + 6 * 3600,
        iat: now_secs(),
        jti: "0f".repeat(32),
        scope: OLDSYNC_SCOPE.into(),
        sub: uid.into(),
        fxa_generation: Some(generation),
        fxa_profile_changed_at: Some(generation + 1),
    };
    keys.sign_access_token(&claims).unwrap()
}

fn b64_json(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON")
}

/// What the tokenserver reads from a verified token.
#[derive(Debug, PartialEq)]
struct TokenserverView {
    uid: String,
    generation: Option<i64>,
}

/// Verifies `token` as syncstorage-rs's tokenserver does, with none of
/// foxden's verification code: the keys from `GET /v1/jwks`, the one named by
/// `kid`, an RS256 check from its `n` and `e`, `typ` `at+JWT` as a media type,
/// `exp` in the future, and the oldsync scope among the `,`-separated `scope`.
/// `aud` is checked against the tokenserver's URL too (the tokenserver skips it).
async fn tokenserver_verify(app: &TestApp, token: &str) -> Result<TokenserverView, String> {
    let jwks = app.get("/v1/jwks").await.ok().body;
    let parts: Vec<&str> = token.split('.').collect();
    let [header, payload, signature] = parts[..] else {
        return Err("not a compact JWS".into());
    };
    let header = b64_json(header);
    if header["alg"] != "RS256" {
        return Err(format!("alg {}", header["alg"]));
    }
    let typ = header["typ"].as_str().ok_or("no typ")?.to_ascii_lowercase();
    let typ = if typ.contains('/') {
        typ
    } else {
        format!("application/{typ}")
    };
    if typ != "application/at+jwt" {
        return Err(format!("typ {typ}"));
    }
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|key| key["kid"] == header["kid"])
        .ok_or("no key with that kid")?;
    assert_eq!(
        (key["kty"].as_str(), key["alg"].as_str()),
        (Some("RSA"), Some("RS256"))
    );
    let n = URL_SAFE_NO_PAD.decode(key["n"].as_str().unwrap()).unwrap();
    let e = URL_SAFE_NO_PAD.decode(key["e"].as_str().unwrap()).unwrap();
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|e| e.to_string())?;
    RsaPublicKeyComponents { n: &n, e: &e }
        .verify(
            &RSA_PKCS1_2048_8192_SHA256,
            format!("{}.{payload}", parts[0]).as_bytes(),
            &signature,
        )
        .map_err(|_| "bad signature")?;
    let claims = b64_json(payload);
    if claims["exp"].as_i64().ok_or("no exp")? <= now_secs() {
        return Err("expired".into());
    }
    if claims["aud"] != TOKENSERVER {
        return Err(format!("aud {}", claims["aud"]));
    }
    let scope = claims["scope"].as_str().ok_or("no scope")?;
    if !scope.split(',').any(|s| s == OLDSYNC_SCOPE) {
        return Err("no oldsync scope".into());
    }
    Ok(TokenserverView {
        uid: claims["sub"].as_str().ok_or("no sub")?.to_string(),
        generation: claims["fxa-generation"].as_i64(),
    })
}

#[tokio::test]
async fn jwks_lists_the_openid_key_as_mozillas_route_does() {
    let app = spawn_app().await;
    let r = app.get("/v1/jwks").await.ok();
    assert_eq!(r.headers["cache-control"], "public, max-age=10");
    let keys = r.body["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let key = keys[0].as_object().unwrap();
    let names: BTreeSet<&str> = key.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        BTreeSet::from(["kty", "alg", "kid", "fxa-createdAt", "use", "n", "e"])
    );
    assert_eq!(
        (key["kty"].as_str(), key["use"].as_str()),
        (Some("RSA"), Some("sig"))
    );
    assert_eq!(key["e"], "AQAB");
    assert_eq!(
        URL_SAFE_NO_PAD
            .decode(key["n"].as_str().unwrap())
            .unwrap()
            .len(),
        256
    );
    let created = key["fxa-createdAt"].as_i64().unwrap();
    assert!(
        (now_secs() - 600..=now_secs()).contains(&created),
        "{created}"
    );
    // A key of its own: not the BrowserID key.
    let browserid = app.get("/.well-known/public-keys").await.ok().body;
    assert_ne!(browserid["keys"][0]["n"], key["n"]);
    assert_eq!(key["kid"], server_keys(&app).keys().current.kid.as_str());
    let mode = std::fs::metadata(app.data_dir.join(foxden::openid::CURRENT_FILE))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[tokio::test]
async fn access_tokens_verify_as_the_tokenserver_verifies_them() {
    let app = spawn_for_sync(None).await;
    let keys = server_keys(&app);
    let uid = "aeaa1725c7a24ff983c6295725d5fc9b";
    let token = sync_token(&keys, uid, 1_510_726_317_000);
    let view = tokenserver_verify(&app, &token).await.unwrap();
    assert_eq!(
        view,
        TokenserverView {
            uid: uid.into(),
            generation: Some(1_510_726_317_000)
        }
    );
    // The claims the tokenserver does not read are Mozilla's too.
    let claims = b64_json(token.split('.').nth(1).unwrap());
    assert_eq!(claims["iss"], "https://accounts.example.com");
    // The `aud` is the tokenserver the client configuration names.
    let config = app
        .get("/.well-known/fxa-client-configuration")
        .await
        .ok()
        .body;
    assert_eq!(claims["aud"], config["sync_tokenserver_base_url"]);
    assert_eq!(claims["client_id"], "5882386c6d801776");
    assert_eq!(claims["fxa-profileChangedAt"], 1_510_726_317_001i64);
    assert_eq!(claims["jti"], "0f".repeat(32));
    // And what foxden's own check says agrees.
    let ours = keys
        .verify_access_token(&token, foxden::clock::now_ms())
        .unwrap();
    assert_eq!(ours.sub, uid);

    // What the tokenserver refuses: another scope, another key, an expired token.
    let mut profile = ours.clone();
    profile.scope = "profile".into();
    profile.aud = Audience::One(TOKENSERVER.into());
    let err = tokenserver_verify(&app, &keys.sign_access_token(&profile).unwrap()).await;
    assert_eq!(err, Err("no oldsync scope".into()));
    let stranger_dir = tempfile::tempdir().unwrap();
    let stranger = OpenIdKeys::load_or_create(stranger_dir.path(), &configured()).unwrap();
    let err = tokenserver_verify(&app, &sync_token(&stranger, uid, 1)).await;
    assert_eq!(err, Err("no key with that kid".into()));
    let mut expired = ours.clone();
    expired.exp = now_secs() - 1;
    let err = tokenserver_verify(&app, &keys.sign_access_token(&expired).unwrap()).await;
    assert_eq!(err, Err("expired".into()));
}

#[tokio::test]
async fn after_keys_rotate_jwks_has_both_keys_and_old_tokens_still_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let app = spawn_for_sync(Some(&data)).await;
    let old_kid = app.get("/v1/jwks").await.ok().body["keys"][0]["kid"]
        .as_str()
        .unwrap()
        .to_string();
    let uid = "cd".repeat(16);
    let old_token = sync_token(&server_keys(&app), &uid, 42);
    app.stop().await;

    let (out, stdout, stderr) = run(foxden(tmp.path(), &data).args(["keys", "rotate"]));
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!("previous OpenID signing key: {old_kid}")),
        "{stdout}"
    );
    for file in [foxden::openid::CURRENT_FILE, foxden::openid::PREVIOUS_FILE] {
        let mode = std::fs::metadata(data.join(file))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{file}");
    }

    let app = spawn_for_sync(Some(&data)).await;
    let jwks = app.get("/v1/jwks").await.ok().body;
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids.len(), 2);
    assert_ne!(kids[0], old_kid);
    assert_eq!(kids[1], old_kid);
    let view = tokenserver_verify(&app, &old_token).await.unwrap();
    assert_eq!(
        (view.uid.as_str(), view.generation),
        (uid.as_str(), Some(42))
    );
    let keys = server_keys(&app);
    assert!(keys
        .verify_access_token(&old_token, foxden::clock::now_ms())
        .is_some());
    let new_token = sync_token(&keys, &uid, 43);
    let header = b64_json(new_token.split('.').next().unwrap());
    assert_eq!(header["kid"], kids[0]);
    assert!(tokenserver_verify(&app, &new_token).await.is_ok());
}

fn key_set(doc: &Value) -> BTreeSet<&str> {
    doc.as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

#[tokio::test]
async fn the_client_configuration_names_the_public_url_and_no_tokenserver_by_default() {
    let app = spawn_app().await;
    let r = app.get("/.well-known/fxa-client-configuration").await.ok();
    assert_eq!(r.headers["cache-control"], "public, max-age=86400");
    assert_eq!(
        key_set(&r.body),
        BTreeSet::from([
            "auth_server_base_url",
            "oauth_server_base_url",
            "profile_server_base_url"
        ])
    );
    assert_eq!(r.body["auth_server_base_url"], app.base.as_str());
    assert_eq!(r.body["oauth_server_base_url"], app.base.as_str());
    assert_eq!(
        r.body["profile_server_base_url"],
        format!("{}/profile", app.base)
    );
    assert!(!app.base.ends_with('/'));
}

#[tokio::test]
async fn the_discovery_documents_honour_the_settings() {
    let discovery = Discovery {
        openid_issuer: "https://accounts.example.org".into(),
        auth_server_url: "https://api.example.org".into(),
        oauth_server_url: "https://oauth.example.org".into(),
        profile_server_url: "https://profile.example.org".into(),
        pairing_server_url: Some("wss://channel.example.org".into()),
        sync_tokenserver_url: Some("https://token.example.org".into()),
    };
    let app = spawn_with(Options {
        discovery: Some(discovery),
        content_url: Some("https://accounts.example.org/"),
        ..Options::default()
    })
    .await;
    let r = app.get("/.well-known/fxa-client-configuration").await.ok();
    assert_eq!(
        r.body,
        serde_json::json!({
            "auth_server_base_url": "https://api.example.org",
            "oauth_server_base_url": "https://oauth.example.org",
            "pairing_server_base_uri": "wss://channel.example.org",
            "profile_server_base_url": "https://profile.example.org",
            "sync_tokenserver_base_url": "https://token.example.org",
        })
    );
    let r = app.get("/.well-known/openid-configuration").await.ok();
    assert_eq!(r.headers["cache-control"], "public, max-age=3600");
    assert_eq!(
        r.body,
        serde_json::json!({
            "authorization_endpoint": "https://accounts.example.org/authorization",
            "introspection_endpoint": "https://oauth.example.org/v1/introspect",
            "issuer": "https://accounts.example.org",
            "jwks_uri": "https://oauth.example.org/v1/jwks",
            "revocation_endpoint": "https://oauth.example.org/v1/destroy",
            "token_endpoint": "https://oauth.example.org/v1/token",
            "userinfo_endpoint": "https://profile.example.org/v1/profile",
            "claims_supported": ["aud", "exp", "iat", "iss", "sub"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code"],
            "scopes_supported": ["openid", "profile", "email"],
            "subject_types_supported": ["public"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
        })
    );
}

#[tokio::test]
async fn the_openid_configuration_has_what_mobile_clients_require() {
    let app = spawn_app().await;
    let doc = app.get("/.well-known/openid-configuration").await.ok().body;
    // application-services' `OpenIdConfigurationResponse`: all required strings.
    for key in [
        "authorization_endpoint",
        "introspection_endpoint",
        "issuer",
        "jwks_uri",
        "token_endpoint",
        "userinfo_endpoint",
    ] {
        assert!(doc[key].is_string(), "{key}");
    }
    assert_eq!(doc["issuer"], app.base.as_str());
    assert_eq!(
        doc["authorization_endpoint"],
        format!("{}/authorization", app.base)
    );
    let jwks_uri = doc["jwks_uri"].as_str().unwrap();
    let path = jwks_uri.strip_prefix(&app.base).unwrap();
    assert_eq!(
        app.get(path).await.ok().body["keys"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// Firefox's Sync sign-in on the server side: the `fxa-credentials` grant for the
/// oldsync scope answers a JWT the tokenserver accepts (its `fxa-generation` the
/// account's password time), and the `X-KeyID` Firefox computes from
/// scoped-key-data and kB is the one derived from kB and the account's key time.
#[tokio::test]
async fn the_sync_token_from_the_token_endpoint_verifies_at_the_tokenserver() {
    let app = spawn_for_sync(None).await;
    let mut c = TestClient::v2(&app, "sync-jwt@example.com", "pw");
    c.create_verified(true).await;
    let (_, kb) = c.keys().await;
    let body = json!({"client_id": FIREFOX, "grant_type": "fxa-credentials",
        "scope": OLDSYNC_SCOPE, "ttl": 6 * 3600});
    let r = c.session_post("/v1/oauth/token", &body).await.ok();
    let view = tokenserver_verify(&app, &r.str("access_token"))
        .await
        .unwrap();
    assert_eq!(view.uid, c.uid);
    let uid: [u8; 16] = hex::decode(&c.uid).unwrap().try_into().unwrap();
    let account = app.db.account(&uid).await.unwrap().unwrap();
    assert_eq!(view.generation, Some(account.verifier_set_at));

    let body = json!({"client_id": FIREFOX, "scope": OLDSYNC_SCOPE});
    let data = c
        .session_post("/v1/account/scoped-key-data", &body)
        .await
        .ok();
    let timestamp = data.body[OLDSYNC_SCOPE]["keyRotationTimestamp"]
        .as_i64()
        .unwrap();
    let key_changed = match account.keys_changed_at {
        0 => account.verifier_set_at,
        at => at,
    };
    assert_eq!(timestamp, key_changed);
    let x_key_id = foxden_crypto::scoped_keys::sync_key_id(&kb, timestamp);
    let kid = foxden_crypto::scoped_keys::oldsync_key(&kb, key_changed)
        .kid
        .clone();
    assert_eq!(x_key_id, kid);
    let client_state = URL_SAFE_NO_PAD.decode(x_key_id.split_once('-').unwrap().1);
    assert_eq!(
        hex::encode(client_state.unwrap()),
        foxden_crypto::scoped_keys::sync_client_state(&kb)
    );
}
