//! Token statements for PostgreSQL (sessions, keyFetch, plain, passwordForgot) and pruning.

use deadpool_postgres::GenericClient;

use super::rows::{self, exec, query, query_opt};
use crate::cols::{core_cols, forgot_cols, key_fetch_cols, plain_sql, session_cols};
use crate::model::*;
use crate::store::{DbError, DbResult, PruneCutoffs};

pub(super) async fn insert_session<C: GenericClient>(tx: &C, s: &SessionToken) -> DbResult<()> {
    let tvid = s.unverified.as_ref().map(|u| &u.token_verification_id[..]);
    let must_verify = s.unverified.as_ref().is_some_and(|u| u.must_verify);
    let method = s.verification_method.map(VerificationMethod::code);
    let ua = &s.user_agent;
    let sql = concat!(
        "INSERT INTO session_tokens (",
        session_cols!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
    );
    exec(
        tx,
        sql,
        &[
            &&s.core.id_hash[..],
            &s.core.auth_key_sealed,
            &&s.core.uid[..],
            &s.core.created_at,
            &ua.browser,
            &ua.browser_version,
            &ua.os,
            &ua.os_version,
            &ua.device_type,
            &ua.form_factor,
            &s.last_access_time,
            &s.auth_at,
            &tvid,
            &must_verify,
            &method,
            &s.verified_at,
        ],
    )
    .await?;
    Ok(())
}

pub(super) async fn insert_key_fetch<C: GenericClient>(tx: &C, k: &KeyFetchToken) -> DbResult<()> {
    let sql = concat!(
        "INSERT INTO key_fetch_tokens (",
        key_fetch_cols!(),
        ") VALUES ($1, $2, $3, $4, $5, $6)"
    );
    let tvid = k.token_verification_id.as_ref().map(|t| &t[..]);
    let c = &k.core;
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 6] = [
        &&c.id_hash[..],
        &c.auth_key_sealed,
        &&c.uid[..],
        &c.created_at,
        &k.key_bundle,
        &tvid,
    ];
    exec(tx, sql, &params).await?;
    Ok(())
}

pub(super) async fn session<C: GenericClient>(
    c: &C,
    id: &TokenIdHash,
) -> DbResult<Option<SessionToken>> {
    let sql = concat!(
        "SELECT ",
        session_cols!(),
        " FROM session_tokens WHERE id_hash = $1"
    );
    let row = query_opt(c, sql, &[&&id[..]]).await?;
    row.as_ref().map(rows::session).transpose()
}

pub(super) async fn sessions_for<C: GenericClient>(
    c: &C,
    uid: &Uid,
) -> DbResult<Vec<SessionToken>> {
    let sql = concat!(
        "SELECT ",
        session_cols!(),
        " FROM session_tokens WHERE uid = $1 ORDER BY created_at, id_hash"
    );
    query(c, sql, &[&&uid[..]])
        .await?
        .iter()
        .map(rows::session)
        .collect()
}

/// Must run inside a transaction.
pub(super) async fn delete_session<C: GenericClient>(tx: &C, id: &TokenIdHash) -> DbResult<bool> {
    let sql = "DELETE FROM session_tokens WHERE id_hash = $1 RETURNING uid, token_verification_id";
    let Some(row) = query_opt(tx, sql, &[&&id[..]]).await? else {
        return Ok(false);
    };
    let uid: &[u8] = rows::get(&row, 0)?;
    if let Some(tvid) = rows::get::<Option<&[u8]>>(&row, 1)? {
        let sql = "DELETE FROM key_fetch_tokens WHERE uid = $1 AND token_verification_id = $2";
        exec(tx, sql, &[&uid, &tvid]).await?;
    }
    Ok(true)
}

/// Must run inside a transaction.
pub(super) async fn reauth_session<C: GenericClient>(
    tx: &C,
    id: &TokenIdHash,
    auth_at: Millis,
    unverified: Option<&Unverified>,
    key_fetch: &[KeyFetchToken],
) -> DbResult<bool> {
    // A session that must be confirmed again forgets how it was confirmed before.
    let sql = if unverified.is_some() {
        "UPDATE session_tokens SET auth_at = $2, token_verification_id = $3, must_verify = $4, \
         verification_method = NULL, verified_at = NULL WHERE id_hash = $1"
    } else {
        "UPDATE session_tokens SET auth_at = $2, token_verification_id = $3, must_verify = $4 \
         WHERE id_hash = $1"
    };
    let tvid = unverified.map(|u| &u.token_verification_id[..]);
    let must_verify = unverified.is_some_and(|u| u.must_verify);
    if exec(tx, sql, &[&&id[..], &auth_at, &tvid, &must_verify]).await? == 0 {
        return Ok(false);
    }
    for k in key_fetch {
        insert_key_fetch(tx, k).await?;
    }
    Ok(true)
}

pub(super) async fn key_fetch_token<C: GenericClient>(
    c: &C,
    id: &TokenIdHash,
) -> DbResult<Option<KeyFetchToken>> {
    let sql = concat!(
        "SELECT ",
        key_fetch_cols!(),
        " FROM key_fetch_tokens WHERE id_hash = $1"
    );
    let row = query_opt(c, sql, &[&&id[..]]).await?;
    row.as_ref().map(rows::key_fetch).transpose()
}

/// `DELETE … WHERE id_hash = $1` on any token table; true if a row went.
pub(super) async fn delete_by_id<C: GenericClient>(
    c: &C,
    sql: &str,
    id: &TokenIdHash,
) -> DbResult<bool> {
    Ok(exec(c, sql, &[&&id[..]]).await? > 0)
}

pub(super) async fn create_plain_token<C: GenericClient>(
    c: &C,
    kind: PlainTokenKind,
    t: &TokenCore,
) -> DbResult<()> {
    let sql = match kind {
        PlainTokenKind::PasswordChange => concat!(
            "INSERT INTO password_change_tokens (",
            core_cols!(),
            ") VALUES ($1, $2, $3, $4)"
        ),
        PlainTokenKind::AccountReset => concat!(
            "INSERT INTO account_reset_tokens (",
            core_cols!(),
            ") VALUES ($1, $2, $3, $4) ON CONFLICT (uid) DO UPDATE SET \
             id_hash = excluded.id_hash, auth_key_sealed = excluded.auth_key_sealed, \
             created_at = excluded.created_at"
        ),
    };
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 4] = [
        &&t.id_hash[..],
        &t.auth_key_sealed,
        &&t.uid[..],
        &t.created_at,
    ];
    exec(c, sql, &params).await?;
    Ok(())
}

/// Must run inside a transaction.
pub(super) async fn create_password_change<C: GenericClient>(
    tx: &C,
    change_token: &TokenCore,
    key_fetch: &KeyFetchToken,
) -> DbResult<()> {
    create_plain_token(tx, PlainTokenKind::PasswordChange, change_token).await?;
    insert_key_fetch(tx, key_fetch).await
}

pub(super) async fn plain_token<C: GenericClient>(
    c: &C,
    kind: PlainTokenKind,
    id: &TokenIdHash,
) -> DbResult<Option<TokenCore>> {
    let sql = plain_sql!(kind, "SELECT ", core_cols!(), " FROM " ; " WHERE id_hash = $1");
    let row = query_opt(c, sql, &[&&id[..]]).await?;
    row.as_ref().map(rows::core).transpose()
}

pub(super) async fn create_forgot<C: GenericClient>(
    c: &C,
    t: &PasswordForgotToken,
) -> DbResult<()> {
    let sql = concat!(
        "INSERT INTO password_forgot_tokens (",
        forgot_cols!(),
        ") VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (uid) DO UPDATE SET \
         id_hash = excluded.id_hash, auth_key_sealed = excluded.auth_key_sealed, \
         created_at = excluded.created_at, pass_code = excluded.pass_code, tries = excluded.tries"
    );
    let k = &t.core;
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 6] = [
        &&k.id_hash[..],
        &k.auth_key_sealed,
        &&k.uid[..],
        &k.created_at,
        &&t.pass_code[..],
        &t.tries,
    ];
    exec(c, sql, &params).await?;
    Ok(())
}

pub(super) async fn forgot<C: GenericClient>(
    c: &C,
    id: &TokenIdHash,
) -> DbResult<Option<PasswordForgotToken>> {
    let sql = concat!(
        "SELECT ",
        forgot_cols!(),
        " FROM password_forgot_tokens WHERE id_hash = $1"
    );
    let row = query_opt(c, sql, &[&&id[..]]).await?;
    row.as_ref().map(rows::forgot).transpose()
}

/// Must run inside a transaction.
pub(super) async fn spend_forgot_try<C: GenericClient>(
    tx: &C,
    id: &TokenIdHash,
) -> DbResult<Option<i32>> {
    let sql =
        "UPDATE password_forgot_tokens SET tries = tries - 1 WHERE id_hash = $1 RETURNING tries";
    let Some(row) = query_opt(tx, sql, &[&&id[..]]).await? else {
        return Ok(None);
    };
    let left: i32 = rows::get(&row, 0)?;
    if left > 0 {
        return Ok(Some(left));
    }
    delete_by_id(
        tx,
        "DELETE FROM password_forgot_tokens WHERE id_hash = $1",
        id,
    )
    .await?;
    Ok(Some(0))
}

/// Must run inside a transaction.
pub(super) async fn exchange_forgot<C: GenericClient>(
    tx: &C,
    forgot_id: &TokenIdHash,
    reset: &TokenCore,
) -> DbResult<bool> {
    let sql = "DELETE FROM password_forgot_tokens WHERE id_hash = $1 RETURNING uid";
    let Some(row) = query_opt(tx, sql, &[&&forgot_id[..]]).await? else {
        return Ok(false);
    };
    if rows::get::<&[u8]>(&row, 0)? != reset.uid {
        return Err(DbError::Backend(
            "accountReset token is for another account than the passwordForgot token".into(),
        ));
    }
    create_plain_token(tx, PlainTokenKind::AccountReset, reset).await?;
    Ok(true)
}

/// Must run inside a transaction.
pub(super) async fn prune<C: GenericClient>(tx: &C, cut: &PruneCutoffs) -> DbResult<u64> {
    let mut steps = vec![
        (
            "DELETE FROM password_change_tokens WHERE created_at < $1",
            cut.password_change,
        ),
        (
            "DELETE FROM password_forgot_tokens WHERE created_at < $1",
            cut.password_forgot,
        ),
        (
            "DELETE FROM account_reset_tokens WHERE created_at < $1",
            cut.account_reset,
        ),
        (
            "DELETE FROM one_time_codes WHERE created_at < $1",
            cut.one_time_code,
        ),
        (
            "DELETE FROM rate_limits WHERE window_start < $1 \
             AND (banned_until IS NULL OR banned_until < $1)",
            cut.rate_limit,
        ),
    ];
    if let Some(session) = cut.session {
        steps.push(("DELETE FROM session_tokens WHERE created_at < $1", session));
    }
    let mut total = 0;
    for (sql, cutoff) in steps {
        total += exec(tx, sql, &[&cutoff]).await?;
    }
    Ok(total)
}
