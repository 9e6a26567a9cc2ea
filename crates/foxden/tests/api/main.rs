//! HTTP-level tests: each test starts its own foxden on a free port.

mod account;
mod auth;
mod browserid;
mod change;
mod cli;
mod client;
mod confirm;
mod connections;
mod emails;
mod expiry;
mod forgot_otp;
mod helpers;
mod hygiene;
mod login;
mod mail;
mod matrix;
mod postgres;
mod reset;
mod security;
mod session;
mod shutdown;
mod unblock;
