//! aws-lc's `EVP_PBE_scrypt` (the other aws-lc FFI of foxden-crypto is [`crate::dsa`]).
//!
//! aws-lc's scrypt is faster than RustCrypto's `scrypt` here (run
//! `cargo test --release -p foxden-crypto --test scrypt_diff -- --ignored --nocapture`);
//! `tests/scrypt_diff.rs` also checks that the two agree.

use std::sync::Once;

/// scrypt cost parameters, as the C API takes them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Params {
    pub log_n: u8,
    pub r: u32,
    pub p: u32,
}

static INIT: Once = Once::new();

/// scrypt(password, salt, N = 2^log_n, r, p) into `out`.
///
/// # Panics
/// If aws-lc rejects the parameters or cannot allocate its scratch memory
/// (about 128·N·r bytes). Both are impossible for the fixed FxA parameters
/// short of the process running out of memory.
// The scrypt FFI call (see the SAFETY note inside).
#[allow(unsafe_code)]
pub(crate) fn scrypt(password: &[u8], salt: &[u8], params: Params, out: &mut [u8]) {
    assert!(params.log_n > 0 && params.log_n < 32, "scrypt: bad log_n");
    INIT.call_once(aws_lc_sys::init);
    let n: u64 = 1u64 << params.log_n;
    let (r, p) = (u64::from(params.r), u64::from(params.p));
    // V (N blocks) + B (p blocks) + T (1 block), each 128·r bytes, with room to spare.
    let max_mem = usize::try_from(128 * r * (n + p + 2) * 2).expect("scrypt: max_mem overflow");
    // SAFETY: every pointer/length pair describes a live, correctly sized Rust slice for the
    // duration of the call; aws-lc only reads `password` and `salt` and writes exactly
    // `out.len()` bytes to `out`. EVP_PBE_scrypt is thread-safe (no shared state).
    let ok = unsafe {
        aws_lc_sys::EVP_PBE_scrypt(
            password.as_ptr().cast(),
            password.len(),
            salt.as_ptr(),
            salt.len(),
            n,
            r,
            p,
            max_mem,
            out.as_mut_ptr(),
            out.len(),
        )
    };
    assert_eq!(ok, 1, "aws-lc EVP_PBE_scrypt failed (params {params:?})");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7914 §12, second vector (N=1024, r=8, p=16).
    #[test]
    fn rfc7914_vector() {
        let mut out = [0u8; 64];
        let params = Params {
            log_n: 10,
            r: 8,
            p: 16,
        };
        scrypt(b"password", b"NaCl", params, &mut out);
        assert_eq!(
            hex::encode(out),
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162\
             2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"
        );
    }

    /// RFC 7914 §12, first vector (empty password and salt, N=16, r=1, p=1).
    #[test]
    fn rfc7914_empty() {
        let mut out = [0u8; 64];
        scrypt(
            b"",
            b"",
            Params {
                log_n: 4,
                r: 1,
                p: 1,
            },
            &mut out,
        );
        assert_eq!(
            hex::encode(out),
            "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442\
             fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906"
        );
    }
}
