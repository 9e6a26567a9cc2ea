//! An in-process cache of session rows for the token hot path.
//!
//! A SQLite database belongs to one foxden process, and every write passes
//! through [`super::SqliteDb`], so the process knows when a cached row may be
//! stale: each write that can change or delete a session calls
//! [`SessionCache::invalidate`] right after its commit. A read that raced such a
//! write does not store its (possibly older) row: it stores only if the
//! generation it saw before reading is still current, checked under the map lock
//! that `invalidate` also takes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

use crate::model::{SessionToken, TokenIdHash};

/// Entries kept at most; past that the cache starts over (cheap, and rare).
const MAX_ENTRIES: usize = 50_000;

#[derive(Default)]
pub(super) struct SessionCache {
    map: RwLock<HashMap<TokenIdHash, SessionToken>>,
    generation: AtomicU64,
}

impl SessionCache {
    pub(super) fn get(&self, id: &TokenIdHash) -> Option<SessionToken> {
        self.map.read().ok()?.get(id).cloned()
    }

    /// The generation to pass to [`Self::store`] after reading from the database.
    pub(super) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub(super) fn store(&self, seen_generation: u64, session: &SessionToken) {
        let Ok(mut map) = self.map.write() else {
            return;
        };
        if self.generation.load(Ordering::Acquire) != seen_generation {
            return;
        }
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(session.core.id_hash, session.clone());
    }

    /// Forgets every cached row; called after each commit that may touch sessions.
    pub(super) fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        match self.map.write() {
            Ok(mut map) => map.clear(),
            Err(poisoned) => poisoned.into_inner().clear(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    fn session(id: u8) -> SessionToken {
        SessionToken {
            core: TokenCore {
                id_hash: [id; 32],
                auth_key_sealed: vec![1],
                uid: [2; 16],
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

    #[test]
    fn a_read_that_raced_a_write_is_not_stored() {
        let cache = SessionCache::default();
        let seen = cache.generation();
        cache.invalidate(); // a write committed while the read was in flight
        cache.store(seen, &session(1));
        assert!(cache.get(&[1; 32]).is_none());
        let seen = cache.generation();
        cache.store(seen, &session(1));
        assert_eq!(cache.get(&[1; 32]), Some(session(1)));
        cache.invalidate();
        assert!(cache.get(&[1; 32]).is_none());
    }
}
