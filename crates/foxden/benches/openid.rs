//! `cargo bench -p foxden --bench openid`: RS256 signing and verification of a
//! JWT access token with the OpenID key, on one core. One signature's time is
//! the token endpoint's floor per JWT issued: `1 / time` is this core's
//! signatures per second (criterion's `thrpt`), to set against the machine's
//! cores and the scrypt capacity (`cargo run --release --example scrypt_capacity`).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use foxden::openid::{AccessTokenClaims, Audience, OpenIdKeys, OLDSYNC_SCOPE};
use foxden::settings::discovery::Discovery;

fn rs256(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let discovery = Discovery {
        openid_issuer: "https://accounts.example.com".into(),
        auth_server_url: "https://accounts.example.com".into(),
        oauth_server_url: "https://accounts.example.com".into(),
        profile_server_url: "https://accounts.example.com/profile".into(),
        pairing_server_url: None,
        sync_tokenserver_url: Some("https://token.example.com".into()),
    };
    let keys = OpenIdKeys::load_or_create(dir.path(), &discovery).expect("OpenID key");
    let claims = AccessTokenClaims {
        aud: Audience::One("https://token.example.com".into()),
        client_id: "5882386c6d801776".into(),
        exp: 1_700_021_600,
        iat: 1_700_000_000,
        jti: "ab".repeat(32),
        scope: OLDSYNC_SCOPE.into(),
        sub: "cd".repeat(16),
        fxa_generation: Some(1_699_999_999_000),
        fxa_profile_changed_at: Some(1_699_999_999_000),
    };
    let token = keys.sign_access_token(&claims).expect("sign");

    let mut g = c.benchmark_group("openid_rs256");
    g.throughput(Throughput::Elements(1))
        .measurement_time(Duration::from_secs(5));
    g.bench_function("sign_access_token", |b| {
        b.iter(|| keys.sign_access_token(black_box(&claims)).expect("sign"))
    });
    g.bench_function("verify_access_token", |b| {
        b.iter(|| keys.verify_access_token(black_box(&token), 1_700_000_000_000))
    });
    g.finish();
}

criterion_group!(benches, rs256);
criterion_main!(benches);
