//! Rate limits: fixed windows, bans past the limit, peeking, clearing,
//! concurrent counting and pruning.

use foxden_db::ops::*;
use foxden_db::*;

use crate::fixtures;
use crate::sessions::race;

/// 3 events a second; the 4th bans for 10 s.
const W: RateWindow = RateWindow {
    window_ms: 1_000,
    max: 3,
    ban_ms: 10_000,
};

/// A window that never ends within a case, allowing one event.
fn once(ban_ms: i64) -> RateWindow {
    RateWindow {
        window_ms: 1_000_000_000,
        max: 1,
        ban_ms,
    }
}

/// Counts `key` at each time; returns the answers.
async fn count_at(
    db: &Store,
    key: &[u8; 32],
    w: &RateWindow,
    at: &[Millis],
) -> Vec<Option<Millis>> {
    let mut out = Vec::new();
    for &now in at {
        out.push(db.rate_limit_count(key, w, now).await.unwrap());
    }
    out
}

pub async fn rate_limit_bans_past_max_until_the_ban_ends(db: Store) {
    let key = fixtures::rand();
    let t = 100_000;
    let until = t + 3 + 10_000;
    assert_eq!(
        count_at(&db, &key, &W, &[t, t + 1, t + 2, t + 3]).await,
        [None, None, None, Some(until)]
    );
    // Banned calls count nothing and leave the ban as it is, even after the window ended.
    assert_eq!(
        count_at(&db, &key, &W, &[t + 4, t + 5_000, until - 1]).await,
        [Some(until); 3]
    );
    assert_eq!(db.rate_limit_ban(&key, t + 4).await.unwrap(), Some(until));
    assert_eq!(
        db.rate_limit_ban(&key, until - 1).await.unwrap(),
        Some(until)
    );
    assert_eq!(db.rate_limit_ban(&key, until).await.unwrap(), None, "ended");
    // At banned_until the ban is over: a fresh window with count 1.
    let t2 = until;
    assert_eq!(
        count_at(&db, &key, &W, &[t2, t2 + 1, t2 + 2, t2 + 3]).await,
        [None, None, None, Some(t2 + 3 + 10_000)]
    );
}

pub async fn rate_limit_ended_ban_restarts_a_running_window(db: Store) {
    let key = fixtures::rand();
    let short_ban = RateWindow {
        window_ms: 60_000,
        max: 2,
        ban_ms: 100,
    };
    let t = 10_000;
    assert_eq!(
        count_at(&db, &key, &short_ban, &[t, t, t, t + 99]).await,
        [None, None, Some(t + 100), Some(t + 100)]
    );
    // The window runs until t + 60_000, but the ended ban starts a new one at count 1.
    let t2 = t + 100;
    assert_eq!(
        count_at(&db, &key, &short_ban, &[t2, t2, t2]).await,
        [None, None, Some(t2 + 100)]
    );
}

pub async fn rate_limit_window_end_restarts_the_count(db: Store) {
    let (key, edge) = (fixtures::rand(), fixtures::rand());
    let t = 50_000;
    assert_eq!(count_at(&db, &key, &W, &[t, t + 1, t + 2]).await, [None; 3]);
    // window_start + window_ms <= now: a new window.
    let t2 = t + 1_000;
    assert_eq!(
        count_at(&db, &key, &W, &[t2, t2 + 500, t2 + 999, t2 + 999]).await,
        [None, None, None, Some(t2 + 999 + 10_000)]
    );
    // One ms before the window ends the count still goes on.
    assert_eq!(
        count_at(&db, &edge, &W, &[t, t, t, t + 999]).await,
        [None, None, None, Some(t + 999 + 10_000)]
    );
}

pub async fn rate_limit_keys_are_independent(db: Store) {
    let (a, b) = (fixtures::rand(), fixtures::rand());
    let t = 7_000;
    assert_eq!(
        count_at(&db, &a, &W, &[t; 4]).await,
        [None, None, None, Some(t + 10_000)]
    );
    assert_eq!(db.rate_limit_ban(&b, t).await.unwrap(), None);
    assert_eq!(
        count_at(&db, &b, &W, &[t; 4]).await,
        [None, None, None, Some(t + 10_000)]
    );
    // A different window per call is fine: each call states its own.
    let c = fixtures::rand();
    let zero = RateWindow { max: 0, ..W };
    assert_eq!(count_at(&db, &c, &zero, &[t]).await, [Some(t + 10_000)]);
}

pub async fn rate_limit_ban_peeks_without_counting(db: Store) {
    let key = fixtures::rand();
    let t = 1_000;
    assert_eq!(
        db.rate_limit_ban(&key, t).await.unwrap(),
        None,
        "unknown key"
    );
    assert_eq!(count_at(&db, &key, &W, &[t, t]).await, [None, None]);
    for _ in 0..5 {
        assert_eq!(db.rate_limit_ban(&key, t).await.unwrap(), None);
    }
    assert_eq!(
        count_at(&db, &key, &W, &[t, t]).await,
        [None, Some(t + 10_000)],
        "the peeks counted nothing"
    );
}

pub async fn rate_limit_clear_forgets_counts_and_bans(db: Store) {
    let (banned, counted, kept) = (fixtures::rand(), fixtures::rand(), fixtures::rand());
    let t = 1_000;
    count_at(&db, &banned, &W, &[t; 4]).await;
    count_at(&db, &counted, &W, &[t; 3]).await;
    count_at(&db, &kept, &W, &[t; 4]).await;
    db.rate_limit_clear(&[]).await.unwrap();
    db.rate_limit_clear(&[banned, counted, fixtures::rand()])
        .await
        .unwrap();
    assert_eq!(db.rate_limit_ban(&banned, t).await.unwrap(), None);
    assert_eq!(db.rate_limit_ban(&kept, t).await.unwrap(), Some(t + 10_000));
    for key in [&banned, &counted] {
        assert_eq!(
            count_at(&db, key, &W, &[t + 1; 4]).await,
            [None, None, None, Some(t + 1 + 10_000)]
        );
    }
}

pub async fn rate_limit_release_takes_back_one_count_but_no_ban(db: Store) {
    let (key, banned, absent) = (fixtures::rand(), fixtures::rand(), fixtures::rand());
    let t = 1_000;
    // Three counted, two taken back: two more fit before the ban.
    count_at(&db, &key, &W, &[t; 3]).await;
    db.rate_limit_release(&key).await.unwrap();
    db.rate_limit_release(&key).await.unwrap();
    assert_eq!(
        count_at(&db, &key, &W, &[t + 1; 3]).await,
        [None, None, Some(t + 1 + 10_000)]
    );
    // Never below zero: releases of nothing do not buy extra counts.
    let fresh = fixtures::rand();
    count_at(&db, &fresh, &W, &[t]).await;
    for _ in 0..5 {
        db.rate_limit_release(&fresh).await.unwrap();
    }
    assert_eq!(
        count_at(&db, &fresh, &W, &[t + 1; 4]).await,
        [None, None, None, Some(t + 1 + 10_000)]
    );
    // A ban stands; a key with no row stays absent.
    count_at(&db, &banned, &W, &[t; 4]).await;
    db.rate_limit_release(&banned).await.unwrap();
    assert_eq!(
        db.rate_limit_ban(&banned, t).await.unwrap(),
        Some(t + 10_000)
    );
    db.rate_limit_release(&absent).await.unwrap();
    assert_eq!(db.rate_limit_ban(&absent, t).await.unwrap(), None);
}

pub async fn concurrent_counts_are_never_lost(db: Store) {
    let key = fixtures::rand();
    let w = RateWindow {
        window_ms: 60_000,
        max: 10,
        ban_ms: 60_000,
    };
    let now = 1_000_000;
    let got = race(20, || {
        let db = db.clone();
        async move { db.rate_limit_count(&key, &w, now).await.unwrap() }
    })
    .await;
    let allowed = got.iter().filter(|g| g.is_none()).count();
    assert_eq!(allowed, 10, "{got:?}");
    assert!(got.iter().all(|g| g.is_none() || *g == Some(now + 60_000)));
}

pub async fn prune_expired_rate_limits(db: Store) {
    let [idle, ban_over, ban_on, ban_to_cut, fresh]: [[u8; 32]; 5] =
        std::array::from_fn(|_| fixtures::rand());
    let cutoff = 50_000;
    count_at(&db, &idle, &once(10), &[1_000]).await;
    count_at(&db, &ban_over, &once(10), &[2_000, 2_001]).await;
    count_at(&db, &ban_on, &once(1_000_000), &[3_000, 3_001]).await;
    count_at(&db, &ban_to_cut, &once(cutoff - 4_001), &[4_000, 4_001]).await;
    count_at(&db, &fresh, &once(10), &[cutoff]).await;
    assert_eq!(
        db.rate_limit_ban(&ban_over, 2_005).await.unwrap(),
        Some(2_011)
    );

    let cut = PruneCutoffs {
        session: None,
        password_change: 0,
        password_forgot: 0,
        account_reset: 0,
        one_time_code: 0,
        rate_limit: cutoff,
    };
    assert_eq!(
        db.prune_expired(&cut).await.unwrap(),
        2,
        "idle and ban_over"
    );
    assert_eq!(db.prune_expired(&cut).await.unwrap(), 0);

    // Gone: counting starts over (without pruning these would be Some).
    assert_eq!(count_at(&db, &idle, &once(10), &[1_001]).await, [None]);
    assert_eq!(count_at(&db, &ban_over, &once(10), &[2_005]).await, [None]);
    // Kept: a ban reaching the cut-off, and a window starting at it.
    assert_eq!(
        db.rate_limit_ban(&ban_on, 3_002).await.unwrap(),
        Some(1_003_001)
    );
    assert_eq!(
        db.rate_limit_ban(&ban_to_cut, 4_002).await.unwrap(),
        Some(cutoff)
    );
    assert_eq!(
        count_at(&db, &fresh, &once(10), &[cutoff + 1]).await,
        [Some(cutoff + 11)]
    );
}
