//! Token derivation (PROTOCOL §3.1) and the Bearer prefixes (§4.2).

use std::fmt;

use zeroize::Zeroize;

/// The five Hawk-authenticated token types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    Session,
    KeyFetch,
    PasswordChange,
    PasswordForgot,
    AccountReset,
}

impl TokenKind {
    /// Every kind, in declaration order.
    pub const ALL: [TokenKind; 5] = [
        TokenKind::Session,
        TokenKind::KeyFetch,
        TokenKind::PasswordChange,
        TokenKind::PasswordForgot,
        TokenKind::AccountReset,
    ];

    /// The `tokenTypeID`; the HKDF info is `KW(type_id)`.
    pub fn type_id(self) -> &'static str {
        match self {
            TokenKind::Session => "sessionToken",
            TokenKind::KeyFetch => "keyFetchToken",
            TokenKind::PasswordChange => "passwordChangeToken",
            TokenKind::PasswordForgot => "passwordForgotToken",
            TokenKind::AccountReset => "accountResetToken",
        }
    }

    /// The prefix of `Authorization: Bearer <prefix><hex tokenId>`, underscore included.
    pub fn bearer_prefix(self) -> &'static str {
        match self {
            TokenKind::Session => "fxs_",
            TokenKind::KeyFetch => "fxk_",
            TokenKind::PasswordChange => "fxpc_",
            TokenKind::PasswordForgot => "fxpf_",
            TokenKind::AccountReset => "fxar_",
        }
    }

    /// Inverse of [`bearer_prefix`](Self::bearer_prefix). Accepts the prefix with its
    /// trailing underscore (`"fxs_"`) or without it (`"fxs"`); case-sensitive.
    pub fn from_bearer_prefix(p: &str) -> Option<Self> {
        let p = p.strip_suffix('_').unwrap_or(p);
        Self::ALL
            .into_iter()
            .find(|k| &k.bearer_prefix()[..k.bearer_prefix().len() - 1] == p)
    }

    /// Splits a Bearer credential such as `"fxs_<hex>"` into its kind and the rest.
    /// Returns `None` for an unknown or missing prefix. The rest is not validated.
    pub fn split_bearer(credential: &str) -> Option<(Self, &str)> {
        let (prefix, rest) = credential.split_once('_')?;
        Some((Self::from_bearer_prefix(prefix)?, rest))
    }
}

/// What a token's 32 bytes of data expand to. Zeroized on drop.
pub struct DerivedToken {
    /// tokenId: the database key, sent as hex in Hawk `id` / after the Bearer prefix.
    pub id: [u8; 32],
    /// The Hawk key (the wiki's reqHMACkey).
    pub auth_key: [u8; 32],
    /// The bundle key (the wiki's keyRequestKey for keyFetchToken).
    pub bundle_key: [u8; 32],
}

impl Drop for DerivedToken {
    fn drop(&mut self) {
        self.id.zeroize();
        self.auth_key.zeroize();
        self.bundle_key.zeroize();
    }
}

impl fmt::Debug for DerivedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DerivedToken")
            .field("id", &hex::encode(self.id))
            .finish_non_exhaustive()
    }
}

/// `HKDF(data, KW(kind.type_id()), 96)` split into tokenId ‖ authKey ‖ bundleKey.
pub fn derive(token_data: &[u8; 32], kind: TokenKind) -> DerivedToken {
    let mut okm = [0u8; 96];
    crate::hkdf::derive_into(token_data, kind.type_id(), &mut okm);
    let part = |i: usize| -> [u8; 32] { okm[i * 32..(i + 1) * 32].try_into().expect("32") };
    let t = DerivedToken {
        id: part(0),
        auth_key: part(1),
        bundle_key: part(2),
    };
    okm.zeroize();
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_roundtrip() {
        for k in TokenKind::ALL {
            assert_eq!(TokenKind::from_bearer_prefix(k.bearer_prefix()), Some(k));
            let bare = k.bearer_prefix().trim_end_matches('_');
            assert_eq!(TokenKind::from_bearer_prefix(bare), Some(k));
            let cred = format!("{}abcd", k.bearer_prefix());
            assert_eq!(TokenKind::split_bearer(&cred), Some((k, "abcd")));
        }
        assert_eq!(TokenKind::from_bearer_prefix("fxx_"), None);
        assert_eq!(TokenKind::from_bearer_prefix("FXS_"), None);
        assert_eq!(TokenKind::from_bearer_prefix(""), None);
        assert_eq!(TokenKind::from_bearer_prefix("_"), None);
        assert_eq!(TokenKind::split_bearer("abcdef"), None);
        assert_eq!(TokenKind::split_bearer("fxq_abcdef"), None);
    }

    #[test]
    fn type_ids_are_distinct() {
        let ids: std::collections::HashSet<_> =
            TokenKind::ALL.iter().map(|k| k.type_id()).collect();
        assert_eq!(ids.len(), 5);
        assert_eq!(TokenKind::PasswordForgot.type_id(), "passwordForgotToken");
    }

    #[test]
    fn debug_hides_keys() {
        let t = derive(&[7u8; 32], TokenKind::Session);
        let s = format!("{t:?}");
        assert!(s.contains(&hex::encode(t.id)));
        assert!(!s.contains(&hex::encode(t.auth_key)));
        assert!(!s.contains(&hex::encode(t.bundle_key)));
    }
}
