//! Row → model mapping and error mapping for PostgreSQL. Columns are read by the
//! positions of the lists in [`crate::cols`].

use deadpool_postgres::GenericClient;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

use crate::model::*;
use crate::store::{DbError, DbResult};

/// Maps a driver error; unique violations become [`DbError::Duplicate`]. Server
/// errors keep only severity, message and SQLSTATE: their DETAIL can quote row values.
pub(super) fn pg_err(e: tokio_postgres::Error) -> DbError {
    if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
        return DbError::Duplicate;
    }
    if let Some(db) = e.as_db_error() {
        return DbError::Backend(format!(
            "postgres: {}: {} ({})",
            db.severity(),
            db.message(),
            db.code().code()
        ));
    }
    match std::error::Error::source(&e) {
        Some(cause) => DbError::Backend(format!("postgres: {e}: {cause}")),
        None => DbError::Backend(format!("postgres: {e}")),
    }
}

fn corrupt(what: &str) -> DbError {
    DbError::Backend(format!("postgres: corrupt row: {what}"))
}

pub(super) fn get<'a, T: tokio_postgres::types::FromSql<'a>>(
    r: &'a Row,
    idx: usize,
) -> DbResult<T> {
    r.try_get(idx).map_err(pg_err)
}

pub(super) fn fixed<const N: usize>(r: &Row, idx: usize) -> DbResult<[u8; N]> {
    get::<&[u8]>(r, idx)?
        .try_into()
        .map_err(|_| corrupt("binary column of the wrong length"))
}

pub(super) fn opt_fixed<const N: usize>(r: &Row, idx: usize) -> DbResult<Option<[u8; N]>> {
    get::<Option<&[u8]>>(r, idx)?
        .map(|b| {
            b.try_into()
                .map_err(|_| corrupt("binary column of the wrong length"))
        })
        .transpose()
}

pub(super) fn account(r: &Row) -> DbResult<Account> {
    let v2 = match (
        get::<Option<String>>(r, 11)?,
        opt_fixed(r, 12)?,
        opt_fixed(r, 13)?,
    ) {
        (Some(client_salt), Some(verify_hash), Some(wrap_wrap_kb)) => Some(PasswordV2 {
            client_salt,
            verify_hash,
            wrap_wrap_kb,
        }),
        (None, None, None) => None,
        _ => return Err(corrupt("partial V2 credentials")),
    };
    Ok(Account {
        uid: fixed(r, 0)?,
        email: get(r, 1)?,
        normalized_email: get(r, 2)?,
        email_code: fixed(r, 3)?,
        email_verified: get(r, 4)?,
        ka: fixed(r, 5)?,
        wrap_wrap_kb: fixed(r, 6)?,
        auth_salt: fixed(r, 7)?,
        verify_hash: fixed(r, 8)?,
        verifier_version: get(r, 9)?,
        verifier_set_at: get(r, 10)?,
        v2,
        created_at: get(r, 14)?,
        locale: get(r, 15)?,
        keys_changed_at: get(r, 16)?,
        profile_changed_at: get(r, 17)?,
        disabled_at: get(r, 18)?,
        locked_at: get(r, 19)?,
    })
}

pub(super) fn core(r: &Row) -> DbResult<TokenCore> {
    Ok(TokenCore {
        id_hash: fixed(r, 0)?,
        auth_key_sealed: get(r, 1)?,
        uid: fixed(r, 2)?,
        created_at: get(r, 3)?,
    })
}

pub(super) fn session(r: &Row) -> DbResult<SessionToken> {
    let unverified = match opt_fixed(r, 12)? {
        Some(token_verification_id) => Some(Unverified {
            token_verification_id,
            must_verify: get(r, 13)?,
        }),
        None => None,
    };
    let verification_method = match get::<Option<i32>>(r, 14)? {
        None => None,
        Some(code) => Some(
            VerificationMethod::from_code(code).ok_or_else(|| corrupt("verification method"))?,
        ),
    };
    Ok(SessionToken {
        core: core(r)?,
        user_agent: UserAgentInfo {
            browser: get(r, 4)?,
            browser_version: get(r, 5)?,
            os: get(r, 6)?,
            os_version: get(r, 7)?,
            device_type: get(r, 8)?,
            form_factor: get(r, 9)?,
        },
        last_access_time: get(r, 10)?,
        auth_at: get(r, 11)?,
        unverified,
        verification_method,
        verified_at: get(r, 15)?,
    })
}

pub(super) fn key_fetch(r: &Row) -> DbResult<KeyFetchToken> {
    Ok(KeyFetchToken {
        core: core(r)?,
        key_bundle: get(r, 4)?,
        token_verification_id: opt_fixed(r, 5)?,
    })
}

pub(super) fn forgot(r: &Row) -> DbResult<PasswordForgotToken> {
    Ok(PasswordForgotToken {
        core: core(r)?,
        pass_code: fixed(r, 4)?,
        tries: get(r, 5)?,
    })
}

pub(super) type Params<'a> = [&'a (dyn ToSql + Sync)];

/// Runs a cached prepared statement; returns the affected-row count.
pub(super) async fn exec<C: GenericClient>(c: &C, sql: &str, params: &Params<'_>) -> DbResult<u64> {
    let st = c.prepare_cached(sql).await.map_err(pg_err)?;
    c.execute(&st, params).await.map_err(pg_err)
}

/// Runs a cached prepared statement expected to return at most one row.
pub(super) async fn query_opt<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &Params<'_>,
) -> DbResult<Option<Row>> {
    let st = c.prepare_cached(sql).await.map_err(pg_err)?;
    c.query_opt(&st, params).await.map_err(pg_err)
}

/// Runs a cached prepared statement expected to return exactly one row.
pub(super) async fn query_one<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &Params<'_>,
) -> DbResult<Row> {
    let st = c.prepare_cached(sql).await.map_err(pg_err)?;
    c.query_one(&st, params).await.map_err(pg_err)
}

/// Runs a cached prepared statement returning any number of rows.
pub(super) async fn query<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &Params<'_>,
) -> DbResult<Vec<Row>> {
    let st = c.prepare_cached(sql).await.map_err(pg_err)?;
    c.query(&st, params).await.map_err(pg_err)
}
