//! The HTTP envelope: `Timestamp` headers, JSON 404/405, body errors, utility
//! and Dockerflow routes.

use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::client::now_secs;
use crate::helpers::{spawn_app, Resp, TestApp};

#[track_caller]
fn assert_timestamp(r: &Resp) {
    let ts: i64 = r
        .headers
        .get("timestamp")
        .unwrap_or_else(|| panic!("no Timestamp header (status {})", r.status))
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((ts - now_secs()).abs() <= 5);
}

#[track_caller]
fn assert_json_error(r: &Resp, status: u16, errno: i64) {
    r.err(status, errno);
    assert_eq!(r.body["code"], status);
    assert!(r.body["error"].is_string());
    assert!(r.body["message"].is_string());
    let ct = r.headers.get("content-type").unwrap().to_str().unwrap();
    assert!(ct.starts_with("application/json"), "{ct}");
    assert_timestamp(r);
}

#[tokio::test]
async fn every_response_has_a_timestamp() {
    let app = spawn_app().await;
    let ok = app.get("/__lbheartbeat__").await.ok();
    assert_timestamp(&ok);
    let bad = app.post("/v1/account/login", &json!({"email": "x"})).await;
    assert_timestamp(&bad);
    let unauth = app.get("/v1/session/status").await;
    assert_json_error(&unauth, 401, 110);
}

#[tokio::test]
async fn unknown_route_is_json_404() {
    let app = spawn_app().await;
    for path in [
        "/v1/nope",
        "/nope",
        "/v1/account/create/extra",
        "/v2/account/create",
    ] {
        let r = app.get(path).await;
        assert_json_error(&r, 404, 999);
    }
}

#[tokio::test]
async fn wrong_method_is_json_405() {
    let app = spawn_app().await;
    let r = app.get("/v1/account/create").await;
    assert_json_error(&r, 405, 999);
    let r = app
        .send(Method::DELETE, "/v1/session/status", None, None)
        .await;
    assert_json_error(&r, 405, 999);
    let r = app.post("/__heartbeat__", &json!({})).await;
    assert_json_error(&r, 405, 999);
}

#[tokio::test]
async fn invalid_json_is_106() {
    let app = spawn_app().await;
    for body in [&b"{"[..], b"not json", b"{\"email\": }"] {
        let r = app
            .send(
                Method::POST,
                "/v1/account/create",
                None,
                Some(body.to_vec()),
            )
            .await;
        assert_json_error(&r, 400, 106);
    }
    // A JSON value that is not an object is a validation error.
    let r = app.post("/v1/account/create", &json!([1, 2])).await;
    assert_json_error(&r, 400, 107);
}

#[tokio::test]
async fn oversized_body_is_413() {
    let app = spawn_app().await;
    let big = json!({"email": "big@example.com", "authPW": "00".repeat(32), "pad": "x".repeat(17 * 1024)});
    let r = app.post("/v1/account/create", &big).await;
    assert_json_error(&r, 413, 113);
    // Just under the limit is parsed normally (and fails validation instead).
    let fits = json!({"email": "fits@example.com", "authPW": "zz", "pad": "x".repeat(15 * 1024)});
    let r = app.post("/v1/account/create", &fits).await;
    assert_json_error(&r, 400, 107);
}

async fn raw_http(app: &TestApp, request: &str) -> String {
    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn post_without_content_length_is_411() {
    let app = spawn_app().await;
    let host = app.base.trim_start_matches("http://").to_string();
    let reply = raw_http(
        &app,
        &format!(
            "POST /v1/account/login HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
        ),
    )
    .await;
    assert!(reply.starts_with("HTTP/1.1 411"), "{reply}");
    assert!(reply.contains("\"errno\":112"), "{reply}");
    assert!(
        reply.to_ascii_lowercase().contains("\r\ntimestamp: "),
        "{reply}"
    );
    // Chunked bodies carry no length either.
    let reply = raw_http(
        &app,
        &format!(
            "POST /v1/account/status HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{{}}\r\n0\r\n\r\n"
        ),
    )
    .await;
    assert!(reply.starts_with("HTTP/1.1 411"), "{reply}");
    // An explicit zero length is an empty (optional) payload.
    let reply = raw_http(
        &app,
        &format!(
            "POST /v1/get_random_bytes HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ),
    )
    .await;
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    // A GET needs no length.
    let reply = raw_http(
        &app,
        &format!("GET /__lbheartbeat__ HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
}

#[tokio::test]
async fn get_random_bytes() {
    let app = spawn_app().await;
    let a = app.post("/v1/get_random_bytes", &json!({})).await.ok();
    let b = app.post("/v1/get_random_bytes", &json!({})).await.ok();
    let (a, b) = (a.str("data"), b.str("data"));
    assert_eq!(a.len(), 64);
    assert!(hex::decode(&a).is_ok());
    assert_ne!(a, b);
}

#[tokio::test]
async fn dockerflow_endpoints() {
    let app = spawn_app().await;
    let r = app.get("/__heartbeat__").await.ok();
    assert_eq!(r.body["status"], "ok");
    let r = app.get("/__lbheartbeat__").await.ok();
    assert_eq!(r.body, json!({}));
    let r = app.get("/__version__").await.ok();
    assert!(r.body["version"].is_string());
    assert!(r.body["commit"].is_string());
    let r = app.get("/").await.ok();
    assert!(r.body["version"].is_string());
}

/// `/__version__` names the commit the binary was built from (see build.rs).
#[tokio::test]
async fn version_reports_the_build_commit() {
    let head = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string());
    let expected = head
        .or_else(|| option_env!("FOXDEN_COMMIT").map(str::to_string))
        .unwrap_or_else(|| "unknown".into());
    let app = spawn_app().await;
    let r = app.get("/__version__").await.ok();
    assert_eq!(r.body["commit"], expected.as_str());
}

#[tokio::test]
async fn cors_exposes_timestamp() {
    let app = spawn_app().await;
    let r = app
        .http
        .get(app.url("/__lbheartbeat__"))
        .header("Origin", "https://example.org")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let exposed = r.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("timestamp"), "{exposed}");
}
