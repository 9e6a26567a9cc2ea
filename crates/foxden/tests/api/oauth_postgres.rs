//! Firefox's OAuth sign-in against PostgreSQL, when `FOXDEN_TEST_POSTGRES_URL` is
//! set: code (claimed by concurrent requests, one wins), refresh, credentials,
//! destroy, and the account's grants going with the account.

use serde_json::json;

use crate::helpers::{spawn_with, Options, PgSchema, Resp};
use crate::oauth::*;
use crate::oauth_token::token;

async fn firefox_flow(database_url: String) {
    let app = spawn_with(Options {
        database_url: Some(database_url),
        ..Options::default()
    })
    .await;
    let c = signed_in(&app, "pg-oauth@example.com").await;
    app.get(&format!("/v1/oauth/client/{FIREFOX}")).await.ok();
    let code = firefox_code(&c, &format!("profile {OLDSYNC}")).await;
    let body = json!({"client_id": FIREFOX, "code": code, "code_verifier": VERIFIER});
    let claims: Vec<_> = (0..4)
        .map(|_| {
            let (http, url, body) = (app.http.clone(), app.url("/v1/oauth/token"), body.clone());
            tokio::spawn(async move {
                Resp::read(http.post(url).json(&body).send().await.unwrap()).await
            })
        })
        .collect();
    let mut won = Vec::new();
    for claim in claims {
        let r = claim.await.unwrap();
        if r.status == 200 {
            won.push(r);
        } else {
            r.err(400, 172);
        }
    }
    assert_eq!(won.len(), 1);
    let refresh_token = won[0].str("refresh_token");
    assert_eq!(won[0].str("keys_jwe"), JWE);
    let refresh = json!({"client_id": FIREFOX, "grant_type": "refresh_token",
        "refresh_token": refresh_token});
    token(&app, &refresh).await.ok();
    let sync = json!({"client_id": FIREFOX, "grant_type": "fxa-credentials", "scope": OLDSYNC});
    c.session_post("/v1/oauth/token", &sync).await.ok();
    let key_data = json!({"client_id": FIREFOX, "scope": OLDSYNC});
    c.session_post("/v1/account/scoped-key-data", &key_data)
        .await
        .ok();
    let destroy = json!({"client_id": FIREFOX, "token": refresh_token});
    app.post("/v1/oauth/destroy", &destroy).await.ok();
    token(&app, &refresh).await.err(401, 110);
}

#[tokio::test]
async fn firefox_oauth_flow_on_postgres() {
    let Some(schema) = PgSchema::create().await else {
        return;
    };
    // Run as a task so that a failure still drops the schema.
    let outcome = tokio::spawn(firefox_flow(schema.url.clone())).await;
    schema.drop_now().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
