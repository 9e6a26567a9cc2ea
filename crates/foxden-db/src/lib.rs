//! foxden storage: the [`Db`] contract, its record types, and the SQLite and
//! PostgreSQL backends chosen at run time by URL.

pub mod model;
pub mod store;

pub use model::*;
pub use store::{Db, DbError, DbResult, PruneCutoffs};
