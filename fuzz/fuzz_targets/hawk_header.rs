//! The `Authorization` header: foxden-crypto's Hawk parser, and foxden's own reading
//! of the header (`Bearer fx…_<tokenId>` or Hawk, per token kind) that every
//! authenticated route runs before it looks the token up.
//!
//! Invariants: nothing panics; an accepted Hawk header, written out again in the
//! canonical form, parses to the same value; an accepted header hands the handler
//! exactly the tokenId it names; whatever is refused is errno 110.
#![no_main]

use axum::http::HeaderValue;
use foxden_crypto::hawk::{self, HawkHeader, RequestParts};
use foxden_crypto::token::TokenKind;
use libfuzzer_sys::fuzz_target;

/// `Hawk id="…", ts="…", nonce="…"[, hash="…"][, ext="…"], mac="…"[, app="…"][, dlg="…"]`.
fn canonical(h: &HawkHeader) -> String {
    let mut out = format!(r#"Hawk id="{}", ts="{}", nonce="{}""#, h.id, h.ts, h.nonce);
    for (name, value) in [("hash", &h.hash), ("ext", &h.ext)] {
        if let Some(value) = value {
            out.push_str(&format!(r#", {name}="{value}""#));
        }
    }
    out.push_str(&format!(r#", mac="{}""#, h.mac));
    for (name, value) in [("app", &h.app), ("dlg", &h.dlg)] {
        if let Some(value) = value {
            out.push_str(&format!(r#", {name}="{value}""#));
        }
    }
    out
}

fn check_hawk_parser(value: &str) {
    let Ok(header) = hawk::parse_header(value) else {
        return;
    };
    let again = canonical(&header);
    match hawk::parse_header(&again) {
        Ok(reparsed) => assert_eq!(reparsed, header, "{again:?}"),
        // The canonical form spends ", " between attributes, so it can outgrow the limit.
        Err(hawk::HawkParseError::TooLong) => assert!(again.len() > hawk::MAX_HEADER_LEN),
        Err(err) => panic!("{again:?} no longer parses: {err}"),
    }
    // What the server does next with a parsed header must not panic either.
    let request = RequestParts {
        method: "POST",
        resource: "/v1/certificate/sign?service=sync",
        host: "127.0.0.1",
        port: 9000,
    };
    let expected = header.expected_mac(b"a key", &request);
    let _ = hawk::verify_mac(&expected, &header.mac);
}

fn check_authorization(bytes: &[u8]) {
    let Ok(value) = HeaderValue::from_bytes(bytes) else {
        return;
    };
    let text = value.to_str().ok().map(str::to_owned);
    for kind in TokenKind::ALL {
        match foxden::fuzzing::authorization(value.clone(), kind) {
            Ok((Some(hawk_header), token_id)) => {
                let text = text
                    .as_deref()
                    .expect("Hawk was read from a visible-ASCII header");
                assert_eq!(hawk::parse_header(text).as_ref(), Ok(&hawk_header));
                assert_eq!(hex::decode(&hawk_header.id).unwrap(), token_id);
            }
            Ok((None, token_id)) => {
                let text = text
                    .as_deref()
                    .expect("Bearer was read from a visible-ASCII header");
                let credential = text[7..].trim();
                let id_hex = credential
                    .strip_prefix(kind.bearer_prefix())
                    .expect("a Bearer token of the route's kind");
                assert_eq!(hex::decode(id_hex).unwrap(), token_id);
                assert!(text[..7].eq_ignore_ascii_case("bearer "));
            }
            Err(err) => assert_eq!(err.errno(), 110, "{err:?}"),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = std::str::from_utf8(data) {
        check_hawk_parser(value);
    }
    check_authorization(data);
});
