//! The session/status hot path in storage: a session lookup (served by the SQLite
//! session cache after the first read) and a touch (a write through the writer).
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

criterion_group!(benches, sessions);
criterion_main!(benches);
