//! foxden storage: the [`Store`] handle and its transactions ([`Tx`]), the
//! operations per aggregate ([`ops`]), the record types ([`model`]), and the
//! SQLite and PostgreSQL backends chosen at run time by URL. Each statement is
//! written once for both backends ([`sql`]); see docs/adr/0011.

mod cols;
mod migrations;
pub mod model;
pub mod ops;
pub mod postgres;
mod session_cache;
pub mod sql;
pub mod sqlite;
pub mod store;

use std::path::{Path, PathBuf};

pub use model::*;
pub use ops::QueuedMail;
pub use postgres::PostgresDb;
pub use sqlite::SqliteDb;
pub use store::{Conn, DbError, DbResult, PruneCutoffs, Scope, Store, Tx};

/// Opens the database a URL names. Does not migrate: call [`Store::migrate`] before serving.
///
/// * `sqlite:<path>` or `sqlite://<path>` (`sqlite:///abs/path` for an absolute path): the
///   file and missing parent folders are created (folders mode 0700, the file mode 0600).
/// * `postgres://…` or `postgresql://…`: a connection pool (no TLS); the server is
///   contacted once here so that a wrong URL fails early.
///
/// Error messages never contain the URL's password.
pub async fn connect(url: &str) -> DbResult<Store> {
    if let Some(path) = sqlite_path(url)? {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            create_private_dir(parent)?;
        }
        return Ok(Store::Sqlite(SqliteDb::open(path).await?));
    }
    if has_scheme(url, "postgres://") || has_scheme(url, "postgresql://") {
        return Ok(Store::Postgres(PostgresDb::connect(url).await?));
    }
    Err(DbError::Backend("unsupported database URL scheme".into()))
}

/// The default database URL for a data folder: SQLite at `<dir>/foxden.db`.
pub fn sqlite_url_for(dir: &Path) -> String {
    format!("sqlite:{}", dir.join("foxden.db").display())
}

fn has_scheme(url: &str, scheme: &str) -> bool {
    url.get(..scheme.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
}

/// `Ok(None)` if the URL is not a SQLite one.
fn sqlite_path(url: &str) -> DbResult<Option<PathBuf>> {
    let rest = if has_scheme(url, "sqlite://") {
        &url["sqlite://".len()..]
    } else if has_scheme(url, "sqlite:") {
        &url["sqlite:".len()..]
    } else {
        return Ok(None);
    };
    if rest.is_empty() || rest.starts_with(":memory:") {
        return Err(DbError::Backend(
            "a SQLite URL needs a file path (in-memory databases are not supported)".into(),
        ));
    }
    Ok(Some(PathBuf::from(rest)))
}

fn create_private_dir(dir: &Path) -> DbResult<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| DbError::Backend(format!("cannot create the database folder: {e}")))
}

/// Now, in ms since the Unix epoch.
pub(crate) fn now_millis() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as Millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls() {
        let p = |u: &str| sqlite_path(u).unwrap();
        assert_eq!(p("sqlite:foo.db"), Some(PathBuf::from("foo.db")));
        assert_eq!(
            p("sqlite://data/foo.db"),
            Some(PathBuf::from("data/foo.db"))
        );
        assert_eq!(
            p("sqlite:///abs/foo.db"),
            Some(PathBuf::from("/abs/foo.db"))
        );
        assert_eq!(p("SQLite:/abs/foo.db"), Some(PathBuf::from("/abs/foo.db")));
        assert_eq!(p("postgres://x"), None);
        assert!(sqlite_path("sqlite:").is_err());
        assert!(sqlite_path("sqlite::memory:").is_err());
        let url = sqlite_url_for(Path::new("/var/lib/foxden"));
        assert_eq!(url, "sqlite:/var/lib/foxden/foxden.db");
        assert_eq!(p(&url), Some(PathBuf::from("/var/lib/foxden/foxden.db")));
    }
}
