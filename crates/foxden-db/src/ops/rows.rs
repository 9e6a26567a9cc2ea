//! Row → model mapping, by the column positions of [`crate::cols`]; the same for
//! both backends.

use crate::model::*;
use crate::sql::Row;
use crate::store::{DbError, DbResult};

fn corrupt(what: &str) -> DbError {
    DbError::Backend(format!("corrupt row: {what}"))
}

pub(crate) fn account(r: &Row<'_>) -> DbResult<Account> {
    let v2 = match (r.opt_text(11)?, r.opt_fixed(12)?, r.opt_fixed(13)?) {
        (Some(client_salt), Some(verify_hash), Some(wrap_wrap_kb)) => Some(PasswordV2 {
            client_salt,
            verify_hash,
            wrap_wrap_kb,
        }),
        (None, None, None) => None,
        _ => return Err(corrupt("partial V2 credentials")),
    };
    Ok(Account {
        uid: r.fixed(0)?,
        email: r.text(1)?,
        normalized_email: r.text(2)?,
        email_code: r.fixed(3)?,
        email_verified: r.bool(4)?,
        ka: r.fixed(5)?,
        wrap_wrap_kb: r.fixed(6)?,
        auth_salt: r.fixed(7)?,
        verify_hash: r.fixed(8)?,
        verifier_version: r.int32(9)?,
        verifier_set_at: r.int(10)?,
        v2,
        created_at: r.int(14)?,
        locale: r.opt_text(15)?,
        keys_changed_at: r.int(16)?,
        profile_changed_at: r.int(17)?,
        disabled_at: r.opt_int(18)?,
        locked_at: r.opt_int(19)?,
    })
}

pub(crate) fn core(r: &Row<'_>) -> DbResult<TokenCore> {
    Ok(TokenCore {
        id_hash: r.fixed(0)?,
        auth_key_sealed: r.bytes(1)?,
        uid: r.fixed(2)?,
        created_at: r.int(3)?,
    })
}

pub(crate) fn session(r: &Row<'_>) -> DbResult<SessionToken> {
    let unverified = match r.opt_fixed(12)? {
        Some(token_verification_id) => Some(Unverified {
            token_verification_id,
            must_verify: r.bool(13)?,
        }),
        None => None,
    };
    let verification_method = match r.opt_int32(14)? {
        None => None,
        Some(code) => Some(
            VerificationMethod::from_code(code)
                .ok_or_else(|| corrupt("unknown verification method"))?,
        ),
    };
    Ok(SessionToken {
        core: core(r)?,
        user_agent: UserAgentInfo {
            browser: r.opt_text(4)?,
            browser_version: r.opt_text(5)?,
            os: r.opt_text(6)?,
            os_version: r.opt_text(7)?,
            device_type: r.opt_text(8)?,
            form_factor: r.opt_text(9)?,
        },
        last_access_time: r.int(10)?,
        auth_at: r.int(11)?,
        unverified,
        verification_method,
        verified_at: r.opt_int(15)?,
    })
}

pub(crate) fn key_fetch(r: &Row<'_>) -> DbResult<KeyFetchToken> {
    Ok(KeyFetchToken {
        core: core(r)?,
        key_bundle: r.bytes(4)?,
        token_verification_id: r.opt_fixed(5)?,
    })
}

pub(crate) fn forgot(r: &Row<'_>) -> DbResult<PasswordForgotToken> {
    Ok(PasswordForgotToken {
        core: core(r)?,
        pass_code: r.fixed(4)?,
        tries: r.int32(5)?,
    })
}

pub(crate) fn security_event(r: &Row<'_>) -> DbResult<SecurityEvent> {
    Ok(SecurityEvent {
        uid: r.fixed(0)?,
        name: r.text(1)?,
        token_id_hash: r.opt_fixed(2)?,
        verified: r.bool(3)?,
        ip_hmac: r.fixed(4)?,
        created_at: r.int(5)?,
    })
}

pub(crate) fn int(r: &Row<'_>) -> DbResult<i64> {
    r.int(0)
}

pub(crate) fn opt_int(r: &Row<'_>) -> DbResult<Option<i64>> {
    r.opt_int(0)
}

pub(crate) fn uid(r: &Row<'_>) -> DbResult<Uid> {
    r.fixed(0)
}

pub(crate) fn unit(_: &Row<'_>) -> DbResult<()> {
    Ok(())
}
