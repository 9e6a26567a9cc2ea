//! Entry points for the fuzz targets in `fuzz/` (hidden; not an API). Each one calls
//! the very function the server uses on a request, so what is fuzzed is what serves:
//! `auth::presented` for the `Authorization` header, `extract::parse_json` (the
//! `ApiJson` extractor's parse-and-validate step) for the JSON bodies.

use axum::http::{header, HeaderValue, Request};
use foxden_crypto::hawk::HawkHeader;
use foxden_crypto::token::TokenKind;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::api::{
    account, account_status, browserid, emails, password, password_forgot, session, MailRequest,
};
use crate::auth::Presented;
use crate::error::ApiError;
use crate::extract::parse_json;

/// The credential an `Authorization` header presents to a route that takes a `kind`
/// token, before the token is looked up: the Hawk header (`None` for Bearer) and the
/// tokenId.
pub fn authorization(
    value: HeaderValue,
    kind: TokenKind,
) -> Result<(Option<HawkHeader>, [u8; 32]), ApiError> {
    let mut request = Request::new(());
    request.headers_mut().insert(header::AUTHORIZATION, value);
    let (parts, ()) = request.into_parts();
    Ok(match crate::auth::presented(&parts, kind)? {
        Presented::Bearer(token_id) => (None, token_id),
        Presented::Hawk(hawk, token_id) => (Some(hawk), token_id),
    })
}

type BodyCheck = fn(&[u8]) -> Result<(), ApiError>;

fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<(), ApiError> {
    parse_json::<T>(bytes).map(drop)
}

/// Every route that takes a JSON body, with the type its handler extracts through
/// `ApiJson`. Keep it in step with the handlers, and only append: the fuzz corpus
/// picks an entry by its index.
pub const ROUTE_BODIES: &[(&str, BodyCheck)] = &[
    ("/account/create", body::<account::CreateBody>),
    ("/account/login", body::<account::LoginBody>),
    ("/account/login/send_unblock_code", body::<MailRequest>),
    (
        "/account/login/reject_unblock_code",
        body::<account::RejectUnblockBody>,
    ),
    ("/account/status", body::<account_status::StatusBody>),
    (
        "/account/credentials/status",
        body::<account_status::EmailBody>,
    ),
    ("/account/destroy", body::<account_status::DestroyBody>),
    (
        "/recovery_email/verify_code",
        body::<emails::VerifyCodeBody>,
    ),
    ("/recovery_email/resend_code", body::<emails::ResendBody>),
    ("/password/change/start", body::<password::StartBody>),
    ("/password/change/finish", body::<password::FinishBody>),
    ("/password/forgot/send_code", body::<MailRequest>),
    ("/password/forgot/resend_code", body::<MailRequest>),
    (
        "/password/forgot/verify_code",
        body::<password_forgot::VerifyCodeBody>,
    ),
    (
        "/password/forgot/send_otp",
        body::<password_forgot::SendOtpBody>,
    ),
    (
        "/password/forgot/verify_otp",
        body::<password_forgot::VerifyOtpBody>,
    ),
    ("/account/reset", body::<password::ResetBody>),
    ("/session/duplicate", body::<session::DuplicateBody>),
    ("/session/reauth", body::<account::LoginBody>),
    ("/session/destroy", body::<session::DestroyBody>),
    ("/session/verify_code", body::<session::VerifyCodeBody>),
    ("/session/resend_code", body::<session::ResendCodeBody>),
    ("/certificate/sign", body::<browserid::SignBody>),
];

/// Parses `bytes` as the body of route `index` (modulo the table's length); returns
/// the route's path and the outcome.
pub fn route_body(index: u8, bytes: &[u8]) -> (&'static str, Result<(), ApiError>) {
    let (route, check) = ROUTE_BODIES[usize::from(index) % ROUTE_BODIES.len()];
    (route, check(bytes))
}

/// Parses a `/certificate/sign` body as its handler does and returns the
/// `public-key` the certificate would carry: the body's `PublicKey`, echoed with
/// `json!` as the handler does. (It is read again from the accepted body, so that
/// `SignBody`'s fields can stay private.)
pub fn certificate_public_key(bytes: &[u8]) -> Result<Value, ApiError> {
    parse_json::<browserid::SignBody>(bytes)?;
    let mut body: Value = serde_json::from_slice(bytes).map_err(|_| ApiError::InvalidJson)?;
    let key = body
        .get_mut("publicKey")
        .map(Value::take)
        .unwrap_or_default();
    let key: browserid::PublicKey =
        serde_json::from_value(key).map_err(|_| ApiError::Unexpected)?;
    Ok(serde_json::json!(key))
}

/// A `/certificate/sign` body carrying `public_key` (JSON text, put in verbatim) and a
/// one-hour duration; a `duration` inside `public_key`'s text can still override it.
pub fn certificate_body(public_key: &[u8]) -> Vec<u8> {
    let mut body = br#"{"duration":3600000,"publicKey":"#.to_vec();
    body.extend_from_slice(public_key);
    body.push(b'}');
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "9c1b6bd3a7c8b59c6bf0a8c0bc1c70c3d3d0a8c6f4c1b2a3d4e5f60718293a4b";

    #[test]
    fn authorization_reads_bearer_and_hawk_as_the_extractor_does() {
        let bearer = HeaderValue::from_str(&format!("Bearer fxs_{ID}")).unwrap();
        let (hawk, token_id) = authorization(bearer.clone(), TokenKind::Session).unwrap();
        assert!(hawk.is_none());
        assert_eq!(foxden_crypto::to_hex(token_id), ID);
        let wrong_kind = authorization(bearer, TokenKind::KeyFetch).unwrap_err();
        assert_eq!(wrong_kind.errno(), 110);

        let value = format!(r#"Hawk id="{ID}", ts="1353832234", nonce="j4h3g2", mac="bQ=""#);
        let (hawk, token_id) =
            authorization(HeaderValue::from_str(&value).unwrap(), TokenKind::Session).unwrap();
        assert_eq!(hawk.unwrap().ts, 1353832234);
        assert_eq!(foxden_crypto::to_hex(token_id), ID);
        let short_id = HeaderValue::from_static(r#"Hawk id="ab", ts="1", nonce="n", mac="m""#);
        assert_eq!(
            authorization(short_id, TokenKind::Session)
                .unwrap_err()
                .errno(),
            110
        );
    }

    #[test]
    fn every_route_body_rejects_bad_json_with_its_errno() {
        for index in 0..ROUTE_BODIES.len() as u8 {
            let (route, outcome) = route_body(index, b"{");
            assert_eq!(outcome.unwrap_err().errno(), 106, "{route}");
            let (route, outcome) = route_body(index, b"[]");
            assert_eq!(outcome.unwrap_err().errno(), 107, "{route}");
        }
        assert_eq!(
            route_body(ROUTE_BODIES.len() as u8, b"").0,
            ROUTE_BODIES[0].0
        );
    }

    /// The seeds of a fuzz target, as (name before the first `.`, what follows, bytes).
    fn seeds(target: &str) -> Vec<(String, String, Vec<u8>)> {
        let dir = format!("{}/../../fuzz/corpus/{target}", env!("CARGO_MANIFEST_DIR"));
        let mut seeds = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap();
            let (stem, what) = name.split_once('.').unwrap_or((name, ""));
            seeds.push((stem.into(), what.into(), std::fs::read(&path).unwrap()));
        }
        seeds
    }

    /// The seeds in `fuzz/corpus/json_bodies/` are `<route>.<what>` and start with their
    /// route's index; the `*.ok*` ones are real request bodies and must be accepted, so
    /// that the fuzzer starts from bodies that reach every validator.
    #[test]
    fn json_body_seeds_pick_their_route_and_the_good_ones_parse() {
        let mut good = std::collections::BTreeSet::new();
        for (stem, what, seed) in seeds("json_bodies") {
            let (route, outcome) = route_body(seed[0], &seed[1..]);
            assert_eq!(stem, route.trim_start_matches('/').replace('/', "-"));
            if what.starts_with("ok") {
                assert!(outcome.is_ok(), "{stem}.{what}: {outcome:?}");
                good.insert(route);
            }
        }
        assert_eq!(
            good.len(),
            ROUTE_BODIES.len(),
            "a good seed for every route"
        );
    }

    /// The `*.ok*` seeds in `fuzz/corpus/browserid_pubkey/` are real RSA and DSA keys:
    /// accepted, and echoed verbatim into the certificate.
    #[test]
    fn certificate_accepts_and_echoes_the_seed_keys() {
        let mut good = 0;
        for (stem, what, seed) in seeds("browserid_pubkey") {
            if what.starts_with("ok") {
                let echoed = certificate_public_key(&certificate_body(&seed));
                let sent: Value = serde_json::from_slice(&seed).unwrap();
                assert_eq!(echoed.unwrap(), sent, "{stem}.{what}");
                good += 1;
            }
        }
        assert!(good >= 2, "an RSA and a DSA key");
        let unknown = certificate_body(br#"{"algorithm":"RS","z":"1"}"#);
        assert_eq!(certificate_public_key(&unknown).unwrap_err().errno(), 107);
        let not_json = certificate_body(b"{");
        assert_eq!(certificate_public_key(&not_json).unwrap_err().errno(), 106);
    }
}
