//! OAuth, auth-server flavour: registered clients (Firefox's by default), scopes,
//! authorization codes, the token endpoint's grants and scoped-key metadata.
//! Handlers are in [`crate::api::oauth`]; storage in `foxden_db::ops::{OAuthClients,
//! OAuthGrants}`; errors in [`crate::error::OAuthError`].

pub mod access;
pub mod assertion;
pub mod authorize;
pub mod clients;
pub mod grant;
pub mod params;
pub mod scoped_keys;
pub mod scopes;
pub mod token_grant;
pub mod tokens;
