//! The session/status hot path in storage: a session lookup (served by the SQLite
//! session cache after the first read) and a touch (a write through the writer).
//! With `FOXDEN_TEST_POSTGRES_URL` set, also PostgreSQL: a cached lookup, an
//! uncached one (the same query, straight to the database) and a
//! touch + lookup (the touch notifies and waits for its own notification).
//!
//! `cargo bench -p foxden-db --bench sessions`

use criterion::{criterion_group, criterion_main, Criterion};
use foxden_db::ops::*;
use foxden_db::*;

fn session(uid: Uid, i: u8) -> SessionToken {
    SessionToken {
        core: TokenCore {
            id_hash: [i; 32],
            auth_key_sealed: vec![7; 60],
            uid,
            created_at: 1_700_000_000_000,
        },
        user_agent: UserAgentInfo::default(),
        last_access_time: 1_700_000_000_000,
        auth_at: 1_700_000_000_000,
        unverified: None,
        verification_method: Some(VerificationMethod::Email),
        verified_at: Some(1_700_000_000_000),
    }
}

fn account(uid: Uid) -> Account {
    Account {
        uid,
        email: "bench@example.com".into(),
        normalized_email: "bench@example.com".into(),
        email_code: [1; 16],
        email_verified: true,
        ka: [2; 32],
        wrap_wrap_kb: [3; 32],
        auth_salt: [4; 32],
        verify_hash: [5; 32],
        verifier_version: 1,
        verifier_set_at: 1_700_000_000_000,
        v2: None,
        created_at: 1_700_000_000_000,
        locale: None,
        keys_changed_at: 1_700_000_000_000,
        profile_changed_at: 1_700_000_000_000,
        disabled_at: None,
        locked_at: None,
    }
}

fn sessions(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = foxden_db::sqlite_url_for(dir.path());
    let uid = [9; 16];
    let db = rt.block_on(async {
        let db = foxden_db::connect(&url).await.unwrap();
        db.migrate().await.unwrap();
        db.insert_account(&account(uid)).await.unwrap();
        for i in 0..=100u8 {
            db.insert_session(&session(uid, i)).await.unwrap();
        }
        db
    });
    let mut i = 0u8;
    c.bench_function("sqlite: session lookup (cached)", |b| {
        b.iter(|| rt.block_on(db.session(&[1; 32])).unwrap().unwrap())
    });
    c.bench_function("sqlite: touch_session then lookup (100 sessions)", |b| {
        b.iter(|| {
            i = i % 100 + 1;
            rt.block_on(async {
                db.touch_session(&[i; 32], 1_800_000_000_000).await.unwrap();
                db.session(&[i; 32]).await.unwrap().unwrap()
            })
        })
    });
}

/// PostgreSQL, in a schema of its own (dropped afterwards).
fn postgres_sessions(c: &mut Criterion) {
    let Ok(base) = std::env::var("FOXDEN_TEST_POSTGRES_URL") else {
        eprintln!("postgres benches skipped: FOXDEN_TEST_POSTGRES_URL is not set");
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let schema = "foxden_bench_sessions";
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-csearch_path%3D{schema}");
    let uid = [9; 16];
    let (admin, db, pg) = rt.block_on(async {
        let (admin, conn) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        let reset = format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}");
        admin.batch_execute(&reset).await.unwrap();
        let pg = PostgresDb::connect(&url)
            .await
            .unwrap()
            .with_session_cache(true);
        let db = Store::from(pg.clone());
        db.migrate().await.unwrap();
        db.insert_account(&account(uid)).await.unwrap();
        for i in 0..=100u8 {
            db.insert_session(&session(uid, i)).await.unwrap();
        }
        while !pg.session_cache_is_live() {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        (admin, db, pg)
    });
    c.bench_function("postgres: session lookup (cached)", |b| {
        b.iter(|| rt.block_on(db.session(&[1; 32])).unwrap().unwrap())
    });
    // The statement `Sessions::session` runs on a miss, straight to the database.
    static BY_ID: foxden_db::sql::Sql = foxden_db::sql::Sql::new(
        "SELECT id_hash, auth_key_sealed, uid, created_at, ua_browser, ua_browser_version, \
         ua_os, ua_os_version, ua_device_type, ua_form_factor, last_access_time, auth_at, \
         token_verification_id, must_verify, verification_method, verified_at \
         FROM session_tokens WHERE id_hash = $1",
        None,
    );
    c.bench_function("postgres: session lookup (uncached query)", |b| {
        b.iter(|| {
            let p = [foxden_db::sql::Value::Bytes(&[1; 32])];
            let found = rt.block_on(db.query_opt(&BY_ID, &p, |r| r.fixed::<32>(0)));
            found.unwrap().unwrap()
        })
    });
    let mut i = 0u8;
    c.bench_function("postgres: touch_session then lookup (100 sessions)", |b| {
        b.iter(|| {
            i = i % 100 + 1;
            rt.block_on(async {
                db.touch_session(&[i; 32], 1_800_000_000_000).await.unwrap();
                db.session(&[i; 32]).await.unwrap().unwrap()
            })
        })
    });
    rt.block_on(async {
        drop((db, pg));
        let drop_it = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
        admin.batch_execute(&drop_it).await.unwrap();
    });
}

criterion_group!(benches, sessions, postgres_sessions);
criterion_main!(benches);
