//! Flows shared by several handlers; no HTTP types here.

pub mod attached_clients;
pub mod code_keys;
pub mod device_commands;
pub mod devices;
pub mod forgot_otp;
pub mod link_code;
pub mod login_push;
pub mod new_password;
pub mod one_time_code;
pub mod outbox;
pub mod password;
pub mod password_change;
pub mod password_forgot;
pub mod profile;
pub mod push_events;
pub mod security;
pub mod short_code;
pub mod signin;
mod signin_confirmation;
pub mod signup;
pub mod tokens;
pub mod unblock;
pub mod verification;
