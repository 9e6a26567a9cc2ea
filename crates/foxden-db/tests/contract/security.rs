//! Security events: record, list newest first, the known-IP query, and
//! verification through `verify_email_code`.

use foxden_db::ops::*;
use foxden_db::*;

use crate::flows::*;

use crate::fixtures::{self, seeded};

fn event(
    uid: Uid,
    name: &str,
    token: Option<TokenIdHash>,
    verified: bool,
    ip: [u8; 32],
    at: Millis,
) -> SecurityEvent {
    SecurityEvent {
        uid,
        name: name.into(),
        token_id_hash: token,
        verified,
        ip_hmac: ip,
        created_at: at,
    }
}

pub async fn security_events_round_trip_newest_first(db: Store) {
    let new = seeded(&db).await;
    let other = seeded(&db).await;
    let uid = new.account.uid;
    let ip = fixtures::rand();
    let a = event(
        uid,
        "account.create",
        Some(new.session.core.id_hash),
        false,
        ip,
        1_000,
    );
    let b = event(uid, "account.login", None, true, ip, 3_000);
    let c = event(
        uid,
        "account.login.failure",
        None,
        false,
        fixtures::rand(),
        2_000,
    );
    for e in [&a, &b, &c] {
        db.record_security_event(e).await.unwrap();
    }
    let theirs = event(other.account.uid, "account.login", None, true, ip, 5_000);
    db.record_security_event(&theirs).await.unwrap();

    let got = db.security_events(&uid, 100).await.unwrap();
    assert_eq!(got, vec![b.clone(), c.clone(), a.clone()]);
    assert_eq!(db.security_events(&uid, 2).await.unwrap(), vec![b, c]);
    assert!(db
        .security_events(&fixtures::rand(), 100)
        .await
        .unwrap()
        .is_empty());
    // Events need their account, and go with it.
    let orphan = event(fixtures::rand(), "account.login", None, true, ip, 1);
    assert!(db.record_security_event(&orphan).await.is_err());
    assert!(db.delete_account(&uid).await.unwrap());
    assert!(db.security_events(&uid, 100).await.unwrap().is_empty());
    assert_eq!(
        db.security_events(&other.account.uid, 100).await.unwrap(),
        vec![theirs]
    );
}

pub async fn verified_event_from_ip_since_matches_exactly(db: Store) {
    let new = seeded(&db).await;
    let other = seeded(&db).await;
    let uid = new.account.uid;
    let (ip, ip2) = (fixtures::rand(), fixtures::rand());
    db.record_security_event(&event(uid, "account.login", None, false, ip, 5_000))
        .await
        .unwrap();
    assert!(
        !db.verified_event_from_ip_since(&uid, &ip, 0).await.unwrap(),
        "unverified"
    );
    db.record_security_event(&event(uid, "account.login", None, true, ip, 4_000))
        .await
        .unwrap();
    assert!(db
        .verified_event_from_ip_since(&uid, &ip, 4_000)
        .await
        .unwrap());
    assert!(db.verified_event_from_ip_since(&uid, &ip, 0).await.unwrap());
    assert!(
        !db.verified_event_from_ip_since(&uid, &ip, 4_001)
            .await
            .unwrap(),
        "too old"
    );
    assert!(
        !db.verified_event_from_ip_since(&uid, &ip2, 0)
            .await
            .unwrap(),
        "other ip"
    );
    let them = other.account.uid;
    assert!(
        !db.verified_event_from_ip_since(&them, &ip, 0)
            .await
            .unwrap(),
        "other account"
    );
}

pub async fn security_event_verified_when_its_session_is_verified(db: Store) {
    let new = seeded(&db).await;
    let uid = new.account.uid;
    let ip = fixtures::rand();
    let tvid = fixtures::rand();
    let login = fixtures::session(uid, Some(tvid));
    db.create_session(&login, &[]).await.unwrap();
    let login_event = event(
        uid,
        "account.login",
        Some(login.core.id_hash),
        false,
        ip,
        2_000,
    );
    let create_event = event(
        uid,
        "account.create",
        Some(new.session.core.id_hash),
        false,
        ip,
        1_000,
    );
    let loose = event(uid, "account.login.failure", None, false, ip, 1_500);
    for e in [&login_event, &create_event, &loose] {
        db.record_security_event(e).await.unwrap();
    }
    assert!(!db.verified_event_from_ip_since(&uid, &ip, 0).await.unwrap());
    // A wrong code verifies nothing.
    db.verify_email_code(&uid, &fixtures::rand(), VerificationMethod::Email, 9)
        .await
        .unwrap();
    assert!(!db.verified_event_from_ip_since(&uid, &ip, 0).await.unwrap());

    let out = db
        .verify_email_code(&uid, &tvid, VerificationMethod::Email2fa, 9)
        .await
        .unwrap();
    assert!(out.session_verified);
    let got = db.security_events(&uid, 100).await.unwrap();
    let verified: Vec<(&str, bool)> = got.iter().map(|e| (e.name.as_str(), e.verified)).collect();
    assert_eq!(
        verified,
        [
            ("account.login", true),
            ("account.login.failure", false),
            ("account.create", false)
        ]
    );
    assert!(db
        .verified_event_from_ip_since(&uid, &ip, 2_000)
        .await
        .unwrap());

    // The sign-up code confirms the sign-up session and so its event.
    db.verify_email_code(&uid, &new.account.email_code, VerificationMethod::Email, 10)
        .await
        .unwrap();
    let got = db.security_events(&uid, 100).await.unwrap();
    assert!(got[2].verified && got[2].name == "account.create");
    assert!(!got[1].verified);
}
