//! The PostgreSQL session cache across nodes: two `PostgresDb` handles on one
//! schema stand for two servers. A write on node A must be seen by the very next
//! read on node B, whose copy was cached (each read's barrier, ADR 0011). Skipped
//! without `FOXDEN_TEST_POSTGRES_URL`.

use foxden_db::ops::*;
use foxden_db::*;

use crate::fixtures::{self, seeded};
use crate::harness::PgSchema;

struct Nodes {
    schema: PgSchema,
    a: Store,
    b: Store,
    pg_b: PostgresDb,
}

/// Waits (bounded) until `ready` holds; the bound only turns a hang into a failure.
async fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    for _ in 0..2_000 {
        if ready() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    panic!("gave up waiting for {what}");
}

async fn two_nodes() -> Option<Nodes> {
    let schema = PgSchema::create().await?;
    let connect = || async {
        let db = PostgresDb::connect(&schema.url).await.unwrap();
        db.with_session_cache(true)
    };
    let pg_a = connect().await;
    pg_a.migrate().await.unwrap();
    let pg_b = connect().await;
    wait_for("node A's listener", || pg_a.session_cache_is_live()).await;
    wait_for("node B's listener", || pg_b.session_cache_is_live()).await;
    Some(Nodes {
        schema,
        a: pg_a.into(),
        b: pg_b.clone().into(),
        pg_b,
    })
}

/// Sets a session's `last_access_time` behind foxden's back (no notification), so
/// that a read still answering the old value can only have come from the cache.
async fn write_unannounced(n: &Nodes, id: &TokenIdHash, last_access_time: i64) {
    let sql = format!(
        "UPDATE {}.session_tokens SET last_access_time = $2 WHERE id_hash = $1",
        n.schema.name
    );
    let changed = n
        .schema
        .admin
        .execute(&sql, &[&id.as_slice(), &last_access_time])
        .await
        .unwrap();
    assert_eq!(changed, 1);
}

/// Asserts that B serves `id` from its cache: after an unannounced write, a read on
/// B still answers what B read before. A barrier that takes longer than its limit
/// makes a read bypass the cache, so this tries a few times; with no cache it can
/// never succeed.
async fn assert_b_serves_from_cache(n: &Nodes, id: &TokenIdHash, unannounced: i64) {
    for k in 0..50 {
        let before = last_access(&n.b, id).await;
        write_unannounced(n, id, unannounced + k).await;
        if last_access(&n.b, id).await == before {
            return;
        }
    }
    panic!("node B never served its cached copy");
}

async fn last_access(db: &Store, id: &TokenIdHash) -> i64 {
    db.session(id).await.unwrap().unwrap().last_access_time
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_b_serves_its_cached_copy_until_a_write_is_announced() {
    let Some(n) = two_nodes().await else { return };
    let new = seeded(&n.a).await;
    let id = new.session.core.id_hash;
    assert_eq!(n.b.session(&id).await.unwrap(), Some(new.session.clone()));
    // Cached: an unannounced change is not seen (this fails if the cache is off).
    assert_b_serves_from_cache(&n, &id, 5).await;
    n.a.touch_session(&id, 6).await.unwrap();
    assert_eq!(last_access(&n.b, &id).await, 6);
    n.schema.drop_now().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_on_one_node_is_seen_by_the_next_read_on_another() {
    let Some(n) = two_nodes().await else { return };
    let new = seeded(&n.a).await;
    let uid = new.account.uid;
    let session = new.session.clone();
    let id = session.core.id_hash;
    let mut tvid = [0; 16];
    for i in 0..200i64 {
        // Read twice: the second read is served by B's cache.
        for _ in 0..2 {
            assert!(n.b.session(&id).await.unwrap().is_some(), "round {i}");
        }
        match i % 4 {
            0 => {
                n.a.touch_session(&id, 1_000 + i).await.unwrap();
                assert_eq!(last_access(&n.b, &id).await, 1_000 + i, "round {i}");
            }
            1 => {
                tvid = fixtures::rand();
                let unverified = Unverified {
                    token_verification_id: tvid,
                    must_verify: true,
                };
                assert!(n.a.reauth_session(&id, i, Some(&unverified)).await.unwrap());
                let read = n.b.session(&id).await.unwrap().unwrap();
                assert_eq!((read.auth_at, read.unverified), (i, Some(unverified)));
            }
            2 => {
                let method = VerificationMethod::Email;
                assert!(n.a.confirm_tokens(&uid, &tvid, method, i).await.unwrap());
                let read = n.b.session(&id).await.unwrap().unwrap();
                assert_eq!((read.unverified, read.verified_at), (None, Some(i)));
            }
            _ => {
                assert!(n.a.delete_session(&id).await.unwrap());
                assert_eq!(n.b.session(&id).await.unwrap(), None, "round {i}");
                n.a.insert_session(&session).await.unwrap();
            }
        }
    }
    n.schema.drop_now().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolled_back_write_leaves_node_b_correct() {
    let Some(n) = two_nodes().await else { return };
    let new = seeded(&n.a).await;
    let id = new.session.core.id_hash;
    assert_eq!(n.b.session(&id).await.unwrap(), Some(new.session.clone()));
    let tx = n.a.begin().await.unwrap();
    tx.touch_session(&id, 77).await.unwrap();
    drop(tx); // rolled back: nothing is notified
    assert_eq!(n.b.session(&id).await.unwrap(), Some(new.session.clone()));
    assert_eq!(n.a.session(&id).await.unwrap(), Some(new.session.clone()));
    // The next committed write on A is seen again.
    let tx = n.a.begin().await.unwrap();
    tx.touch_session(&id, 78).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(last_access(&n.b, &id).await, 78);
    n.schema.drop_now().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_listener_bypasses_the_cache_then_recovers() {
    let Some(n) = two_nodes().await else { return };
    let new = seeded(&n.a).await;
    let id = new.session.core.id_hash;
    for _ in 0..2 {
        assert_eq!(n.b.session(&id).await.unwrap(), Some(new.session.clone()));
    }
    let old_pid = n.pg_b.session_listener_pid().unwrap();
    let killed: bool = n
        .schema
        .admin
        .query_one("SELECT pg_terminate_backend($1)", &[&old_pid])
        .await
        .unwrap()
        .get(0);
    assert!(killed);
    wait_for("node B to notice", || {
        !n.pg_b.session_cache_is_live() || n.pg_b.session_listener_pid() != Some(old_pid)
    })
    .await;
    // B's notification of this write may be lost: B must still not serve its copy.
    n.a.touch_session(&id, 11).await.unwrap();
    assert_eq!(last_access(&n.b, &id).await, 11);
    write_unannounced(&n, &id, 12).await;
    if !n.pg_b.session_cache_is_live() {
        // Bypassed while reconnecting: reads go to the database.
        assert_eq!(last_access(&n.b, &id).await, 12);
    }

    // Reconnected: caching again, and invalidated again.
    wait_for("node B to reconnect", || n.pg_b.session_cache_is_live()).await;
    assert_ne!(n.pg_b.session_listener_pid(), Some(old_pid));
    assert_eq!(last_access(&n.b, &id).await, 12);
    assert_b_serves_from_cache(&n, &id, 13).await;
    n.a.touch_session(&id, 14).await.unwrap();
    assert_eq!(last_access(&n.b, &id).await, 14);
    n.schema.drop_now().await;
}
