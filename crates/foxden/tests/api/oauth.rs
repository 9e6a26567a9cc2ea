//! OAuth, auth-server flavour: Firefox's clients registered by default, client
//! info, `/oauth/authorization` and `/account/scoped-key-data`, and the
//! `foxden client` commands. The token endpoint is in `oauth_token.rs`.

use foxden::cli::client::{execute, AddClient, ClientCommand};
use foxden_db::ops::OAuthClients;
use serde_json::{json, Value};

use crate::client::TestClient;
use crate::helpers::{spawn_app, spawn_with, Options, Resp, TestApp};

pub const FIREFOX: &str = "5882386c6d801776";
pub const OLDSYNC: &str = "https://identity.mozilla.com/apps/oldsync";
pub const SESSION_SCOPE: &str = "https://identity.mozilla.com/tokens/session";
/// RFC 7636 appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
pub const JWE: &str = "eyJhbGciOiJFQ0RILUVTIn0..aXZpdml2.Y2lwaGVy.dGFndGFn";

/// A verified account with a confirmed session.
pub async fn signed_in<'a>(app: &'a TestApp, email: &str) -> TestClient<'a> {
    let mut c = TestClient::v1(app, email, "pw");
    c.create_verified(true).await;
    c
}

/// What Firefox's sign-in page posts (no `redirect_uri`).
pub fn firefox_authorization(scope: &str) -> Value {
    json!({
        "client_id": FIREFOX, "state": "the state", "scope": scope,
        "response_type": "code", "access_type": "offline",
        "code_challenge_method": "S256", "code_challenge": CHALLENGE, "keys_jwe": JWE,
    })
}

pub async fn authorize(c: &TestClient<'_>, body: &Value) -> Resp {
    c.session_post("/v1/oauth/authorization", body).await
}

/// A code for Firefox with `scope`.
pub async fn firefox_code(c: &TestClient<'_>, scope: &str) -> String {
    authorize(c, &firefox_authorization(scope))
        .await
        .ok()
        .str("code")
}

/// Registers a client through `foxden client add`; returns its id and secret (if any).
pub async fn add_client(app: &TestApp, args: &[&str]) -> (String, Option<String>) {
    let mut add = AddClient {
        name: "Test RP".into(),
        redirect_uri: "https://rp.example/cb".into(),
        allowed_scopes: String::new(),
        public: false,
        trusted: false,
        can_grant: false,
        jwt_access_tokens: false,
        image_uri: String::new(),
        id: None,
    };
    for arg in args {
        match *arg {
            "public" => add.public = true,
            "trusted" => add.trusted = true,
            "can-grant" => add.can_grant = true,
            scopes => add.allowed_scopes = scopes.into(),
        }
    }
    let out = execute(&app.db, ClientCommand::Add(add)).await.unwrap();
    let field = |name: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
    };
    (field("client_id:").unwrap(), field("client_secret:"))
}

#[tokio::test]
async fn firefox_clients_are_registered_with_a_redirect_for_the_sign_in_page() {
    let app = spawn_app().await;
    for id in [
        FIREFOX,
        "a2270f727f45f648",
        "1b1a3e44c54fbb58",
        "3c49430b43dfba77",
    ] {
        let r = app.get(&format!("/v1/oauth/client/{id}")).await.ok();
        assert_eq!(r.str("id"), id);
        assert_eq!(
            r.str("redirect_uri"),
            "urn:ietf:wg:oauth:2.0:oob:oauth-redirect-webchannel"
        );
        assert_eq!(r.body["trusted"], true);
        assert!(!r.str("name").is_empty());
    }
    app.get("/v1/oauth/client/0000000000000000")
        .await
        .err(400, 162);
    app.get("/v1/oauth/client/xyz").await.err(400, 107);
}

#[tokio::test]
async fn an_operators_edit_of_a_default_client_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn_with(Options::in_dir(dir.path())).await;
    let id = foxden::oauth::clients::parse_id(FIREFOX).unwrap();
    let out = execute(
        &app.db,
        ClientCommand::Remove {
            client_id: FIREFOX.into(),
        },
    )
    .await
    .unwrap();
    assert!(out.contains("removed"));
    let mut edited = foxden::oauth::clients::firefox_client(FIREFOX, "Our Firefox", 1);
    edited.allowed_scopes = "profile".into();
    app.db.insert_oauth_client(&edited).await.unwrap();
    app.stop().await;
    let app = spawn_with(Options::in_dir(dir.path())).await;
    let kept = app.db.oauth_client(&id).await.unwrap().unwrap();
    assert_eq!(
        (kept.name.as_str(), kept.allowed_scopes.as_str()),
        ("Our Firefox", "profile")
    );
}

#[tokio::test]
async fn firefox_authorization_without_redirect_uri_uses_the_registered_one() {
    let app = spawn_app().await;
    let c = signed_in(&app, "authz@example.com").await;
    let r = authorize(&c, &firefox_authorization(&format!("profile {OLDSYNC}")))
        .await
        .ok();
    let code = r.str("code");
    assert_eq!(code.len(), 64);
    assert_eq!(r.str("state"), "the state");
    assert_eq!(
        r.str("redirect"),
        format!("urn:ietf:wg:oauth:2.0:oob:oauth-redirect-webchannel?code={code}&state=the+state")
    );
    // Stored only as a hash.
    let stored = foxden_crypto::sha256(&hex::decode(&code).unwrap());
    use foxden_db::ops::OAuthGrants;
    let row = app.db.take_oauth_code(&stored).await.unwrap().unwrap();
    assert_eq!(row.keys_jwe.as_deref(), Some(JWE));
    assert_eq!(row.code_challenge.as_deref(), Some(CHALLENGE));
    assert!(row.offline);
}

#[tokio::test]
async fn authorization_errors_are_mozillas() {
    let app = spawn_app().await;
    let c = signed_in(&app, "authz-errors@example.com").await;
    let with = |change: Value| {
        let mut body = firefox_authorization("profile");
        for (k, v) in change.as_object().unwrap() {
            if v.is_null() {
                body.as_object_mut().unwrap().remove(k);
            } else {
                body[k] = v.clone();
            }
        }
        body
    };
    authorize(&c, &with(json!({"client_id": "0123456789abcdef"})))
        .await
        .err(400, 162);
    let r = authorize(&c, &with(json!({"redirect_uri": "https://evil.example/"}))).await;
    r.err(400, 167);
    assert_eq!(r.str("redirectUri"), "https://evil.example/");
    // A public client must use PKCE.
    authorize(
        &c,
        &with(json!({"code_challenge": null, "code_challenge_method": null})),
    )
    .await
    .err(400, 169);
    authorize(&c, &with(json!({"code_challenge_method": null})))
        .await
        .err(400, 107);
    authorize(&c, &with(json!({"code_challenge": "too-short"})))
        .await
        .err(400, 107);
    authorize(
        &c,
        &with(json!({"scope": "profile https://identity.mozilla.com/apps/notes"})),
    )
    .await
    .ok();
    authorize(
        &c,
        &with(json!({"scope": "https://identity.mozilla.com/apps/other profile"})),
    )
    .await
    .ok();
    // A registered scope the client is not allowed.
    let (rp, _) = add_client(&app, &["public", "trusted", "profile"]).await;
    let rp_body = json!({"client_id": rp, "state": "s", "scope": OLDSYNC,
        "code_challenge_method": "S256", "code_challenge": CHALLENGE});
    let r = authorize(&c, &rp_body).await;
    r.err(400, 163);
    assert_eq!(r.body["invalidScopes"], json!([OLDSYNC]));
    // AAL2 cannot be met without a second factor.
    authorize(&c, &with(json!({"acr_values": "AAL2"})))
        .await
        .err(400, 170);
    // openid is granted (the id_token comes with the code's exchange).
    authorize(&c, &with(json!({"scope": "openid profile"})))
        .await
        .ok();
    authorize(&c, &with(json!({"scope": null, "service": "sync"})))
        .await
        .err(503, 202);
    authorize(&c, &with(json!({"extra": 1})))
        .await
        .err(400, 107);
    app.post("/v1/oauth/authorization", &firefox_authorization("profile"))
        .await
        .err(401, 110);
}

#[tokio::test]
async fn untrusted_clients_get_only_the_profile_scopes() {
    let app = spawn_app().await;
    let c = signed_in(&app, "untrusted@example.com").await;
    let (rp, _) = add_client(&app, &[]).await;
    let body = |scope: &str| json!({"client_id": rp, "state": "s", "scope": scope});
    let r = authorize(&c, &body("profile:email openid profile")).await;
    r.err(400, 163);
    assert_eq!(r.body["invalidScopes"], json!(["profile"]));
    let r = authorize(&c, &body("profile:email profile:uid")).await.ok();
    assert!(r.str("redirect").starts_with("https://rp.example/cb?code="));
    // A confidential client must not send PKCE.
    let mut pkce = body("profile:email");
    pkce["code_challenge_method"] = json!("S256");
    pkce["code_challenge"] = json!(CHALLENGE);
    authorize(&c, &pkce).await.err(400, 166);
}

#[tokio::test]
async fn key_scopes_need_a_confirmed_session() {
    let app = spawn_with(Options {
        skip_confirm_new_account_ms: 0,
        ..Options::default()
    })
    .await;
    let c = signed_in(&app, "unconfirmed@example.com").await;
    // Signed in without keys: usable, but not confirmed.
    let mut unconfirmed = c.another_device();
    unconfirmed.login(false).await.ok();
    authorize(&unconfirmed, &firefox_authorization("profile"))
        .await
        .ok();
    authorize(&unconfirmed, &firefox_authorization(OLDSYNC))
        .await
        .err(401, 110);
    // Signed in with keys: must confirm first.
    let mut must = c.another_device();
    must.login(true).await.ok();
    authorize(&must, &firefox_authorization("profile"))
        .await
        .err(400, 138);
    // An account whose email is not verified.
    let mut fresh = TestClient::v1(&app, "not-verified@example.com", "pw");
    fresh.create(false).await.ok();
    authorize(&fresh, &firefox_authorization("profile"))
        .await
        .err(400, 104);
}

#[tokio::test]
async fn scoped_key_data_for_the_allowed_key_scopes() {
    let app = spawn_app().await;
    let c = signed_in(&app, "keys@example.com").await;
    let path = "/v1/account/scoped-key-data";
    let body = json!({"client_id": FIREFOX, "scope": format!("profile {OLDSYNC}")});
    let r = c.session_post(path, &body).await.ok();
    let entry = &r.body[OLDSYNC];
    assert_eq!(r.body.as_object().unwrap().len(), 1, "{:?}", r.body);
    assert_eq!(entry["identifier"], OLDSYNC);
    assert_eq!(entry["keyRotationSecret"], "0".repeat(64));
    let account = {
        use foxden_db::ops::Accounts;
        let uid: [u8; 16] = hex::decode(&c.uid).unwrap().try_into().unwrap();
        app.db.account(&uid).await.unwrap().unwrap()
    };
    assert_eq!(entry["keyRotationTimestamp"], account.keys_changed_at);
    let unknown = json!({"client_id": "0123456789abcdef", "scope": OLDSYNC});
    c.session_post(path, &unknown).await.err(400, 162);
    let (rp, _) = add_client(&app, &["public", "trusted", "profile"]).await;
    let not_allowed = json!({"client_id": rp, "scope": OLDSYNC});
    c.session_post(path, &not_allowed).await.err(400, 163);
    c.session_post(path, &json!({"client_id": FIREFOX, "scope": "profile"}))
        .await
        .ok();
}

#[tokio::test]
async fn scoped_key_data_is_refused_to_a_session_older_than_the_keys() {
    let app = spawn_app().await;
    let c = signed_in(&app, "stale@example.com").await;
    // The keys changed (a reset elsewhere) after this session authenticated.
    let uid: [u8; 16] = hex::decode(&c.uid).unwrap().try_into().unwrap();
    let later = crate::client::now_ms() + 5_000;
    // Behind foxden's back, on its SQLite file (accounts are not cached).
    let db = rusqlite::Connection::open(app.data_dir.join("foxden.db")).unwrap();
    db.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
    let changed = db
        .execute(
            "UPDATE accounts SET keys_changed_at = ?1 WHERE uid = ?2",
            rusqlite::params![later, uid.to_vec()],
        )
        .unwrap();
    assert_eq!(changed, 1);
    let body = json!({"client_id": FIREFOX, "scope": OLDSYNC});
    let r = c.session_post("/v1/account/scoped-key-data", &body).await;
    r.err(400, 164);
    assert!(r.body["authAt"].as_i64().unwrap() < later / 1000);
    // Scopes without keys are not affected.
    let profile = json!({"client_id": FIREFOX, "scope": "profile"});
    c.session_post("/v1/account/scoped-key-data", &profile)
        .await
        .ok();
}

#[tokio::test]
async fn client_commands_add_show_rotate_and_remove() {
    let app = spawn_app().await;
    let (id, secret) = add_client(&app, &["trusted", "profile"]).await;
    let secret = secret.expect("a confidential client gets a secret");
    assert_eq!(secret.len(), 64);
    let client_id = foxden::oauth::clients::parse_id(&id).unwrap();
    let stored = app.db.oauth_client(&client_id).await.unwrap().unwrap();
    assert_eq!(
        stored.hashed_secret,
        Some(foxden_crypto::sha256(&hex::decode(&secret).unwrap()))
    );
    let shown = execute(
        &app.db,
        ClientCommand::Show {
            client_id: id.clone(),
        },
    )
    .await
    .unwrap();
    assert!(shown.contains("confidential") && !shown.contains(&secret));
    let listed = execute(&app.db, ClientCommand::List).await.unwrap();
    assert!(listed.contains(&id) && listed.contains(FIREFOX));
    let rotated = execute(
        &app.db,
        ClientCommand::RotateSecret {
            client_id: id.clone(),
        },
    )
    .await
    .unwrap();
    assert!(rotated.contains("client_secret:") && !rotated.contains(&secret));
    let after = app.db.oauth_client(&client_id).await.unwrap().unwrap();
    assert_eq!(after.hashed_secret_previous, stored.hashed_secret);
    assert!(execute(
        &app.db,
        ClientCommand::RotateSecret {
            client_id: FIREFOX.into()
        }
    )
    .await
    .is_err());
    execute(
        &app.db,
        ClientCommand::Remove {
            client_id: id.clone(),
        },
    )
    .await
    .unwrap();
    app.get(&format!("/v1/oauth/client/{id}"))
        .await
        .err(400, 162);
}

#[tokio::test]
async fn foxden_client_commands_run_against_a_serving_server() {
    use crate::cli::{foxden, run};
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let app = spawn_with(Options::in_dir(&data)).await;
    // Off the runtime's thread, so that the server keeps serving (and committing).
    let client = |args: &[&str]| {
        let mut cmd = foxden(tmp.path(), &data);
        cmd.arg("client").args(args);
        async move {
            tokio::task::spawn_blocking(move || run(&mut cmd))
                .await
                .unwrap()
        }
    };
    let (out, stdout, stderr) = client(&[
        "add",
        "--name",
        "Relying Party",
        "--redirect-uri",
        "https://rp.example/cb",
        "--trusted",
    ])
    .await;
    assert!(out.status.success(), "{stdout}{stderr}");
    let id = stdout
        .lines()
        .find_map(|l| l.strip_prefix("client_id: "))
        .unwrap()
        .to_string();
    let secret = stdout
        .lines()
        .find_map(|l| l.strip_prefix("client_secret: "))
        .unwrap();
    assert_eq!(secret.len(), 64);
    let r = app.get(&format!("/v1/oauth/client/{id}")).await.ok();
    assert_eq!(r.str("name"), "Relying Party");
    let (_, listed, stderr) = client(&["list"]).await;
    assert!(
        listed.contains(&id) && listed.contains(FIREFOX),
        "{listed}{stderr}"
    );
    let (_, shown, _) = client(&["show", &id]).await;
    assert!(
        shown.contains("trusted: true") && !shown.contains(secret),
        "{shown}"
    );
    let (out, _, stderr) = client(&[
        "add",
        "--name",
        "x",
        "--redirect-uri",
        "https://x/",
        "--can-grant",
    ])
    .await;
    assert!(
        !out.status.success() && stderr.contains("--public"),
        "{stderr}"
    );
    let (out, _, _) = client(&["remove", &id]).await;
    assert!(out.status.success());
    app.get(&format!("/v1/oauth/client/{id}"))
        .await
        .err(400, 162);
}
