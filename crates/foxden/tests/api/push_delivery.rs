//! The push worker against a plain-HTTP push service on loopback (foxden's own
//! decryption checks the bodies; `push_receiver.rs` does it with `http_ece` over
//! HTTPS): 201 delivered once, 410 calls the hook and drops the endpoint's queue,
//! 503/429 retried (`Retry-After` honoured), another 4xx given up, a host that
//! is not an allowed push server never contacted (`kill -9`: `push_crash.rs`).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_lc_rs::agreement::{PrivateKey, ECDH_P256};
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use foxden::push::{EndpointGone, Message, PushTarget};
use foxden_db::ops::PushQueue;

use crate::helpers::{spawn_with, Options, TestApp};

/// RFC 8291 Appendix A's subscriber keys.
pub const UA_PRIVATE: &str = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
pub const UA_PUBLIC: &str =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
pub const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";

#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Seen {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The decrypted JSON payload (RFC 8291 test keys).
    pub fn payload(&self) -> serde_json::Value {
        let ua =
            PrivateKey::from_private_key(&ECDH_P256, &URL_SAFE_NO_PAD.decode(UA_PRIVATE).unwrap())
                .unwrap();
        let auth = URL_SAFE_NO_PAD.decode(AUTH).unwrap();
        let plain = foxden::push::ece::decrypt(&ua, &auth, &self.body).unwrap();
        serde_json::from_slice(&plain).unwrap()
    }
}

/// A status and its `Retry-After`.
type Answer = (u16, Option<&'static str>);

/// A push service that records each POST and answers from a per-path script
/// (then `default_status`).
#[derive(Clone, Default)]
pub struct Receiver {
    pub seen: Arc<Mutex<Vec<Seen>>>,
    script: Arc<Mutex<HashMap<String, VecDeque<Answer>>>>,
    default_status: Arc<Mutex<Answer>>,
    pub base: String,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let mut receiver = Receiver::default();
        *receiver.default_status.lock().unwrap() = (201, None);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        receiver.base = format!("http://{}", listener.local_addr().unwrap());
        let state = receiver.clone();
        let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: Bytes| {
            let state = state.clone();
            async move {
                let path = uri.path().to_string();
                let (status, retry_after) = state
                    .script
                    .lock()
                    .unwrap()
                    .get_mut(&path)
                    .and_then(VecDeque::pop_front)
                    .unwrap_or(*state.default_status.lock().unwrap());
                state.seen.lock().unwrap().push(Seen {
                    path,
                    status,
                    headers,
                    body: body.to_vec(),
                    at: Instant::now(),
                });
                let mut response = axum::http::Response::builder().status(status);
                if let Some(after) = retry_after {
                    response = response.header("Retry-After", after);
                }
                response.body(axum::body::Body::empty()).unwrap()
            }
        });
        tokio::spawn(async move { axum::serve(listener, app).await });
        receiver
    }

    pub fn answer(&self, path: &str, statuses: &[Answer]) {
        self.script
            .lock()
            .unwrap()
            .insert(path.into(), statuses.iter().copied().collect());
    }

    pub fn set_default(&self, status: StatusCode, retry_after: Option<&'static str>) {
        *self.default_status.lock().unwrap() = (status.as_u16(), retry_after);
    }

    pub fn to(&self, path: &str) -> Vec<Seen> {
        let seen = self.seen.lock().unwrap();
        seen.iter().filter(|s| s.path == path).cloned().collect()
    }

    pub fn all(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The allowed push servers: this receiver only.
    pub fn allowed(&self) -> regex::Regex {
        regex::Regex::new(&format!("^{}/", regex::escape(&self.base))).unwrap()
    }
}

/// What a test sets up for the push worker (see `helpers::Options::push`).
pub struct PushSetup {
    /// `FOXDEN_PUBLIC_URL`; unset → `http://<listen>`.
    pub public_url: Option<String>,
    /// `FOXDEN_PUSH_CA_FILE`.
    pub ca_file: Option<std::path::PathBuf>,
    /// `FOXDEN_PUSH_RETRY_MS`.
    pub retry_ms: i64,
    /// The allowed push servers and the endpoint-gone hook.
    pub hooks: Option<(regex::Regex, Arc<dyn EndpointGone>)>,
}

impl Default for PushSetup {
    fn default() -> Self {
        PushSetup {
            public_url: None,
            ca_file: None,
            retry_ms: 30_000,
            hooks: None,
        }
    }
}

impl PushSetup {
    /// Retries after 50 ms, to `allowed` only, endpoint-gone calls to `gone`.
    pub fn to(allowed: regex::Regex, gone: Arc<dyn EndpointGone>) -> Self {
        PushSetup {
            retry_ms: 50,
            hooks: Some((allowed, gone)),
            ..PushSetup::default()
        }
    }
}

/// Records the endpoint-gone calls.
#[derive(Default)]
pub struct GoneLog(pub Mutex<Vec<GoneCall>>);

/// (uid, device id, endpoint) of one endpoint-gone call.
pub type GoneCall = ([u8; 16], [u8; 16], String);

#[async_trait]
impl EndpointGone for GoneLog {
    async fn endpoint_gone(&self, uid: [u8; 16], device_id: [u8; 16], endpoint: &str) {
        self.0
            .lock()
            .unwrap()
            .push((uid, device_id, endpoint.into()));
    }
}

pub fn target(uid: [u8; 16], endpoint: String) -> PushTarget {
    PushTarget {
        uid,
        device_id: foxden_crypto::random::bytes(),
        callback: Some(endpoint),
        public_key: Some(UA_PUBLIC.into()),
        auth_key: Some(AUTH.into()),
    }
}

/// Queues `message` for `targets` in one transaction and wakes the worker.
pub async fn enqueue(
    app: &TestApp,
    targets: &[PushTarget],
    message: &Message,
    allowed: &regex::Regex,
) -> usize {
    let tx = app.db.begin().await.unwrap();
    let n = app
        .state
        .push
        .enqueue(&tx, targets, message, allowed, foxden::clock::now_ms())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    app.state.push.wake();
    n
}

/// Polls `done` every 20 ms for up to 20 s.
pub async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(20), "never: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn queue_is_empty(app: &TestApp) {
    let start = Instant::now();
    while app.db.push_queue_depth().await.unwrap() > 0 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the push queue never drained"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn app_for(receiver: &Receiver, gone: Arc<GoneLog>) -> TestApp {
    spawn_with(Options {
        push: Some(PushSetup::to(receiver.allowed(), gone)),
        ..Options::default()
    })
    .await
}

#[tokio::test]
async fn a_push_goes_once_encrypted_with_vapid_and_its_ttl() {
    let receiver = Receiver::start().await;
    let app = app_for(&receiver, Arc::default()).await;
    let uid = [3; 16];
    let message = Message::DeviceDisconnected {
        device_id: "ab".repeat(16),
    };
    let targets = [target(uid, format!("{}/wpush/one", receiver.base))];
    assert_eq!(
        enqueue(&app, &targets, &message, &receiver.allowed()).await,
        1
    );
    until("delivered", || receiver.to("/wpush/one").len() == 1).await;
    queue_is_empty(&app).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let seen = receiver.all();
    assert_eq!(seen.len(), 1, "once");
    let push = &seen[0];
    assert_eq!(push.header("TTL"), "18000");
    assert_eq!(push.header("Content-Encoding"), "aes128gcm");
    assert_eq!(
        push.payload(),
        serde_json::json!({"version": 1, "command": "fxaccounts:device_disconnected", "data": {"id": "ab".repeat(16)}})
    );
    let auth = push.header("Authorization");
    let (jwt, k) = auth
        .strip_prefix("vapid t=")
        .unwrap()
        .split_once(", k=")
        .unwrap();
    assert_eq!(k, app.state.push_sender.vapid().public_key());
    let parts: Vec<&str> = jwt.split('.').collect();
    aws_lc_rs::signature::UnparsedPublicKey::new(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED,
        URL_SAFE_NO_PAD.decode(k).unwrap(),
    )
    .verify(
        format!("{}.{}", parts[0], parts[1]).as_bytes(),
        &URL_SAFE_NO_PAD.decode(parts[2]).unwrap(),
    )
    .expect("the VAPID JWT verifies under k");
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(claims["aud"], receiver.base);
    let exp = claims["exp"].as_i64().unwrap();
    let now = foxden::clock::now_ms() / 1000;
    assert!((now..=now + 24 * 3600).contains(&exp), "{claims}");
    assert!(
        claims.get("sub").is_none(),
        "an http public URL is no subject"
    );
}

#[tokio::test]
async fn an_empty_push_has_no_body_and_reaches_keyless_devices() {
    let receiver = Receiver::start().await;
    let app = app_for(&receiver, Arc::default()).await;
    let keyless = PushTarget {
        public_key: None,
        auth_key: None,
        ..target([4; 16], format!("{}/wpush/keyless", receiver.base))
    };
    let allowed = receiver.allowed();
    assert_eq!(
        enqueue(
            &app,
            std::slice::from_ref(&keyless),
            &Message::PasswordReset,
            &allowed
        )
        .await,
        0
    );
    let empty = Message::Empty(foxden::push::EmptyReason::AccountVerify);
    assert_eq!(enqueue(&app, &[keyless], &empty, &allowed).await, 1);
    until("delivered", || receiver.all().len() == 1).await;
    let push = &receiver.all()[0];
    assert_eq!((push.header("TTL"), push.body.len()), ("0", 0));
    assert_eq!(push.header("Content-Encoding"), "");
    assert!(push.header("Authorization").starts_with("vapid t="));
}

#[tokio::test]
async fn gone_410_calls_the_hook_once_and_drops_what_was_queued_for_it() {
    let receiver = Receiver::start().await;
    let gone = Arc::new(GoneLog::default());
    let app = app_for(&receiver, gone.clone()).await;
    let uid = [5; 16];
    let dead = target(uid, format!("{}/wpush/dead", receiver.base));
    let alive = target(uid, format!("{}/wpush/alive", receiver.base));
    receiver.answer("/wpush/dead", &[(410, None)]);
    let allowed = receiver.allowed();
    enqueue(
        &app,
        &[dead.clone(), alive],
        &Message::PasswordChanged,
        &allowed,
    )
    .await;
    until("the hook was called", || !gone.0.lock().unwrap().is_empty()).await;
    queue_is_empty(&app).await;
    let calls = gone.0.lock().unwrap().clone();
    assert_eq!(
        calls,
        [(uid, dead.device_id, dead.callback.clone().unwrap())]
    );
    assert_eq!(receiver.to("/wpush/dead").len(), 1, "a 410 is not retried");
    assert_eq!(receiver.to("/wpush/alive").len(), 1);
    // 404 means gone too; so does a stored key that is no P-256 point (never sent).
    receiver.answer("/wpush/dead404", &[(404, None)]);
    let bad_key = PushTarget {
        public_key: Some(URL_SAFE_NO_PAD.encode([4u8; 65])),
        ..target(uid, format!("{}/wpush/badkey", receiver.base))
    };
    let dead404 = target(uid, format!("{}/wpush/dead404", receiver.base));
    enqueue(
        &app,
        &[dead404, bad_key],
        &Message::ProfileUpdated,
        &allowed,
    )
    .await;
    until("both hooks", || gone.0.lock().unwrap().len() == 3).await;
    assert!(receiver.to("/wpush/badkey").is_empty());
}

#[tokio::test]
async fn busy_503_and_429_are_retried_with_backoff_and_retry_after() {
    let receiver = Receiver::start().await;
    let app = app_for(&receiver, Arc::default()).await;
    receiver.answer("/wpush/busy", &[(503, None), (500, None)]);
    receiver.answer("/wpush/limited", &[(429, Some("1"))]);
    let uid = [6; 16];
    let targets = [
        target(uid, format!("{}/wpush/busy", receiver.base)),
        target(uid, format!("{}/wpush/limited", receiver.base)),
    ];
    let started = Instant::now();
    enqueue(
        &app,
        &targets,
        &Message::PasswordChanged,
        &receiver.allowed(),
    )
    .await;
    until("busy delivered", || receiver.to("/wpush/busy").len() == 3).await;
    until("limited delivered", || {
        receiver.to("/wpush/limited").len() == 2
    })
    .await;
    queue_is_empty(&app).await;
    let busy = receiver.to("/wpush/busy");
    assert_eq!(
        busy.iter().map(|s| s.status).collect::<Vec<_>>(),
        [503, 500, 201]
    );
    assert!(
        busy[2].at - busy[1].at >= Duration::from_millis(90),
        "backoff doubles"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    let limited = receiver.to("/wpush/limited");
    assert!(
        limited[1].at - limited[0].at >= Duration::from_millis(950),
        "Retry-After: 1"
    );
    for seen in busy.iter().chain(&limited) {
        assert_eq!(seen.payload()["command"], "fxaccounts:password_changed");
    }
}

#[tokio::test]
async fn another_4xx_is_given_up_after_one_try() {
    let receiver = Receiver::start().await;
    let app = app_for(&receiver, Arc::default()).await;
    receiver.answer("/wpush/refused", &[(400, None), (400, None)]);
    let targets = [target([7; 16], format!("{}/wpush/refused", receiver.base))];
    enqueue(
        &app,
        &targets,
        &Message::PasswordChanged,
        &receiver.allowed(),
    )
    .await;
    queue_is_empty(&app).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.to("/wpush/refused").len(), 1);
}

#[tokio::test]
async fn a_host_that_is_not_an_allowed_push_server_is_never_contacted() {
    let allowed_receiver = Receiver::start().await;
    let other = Receiver::start().await;
    let app = app_for(&allowed_receiver, Arc::default()).await;
    let uid = [8; 16];
    let elsewhere = target(uid, format!("{}/wpush/x", other.base));
    // The enqueue checks the allowed servers…
    assert_eq!(
        enqueue(
            &app,
            std::slice::from_ref(&elsewhere),
            &Message::PasswordChanged,
            &allowed_receiver.allowed()
        )
        .await,
        0
    );
    // …and so does the worker, whatever was queued (here with a looser regex, as
    // after a setting was narrowed).
    let anything = regex::Regex::new("^http://").unwrap();
    assert_eq!(
        enqueue(&app, &[elsewhere], &Message::PasswordChanged, &anything).await,
        1
    );
    // Userinfo and lookalike hosts do not pass an anchored regex either.
    let tricks = [
        format!(
            "{}@{}/wpush/x",
            allowed_receiver.base,
            other.base.trim_start_matches("http://")
        ),
        format!("{}.evil/wpush/x", allowed_receiver.base),
    ];
    for trick in tricks {
        let t = target(uid, trick);
        enqueue(&app, &[t], &Message::PasswordChanged, &anything).await;
    }
    queue_is_empty(&app).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(other.all().is_empty(), "{:?}", other.all());
    assert!(allowed_receiver.all().is_empty());
}
