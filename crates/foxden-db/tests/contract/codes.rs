//! One-time codes: single use, replacement by kind, ownership by the account,
//! and pruning by creation time.

use foxden_db::ops::*;
use foxden_db::*;

use crate::fixtures::{self, seeded};
use crate::sessions::race;

use OneTimeCodeKind::{PasswordForgotOtp, Unblock};

fn code(uid: Uid, kind: OneTimeCodeKind, created_at: Millis) -> OneTimeCode {
    OneTimeCode {
        uid,
        kind,
        code_hash: fixtures::rand(),
        created_at,
    }
}

async fn consume(db: &Store, c: &OneTimeCode) -> Option<Millis> {
    db.consume_one_time_code(&c.uid, c.kind, &c.code_hash)
        .await
        .unwrap()
}

pub async fn one_time_code_is_consumed_once(db: Store) {
    let uid = seeded(&db).await.account.uid;
    let other = seeded(&db).await.account.uid;
    let c = code(uid, Unblock, 1_000);
    db.create_one_time_code(&c, false).await.unwrap();

    let wrong_hash = OneTimeCode {
        code_hash: fixtures::rand(),
        ..c.clone()
    };
    let wrong_kind = OneTimeCode {
        kind: PasswordForgotOtp,
        ..c.clone()
    };
    let other_account = OneTimeCode {
        uid: other,
        ..c.clone()
    };
    let no_account = OneTimeCode {
        uid: fixtures::rand(),
        ..c.clone()
    };
    for wrong in [&wrong_hash, &wrong_kind, &other_account, &no_account] {
        assert_eq!(consume(&db, wrong).await, None, "{wrong:?}");
    }
    assert_eq!(consume(&db, &c).await, Some(1_000));
    assert_eq!(consume(&db, &c).await, None, "single use");
}

pub async fn replace_drops_only_the_same_kind(db: Store) {
    let uid = seeded(&db).await.account.uid;
    let other = seeded(&db).await.account.uid;
    let (a1, a2) = (code(uid, Unblock, 1_000), code(uid, Unblock, 2_000));
    let otp = code(uid, PasswordForgotOtp, 3_000);
    let theirs = code(other, Unblock, 4_000);
    for c in [&a1, &a2, &otp, &theirs] {
        db.create_one_time_code(c, false).await.unwrap();
    }
    let a3 = code(uid, Unblock, 5_000);
    db.create_one_time_code(&a3, true).await.unwrap();

    assert_eq!(consume(&db, &a1).await, None, "replaced");
    assert_eq!(consume(&db, &a2).await, None, "replaced");
    assert_eq!(consume(&db, &a3).await, Some(5_000));
    assert_eq!(consume(&db, &otp).await, Some(3_000), "other kind kept");
    assert_eq!(
        consume(&db, &theirs).await,
        Some(4_000),
        "other account kept"
    );
}

pub async fn storing_a_code_again_updates_its_time(db: Store) {
    let uid = seeded(&db).await.account.uid;
    let c = code(uid, PasswordForgotOtp, 1_000);
    let kept = code(uid, PasswordForgotOtp, 1_500);
    db.create_one_time_code(&c, false).await.unwrap();
    db.create_one_time_code(&kept, false).await.unwrap();
    let again = OneTimeCode {
        created_at: 2_000,
        ..c.clone()
    };
    db.create_one_time_code(&again, false).await.unwrap();
    assert_eq!(consume(&db, &c).await, Some(2_000));
    assert_eq!(consume(&db, &c).await, None, "stored once");

    // With replace, the same code survives (with its new time) and the others go.
    db.create_one_time_code(&c, false).await.unwrap();
    let again = OneTimeCode {
        created_at: 3_000,
        ..c.clone()
    };
    db.create_one_time_code(&again, true).await.unwrap();
    assert_eq!(consume(&db, &kept).await, None);
    assert_eq!(consume(&db, &c).await, Some(3_000));
}

pub async fn delete_one_time_codes_counts(db: Store) {
    let uid = seeded(&db).await.account.uid;
    let other = seeded(&db).await.account.uid;
    let unblock: Vec<_> = (0..3).map(|i| code(uid, Unblock, i)).collect();
    let otp = code(uid, PasswordForgotOtp, 7);
    let theirs = code(other, Unblock, 8);
    for c in unblock.iter().chain([&otp, &theirs]) {
        db.create_one_time_code(c, false).await.unwrap();
    }
    assert_eq!(db.delete_one_time_codes(&uid, Unblock).await.unwrap(), 3);
    assert_eq!(db.delete_one_time_codes(&uid, Unblock).await.unwrap(), 0);
    for c in &unblock {
        assert_eq!(consume(&db, c).await, None);
    }
    assert_eq!(consume(&db, &otp).await, Some(7));
    assert_eq!(consume(&db, &theirs).await, Some(8));
    let nobody = fixtures::rand();
    assert_eq!(db.delete_one_time_codes(&nobody, Unblock).await.unwrap(), 0);
}

pub async fn one_time_codes_need_and_go_with_their_account(db: Store) {
    let orphan = code(fixtures::rand(), Unblock, 1);
    assert!(db.create_one_time_code(&orphan, false).await.is_err());
    assert!(db.create_one_time_code(&orphan, true).await.is_err());
    assert_eq!(consume(&db, &orphan).await, None);

    let uid = seeded(&db).await.account.uid;
    let other = seeded(&db).await.account.uid;
    let (c, otp) = (code(uid, Unblock, 1), code(uid, PasswordForgotOtp, 2));
    let theirs = code(other, Unblock, 3);
    for x in [&c, &otp, &theirs] {
        db.create_one_time_code(x, false).await.unwrap();
    }
    assert!(db.delete_account(&uid).await.unwrap());
    assert_eq!(consume(&db, &c).await, None);
    assert_eq!(consume(&db, &otp).await, None);
    assert_eq!(consume(&db, &theirs).await, Some(3));
    assert!(db.create_one_time_code(&c, false).await.is_err());
}

pub async fn concurrent_consumes_have_one_winner(db: Store) {
    let uid = seeded(&db).await.account.uid;
    let c = code(uid, Unblock, 42);
    db.create_one_time_code(&c, false).await.unwrap();
    let got = race(8, || {
        let (db, c) = (db.clone(), c.clone());
        async move {
            db.consume_one_time_code(&c.uid, c.kind, &c.code_hash)
                .await
                .unwrap()
        }
    })
    .await;
    assert_eq!(got.iter().filter(|g| g.is_some()).count(), 1, "{got:?}");
    assert!(got.contains(&Some(42)));
}

pub async fn prune_expired_one_time_codes(db: Store) {
    let uid = seeded(&db).await.account.uid;
    let old = [
        code(uid, Unblock, 1_000),
        code(uid, PasswordForgotOtp, 1_999),
    ];
    let new = [
        code(uid, Unblock, 2_000),
        code(uid, PasswordForgotOtp, 9_000),
    ];
    for c in old.iter().chain(&new) {
        db.create_one_time_code(c, false).await.unwrap();
    }
    let cut = PruneCutoffs {
        session: None,
        password_change: 0,
        password_forgot: 0,
        account_reset: 0,
        one_time_code: 2_000,
        rate_limit: 0,
    };
    assert_eq!(db.prune_expired(&cut).await.unwrap(), 2);
    assert_eq!(db.prune_expired(&cut).await.unwrap(), 0);
    for c in &old {
        assert_eq!(consume(&db, c).await, None);
    }
    for c in &new {
        assert_eq!(consume(&db, c).await, Some(c.created_at));
    }
}
