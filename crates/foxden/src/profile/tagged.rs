//! Answers with an `ETag`, and `304 Not Modified` when the request's
//! `If-None-Match` already names it (hapi's built-in conditional GET, which
//! Mozilla's profile server relies on).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sha1::{Digest, Sha1};

use crate::error::ApiError;

/// The lowercase SHA-1 hex of `data`: what npm's `checksum` (Mozilla's ETag
/// function, SHA-1 by default) gives for a string.
pub fn checksum(data: &[u8]) -> String {
    foxden_crypto::to_hex(Sha1::digest(data))
}

/// The request's `If-None-Match` values (quotes and `W/` taken off); `*` matches any.
pub struct IfNoneMatch(Vec<String>);

impl IfNoneMatch {
    fn matches(&self, etag: &str) -> bool {
        self.0.iter().any(|tag| tag == "*" || tag == etag)
    }
}

impl IfNoneMatch {
    fn parse(headers: &HeaderMap) -> Self {
        let tags = headers
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|tag| {
                let tag = tag.trim();
                let tag = tag.strip_prefix("W/").unwrap_or(tag);
                tag.trim_matches('"').to_string()
            })
            .filter(|tag| !tag.is_empty())
            .collect();
        IfNoneMatch(tags)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IfNoneMatch {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(IfNoneMatch::parse(&parts.headers))
    }
}

/// A JSON answer with its entity tag; `Last-Modified` (now) when asked for.
pub struct Tagged {
    body: Vec<u8>,
    etag: String,
    last_modified: bool,
    not_modified: bool,
}

impl Tagged {
    /// `etag` given, or (None) the checksum of the serialized body.
    pub fn new(
        value: &impl Serialize,
        etag: Option<String>,
        request: &IfNoneMatch,
    ) -> Result<Self, ApiError> {
        let body = serde_json::to_vec(value).map_err(|_| ApiError::Unexpected)?;
        let etag = etag.unwrap_or_else(|| checksum(&body));
        let not_modified = request.matches(&etag);
        Ok(Tagged {
            body,
            etag,
            last_modified: false,
            not_modified,
        })
    }

    pub fn with_last_modified(mut self) -> Self {
        self.last_modified = true;
        self
    }
}

impl IntoResponse for Tagged {
    fn into_response(self) -> Response {
        let mut response = if self.not_modified {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            (
                [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
                self.body,
            )
                .into_response()
        };
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&format!("\"{}\"", self.etag)) {
            headers.insert(header::ETAG, value);
        }
        if self.last_modified {
            let now = httpdate::fmt_http_date(std::time::SystemTime::now());
            if let Ok(value) = HeaderValue::from_str(&now) {
                headers.insert(header::LAST_MODIFIED, value);
            }
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_is_sha1_hex() {
        // SHA-1("abc"), FIPS 180-1 appendix A.
        assert_eq!(checksum(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    }

    #[test]
    fn if_none_match_takes_lists_weak_tags_and_stars() {
        let parse = |values: &[&str]| {
            let mut headers = HeaderMap::new();
            for v in values {
                headers.append(header::IF_NONE_MATCH, HeaderValue::from_str(v).unwrap());
            }
            IfNoneMatch::parse(&headers)
        };
        assert!(parse(&["\"abc\""]).matches("abc"));
        assert!(parse(&["W/\"abc\""]).matches("abc"));
        assert!(parse(&["\"x\", W/\"abc\""]).matches("abc"));
        assert!(parse(&["\"x\"", "\"abc\""]).matches("abc"));
        assert!(parse(&["*"]).matches("anything"));
        assert!(!parse(&["\"abd\""]).matches("abc"));
        assert!(!parse(&[]).matches("abc"));
    }
}
