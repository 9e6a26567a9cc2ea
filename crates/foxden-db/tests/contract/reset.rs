//! Account reset: `reset_account`.

use foxden_db::ops::*;
use foxden_db::*;

use crate::flows::*;

use crate::fixtures::{self, is_duplicate, seeded};

fn v2() -> PasswordV2 {
    PasswordV2 {
        client_salt: format!(
            "identity.mozilla.com/picl/v1/quickStretchV2:{}",
            hex::encode(fixtures::rand::<16>())
        ),
        verify_hash: fixtures::rand(),
        wrap_wrap_kb: fixtures::rand(),
    }
}

fn confirmed_session(uid: Uid) -> SessionToken {
    let mut s = fixtures::session(uid, None);
    s.verification_method = Some(VerificationMethod::Email);
    s.verified_at = Some(1_700_000_000_500);
    s
}

/// Stores an accountReset token for `uid` and returns it.
async fn reset_token(db: &Store, uid: Uid) -> TokenCore {
    let t = fixtures::core(uid, 1_700_000_000_000);
    db.insert_plain_token(PlainTokenKind::AccountReset, &t)
        .await
        .unwrap();
    t
}

/// A reset consuming `token`, with fresh credentials, a new session and one keyFetchToken.
fn reset(uid: Uid, token: &TokenCore, v2: Option<PasswordV2>) -> AccountReset {
    AccountReset {
        uid,
        reset_token_id_hash: token.id_hash,
        auth_salt: fixtures::rand(),
        verify_hash: fixtures::rand(),
        wrap_wrap_kb: fixtures::rand(),
        v2,
        verifier_set_at: 1_800_000_000_000,
        keys_changed_at: 1_800_000_000_001,
        new_session: Some(confirmed_session(uid)),
        key_fetch: vec![fixtures::key_fetch(uid, None)],
    }
}

/// The account as `r` leaves it.
fn after_reset(before: &Account, r: &AccountReset) -> Account {
    Account {
        auth_salt: r.auth_salt,
        verify_hash: r.verify_hash,
        wrap_wrap_kb: r.wrap_wrap_kb,
        verifier_version: 1,
        verifier_set_at: r.verifier_set_at,
        keys_changed_at: r.keys_changed_at,
        email_verified: true,
        v2: r.v2.clone(),
        ..before.clone()
    }
}

async fn assert_issued(db: &Store, r: &AccountReset) {
    let sessions: Vec<_> = r.new_session.iter().cloned().collect();
    assert_eq!(db.sessions_for(&r.uid).await.unwrap(), sessions);
    for k in &r.key_fetch {
        assert_eq!(
            db.key_fetch_token(&k.core.id_hash).await.unwrap().as_ref(),
            Some(k)
        );
    }
}

async fn assert_not_issued(db: &Store, r: &AccountReset) {
    if let Some(s) = &r.new_session {
        assert_eq!(db.session(&s.core.id_hash).await.unwrap(), None);
    }
    for k in &r.key_fetch {
        assert_eq!(db.key_fetch_token(&k.core.id_hash).await.unwrap(), None);
    }
}

pub async fn reset_account_replaces_credentials_keys_and_tokens(db: Store) {
    let mut new = fixtures::signup();
    new.account.v2 = Some(v2());
    new.account.verifier_version = 2; // becomes 1
    new.account.email_verified = false; // the reset verifies it
    db.create_account(&new).await.unwrap();
    let uid = new.account.uid;
    let before = db.account(&uid).await.unwrap().unwrap();
    // Tokens of every kind, beside the sign-up session and keyFetchToken.
    let other_session = confirmed_session(uid);
    let other_kf = fixtures::key_fetch(uid, None);
    db.create_session(&other_session, std::slice::from_ref(&other_kf))
        .await
        .unwrap();
    let forgot = fixtures::forgot(uid, 3);
    db.insert_password_forgot_token(&forgot).await.unwrap();
    let change = fixtures::core(uid, 1);
    let change_kf = fixtures::key_fetch(uid, None);
    db.create_password_change(&change, &change_kf)
        .await
        .unwrap();
    let token = reset_token(&db, uid).await;
    // Another account's tokens are not touched.
    let bystander = seeded(&db).await;
    let bystander_reset = reset_token(&db, bystander.account.uid).await;

    let r = reset(uid, &token, Some(v2()));
    assert!(db.reset_account(&r).await.unwrap());
    let after = db.account(&uid).await.unwrap().unwrap();
    assert_eq!(after, after_reset(&before, &r));
    assert!(after.email_verified);
    assert_issued(&db, &r).await;
    for kf in [&new.key_fetch[0], &other_kf, &change_kf] {
        assert_eq!(db.key_fetch_token(&kf.core.id_hash).await.unwrap(), None);
    }
    assert_eq!(
        db.password_forgot_token(&forgot.core.id_hash)
            .await
            .unwrap(),
        None
    );
    let plain = |kind, id| db.plain_token(kind, id);
    assert_eq!(
        plain(PlainTokenKind::AccountReset, &token.id_hash)
            .await
            .unwrap(),
        None,
        "the reset token is consumed"
    );
    assert_eq!(
        plain(PlainTokenKind::PasswordChange, &change.id_hash)
            .await
            .unwrap(),
        None
    );
    let b = bystander.account.uid;
    assert_eq!(
        db.sessions_for(&b).await.unwrap(),
        vec![bystander.session.clone()]
    );
    assert_eq!(
        plain(PlainTokenKind::AccountReset, &bystander_reset.id_hash)
            .await
            .unwrap(),
        Some(bystander_reset)
    );
    assert_eq!(db.account(&b).await.unwrap(), Some(bystander.account));

    // A second reset without V2 and without a session clears both.
    let token = reset_token(&db, uid).await;
    let mut r2 = reset(uid, &token, None);
    r2.new_session = None;
    r2.key_fetch.clear();
    assert!(db.reset_account(&r2).await.unwrap());
    let cleared = db.account(&uid).await.unwrap().unwrap();
    assert_eq!(cleared, after_reset(&after, &r2));
    assert_eq!(cleared.v2, None);
    assert_eq!(db.sessions_for(&uid).await.unwrap(), vec![]);
    for k in &r.key_fetch {
        assert_eq!(db.key_fetch_token(&k.core.id_hash).await.unwrap(), None);
    }
}

pub async fn reset_account_replay_writes_nothing(db: Store) {
    let uid = seeded(&db).await.account.uid;
    let token = reset_token(&db, uid).await;
    let r = reset(uid, &token, None);
    assert!(db.reset_account(&r).await.unwrap());
    let after = db.account(&uid).await.unwrap().unwrap();

    // The same token again, with other credentials and tokens.
    let replay = reset(uid, &token, Some(v2()));
    assert!(!db.reset_account(&replay).await.unwrap());
    assert_eq!(db.account(&uid).await.unwrap(), Some(after));
    assert_issued(&db, &r).await;
    assert_not_issued(&db, &replay).await;

    // Another account's reset token is refused and not consumed.
    let victim = seeded(&db).await;
    let other_token = reset_token(&db, uid).await;
    let r = reset(victim.account.uid, &other_token, None);
    assert!(!db.reset_account(&r).await.unwrap());
    assert_eq!(
        db.account(&victim.account.uid).await.unwrap(),
        Some(victim.account.clone())
    );
    assert_eq!(
        db.sessions_for(&victim.account.uid).await.unwrap(),
        vec![victim.session]
    );
    assert_not_issued(&db, &r).await;
    assert_eq!(
        db.plain_token(PlainTokenKind::AccountReset, &other_token.id_hash)
            .await
            .unwrap(),
        Some(other_token)
    );
    // A missing account is refused the same way.
    let ghost = fixtures::rand();
    let unknown = fixtures::core(ghost, 1);
    assert!(!db
        .reset_account(&reset(ghost, &unknown, None))
        .await
        .unwrap());
}

pub async fn failed_reset_account_leaves_nothing_behind(db: Store) {
    let mut new = fixtures::signup();
    new.account.email_verified = false;
    db.create_account(&new).await.unwrap();
    let uid = new.account.uid;
    let forgot = fixtures::forgot(uid, 3);
    db.insert_password_forgot_token(&forgot).await.unwrap();
    let token = reset_token(&db, uid).await;
    let bystander = seeded(&db).await;

    let assert_untouched = || async {
        assert_eq!(db.account(&uid).await.unwrap(), Some(new.account.clone()));
        assert_eq!(
            db.sessions_for(&uid).await.unwrap(),
            vec![new.session.clone()]
        );
        assert!(db
            .key_fetch_token(&new.key_fetch[0].core.id_hash)
            .await
            .unwrap()
            .is_some());
        assert_eq!(
            db.password_forgot_token(&forgot.core.id_hash)
                .await
                .unwrap(),
            Some(forgot.clone())
        );
        assert_eq!(
            db.plain_token(PlainTokenKind::AccountReset, &token.id_hash)
                .await
                .unwrap(),
            Some(token.clone()),
            "the reset token is not consumed"
        );
    };

    // The new session collides with another account's session: its insert fails
    // after the account was updated and the old tokens deleted.
    let mut r = reset(uid, &token, Some(v2()));
    let mut clash = confirmed_session(uid);
    clash.core.id_hash = bystander.session.core.id_hash;
    r.new_session = Some(clash);
    assert!(is_duplicate(db.reset_account(&r).await));
    assert_untouched().await;
    assert_eq!(
        db.sessions_for(&bystander.account.uid).await.unwrap(),
        vec![bystander.session.clone()]
    );

    // The last keyFetchToken repeats an earlier one.
    let mut r = reset(uid, &token, None);
    let first = r.key_fetch[0].clone();
    r.key_fetch.push(first);
    assert!(is_duplicate(db.reset_account(&r).await));
    assert_untouched().await;
    assert_not_issued(&db, &r).await;

    // The token still works.
    let r = reset(uid, &token, None);
    assert!(db.reset_account(&r).await.unwrap());
    assert_issued(&db, &r).await;
}
