//! Housekeeping: every hour each node deletes what can no longer be used —
//! tokens past their lifetimes, one-time codes past the longest code lifetime,
//! rate-limit counters whose window and ban are long over, and device commands
//! past their TTL. Deleting is
//! idempotent, so several nodes pruning one PostgreSQL database is harmless.
//! `foxden prune` runs one pass by hand.

use foxden_db::ops::*;
use std::time::Duration;

use foxden_db::{DbResult, PruneCutoffs};

use crate::auth::PLAIN_TOKEN_LIFETIME_MS;
use crate::clock::now_ms;
use crate::service::password_forgot::FORGOT_LIFETIME_MS;
use crate::service::unblock;
use crate::settings::Settings;
use crate::state::AppState;

pub const INTERVAL: Duration = Duration::from_secs(60 * 60);

/// The longest rate-limit window or ban (a day, `passwordForgotVerifyOtp`'s).
const RATE_LIMIT_HORIZON_MS: i64 = 24 * 60 * 60 * 1000;

/// What counts as expired at `now`.
pub fn cutoffs(settings: &Settings, now: i64) -> PruneCutoffs {
    PruneCutoffs {
        session: (settings.session_lifetime_ms > 0).then(|| now - settings.session_lifetime_ms),
        password_change: now - PLAIN_TOKEN_LIFETIME_MS,
        password_forgot: now - FORGOT_LIFETIME_MS,
        account_reset: now - PLAIN_TOKEN_LIFETIME_MS,
        // Unblock codes live longest (an hour; password-forgot OTPs ten minutes).
        one_time_code: now - unblock::LIFETIME_MS,
        rate_limit: now - RATE_LIMIT_HORIZON_MS,
    }
}

/// One pass; how many rows went.
pub async fn prune_once(state: &AppState) -> DbResult<u64> {
    let now = now_ms();
    let mut removed = state
        .db
        .prune_expired(&cutoffs(&state.settings, now))
        .await?;
    // Expired access tokens and codes; refresh tokens live until revoked.
    removed += state
        .db
        .prune_expired_oauth(now, now - crate::oauth::tokens::CODE_LIFETIME_MS)
        .await?;
    // Device commands past their TTL (stored in seconds, as pushbox does).
    removed += state.db.prune_device_commands(now.div_euclid(1000)).await?;
    tracing::info!(removed, "pruned expired records");
    Ok(removed)
}

/// Prunes now and then every [`INTERVAL`], until the task is dropped.
pub async fn run(state: AppState) {
    let mut ticks = tokio::time::interval(INTERVAL);
    loop {
        ticks.tick().await;
        if let Err(err) = prune_once(&state).await {
            tracing::warn!(error = %err, "pruning failed; trying again next hour");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoffs_follow_the_lifetimes() {
        let mut settings = Settings::load(None).unwrap();
        settings.session_lifetime_ms = 1000;
        let now = 10_000_000_000;
        let c = cutoffs(&settings, now);
        assert_eq!(c.session, Some(now - 1000));
        assert_eq!(c.password_forgot, now - 60 * 60 * 1000);
        assert_eq!(c.password_change, now - 15 * 60 * 1000);
        assert_eq!(c.account_reset, now - 15 * 60 * 1000);
        assert_eq!(c.one_time_code, now - 60 * 60 * 1000);
        assert_eq!(c.rate_limit, now - 24 * 60 * 60 * 1000);
        settings.session_lifetime_ms = 0;
        assert_eq!(cutoffs(&settings, now).session, None, "0 keeps sessions");
    }
}
