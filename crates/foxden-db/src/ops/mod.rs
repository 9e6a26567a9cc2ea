//! The storage operations, one trait per aggregate. Each operation is a provided
//! method written once over [`crate::Conn`] (SQL with `$n` placeholders, rows
//! mapped by position), and every trait is implemented for every connection:
//! the [`crate::Store`] (each call atomic on its own) and a [`crate::Tx`] (calls
//! composed atomically). Import them all with `use foxden_db::ops::*;`.
//!
//! Adding an operation: one method in its aggregate's file, one contract case.

mod accounts;
mod codes;
mod device_commands;
mod devices;
mod housekeeping;
mod mail_queue;
mod oauth;
pub mod planned;
mod profiles;
mod push_queue;
mod rate_limits;
pub(crate) mod rows;
mod security;
mod sessions;
mod tokens;

pub use accounts::Accounts;
pub use codes::OneTimeCodes;
pub use device_commands::{CommandPage, DeviceCommands, QueuedCommand};
pub use devices::{Device, DeviceId, Devices, ListedDevice};
pub use housekeeping::Housekeeping;
pub use mail_queue::{MailQueue, QueueDepth, QueuedMail};
pub use oauth::{
    ClientId, OAuthClient, OAuthClients, OAuthCode, OAuthGrants, OAuthToken, OAuthTokenKind,
};
pub use profiles::Profiles;
pub use push_queue::{NewPush, PushQueue, QueuedPush};
pub use rate_limits::RateLimits;
pub use security::SecurityEvents;
pub use sessions::Sessions;
pub use tokens::Tokens;
