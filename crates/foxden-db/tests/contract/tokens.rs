//! passwordChange, accountReset and passwordForgot tokens; pruning.

use foxden_db::ops::*;
use foxden_db::*;

use crate::flows::*;

use crate::fixtures::{self, is_duplicate, seeded};
use crate::sessions::race;

const KINDS: [PlainTokenKind; 2] = [PlainTokenKind::PasswordChange, PlainTokenKind::AccountReset];

pub async fn plain_tokens_round_trip_and_are_single_use(db: Store) {
    let uid = seeded(&db).await.account.uid;
    for kind in KINDS {
        let t = fixtures::core(uid, 1_700_000_000_000);
        db.insert_plain_token(kind, &t).await.unwrap();
        assert_eq!(
            db.plain_token(kind, &t.id_hash).await.unwrap().as_ref(),
            Some(&t)
        );
        let other = KINDS.into_iter().find(|k| *k != kind).unwrap();
        assert_eq!(
            db.plain_token(other, &t.id_hash).await.unwrap(),
            None,
            "kinds are separate"
        );
        assert!(!db.delete_plain_token(other, &t.id_hash).await.unwrap());
        let id = t.id_hash;
        let wins = race(8, || {
            let db = db.clone();
            async move { db.delete_plain_token(kind, &id).await.unwrap() }
        })
        .await;
        assert_eq!(wins.iter().filter(|w| **w).count(), 1);
        assert_eq!(db.plain_token(kind, &id).await.unwrap(), None);
    }
}

pub async fn account_reset_replaces_password_change_accumulates(db: Store) {
    let uid = seeded(&db).await.account.uid;
    let (r1, r2) = (fixtures::core(uid, 1), fixtures::core(uid, 2));
    db.insert_plain_token(PlainTokenKind::AccountReset, &r1)
        .await
        .unwrap();
    db.insert_plain_token(PlainTokenKind::AccountReset, &r2)
        .await
        .unwrap();
    let reset = |id| db.plain_token(PlainTokenKind::AccountReset, id);
    assert_eq!(reset(&r1.id_hash).await.unwrap(), None);
    assert_eq!(reset(&r2.id_hash).await.unwrap(), Some(r2.clone()));
    let (c1, c2) = (fixtures::core(uid, 1), fixtures::core(uid, 2));
    db.insert_plain_token(PlainTokenKind::PasswordChange, &c1)
        .await
        .unwrap();
    db.insert_plain_token(PlainTokenKind::PasswordChange, &c2)
        .await
        .unwrap();
    let change = |id| db.plain_token(PlainTokenKind::PasswordChange, id);
    assert_eq!(change(&c1.id_hash).await.unwrap(), Some(c1.clone()));
    assert_eq!(change(&c2.id_hash).await.unwrap(), Some(c2.clone()));
    assert!(is_duplicate(
        db.insert_plain_token(PlainTokenKind::PasswordChange, &c1)
            .await
    ));
    assert!(db
        .insert_plain_token(
            PlainTokenKind::PasswordChange,
            &fixtures::core(fixtures::rand(), 1)
        )
        .await
        .is_err());
}

pub async fn password_forgot_round_trip_and_replace(db: Store) {
    let uid = seeded(&db).await.account.uid;
    let f1 = fixtures::forgot(uid, 3);
    db.insert_password_forgot_token(&f1).await.unwrap();
    assert_eq!(
        db.password_forgot_token(&f1.core.id_hash)
            .await
            .unwrap()
            .as_ref(),
        Some(&f1)
    );
    let f2 = fixtures::forgot(uid, 5);
    db.insert_password_forgot_token(&f2).await.unwrap();
    assert_eq!(
        db.password_forgot_token(&f1.core.id_hash).await.unwrap(),
        None
    );
    assert_eq!(
        db.password_forgot_token(&f2.core.id_hash).await.unwrap(),
        Some(f2.clone())
    );
    // Deleting is single-use and leaves nothing behind.
    assert!(!db
        .delete_password_forgot_token(&f1.core.id_hash)
        .await
        .unwrap());
    assert!(db
        .delete_password_forgot_token(&f2.core.id_hash)
        .await
        .unwrap());
    assert!(!db
        .delete_password_forgot_token(&f2.core.id_hash)
        .await
        .unwrap());
    assert_eq!(
        db.password_forgot_token(&f2.core.id_hash).await.unwrap(),
        None
    );
    assert_eq!(
        db.password_forgot_token(&fixtures::rand()).await.unwrap(),
        None
    );
}

pub async fn password_forgot_tries_count_down_to_deletion(db: Store) {
    let uid = seeded(&db).await.account.uid;
    let f = fixtures::forgot(uid, 3);
    db.insert_password_forgot_token(&f).await.unwrap();
    let id = f.core.id_hash;
    assert_eq!(db.spend_password_forgot_try(&id).await.unwrap(), Some(2));
    assert_eq!(
        db.password_forgot_token(&id).await.unwrap().unwrap().tries,
        2
    );
    assert_eq!(db.spend_password_forgot_try(&id).await.unwrap(), Some(1));
    assert_eq!(db.spend_password_forgot_try(&id).await.unwrap(), Some(0));
    assert_eq!(db.password_forgot_token(&id).await.unwrap(), None);
    assert_eq!(db.spend_password_forgot_try(&id).await.unwrap(), None);
}

pub async fn concurrent_tries_are_counted_exactly(db: Store) {
    let uid = seeded(&db).await.account.uid;
    let f = fixtures::forgot(uid, 3);
    db.insert_password_forgot_token(&f).await.unwrap();
    let id = f.core.id_hash;
    let mut left = race(6, || {
        let db = db.clone();
        async move { db.spend_password_forgot_try(&id).await.unwrap() }
    })
    .await;
    left.sort();
    assert_eq!(left, vec![None, None, None, Some(0), Some(1), Some(2)]);
    assert_eq!(db.password_forgot_token(&id).await.unwrap(), None);
}

pub async fn exchange_forgot_for_reset_is_atomic(db: Store) {
    let uid = seeded(&db).await.account.uid;
    let old_reset = fixtures::core(uid, 1);
    db.insert_plain_token(PlainTokenKind::AccountReset, &old_reset)
        .await
        .unwrap();
    let f = fixtures::forgot(uid, 3);
    db.insert_password_forgot_token(&f).await.unwrap();
    let reset = fixtures::core(uid, 2);
    assert!(db
        .exchange_forgot_for_reset(&f.core.id_hash, &reset)
        .await
        .unwrap());
    assert_eq!(
        db.password_forgot_token(&f.core.id_hash).await.unwrap(),
        None
    );
    let get = |id| db.plain_token(PlainTokenKind::AccountReset, id);
    assert_eq!(get(&reset.id_hash).await.unwrap(), Some(reset.clone()));
    assert_eq!(
        get(&old_reset.id_hash).await.unwrap(),
        None,
        "one reset token per account"
    );
    // The forgot token is gone: a second exchange writes nothing.
    let late = fixtures::core(uid, 3);
    assert!(!db
        .exchange_forgot_for_reset(&f.core.id_hash, &late)
        .await
        .unwrap());
    assert_eq!(get(&late.id_hash).await.unwrap(), None);
    assert_eq!(get(&reset.id_hash).await.unwrap(), Some(reset));
}

pub async fn concurrent_exchanges_have_one_winner(db: Store) {
    let uid = seeded(&db).await.account.uid;
    let f = fixtures::forgot(uid, 3);
    db.insert_password_forgot_token(&f).await.unwrap();
    let resets: Vec<TokenCore> = (0..6).map(|_| fixtures::core(uid, 1)).collect();
    let tasks: Vec<_> = resets
        .iter()
        .cloned()
        .map(|r| {
            let db = db.clone();
            let id = f.core.id_hash;
            tokio::spawn(async move { db.exchange_forgot_for_reset(&id, &r).await.unwrap() })
        })
        .collect();
    let mut wins = Vec::new();
    for t in tasks {
        wins.push(t.await.unwrap());
    }
    assert_eq!(wins.iter().filter(|w| **w).count(), 1);
    let winner = &resets[wins.iter().position(|w| *w).unwrap()];
    for r in &resets {
        let got = db
            .plain_token(PlainTokenKind::AccountReset, &r.id_hash)
            .await
            .unwrap();
        assert_eq!(got.is_some(), r == winner);
    }
}

pub async fn exchange_for_another_account_writes_nothing(db: Store) {
    let uid = seeded(&db).await.account.uid;
    let other = seeded(&db).await.account.uid;
    let f = fixtures::forgot(uid, 3);
    db.insert_password_forgot_token(&f).await.unwrap();
    let wrong = fixtures::core(other, 1);
    assert!(db
        .exchange_forgot_for_reset(&f.core.id_hash, &wrong)
        .await
        .is_err());
    assert_eq!(
        db.password_forgot_token(&f.core.id_hash).await.unwrap(),
        Some(f)
    );
    assert_eq!(
        db.plain_token(PlainTokenKind::AccountReset, &wrong.id_hash)
            .await
            .unwrap(),
        None
    );
}

pub async fn prune_expired_by_creation_time(db: Store) {
    let uid = seeded(&db).await.account.uid; // sign-up session created at 1_700_000_000_000
    let (old, new) = (1_000, 5_000_000_000_000);
    let mk = |t| fixtures::core(uid, t);
    let (change_old, change_new) = (mk(old), mk(new));
    for t in [&change_old, &change_new] {
        db.insert_plain_token(PlainTokenKind::PasswordChange, t)
            .await
            .unwrap();
    }
    let reset_old = mk(old);
    db.insert_plain_token(PlainTokenKind::AccountReset, &reset_old)
        .await
        .unwrap();
    let other = seeded(&db).await.account.uid;
    let reset_new = fixtures::core(other, new);
    db.insert_plain_token(PlainTokenKind::AccountReset, &reset_new)
        .await
        .unwrap();
    let mut forgot_old = fixtures::forgot(uid, 3);
    forgot_old.core.created_at = old;
    db.insert_password_forgot_token(&forgot_old).await.unwrap();
    let mut session_new = fixtures::session(uid, None);
    session_new.core.created_at = new;
    db.create_session(&session_new, &[]).await.unwrap();

    let mut cut = PruneCutoffs {
        session: None,
        password_change: 2_000_000_000_000,
        password_forgot: 2_000_000_000_000,
        account_reset: 2_000_000_000_000,
        one_time_code: 0,
        rate_limit: 0,
    };
    assert_eq!(db.prune_expired(&cut).await.unwrap(), 3);
    let change = |id| db.plain_token(PlainTokenKind::PasswordChange, id);
    assert_eq!(change(&change_old.id_hash).await.unwrap(), None);
    assert_eq!(change(&change_new.id_hash).await.unwrap(), Some(change_new));
    let reset = |id| db.plain_token(PlainTokenKind::AccountReset, id);
    assert_eq!(reset(&reset_old.id_hash).await.unwrap(), None);
    assert_eq!(reset(&reset_new.id_hash).await.unwrap(), Some(reset_new));
    assert_eq!(
        db.password_forgot_token(&forgot_old.core.id_hash)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        db.sessions_for(&uid).await.unwrap().len(),
        2,
        "sessions kept without a cut-off"
    );

    cut.session = Some(2_000_000_000_000);
    assert_eq!(
        db.prune_expired(&cut).await.unwrap(),
        2,
        "both sign-up sessions go"
    );
    assert_eq!(db.sessions_for(&uid).await.unwrap(), vec![session_new]);
    assert_eq!(db.prune_expired(&cut).await.unwrap(), 0);
}
