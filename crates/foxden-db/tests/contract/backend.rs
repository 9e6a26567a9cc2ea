//! Checks that are about a backend rather than the `Db` contract: file modes,
//! URLs, migration bookkeeping, and that both schemas have the same shape.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use foxden_db::ops::RateLimits;
use foxden_db::{DbError, SqliteDb};

use crate::harness::PgSchema;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn side(db: &Path, suffix: &str) -> std::path::PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(suffix);
    s.into()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_files_are_private() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("nested/data");
    let db = foxden_db::connect(&foxden_db::sqlite_url_for(&dir))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    crate::fixtures::seeded(&db).await;
    let file = dir.join("foxden.db");
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(&dir), 0o700);
    let wal = side(&file, "-wal");
    assert!(wal.exists(), "WAL mode is on");
    assert_eq!(mode(&wal), 0o600);
    let shm = side(&file, "-shm");
    assert!(shm.exists());
    assert_eq!(mode(&shm), 0o600);
}

#[tokio::test]
async fn sqlite_existing_file_is_made_private() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("old.db");
    std::fs::write(&file, b"").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let db = SqliteDb::open(&file).await.unwrap();
    db.migrate().await.unwrap();
    assert_eq!(mode(&file), 0o600);
    assert_eq!(db.path(), file);
}

#[tokio::test]
async fn unsupported_urls_are_refused_without_secrets() {
    for url in [
        "mysql://root:hunter2@db/foxden",
        "hunter2",
        "sqlite::memory:",
        "sqlite:",
    ] {
        let Err(DbError::Backend(msg)) = foxden_db::connect(url).await else {
            panic!("{url} accepted");
        };
        assert!(!msg.contains("hunter2"), "{msg}");
    }
    let err = foxden_db::connect("ftp://x")
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("unsupported database URL scheme"), "{err}");
    let url = "postgresql://bob:hunter2@127.0.0.1:1/foxden";
    let err = foxden_db::connect(url).await.err().unwrap().to_string();
    assert!(!err.contains("hunter2"), "{err}");
}

/// (table, column, not null) and the explicit index names of the SQLite schema.
fn sqlite_shape(file: &Path) -> (BTreeSet<(String, String, bool)>, BTreeSet<String>) {
    let c = rusqlite::Connection::open(file).unwrap();
    let mut st = c
        .prepare(
            "SELECT m.name, p.name, p.\"notnull\" FROM sqlite_master m \
             JOIN pragma_table_info(m.name) p WHERE m.type = 'table'",
        )
        .unwrap();
    let cols = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut st = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'")
        .unwrap();
    let idx = st
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    (cols, idx)
}

async fn pg_shape(pg: &PgSchema) -> (BTreeSet<(String, String, bool)>, BTreeSet<String>) {
    let rows = pg
        .admin
        .query(
            "SELECT table_name::text, column_name::text, is_nullable = 'NO' \
             FROM information_schema.columns WHERE table_schema = $1",
            &[&pg.name],
        )
        .await
        .unwrap();
    let cols = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let rows = pg
        .admin
        .query(
            "SELECT indexname::text FROM pg_indexes WHERE schemaname = $1 \
             AND indexname NOT LIKE '%\\_pkey' AND indexname NOT LIKE '%\\_key'",
            &[&pg.name],
        )
        .await
        .unwrap();
    (cols, rows.iter().map(|r| r.get(0)).collect())
}

#[tokio::test]
async fn migrations_are_recorded_once_and_schemas_match() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("foxden.db");
    let db = SqliteDb::open(&file).await.unwrap();
    for _ in 0..3 {
        db.migrate().await.unwrap();
    }
    let c = rusqlite::Connection::open(&file).unwrap();
    let (n, distinct, max): (i64, i64, i64) = c
        .query_row(
            "SELECT COUNT(*), COUNT(DISTINCT version), MAX(version) FROM schema_migrations",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert!(n >= 1);
    assert_eq!(n, distinct, "each version once");
    assert_eq!(max, n, "versions 1..n, no gap");
    let (lite_cols, lite_idx) = sqlite_shape(&file);
    for table in [
        "accounts",
        "session_tokens",
        "key_fetch_tokens",
        "password_change_tokens",
        "account_reset_tokens",
        "password_forgot_tokens",
        "security_events",
        "one_time_codes",
        "rate_limits",
        "schema_migrations",
    ] {
        assert!(
            lite_cols.iter().any(|(t, _, _)| t == table),
            "{table} missing"
        );
    }

    let Some(pg) = PgSchema::create().await else {
        return;
    };
    let pdb = foxden_db::connect(&pg.url).await.unwrap();
    for _ in 0..3 {
        pdb.migrate().await.unwrap();
    }
    let row = pg
        .admin
        .query_one(
            &format!(
                "SELECT COUNT(*), MAX(version) FROM {}.schema_migrations",
                pg.name
            ),
            &[],
        )
        .await
        .unwrap();
    assert_eq!((row.get::<_, i64>(0), row.get::<_, i64>(1)), (n, max));
    let (pg_cols, pg_idx) = pg_shape(&pg).await;
    drop(pdb);
    pg.drop_now().await;
    assert_eq!(lite_cols, pg_cols, "same tables, columns and nullability");
    assert_eq!(lite_idx, pg_idx, "same indexes");
}

/// Two processes (here: two pools) migrating the same PostgreSQL schema at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_postgres_migrations_are_serialised() {
    let Some(pg) = PgSchema::create().await else {
        return;
    };
    let a = foxden_db::connect(&pg.url).await.unwrap();
    let b = foxden_db::connect(&pg.url).await.unwrap();
    let (ra, rb) = tokio::join!(a.migrate(), b.migrate());
    drop((a, b));
    pg.drop_now().await;
    ra.unwrap();
    rb.unwrap();
}

/// Calls during a ban must not count (the contract cannot see it: an ended ban
/// restarts the window). Checked on the stored row of each backend.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn banned_calls_leave_the_stored_count() {
    let w = foxden_db::RateWindow {
        window_ms: 1_000,
        max: 2,
        ban_ms: 10_000,
    };
    let key: [u8; 32] = crate::fixtures::rand();
    let hammer = |db: foxden_db::Store| async move {
        for _ in 0..8 {
            db.rate_limit_count(&key, &w, 5_000).await.unwrap();
        }
    };
    let sql = "SELECT count, window_start, banned_until FROM rate_limits";

    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("foxden.db");
    let db = SqliteDb::open(&file).await.unwrap();
    db.migrate().await.unwrap();
    hammer(db.into()).await;
    let c = rusqlite::Connection::open(&file).unwrap();
    let row: (i32, i64, Option<i64>) = c
        .query_row(sql, [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap();
    assert_eq!(row, (3, 5_000, Some(15_000)));

    let Some(pg) = PgSchema::create().await else {
        return;
    };
    let pdb = foxden_db::connect(&pg.url).await.unwrap();
    pdb.migrate().await.unwrap();
    hammer(pdb.clone()).await;
    let r = pg
        .admin
        .query_one(
            &sql.replace("rate_limits", &format!("{}.rate_limits", pg.name)),
            &[],
        )
        .await;
    drop(pdb);
    pg.drop_now().await;
    let r = r.unwrap();
    let row: (i32, i64, Option<i64>) = (r.get(0), r.get(1), r.get(2));
    assert_eq!(row, (3, 5_000, Some(15_000)));
}
