//! Running a [`Sql`] statement on a rusqlite connection (prepared once per
//! connection, `prepare_cached`), and the driver's error mapping.

use rusqlite::{ffi, params_from_iter, Connection, ToSql};

use crate::sql::{Row, RowFn, Sql};
use crate::store::{DbError, DbResult};

/// Maps a driver error; unique and primary-key clashes become [`DbError::Duplicate`].
pub(crate) fn sql_err(e: rusqlite::Error) -> DbError {
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        if matches!(
            f.extended_code,
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY
        ) {
            return DbError::Duplicate;
        }
    }
    DbError::Backend(format!("sqlite: {e}"))
}

pub(crate) trait Run {
    fn exec<P: ToSql>(&self, sql: &Sql, params: &[P]) -> DbResult<u64>;
    fn query_opt<P: ToSql, T>(&self, sql: &Sql, params: &[P], map: RowFn<T>)
        -> DbResult<Option<T>>;
    fn query_all<P: ToSql, T>(&self, sql: &Sql, params: &[P], map: RowFn<T>) -> DbResult<Vec<T>>;
}

impl Run for Connection {
    fn exec<P: ToSql>(&self, sql: &Sql, params: &[P]) -> DbResult<u64> {
        let mut st = self.prepare_cached(sql.sqlite()).map_err(sql_err)?;
        if st.column_count() > 0 {
            // A RETURNING clause: step through the rows so the statement completes.
            let mut rows = st.query(params_from_iter(params)).map_err(sql_err)?;
            let mut n = 0;
            while rows.next().map_err(sql_err)?.is_some() {
                n += 1;
            }
            return Ok(n);
        }
        st.execute(params_from_iter(params))
            .map(|n| n as u64)
            .map_err(sql_err)
    }

    fn query_opt<P: ToSql, T>(
        &self,
        sql: &Sql,
        params: &[P],
        map: RowFn<T>,
    ) -> DbResult<Option<T>> {
        let mut st = self.prepare_cached(sql.sqlite()).map_err(sql_err)?;
        let mut rows = st.query(params_from_iter(params)).map_err(sql_err)?;
        let first = match rows.next().map_err(sql_err)? {
            Some(r) => Some(map(&Row::Sqlite(r))?),
            None => None,
        };
        // Finish the statement (an UPDATE … RETURNING changes every row it matched).
        while rows.next().map_err(sql_err)?.is_some() {}
        Ok(first)
    }

    fn query_all<P: ToSql, T>(&self, sql: &Sql, params: &[P], map: RowFn<T>) -> DbResult<Vec<T>> {
        let mut st = self.prepare_cached(sql.sqlite()).map_err(sql_err)?;
        let mut rows = st.query(params_from_iter(params)).map_err(sql_err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(sql_err)? {
            out.push(map(&Row::Sqlite(r))?);
        }
        Ok(out)
    }
}

/// `PRAGMA data_version` of a connection: it changes when *another* connection
/// (of this process or another one) has committed since the last call.
pub(crate) fn data_version(c: &Connection) -> DbResult<i64> {
    c.prepare_cached("PRAGMA data_version")
        .and_then(|mut st| st.query_row([], |r| r.get(0)))
        .map_err(sql_err)
}
