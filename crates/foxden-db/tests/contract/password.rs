//! Password change: `create_password_change` and `change_password`.

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

/// A confirmed session, as the server issues it with a password change.
fn confirmed_session(uid: Uid) -> SessionToken {
    let mut s = fixtures::session(uid, None);
    s.verification_method = Some(VerificationMethod::Email);
    s.verified_at = Some(1_700_000_000_500);
    s
}

/// Stores a passwordChange token (with its keyFetchToken) for `uid` and returns the token.
async fn change_token(db: &Store, uid: Uid) -> TokenCore {
    let t = fixtures::core(uid, 1_700_000_000_000);
    db.create_password_change(&t, &fixtures::key_fetch(uid, None))
        .await
        .unwrap();
    t
}

/// A change consuming `token`, with fresh credentials, a new session and one keyFetchToken.
fn change(uid: Uid, token: &TokenCore, v2: Option<PasswordV2>) -> PasswordChange {
    PasswordChange {
        uid,
        change_token_id_hash: token.id_hash,
        auth_salt: fixtures::rand(),
        verify_hash: fixtures::rand(),
        wrap_wrap_kb: fixtures::rand(),
        v2,
        verifier_set_at: 1_800_000_000_000,
        new_session: Some(confirmed_session(uid)),
        key_fetch: vec![fixtures::key_fetch(uid, None)],
    }
}

/// The account as `ch` leaves it.
fn changed(before: &Account, ch: &PasswordChange) -> Account {
    Account {
        auth_salt: ch.auth_salt,
        verify_hash: ch.verify_hash,
        wrap_wrap_kb: ch.wrap_wrap_kb,
        verifier_version: 1,
        verifier_set_at: ch.verifier_set_at,
        v2: ch.v2.clone(),
        ..before.clone()
    }
}

/// The change's new session and keyFetchTokens are stored as given.
async fn assert_issued(db: &Store, ch: &PasswordChange) {
    let sessions: Vec<_> = ch.new_session.iter().cloned().collect();
    assert_eq!(db.sessions_for(&ch.uid).await.unwrap(), sessions);
    for k in &ch.key_fetch {
        assert_eq!(
            db.key_fetch_token(&k.core.id_hash).await.unwrap().as_ref(),
            Some(k)
        );
    }
}

/// Nothing of `ch` was written.
async fn assert_not_issued(db: &Store, ch: &PasswordChange) {
    if let Some(s) = &ch.new_session {
        assert_eq!(db.session(&s.core.id_hash).await.unwrap(), None);
    }
    for k in &ch.key_fetch {
        assert_eq!(db.key_fetch_token(&k.core.id_hash).await.unwrap(), None);
    }
}

pub async fn create_password_change_round_trip(db: Store) {
    let uid = seeded(&db).await.account.uid;
    let t = fixtures::core(uid, 1_700_000_000_000);
    let kf = fixtures::key_fetch(uid, None);
    db.create_password_change(&t, &kf).await.unwrap();
    let change = |id| db.plain_token(PlainTokenKind::PasswordChange, id);
    assert_eq!(change(&t.id_hash).await.unwrap().as_ref(), Some(&t));
    assert_eq!(
        db.key_fetch_token(&kf.core.id_hash).await.unwrap().as_ref(),
        Some(&kf)
    );

    // Either row failing writes neither.
    let kf2 = fixtures::key_fetch(uid, None);
    assert!(is_duplicate(db.create_password_change(&t, &kf2).await));
    assert_eq!(db.key_fetch_token(&kf2.core.id_hash).await.unwrap(), None);
    let t2 = fixtures::core(uid, 1_700_000_000_000);
    assert!(is_duplicate(db.create_password_change(&t2, &kf).await));
    assert_eq!(change(&t2.id_hash).await.unwrap(), None);
    // The account must exist.
    let ghost = fixtures::rand();
    let t3 = fixtures::core(ghost, 1);
    let kf3 = fixtures::key_fetch(ghost, None);
    assert!(db.create_password_change(&t3, &kf3).await.is_err());
    assert_eq!(change(&t3.id_hash).await.unwrap(), None);
    assert_eq!(db.key_fetch_token(&kf3.core.id_hash).await.unwrap(), None);
}

pub async fn change_password_replaces_credentials_and_tokens(db: Store) {
    let mut new = fixtures::signup();
    new.account.v2 = Some(v2());
    new.account.verifier_version = 2; // becomes 1
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
    let reset = fixtures::core(uid, 1);
    db.insert_plain_token(PlainTokenKind::AccountReset, &reset)
        .await
        .unwrap();
    let spare_change = change_token(&db, uid).await;
    let token = fixtures::core(uid, 1_700_000_000_000);
    let token_kf = fixtures::key_fetch(uid, None);
    db.create_password_change(&token, &token_kf).await.unwrap();
    // Another account's tokens are not touched.
    let bystander = seeded(&db).await;
    let bystander_change = change_token(&db, bystander.account.uid).await;

    let ch = change(uid, &token, Some(v2()));
    assert!(db.change_password(&ch).await.unwrap());
    let after = db.account(&uid).await.unwrap().unwrap();
    assert_eq!(after, changed(&before, &ch));
    assert_ne!(after.v2, before.v2, "V2 credentials replaced");
    assert_issued(&db, &ch).await;
    for kf in [&new.key_fetch[0], &other_kf, &token_kf] {
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
        plain(PlainTokenKind::AccountReset, &reset.id_hash)
            .await
            .unwrap(),
        None
    );
    for t in [&token, &spare_change] {
        assert_eq!(
            plain(PlainTokenKind::PasswordChange, &t.id_hash)
                .await
                .unwrap(),
            None
        );
    }
    let b = bystander.account.uid;
    assert_eq!(
        db.sessions_for(&b).await.unwrap(),
        vec![bystander.session.clone()]
    );
    assert!(db
        .key_fetch_token(&bystander.key_fetch[0].core.id_hash)
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        plain(PlainTokenKind::PasswordChange, &bystander_change.id_hash)
            .await
            .unwrap(),
        Some(bystander_change)
    );
    assert_eq!(db.account(&b).await.unwrap(), Some(bystander.account));

    // A second change without V2 credentials clears them; without a session, none is left.
    let token = change_token(&db, uid).await;
    let mut ch2 = change(uid, &token, None);
    ch2.new_session = None;
    ch2.key_fetch.clear();
    assert!(db.change_password(&ch2).await.unwrap());
    let cleared = db.account(&uid).await.unwrap().unwrap();
    assert_eq!(cleared, changed(&after, &ch2));
    assert_eq!(cleared.v2, None);
    assert_eq!(db.sessions_for(&uid).await.unwrap(), vec![]);
    for k in &ch.key_fetch {
        assert_eq!(db.key_fetch_token(&k.core.id_hash).await.unwrap(), None);
    }
}

pub async fn change_password_replay_writes_nothing(db: Store) {
    let uid = seeded(&db).await.account.uid;
    let token = change_token(&db, uid).await;
    let ch = change(uid, &token, None);
    assert!(db.change_password(&ch).await.unwrap());
    let after = db.account(&uid).await.unwrap().unwrap();

    // The same token again, with other credentials and tokens.
    let replay = change(uid, &token, Some(v2()));
    assert!(!db.change_password(&replay).await.unwrap());
    assert_eq!(db.account(&uid).await.unwrap(), Some(after));
    assert_issued(&db, &ch).await;
    assert_not_issued(&db, &replay).await;
}

pub async fn change_token_of_another_account_writes_nothing(db: Store) {
    let victim = seeded(&db).await;
    let uid = victim.account.uid;
    let other = seeded(&db).await.account.uid;
    let forgot = fixtures::forgot(uid, 3);
    db.insert_password_forgot_token(&forgot).await.unwrap();
    let other_token = change_token(&db, other).await;

    let ch = change(uid, &other_token, None);
    assert!(!db.change_password(&ch).await.unwrap());
    assert_eq!(db.account(&uid).await.unwrap(), Some(victim.account));
    assert_eq!(db.sessions_for(&uid).await.unwrap(), vec![victim.session]);
    assert!(db
        .key_fetch_token(&victim.key_fetch[0].core.id_hash)
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        db.password_forgot_token(&forgot.core.id_hash)
            .await
            .unwrap(),
        Some(forgot)
    );
    assert_not_issued(&db, &ch).await;
    assert_eq!(
        db.plain_token(PlainTokenKind::PasswordChange, &other_token.id_hash)
            .await
            .unwrap(),
        Some(other_token),
        "not consumed"
    );
    // An unknown token, and a missing account, are refused the same way.
    let unknown = fixtures::core(uid, 1);
    assert!(!db
        .change_password(&change(uid, &unknown, None))
        .await
        .unwrap());
    let ghost = fixtures::rand();
    assert!(!db
        .change_password(&change(ghost, &unknown, None))
        .await
        .unwrap());
}

pub async fn failed_change_password_leaves_nothing_behind(db: Store) {
    let new = seeded(&db).await;
    let uid = new.account.uid;
    let forgot = fixtures::forgot(uid, 3);
    db.insert_password_forgot_token(&forgot).await.unwrap();
    let token = change_token(&db, uid).await;
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
            db.plain_token(PlainTokenKind::PasswordChange, &token.id_hash)
                .await
                .unwrap(),
            Some(token.clone()),
            "the change token is not consumed"
        );
    };

    // The new session collides with another account's session: its insert fails
    // after the account was updated and the old tokens deleted.
    let mut ch = change(uid, &token, Some(v2()));
    let mut clash = confirmed_session(uid);
    clash.core.id_hash = bystander.session.core.id_hash;
    ch.new_session = Some(clash);
    assert!(is_duplicate(db.change_password(&ch).await));
    assert_untouched().await;
    assert_eq!(
        db.sessions_for(&bystander.account.uid).await.unwrap(),
        vec![bystander.session.clone()]
    );

    // The last keyFetchToken repeats an earlier one: the session is in, then the insert fails.
    let mut ch = change(uid, &token, None);
    let first = ch.key_fetch[0].clone();
    ch.key_fetch.push(first);
    assert!(is_duplicate(db.change_password(&ch).await));
    assert_untouched().await;
    assert_not_issued(&db, &ch).await;

    // A keyFetchToken for a missing account fails the foreign key.
    let mut ch = change(uid, &token, None);
    ch.key_fetch
        .push(fixtures::key_fetch(fixtures::rand(), None));
    assert!(db.change_password(&ch).await.is_err());
    assert_untouched().await;
    assert_not_issued(&db, &ch).await;

    // The token still works.
    let ch = change(uid, &token, None);
    assert!(db.change_password(&ch).await.unwrap());
    assert_issued(&db, &ch).await;
}

pub async fn concurrent_password_changes_have_one_winner(db: Store) {
    let uid = seeded(&db).await.account.uid;
    let token = change_token(&db, uid).await;
    let changes: Vec<PasswordChange> = (0..6).map(|_| change(uid, &token, Some(v2()))).collect();
    let tasks: Vec<_> = changes
        .iter()
        .cloned()
        .map(|ch| {
            let db = db.clone();
            tokio::spawn(async move { db.change_password(&ch).await.unwrap() })
        })
        .collect();
    let mut wins = Vec::new();
    for t in tasks {
        wins.push(t.await.unwrap());
    }
    assert_eq!(wins.iter().filter(|w| **w).count(), 1);
    let winner = &changes[wins.iter().position(|w| *w).unwrap()];
    let account = db.account(&uid).await.unwrap().unwrap();
    assert_eq!(account.verify_hash, winner.verify_hash);
    assert_eq!(account.v2, winner.v2);
    assert_issued(&db, winner).await;
    for ch in changes.iter().filter(|ch| !std::ptr::eq(*ch, winner)) {
        assert_not_issued(&db, ch).await;
    }
}
