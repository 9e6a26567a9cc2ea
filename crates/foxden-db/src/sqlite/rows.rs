//! Column lists, row → model mapping and error mapping for SQLite.

use rusqlite::types::Type;
use rusqlite::{ffi, Row};

use crate::model::*;
use crate::store::DbError;

/// Maps a driver error; unique and primary-key clashes become [`DbError::Duplicate`].
pub(super) fn sql_err(e: rusqlite::Error) -> DbError {
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

fn corrupt(idx: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, Type::Blob, what.to_owned().into())
}

pub(super) fn account(r: &Row<'_>) -> rusqlite::Result<Account> {
    let v2 = match (r.get(11)?, r.get(12)?, r.get(13)?) {
        (Some(client_salt), Some(verify_hash), Some(wrap_wrap_kb)) => Some(PasswordV2 {
            client_salt,
            verify_hash,
            wrap_wrap_kb,
        }),
        (None, None, None) => None,
        _ => return Err(corrupt(11, "partial V2 credentials")),
    };
    Ok(Account {
        uid: r.get(0)?,
        email: r.get(1)?,
        normalized_email: r.get(2)?,
        email_code: r.get(3)?,
        email_verified: r.get(4)?,
        ka: r.get(5)?,
        wrap_wrap_kb: r.get(6)?,
        auth_salt: r.get(7)?,
        verify_hash: r.get(8)?,
        verifier_version: r.get(9)?,
        verifier_set_at: r.get(10)?,
        v2,
        created_at: r.get(14)?,
        locale: r.get(15)?,
        keys_changed_at: r.get(16)?,
        profile_changed_at: r.get(17)?,
        disabled_at: r.get(18)?,
        locked_at: r.get(19)?,
    })
}

pub(super) fn core(r: &Row<'_>) -> rusqlite::Result<TokenCore> {
    Ok(TokenCore {
        id_hash: r.get(0)?,
        auth_key_sealed: r.get(1)?,
        uid: r.get(2)?,
        created_at: r.get(3)?,
    })
}

pub(super) fn session(r: &Row<'_>) -> rusqlite::Result<SessionToken> {
    let unverified = r
        .get::<_, Option<[u8; 16]>>(12)?
        .map(|token_verification_id| -> rusqlite::Result<_> {
            Ok(Unverified {
                token_verification_id,
                must_verify: r.get(13)?,
            })
        })
        .transpose()?;
    let verification_method = match r.get::<_, Option<i32>>(14)? {
        None => None,
        Some(code) => Some(
            VerificationMethod::from_code(code)
                .ok_or_else(|| corrupt(14, "unknown verification method"))?,
        ),
    };
    Ok(SessionToken {
        core: core(r)?,
        user_agent: UserAgentInfo {
            browser: r.get(4)?,
            browser_version: r.get(5)?,
            os: r.get(6)?,
            os_version: r.get(7)?,
            device_type: r.get(8)?,
            form_factor: r.get(9)?,
        },
        last_access_time: r.get(10)?,
        auth_at: r.get(11)?,
        unverified,
        verification_method,
        verified_at: r.get(15)?,
    })
}

pub(super) fn key_fetch(r: &Row<'_>) -> rusqlite::Result<KeyFetchToken> {
    Ok(KeyFetchToken {
        core: core(r)?,
        key_bundle: r.get(4)?,
        token_verification_id: r.get(5)?,
    })
}

pub(super) fn forgot(r: &Row<'_>) -> rusqlite::Result<PasswordForgotToken> {
    Ok(PasswordForgotToken {
        core: core(r)?,
        pass_code: r.get(4)?,
        tries: r.get(5)?,
    })
}
