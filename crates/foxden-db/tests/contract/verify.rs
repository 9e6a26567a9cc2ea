//! `verify_email_code`: session code, email code, both, neither.

use foxden_db::ops::*;
use foxden_db::*;

use crate::flows::*;

use crate::fixtures::{self, seeded};

const NOW: Millis = 1_800_000_000_000;

/// An account plus a login session (its own tvid) with two keyFetchTokens sharing it.
async fn with_login(db: &Store) -> (NewAccount, SessionToken, Vec<KeyFetchToken>) {
    let new = seeded(db).await;
    let uid = new.account.uid;
    let tvid = fixtures::rand();
    let login = fixtures::session(uid, Some(tvid));
    let kfs = vec![
        fixtures::key_fetch(uid, Some(tvid)),
        fixtures::key_fetch(uid, Some(tvid)),
    ];
    db.create_session(&login, &kfs).await.unwrap();
    (new, login, kfs)
}

async fn kf_tvid(db: &Store, kf: &KeyFetchToken) -> Option<[u8; 16]> {
    let got = db.key_fetch_token(&kf.core.id_hash).await.unwrap().unwrap();
    got.token_verification_id
}

pub async fn verify_with_session_code(db: Store) {
    let (new, login, kfs) = with_login(&db).await;
    let uid = new.account.uid;
    let code = login.unverified.as_ref().unwrap().token_verification_id;
    let out = db
        .verify_email_code(&uid, &code, VerificationMethod::Email2fa, NOW)
        .await
        .unwrap();
    let expected = CodeOutcome {
        session_verified: true,
        matched_email_code: false,
        account_newly_verified: true,
    };
    assert_eq!(out, expected);
    let s = db.session(&login.core.id_hash).await.unwrap().unwrap();
    assert_eq!(s.unverified, None);
    assert_eq!(s.verification_method, Some(VerificationMethod::Email2fa));
    assert_eq!(s.verified_at, Some(NOW));
    for kf in &kfs {
        assert_eq!(
            kf_tvid(&db, kf).await,
            None,
            "keyFetchTokens sharing the id are verified"
        );
    }
    // The sign-up session (another id) and its keyFetchToken are untouched.
    assert_eq!(
        db.session(&new.session.core.id_hash).await.unwrap(),
        Some(new.session)
    );
    assert!(kf_tvid(&db, &new.key_fetch[0]).await.is_some());
    assert!(db.account(&uid).await.unwrap().unwrap().email_verified);
    // A second use matches nothing any more.
    let again = db
        .verify_email_code(&uid, &code, VerificationMethod::Email, NOW)
        .await
        .unwrap();
    assert_eq!(again, CodeOutcome::default());
}

pub async fn verify_with_email_code_only(db: Store) {
    // Sessions whose ids differ from the emailCode (as after a login).
    let mut new = fixtures::signup();
    let other = fixtures::rand();
    new.session
        .unverified
        .as_mut()
        .unwrap()
        .token_verification_id = other;
    new.key_fetch[0].token_verification_id = Some(other);
    db.create_account(&new).await.unwrap();
    let (uid, code) = (new.account.uid, new.account.email_code);
    let out = db
        .verify_email_code(&uid, &code, VerificationMethod::Email, NOW)
        .await
        .unwrap();
    let expected = CodeOutcome {
        session_verified: false,
        matched_email_code: true,
        account_newly_verified: true,
    };
    assert_eq!(out, expected);
    assert!(out.matched());
    assert!(db.account(&uid).await.unwrap().unwrap().email_verified);
    // The session still waits for its own code.
    assert_eq!(
        db.session(&new.session.core.id_hash).await.unwrap(),
        Some(new.session)
    );
    assert_eq!(kf_tvid(&db, &new.key_fetch[0]).await, Some(other));
    let again = db
        .verify_email_code(&uid, &code, VerificationMethod::Email, NOW)
        .await
        .unwrap();
    assert!(again.matched_email_code && !again.account_newly_verified && !again.session_verified);
}

pub async fn verify_with_signup_code_matches_both(db: Store) {
    let (new, login, kfs) = with_login(&db).await;
    let uid = new.account.uid;
    let out = db
        .verify_email_code(
            &uid,
            &new.account.email_code,
            VerificationMethod::Email,
            NOW,
        )
        .await
        .unwrap();
    let expected = CodeOutcome {
        session_verified: true,
        matched_email_code: true,
        account_newly_verified: true,
    };
    assert_eq!(out, expected);
    let s = db
        .session(&new.session.core.id_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (s.unverified, s.verification_method),
        (None, Some(VerificationMethod::Email))
    );
    assert_eq!(kf_tvid(&db, &new.key_fetch[0]).await, None);
    // The login session has its own id and stays unverified.
    assert!(db
        .session(&login.core.id_hash)
        .await
        .unwrap()
        .unwrap()
        .unverified
        .is_some());
    assert!(kf_tvid(&db, &kfs[0]).await.is_some());
}

pub async fn verify_with_wrong_code_changes_nothing(db: Store) {
    let (new, login, kfs) = with_login(&db).await;
    let uid = new.account.uid;
    let out = db
        .verify_email_code(&uid, &fixtures::rand(), VerificationMethod::Email, NOW)
        .await
        .unwrap();
    assert_eq!(out, CodeOutcome::default());
    assert!(!out.matched());
    assert_eq!(db.account(&uid).await.unwrap(), Some(new.account));
    assert_eq!(db.session(&login.core.id_hash).await.unwrap(), Some(login));
    assert_eq!(
        db.key_fetch_token(&kfs[0].core.id_hash)
            .await
            .unwrap()
            .as_ref(),
        Some(&kfs[0])
    );
}

pub async fn verify_is_scoped_to_the_account(db: Store) {
    let (a, login_a, _) = with_login(&db).await;
    let b = seeded(&db).await;
    let code = login_a.unverified.as_ref().unwrap().token_verification_id;
    // B has a session carrying the same id (collision or malice): verifying for A leaves it.
    let clash = fixtures::session(b.account.uid, Some(code));
    db.create_session(&clash, &[]).await.unwrap();
    let out = db
        .verify_email_code(&a.account.uid, &code, VerificationMethod::Email, NOW)
        .await
        .unwrap();
    assert!(out.session_verified);
    assert_eq!(db.session(&clash.core.id_hash).await.unwrap(), Some(clash));
    // And A's code used for B matches nothing.
    let out = db
        .verify_email_code(
            &b.account.uid,
            &a.account.email_code,
            VerificationMethod::Email,
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(out, CodeOutcome::default());
    assert!(
        !db.account(&b.account.uid)
            .await
            .unwrap()
            .unwrap()
            .email_verified
    );
}

pub async fn verify_session_on_verified_account(db: Store) {
    let (new, login, _) = with_login(&db).await;
    let uid = new.account.uid;
    assert!(db.set_email_verified(&uid).await.unwrap());
    let code = login.unverified.as_ref().unwrap().token_verification_id;
    let out = db
        .verify_email_code(&uid, &code, VerificationMethod::Totp2fa, NOW)
        .await
        .unwrap();
    let expected = CodeOutcome {
        session_verified: true,
        matched_email_code: false,
        account_newly_verified: false,
    };
    assert_eq!(out, expected);
}

pub async fn verify_key_fetch_only_code(db: Store) {
    // A keyFetchToken whose session is gone can still be confirmed by its id.
    let new = seeded(&db).await;
    let uid = new.account.uid;
    let tvid = fixtures::rand();
    let kf = fixtures::key_fetch(uid, Some(tvid));
    let s = fixtures::session(uid, None);
    db.create_session(&s, std::slice::from_ref(&kf))
        .await
        .unwrap();
    let out = db
        .verify_email_code(&uid, &tvid, VerificationMethod::Email, NOW)
        .await
        .unwrap();
    assert!(out.session_verified && out.account_newly_verified && !out.matched_email_code);
    assert_eq!(kf_tvid(&db, &kf).await, None);
}
