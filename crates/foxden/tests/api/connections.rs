//! Connection limits: slow heads, short bodies and idle keep-alive connections
//! are dropped after their timeouts, and a flood of stalled connections beyond
//! the cap does not stop heartbeats or sign-ins (issue #7, item 2).

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::client::TestClient;
use crate::helpers::{spawn_with, Options, TestApp};

/// Generous bound for anything the server should do "soon".
const SOON: Duration = Duration::from_secs(10);

fn with_timeouts(header_ms: u64, body_ms: u64, idle_ms: u64) -> Options {
    Options {
        header_read_timeout_ms: header_ms,
        body_read_timeout_ms: body_ms,
        idle_timeout_ms: idle_ms,
        ..Options::default()
    }
}

async fn connect(app: &TestApp) -> TcpStream {
    let addr = app.base.trim_start_matches("http://");
    TcpStream::connect(addr).await.expect("connect")
}

fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: foxden.test\r\n\r\n")
}

/// Reads one response; `None` when the server closes first.
async fn read_response(stream: &mut TcpStream) -> Option<(u16, String, String)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_lowercase();
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map(|v| v.trim().parse().unwrap())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body = String::from_utf8_lossy(&buf[head_end..head_end + length]).to_string();
    Some((status, head, body))
}

/// Waits (at most [`SOON`]) for the server to close; returns how long it took.
async fn closed_by_server(stream: &mut TcpStream) -> Duration {
    let start = Instant::now();
    let mut sink = [0u8; 1024];
    let closed = tokio::time::timeout(SOON, async {
        loop {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the server kept the connection open");
    start.elapsed()
}

/// Whether the server has closed this connection (without waiting).
fn is_closed(stream: &TcpStream) -> bool {
    let mut sink = [0u8; 1024];
    loop {
        match stream.try_read(&mut sink) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return false,
            Err(_) => return true,
        }
    }
}

async fn heartbeat(app: &TestApp) -> u16 {
    let client = reqwest::Client::builder().timeout(SOON).build().unwrap();
    let r = client
        .get(format!("{}/__lbheartbeat__", app.base))
        .send()
        .await
        .expect("heartbeat answered");
    r.status().as_u16()
}

#[tokio::test]
async fn partial_or_missing_headers_are_dropped_after_the_header_timeout() {
    let app = spawn_with(with_timeouts(300, 30_000, 30_000)).await;

    let partial = async {
        let mut s = connect(&app).await;
        s.write_all(b"GET /__lbheartbeat__ HTTP/1.1\r\nHost: foxden.test\r\n")
            .await
            .unwrap();
        closed_by_server(&mut s).await
    };
    let silent = async {
        let mut s = connect(&app).await;
        closed_by_server(&mut s).await
    };
    // A byte every 50 ms does not keep a head alive: the timeout is for the whole head.
    let trickle = async {
        let s = connect(&app).await;
        let (mut read, mut write) = s.into_split();
        let writer = tokio::spawn(async move {
            let _ = write.write_all(b"GET / HTTP/1.1\r\nX-Slow: ").await;
            while write.write_all(b"a").await.is_ok() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
        let start = Instant::now();
        let mut sink = [0u8; 64];
        let closed = tokio::time::timeout(SOON, async {
            while let Ok(n) = read.read(&mut sink).await {
                if n == 0 {
                    break;
                }
            }
        })
        .await;
        writer.abort();
        assert!(closed.is_ok(), "a trickled head kept the connection open");
        start.elapsed()
    };
    let complete = async {
        let mut s = connect(&app).await;
        s.write_all(get("/__lbheartbeat__").as_bytes())
            .await
            .unwrap();
        read_response(&mut s).await.map(|(status, ..)| status)
    };
    let (partial, silent, trickle, complete) = tokio::join!(partial, silent, trickle, complete);
    for waited in [partial, silent, trickle] {
        assert!(
            waited >= Duration::from_millis(250),
            "closed early: {waited:?}"
        );
    }
    assert_eq!(complete, Some(200));
}

#[tokio::test]
async fn a_body_shorter_than_its_content_length_gets_408_after_the_body_timeout() {
    // The head timeout is shorter than the body timeout: it stops once the head is in.
    let app = spawn_with(with_timeouts(200, 800, 30_000)).await;

    let mut s = connect(&app).await;
    let start = Instant::now();
    s.write_all(
        b"POST /v1/account/status HTTP/1.1\r\nHost: foxden.test\r\n\
          Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\":",
    )
    .await
    .unwrap();
    let answered = tokio::time::timeout(SOON, read_response(&mut s))
        .await
        .expect("answered before the test gave up");
    let (status, head, body) = answered.expect("a response, not a bare close");
    assert!(start.elapsed() >= Duration::from_millis(700));
    assert_eq!(status, 408, "{body}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (body["code"].as_i64(), body["errno"].as_i64()),
        (Some(408), Some(999))
    );
    assert!(head.contains("connection: close"), "{head}");
    closed_by_server(&mut s).await;

    // A body that arrives in pieces within the timeout is served normally.
    let mut s = connect(&app).await;
    s.write_all(
        b"POST /v1/account/status HTTP/1.1\r\nHost: foxden.test\r\n\
          Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{",
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    s.write_all(b"}").await.unwrap();
    let (status, _, body) = read_response(&mut s).await.expect("answered");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("\"errno\":108"), "{body}");
    s.write_all(get("/__lbheartbeat__").as_bytes())
        .await
        .unwrap();
    assert_eq!(
        read_response(&mut s).await.map(|r| r.0),
        Some(200),
        "kept alive"
    );
}

#[tokio::test]
async fn idle_keep_alive_connections_close_while_active_ones_keep_working() {
    let app = spawn_with(with_timeouts(5_000, 30_000, 500)).await;

    let idle = async {
        let mut s = connect(&app).await;
        s.write_all(get("/__lbheartbeat__").as_bytes())
            .await
            .unwrap();
        assert_eq!(read_response(&mut s).await.map(|r| r.0), Some(200));
        closed_by_server(&mut s).await
    };
    // One request every 150 ms for 2.25 s (4.5 idle timeouts) on one connection.
    let active = async {
        let mut s = connect(&app).await;
        for _ in 0..15 {
            s.write_all(get("/__lbheartbeat__").as_bytes())
                .await
                .unwrap();
            assert_eq!(read_response(&mut s).await.map(|r| r.0), Some(200));
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        s.write_all(get("/__version__").as_bytes()).await.unwrap();
        read_response(&mut s).await.map(|r| r.0)
    };
    let (idle, active) = tokio::join!(idle, active);
    assert!(idle >= Duration::from_millis(400), "closed early: {idle:?}");
    assert_eq!(active, Some(200), "the active connection was closed");
}

/// One stalled connection of four kinds: a partial head, nothing at all, idle
/// after a request, or a body shorter than its Content-Length.
async fn stalled_connection(app: &TestApp, kind: usize) -> TcpStream {
    let mut s = connect(app).await;
    let bytes: &[u8] = match kind % 4 {
        0 => b"GET /__lbheartbeat__ HTTP/1.1\r\nHost: foxden.test\r\nX-Slow: ",
        1 => b"",
        2 => b"GET /__lbheartbeat__ HTTP/1.1\r\nHost: foxden.test\r\n\r\n",
        _ => {
            b"POST /v1/account/status HTTP/1.1\r\nHost: foxden.test\r\n\
               Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
        }
    };
    s.write_all(bytes).await.unwrap();
    s
}

async fn flood(app: &TestApp, count: usize, from: usize) -> Vec<TcpStream> {
    let mut streams = Vec::with_capacity(count);
    for i in from..from + count {
        streams.push(stalled_connection(app, i).await);
    }
    streams
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_stalled_connections_does_not_stop_heartbeats_or_sign_ins() {
    const CAP: usize = 100;
    const WAVE: usize = 1500;
    // Timeouts far beyond the test: only the cap can make room.
    let mut app = spawn_with(Options {
        max_connections: Some(CAP),
        ..with_timeouts(120_000, 120_000, 120_000)
    })
    .await;
    // A fresh connection per request, so that no pooled one is among the evicted.
    app.http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let mut account = TestClient::v1(&app, "flood@example.com", "a long password");
    account.create_verified(false).await;

    let mut held = flood(&app, WAVE, 0).await;
    assert_eq!(heartbeat(&app).await, 200, "heartbeat during the flood");
    // A sign-in while a second wave arrives.
    let mut signer = TestClient::v1(&app, "flood@example.com", "a long password");
    let (second, login) = tokio::join!(flood(&app, WAVE, WAVE), signer.login(false));
    login.ok();
    held.extend(second);
    assert_eq!(
        heartbeat(&app).await,
        200,
        "heartbeat after the second wave"
    );

    // The server holds at most CAP of them: the rest were closed to make room.
    let must_be_closed = 2 * WAVE - CAP - 10;
    let start = Instant::now();
    let closed = loop {
        let closed = held.iter().filter(|s| is_closed(s)).count();
        if closed >= must_be_closed || start.elapsed() > SOON {
            break closed;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        closed >= must_be_closed,
        "only {closed} of {} stalled connections were closed",
        2 * WAVE
    );

    // Afterwards the server is healthy: keep-alive works, sign-ins too.
    drop(held);
    assert_eq!(heartbeat(&app).await, 200);
    let mut s = connect(&app).await;
    for _ in 0..3 {
        s.write_all(get("/__lbheartbeat__").as_bytes())
            .await
            .unwrap();
        assert_eq!(read_response(&mut s).await.map(|r| r.0), Some(200));
    }
    signer.login(false).await.ok();
}

#[tokio::test]
async fn shutdown_finishes_the_request_in_progress_and_closes_idle_connections() {
    let app = spawn_with(Options::default()).await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut idle = connect(&app).await;
    idle.write_all(get("/__lbheartbeat__").as_bytes())
        .await
        .unwrap();
    assert_eq!(read_response(&mut idle).await.map(|r| r.0), Some(200));
    // A request in the handler, waiting for the rest of its body.
    let mut busy = connect(&app).await;
    busy.write_all(
        b"POST /v1/account/status HTTP/1.1\r\nHost: foxden.test\r\n\
          Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{",
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    let stopping = tokio::spawn(app.stop());
    // The idle connection closes at once (not after the 60 s idle timeout) and
    // no new connection is accepted.
    closed_by_server(&mut idle).await;
    assert!(TcpStream::connect(&addr).await.is_err(), "still accepting");
    assert!(
        !stopping.is_finished(),
        "stopped before the request finished"
    );
    busy.write_all(b"}").await.unwrap();
    let (status, head, body) = read_response(&mut busy).await.expect("answered");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("\"errno\":108"), "{body}");
    assert!(head.contains("connection: close"), "{head}");
    closed_by_server(&mut busy).await;
    tokio::time::timeout(SOON, stopping)
        .await
        .expect("stopped soon after its last request")
        .unwrap();
}
