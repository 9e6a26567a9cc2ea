//! The `publicKey` of `POST /certificate/sign`: the input is the key's JSON text, put
//! into a body with a valid `duration` and parsed and validated as the route's
//! `ApiJson` extractor does (`foxden::fuzzing::certificate_public_key`).
//!
//! Invariants: nothing panics (the handler echoes an accepted key into the
//! certificate with `json!`, which would); a refused key is errno 106, 107 or 108; an
//! accepted key, sent again as the certificate echoes it, is accepted and echoed alike.
#![no_main]

use foxden::fuzzing::{certificate_body, certificate_public_key};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match certificate_public_key(&certificate_body(data)) {
        Ok(echoed) => {
            let again = certificate_public_key(&certificate_body(echoed.to_string().as_bytes()));
            assert_eq!(again.as_ref().ok(), Some(&echoed), "{echoed}: {again:?}");
        }
        Err(err) => assert!(matches!(err.errno(), 106..=108), "{err:?}"),
    }
});
