//! `cargo bench -p foxden-crypto`: the per-request primitives and the password stretches.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use foxden_crypto::hawk::{self, RequestParts};
use foxden_crypto::sealed::SecretBox;
use foxden_crypto::token::{derive, TokenKind};
use foxden_crypto::{bundle, onepw, verifier};

fn per_request(c: &mut Criterion) {
    let data = [0xa0u8; 32];
    c.bench_function("token_derive_session", |b| {
        b.iter(|| derive(black_box(&data), TokenKind::Session))
    });

    let key = [7u8; 32];
    let req = RequestParts {
        method: "POST",
        resource: "/v1/account/devices/notify",
        host: "api.accounts.example.com",
        port: 443,
    };
    let hash = hawk::payload_hash("application/json", br#"{"to":"all"}"#);
    c.bench_function("hawk_mac", |b| {
        b.iter(|| {
            hawk::mac(
                black_box(&key),
                1_700_000_000,
                "Zm9vYmFy",
                black_box(&req),
                Some(&hash),
                None,
            )
        })
    });
    let header = hawk::client_header(
        "ab".repeat(32).as_str(),
        &key,
        1_700_000_000,
        "n",
        &req,
        None,
    );
    c.bench_function("hawk_parse_header", |b| {
        b.iter(|| hawk::parse_header(black_box(&header)).unwrap())
    });

    let sbox = SecretBox::new(&[1u8; 32]);
    let sealed = sbox.seal(&[2u8; 32], b"tokenid");
    c.bench_function("sealed_open_32", |b| {
        b.iter(|| sbox.open(black_box(&sealed), b"tokenid").unwrap())
    });

    let bundle_key = [3u8; 32];
    let keys = [4u8; 64];
    c.bench_function("bundle_seal_keys", |b| {
        b.iter(|| bundle::seal(black_box(&bundle_key), bundle::KEYS_INFO, black_box(&keys)))
    });
}

fn stretches(c: &mut Criterion) {
    let mut g = c.benchmark_group("stretch");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    g.bench_function("v1_quick_stretch", |b| {
        b.iter(|| onepw::quick_stretch_v1(black_box("pässwörd"), "andré@example.org"))
    });
    let (pw, salt) = ([5u8; 32], [6u8; 32]);
    g.bench_function("scrypt_stretch", |b| {
        b.iter(|| verifier::scrypt_stretch(black_box(&pw), black_box(&salt)))
    });
    g.finish();
}

criterion_group!(benches, per_request, stretches);
criterion_main!(benches);
