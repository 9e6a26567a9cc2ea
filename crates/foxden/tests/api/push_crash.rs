//! `kill -9` of a server with pushes queued: after the restart each push goes
//! exactly once. The server is this test binary again (`push_child_process`),
//! so that it can be given a loopback push service as its allowed server.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use foxden::push::Message;

use crate::helpers::{spawn_with, Options};
use crate::push_delivery::{enqueue, target, until, GoneLog, PushSetup, Receiver};

const CHILD_DATA: &str = "PUSH_TEST_CHILD_DATA";
const CHILD_ALLOWED: &str = "PUSH_TEST_CHILD_ALLOWED";
const CHILD_ENQUEUE: &str = "PUSH_TEST_CHILD_ENQUEUE";
const PUSHES: usize = 6;

/// Not a test: the server process that `kill_9_…` runs (this test binary again)
/// and kills. It serves the given data folder with the given allowed servers,
/// queues [`PUSHES`] pushes if asked, and runs until it is killed.
#[tokio::test]
#[ignore = "run by kill_9_with_pushes_queued_loses_none_and_sends_none_twice"]
async fn push_child_process() {
    let Ok(data) = std::env::var(CHILD_DATA) else {
        return;
    };
    let allowed = regex::Regex::new(&std::env::var(CHILD_ALLOWED).unwrap()).unwrap();
    let app = spawn_with(Options {
        push: Some(PushSetup::to(allowed.clone(), Arc::new(GoneLog::default()))),
        ..Options::in_dir(std::path::Path::new(&data))
    })
    .await;
    if let Ok(endpoint) = std::env::var(CHILD_ENQUEUE) {
        let targets: Vec<_> = (0..PUSHES)
            .map(|_| target([9; 16], endpoint.clone()))
            .collect();
        for (index, t) in targets.iter().enumerate() {
            let message = Message::CommandReceived {
                command: "https://identity.mozilla.com/cmd/open-uri".into(),
                index: index as i64,
                sender: None,
                url: format!("https://fx.example/v1/account/device/commands?index={index}"),
                ttl_secs: None,
            };
            enqueue(&app, std::slice::from_ref(t), &message, &allowed).await;
        }
        println!("queued");
    }
    std::future::pending::<()>().await;
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn child(data: &std::path::Path, receiver: &Receiver, enqueue_to: Option<&str>) -> KillOnDrop {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "push_crash::push_child_process",
        "--exact",
        "--ignored",
        "--nocapture",
    ])
    .env(CHILD_DATA, data)
    .env(CHILD_ALLOWED, receiver.allowed().as_str())
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    if let Some(endpoint) = enqueue_to {
        cmd.env(CHILD_ENQUEUE, endpoint);
    }
    KillOnDrop(cmd.spawn().expect("spawn the child server"))
}

/// (queued rows, the fewest attempts among them, rows leased to a worker now).
fn queued_rows(data: &std::path::Path) -> (i64, i64, i64) {
    let Ok(db) = rusqlite::Connection::open_with_flags(
        data.join("foxden.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    ) else {
        return (-1, 0, 0);
    };
    let leased_after = foxden::clock::now_ms() + 30_000;
    db.query_row(
        "SELECT COUNT(*), COALESCE(MIN(attempts), 0), \
         COALESCE(SUM(CASE WHEN next_attempt_at > ?1 THEN 1 ELSE 0 END), 0) FROM push_queue",
        [leased_after],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .unwrap_or((-1, 0, 0))
}

#[tokio::test]
async fn kill_9_with_pushes_queued_loses_none_and_sends_none_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let receiver = Receiver::start().await;
    // The push service is down: every push is committed, fails its first try and
    // waits the 2 s it is told to. Killed then, no push is in a worker's hands
    // (a row in flight would wait out its lease, a minute, after the restart).
    receiver.set_default(StatusCode::SERVICE_UNAVAILABLE, Some("2"));
    let endpoint = format!("{}/wpush/crash", receiver.base);
    let down = child(&data, &receiver, Some(&endpoint));
    until("every push was tried", || {
        let (rows, fewest, leased) = queued_rows(&data);
        rows == PUSHES as i64 && fewest >= 1 && leased == 0
    })
    .await;
    drop(down); // SIGKILL: no shutdown of any kind
    assert_eq!(
        queued_rows(&data).0,
        PUSHES as i64,
        "the queue survived the kill"
    );

    receiver.set_default(StatusCode::CREATED, None);
    let up = child(&data, &receiver, None);
    until("the queue drained", || queued_rows(&data).0 == 0).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(up);
    let delivered: Vec<i64> = receiver
        .to("/wpush/crash")
        .iter()
        .filter(|s| s.status == 201)
        .map(|s| s.payload()["data"]["index"].as_i64().unwrap())
        .collect();
    let mut sorted = delivered.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        (0..PUSHES as i64).collect::<Vec<_>>(),
        "each once: {delivered:?}"
    );
}
