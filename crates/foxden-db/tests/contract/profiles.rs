//! Display names: unset until written, written with the account's `profile_changed_at`.

use foxden_db::ops::*;
use foxden_db::*;

use crate::fixtures::{self, seeded};

pub async fn display_name_round_trip_bumps_profile_changed_at(db: Store) {
    let new = seeded(&db).await;
    let uid = new.account.uid;
    let before = new.account.profile_changed_at;
    assert_eq!(db.display_name(&uid).await.unwrap(), None);
    let later = before + 1234;
    assert!(db
        .set_display_name(&uid, "Ünïcødé 🦊", later)
        .await
        .unwrap());
    assert_eq!(
        db.display_name(&uid).await.unwrap().as_deref(),
        Some("Ünïcødé 🦊")
    );
    let account = db.account(&uid).await.unwrap().unwrap();
    assert_eq!(account.profile_changed_at, later);
    // Nothing else of the account changed.
    assert_eq!(
        Account {
            profile_changed_at: before,
            ..account
        },
        new.account
    );
    // The empty name is stored as given; another account is untouched.
    let other = seeded(&db).await;
    assert!(db.set_display_name(&uid, "", later + 1).await.unwrap());
    assert_eq!(db.display_name(&uid).await.unwrap().as_deref(), Some(""));
    assert_eq!(db.display_name(&other.account.uid).await.unwrap(), None);
    // Inside a transaction that rolls back, nothing is written.
    let tx = db.begin().await.unwrap();
    assert!(tx
        .set_display_name(&uid, "rolled back", later + 2)
        .await
        .unwrap());
    drop(tx);
    assert_eq!(db.display_name(&uid).await.unwrap().as_deref(), Some(""));
}

pub async fn display_name_of_a_missing_account(db: Store) {
    let uid: Uid = fixtures::rand();
    assert_eq!(db.display_name(&uid).await.unwrap(), None);
    assert!(!db.set_display_name(&uid, "nobody", 1).await.unwrap());
    let new = seeded(&db).await;
    db.set_display_name(&new.account.uid, "gone soon", 2)
        .await
        .unwrap();
    db.delete_account(&new.account.uid).await.unwrap();
    assert_eq!(db.display_name(&new.account.uid).await.unwrap(), None);
}
