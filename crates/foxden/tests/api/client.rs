//! A client that behaves like a real FxA client: it stretches passwords (V1 or
//! V2), signs requests with Hawk or sends prefixed Bearer tokens, and unwraps kB
//! from `/account/keys`.

use foxden_crypto::hawk::{self, RequestParts};
use foxden_crypto::onepw;
use foxden_crypto::token::{derive, TokenKind};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{Resp, TestApp};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Hawk,
    Bearer,
}

fn token_bytes(token_hex: &str) -> [u8; 32] {
    let mut data = [0u8; 32];
    hex::decode_to_slice(token_hex, &mut data).expect("token is 64 hex");
    data
}

/// hex(tokenId) of a token as the server returned it.
pub fn token_id_hex(token_hex: &str, kind: TokenKind) -> String {
    hex::encode(derive(&token_bytes(token_hex), kind).id)
}

pub fn bearer(token_hex: &str, kind: TokenKind) -> String {
    format!(
        "Bearer {}{}",
        kind.bearer_prefix(),
        token_id_hex(token_hex, kind)
    )
}

/// A Hawk header for `method path` at time `ts`, with a payload hash when `body` is given.
pub fn hawk_header(
    app: &TestApp,
    token_hex: &str,
    kind: TokenKind,
    method: &str,
    path: &str,
    body: Option<&[u8]>,
    ts: i64,
) -> String {
    let derived = derive(&token_bytes(token_hex), kind);
    let port: u16 = app.base.rsplit(':').next().unwrap().parse().unwrap();
    let req = RequestParts {
        method,
        resource: path,
        host: "127.0.0.1",
        port,
    };
    let nonce = foxden_crypto::random::hex(6);
    hawk::client_header(
        &hex::encode(derived.id),
        &derived.auth_key,
        ts,
        &nonce,
        &req,
        body.map(|b| ("application/json", b)),
    )
}

pub fn now_secs() -> i64 {
    now_ms() / 1000
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

impl TestApp {
    /// A request authenticated with `token_hex` of `kind`, JSON body optional.
    pub async fn call(
        &self,
        scheme: Scheme,
        method: Method,
        path: &str,
        token_hex: &str,
        kind: TokenKind,
        body: Option<&Value>,
    ) -> Resp {
        let bytes = body.map(|b| serde_json::to_vec(b).unwrap());
        let auth = match scheme {
            Scheme::Bearer => bearer(token_hex, kind),
            Scheme::Hawk => hawk_header(
                self,
                token_hex,
                kind,
                method.as_str(),
                path,
                bytes.as_deref(),
                now_secs(),
            ),
        };
        self.send(method, path, Some(&auth), bytes).await
    }
}

pub struct TestClient<'a> {
    pub app: &'a TestApp,
    pub email: String,
    pub password: String,
    /// Some for a V2 client.
    pub client_salt: Option<String>,
    stretched_v1: [u8; 32],
    stretched_v2: Option<[u8; 32]>,
    /// The kB a V2 client chooses at sign-up.
    pub kb: [u8; 32],
    pub scheme: Scheme,
    pub uid: String,
    pub session_token: String,
    /// `(response field, token)`: `keyFetchToken` or `keyFetchTokenVersion2`.
    pub key_fetch: Option<(String, String)>,
}

impl<'a> TestClient<'a> {
    pub fn v1(app: &'a TestApp, email: &str, password: &str) -> Self {
        TestClient {
            app,
            email: email.into(),
            password: password.into(),
            client_salt: None,
            stretched_v1: onepw::quick_stretch_v1(password, email),
            stretched_v2: None,
            kb: foxden_crypto::random::bytes::<32>(),
            scheme: Scheme::Hawk,
            uid: String::new(),
            session_token: String::new(),
            key_fetch: None,
        }
    }

    pub fn v2(app: &'a TestApp, email: &str, password: &str) -> Self {
        let salt = onepw::new_client_salt();
        let mut client = Self::v1(app, email, password);
        client.stretched_v2 = Some(onepw::stretch_v2(password, &salt));
        client.client_salt = Some(salt);
        client
    }

    /// The same person on another device: same password and stretching, no tokens.
    pub fn another_device(&self) -> Self {
        TestClient {
            app: self.app,
            email: self.email.clone(),
            password: self.password.clone(),
            client_salt: self.client_salt.clone(),
            stretched_v1: self.stretched_v1,
            stretched_v2: self.stretched_v2,
            kb: self.kb,
            scheme: self.scheme,
            uid: self.uid.clone(),
            session_token: String::new(),
            key_fetch: None,
        }
    }

    /// An older (V1-only) client signing in to the same account.
    pub fn as_v1(&self) -> Self {
        let mut client = self.another_device();
        client.client_salt = None;
        client.stretched_v2 = None;
        client
    }

    pub fn auth_pw_v1(&self) -> String {
        hex::encode(onepw::auth_pw(&self.stretched_v1))
    }

    /// The authPW this client logs in with (V2 when it has a clientSalt).
    pub fn auth_pw(&self) -> String {
        match &self.stretched_v2 {
            Some(s) => hex::encode(onepw::auth_pw(s)),
            None => self.auth_pw_v1(),
        }
    }

    /// hex(wrapKb) that wraps `kb` under this client's V1 stretched password.
    pub fn wrap_kb_v1(&self, kb: &[u8; 32]) -> String {
        hex::encode(foxden_crypto::xor32(
            kb,
            &onepw::unwrap_bkey(&self.stretched_v1),
        ))
    }

    pub fn create_body(&self) -> Value {
        let mut body = json!({ "email": self.email, "authPW": self.auth_pw_v1() });
        if let (Some(salt), Some(s2)) = (&self.client_salt, &self.stretched_v2) {
            let wrap_v1 = foxden_crypto::xor32(&self.kb, &onepw::unwrap_bkey(&self.stretched_v1));
            let wrap_v2 = foxden_crypto::xor32(&self.kb, &onepw::unwrap_bkey(s2));
            body["authPWVersion2"] = json!(hex::encode(onepw::auth_pw(s2)));
            body["wrapKb"] = json!(hex::encode(wrap_v1));
            body["wrapKbVersion2"] = json!(hex::encode(wrap_v2));
            body["clientSalt"] = json!(salt);
        }
        body
    }

    /// Keeps uid, sessionToken and a keyFetchToken (V2 preferred) from a 200.
    fn absorb(&mut self, r: &Resp) {
        if r.status != 200 {
            return;
        }
        self.uid = r.str("uid");
        self.session_token = r.str("sessionToken");
        self.key_fetch = ["keyFetchTokenVersion2", "keyFetchToken"]
            .iter()
            .find_map(|f| r.body[*f].as_str().map(|t| (f.to_string(), t.to_string())));
    }

    fn keys_query(keys: bool) -> &'static str {
        if keys {
            "?keys=true"
        } else {
            ""
        }
    }

    pub async fn create(&mut self, keys: bool) -> Resp {
        let path = format!("/v1/account/create{}", Self::keys_query(keys));
        let r = self.app.post(&path, &self.create_body()).await;
        self.absorb(&r);
        r
    }

    /// `/account/create` with a query string and extra body fields.
    pub async fn create_with(&mut self, query: &str, extra: Value) -> Resp {
        let mut body = self.create_body();
        if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
            body.extend(extra);
        }
        let r = self
            .app
            .post(&format!("/v1/account/create{query}"), &body)
            .await;
        self.absorb(&r);
        r
    }

    pub async fn login(&mut self, keys: bool) -> Resp {
        let path = format!("/v1/account/login{}", Self::keys_query(keys));
        let body = json!({ "email": self.email, "authPW": self.auth_pw() });
        let r = self.app.post(&path, &body).await;
        self.absorb(&r);
        r
    }

    /// `/account/login` with a query string (e.g. `?keys=true`) and extra body fields.
    pub async fn login_with(&mut self, query: &str, extra: Value) -> Resp {
        let mut body = json!({ "email": self.email, "authPW": self.auth_pw() });
        if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
            body.extend(extra);
        }
        let r = self
            .app
            .post(&format!("/v1/account/login{query}"), &body)
            .await;
        self.absorb(&r);
        r
    }

    pub async fn session_get(&self, path: &str) -> Resp {
        let token = &self.session_token;
        let kind = TokenKind::Session;
        self.app
            .call(self.scheme, Method::GET, path, token, kind, None)
            .await
    }

    pub async fn session_post(&self, path: &str, body: &Value) -> Resp {
        let token = &self.session_token;
        let kind = TokenKind::Session;
        self.app
            .call(self.scheme, Method::POST, path, token, kind, Some(body))
            .await
    }

    /// `GET /account/keys` with the current keyFetchToken.
    pub async fn fetch_keys(&self) -> Resp {
        let (_, token) = self.key_fetch.as_ref().expect("no keyFetchToken");
        self.app
            .call(
                self.scheme,
                Method::GET,
                "/v1/account/keys",
                token,
                TokenKind::KeyFetch,
                None,
            )
            .await
    }

    /// Opens a `/account/keys` bundle and returns `(kA, kB)`.
    pub fn unwrap_keys(&self, r: &Resp) -> ([u8; 32], [u8; 32]) {
        let (field, token) = self.key_fetch.as_ref().expect("no keyFetchToken");
        let derived = derive(&token_bytes(token), TokenKind::KeyFetch);
        let sealed = hex::decode(r.str("bundle")).unwrap();
        let plain = foxden_crypto::bundle::open(
            &derived.bundle_key,
            foxden_crypto::bundle::KEYS_INFO,
            &sealed,
        )
        .expect("bundle MAC");
        assert_eq!(plain.len(), 64);
        let ka: [u8; 32] = plain[..32].try_into().unwrap();
        let wrap_kb: [u8; 32] = plain[32..].try_into().unwrap();
        let stretched = match field.as_str() {
            "keyFetchTokenVersion2" => self.stretched_v2.expect("V2 token for a V1 client"),
            _ => self.stretched_v1,
        };
        (
            ka,
            foxden_crypto::xor32(&wrap_kb, &onepw::unwrap_bkey(&stretched)),
        )
    }

    /// Fetches and unwraps the keys; panics unless the server answers 200.
    pub async fn keys(&self) -> ([u8; 32], [u8; 32]) {
        let r = self.fetch_keys().await.ok();
        self.unwrap_keys(&r)
    }

    /// Confirms with the code of the newest mail to this client (any template).
    pub async fn verify_from_mail(&self, expected_template: &str) -> Resp {
        let mail = self.app.last_mail(&self.email).await;
        assert_eq!(mail.template(), expected_template);
        let body = json!({ "uid": mail.header("X-Uid"), "code": mail.header("X-Verify-Code") });
        self.app.post("/v1/recovery_email/verify_code", &body).await
    }

    /// Creates an account and confirms its email.
    pub async fn create_verified(&mut self, keys: bool) {
        self.create(keys).await.ok();
        self.verify_from_mail("verify").await.ok();
    }
}
