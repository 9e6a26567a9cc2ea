//! `foxden client add|list|show|remove|rotate-secret`: the OAuth clients.
//! A confidential client's secret is printed once and stored only as SHA-256;
//! rotating keeps the previous secret accepted until the next rotation.

use clap::{Args, Subcommand};
use foxden_db::ops::{OAuthClient, OAuthClients};
use foxden_db::Store;

use crate::oauth::clients::{self, parse_id};
use crate::oauth::scopes::ScopeSet;
use crate::settings::Settings;

#[derive(Subcommand)]
pub enum ClientCommand {
    /// Register a client (prints its id, and its secret once for a confidential client).
    Add(AddClient),
    /// List the registered clients.
    List,
    /// Show one client.
    Show { client_id: String },
    /// Remove a client with its codes and tokens.
    Remove { client_id: String },
    /// Give a confidential client a new secret (printed once); the previous one stays valid.
    RotateSecret { client_id: String },
}

#[derive(Args)]
pub struct AddClient {
    /// Display name.
    #[arg(long)]
    pub name: String,
    /// Where codes are sent; several comma-separated, the first is the default.
    #[arg(long)]
    pub redirect_uri: String,
    /// Space-separated scopes with keys or otherwise registered that the client may get
    /// (e.g. "profile https://identity.mozilla.com/apps/oldsync").
    #[arg(long, default_value = "")]
    pub allowed_scopes: String,
    /// A public client (PKCE, no secret); default: confidential (a secret is issued).
    #[arg(long)]
    pub public: bool,
    /// May be granted any scope it is allowed, not only the profile ones.
    #[arg(long)]
    pub trusted: bool,
    /// May use the `fxa-credentials` grant (public clients only).
    #[arg(long)]
    pub can_grant: bool,
    /// Issue it JWT access tokens.
    #[arg(long)]
    pub jwt_access_tokens: bool,
    #[arg(long, default_value = "")]
    pub image_uri: String,
    /// The id (16 hex); default: random.
    #[arg(long)]
    pub id: Option<String>,
}

pub async fn run(settings: Settings, command: ClientCommand) -> Result<(), String> {
    let db = crate::connect_db(settings.database_url.expose()).await?;
    let out = execute(&db, command).await?;
    print!("{out}");
    Ok(())
}

fn client_id(s: &str) -> Result<foxden_db::ops::ClientId, String> {
    parse_id(&s.to_ascii_lowercase()).ok_or_else(|| format!("not a client id (16 hex): {s}"))
}

async fn existing(db: &Store, id: &str) -> Result<OAuthClient, String> {
    db.oauth_client(&client_id(id)?)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no client {id}"))
}

/// Runs one command and returns what it prints.
pub async fn execute(db: &Store, command: ClientCommand) -> Result<String, String> {
    match command {
        ClientCommand::Add(add) => add_client(db, add).await,
        ClientCommand::List => {
            let all = db.oauth_clients().await.map_err(|e| e.to_string())?;
            Ok(all
                .iter()
                .map(|c| format!("{}  {}  {}\n", foxden_crypto::to_hex(c.id), kind(c), c.name))
                .collect())
        }
        ClientCommand::Show { client_id } => Ok(describe(&existing(db, &client_id).await?)),
        ClientCommand::Remove { client_id } => {
            let id = self::client_id(&client_id)?;
            if db
                .delete_oauth_client(&id)
                .await
                .map_err(|e| e.to_string())?
            {
                Ok(format!("removed client {client_id}\n"))
            } else {
                Err(format!("no client {client_id}"))
            }
        }
        ClientCommand::RotateSecret { client_id } => {
            let client = existing(db, &client_id).await?;
            if client.public_client {
                return Err(format!("{client_id} is a public client: it has no secret"));
            }
            let (secret, hash) = clients::new_secret();
            db.rotate_oauth_client_secret(&client.id, &hash)
                .await
                .map_err(|e| e.to_string())?;
            Ok(format!(
                "client_secret: {}\n(shown once; the previous secret is still accepted until the next rotation)\n",
                foxden_crypto::to_hex(secret)
            ))
        }
    }
}

async fn add_client(db: &Store, add: AddClient) -> Result<String, String> {
    let id = match &add.id {
        Some(id) => client_id(id)?,
        None => foxden_crypto::random::bytes::<8>(),
    };
    let scopes = ScopeSet::parse(&add.allowed_scopes)
        .ok_or_else(|| format!("invalid scopes: {}", add.allowed_scopes))?;
    if add.redirect_uri.split(',').all(|u| u.trim().is_empty()) {
        return Err("a redirect URI is needed".into());
    }
    if add.can_grant && !add.public {
        return Err("--can-grant needs --public (fxa-credentials is for public clients)".into());
    }
    let secret = (!add.public).then(clients::new_secret);
    let client = OAuthClient {
        id,
        name: add.name,
        redirect_uri: add.redirect_uri,
        image_uri: add.image_uri,
        trusted: add.trusted,
        public_client: add.public,
        can_grant: add.can_grant,
        allowed_scopes: scopes.to_string(),
        hashed_secret: secret.map(|(_, hash)| hash),
        hashed_secret_previous: None,
        jwt_access_tokens: add.jwt_access_tokens,
        created_at: crate::clock::now_ms(),
    };
    db.insert_oauth_client(&client).await.map_err(|e| match e {
        foxden_db::DbError::Duplicate => format!("a client {} exists", foxden_crypto::to_hex(id)),
        other => other.to_string(),
    })?;
    let mut out = format!("client_id: {}\n", foxden_crypto::to_hex(id));
    if let Some((secret, _)) = secret {
        out.push_str(&format!(
            "client_secret: {}\n(shown once; only its SHA-256 is stored)\n",
            foxden_crypto::to_hex(secret)
        ));
    }
    Ok(out)
}

fn kind(c: &OAuthClient) -> &'static str {
    if c.public_client {
        "public"
    } else {
        "confidential"
    }
}

fn describe(c: &OAuthClient) -> String {
    format!(
        "client_id: {}\nname: {}\nkind: {}\nredirect_uri: {}\nimage_uri: {}\ntrusted: {}\n\
         can_grant: {}\nallowed_scopes: {}\njwt_access_tokens: {}\nprevious secret accepted: {}\n",
        foxden_crypto::to_hex(c.id),
        c.name,
        kind(c),
        c.redirect_uri,
        c.image_uri,
        c.trusted,
        c.can_grant,
        c.allowed_scopes,
        c.jwt_access_tokens,
        c.hashed_secret_previous.is_some(),
    )
}
