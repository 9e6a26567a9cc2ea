//! The OpenID signing key and the JWTs it signs.
//!
//! [`OpenIdKeys`] (in `AppState::openid_keys`) is an RSA-2048 key in the data
//! folder (`openid-key.der`, PKCS#8, mode 0600) plus `openid-key.previous.der`
//! after `foxden keys rotate`, published at `GET /v1/jwks`. It is a key of its
//! own, kept by the same machinery as the BrowserID key ([`crate::signing_keys`],
//! ADR 0015).
//!
//! What other code calls:
//! * [`OpenIdKeys::sign_access_token`] / [`OpenIdKeys::verify_access_token`]
//!   with [`AccessTokenClaims`]; [`OpenIdKeys::access_token_audience`] gives
//!   the `aud` Mozilla's server would (the tokenserver URL for oldsync);
//! * [`OpenIdKeys::sign_id_token`] / [`OpenIdKeys::verify_id_token`] with
//!   [`IdTokenClaims::new`] (which computes `exp`, `at_hash`, `acr`);
//! * [`OpenIdKeys::jwks`] for the key set, [`OpenIdKeys::issuer`] for `iss`.

mod claims;
mod jws;

use std::path::Path;

pub use claims::{
    at_hash, AccessTokenClaims, Audience, IdTokenClaims, ACCESS_TOKEN_TYP, ID_TOKEN_TTL_SECS,
    ID_TOKEN_TYP,
};

use crate::settings::discovery::Discovery;
use crate::signing_keys::{Jwk, KeyFiles, KeySet};

pub const CURRENT_FILE: &str = "openid-key.der";
pub const PREVIOUS_FILE: &str = "openid-key.previous.der";

/// The OpenID key set's files.
pub const FILES: KeyFiles = KeyFiles {
    current: CURRENT_FILE,
    previous: PREVIOUS_FILE,
};

/// The Sync scope, whose access tokens name the tokenserver as `aud`.
pub const OLDSYNC_SCOPE: &str = "https://identity.mozilla.com/apps/oldsync";

/// The OpenID signing keys with the issuer they sign for.
pub struct OpenIdKeys {
    keys: KeySet,
    issuer: String,
    sync_tokenserver_url: Option<String>,
}

impl OpenIdKeys {
    /// Loads the keys in `dir` (generating the current one on first start);
    /// `iss` and the tokenserver URL come from `discovery`.
    pub fn load_or_create(dir: &Path, discovery: &Discovery) -> Result<Self, String> {
        Ok(OpenIdKeys {
            keys: FILES.load_or_create(dir)?,
            issuer: discovery.openid_issuer.clone(),
            sync_tokenserver_url: discovery.sync_tokenserver_url.clone(),
        })
    }

    /// `foxden keys rotate`: the current key becomes the previous one (the older
    /// previous key is dropped) and a new current key is generated. A running
    /// server signs with the new key once restarted.
    pub fn rotate(dir: &Path) -> Result<KeySet, String> {
        FILES.rotate(dir)
    }

    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    /// `iss` of every token signed here (`FOXDEN_OPENID_ISSUER`).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The public keys as `/jwks` lists them: current, then previous.
    pub fn jwks(&self) -> Vec<Jwk> {
        self.keys.jwks()
    }

    /// The Sync tokenserver's base URL (`FOXDEN_SYNC_TOKENSERVER_URL`), if set.
    pub fn sync_tokenserver_url(&self) -> Option<&str> {
        self.sync_tokenserver_url.as_deref()
    }

    /// The `aud` of an access token for `client_id` with `scopes`, as Mozilla's
    /// server chooses it: `[client_id, resource]` when the grant named an RFC
    /// 8707 `resource`, else the tokenserver URL when the scopes include
    /// oldsync (and one is configured: the tokenserver does not check `aud`,
    /// so without one the token still works there), else `client_id`.
    pub fn access_token_audience<'a>(
        &self,
        client_id: &str,
        mut scopes: impl Iterator<Item = &'a str>,
        resource: Option<&str>,
    ) -> Audience {
        if let Some(resource) = resource {
            return Audience::Many(vec![client_id.to_string(), resource.to_string()]);
        }
        match self.sync_tokenserver_url() {
            Some(url) if scopes.any(|scope| scope == OLDSYNC_SCOPE) => Audience::One(url.into()),
            _ => Audience::One(client_id.to_string()),
        }
    }
}

#[cfg(test)]
mod tests;
