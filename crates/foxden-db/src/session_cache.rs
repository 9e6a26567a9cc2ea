//! An in-process cache of session rows for the token hot path (ADR 0011).
//!
//! * Per key: a commit drops only the sessions it changed (by id, or every session
//!   of an account), recorded by the operations on their transaction.
//! * Reads racing writes: a read notes its id's stripe generation before going to
//!   the database and stores its row only if that generation is unchanged; every
//!   invalidation bumps the stripes it touches under the map lock (an account-wide or
//!   full invalidation bumps all of them).
//! * Writes it does not see: on SQLite another process (`foxden account verify`,
//!   `foxden prune`) is detected with `PRAGMA data_version` (see
//!   [`crate::SqliteDb`]); on PostgreSQL other nodes' commits arrive as
//!   notifications (see [`crate::PostgresDb`] and `postgres/listener.rs`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

use crate::model::{SessionToken, TokenIdHash, Uid};
use crate::store::SessionKey;

/// Entries kept at most; past that the cache starts over (cheap, and rare).
const MAX_ENTRIES: usize = 50_000;
const STRIPES: usize = 64;

#[derive(Default)]
struct Entries {
    map: HashMap<TokenIdHash, SessionToken>,
    by_uid: HashMap<Uid, Vec<TokenIdHash>>,
}

impl Entries {
    fn remove(&mut self, id: &TokenIdHash) {
        if let Some(old) = self.map.remove(id) {
            if let Some(ids) = self.by_uid.get_mut(&old.core.uid) {
                ids.retain(|x| x != id);
                if ids.is_empty() {
                    self.by_uid.remove(&old.core.uid);
                }
            }
        }
    }
}

pub(crate) struct SessionCache {
    entries: RwLock<Entries>,
    stripes: [AtomicU64; STRIPES],
}

impl Default for SessionCache {
    fn default() -> Self {
        Self {
            entries: RwLock::default(),
            stripes: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }
}

fn stripe(id: &TokenIdHash) -> usize {
    usize::from(id[0]) % STRIPES
}

impl SessionCache {
    /// The session `id` from the cache when `use_cache`, else from `fetch` (a
    /// database read), which is stored for later unless a write raced it.
    pub(crate) async fn read_through(
        &self,
        id: &TokenIdHash,
        use_cache: bool,
        fetch: impl std::future::Future<Output = crate::DbResult<Option<SessionToken>>>,
    ) -> crate::DbResult<Option<SessionToken>> {
        if use_cache {
            if let Some(hit) = self.get(id) {
                return Ok(Some(hit));
            }
        }
        let stamp = self.stamp(id);
        let found = fetch.await?;
        if let (Some(session), true) = (&found, use_cache) {
            self.store(stamp, session);
        }
        Ok(found)
    }

    pub(crate) fn get(&self, id: &TokenIdHash) -> Option<SessionToken> {
        self.entries.read().ok()?.map.get(id).cloned()
    }

    /// The stamp to pass to [`Self::store`] after reading `id` from the database.
    pub(crate) fn stamp(&self, id: &TokenIdHash) -> u64 {
        self.stripes[stripe(id)].load(Ordering::Acquire)
    }

    /// Stores a row read from the database, unless a write that may have changed
    /// it committed since `stamp` was taken.
    pub(crate) fn store(&self, stamp: u64, session: &SessionToken) {
        let Ok(mut entries) = self.entries.write() else {
            return;
        };
        let id = session.core.id_hash;
        if self.stamp(&id) != stamp {
            return;
        }
        if entries.map.len() >= MAX_ENTRIES {
            self.bump_all();
            *entries = Entries::default();
            return;
        }
        entries.remove(&id);
        entries.map.insert(id, session.clone());
        entries.by_uid.entry(session.core.uid).or_default().push(id);
    }

    /// Drops what these keys name; called right after the commit that changed them.
    pub(crate) fn invalidate(&self, keys: &[SessionKey]) {
        if keys.is_empty() {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        for key in keys {
            match key {
                SessionKey::Id(id) => {
                    self.stripes[stripe(id)].fetch_add(1, Ordering::AcqRel);
                    entries.remove(id);
                }
                SessionKey::Uid(uid) => {
                    // Reads of this account's other sessions may be in flight.
                    self.bump_all();
                    for id in entries.by_uid.remove(uid).unwrap_or_default() {
                        entries.map.remove(&id);
                    }
                }
                SessionKey::All => {
                    self.bump_all();
                    *entries = Entries::default();
                }
            }
        }
    }

    fn bump_all(&self) {
        for s in &self.stripes {
            s.fetch_add(1, Ordering::AcqRel);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.read().unwrap().map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    fn session(id: u8, uid: u8) -> SessionToken {
        SessionToken {
            core: TokenCore {
                id_hash: [id; 32],
                auth_key_sealed: vec![1],
                uid: [uid; 16],
                created_at: 3,
            },
            user_agent: UserAgentInfo::default(),
            last_access_time: 4,
            auth_at: 5,
            unverified: None,
            verification_method: None,
            verified_at: None,
        }
    }

    fn cached(cache: &SessionCache, s: &SessionToken) {
        let stamp = cache.stamp(&s.core.id_hash);
        cache.store(stamp, s);
    }

    #[test]
    fn a_read_that_raced_a_write_is_not_stored() {
        let cache = SessionCache::default();
        let seen = cache.stamp(&[1; 32]);
        cache.invalidate(&[SessionKey::Id([1; 32])]); // committed while the read was in flight
        cache.store(seen, &session(1, 9));
        assert!(cache.get(&[1; 32]).is_none());
        cached(&cache, &session(1, 9));
        assert_eq!(cache.get(&[1; 32]), Some(session(1, 9)));
    }

    #[test]
    fn invalidation_is_per_key() {
        let cache = SessionCache::default();
        for (id, uid) in [(1, 9), (2, 9), (3, 8)] {
            cached(&cache, &session(id, uid));
        }
        cache.invalidate(&[SessionKey::Id([1; 32])]);
        assert!(cache.get(&[1; 32]).is_none());
        assert!(cache.get(&[2; 32]).is_some() && cache.get(&[3; 32]).is_some());
        cache.invalidate(&[SessionKey::Uid([9; 16])]);
        assert!(cache.get(&[2; 32]).is_none());
        assert!(cache.get(&[3; 32]).is_some());
        cache.invalidate(&[SessionKey::All]);
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn an_account_wide_write_stops_racing_reads_of_its_other_sessions() {
        let cache = SessionCache::default();
        let seen = cache.stamp(&[5; 32]); // not cached yet, read in flight
        cache.invalidate(&[SessionKey::Uid([9; 16])]);
        cache.store(seen, &session(5, 9));
        assert!(cache.get(&[5; 32]).is_none());
    }
}
