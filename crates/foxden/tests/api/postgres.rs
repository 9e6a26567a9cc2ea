//! The main account flow against PostgreSQL, when `FOXDEN_TEST_POSTGRES_URL` is set
//! (each run gets its own schema, dropped afterwards).

use serde_json::json;

use crate::client::TestClient;
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
