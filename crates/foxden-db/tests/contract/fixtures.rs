//! Random records for the contract cases.

use foxden_db::*;

use crate::flows::*;

pub fn rand<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::getrandom(&mut b).unwrap();
    b
}

pub fn email() -> String {
    format!("user-{}@example.com", hex::encode(rand::<6>()))
}

/// A V1, unverified account with every optional field `None`.
pub fn account() -> Account {
    let email = email();
    Account {
        uid: rand(),
        normalized_email: email.to_lowercase(),
        email,
        email_code: rand(),
        email_verified: false,
        ka: rand(),
        wrap_wrap_kb: rand(),
        auth_salt: rand(),
        verify_hash: rand(),
        verifier_version: 1,
        verifier_set_at: 1_700_000_000_001,
        v2: None,
        created_at: 1_700_000_000_000,
        locale: None,
        keys_changed_at: 1_700_000_000_002,
        profile_changed_at: 1_700_000_000_003,
        disabled_at: None,
        locked_at: None,
    }
}

pub fn core(uid: Uid, created_at: Millis) -> TokenCore {
    TokenCore {
        id_hash: rand(),
        auth_key_sealed: rand::<60>().to_vec(),
        uid,
        created_at,
    }
}

pub fn session(uid: Uid, tvid: Option<[u8; 16]>) -> SessionToken {
    SessionToken {
        core: core(uid, 1_700_000_000_000),
        user_agent: UserAgentInfo::default(),
        last_access_time: 1_700_000_000_000,
        auth_at: 1_700_000_000_000,
        unverified: tvid.map(|token_verification_id| Unverified {
            token_verification_id,
            must_verify: true,
        }),
        verification_method: None,
        verified_at: None,
    }
}

pub fn key_fetch(uid: Uid, tvid: Option<[u8; 16]>) -> KeyFetchToken {
    KeyFetchToken {
        core: core(uid, 1_700_000_000_000),
        key_bundle: rand::<96>().to_vec(),
        token_verification_id: tvid,
    }
}

pub fn forgot(uid: Uid, tries: i32) -> PasswordForgotToken {
    PasswordForgotToken {
        core: core(uid, 1_700_000_000_000),
        pass_code: rand(),
        tries,
    }
}

/// A sign-up as the server writes it: session and keyFetchToken unverified with
/// tokenVerificationId = emailCode.
pub fn signup() -> NewAccount {
    let account = account();
    let code = account.email_code;
    NewAccount {
        session: session(account.uid, Some(code)),
        key_fetch: vec![key_fetch(account.uid, Some(code))],
        account,
        replace_uid: None,
    }
}

/// Writes a sign-up and returns it.
pub async fn seeded(db: &Store) -> NewAccount {
    let new = signup();
    db.create_account(&new).await.unwrap();
    new
}

pub fn is_duplicate<T: std::fmt::Debug>(r: DbResult<T>) -> bool {
    matches!(r, Err(DbError::Duplicate))
}
