//! aws-lc scrypt (used by `verifier::scrypt_stretch`) against RustCrypto `scrypt`.

use foxden_crypto::random;
use foxden_crypto::verifier::scrypt_stretch;

fn rustcrypto(pw: &[u8; 32], salt: &[u8; 32]) -> [u8; 32] {
    let params = scrypt::Params::new(16, 8, 1, 32).unwrap();
    let mut out = [0u8; 32];
    scrypt::scrypt(pw, salt, &params, &mut out).unwrap();
    out
}

#[test]
fn agrees_with_rustcrypto_on_random_inputs() {
    for _ in 0..4 {
        let (pw, salt) = (random::bytes::<32>(), random::bytes::<32>());
        assert_eq!(
            scrypt_stretch(&pw, &salt),
            rustcrypto(&pw, &salt),
            "pw {pw:02x?} salt {salt:02x?}"
        );
    }
    let (zero, ones) = ([0u8; 32], [0xffu8; 32]);
    assert_eq!(scrypt_stretch(&zero, &ones), rustcrypto(&zero, &ones));
}

#[test]
fn concurrent_calls_agree() {
    let (pw, salt) = (random::bytes::<32>(), random::bytes::<32>());
    let want = scrypt_stretch(&pw, &salt);
    let handles: Vec<_> = (0..2)
        .map(|_| std::thread::spawn(move || scrypt_stretch(&pw, &salt)))
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), want);
    }
}

/// Nanoseconds this thread has spent on a CPU (Linux), so the timing below is not
/// inflated by other processes competing for the cores.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// `cargo test --release -p foxden-crypto --test scrypt_diff -- --ignored --nocapture`
#[test]
#[ignore = "timing; run in release"]
fn timing() {
    let (pw, salt) = (random::bytes::<32>(), random::bytes::<32>());
    let n = 20;
    let time = |f: &dyn Fn() -> [u8; 32]| {
        f();
        let (t, cpu) = (std::time::Instant::now(), thread_cpu_ns());
        for _ in 0..n {
            std::hint::black_box(f());
        }
        let wall = t.elapsed().as_secs_f64() * 1000.0 / f64::from(n);
        let cpu = thread_cpu_ns()
            .zip(cpu)
            .map_or(f64::NAN, |(b, a)| (b - a) as f64 / 1e6 / f64::from(n));
        format!("{wall:.1} ms/hash wall, {cpu:.1} ms/hash on-CPU")
    };
    let aws = time(&|| scrypt_stretch(&pw, &salt));
    let rc = time(&|| rustcrypto(&pw, &salt));
    println!("scrypt N=65536 r=8 p=1\n  aws-lc:     {aws}\n  RustCrypto: {rc}");
}
