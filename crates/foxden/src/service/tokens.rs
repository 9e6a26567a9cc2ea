//! Minting tokens: 32 random bytes for the client, the derived id (stored only
//! as a SHA-256 hash) and the Hawk key (stored only sealed under the server secret).

use foxden_crypto::bundle;
use foxden_crypto::token::{derive, DerivedToken, TokenKind};
use foxden_db::{KeyFetchToken, Millis, TokenCore, Uid};

use crate::state::AppState;

/// A token as handed to the client, with what the server derived from it.
pub struct Minted {
    data: [u8; 32],
    pub derived: DerivedToken,
}

impl Minted {
    pub fn new(kind: TokenKind) -> Self {
        let data = foxden_crypto::random::bytes::<32>();
        let derived = derive(&data, kind);
        Minted { data, derived }
    }

    /// The token value as the client receives it (64 hex).
    pub fn hex(&self) -> String {
        foxden_crypto::to_hex(self.data)
    }

    pub fn id_hash(&self) -> [u8; 32] {
        foxden_crypto::sha256(&self.derived.id)
    }

    /// The stored part of the token: hashed id, sealed Hawk key.
    pub fn core(&self, state: &AppState, uid: Uid, created_at: Millis) -> TokenCore {
        let id_hash = self.id_hash();
        TokenCore {
            id_hash,
            auth_key_sealed: state.sealer.seal(&self.derived.auth_key, &id_hash),
            uid,
            created_at,
        }
    }
}

impl Drop for Minted {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.data);
    }
}

/// A keyFetchToken whose bundle carries `kA ‖ wrapKb`, tied to a session's
/// verification id while that session is unconfirmed.
pub fn key_fetch(
    state: &AppState,
    uid: Uid,
    now: Millis,
    ka: &[u8; 32],
    wrap_kb: &[u8; 32],
    token_verification_id: Option<[u8; 16]>,
) -> (Minted, KeyFetchToken) {
    let minted = Minted::new(TokenKind::KeyFetch);
    let mut plaintext = [0u8; 64];
    plaintext[..32].copy_from_slice(ka);
    plaintext[32..].copy_from_slice(wrap_kb);
    let key_bundle = bundle::seal(&minted.derived.bundle_key, bundle::KEYS_INFO, &plaintext);
    zeroize::Zeroize::zeroize(&mut plaintext);
    let record = KeyFetchToken {
        core: minted.core(state, uid, now),
        key_bundle,
        token_verification_id,
    };
    (minted, record)
}
