//! The connection/row abstraction that lets each statement be written once:
//!
//! * [`Sql`]: a statement in PostgreSQL's placeholder style (`$1..$n`), rewritten once
//!   (lazily, cached in the statement's `static`) to SQLite's `?1..?n`. A statement may
//!   carry a SQLite-only text where the dialects really differ ([`sql!`]`(pg: …, sqlite: …)`).
//! * [`Value`]: a parameter. On PostgreSQL an integer is encoded as the type the server
//!   inferred for the placeholder (`INTEGER` → INT4, `BIGINT` → INT8), so one `Value::Int`
//!   binds to either column type; on SQLite every integer is an INTEGER.
//! * [`Row`]: a result row of either driver, read by position into the model types.

use std::sync::OnceLock;

use crate::store::{DbError, DbResult};

/// A statement written once for both backends. Make them with [`sql!`].
pub struct Sql {
    pg: &'static str,
    sqlite_text: Option<&'static str>,
    sqlite: OnceLock<String>,
}

impl Sql {
    #[doc(hidden)]
    pub const fn new(pg: &'static str, sqlite_text: Option<&'static str>) -> Self {
        Self {
            pg,
            sqlite_text,
            sqlite: OnceLock::new(),
        }
    }

    /// The PostgreSQL text.
    pub fn pg(&self) -> &'static str {
        self.pg
    }

    /// The SQLite text: `$n` rewritten to `?n` (computed once).
    pub fn sqlite(&self) -> &str {
        self.sqlite
            .get_or_init(|| to_sqlite_placeholders(self.sqlite_text.unwrap_or(self.pg)))
    }

    /// Whether the statement only reads (it starts with `SELECT`), so that outside a
    /// transaction it may run on a SQLite reader connection.
    pub fn is_read(&self) -> bool {
        self.pg
            .trim_start()
            .get(..6)
            .is_some_and(|w| w.eq_ignore_ascii_case("select"))
    }
}

/// `sql!("SELECT … WHERE x = $1")`, or `sql!(pg: "…", sqlite: "…")` where the dialects
/// differ: a `&'static Sql` whose SQLite form is computed on first use.
macro_rules! sql {
    (pg: $pg:expr, sqlite: $lite:expr $(,)?) => {{
        static STATEMENT: $crate::sql::Sql = $crate::sql::Sql::new($pg, Some($lite));
        &STATEMENT
    }};
    ($text:expr) => {{
        static STATEMENT: $crate::sql::Sql = $crate::sql::Sql::new($text, None);
        &STATEMENT
    }};
}
pub(crate) use sql;

/// `$12` → `?12`, outside string literals.
fn to_sqlite_placeholders(pg: &str) -> String {
    let mut out = String::with_capacity(pg.len());
    let mut in_string = false;
    let mut chars = pg.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            in_string = !in_string;
        }
        if c == '$' && !in_string && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

/// A statement parameter.
#[derive(Clone, Copy, Debug)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Bool(bool),
    Bytes(&'a [u8]),
    Text(&'a str),
}

impl From<i64> for Value<'_> {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<i32> for Value<'_> {
    fn from(v: i32) -> Self {
        Value::Int(v.into())
    }
}
impl From<u32> for Value<'_> {
    fn from(v: u32) -> Self {
        Value::Int(v.into())
    }
}
impl From<bool> for Value<'_> {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl<'a, const N: usize> From<&'a [u8; N]> for Value<'a> {
    fn from(v: &'a [u8; N]) -> Self {
        Value::Bytes(v)
    }
}
impl<'a> From<&'a [u8]> for Value<'a> {
    fn from(v: &'a [u8]) -> Self {
        Value::Bytes(v)
    }
}
impl<'a> From<&'a Vec<u8>> for Value<'a> {
    fn from(v: &'a Vec<u8>) -> Self {
        Value::Bytes(v)
    }
}
impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Text(v)
    }
}
impl<'a> From<&'a String> for Value<'a> {
    fn from(v: &'a String) -> Self {
        Value::Text(v)
    }
}
impl<'a, T: Into<Value<'a>>> From<Option<T>> for Value<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// `params![a, b, …]`: the values of `$1, $2, …` as a slice.
macro_rules! params {
    ($($v:expr),* $(,)?) => {
        &[$($crate::sql::Value::from($v)),*][..]
    };
}
pub(crate) use params;

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match *self {
            Value::Null => ValueRef::Null,
            Value::Int(v) => ValueRef::Integer(v),
            Value::Bool(v) => ValueRef::Integer(v.into()),
            Value::Bytes(b) => ValueRef::Blob(b),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
        }))
    }
}

impl<'a> Value<'a> {
    /// Borrows an owned SQLite value back.
    pub(crate) fn from_sqlite_owned(v: &'a rusqlite::types::Value) -> Self {
        use rusqlite::types::Value as V;
        match v {
            V::Null => Value::Null,
            V::Integer(i) => Value::Int(*i),
            // Never produced: no statement of ours binds a REAL.
            V::Real(_) => Value::Null,
            V::Blob(b) => Value::Bytes(b),
            V::Text(s) => Value::Text(s),
        }
    }

    /// An owned copy, for statements run on another thread.
    pub(crate) fn to_sqlite_owned(self) -> rusqlite::types::Value {
        use rusqlite::types::Value as V;
        match self {
            Value::Null => V::Null,
            Value::Int(v) => V::Integer(v),
            Value::Bool(v) => V::Integer(v.into()),
            Value::Bytes(b) => V::Blob(b.to_vec()),
            Value::Text(s) => V::Text(s.to_owned()),
        }
    }
}

impl tokio_postgres::types::ToSql for Value<'_> {
    fn to_sql(
        &self,
        ty: &tokio_postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use tokio_postgres::types::{IsNull, Type};
        match *self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => match *ty {
                Type::INT2 => i16::try_from(v)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(v)?.to_sql(ty, out),
                Type::INT8 => v.to_sql(ty, out),
                _ => Err(format!("an integer cannot bind to {ty}").into()),
            },
            Value::Bool(v) if *ty == Type::BOOL => v.to_sql(ty, out),
            Value::Bytes(b) if *ty == Type::BYTEA => b.to_sql(ty, out),
            Value::Text(s) if <&str as tokio_postgres::types::ToSql>::accepts(ty) => {
                s.to_sql(ty, out)
            }
            _ => Err(format!("{self:?} cannot bind to {ty}").into()),
        }
    }

    fn accepts(_: &tokio_postgres::types::Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

/// One result row of either backend.
pub enum Row<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a tokio_postgres::Row),
}

/// Maps a row to a model value.
pub type RowFn<T> = fn(&Row<'_>) -> DbResult<T>;

fn corrupt(what: &str) -> DbError {
    DbError::Backend(format!("corrupt row: {what}"))
}

impl Row<'_> {
    pub fn opt_int(&self, idx: usize) -> DbResult<Option<i64>> {
        match self {
            Row::Sqlite(r) => r.get(idx).map_err(crate::sqlite::sql_err),
            Row::Postgres(r) => {
                use tokio_postgres::types::Type;
                let pg = crate::postgres::pg_err;
                match *r.columns()[idx].type_() {
                    Type::INT4 => Ok(r.try_get::<_, Option<i32>>(idx).map_err(pg)?.map(i64::from)),
                    Type::INT2 => Ok(r.try_get::<_, Option<i16>>(idx).map_err(pg)?.map(i64::from)),
                    _ => r.try_get(idx).map_err(pg),
                }
            }
        }
    }

    pub fn int(&self, idx: usize) -> DbResult<i64> {
        self.opt_int(idx)?.ok_or_else(|| corrupt("NULL integer"))
    }

    pub fn opt_int32(&self, idx: usize) -> DbResult<Option<i32>> {
        self.opt_int(idx)?
            .map(|v| i32::try_from(v).map_err(|_| corrupt("integer out of range")))
            .transpose()
    }

    pub fn int32(&self, idx: usize) -> DbResult<i32> {
        self.opt_int32(idx)?.ok_or_else(|| corrupt("NULL integer"))
    }

    pub fn bool(&self, idx: usize) -> DbResult<bool> {
        match self {
            Row::Sqlite(r) => r.get(idx).map_err(crate::sqlite::sql_err),
            Row::Postgres(r) => r.try_get(idx).map_err(crate::postgres::pg_err),
        }
    }

    pub fn opt_bytes(&self, idx: usize) -> DbResult<Option<Vec<u8>>> {
        match self {
            Row::Sqlite(r) => r.get(idx).map_err(crate::sqlite::sql_err),
            Row::Postgres(r) => r.try_get(idx).map_err(crate::postgres::pg_err),
        }
    }

    pub fn bytes(&self, idx: usize) -> DbResult<Vec<u8>> {
        self.opt_bytes(idx)?.ok_or_else(|| corrupt("NULL blob"))
    }

    pub fn opt_fixed<const N: usize>(&self, idx: usize) -> DbResult<Option<[u8; N]>> {
        let fixed = |b: &[u8]| {
            <[u8; N]>::try_from(b).map_err(|_| corrupt("binary column of the wrong length"))
        };
        match self {
            Row::Sqlite(r) => match r.get_ref(idx).map_err(crate::sqlite::sql_err)? {
                rusqlite::types::ValueRef::Null => Ok(None),
                rusqlite::types::ValueRef::Blob(b) => fixed(b).map(Some),
                _ => Err(corrupt("not a blob")),
            },
            Row::Postgres(r) => r
                .try_get::<_, Option<&[u8]>>(idx)
                .map_err(crate::postgres::pg_err)?
                .map(fixed)
                .transpose(),
        }
    }

    pub fn fixed<const N: usize>(&self, idx: usize) -> DbResult<[u8; N]> {
        self.opt_fixed(idx)?.ok_or_else(|| corrupt("NULL blob"))
    }

    pub fn opt_text(&self, idx: usize) -> DbResult<Option<String>> {
        match self {
            Row::Sqlite(r) => r.get(idx).map_err(crate::sqlite::sql_err),
            Row::Postgres(r) => r.try_get(idx).map_err(crate::postgres::pg_err),
        }
    }

    pub fn text(&self, idx: usize) -> DbResult<String> {
        self.opt_text(idx)?.ok_or_else(|| corrupt("NULL text"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_rewritten_outside_strings() {
        assert_eq!(
            to_sqlite_placeholders("SELECT '$1', x FROM t WHERE a = $1 AND b = $12"),
            "SELECT '$1', x FROM t WHERE a = ?1 AND b = ?12"
        );
        let s = sql!(pg: "SELECT $1 FOR UPDATE", sqlite: "SELECT $1");
        assert_eq!(s.sqlite(), "SELECT ?1");
        assert_eq!(s.pg(), "SELECT $1 FOR UPDATE");
        assert!(s.is_read());
        assert!(!sql!("DELETE FROM t WHERE a = $1").is_read());
    }
}
