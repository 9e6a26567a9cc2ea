//! Request extractors that turn bad input into FxA's errors: invalid JSON → 106,
//! a wrong type or format → 107 with `validation.keys`, a missing field → 108
//! with `param`, an oversized body → 413 errno 113.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use bytes::Bytes;
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;

use crate::auth::HawkPayloadCheck;
use crate::error::{ApiError, Source};
use crate::state::AppState;

/// A JSON body parsed into `T` with FxA's validation errors.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let (bytes, _) = read_body(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// The body, within the size limit and checked against the request's Hawk
/// payload hash if it has one; and whether its Content-Type names a form.
async fn read_body(req: Request, state: &AppState) -> Result<(Bytes, bool), ApiError> {
    let (parts, body) = req.into_parts();
    let bytes = read_limited(&parts.headers, body, state.settings.max_body_bytes).await?;
    let content_type = content_type(&parts.headers);
    if let Some(check) = parts.extensions.get::<HawkPayloadCheck>() {
        check.verify(content_type, &bytes)?;
    }
    Ok((bytes, is_form(content_type)))
}

/// A body in JSON or, sent as `application/x-www-form-urlencoded`, as a form, as
/// the OAuth server's routes take them (RFC 6749 §4.1.3 and RFC 7662 send forms;
/// Mozilla's hapi server parses either). A form's values are strings that `T`'s
/// numbers and booleans are parsed from; errors name keys as for JSON.
pub struct JsonOrForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonOrForm<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        match read_body(req, state).await? {
            (bytes, true) => parse_form(&bytes, Source::Payload).map(JsonOrForm),
            (bytes, false) => parse_json(&bytes).map(JsonOrForm),
        }
    }
}

/// Whether a Content-Type names a URL-encoded form (parameters after `;` aside).
fn is_form(content_type: &str) -> bool {
    content_type.split(';').next().is_some_and(|t| {
        t.trim()
            .eq_ignore_ascii_case("application/x-www-form-urlencoded")
    })
}

/// URL-encoded pairs (a form body or a query) parsed into `T`.
fn parse_form<T: DeserializeOwned>(bytes: &[u8], origin: Source) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(bytes));
    serde_path_to_error::deserialize(de).map_err(|err| validation_error(err, origin))
}

async fn read_limited(
    headers: &HeaderMap,
    body: axum::body::Body,
    limit: usize,
) -> Result<Bytes, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(ApiError::RequestTooLarge);
    }
    let limited = http_body_util::Limited::new(body, limit);
    match limited.collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err)
            if err
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            Err(ApiError::RequestTooLarge)
        }
        Err(_) => Err(ApiError::InvalidJson),
    }
}

fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Parses a JSON body; an empty body counts as `{}` (FxA's optional payloads).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        serde_json::Value::Object(Default::default())
    } else {
        serde_json::from_slice(bytes).map_err(|_| ApiError::InvalidJson)?
    };
    if !value.is_object() {
        return Err(ApiError::InvalidParameter {
            origin: Source::Payload,
            keys: vec![],
        });
    }
    serde_path_to_error::deserialize(value).map_err(|err| validation_error(err, Source::Payload))
}

/// Maps a serde failure at a JSON path to errno 108 (missing) or 107 (invalid).
pub fn validation_error<E: std::fmt::Display>(
    err: serde_path_to_error::Error<E>,
    origin: Source,
) -> ApiError {
    let path = err.path().to_string();
    let message = err.inner().to_string();
    if let Some(field) = missing_field_name(&message) {
        let param = if path == "." || path.is_empty() {
            field.to_string()
        } else {
            format!("{path}.{field}")
        };
        return ApiError::MissingParameter { origin, param };
    }
    // A key the route does not take (hapi/Joi: `"x" is not allowed`, errno 107 naming it).
    if let Some(field) = unknown_field_name(&message) {
        // serde_path_to_error's path already ends at the unknown key.
        let key = if path == "." || path.is_empty() {
            field.to_string()
        } else {
            path
        };
        return ApiError::InvalidParameter {
            origin,
            keys: vec![key],
        };
    }
    let key = if path == "." { String::new() } else { path };
    ApiError::InvalidParameter {
        origin,
        keys: if key.is_empty() { vec![] } else { vec![key] },
    }
}

fn unknown_field_name(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split('`').next()
}

fn missing_field_name(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next()
}

/// The client's IP address. The chain is the `X-Forwarded-For` entries that are IP
/// addresses, then the socket peer. Starting from the peer, the next address to
/// the left is taken only while the current one is a trusted proxy
/// (`FOXDEN_TRUSTED_PROXIES`), and at most `depth` addresses are counted (FxA's
/// `clientAddressDepth`). So with no trusted proxy (the default) the client is the
/// socket peer, and no client can choose its address by sending its own
/// `X-Forwarded-For`. Keys rate limits and security events; never stored or
/// logged as such.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientIp(String);

impl ClientIp {
    pub fn new(ip: impl Into<String>) -> Self {
        ClientIp(ip.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn pick(
        headers: &HeaderMap,
        peer: Option<std::net::IpAddr>,
        depth: usize,
        trusted: &[ipnet::IpNet],
    ) -> Self {
        let Some(peer) = peer else {
            return ClientIp(String::new());
        };
        let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|net| net.contains(ip));
        if !is_trusted(&peer) {
            if headers.contains_key("x-forwarded-for") || headers.contains_key("forwarded") {
                warn_untrusted_forwarding();
            }
            return ClientIp(peer.to_string());
        }
        let forwarded: Vec<std::net::IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|entry| entry.trim().parse().ok())
            .collect();
        let mut client = peer;
        for (counted, ip) in forwarded.iter().rev().enumerate() {
            if counted + 1 >= depth.max(1) || !is_trusted(&client) {
                break;
            }
            client = *ip;
        }
        ClientIp(client.to_string())
    }
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0.ip());
        let settings = &state.settings;
        Ok(Self::pick(
            &parts.headers,
            peer,
            settings.client_address_depth,
            &settings.trusted_proxies,
        ))
    }
}

/// Says once per process that forwarded headers come from a peer that is not a
/// trusted proxy: an operator behind a proxy who forgot `FOXDEN_TRUSTED_PROXIES`
/// would otherwise rate-limit every user as the proxy's one address.
fn warn_untrusted_forwarding() {
    static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed) {
        tracing::warn!(
            "X-Forwarded-For arrived from a peer that is not a trusted proxy and is ignored; \
             behind a proxy, set FOXDEN_TRUSTED_PROXIES to its address"
        );
    }
}

/// Query parameters parsed into `T` (errors name `source: "query"`).
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        parse_form(query.as_bytes(), Source::Query).map(ApiQuery)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::Hex;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Body {
        #[serde(rename = "authPW")]
        auth_pw: Hex<32>,
        nested: Option<Inner>,
    }

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Strict {
        #[serde(rename = "authPW")]
        auth_pw: Hex<32>,
    }

    fn unreachable_body() -> Body {
        panic!("a body with an unknown key parsed")
    }

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Inner {
        flow_id: Hex<32>,
    }

    /// The client for these `X-Forwarded-For` headers from a trusted peer of
    /// 127.0.0.1, at `depth`.
    fn client(values: &[&str], depth: usize) -> String {
        let trusted: Vec<ipnet::IpNet> = ["127.0.0.1/32", "10.0.0.0/8"]
            .iter()
            .map(|n| n.parse().unwrap())
            .collect();
        client_via(values, depth, &trusted, [127, 0, 0, 1].into())
    }

    fn client_via(
        values: &[&str],
        depth: usize,
        trusted: &[ipnet::IpNet],
        peer: std::net::IpAddr,
    ) -> String {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", v.parse().unwrap());
        }
        ClientIp::pick(&headers, Some(peer), depth, trusted).0
    }

    #[test]
    fn without_a_trusted_proxy_the_peer_is_the_client() {
        let peer = [203, 0, 113, 9].into();
        for depth in [1, 2, 3, 10] {
            assert_eq!(client_via(&["6.6.6.6"], depth, &[], peer), "203.0.113.9");
            assert_eq!(
                client_via(&["6.6.6.6, 7.7.7.7"], depth, &[], peer),
                "203.0.113.9"
            );
        }
        // A trusted list that does not hold the peer changes nothing.
        let other: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        assert_eq!(client_via(&["6.6.6.6"], 2, &other, peer), "203.0.113.9");
    }

    #[test]
    fn only_trusted_proxies_are_followed_left() {
        // 10.1.1.1 is a trusted inner proxy; 6.6.6.6 is what the client claimed.
        assert_eq!(client(&["6.6.6.6, 1.1.1.1, 10.1.1.1"], 3), "1.1.1.1");
        assert_eq!(
            client(&["6.6.6.6, 1.1.1.1, 10.1.1.1"], 10),
            "1.1.1.1",
            "stops at an untrusted hop"
        );
        assert_eq!(
            client(&["1.1.1.1, 10.1.1.1"], 2),
            "10.1.1.1",
            "depth caps the walk"
        );
    }

    #[test]
    fn client_ip_is_depth_from_the_right_of_the_chain_with_the_peer() {
        // No proxy: the peer, whatever the client claims.
        assert_eq!(client(&[], 1), "127.0.0.1");
        assert_eq!(client(&["6.6.6.6"], 1), "127.0.0.1");
        // One proxy (the peer) that appends the address it saw.
        assert_eq!(client(&["1.1.1.1"], 2), "1.1.1.1");
        assert_eq!(client(&["6.6.6.6, 1.1.1.1"], 2), "1.1.1.1", "spoof ignored");
        assert_eq!(client(&["6.6.6.6", "1.1.1.1"], 2), "1.1.1.1");
        // Two trusted proxies (FxA's default depth 3).
        assert_eq!(client(&["6.6.6.6, 1.1.1.1, 10.2.2.2"], 3), "1.1.1.1");
        // A shorter chain gives its leftmost entry; junk entries are dropped.
        assert_eq!(client(&[], 3), "127.0.0.1");
        assert_eq!(client(&["1.1.1.1"], 3), "1.1.1.1");
        assert_eq!(client(&["1.1.1.1, unknown, 2001:db8::1"], 2), "2001:db8::1");
        assert_eq!(client(&["<script>"], 2), "127.0.0.1");
    }

    fn errno(r: Result<Body, ApiError>) -> (u32, String) {
        let e = r.unwrap_err();
        let detail = match &e {
            ApiError::InvalidParameter { keys, .. } => keys.join(","),
            ApiError::MissingParameter { param, .. } => param.clone(),
            _ => String::new(),
        };
        (e.errno(), detail)
    }

    #[test]
    fn maps_errors_to_errnos() {
        assert_eq!(errno(parse_json(b"{")), (106, String::new()));
        assert_eq!(errno(parse_json(b"{}")), (108, "authPW".into()));
        assert_eq!(
            errno(parse_json(b"{\"authPW\": 5}")),
            (107, "authPW".into())
        );
        assert_eq!(
            errno(parse_json(b"{\"authPW\": \"zz\"}")),
            (107, "authPW".into())
        );
        let good = "00".repeat(32);
        let nested = format!("{{\"authPW\":\"{good}\",\"nested\":{{\"flow_id\":\"x\"}}}}");
        assert_eq!(
            errno(parse_json(nested.as_bytes())),
            (107, "nested.flow_id".into())
        );
        let nested_missing = format!("{{\"authPW\":\"{good}\",\"nested\":{{}}}}");
        assert_eq!(
            errno(parse_json(nested_missing.as_bytes())),
            (108, "nested.flow_id".into())
        );
        assert_eq!(errno(parse_json(b"[]")), (107, String::new()));
        assert!(
            parse_json::<Body>(format!("{{\"authPW\":\"{good}\",\"extra\":1}}").as_bytes()).is_ok()
        );
        let strict = format!("{{\"authPW\":\"{good}\",\"extra\":1}}");
        assert_eq!(
            errno(parse_json::<Strict>(strict.as_bytes()).map(|_| unreachable_body())),
            (107, "extra".into()),
            "an unknown key is 107 naming it"
        );
    }
}
