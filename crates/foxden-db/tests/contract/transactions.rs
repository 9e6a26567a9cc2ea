//! The transaction handle: composed operations commit together, a dropped
//! transaction leaves nothing, a failed statement blocks the commit, and reads
//! inside a transaction see its own writes.

use foxden_db::ops::*;
use foxden_db::*;

use crate::fixtures::{self, is_duplicate, seeded};

pub async fn dropped_transaction_writes_nothing(db: Store) {
    let new = seeded(&db).await;
    let uid = new.account.uid;
    let session = fixtures::session(uid, None);
    let tx = db.begin().await.unwrap();
    tx.insert_session(&session).await.unwrap();
    assert!(tx.delete_session(&new.session.core.id_hash).await.unwrap());
    assert_eq!(
        tx.session(&session.core.id_hash).await.unwrap(),
        Some(session.clone()),
        "a transaction reads its own writes"
    );
    drop(tx);
    assert_eq!(db.sessions_for(&uid).await.unwrap(), vec![new.session]);
}

pub async fn composed_operations_commit_together(db: Store) {
    let new = seeded(&db).await;
    let uid = new.account.uid;
    let session = fixtures::session(uid, None);
    let tx = db.begin().await.unwrap();
    tx.delete_tokens_of(&uid).await.unwrap();
    tx.insert_session(&session).await.unwrap();
    assert!(tx.set_email_verified(&uid).await.unwrap());
    // Outside the transaction nothing shows yet.
    assert_eq!(
        db.sessions_for(&uid).await.unwrap(),
        vec![new.session.clone()]
    );
    tx.commit().await.unwrap();
    assert_eq!(db.sessions_for(&uid).await.unwrap(), vec![session]);
    assert!(db.account(&uid).await.unwrap().unwrap().email_verified);
    assert!(db
        .key_fetch_token(&new.key_fetch[0].core.id_hash)
        .await
        .unwrap()
        .is_none());
}

pub async fn failed_statement_blocks_the_commit(db: Store) {
    let new = seeded(&db).await;
    let uid = new.account.uid;
    let tx = db.begin().await.unwrap();
    assert!(tx.set_email_verified(&uid).await.unwrap());
    // A caller that handles the error and commits anyway gets an error, not half a write.
    assert!(is_duplicate(tx.insert_session(&new.session).await));
    assert!(tx.commit().await.is_err());
    assert!(!db.account(&uid).await.unwrap().unwrap().email_verified);
    // The store is usable afterwards.
    assert!(db.set_email_verified(&uid).await.unwrap());
}
