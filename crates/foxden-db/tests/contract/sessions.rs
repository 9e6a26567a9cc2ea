//! Session tokens and keyFetchTokens.

use foxden_db::ops::*;
use foxden_db::*;

use crate::flows::*;

use crate::fixtures::{self, is_duplicate, seeded};

/// Runs `n` copies of `f` at once; returns their results.
pub async fn race<T, F, Fut>(n: usize, f: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let tasks: Vec<_> = (0..n).map(|_| tokio::spawn(f())).collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

pub async fn sessions_round_trip_in_order(db: Store) {
    let new = seeded(&db).await;
    let uid = new.account.uid;
    let mut later = fixtures::session(uid, Some(fixtures::rand()));
    later.core.created_at += 10;
    later.user_agent.browser = Some("Firefox".into());
    let mut earlier = fixtures::session(uid, None);
    earlier.core.created_at -= 10;
    let kfs = [
        fixtures::key_fetch(uid, None),
        fixtures::key_fetch(uid, None),
    ];
    db.create_session(&later, &kfs).await.unwrap();
    db.create_session(&earlier, &[]).await.unwrap();
    let all = db.sessions_for(&uid).await.unwrap();
    assert_eq!(all, vec![earlier, new.session, later.clone()]);
    assert_eq!(db.session(&later.core.id_hash).await.unwrap(), Some(later));
    for kf in &kfs {
        assert_eq!(
            db.key_fetch_token(&kf.core.id_hash).await.unwrap().as_ref(),
            Some(kf)
        );
    }
}

pub async fn create_session_duplicate_writes_nothing(db: Store) {
    let new = seeded(&db).await;
    let uid = new.account.uid;
    let mut again = fixtures::session(uid, None);
    again.core.id_hash = new.session.core.id_hash;
    let kf = fixtures::key_fetch(uid, None);
    assert!(is_duplicate(
        db.create_session(&again, std::slice::from_ref(&kf)).await
    ));
    assert_eq!(db.key_fetch_token(&kf.core.id_hash).await.unwrap(), None);
    // A keyFetchToken clash rolls back the session written before it.
    let s = fixtures::session(uid, None);
    let mut kf2 = fixtures::key_fetch(uid, None);
    kf2.core.id_hash = new.key_fetch[0].core.id_hash;
    assert!(is_duplicate(db.create_session(&s, &[kf2]).await));
    assert_eq!(db.session(&s.core.id_hash).await.unwrap(), None);
}

pub async fn create_session_needs_the_account(db: Store) {
    let s = fixtures::session(fixtures::rand(), None);
    assert!(db.create_session(&s, &[]).await.is_err());
    assert_eq!(db.session(&s.core.id_hash).await.unwrap(), None);
}

pub async fn delete_session_takes_its_key_fetch_tokens(db: Store) {
    let new = seeded(&db).await;
    let uid = new.account.uid;
    let tvid = fixtures::rand();
    let s = fixtures::session(uid, Some(tvid));
    let own = fixtures::key_fetch(uid, Some(tvid));
    let verified = fixtures::key_fetch(uid, None);
    db.create_session(&s, &[own.clone(), verified.clone()])
        .await
        .unwrap();
    assert!(db.delete_session(&s.core.id_hash).await.unwrap());
    assert!(!db.delete_session(&s.core.id_hash).await.unwrap());
    assert_eq!(db.session(&s.core.id_hash).await.unwrap(), None);
    assert_eq!(db.key_fetch_token(&own.core.id_hash).await.unwrap(), None);
    assert_eq!(
        db.key_fetch_token(&verified.core.id_hash).await.unwrap(),
        Some(verified)
    );
    // The sign-up session and its keyFetchToken (another id) remain.
    let kf0 = &new.key_fetch[0];
    assert_eq!(
        db.key_fetch_token(&kf0.core.id_hash)
            .await
            .unwrap()
            .as_ref(),
        Some(kf0)
    );
    assert_eq!(
        db.sessions_for(&uid).await.unwrap(),
        vec![new.session.clone()]
    );
    // Deleting the sign-up session takes its keyFetchToken too.
    assert!(db.delete_session(&new.session.core.id_hash).await.unwrap());
    assert_eq!(db.key_fetch_token(&kf0.core.id_hash).await.unwrap(), None);
    assert!(db.account(&uid).await.unwrap().is_some());
}

pub async fn concurrent_session_deletes_have_one_winner(db: Store) {
    let new = seeded(&db).await;
    let id = new.session.core.id_hash;
    let wins = race(8, || {
        let db = db.clone();
        async move { db.delete_session(&id).await.unwrap() }
    })
    .await;
    assert_eq!(wins.iter().filter(|w| **w).count(), 1);
}

pub async fn touch_session_sets_last_access(db: Store) {
    let new = seeded(&db).await;
    let id = new.session.core.id_hash;
    db.touch_session(&id, 1_900_000_000_000).await.unwrap();
    let s = db.session(&id).await.unwrap().unwrap();
    assert_eq!(s.last_access_time, 1_900_000_000_000);
    assert_eq!(
        SessionToken {
            last_access_time: new.session.last_access_time,
            ..s
        },
        new.session
    );
    db.touch_session(&fixtures::rand(), 1).await.unwrap();
}

pub async fn reauth_replaces_verification_state(db: Store) {
    let new = seeded(&db).await;
    let uid = new.account.uid;
    let mut s = fixtures::session(uid, None);
    s.verification_method = Some(VerificationMethod::Totp2fa);
    s.verified_at = Some(1_700_000_000_500);
    db.create_session(&s, &[]).await.unwrap();
    let id = s.core.id_hash;

    // Verified → must confirm again: the old confirmation is forgotten.
    let unverified = Unverified {
        token_verification_id: fixtures::rand(),
        must_verify: true,
    };
    let kf = fixtures::key_fetch(uid, Some(unverified.token_verification_id));
    let done = db.reauth_with_key_fetch(
        &id,
        1_800_000_000_000,
        Some(&unverified),
        std::slice::from_ref(&kf),
    );
    assert!(done.await.unwrap());
    let got = db.session(&id).await.unwrap().unwrap();
    assert_eq!(got.auth_at, 1_800_000_000_000);
    assert_eq!(got.unverified, Some(unverified.clone()));
    assert_eq!((got.verification_method, got.verified_at), (None, None));
    assert_eq!(got.core, s.core);
    assert_eq!(
        db.key_fetch_token(&kf.core.id_hash).await.unwrap(),
        Some(kf)
    );

    // Unverified → verified (None) keeps what is recorded and clears the id.
    let mut v = fixtures::session(uid, Some(fixtures::rand()));
    v.verification_method = Some(VerificationMethod::Email);
    db.create_session(&v, &[]).await.unwrap();
    assert!(db
        .reauth_with_key_fetch(&v.core.id_hash, 5, None, &[])
        .await
        .unwrap());
    let got = db.session(&v.core.id_hash).await.unwrap().unwrap();
    assert_eq!((got.auth_at, got.unverified), (5, None));
    assert_eq!(got.verification_method, Some(VerificationMethod::Email));

    // must_verify false round-trips too.
    let lax = Unverified {
        token_verification_id: fixtures::rand(),
        must_verify: false,
    };
    assert!(db
        .reauth_with_key_fetch(&id, 6, Some(&lax), &[])
        .await
        .unwrap());
    assert_eq!(
        db.session(&id).await.unwrap().unwrap().unverified,
        Some(lax)
    );
}

pub async fn reauth_of_missing_session_writes_nothing(db: Store) {
    let new = seeded(&db).await;
    let kf = fixtures::key_fetch(new.account.uid, None);
    let missing = fixtures::rand();
    let done = db.reauth_with_key_fetch(&missing, 1, None, std::slice::from_ref(&kf));
    assert!(!done.await.unwrap());
    assert_eq!(db.key_fetch_token(&kf.core.id_hash).await.unwrap(), None);
}

pub async fn key_fetch_token_is_single_use(db: Store) {
    let new = seeded(&db).await;
    let kf = fixtures::key_fetch(new.account.uid, None);
    db.create_session(
        &fixtures::session(new.account.uid, None),
        std::slice::from_ref(&kf),
    )
    .await
    .unwrap();
    let id = kf.core.id_hash;
    let wins = race(8, || {
        let db = db.clone();
        async move { db.delete_key_fetch_token(&id).await.unwrap() }
    })
    .await;
    assert_eq!(wins.iter().filter(|w| **w).count(), 1);
    assert_eq!(db.key_fetch_token(&id).await.unwrap(), None);
    assert!(!db.delete_key_fetch_token(&id).await.unwrap());
    assert!(!db.delete_key_fetch_token(&fixtures::rand()).await.unwrap());
}

/// Every write that changes a session shows in the next read, even right after
/// a read of the same session (backends may cache session rows).
pub async fn session_reads_follow_every_write(db: Store) {
    let new = seeded(&db).await;
    let uid = new.account.uid;
    let tvid = fixtures::rand::<16>();
    let session = fixtures::session(uid, None);
    let id = session.core.id_hash;
    db.create_session(&session, &[]).await.unwrap();
    let read = || async { db.session(&id).await.unwrap() };

    assert_eq!(
        read().await.unwrap().last_access_time,
        session.last_access_time
    );
    db.touch_session(&id, 1_800_000_000_000).await.unwrap();
    assert_eq!(read().await.unwrap().last_access_time, 1_800_000_000_000);

    let unverified = Unverified {
        token_verification_id: tvid,
        must_verify: true,
    };
    assert!(db
        .reauth_with_key_fetch(&id, 1_800_000_000_001, Some(&unverified), &[])
        .await
        .unwrap());
    let after = read().await.unwrap();
    assert_eq!(
        (after.auth_at, after.unverified),
        (1_800_000_000_001, Some(unverified))
    );

    let outcome = db
        .verify_email_code(&uid, &tvid, VerificationMethod::Email, 1_800_000_000_002)
        .await
        .unwrap();
    assert!(outcome.session_verified);
    assert_eq!(read().await.unwrap().unverified, None);

    assert!(db.delete_session(&id).await.unwrap());
    assert_eq!(read().await, None);

    let other = fixtures::session(uid, None);
    db.create_session(&other, &[]).await.unwrap();
    assert!(db.session(&other.core.id_hash).await.unwrap().is_some());
    assert!(db.delete_account(&uid).await.unwrap());
    assert_eq!(db.session(&other.core.id_hash).await.unwrap(), None);
}
