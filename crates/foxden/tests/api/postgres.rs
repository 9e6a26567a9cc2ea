//! The main account flow against PostgreSQL, and two servers sharing one database,
//! when `FOXDEN_TEST_POSTGRES_URL` is set (each run gets its own schema, dropped
//! afterwards).

use foxden_crypto::token::TokenKind;
use reqwest::Method;
use serde_json::json;

use crate::client::{Scheme, TestClient};
use crate::helpers::{spawn_with, Options, PgSchema};

async fn happy_path(database_url: String) {
    let app = spawn_with(Options {
        database_url: Some(database_url),
        ..Options::default()
    })
    .await;
    let r = app.get("/__heartbeat__").await.ok();
    assert_eq!(r.body["database"], "postgres");

    let mut c = TestClient::v2(&app, "pg@example.com", "pw");
    c.create(true).await.ok();
    c.fetch_keys().await.err(400, 104);
    c.verify_from_mail("verify").await.ok();
    let (ka, kb) = c.keys().await;
    assert_eq!(kb, c.kb);
    c.fetch_keys().await.err(401, 110);

    let mut old = c.as_v1();
    old.login(true).await.ok();
    assert_eq!(old.keys().await, (ka, kb));
    let r = old.session_get("/v1/recovery_email/status").await.ok();
    assert_eq!(r.body["verified"], true);

    let mut again = TestClient::v1(&app, "pg@example.com", "other");
    again.create(false).await.err(400, 101);
    old.session_post("/v1/session/destroy", &json!({}))
        .await
        .ok();
    old.session_get("/v1/session/status").await.err(401, 110);

    let body = json!({"email": c.email, "authPW": c.auth_pw()});
    app.post("/v1/account/destroy", &body).await.ok();
    c.login(false).await.err(400, 102);
}

#[tokio::test]
async fn account_happy_path_on_postgres() {
    let Some(schema) = PgSchema::create().await else {
        return;
    };
    // Run as a task so that a failure still drops the schema.
    let outcome = tokio::spawn(happy_path(schema.url.clone())).await;
    schema.drop_now().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Two servers on one database and one server secret (here one data folder), each
/// with its session cache on (the default): a session destroyed through A is refused
/// by B's very next request, although B had just served it from its cache.
async fn a_destroy_on_one_node_is_seen_by_the_next_request_on_another(database_url: String) {
    let shared = tempfile::tempdir().unwrap();
    let options = || Options {
        database_url: Some(database_url.clone()),
        ..Options::in_dir(shared.path())
    };
    let a = spawn_with(options()).await;
    let b = spawn_with(options()).await;
    let mut c = TestClient::v2(&a, "nodes@example.com", "pw");
    c.create(false).await.ok();
    let status = "/v1/session/status";
    let kind = TokenKind::Session;
    for round in 0..40 {
        c.login(false).await.ok();
        let token = c.session_token.clone();
        for _ in 0..2 {
            let r = b
                .call(Scheme::Hawk, Method::GET, status, &token, kind, None)
                .await;
            assert_eq!(r.status, 200, "round {round}: {:?}", r.body);
        }
        let destroy = "/v1/session/destroy";
        let body = json!({});
        a.call(
            Scheme::Hawk,
            Method::POST,
            destroy,
            &token,
            kind,
            Some(&body),
        )
        .await
        .ok();
        let r = b
            .call(Scheme::Hawk, Method::GET, status, &token, kind, None)
            .await;
        assert_eq!(
            (r.status, &r.body["errno"]),
            (401, &json!(110)),
            "round {round}"
        );
    }
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn two_nodes_on_postgres_read_each_others_writes() {
    let Some(schema) = PgSchema::create().await else {
        return;
    };
    let run = a_destroy_on_one_node_is_seen_by_the_next_request_on_another(schema.url.clone());
    let outcome = tokio::spawn(run).await;
    schema.drop_now().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
