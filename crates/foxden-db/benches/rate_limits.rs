//! What a rate-limit check costs: one `rate_limit_count` (an upsert through the
//! writer) and one `rate_limit_ban` (a read) on a SQLite file, and on
//! PostgreSQL when `FOXDEN_TEST_POSTGRES_URL` is set (in a throw-away schema).
//! A sign-in makes four such calls (two bans peeked, two attempts counted).
//!
//! `cargo bench -p foxden-db --bench rate_limits`

use criterion::{criterion_group, criterion_main, Criterion};
use foxden_db::ops::RateLimits;
use foxden_db::{RateWindow, Store};

/// A limit nobody reaches, so every call is the common, unbanned case.
const WIDE: RateWindow = RateWindow {
    window_ms: 15 * 60 * 1000,
    max: u32::MAX,
    ban_ms: 60 * 1000,
};

fn key(i: u64) -> [u8; 32] {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&i.to_be_bytes());
    key
}

fn bench_backend(c: &mut Criterion, name: &str, rt: &tokio::runtime::Runtime, db: Store) {
    let now = 1_800_000_000_000;
    let mut i = 0u64;
    c.bench_function(&format!("{name}: rate_limit_count (100 keys)"), |b| {
        b.iter(|| {
            i += 1;
            rt.block_on(db.rate_limit_count(&key(i % 100), &WIDE, now))
                .unwrap()
        })
    });
    c.bench_function(&format!("{name}: rate_limit_ban"), |b| {
        b.iter(|| {
            i += 1;
            rt.block_on(db.rate_limit_ban(&key(i % 100), now)).unwrap()
        })
    });
}

fn rate_limits(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = foxden_db::sqlite_url_for(dir.path());
    let sqlite = rt.block_on(async {
        let db = foxden_db::connect(&url).await.unwrap();
        db.migrate().await.unwrap();
        db
    });
    bench_backend(c, "sqlite", &rt, sqlite);

    let Ok(base) = std::env::var("FOXDEN_TEST_POSTGRES_URL") else {
        eprintln!("PostgreSQL skipped: FOXDEN_TEST_POSTGRES_URL is not set");
        return;
    };
    let schema = format!("foxden_bench_{}", std::process::id());
    let (admin, pg) = rt.block_on(async {
        let (admin, conn) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        admin
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .await
            .unwrap();
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-csearch_path%3D{schema}");
        let db = foxden_db::connect(&url).await.unwrap();
        db.migrate().await.unwrap();
        (admin, db)
    });
    bench_backend(c, "postgres", &rt, pg);
    rt.block_on(admin.batch_execute(&format!("DROP SCHEMA {schema} CASCADE")))
        .unwrap();
}

criterion_group!(benches, rate_limits);
criterion_main!(benches);
