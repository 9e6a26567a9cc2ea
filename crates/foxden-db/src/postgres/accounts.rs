//! Account statements for PostgreSQL, on a pooled connection or a transaction.

use deadpool_postgres::GenericClient;

use super::rows::{self, exec, query_opt};
use super::tokens::{insert_key_fetch, insert_session};
use crate::cols::account_cols;
use crate::model::*;
use crate::store::DbResult;
use crate::swap::{CredentialSwap, SwapToken};

/// Must run inside a transaction.
pub(super) async fn create_account<C: GenericClient>(tx: &C, new: &NewAccount) -> DbResult<()> {
    if let Some(old) = &new.replace_uid {
        delete_account(tx, old).await?;
    }
    insert_account(tx, &new.account).await?;
    insert_session(tx, &new.session).await?;
    for kf in &new.key_fetch {
        insert_key_fetch(tx, kf).await?;
    }
    Ok(())
}

async fn insert_account<C: GenericClient>(tx: &C, a: &Account) -> DbResult<()> {
    let v2 = a.v2.as_ref();
    let client_salt = v2.map(|v| v.client_salt.as_str());
    let verify_hash_v2 = v2.map(|v| &v.verify_hash[..]);
    let wrap_wrap_kb_v2 = v2.map(|v| &v.wrap_wrap_kb[..]);
    exec(
        tx,
        concat!(
            "INSERT INTO accounts (",
            account_cols!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
             $17, $18, $19, $20)"
        ),
        &[
            &&a.uid[..],
            &a.email,
            &a.normalized_email,
            &&a.email_code[..],
            &a.email_verified,
            &&a.ka[..],
            &&a.wrap_wrap_kb[..],
            &&a.auth_salt[..],
            &&a.verify_hash[..],
            &a.verifier_version,
            &a.verifier_set_at,
            &client_salt,
            &verify_hash_v2,
            &wrap_wrap_kb_v2,
            &a.created_at,
            &a.locale,
            &a.keys_changed_at,
            &a.profile_changed_at,
            &a.disabled_at,
            &a.locked_at,
        ],
    )
    .await?;
    Ok(())
}

pub(super) async fn account<C: GenericClient>(c: &C, uid: &Uid) -> DbResult<Option<Account>> {
    let sql = concat!("SELECT ", account_cols!(), " FROM accounts WHERE uid = $1");
    query_opt(c, sql, &[&&uid[..]])
        .await?
        .as_ref()
        .map(rows::account)
        .transpose()
}

pub(super) async fn account_by_email<C: GenericClient>(
    c: &C,
    email: &str,
) -> DbResult<Option<Account>> {
    let sql = concat!(
        "SELECT ",
        account_cols!(),
        " FROM accounts WHERE normalized_email = $1"
    );
    query_opt(c, sql, &[&email])
        .await?
        .as_ref()
        .map(rows::account)
        .transpose()
}

pub(super) async fn delete_account<C: GenericClient>(c: &C, uid: &Uid) -> DbResult<bool> {
    let n = exec(c, "DELETE FROM accounts WHERE uid = $1", &[&&uid[..]]).await?;
    Ok(n > 0)
}

pub(super) async fn set_email_verified<C: GenericClient>(c: &C, uid: &Uid) -> DbResult<bool> {
    let sql = "UPDATE accounts SET email_verified = TRUE WHERE uid = $1 AND NOT email_verified";
    Ok(exec(c, sql, &[&&uid[..]]).await? > 0)
}

/// Must run inside a transaction. Locks the account row first, in the same order as
/// `delete_account` (account, then its tokens), so the two cannot deadlock.
pub(super) async fn verify_email_code<C: GenericClient>(
    tx: &C,
    uid: &Uid,
    code: &[u8; 16],
    method: VerificationMethod,
    now: Millis,
) -> DbResult<CodeOutcome> {
    let (uid, code_bytes) = (&uid[..], &code[..]);
    let sql = "SELECT email_code, email_verified FROM accounts WHERE uid = $1 FOR UPDATE";
    let Some(row) = query_opt(tx, sql, &[&uid]).await? else {
        return Ok(CodeOutcome::default());
    };
    let email_code: [u8; 16] = rows::fixed(&row, 0)?;
    let email_verified: bool = rows::get(&row, 1)?;
    exec(
        tx,
        "UPDATE security_events SET verified = TRUE WHERE uid = $1 AND NOT verified \
         AND token_id_hash IN (SELECT id_hash FROM session_tokens \
         WHERE uid = $1 AND token_verification_id = $2)",
        &[&uid, &code_bytes],
    )
    .await?;
    let sessions = exec(
        tx,
        "UPDATE session_tokens SET token_verification_id = NULL, must_verify = FALSE, \
         verification_method = $3, verified_at = $4 \
         WHERE uid = $1 AND token_verification_id = $2",
        &[&uid, &code_bytes, &method.code(), &now],
    )
    .await?;
    let key_fetches = exec(
        tx,
        "UPDATE key_fetch_tokens SET token_verification_id = NULL \
         WHERE uid = $1 AND token_verification_id = $2",
        &[&uid, &code_bytes],
    )
    .await?;
    let mut out = CodeOutcome {
        session_verified: sessions + key_fetches > 0,
        matched_email_code: crate::ct_eq(&email_code, code),
        account_newly_verified: false,
    };
    if out.matched() && !email_verified {
        let sql = "UPDATE accounts SET email_verified = TRUE WHERE uid = $1";
        out.account_newly_verified = exec(tx, sql, &[&uid]).await? > 0;
    }
    Ok(out)
}

/// Every token table of an account, for a password change or reset (the account row stays).
const TOKEN_TABLES_BY_UID: [&str; 5] = [
    "DELETE FROM session_tokens WHERE uid = $1",
    "DELETE FROM key_fetch_tokens WHERE uid = $1",
    "DELETE FROM password_change_tokens WHERE uid = $1",
    "DELETE FROM password_forgot_tokens WHERE uid = $1",
    "DELETE FROM account_reset_tokens WHERE uid = $1",
];

/// A password change or reset (see `crate::swap`); must run inside a transaction.
/// Locks the account row before consuming the authorising token (the order
/// `delete_account` takes: account, then its tokens), so the two cannot deadlock,
/// and concurrent calls with one token queue on the account and only the first
/// finds the token. False, with nothing written, when the account or token is gone.
pub(super) async fn swap_credentials<C: GenericClient>(
    tx: &C,
    sw: &CredentialSwap<'_>,
) -> DbResult<bool> {
    let uid = &sw.uid[..];
    let sql = "SELECT 1 FROM accounts WHERE uid = $1 FOR UPDATE";
    if query_opt(tx, sql, &[&uid]).await?.is_none() {
        return Ok(false);
    }
    let consume = match sw.token {
        SwapToken::PasswordChange => {
            "DELETE FROM password_change_tokens WHERE id_hash = $1 AND uid = $2"
        }
        SwapToken::AccountReset => {
            "DELETE FROM account_reset_tokens WHERE id_hash = $1 AND uid = $2"
        }
    };
    if exec(tx, consume, &[&&sw.token_id_hash[..], &uid]).await? == 0 {
        return Ok(false);
    }
    let v2 = sw.v2;
    let client_salt = v2.map(|v| v.client_salt.as_str());
    let verify_hash_v2 = v2.map(|v| &v.verify_hash[..]);
    let wrap_wrap_kb_v2 = v2.map(|v| &v.wrap_wrap_kb[..]);
    exec(
        tx,
        "UPDATE accounts SET auth_salt = $2, verify_hash = $3, wrap_wrap_kb = $4, \
         verifier_version = 1, verifier_set_at = $5, client_salt = $6, verify_hash_v2 = $7, \
         wrap_wrap_kb_v2 = $8, keys_changed_at = COALESCE($9, keys_changed_at), \
         email_verified = (email_verified OR $9::BIGINT IS NOT NULL) WHERE uid = $1",
        &[
            &uid,
            &&sw.auth_salt[..],
            &&sw.verify_hash[..],
            &&sw.wrap_wrap_kb[..],
            &sw.verifier_set_at,
            &client_salt,
            &verify_hash_v2,
            &wrap_wrap_kb_v2,
            &sw.reset_keys_changed_at,
        ],
    )
    .await?;
    for sql in TOKEN_TABLES_BY_UID {
        exec(tx, sql, &[&uid]).await?;
    }
    if let Some(session) = sw.new_session {
        insert_session(tx, session).await?;
    }
    for k in sw.key_fetch {
        insert_key_fetch(tx, k).await?;
    }
    Ok(true)
}
