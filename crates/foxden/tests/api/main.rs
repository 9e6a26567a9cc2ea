//! HTTP-level tests: each test starts its own foxden on a free port.

mod account;
mod auth;
mod browserid;
mod cli;
mod client;
mod confirm;
mod emails;
mod helpers;
mod hygiene;
mod login;
mod mail;
mod postgres;
mod reset;
mod security;
mod session;
mod shutdown;
