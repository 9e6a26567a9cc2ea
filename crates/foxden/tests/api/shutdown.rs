//! `foxden serve` as a real process: it answers `healthcheck`, warns once about
//! forwarded headers from an untrusted peer, stops cleanly on
//! SIGTERM, and its log never carries a verification code or a full address.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use foxden_crypto::onepw;
use serde_json::json;

use crate::cli::{foxden, run};

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Waits up to `limit` for the child to exit.
async fn wait_exit(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

/// Kills the child if the test fails before it stops on its own.
struct Reaper(Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

#[tokio::test]
async fn serve_stops_cleanly_on_sigterm() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let listen = format!("127.0.0.1:{}", free_port());
    let base = format!("http://{listen}");
    let log_path = tmp.path().join("serve.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let with_env = |mut cmd: Command| {
        cmd.env("FOXDEN_LISTEN", &listen)
            .env("FOXDEN_PUBLIC_URL", &base)
            .env("FOXDEN_SCRYPT_WORKERS", "1");
        cmd
    };
    let healthcheck = || {
        let mut cmd = with_env(foxden(tmp.path(), &data));
        run(cmd.arg("healthcheck")).0.status
    };
    let child = with_env(foxden(tmp.path(), &data))
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("spawn foxden serve");
    let mut child = Reaper(child);

    let http = reqwest::Client::new();
    let start = Instant::now();
    loop {
        let up = http.get(format!("{base}/__lbheartbeat__")).send().await;
        if up.is_ok_and(|r| r.status() == 200) {
            break;
        }
        assert!(
            child.0.try_wait().unwrap().is_none(),
            "foxden serve exited early: {}",
            std::fs::read_to_string(&log_path).unwrap()
        );
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "server never came up"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(healthcheck().success());

    // One sign-up, so that the log has something to (not) say about it.
    let email = "Log.Check@example.com";
    let auth_pw = hex::encode(onepw::auth_pw(&onepw::quick_stretch_v1(
        "pw pw pw pw",
        email,
    )));
    let r = http
        .post(format!("{base}/v1/account/create"))
        .json(&json!({ "email": email, "authPW": auth_pw }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Forwarded headers from an untrusted peer (no FOXDEN_TRUSTED_PROXIES): ignored,
    // and said once in the log however often they come.
    for spoofed in ["6.6.6.6", "7.7.7.7"] {
        let r = http
            .post(format!("{base}/v1/account/status"))
            .header("X-Forwarded-For", spoofed)
            .json(&json!({ "email": "nobody@example.com" }))
            .send()
            .await
            .unwrap();
        assert!(r.status().as_u16() < 500, "{}", r.status());
    }

    let pid = child.0.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let status = wait_exit(&mut child.0, Duration::from_secs(10)).await;
    let log_text = std::fs::read_to_string(&log_path).unwrap();
    let status = status.unwrap_or_else(|| panic!("still running 10 s after SIGTERM: {log_text}"));
    assert_eq!(status.code(), Some(0), "{log_text}");
    assert!(log_text.contains("foxden stopped"), "{log_text}");
    let warnings = log_text.matches("not a trusted proxy").count();
    assert_eq!(
        warnings, 1,
        "one warning about untrusted forwarding: {log_text}"
    );
    assert!(!healthcheck().success());

    // The log names the outbox file, but no code and no full address.
    let outbox = data.join("outbox");
    let file = std::fs::read_dir(&outbox).unwrap().next().unwrap().unwrap();
    let mail = crate::helpers::parse_mail(&std::fs::read_to_string(file.path()).unwrap());
    let code = mail.header("X-Verify-Code");
    assert!(
        log_text.contains("mail written to the outbox"),
        "{log_text}"
    );
    for secret in [code, email, &email.to_lowercase(), &auth_pw] {
        assert!(
            !log_text.contains(secret),
            "log contains {secret}: {log_text}"
        );
    }
}
