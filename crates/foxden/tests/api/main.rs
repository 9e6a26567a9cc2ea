//! HTTP-level tests: each test starts its own foxden on a free port.

mod account;
mod at_rest;
mod auth;
mod browserid;
mod certificate_keys;
mod change;
mod cli;
mod client;
mod confirm;
mod emails;
mod expiry;
mod forgot_otp;
mod helpers;
mod hygiene;
mod limits;
mod login;
mod mail;
mod matrix;
mod pages;
mod postgres;
mod reset;
mod security;
mod session;
mod shutdown;
mod unblock;
mod undeliverable;
