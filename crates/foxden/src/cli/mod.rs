//! Operator commands that have grown beyond a few lines (`main.rs` only dispatches).

pub mod client;
