//! The "connected services" view (PROTOCOL §8.4, Mozilla's
//! `lib/routes/attached-clients.js`): devices, OAuth grants and sessions merged
//! into one list, and revoking one entry by the precedence deviceId →
//! refreshTokenId (with clientId) → clientId → sessionTokenId.
//!
//! Ids as shown: `sessionTokenId` is the hex of the session's row key (SHA-256
//! of its tokenId; foxden keeps no tokenId, ADR 0002), `refreshTokenId` the hex
//! of the refresh token's (SHA-256 of the token, as Mozilla's), `deviceId` the device id.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use foxden_db::ops::*;
use foxden_db::{Millis, SessionToken, TokenIdHash};

use super::devices::{self, synthesize_name};
use crate::error::{ApiError, ApiResult, Source};
use crate::oauth::scopes::ScopeSet;
use crate::state::AppState;

/// One entry of the list (Mozilla's fields; formatted by the route).
#[derive(Clone, Debug, Default)]
pub struct AttachedClient {
    pub client_id: Option<ClientId>,
    pub device_id: Option<DeviceId>,
    pub session_token_id: Option<TokenIdHash>,
    pub refresh_token_id: Option<[u8; 32]>,
    pub is_current_session: bool,
    pub device_type: Option<String>,
    pub name: Option<String>,
    pub created_time: Option<Millis>,
    pub last_access_time: Option<Millis>,
    pub scope: Option<Vec<String>>,
    pub user_agent: String,
    pub os: Option<String>,
}

/// An OAuth grant as Mozilla's `listAuthorizedClients` gives it: one per refresh
/// token, and one per client for the access tokens of clients that cannot
/// grant themselves tokens with a session (`canGrant` clients' access tokens
/// come from a session, which is listed on its own).
struct Grant {
    client_id: ClientId,
    client_name: String,
    refresh_token_id: Option<[u8; 32]>,
    created_time: Millis,
    last_access_time: Millis,
    scope: Vec<String>,
}

async fn grants(state: &AppState, uid: &foxden_db::Uid, now: Millis) -> ApiResult<Vec<Grant>> {
    let clients: HashMap<ClientId, OAuthClient> = state
        .db
        .oauth_clients()
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut out = Vec::new();
    let mut by_client: BTreeMap<ClientId, (Millis, Millis, BTreeSet<String>)> = BTreeMap::new();
    for t in state.db.oauth_grants_of(uid).await? {
        let Some(client) = clients.get(&t.client_id) else {
            continue;
        };
        let scope = ScopeSet::parse(&t.scope).unwrap_or_default().into_vec();
        let used = t.last_used_at.unwrap_or(t.created_at);
        match t.kind {
            OAuthTokenKind::Refresh => out.push(Grant {
                client_id: t.client_id,
                client_name: client.name.clone(),
                refresh_token_id: Some(t.token_hash),
                created_time: t.created_at,
                last_access_time: used,
                scope,
            }),
            OAuthTokenKind::Access
                if !client.can_grant && t.expires_at.is_some_and(|e| e > now) =>
            {
                let entry =
                    by_client
                        .entry(t.client_id)
                        .or_insert((t.created_at, used, BTreeSet::new()));
                entry.0 = entry.0.min(t.created_at);
                entry.1 = entry.1.max(used);
                entry.2.extend(scope);
            }
            _ => {}
        }
    }
    for (client_id, (created, used, scope)) in by_client {
        out.push(Grant {
            client_id,
            client_name: clients[&client_id].name.clone(),
            refresh_token_id: None,
            created_time: created,
            last_access_time: used,
            scope: scope.into_iter().collect(),
        });
    }
    Ok(out)
}

/// The merged list, in Mozilla's order: devices, then grants without a device,
/// then sessions without a device.
pub async fn list(
    state: &AppState,
    caller: &SessionToken,
    now: Millis,
) -> ApiResult<Vec<AttachedClient>> {
    let uid = caller.core.uid;
    let mut clients: Vec<AttachedClient> = Vec::new();
    let mut by_session: HashMap<TokenIdHash, usize> = HashMap::new();
    let mut by_refresh: HashMap<[u8; 32], usize> = HashMap::new();
    for d in state.db.devices_of(&uid).await? {
        if let Some(h) = d.session_token_id_hash {
            by_session.insert(h, clients.len());
        }
        if let Some(h) = d.refresh_token_hash {
            by_refresh.insert(h, clients.len());
        }
        clients.push(AttachedClient {
            device_id: Some(d.id),
            session_token_id: d.session_token_id_hash,
            refresh_token_id: d.refresh_token_hash,
            device_type: d.device_type.filter(|t| !t.is_empty()),
            name: d.name.filter(|n| !n.is_empty()),
            created_time: Some(d.created_at),
            last_access_time: Some(d.created_at),
            ..Default::default()
        });
    }
    for g in grants(state, &uid, now).await? {
        let found = g.refresh_token_id.and_then(|h| by_refresh.get(&h).copied());
        let at = match found {
            Some(at) => at,
            None => {
                clients.push(AttachedClient {
                    refresh_token_id: g.refresh_token_id,
                    created_time: Some(g.created_time),
                    last_access_time: Some(g.last_access_time),
                    ..Default::default()
                });
                clients.len() - 1
            }
        };
        let c = &mut clients[at];
        c.client_id = Some(g.client_id);
        c.scope = Some(g.scope);
        c.created_time = c.created_time.map(|t| t.min(g.created_time));
        c.last_access_time = c.last_access_time.map(|t| t.max(g.last_access_time));
        if c.name.is_none() {
            c.name = Some(g.client_name);
        }
        if c.device_id.is_some() && c.device_type.is_none() {
            c.device_type = Some("mobile".into());
        }
    }
    for s in state.db.sessions_for(&uid).await? {
        let at = match by_session.get(&s.core.id_hash) {
            Some(at) => *at,
            None => {
                clients.push(AttachedClient {
                    session_token_id: Some(s.core.id_hash),
                    created_time: Some(s.core.created_at),
                    last_access_time: Some(0),
                    ..Default::default()
                });
                clients.len() - 1
            }
        };
        let c = &mut clients[at];
        c.created_time = c.created_time.map(|t| t.min(s.core.created_at));
        c.last_access_time = c.last_access_time.map(|t| t.max(s.last_access_time));
        c.is_current_session = s.core.id_hash == caller.core.id_hash;
        c.scope = None;
        let ua = &s.user_agent;
        c.os = ua.os.clone();
        c.user_agent = match (&ua.browser, &ua.browser_version) {
            (None, _) => String::new(),
            (Some(b), None) => b.clone(),
            (Some(b), Some(v)) => format!("{b} {}", v.split('.').next().unwrap_or(v)),
        };
        if c.name.is_none() {
            c.name = Some(synthesize_name(ua));
        }
    }
    for c in &mut clients {
        if c.device_id.is_some() && c.device_type.is_none() {
            c.device_type = Some("desktop".into());
        }
    }
    Ok(clients)
}

/// What `/account/attached_client/destroy` names (each may be null).
pub struct Target {
    pub client_id: Option<ClientId>,
    pub session_token_id: Option<Vec<u8>>,
    pub refresh_token_id: Option<[u8; 32]>,
    pub device_id: Option<DeviceId>,
}

fn invalid(key: &str) -> ApiError {
    ApiError::InvalidParameter {
        origin: Source::Payload,
        keys: vec![key.into()],
    }
}

/// Revokes what `target` names, by Mozilla's precedence and checks (107 for an
/// inconsistent request). The ids are checked before anything is deleted.
/// A device that goes is announced by push ([`devices::destroy`]).
pub async fn destroy(state: &AppState, caller: &SessionToken, target: Target) -> ApiResult<()> {
    let uid = caller.core.uid;
    if let Some(device_id) = target.device_id {
        let device = state
            .db
            .device(&uid, &device_id)
            .await?
            .ok_or(ApiError::UnknownDevice)?;
        if let Some(id) = &target.session_token_id {
            if device.session_token_id_hash.as_ref().map(|h| &h[..]) != Some(&id[..]) {
                return Err(invalid("sessionTokenId"));
            }
        }
        if let Some(id) = &target.refresh_token_id {
            if device.refresh_token_hash.as_ref() != Some(id) {
                return Err(invalid("refreshTokenId"));
            }
        }
        devices::destroy(state, &uid, &device_id).await?;
        return Ok(());
    }
    if target.session_token_id.is_some()
        && (target.refresh_token_id.is_some() || target.client_id.is_some())
    {
        return Err(invalid("sessionTokenId"));
    }
    if let Some(id) = target.refresh_token_id {
        let client_id = target.client_id.ok_or_else(|| invalid("clientId"))?;
        // An unknown refresh token is swallowed: the account is as asked.
        if let Some(t) = state.db.oauth_token(&id).await? {
            if t.uid == uid && t.client_id == client_id && t.kind == OAuthTokenKind::Refresh {
                state.db.delete_oauth_token(&id).await?;
            }
        }
        return Ok(());
    }
    if let Some(client_id) = target.client_id {
        for t in state.db.oauth_grants_of(&uid).await? {
            if t.client_id == client_id {
                state.db.delete_oauth_token(&t.token_hash).await?;
            }
        }
        return Ok(());
    }
    if let Some(id) = target.session_token_id {
        let id_hash: TokenIdHash = id.try_into().map_err(|_| invalid("sessionTokenId"))?;
        match state.db.session(&id_hash).await? {
            Some(s) if s.core.uid == uid => {
                state.db.delete_session(&id_hash).await?;
            }
            _ => return Err(invalid("sessionTokenId")),
        }
        return Ok(());
    }
    Err(invalid("clientId"))
}
