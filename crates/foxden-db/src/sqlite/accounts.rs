//! Account statements for SQLite. Each function runs on a connection or inside
//! the transaction [`super::SqliteDb::write`] opened.

use rusqlite::{params, Connection, OptionalExtension};

use super::rows::{self, sql_err};
use super::tokens::{insert_key_fetch, insert_session};
use crate::cols::account_cols;
use crate::model::*;
use crate::store::DbResult;
use crate::swap::{CredentialSwap, SwapToken};

pub(super) fn create_account(tx: &Connection, new: &NewAccount) -> DbResult<()> {
    if let Some(old) = &new.replace_uid {
        delete_account(tx, old)?;
    }
    insert_account(tx, &new.account)?;
    insert_session(tx, &new.session)?;
    for kf in &new.key_fetch {
        insert_key_fetch(tx, kf)?;
    }
    Ok(())
}

fn insert_account(tx: &Connection, a: &Account) -> DbResult<()> {
    let v2 = a.v2.as_ref();
    tx.prepare_cached(concat!(
        "INSERT INTO accounts (",
        account_cols!(),
        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, \
         ?18, ?19, ?20)"
    ))
    .and_then(|mut st| {
        st.execute(params![
            a.uid,
            a.email,
            a.normalized_email,
            a.email_code,
            a.email_verified,
            a.ka,
            a.wrap_wrap_kb,
            a.auth_salt,
            a.verify_hash,
            a.verifier_version,
            a.verifier_set_at,
            v2.map(|v| &v.client_salt),
            v2.map(|v| v.verify_hash),
            v2.map(|v| v.wrap_wrap_kb),
            a.created_at,
            a.locale,
            a.keys_changed_at,
            a.profile_changed_at,
            a.disabled_at,
            a.locked_at,
        ])
    })
    .map_err(sql_err)?;
    Ok(())
}

pub(super) fn account(c: &Connection, uid: &Uid) -> DbResult<Option<Account>> {
    c.prepare_cached(concat!(
        "SELECT ",
        account_cols!(),
        " FROM accounts WHERE uid = ?1"
    ))
    .and_then(|mut st| st.query_row([uid], rows::account).optional())
    .map_err(sql_err)
}

pub(super) fn account_by_email(c: &Connection, email: &str) -> DbResult<Option<Account>> {
    c.prepare_cached(concat!(
        "SELECT ",
        account_cols!(),
        " FROM accounts WHERE normalized_email = ?1"
    ))
    .and_then(|mut st| st.query_row([email], rows::account).optional())
    .map_err(sql_err)
}

pub(super) fn delete_account(tx: &Connection, uid: &Uid) -> DbResult<bool> {
    let n = tx
        .prepare_cached("DELETE FROM accounts WHERE uid = ?1")
        .and_then(|mut st| st.execute([uid]))
        .map_err(sql_err)?;
    Ok(n > 0)
}

pub(super) fn set_email_verified(tx: &Connection, uid: &Uid) -> DbResult<bool> {
    let n = tx
        .prepare_cached(
            "UPDATE accounts SET email_verified = 1 WHERE uid = ?1 AND email_verified = 0",
        )
        .and_then(|mut st| st.execute([uid]))
        .map_err(sql_err)?;
    Ok(n > 0)
}

pub(super) fn verify_email_code(
    tx: &Connection,
    uid: &Uid,
    code: &[u8; 16],
    method: VerificationMethod,
    now: Millis,
) -> DbResult<CodeOutcome> {
    let row: Option<([u8; 16], bool)> = tx
        .prepare_cached("SELECT email_code, email_verified FROM accounts WHERE uid = ?1")
        .and_then(|mut st| {
            st.query_row([uid], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .map_err(sql_err)?;
    let Some((email_code, email_verified)) = row else {
        return Ok(CodeOutcome::default());
    };
    tx.prepare_cached(
        "UPDATE security_events SET verified = 1 WHERE uid = ?1 AND verified = 0 \
         AND token_id_hash IN (SELECT id_hash FROM session_tokens \
         WHERE uid = ?1 AND token_verification_id = ?2)",
    )
    .and_then(|mut st| st.execute(params![uid, code]))
    .map_err(sql_err)?;
    let sessions = tx
        .prepare_cached(
            "UPDATE session_tokens SET token_verification_id = NULL, must_verify = 0, \
             verification_method = ?3, verified_at = ?4 \
             WHERE uid = ?1 AND token_verification_id = ?2",
        )
        .and_then(|mut st| st.execute(params![uid, code, method.code(), now]))
        .map_err(sql_err)?;
    let key_fetches = tx
        .prepare_cached(
            "UPDATE key_fetch_tokens SET token_verification_id = NULL \
             WHERE uid = ?1 AND token_verification_id = ?2",
        )
        .and_then(|mut st| st.execute(params![uid, code]))
        .map_err(sql_err)?;
    let mut out = CodeOutcome {
        session_verified: sessions + key_fetches > 0,
        matched_email_code: crate::ct_eq(&email_code, code),
        account_newly_verified: false,
    };
    if out.matched() && !email_verified {
        out.account_newly_verified = set_email_verified(tx, uid)?;
    }
    Ok(out)
}

/// Every token table of an account, for a password change or reset (the account row stays).
const TOKEN_TABLES_BY_UID: [&str; 5] = [
    "DELETE FROM session_tokens WHERE uid = ?1",
    "DELETE FROM key_fetch_tokens WHERE uid = ?1",
    "DELETE FROM password_change_tokens WHERE uid = ?1",
    "DELETE FROM password_forgot_tokens WHERE uid = ?1",
    "DELETE FROM account_reset_tokens WHERE uid = ?1",
];

/// A password change or reset in the caller's transaction (see `crate::swap`).
/// False, with nothing written, when the authorising token is gone.
pub(super) fn swap_credentials(tx: &Connection, sw: &CredentialSwap) -> DbResult<bool> {
    let consume = match sw.token {
        SwapToken::PasswordChange => {
            "DELETE FROM password_change_tokens WHERE id_hash = ?1 AND uid = ?2"
        }
        SwapToken::AccountReset => {
            "DELETE FROM account_reset_tokens WHERE id_hash = ?1 AND uid = ?2"
        }
    };
    let consumed = tx
        .prepare_cached(consume)
        .and_then(|mut st| st.execute(params![sw.token_id_hash, sw.uid]))
        .map_err(sql_err)?;
    if consumed == 0 {
        return Ok(false);
    }
    let v2 = sw.v2;
    tx.prepare_cached(
        "UPDATE accounts SET auth_salt = ?2, verify_hash = ?3, wrap_wrap_kb = ?4, \
         verifier_version = 1, verifier_set_at = ?5, client_salt = ?6, verify_hash_v2 = ?7, \
         wrap_wrap_kb_v2 = ?8, keys_changed_at = COALESCE(?9, keys_changed_at), \
         email_verified = CASE WHEN ?9 IS NULL THEN email_verified ELSE 1 END WHERE uid = ?1",
    )
    .and_then(|mut st| {
        st.execute(params![
            sw.uid,
            sw.auth_salt,
            sw.verify_hash,
            sw.wrap_wrap_kb,
            sw.verifier_set_at,
            v2.map(|v| &v.client_salt),
            v2.map(|v| v.verify_hash),
            v2.map(|v| v.wrap_wrap_kb),
            sw.reset_keys_changed_at,
        ])
    })
    .map_err(sql_err)?;
    for sql in TOKEN_TABLES_BY_UID {
        tx.prepare_cached(sql)
            .and_then(|mut st| st.execute([sw.uid]))
            .map_err(sql_err)?;
    }
    if let Some(session) = sw.new_session {
        insert_session(tx, session)?;
    }
    sw.key_fetch
        .iter()
        .try_for_each(|k| insert_key_fetch(tx, k))?;
    Ok(true)
}
