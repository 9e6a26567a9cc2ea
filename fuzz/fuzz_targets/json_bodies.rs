//! The JSON bodies of every route: the first byte picks the route (an index into
//! `foxden::fuzzing::ROUTE_BODIES`), the rest is the body, parsed and validated by
//! `extract::parse_json` exactly as the `ApiJson` extractor does for that route.
//!
//! Invariants: nothing panics; a refused body is FxA's 400 with errno 106 (not
//! JSON), 107 (invalid value) or 108 (missing value), and its JSON error body renders.
#![no_main]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use axum::response::IntoResponse;
use foxden::error::ApiError;
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;

/// The JSON body the client would get for `err` (a full body is ready at once).
fn rendered(err: ApiError) -> (u16, serde_json::Value) {
    let response = err.into_response();
    let status = response.status().as_u16();
    let mut collect = pin!(response.into_body().collect());
    let Poll::Ready(Ok(body)) = collect
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    else {
        panic!("an error body is complete at once");
    };
    (
        status,
        serde_json::from_slice(&body.to_bytes()).expect("a JSON error body"),
    )
}

fuzz_target!(|data: &[u8]| {
    let Some((&index, body)) = data.split_first() else {
        return;
    };
    let (route, outcome) = foxden::fuzzing::route_body(index, body);
    if let Err(err) = outcome {
        let errno = err.errno();
        assert!(matches!(errno, 106..=108), "{route}: {err:?}");
        let (status, json) = rendered(err);
        assert_eq!(status, 400, "{route}");
        assert_eq!(json["code"], 400, "{route}");
        assert_eq!(json["errno"], errno, "{route}");
        match errno {
            107 => assert_eq!(json["validation"]["source"], "payload", "{route}: {json}"),
            108 => assert!(
                json["param"].as_str().is_some_and(|p| !p.is_empty()),
                "{json}"
            ),
            _ => {}
        }
    }
});
