//! OAuth: registered clients, authorization codes, and access and refresh tokens.
//!
//! Nothing here is a usable credential: codes and tokens are found by SHA-256 of
//! the 32 bytes the client holds, client secrets are kept only as SHA-256 (the
//! current one and the previous one, so a rotation does not cut clients off).

use async_trait::async_trait;

use crate::model::{Millis, TokenIdHash, Uid};
use crate::sql::{params, sql, Row};
use crate::store::{Conn, DbError, DbResult};

/// An OAuth client id: 8 bytes, 16 hex characters on the wire.
pub type ClientId = [u8; 8];

/// A registered OAuth client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthClient {
    pub id: ClientId,
    pub name: String,
    /// The registered redirect URI (Mozilla allows a comma-separated list; the first is
    /// the default).
    pub redirect_uri: String,
    pub image_uri: String,
    /// Trusted clients may ask for any scope they are allowed; others only the profile ones.
    pub trusted: bool,
    /// Public clients use PKCE and hold no secret.
    pub public_client: bool,
    /// May use the `fxa-credentials` grant.
    pub can_grant: bool,
    /// Space-separated scopes this client may be granted.
    pub allowed_scopes: String,
    /// SHA-256 of the client secret (confidential clients).
    pub hashed_secret: Option<[u8; 32]>,
    /// SHA-256 of the secret before the last rotation, still accepted.
    pub hashed_secret_previous: Option<[u8; 32]>,
    /// Whether the client is issued JWT access tokens.
    pub jwt_access_tokens: bool,
    pub created_at: Millis,
}

/// A single-use authorization code (15 minutes at the API layer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthCode {
    /// SHA-256 of the 32-byte code.
    pub code_hash: [u8; 32],
    pub client_id: ClientId,
    pub uid: Uid,
    /// Space-separated granted scope.
    pub scope: String,
    /// When the user last authenticated (ms), from the authorizing session.
    pub auth_at: Millis,
    /// Space-separated authentication methods (`pwd`, `email`, `otp`).
    pub amr: String,
    pub aal: i32,
    /// PKCE S256 challenge (base64url, 43 characters) for public clients.
    pub code_challenge: Option<String>,
    /// The scoped-keys bundle, handed back once at the token endpoint.
    pub keys_jwe: Option<String>,
    /// `access_type=offline`: the code's exchange also issues a refresh token.
    pub offline: bool,
    /// The authorizing session (for the `tokens/session` scope).
    pub session_token_id_hash: Option<TokenIdHash>,
    pub created_at: Millis,
}

/// Access or refresh token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OAuthTokenKind {
    Access,
    Refresh,
}

impl OAuthTokenKind {
    fn code(self) -> i32 {
        match self {
            OAuthTokenKind::Access => 1,
            OAuthTokenKind::Refresh => 2,
        }
    }

    fn from_code(code: i32) -> Option<Self> {
        match code {
            1 => Some(OAuthTokenKind::Access),
            2 => Some(OAuthTokenKind::Refresh),
            _ => None,
        }
    }
}

/// An issued OAuth token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthToken {
    /// SHA-256 of the 32-byte token (or of a JWT's `jti`).
    pub token_hash: [u8; 32],
    pub kind: OAuthTokenKind,
    pub client_id: ClientId,
    pub uid: Uid,
    pub scope: String,
    pub created_at: Millis,
    /// Access tokens expire; refresh tokens live until revoked.
    pub expires_at: Option<Millis>,
    /// Refresh tokens: when last used to mint an access token.
    pub last_used_at: Option<Millis>,
    pub profile_changed_at: Option<Millis>,
}

macro_rules! client_cols {
    () => {
        "id, name, redirect_uri, image_uri, trusted, public_client, can_grant, allowed_scopes, \
         hashed_secret, hashed_secret_previous, jwt_access_tokens, created_at"
    };
}

macro_rules! code_cols {
    () => {
        "code_hash, client_id, uid, scope, auth_at, amr, aal, code_challenge, keys_jwe, offline, \
         session_token_id_hash, created_at"
    };
}

macro_rules! token_cols {
    () => {
        "token_hash, kind, client_id, uid, scope, created_at, expires_at, last_used_at, \
         profile_changed_at"
    };
}

fn client_row(r: &Row<'_>) -> DbResult<OAuthClient> {
    Ok(OAuthClient {
        id: r.fixed(0)?,
        name: r.text(1)?,
        redirect_uri: r.text(2)?,
        image_uri: r.text(3)?,
        trusted: r.bool(4)?,
        public_client: r.bool(5)?,
        can_grant: r.bool(6)?,
        allowed_scopes: r.text(7)?,
        hashed_secret: r.opt_fixed(8)?,
        hashed_secret_previous: r.opt_fixed(9)?,
        jwt_access_tokens: r.bool(10)?,
        created_at: r.int(11)?,
    })
}

fn code_row(r: &Row<'_>) -> DbResult<OAuthCode> {
    Ok(OAuthCode {
        code_hash: r.fixed(0)?,
        client_id: r.fixed(1)?,
        uid: r.fixed(2)?,
        scope: r.text(3)?,
        auth_at: r.int(4)?,
        amr: r.text(5)?,
        aal: r.int32(6)?,
        code_challenge: r.opt_text(7)?,
        keys_jwe: r.opt_text(8)?,
        offline: r.bool(9)?,
        session_token_id_hash: r.opt_fixed(10)?,
        created_at: r.int(11)?,
    })
}

fn token_row(r: &Row<'_>) -> DbResult<OAuthToken> {
    Ok(OAuthToken {
        token_hash: r.fixed(0)?,
        kind: OAuthTokenKind::from_code(r.int32(1)?)
            .ok_or_else(|| DbError::Backend("corrupt row: unknown oauth token kind".into()))?,
        client_id: r.fixed(2)?,
        uid: r.fixed(3)?,
        scope: r.text(4)?,
        created_at: r.int(5)?,
        expires_at: r.opt_int(6)?,
        last_used_at: r.opt_int(7)?,
        profile_changed_at: r.opt_int(8)?,
    })
}

#[async_trait]
pub trait OAuthClients: Conn {
    /// Registers a client; `Duplicate` when the id is taken.
    async fn insert_oauth_client(&self, c: &OAuthClient) -> DbResult<()> {
        let sql = sql!(concat!(
            "INSERT INTO oauth_clients (",
            client_cols!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ));
        self.exec(sql, client_params(c).as_slice()).await.map(drop)
    }

    /// Registers a client unless its id exists (an existing row, edited or not, is
    /// left alone). True when it was inserted.
    async fn register_oauth_client_if_absent(&self, c: &OAuthClient) -> DbResult<bool> {
        let sql = sql!(concat!(
            "INSERT INTO oauth_clients (",
            client_cols!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (id) DO NOTHING"
        ));
        Ok(self.exec(sql, client_params(c).as_slice()).await? > 0)
    }

    async fn oauth_client(&self, id: &ClientId) -> DbResult<Option<OAuthClient>> {
        let sql = sql!(concat!(
            "SELECT ",
            client_cols!(),
            " FROM oauth_clients WHERE id = $1"
        ));
        self.query_opt(sql, params![id], client_row).await
    }

    /// Every client, by name then id.
    async fn oauth_clients(&self) -> DbResult<Vec<OAuthClient>> {
        let sql = sql!(concat!(
            "SELECT ",
            client_cols!(),
            " FROM oauth_clients ORDER BY name, id"
        ));
        self.query_all(sql, params![], client_row).await
    }

    /// Removes the client with its codes and tokens. False if there was none.
    async fn delete_oauth_client(&self, id: &ClientId) -> DbResult<bool> {
        let sql = sql!("DELETE FROM oauth_clients WHERE id = $1");
        Ok(self.exec(sql, params![id]).await? > 0)
    }

    /// Makes `new_hash` the current secret and the current one the previous one.
    /// False if there is no such client.
    async fn rotate_oauth_client_secret(
        &self,
        id: &ClientId,
        new_hash: &[u8; 32],
    ) -> DbResult<bool> {
        let sql = sql!(
            "UPDATE oauth_clients SET hashed_secret_previous = hashed_secret, \
             hashed_secret = $2 WHERE id = $1"
        );
        Ok(self.exec(sql, params![id, new_hash]).await? > 0)
    }
}

fn client_params(c: &OAuthClient) -> Vec<crate::sql::Value<'_>> {
    params![
        &c.id,
        &c.name,
        &c.redirect_uri,
        &c.image_uri,
        c.trusted,
        c.public_client,
        c.can_grant,
        &c.allowed_scopes,
        c.hashed_secret.as_ref(),
        c.hashed_secret_previous.as_ref(),
        c.jwt_access_tokens,
        c.created_at
    ]
    .to_vec()
}

#[async_trait]
pub trait OAuthGrants: Conn {
    async fn insert_oauth_code(&self, c: &OAuthCode) -> DbResult<()> {
        let sql = sql!(concat!(
            "INSERT INTO oauth_codes (",
            code_cols!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ));
        let p = params![
            &c.code_hash,
            &c.client_id,
            &c.uid,
            &c.scope,
            c.auth_at,
            &c.amr,
            c.aal,
            c.code_challenge.as_ref(),
            c.keys_jwe.as_ref(),
            c.offline,
            c.session_token_id_hash.as_ref(),
            c.created_at
        ];
        self.exec(sql, p).await.map(drop)
    }

    /// Deletes the code and returns it: of concurrent callers exactly one gets `Some`.
    async fn take_oauth_code(&self, code_hash: &[u8; 32]) -> DbResult<Option<OAuthCode>> {
        let sql = sql!(concat!(
            "DELETE FROM oauth_codes WHERE code_hash = $1 RETURNING ",
            code_cols!()
        ));
        self.query_opt(sql, params![code_hash], code_row).await
    }

    async fn insert_oauth_token(&self, t: &OAuthToken) -> DbResult<()> {
        let sql = sql!(concat!(
            "INSERT INTO oauth_tokens (",
            token_cols!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ));
        let p = params![
            &t.token_hash,
            t.kind.code(),
            &t.client_id,
            &t.uid,
            &t.scope,
            t.created_at,
            t.expires_at,
            t.last_used_at,
            t.profile_changed_at
        ];
        self.exec(sql, p).await.map(drop)
    }

    async fn oauth_token(&self, token_hash: &[u8; 32]) -> DbResult<Option<OAuthToken>> {
        let sql = sql!(concat!(
            "SELECT ",
            token_cols!(),
            " FROM oauth_tokens WHERE token_hash = $1"
        ));
        self.query_opt(sql, params![token_hash], token_row).await
    }

    /// Revokes one token. False if it was gone.
    async fn delete_oauth_token(&self, token_hash: &[u8; 32]) -> DbResult<bool> {
        let sql = sql!("DELETE FROM oauth_tokens WHERE token_hash = $1");
        Ok(self.exec(sql, params![token_hash]).await? > 0)
    }

    /// Records a refresh token's use. False if it is gone.
    async fn touch_oauth_token(&self, token_hash: &[u8; 32], at: Millis) -> DbResult<bool> {
        let sql = sql!("UPDATE oauth_tokens SET last_used_at = $2 WHERE token_hash = $1");
        Ok(self.exec(sql, params![token_hash, at]).await? > 0)
    }

    /// The account's tokens (its grants to clients), oldest first.
    async fn oauth_grants_of(&self, uid: &Uid) -> DbResult<Vec<OAuthToken>> {
        let sql = sql!(concat!(
            "SELECT ",
            token_cols!(),
            " FROM oauth_tokens WHERE uid = $1 ORDER BY created_at, token_hash"
        ));
        self.query_all(sql, params![uid], token_row).await
    }

    /// Deletes every OAuth token and code of the account (a password change or reset);
    /// returns how many rows went.
    async fn delete_oauth_of(&self, uid: &Uid) -> DbResult<u64> {
        let tx = self.scope().await?;
        let mut total = tx
            .exec(
                sql!("DELETE FROM oauth_tokens WHERE uid = $1"),
                params![uid],
            )
            .await?;
        total += tx
            .exec(sql!("DELETE FROM oauth_codes WHERE uid = $1"), params![uid])
            .await?;
        tx.finish().await?;
        Ok(total)
    }

    /// Deletes access tokens expired before `now` and codes created before
    /// `code_cutoff`; returns how many rows went.
    async fn prune_expired_oauth(&self, now: Millis, code_cutoff: Millis) -> DbResult<u64> {
        let tx = self.scope().await?;
        let mut total = tx
            .exec(
                sql!("DELETE FROM oauth_tokens WHERE expires_at IS NOT NULL AND expires_at < $1"),
                params![now],
            )
            .await?;
        total += tx
            .exec(
                sql!("DELETE FROM oauth_codes WHERE created_at < $1"),
                params![code_cutoff],
            )
            .await?;
        tx.finish().await?;
        Ok(total)
    }
}

impl<C: Conn> OAuthClients for C {}
impl<C: Conn> OAuthGrants for C {}
