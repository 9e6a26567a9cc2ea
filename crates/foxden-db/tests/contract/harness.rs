//! Runs one contract case against a fresh database of each backend.
//!
//! SQLite: a new file in a temp folder per case. PostgreSQL (only when
//! `FOXDEN_TEST_POSTGRES_URL` is set): a new schema `foxden_test_<random>` per case,
//! selected through the connection's `options=-csearch_path=…`, dropped afterwards,
//! so cases run in parallel without seeing each other.

use std::future::Future;

use foxden_db::Store;
use tokio_postgres::NoTls;

pub const PG_ENV: &str = "FOXDEN_TEST_POSTGRES_URL";

pub async fn on_sqlite<F, Fut>(case: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let db = foxden_db::connect(&foxden_db::sqlite_url_for(dir.path()))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    case(db).await;
}

/// SQLite with reads on tokio's blocking pool instead of inline.
pub async fn on_sqlite_blocking_reads<F, Fut>(case: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let db = foxden_db::SqliteDb::open(dir.path().join("foxden.db"))
        .await
        .unwrap()
        .with_inline_reads(false);
    db.migrate().await.unwrap();
    case(Store::from(db)).await;
}

/// Whether this is a CI run (`CI=true`), where skipping the PostgreSQL cases is a failure.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true"))
}

/// A throw-away PostgreSQL schema; `drop_now` removes it.
pub struct PgSchema {
    pub name: String,
    pub url: String,
    pub admin: tokio_postgres::Client,
}

impl PgSchema {
    /// None (and a note on stderr) when the variable is unset.
    pub async fn create() -> Option<Self> {
        let Ok(base) = std::env::var(PG_ENV) else {
            assert!(
                !in_ci(),
                "CI=true but {PG_ENV} is not set: the PostgreSQL cases would pass without running"
            );
            eprintln!("skipped: {PG_ENV} is not set");
            return None;
        };
        let (admin, conn) = tokio_postgres::connect(&base, NoTls).await.unwrap();
        tokio::spawn(conn);
        let name = format!("foxden_test_{}", hex::encode(crate::fixtures::rand::<8>()));
        admin
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .await
            .unwrap();
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-csearch_path%3D{name}");
        Some(Self { name, url, admin })
    }

    pub async fn drop_now(self) {
        let sql = format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name);
        if let Err(e) = self.admin.batch_execute(&sql).await {
            eprintln!("could not drop test schema {}: {e}", self.name);
        }
    }
}

pub async fn on_postgres<F, Fut>(case: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(schema) = PgSchema::create().await else {
        return;
    };
    let db = foxden_db::connect(&schema.url).await.unwrap();
    db.migrate().await.unwrap();
    // Run the case as a task so that a failing case still drops its schema.
    let outcome = tokio::spawn(case(db)).await;
    schema.drop_now().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
