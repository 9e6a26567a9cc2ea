//! OAuth clients, authorization codes and tokens.

use foxden_db::ops::*;
use foxden_db::*;

use crate::fixtures::{self, is_duplicate, seeded};
use crate::sessions::race;

pub fn client(public: bool) -> OAuthClient {
    OAuthClient {
        id: fixtures::rand(),
        name: format!("client {}", hex::encode(fixtures::rand::<3>())),
        redirect_uri: "https://rp.example/cb".into(),
        image_uri: String::new(),
        trusted: true,
        public_client: public,
        can_grant: false,
        allowed_scopes: "profile https://identity.mozilla.com/apps/oldsync".into(),
        hashed_secret: (!public).then(fixtures::rand),
        hashed_secret_previous: None,
        jwt_access_tokens: false,
        created_at: 1_700_000_000_000,
    }
}

pub fn code(client_id: ClientId, uid: Uid, created_at: Millis) -> OAuthCode {
    OAuthCode {
        code_hash: fixtures::rand(),
        client_id,
        uid,
        scope: "profile".into(),
        auth_at: 1_700_000_000_000,
        amr: "pwd email".into(),
        aal: 1,
        code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
        keys_jwe: Some("a.b.c.d.e".into()),
        offline: true,
        session_token_id_hash: Some(fixtures::rand()),
        created_at,
    }
}

pub fn token(
    kind: OAuthTokenKind,
    client_id: ClientId,
    uid: Uid,
    created_at: Millis,
) -> OAuthToken {
    OAuthToken {
        token_hash: fixtures::rand(),
        kind,
        client_id,
        uid,
        scope: "profile".into(),
        created_at,
        expires_at: (kind == OAuthTokenKind::Access).then_some(created_at + 1000),
        last_used_at: None,
        profile_changed_at: Some(1_700_000_000_003),
    }
}

pub async fn oauth_clients_round_trip_register_and_rotate(db: Store) {
    let (a, b) = (client(true), client(false));
    db.insert_oauth_client(&a).await.unwrap();
    assert!(is_duplicate(db.insert_oauth_client(&a).await));
    assert_eq!(db.oauth_client(&a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(db.oauth_client(&fixtures::rand()).await.unwrap(), None);
    // Registering an existing id leaves the stored row (an operator's edits) alone.
    let mut edited = a.clone();
    edited.name = "renamed by the operator".into();
    assert!(!db.register_oauth_client_if_absent(&edited).await.unwrap());
    assert_eq!(db.oauth_client(&a.id).await.unwrap(), Some(a.clone()));
    assert!(db.register_oauth_client_if_absent(&b).await.unwrap());
    let mut all = vec![a.clone(), b.clone()];
    all.sort_by(|x, y| x.name.cmp(&y.name));
    assert_eq!(db.oauth_clients().await.unwrap(), all);

    let new_secret = fixtures::rand();
    assert!(db
        .rotate_oauth_client_secret(&b.id, &new_secret)
        .await
        .unwrap());
    let rotated = db.oauth_client(&b.id).await.unwrap().unwrap();
    assert_eq!(rotated.hashed_secret, Some(new_secret));
    assert_eq!(rotated.hashed_secret_previous, b.hashed_secret);
    assert!(!db
        .rotate_oauth_client_secret(&fixtures::rand(), &new_secret)
        .await
        .unwrap());

    assert!(db.delete_oauth_client(&a.id).await.unwrap());
    assert!(!db.delete_oauth_client(&a.id).await.unwrap());
    assert_eq!(db.oauth_clients().await.unwrap(), vec![rotated]);
}

pub async fn oauth_code_is_taken_once_even_concurrently(db: Store) {
    let uid = seeded(&db).await.account.uid;
    let c = client(true);
    db.insert_oauth_client(&c).await.unwrap();
    let first = code(c.id, uid, 1);
    db.insert_oauth_code(&first).await.unwrap();
    assert!(is_duplicate(db.insert_oauth_code(&first).await));
    assert_eq!(
        db.take_oauth_code(&first.code_hash).await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(db.take_oauth_code(&first.code_hash).await.unwrap(), None);

    let mut bare = code(c.id, uid, 2);
    bare.code_challenge = None;
    bare.keys_jwe = None;
    bare.session_token_id_hash = None;
    bare.offline = false;
    db.insert_oauth_code(&bare).await.unwrap();
    let hash = bare.code_hash;
    let wins = race(8, || {
        let db = db.clone();
        async move { db.take_oauth_code(&hash).await.unwrap() }
    })
    .await;
    let won: Vec<_> = wins.into_iter().flatten().collect();
    assert_eq!(won, vec![bare], "exactly one claim gets the code");

    // A code needs its client and its account.
    assert!(db
        .insert_oauth_code(&code(fixtures::rand(), uid, 3))
        .await
        .is_err());
    assert!(db
        .insert_oauth_code(&code(c.id, fixtures::rand(), 3))
        .await
        .is_err());
}

pub async fn oauth_tokens_round_trip_touch_and_revoke(db: Store) {
    let uid = seeded(&db).await.account.uid;
    let c = client(true);
    db.insert_oauth_client(&c).await.unwrap();
    let access = token(OAuthTokenKind::Access, c.id, uid, 10);
    let refresh = token(OAuthTokenKind::Refresh, c.id, uid, 20);
    db.insert_oauth_token(&access).await.unwrap();
    db.insert_oauth_token(&refresh).await.unwrap();
    assert!(is_duplicate(db.insert_oauth_token(&access).await));
    assert_eq!(
        db.oauth_token(&access.token_hash).await.unwrap(),
        Some(access.clone())
    );
    assert_eq!(db.oauth_token(&fixtures::rand()).await.unwrap(), None);

    assert!(db.touch_oauth_token(&refresh.token_hash, 99).await.unwrap());
    let touched = db.oauth_token(&refresh.token_hash).await.unwrap().unwrap();
    assert_eq!(touched.last_used_at, Some(99));
    assert_eq!(
        db.oauth_grants_of(&uid).await.unwrap(),
        vec![access.clone(), touched]
    );

    let hash = access.token_hash;
    let wins = race(4, || {
        let db = db.clone();
        async move { db.delete_oauth_token(&hash).await.unwrap() }
    })
    .await;
    assert_eq!(wins.iter().filter(|w| **w).count(), 1);
    assert_eq!(db.oauth_token(&hash).await.unwrap(), None);
    assert!(!db.touch_oauth_token(&hash, 100).await.unwrap());
}

pub async fn delete_oauth_of_takes_only_that_account(db: Store) {
    let mine = seeded(&db).await.account.uid;
    let theirs = seeded(&db).await.account.uid;
    let c = client(false);
    db.insert_oauth_client(&c).await.unwrap();
    for uid in [mine, theirs] {
        db.insert_oauth_code(&code(c.id, uid, 1)).await.unwrap();
        for kind in [OAuthTokenKind::Access, OAuthTokenKind::Refresh] {
            db.insert_oauth_token(&token(kind, c.id, uid, 1))
                .await
                .unwrap();
        }
    }
    let their_code = code(c.id, theirs, 2);
    db.insert_oauth_code(&their_code).await.unwrap();
    let my_code = code(c.id, mine, 2);
    db.insert_oauth_code(&my_code).await.unwrap();

    assert_eq!(db.delete_oauth_of(&mine).await.unwrap(), 4);
    assert!(db.oauth_grants_of(&mine).await.unwrap().is_empty());
    assert_eq!(db.take_oauth_code(&my_code.code_hash).await.unwrap(), None);
    assert_eq!(db.oauth_grants_of(&theirs).await.unwrap().len(), 2);
    assert!(db
        .take_oauth_code(&their_code.code_hash)
        .await
        .unwrap()
        .is_some());
    // Inside a transaction that is dropped, nothing goes.
    let tx = db.begin().await.unwrap();
    assert_eq!(tx.delete_oauth_of(&theirs).await.unwrap(), 3);
    drop(tx);
    assert_eq!(db.oauth_grants_of(&theirs).await.unwrap().len(), 2);
}

pub async fn deleting_oauth_client_or_account_removes_its_grants(db: Store) {
    let uid = seeded(&db).await.account.uid;
    let (kept, removed) = (client(true), client(true));
    for c in [&kept, &removed] {
        db.insert_oauth_client(c).await.unwrap();
        db.insert_oauth_token(&token(OAuthTokenKind::Refresh, c.id, uid, 1))
            .await
            .unwrap();
    }
    let removed_code = code(removed.id, uid, 1);
    db.insert_oauth_code(&removed_code).await.unwrap();
    assert!(db.delete_oauth_client(&removed.id).await.unwrap());
    let left = db.oauth_grants_of(&uid).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].client_id, kept.id);
    assert_eq!(
        db.take_oauth_code(&removed_code.code_hash).await.unwrap(),
        None
    );

    let kept_code = code(kept.id, uid, 1);
    db.insert_oauth_code(&kept_code).await.unwrap();
    assert!(db.delete_account(&uid).await.unwrap());
    assert!(db.oauth_grants_of(&uid).await.unwrap().is_empty());
    assert_eq!(
        db.take_oauth_code(&kept_code.code_hash).await.unwrap(),
        None
    );
}

pub async fn prune_expired_oauth_access_tokens_and_codes(db: Store) {
    let uid = seeded(&db).await.account.uid;
    let c = client(true);
    db.insert_oauth_client(&c).await.unwrap();
    let expired = token(OAuthTokenKind::Access, c.id, uid, 0); // expires at 1000
    let live = token(OAuthTokenKind::Access, c.id, uid, 5000); // expires at 6000
    let refresh = token(OAuthTokenKind::Refresh, c.id, uid, 0);
    for t in [&expired, &live, &refresh] {
        db.insert_oauth_token(t).await.unwrap();
    }
    let (old, new) = (code(c.id, uid, 100), code(c.id, uid, 300));
    db.insert_oauth_code(&old).await.unwrap();
    db.insert_oauth_code(&new).await.unwrap();
    assert_eq!(db.prune_expired_oauth(2000, 200).await.unwrap(), 2);
    assert_eq!(db.oauth_token(&expired.token_hash).await.unwrap(), None);
    assert!(db.oauth_token(&live.token_hash).await.unwrap().is_some());
    assert!(db.oauth_token(&refresh.token_hash).await.unwrap().is_some());
    assert_eq!(db.take_oauth_code(&old.code_hash).await.unwrap(), None);
    assert!(db.take_oauth_code(&new.code_hash).await.unwrap().is_some());
}
