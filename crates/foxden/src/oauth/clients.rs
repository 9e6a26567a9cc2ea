//! OAuth clients: Firefox's own (registered by default), secrets, and client
//! authentication as Mozilla's `authenticateClient` does it.

use foxden_db::ops::{ClientId, OAuthClient, OAuthClients};
use foxden_db::Store;

use crate::error::{ApiError, ApiResult, OAuthError, Source};

/// The WebChannel redirect Firefox desktop, Fenix and iOS use (PROTOCOL §17.1.2).
pub const WEBCHANNEL_REDIRECT: &str = "urn:ietf:wg:oauth:2.0:oob:oauth-redirect-webchannel";

/// The scopes Firefox's clients need: the profile, Sync's keys, and a session token
/// from the code exchange (pairing).
pub const BROWSER_SCOPES: &str = "profile https://identity.mozilla.com/apps/oldsync \
                                  https://identity.mozilla.com/tokens/session";

/// Firefox's public clients (id, name), PROTOCOL §17.1.2.
pub const FIREFOX_CLIENTS: &[(&str, &str)] = &[
    ("5882386c6d801776", "Firefox"),
    ("a2270f727f45f648", "Firefox for Android"),
    ("1b1a3e44c54fbb58", "Firefox for iOS"),
    ("3c49430b43dfba77", "Android Components Reference Browser"),
];

/// A client id from its 16 hex characters.
pub fn parse_id(hex_id: &str) -> Option<ClientId> {
    let mut id = [0u8; 8];
    (hex_id.len() == 16 && hex::decode_to_slice(hex_id, &mut id).is_ok()).then_some(id)
}

/// The registration of one of Firefox's clients: public, trusted, may use
/// `fxa-credentials`, JWT access tokens.
pub fn firefox_client(hex_id: &str, name: &str, now: i64) -> OAuthClient {
    OAuthClient {
        id: parse_id(hex_id).expect("a built-in client id is 16 hex"),
        name: name.to_string(),
        redirect_uri: WEBCHANNEL_REDIRECT.to_string(),
        image_uri: String::new(),
        trusted: true,
        public_client: true,
        can_grant: true,
        allowed_scopes: BROWSER_SCOPES.to_string(),
        hashed_secret: None,
        hashed_secret_previous: None,
        jwt_access_tokens: true,
        created_at: now,
    }
}

/// Registers Firefox's clients that are missing; a client already there (perhaps
/// edited or removed and re-added by the operator) is left as it is.
pub async fn register_defaults(db: &Store) -> foxden_db::DbResult<usize> {
    let now = crate::clock::now_ms();
    let mut added = 0;
    for (id, name) in FIREFOX_CLIENTS {
        if db
            .register_oauth_client_if_absent(&firefox_client(id, name, now))
            .await?
        {
            added += 1;
        }
    }
    Ok(added)
}

/// A new client secret: 32 random bytes, shown once as hex, stored as SHA-256.
pub fn new_secret() -> ([u8; 32], [u8; 32]) {
    let secret = foxden_crypto::random::bytes::<32>();
    let hash = foxden_crypto::sha256(&secret);
    (secret, hash)
}

/// The client a request names; errno 162 when there is none.
pub async fn known_client(db: &Store, id: &ClientId) -> ApiResult<OAuthClient> {
    db.oauth_client(id)
        .await?
        .ok_or_else(|| OAuthError::UnknownClient {
            client_id: foxden_crypto::to_hex(id),
        })
        .map_err(ApiError::from)
}

/// Client credentials as presented: the id, and a secret if one was sent.
pub struct ClientCredentials {
    pub client_id: ClientId,
    pub secret: Option<[u8; 32]>,
}

fn invalid(key: &str) -> ApiError {
    ApiError::InvalidParameter {
        origin: Source::Payload,
        keys: vec![key.to_string()],
    }
}

/// Mozilla's `authenticateClient`: a public client must not send a secret (107
/// `client_secret`); a confidential one must, and it must hash (SHA-256, compared in
/// constant time) to the current or the previous stored secret (else 171).
pub async fn authenticate(db: &Store, creds: &ClientCredentials) -> ApiResult<OAuthClient> {
    let client = known_client(db, &creds.client_id).await?;
    if client.public_client {
        if creds.secret.is_some() {
            return Err(invalid("client_secret"));
        }
        return Ok(client);
    }
    let Some(secret) = &creds.secret else {
        return Err(invalid("client_secret"));
    };
    let presented = foxden_crypto::sha256(secret);
    let matches = |stored: &Option<[u8; 32]>| {
        stored
            .as_ref()
            .is_some_and(|s| foxden_crypto::ct_eq(s, &presented))
    };
    // Both are compared, so the time taken does not say which one matched.
    let current = matches(&client.hashed_secret);
    let previous = matches(&client.hashed_secret_previous);
    if current | previous {
        Ok(client)
    } else {
        Err(OAuthError::IncorrectClientSecret {
            client_id: foxden_crypto::to_hex(client.id),
        }
        .into())
    }
}

/// `Authorization: Basic base64(client_id:client_secret)`; None when the header is
/// not Basic. A Basic header that does not parse is errno 107 `authorization`.
pub fn basic_credentials(header: &str) -> Option<ApiResult<ClientCredentials>> {
    let (scheme, rest) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let parsed = (|| {
        use base64::Engine;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(rest.trim())
            .ok()?;
        let text = String::from_utf8(raw).ok()?;
        let mut parts = text.split(':');
        let (id, secret) = (parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let client_id = parse_id(id)?;
        let mut bytes = [0u8; 32];
        (secret.len() == 64 && hex::decode_to_slice(secret, &mut bytes).is_ok()).then_some(())?;
        Some(ClientCredentials {
            client_id,
            secret: Some(bytes),
        })
    })();
    Some(parsed.ok_or_else(|| ApiError::InvalidParameter {
        origin: Source::Headers,
        keys: vec!["authorization".into()],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_parse_or_answer_107() {
        use base64::Engine;
        let secret = "ab".repeat(32);
        let good =
            base64::engine::general_purpose::STANDARD.encode(format!("dcdb5ae7add825d2:{secret}"));
        let creds = basic_credentials(&format!("Basic {good}"))
            .unwrap()
            .unwrap();
        assert_eq!(foxden_crypto::to_hex(creds.client_id), "dcdb5ae7add825d2");
        assert_eq!(creds.secret, Some([0xab; 32]));
        assert!(basic_credentials("Bearer fxs_00").is_none());
        for bad in ["Basic !!", "Basic ZGNkYjVhZTdhZGQ4MjVkMg=="] {
            assert_eq!(basic_credentials(bad).unwrap().err().unwrap().errno(), 107);
        }
    }
}
