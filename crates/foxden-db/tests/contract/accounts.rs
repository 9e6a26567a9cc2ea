//! Accounts: creation (with its all-or-nothing rules), lookups, deletion.

use foxden_db::ops::*;
use foxden_db::*;

use crate::flows::*;

use crate::fixtures::{self, is_duplicate, seeded};

pub async fn ping_name_and_repeat_migrate(db: Store) {
    db.ping().await.unwrap();
    assert!(["sqlite", "postgres"].contains(&db.backend_name()));
    db.migrate().await.unwrap();
    db.migrate().await.unwrap();
    db.ping().await.unwrap();
}

pub async fn account_round_trip_v1_all_none(db: Store) {
    let new = seeded(&db).await;
    let a = &new.account;
    assert_eq!(db.account(&a.uid).await.unwrap().as_ref(), Some(a));
    let by_email = db.account_by_email(&a.normalized_email).await.unwrap();
    assert_eq!(by_email.as_ref(), Some(a));
    assert_eq!(
        db.session(&new.session.core.id_hash).await.unwrap(),
        Some(new.session.clone())
    );
    let kf = &new.key_fetch[0];
    assert_eq!(
        db.key_fetch_token(&kf.core.id_hash).await.unwrap().as_ref(),
        Some(kf)
    );
}

pub async fn account_round_trip_v2_all_some(db: Store) {
    let mut new = fixtures::signup();
    let a = &mut new.account;
    a.email = format!("Mixed.Case-{}", a.email);
    a.normalized_email = a.email.to_lowercase();
    a.email_verified = true;
    a.verifier_version = 2;
    a.v2 = Some(PasswordV2 {
        client_salt: format!(
            "identity.mozilla.com/picl/v1/quickStretchV2:{}",
            hex::encode(fixtures::rand::<16>())
        ),
        verify_hash: fixtures::rand(),
        wrap_wrap_kb: fixtures::rand(),
    });
    a.locale = Some("de-DE,en;q=0.5".into());
    a.disabled_at = Some(1_700_000_000_100);
    a.locked_at = Some(1_700_000_000_200);
    a.keys_changed_at = i64::MAX;
    let s = &mut new.session;
    s.unverified = None;
    s.verification_method = Some(VerificationMethod::Totp2fa);
    s.verified_at = Some(1_700_000_000_300);
    s.user_agent = UserAgentInfo {
        browser: Some("Firefox".into()),
        browser_version: Some("128.0".into()),
        os: Some("Linux".into()),
        os_version: Some("6.1".into()),
        device_type: Some("desktop".into()),
        form_factor: Some("ünïcødé".into()),
    };
    new.key_fetch[0].token_verification_id = None;
    db.create_account(&new).await.unwrap();
    assert_eq!(
        db.account(&new.account.uid).await.unwrap(),
        Some(new.account.clone())
    );
    let by_email = db
        .account_by_email(&new.account.normalized_email)
        .await
        .unwrap();
    assert_eq!(by_email, Some(new.account.clone()));
    assert_eq!(
        db.account_by_email(&new.account.email).await.unwrap(),
        None,
        "lookup is exact"
    );
    assert_eq!(
        db.session(&new.session.core.id_hash).await.unwrap(),
        Some(new.session.clone())
    );
    let kf = &new.key_fetch[0];
    assert_eq!(
        db.key_fetch_token(&kf.core.id_hash).await.unwrap().as_ref(),
        Some(kf)
    );
    // Every verification method survives the trip.
    for m in [0, 1, 2, 3, 4].map(|c| VerificationMethod::from_code(c).unwrap()) {
        let mut s = fixtures::session(new.account.uid, None);
        s.verification_method = Some(m);
        db.create_session(&s, &[]).await.unwrap();
        assert_eq!(db.session(&s.core.id_hash).await.unwrap(), Some(s));
    }
}

pub async fn missing_account(db: Store) {
    let uid = fixtures::rand();
    assert_eq!(db.account(&uid).await.unwrap(), None);
    assert_eq!(
        db.account_by_email("nobody@example.com").await.unwrap(),
        None
    );
    assert!(!db.delete_account(&uid).await.unwrap());
    assert!(!db.set_email_verified(&uid).await.unwrap());
    let out = db
        .verify_email_code(&uid, &fixtures::rand(), VerificationMethod::Email, 1)
        .await
        .unwrap();
    assert_eq!(out, CodeOutcome::default());
    assert!(db.sessions_for(&uid).await.unwrap().is_empty());
}

pub async fn duplicate_email_writes_nothing(db: Store) {
    let first = seeded(&db).await;
    let mut second = fixtures::signup();
    second.account.normalized_email = first.account.normalized_email.clone();
    assert!(is_duplicate(db.create_account(&second).await));
    assert_eq!(db.account(&second.account.uid).await.unwrap(), None);
    assert_eq!(
        db.session(&second.session.core.id_hash).await.unwrap(),
        None
    );
    let kf = &second.key_fetch[0].core.id_hash;
    assert_eq!(db.key_fetch_token(kf).await.unwrap(), None);
    assert_eq!(
        db.account(&first.account.uid).await.unwrap(),
        Some(first.account)
    );
}

pub async fn duplicate_uid_or_session_writes_nothing(db: Store) {
    let first = seeded(&db).await;
    let mut same_uid = fixtures::signup();
    same_uid.account.uid = first.account.uid;
    assert!(is_duplicate(db.create_account(&same_uid).await));
    assert_eq!(
        db.account_by_email(&same_uid.account.normalized_email)
            .await
            .unwrap(),
        None
    );

    // The account row goes in before the session clashes: it must be rolled back.
    let mut clash = fixtures::signup();
    clash.session.core.id_hash = first.session.core.id_hash;
    assert!(is_duplicate(db.create_account(&clash).await));
    assert_eq!(db.account(&clash.account.uid).await.unwrap(), None);
    let kf = &clash.key_fetch[0].core.id_hash;
    assert_eq!(db.key_fetch_token(kf).await.unwrap(), None);
    assert_eq!(
        db.session(&first.session.core.id_hash).await.unwrap(),
        Some(first.session)
    );
}

pub async fn replace_uid_recreates_account(db: Store) {
    let old = seeded(&db).await;
    db.insert_plain_token(
        PlainTokenKind::PasswordChange,
        &fixtures::core(old.account.uid, 5),
    )
    .await
    .unwrap();
    let mut new = fixtures::signup();
    new.account.email = old.account.email.clone();
    new.account.normalized_email = old.account.normalized_email.clone();
    new.replace_uid = Some(old.account.uid);
    db.create_account(&new).await.unwrap();
    assert_eq!(db.account(&old.account.uid).await.unwrap(), None);
    assert_eq!(db.session(&old.session.core.id_hash).await.unwrap(), None);
    assert!(db.sessions_for(&old.account.uid).await.unwrap().is_empty());
    let by_email = db
        .account_by_email(&new.account.normalized_email)
        .await
        .unwrap();
    assert_eq!(by_email, Some(new.account.clone()));
    assert_eq!(
        db.sessions_for(&new.account.uid).await.unwrap(),
        vec![new.session]
    );
}

pub async fn replace_uid_rolls_back_on_duplicate(db: Store) {
    let old = seeded(&db).await;
    let other = seeded(&db).await;
    let mut new = fixtures::signup();
    new.account.normalized_email = other.account.normalized_email.clone();
    new.replace_uid = Some(old.account.uid);
    assert!(is_duplicate(db.create_account(&new).await));
    // The deletion of the replaced account is undone with the failed insert.
    assert_eq!(
        db.account(&old.account.uid).await.unwrap(),
        Some(old.account)
    );
    assert_eq!(
        db.session(&old.session.core.id_hash).await.unwrap(),
        Some(old.session)
    );
    assert_eq!(db.account(&new.account.uid).await.unwrap(), None);
}

pub async fn delete_account_cascades(db: Store) {
    let new = seeded(&db).await;
    let uid = new.account.uid;
    let extra = fixtures::session(uid, None);
    let kf = fixtures::key_fetch(uid, None);
    db.create_session(&extra, std::slice::from_ref(&kf))
        .await
        .unwrap();
    let change = fixtures::core(uid, 1);
    let reset = fixtures::core(uid, 1);
    let forgot = fixtures::forgot(uid, 3);
    db.insert_plain_token(PlainTokenKind::PasswordChange, &change)
        .await
        .unwrap();
    db.insert_plain_token(PlainTokenKind::AccountReset, &reset)
        .await
        .unwrap();
    db.insert_password_forgot_token(&forgot).await.unwrap();
    let bystander = seeded(&db).await;

    assert!(db.delete_account(&uid).await.unwrap());
    assert!(!db.delete_account(&uid).await.unwrap());
    assert_eq!(db.account(&uid).await.unwrap(), None);
    assert!(db.sessions_for(&uid).await.unwrap().is_empty());
    assert_eq!(db.session(&extra.core.id_hash).await.unwrap(), None);
    assert_eq!(db.key_fetch_token(&kf.core.id_hash).await.unwrap(), None);
    let kf0 = &new.key_fetch[0].core.id_hash;
    assert_eq!(db.key_fetch_token(kf0).await.unwrap(), None);
    let pc = db
        .plain_token(PlainTokenKind::PasswordChange, &change.id_hash)
        .await
        .unwrap();
    assert_eq!(pc, None);
    let ar = db
        .plain_token(PlainTokenKind::AccountReset, &reset.id_hash)
        .await
        .unwrap();
    assert_eq!(ar, None);
    assert_eq!(
        db.password_forgot_token(&forgot.core.id_hash)
            .await
            .unwrap(),
        None
    );
    // Other accounts are untouched.
    let other = db.sessions_for(&bystander.account.uid).await.unwrap();
    assert_eq!(other, vec![bystander.session]);
}

pub async fn set_email_verified_reports_change(db: Store) {
    let new = seeded(&db).await;
    let uid = new.account.uid;
    assert!(db.set_email_verified(&uid).await.unwrap());
    assert!(!db.set_email_verified(&uid).await.unwrap());
    assert!(db.account(&uid).await.unwrap().unwrap().email_verified);
    // Sessions are not touched.
    assert_eq!(
        db.session(&new.session.core.id_hash).await.unwrap(),
        Some(new.session)
    );
}
