//! Measures how many JWT access tokens (RS256 with a 2048-bit OpenID key, the
//! claims Firefox's `fxa-credentials` grant gets) this machine signs per second
//! with every core busy — the ceiling for `POST /v1/oauth/token` issuing JWTs.
//! Usage: rs256_capacity [seconds]

use std::sync::Arc;
use std::time::{Duration, Instant};

use foxden::openid::{AccessTokenClaims, Audience, OpenIdKeys, OLDSYNC_SCOPE};
use foxden::settings::discovery::Discovery;

fn main() {
    let secs: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let dir = tempfile::tempdir().expect("temp dir");
    let discovery = Discovery {
        openid_issuer: "https://accounts.example.com".into(),
        auth_server_url: "https://accounts.example.com".into(),
        oauth_server_url: "https://accounts.example.com".into(),
        profile_server_url: "https://accounts.example.com/profile".into(),
        pairing_server_url: None,
        sync_tokenserver_url: Some("https://token.example.com".into()),
    };
    let keys = Arc::new(OpenIdKeys::load_or_create(dir.path(), &discovery).expect("OpenID key"));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let handles: Vec<_> = (0..cores)
        .map(|i| {
            let keys = Arc::clone(&keys);
            std::thread::spawn(move || {
                let mut done = 0u64;
                while Instant::now() < deadline {
                    let claims = AccessTokenClaims {
                        aud: Audience::One("https://token.example.com".into()),
                        client_id: "5882386c6d801776".into(),
                        exp: 1_700_021_600,
                        iat: 1_700_000_000,
                        jti: format!("{i:02x}{done:062x}"),
                        scope: OLDSYNC_SCOPE.into(),
                        sub: "cd".repeat(16),
                        fxa_generation: Some(1_699_999_999_000),
                        fxa_profile_changed_at: Some(1_699_999_999_000),
                    };
                    let token = keys.sign_access_token(&claims).expect("sign");
                    std::hint::black_box(token);
                    done += 1;
                }
                done
            })
        })
        .collect();
    let total: u64 = handles.into_iter().map(|h| h.join().unwrap_or(0)).sum();
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "RS256 capacity: {total} JWT access tokens in {elapsed:.1} s on {cores} threads = {:.0} signatures/s ({:.2} ms per signature per core)",
        total as f64 / elapsed,
        elapsed * 1000.0 * cores as f64 / total as f64
    );
}
