//! The profile server's stored field: an account's display name (the
//! `accounts.display_name` column, migration 7). Everything else the profile server
//! answers comes from the account itself.

use async_trait::async_trait;

use crate::model::*;
use crate::sql::{params, sql};
use crate::store::{Conn, DbResult};

#[async_trait]
pub trait Profiles: Conn {
    /// The account's display name; None when it was never set or there is no account.
    async fn display_name(&self, uid: &Uid) -> DbResult<Option<String>> {
        let sql = sql!("SELECT display_name FROM accounts WHERE uid = $1");
        let row = self.query_opt(sql, params![uid], |r| r.opt_text(0)).await?;
        Ok(row.flatten())
    }

    /// Sets the display name (`""` included, as Mozilla stores it) and, in the same
    /// statement, the account's `profile_changed_at` to `now`. False if there is no
    /// such account.
    async fn set_display_name(&self, uid: &Uid, name: &str, now: Millis) -> DbResult<bool> {
        let sql =
            sql!("UPDATE accounts SET display_name = $2, profile_changed_at = $3 WHERE uid = $1");
        Ok(self.exec(sql, params![uid, name, now]).await? > 0)
    }
}

impl<C: Conn> Profiles for C {}
