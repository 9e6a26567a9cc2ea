//! Token statements for SQLite (sessions, keyFetch, plain, passwordForgot) and pruning.

use rusqlite::{params, Connection, OptionalExtension};

use super::rows::{self, sql_err};
use crate::cols::{core_cols, forgot_cols, key_fetch_cols, plain_sql, session_cols};
use crate::model::*;
use crate::store::{DbError, DbResult, PruneCutoffs};

pub(super) fn insert_session(tx: &Connection, s: &SessionToken) -> DbResult<()> {
    let (tvid, must_verify) = match &s.unverified {
        Some(u) => (Some(u.token_verification_id), u.must_verify),
        None => (None, false),
    };
    let ua = &s.user_agent;
    tx.prepare_cached(concat!(
        "INSERT INTO session_tokens (",
        session_cols!(),
        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
    ))
    .and_then(|mut st| {
        st.execute(params![
            s.core.id_hash,
            s.core.auth_key_sealed,
            s.core.uid,
            s.core.created_at,
            ua.browser,
            ua.browser_version,
            ua.os,
            ua.os_version,
            ua.device_type,
            ua.form_factor,
            s.last_access_time,
            s.auth_at,
            tvid,
            must_verify,
            s.verification_method.map(VerificationMethod::code),
            s.verified_at,
        ])
    })
    .map_err(sql_err)?;
    Ok(())
}

pub(super) fn insert_key_fetch(tx: &Connection, k: &KeyFetchToken) -> DbResult<()> {
    tx.prepare_cached(concat!(
        "INSERT INTO key_fetch_tokens (",
        key_fetch_cols!(),
        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
    ))
    .and_then(|mut st| {
        st.execute(params![
            k.core.id_hash,
            k.core.auth_key_sealed,
            k.core.uid,
            k.core.created_at,
            k.key_bundle,
            k.token_verification_id,
        ])
    })
    .map_err(sql_err)?;
    Ok(())
}

pub(super) fn create_session(
    tx: &Connection,
    session: &SessionToken,
    key_fetch: &[KeyFetchToken],
) -> DbResult<()> {
    insert_session(tx, session)?;
    key_fetch.iter().try_for_each(|k| insert_key_fetch(tx, k))
}

pub(super) fn session(c: &Connection, id: &TokenIdHash) -> DbResult<Option<SessionToken>> {
    c.prepare_cached(concat!(
        "SELECT ",
        session_cols!(),
        " FROM session_tokens WHERE id_hash = ?1"
    ))
    .and_then(|mut st| st.query_row([id], rows::session).optional())
    .map_err(sql_err)
}

pub(super) fn sessions_for(c: &Connection, uid: &Uid) -> DbResult<Vec<SessionToken>> {
    c.prepare_cached(concat!(
        "SELECT ",
        session_cols!(),
        " FROM session_tokens WHERE uid = ?1 ORDER BY created_at, id_hash"
    ))
    .and_then(|mut st| st.query_map([uid], rows::session)?.collect())
    .map_err(sql_err)
}

pub(super) fn delete_session(tx: &Connection, id: &TokenIdHash) -> DbResult<bool> {
    let gone: Option<(Uid, Option<[u8; 16]>)> = tx
        .prepare_cached(
            "DELETE FROM session_tokens WHERE id_hash = ?1 RETURNING uid, token_verification_id",
        )
        .and_then(|mut st| {
            st.query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .map_err(sql_err)?;
    let Some((uid, tvid)) = gone else {
        return Ok(false);
    };
    if let Some(tvid) = tvid {
        tx.prepare_cached(
            "DELETE FROM key_fetch_tokens WHERE uid = ?1 AND token_verification_id = ?2",
        )
        .and_then(|mut st| st.execute(params![uid, tvid]))
        .map_err(sql_err)?;
    }
    Ok(true)
}

pub(super) fn touch_session(tx: &Connection, id: &TokenIdHash, at: Millis) -> DbResult<()> {
    tx.prepare_cached("UPDATE session_tokens SET last_access_time = ?2 WHERE id_hash = ?1")
        .and_then(|mut st| st.execute(params![id, at]))
        .map_err(sql_err)?;
    Ok(())
}

pub(super) fn reauth_session(
    tx: &Connection,
    id: &TokenIdHash,
    auth_at: Millis,
    unverified: Option<&Unverified>,
    key_fetch: &[KeyFetchToken],
) -> DbResult<bool> {
    // A session that must be confirmed again forgets how it was confirmed before.
    let sql = if unverified.is_some() {
        "UPDATE session_tokens SET auth_at = ?2, token_verification_id = ?3, must_verify = ?4, \
         verification_method = NULL, verified_at = NULL WHERE id_hash = ?1"
    } else {
        "UPDATE session_tokens SET auth_at = ?2, token_verification_id = ?3, must_verify = ?4 \
         WHERE id_hash = ?1"
    };
    let tvid = unverified.map(|u| u.token_verification_id);
    let must_verify = unverified.is_some_and(|u| u.must_verify);
    let n = tx
        .prepare_cached(sql)
        .and_then(|mut st| st.execute(params![id, auth_at, tvid, must_verify]))
        .map_err(sql_err)?;
    if n == 0 {
        return Ok(false);
    }
    key_fetch.iter().try_for_each(|k| insert_key_fetch(tx, k))?;
    Ok(true)
}

pub(super) fn key_fetch_token(c: &Connection, id: &TokenIdHash) -> DbResult<Option<KeyFetchToken>> {
    c.prepare_cached(concat!(
        "SELECT ",
        key_fetch_cols!(),
        " FROM key_fetch_tokens WHERE id_hash = ?1"
    ))
    .and_then(|mut st| st.query_row([id], rows::key_fetch).optional())
    .map_err(sql_err)
}

/// `DELETE … WHERE id_hash = ?1` on any token table; true if a row went.
pub(super) fn delete_by_id(tx: &Connection, sql: &str, id: &TokenIdHash) -> DbResult<bool> {
    let n = tx
        .prepare_cached(sql)
        .and_then(|mut st| st.execute([id]))
        .map_err(sql_err)?;
    Ok(n > 0)
}

pub(super) fn create_plain_token(
    tx: &Connection,
    kind: PlainTokenKind,
    t: &TokenCore,
) -> DbResult<()> {
    let sql = match kind {
        PlainTokenKind::PasswordChange => concat!(
            "INSERT INTO password_change_tokens (",
            core_cols!(),
            ") VALUES (?1, ?2, ?3, ?4)"
        ),
        PlainTokenKind::AccountReset => concat!(
            "INSERT INTO account_reset_tokens (",
            core_cols!(),
            ") VALUES (?1, ?2, ?3, ?4) ON CONFLICT (uid) DO UPDATE SET \
             id_hash = excluded.id_hash, auth_key_sealed = excluded.auth_key_sealed, \
             created_at = excluded.created_at"
        ),
    };
    tx.prepare_cached(sql)
        .and_then(|mut st| st.execute(params![t.id_hash, t.auth_key_sealed, t.uid, t.created_at]))
        .map_err(sql_err)?;
    Ok(())
}

pub(super) fn create_password_change(
    tx: &Connection,
    change_token: &TokenCore,
    key_fetch: &KeyFetchToken,
) -> DbResult<()> {
    create_plain_token(tx, PlainTokenKind::PasswordChange, change_token)?;
    insert_key_fetch(tx, key_fetch)
}

pub(super) fn plain_token(
    c: &Connection,
    kind: PlainTokenKind,
    id: &TokenIdHash,
) -> DbResult<Option<TokenCore>> {
    let sql = plain_sql!(kind, "SELECT ", core_cols!(), " FROM " ; " WHERE id_hash = ?1");
    c.prepare_cached(sql)
        .and_then(|mut st| st.query_row([id], rows::core).optional())
        .map_err(sql_err)
}

pub(super) fn create_forgot(tx: &Connection, t: &PasswordForgotToken) -> DbResult<()> {
    tx.prepare_cached(concat!(
        "INSERT INTO password_forgot_tokens (",
        forgot_cols!(),
        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (uid) DO UPDATE SET \
         id_hash = excluded.id_hash, auth_key_sealed = excluded.auth_key_sealed, \
         created_at = excluded.created_at, pass_code = excluded.pass_code, tries = excluded.tries"
    ))
    .and_then(|mut st| {
        let c = &t.core;
        st.execute(params![
            c.id_hash,
            c.auth_key_sealed,
            c.uid,
            c.created_at,
            t.pass_code,
            t.tries
        ])
    })
    .map_err(sql_err)?;
    Ok(())
}

pub(super) fn forgot(c: &Connection, id: &TokenIdHash) -> DbResult<Option<PasswordForgotToken>> {
    c.prepare_cached(concat!(
        "SELECT ",
        forgot_cols!(),
        " FROM password_forgot_tokens WHERE id_hash = ?1"
    ))
    .and_then(|mut st| st.query_row([id], rows::forgot).optional())
    .map_err(sql_err)
}

pub(super) fn spend_forgot_try(tx: &Connection, id: &TokenIdHash) -> DbResult<Option<i32>> {
    let left: Option<i32> = tx
        .prepare_cached(
            "UPDATE password_forgot_tokens SET tries = tries - 1 WHERE id_hash = ?1 RETURNING tries",
        )
        .and_then(|mut st| st.query_row([id], |r| r.get(0)).optional())
        .map_err(sql_err)?;
    match left {
        Some(n) if n <= 0 => {
            delete_by_id(
                tx,
                "DELETE FROM password_forgot_tokens WHERE id_hash = ?1",
                id,
            )?;
            Ok(Some(0))
        }
        other => Ok(other),
    }
}

pub(super) fn exchange_forgot(
    tx: &Connection,
    forgot_id: &TokenIdHash,
    reset: &TokenCore,
) -> DbResult<bool> {
    let uid: Option<Uid> = tx
        .prepare_cached("DELETE FROM password_forgot_tokens WHERE id_hash = ?1 RETURNING uid")
        .and_then(|mut st| st.query_row([forgot_id], |r| r.get(0)).optional())
        .map_err(sql_err)?;
    match uid {
        None => Ok(false),
        Some(uid) if uid != reset.uid => Err(DbError::Backend(
            "accountReset token is for another account than the passwordForgot token".into(),
        )),
        Some(_) => create_plain_token(tx, PlainTokenKind::AccountReset, reset).map(|()| true),
    }
}

pub(super) fn prune(tx: &Connection, cut: &PruneCutoffs) -> DbResult<u64> {
    let mut steps = vec![
        (
            "DELETE FROM password_change_tokens WHERE created_at < ?1",
            cut.password_change,
        ),
        (
            "DELETE FROM password_forgot_tokens WHERE created_at < ?1",
            cut.password_forgot,
        ),
        (
            "DELETE FROM account_reset_tokens WHERE created_at < ?1",
            cut.account_reset,
        ),
        (
            "DELETE FROM one_time_codes WHERE created_at < ?1",
            cut.one_time_code,
        ),
        (
            "DELETE FROM rate_limits WHERE window_start < ?1 \
             AND (banned_until IS NULL OR banned_until < ?1)",
            cut.rate_limit,
        ),
    ];
    if let Some(session) = cut.session {
        steps.push(("DELETE FROM session_tokens WHERE created_at < ?1", session));
    }
    let mut total = 0u64;
    for (sql, cutoff) in steps {
        let n = tx
            .prepare_cached(sql)
            .and_then(|mut st| st.execute([cutoff]))
            .map_err(sql_err)?;
        total += n as u64;
    }
    Ok(total)
}
