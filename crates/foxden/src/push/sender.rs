//! One HTTPS POST to a push endpoint, and what its answer means for the queue.
//!
//! The client is reqwest with rustls (the Mozilla CA list, plus the PEM
//! certificates of `FOXDEN_PUSH_CA_FILE` for self-hosted autopush and tests),
//! never follows redirects (a redirect could leave the allowed push servers), and
//! gives up on a push service after 15 s.

use std::path::Path;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::ece::{self, EceError};
use super::vapid::VapidKey;

/// How long one POST may take, connection included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// What a push service's answer (or its silence) means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx: accepted.
    Delivered,
    /// 404/410, or the device's stored key cannot be used: the subscription is gone.
    Gone { status: Option<u16> },
    /// 429, 5xx or no answer: try again, not before `retry_after_secs` if given.
    Retry {
        status: Option<u16>,
        retry_after_secs: Option<u64>,
    },
    /// Another 4xx (or an endpoint that is no URL): never going to work.
    Refused { status: Option<u16> },
}

/// The request that goes to the push service, built once per attempt.
pub struct PushRequest<'a> {
    pub endpoint: &'a str,
    pub ttl_secs: u32,
    /// `(p256dh, auth, plaintext)`; `None` for an empty push.
    pub data: Option<(&'a str, &'a str, &'a [u8])>,
}

pub struct PushSender {
    http: reqwest::Client,
    vapid: VapidKey,
}

impl PushSender {
    /// `ca_file`: extra trusted CA certificates (PEM), as `FOXDEN_PUSH_CA_FILE`.
    pub fn new(vapid: VapidKey, ca_file: Option<&Path>) -> Result<Self, String> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("foxden/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| format!("FOXDEN_PUSH_CA_FILE {}: {e}", path.display()))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| format!("FOXDEN_PUSH_CA_FILE {}: {e}", path.display()))?;
            if certs.is_empty() {
                return Err(format!(
                    "FOXDEN_PUSH_CA_FILE {}: no PEM certificate in it",
                    path.display()
                ));
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder
            .build()
            .map_err(|e| format!("cannot build the push HTTP client: {e}"))?;
        Ok(PushSender { http, vapid })
    }

    pub fn vapid(&self) -> &VapidKey {
        &self.vapid
    }

    /// Encrypts and POSTs one push.
    pub async fn send(&self, request: PushRequest<'_>, now_secs: i64) -> Outcome {
        let Ok(endpoint) = url::Url::parse(request.endpoint) else {
            return Outcome::Refused { status: None };
        };
        let Some(authorization) = self.vapid.authorization(&endpoint, now_secs) else {
            return Outcome::Refused { status: None };
        };
        let mut post = self
            .http
            .post(endpoint)
            .header("TTL", request.ttl_secs.to_string())
            .header("Authorization", authorization);
        match request.data {
            Some((p256dh, auth, plaintext)) => {
                let body = match encrypt(p256dh, auth, plaintext) {
                    Ok(body) => body,
                    // Mozilla: an invalid stored key marks the endpoint expired.
                    Err(EceError::BadPublicKey | EceError::BadAuthSecret) => {
                        return Outcome::Gone { status: None }
                    }
                    Err(_) => return Outcome::Refused { status: None },
                };
                post = post
                    .header("Content-Encoding", "aes128gcm")
                    .header("Content-Type", "application/octet-stream")
                    .body(body);
            }
            None => post = post.body(Vec::new()),
        }
        match post.send().await {
            Ok(response) => classify(response.status().as_u16(), response.headers()),
            Err(_) => Outcome::Retry {
                status: None,
                retry_after_secs: None,
            },
        }
    }
}

fn encrypt(p256dh: &str, auth: &str, plaintext: &[u8]) -> Result<Vec<u8>, EceError> {
    let decode = |s: &str| URL_SAFE_NO_PAD.decode(s.trim_end_matches('='));
    let public = decode(p256dh).map_err(|_| EceError::BadPublicKey)?;
    let auth = decode(auth).map_err(|_| EceError::BadAuthSecret)?;
    ece::encrypt(&public, &auth, plaintext)
}

/// The meaning of a push service's status code.
pub fn classify(status: u16, headers: &reqwest::header::HeaderMap) -> Outcome {
    let status_some = Some(status);
    match status {
        200..=299 => Outcome::Delivered,
        404 | 410 => Outcome::Gone {
            status: status_some,
        },
        429 | 500..=599 => Outcome::Retry {
            status: status_some,
            retry_after_secs: headers
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(retry_after_secs),
        },
        _ => Outcome::Refused {
            status: status_some,
        },
    }
}

/// `Retry-After`: seconds, or an HTTP date (seconds from now; 0 if past).
pub fn retry_after_secs(value: &str) -> Option<u64> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(secs);
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .map(|d| d.as_secs())
            .unwrap_or(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

    #[test]
    fn statuses_map_to_outcomes() {
        let none = HeaderMap::new();
        assert_eq!(classify(201, &none), Outcome::Delivered);
        assert_eq!(classify(204, &none), Outcome::Delivered);
        assert_eq!(classify(410, &none), Outcome::Gone { status: Some(410) });
        assert_eq!(classify(404, &none), Outcome::Gone { status: Some(404) });
        for status in [400, 401, 403, 413, 301] {
            assert_eq!(
                classify(status, &none),
                Outcome::Refused {
                    status: Some(status)
                }
            );
        }
        let mut later = HeaderMap::new();
        later.insert(RETRY_AFTER, HeaderValue::from_static("120"));
        assert_eq!(
            classify(429, &later),
            Outcome::Retry {
                status: Some(429),
                retry_after_secs: Some(120)
            }
        );
        assert_eq!(
            classify(503, &none),
            Outcome::Retry {
                status: Some(503),
                retry_after_secs: None
            }
        );
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        assert_eq!(retry_after_secs(" 7 "), Some(7));
        assert_eq!(retry_after_secs("Wed, 21 Oct 2015 07:28:00 GMT"), Some(0));
        let soon = httpdate::fmt_http_date(
            std::time::SystemTime::now() + std::time::Duration::from_secs(100),
        );
        assert!(matches!(retry_after_secs(&soon), Some(98..=100)));
        assert_eq!(retry_after_secs("soon"), None);
        assert_eq!(retry_after_secs("-1"), None);
    }
}
