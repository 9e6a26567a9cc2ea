//! The aggregates still to come, so that they grow beside the others instead of
//! into them. Each will be one file in [`crate::ops`] with one trait of provided
//! methods over [`crate::Conn`] (implemented for every connection and
//! transaction), one migration, and its contract cases. No tables exist for them yet.
//!
//! * `Totp` (one row per uid: sealed secret, verified flag, `enable`, `verify`,
//!   `delete`), with `RecoveryCodes` (keyed hashes, consumed once like one-time codes).
//! * `RecoveryKeys` (one row per uid: recoveryKeyId, sealed recovery data,
//!   `hint`; read by `/account/reset` with `recoveryKeyId`).
