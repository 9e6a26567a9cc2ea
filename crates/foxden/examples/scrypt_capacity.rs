//! Measures how many server password hashes (scrypt N=65536, r=8, p=1) this
//! machine completes per second with every core busy — the ceiling for logins/s.
//! Usage: scrypt_capacity [seconds]

use std::time::{Duration, Instant};

fn main() {
    let secs: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let handles: Vec<_> = (0..cores)
        .map(|i| {
            std::thread::spawn(move || {
                let mut done = 0u64;
                let salt = [i as u8; 32];
                while Instant::now() < deadline {
                    let out = foxden_crypto::verifier::scrypt_stretch(&[done as u8; 32], &salt);
                    std::hint::black_box(out);
                    done += 1;
                }
                done
            })
        })
        .collect();
    let total: u64 = handles.into_iter().map(|h| h.join().unwrap_or(0)).sum();
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "scrypt capacity: {total} hashes in {elapsed:.1} s on {cores} threads = {:.2} hashes/s ({:.0} ms per hash per core)",
        total as f64 / elapsed,
        elapsed * 1000.0 * cores as f64 / total as f64
    );
}
