//! Rate limiting ("customs", PROTOCOL §11): per-action counters keyed on the
//! client IP, the email or the uid, kept in the database so that every foxden
//! node behind a load balancer shares them. Keys are HMACs under the server
//! secret: the table holds neither addresses nor emails.
//!
//! * [`check`] counts a request against its action's rules and refuses it while
//!   any of them is over its limit: 429 errno 114 with `retryAfter`, or, when
//!   only a bad-password ban on the email stands in the way of a sign-in,
//!   400 errno 125 with `verificationMethod: "email-captcha"` (a mailed unblock
//!   code gets through, see [`crate::service::unblock`]).
//! * [`flag`] counts a failure (a wrong password or unblock code).
//! * [`forget_failures`] clears an email's failure counters after a reset.

pub mod rules;

use aws_lc_rs::hmac;
use foxden_db::{RateWindow, Uid};

use crate::clock::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::extract::ClientIp;
use crate::state::AppState;
pub use rules::Action;
use rules::{attempt_rules, failure_rules, On, Rule};

/// Who a request is from and about.
#[derive(Clone, Copy)]
pub struct Subject<'a> {
    pub ip: &'a ClientIp,
    /// The email the request names, if any (compared case-insensitively).
    pub email: Option<&'a str>,
    pub uid: Option<&'a Uid>,
}

impl<'a> Subject<'a> {
    pub fn email(ip: &'a ClientIp, email: &'a str) -> Self {
        Subject {
            ip,
            email: Some(email),
            uid: None,
        }
    }

    pub fn uid(ip: &'a ClientIp, uid: &'a Uid) -> Self {
        Subject {
            ip,
            email: None,
            uid: Some(uid),
        }
    }

    fn value(&self, on: On) -> Option<String> {
        match on {
            On::Ip => Some(self.ip.as_str().to_string()),
            On::Email => self.email.map(str::to_lowercase),
            On::Uid => self.uid.map(hex::encode),
        }
    }
}

/// A refusal: how long it lasts and whether an unblock code lifts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Block {
    pub retry_after_secs: u64,
    pub unblockable: bool,
}

impl Block {
    fn join(self, other: Block) -> Block {
        Block {
            retry_after_secs: self.retry_after_secs.max(other.retry_after_secs),
            unblockable: self.unblockable && other.unblockable,
        }
    }

    pub fn into_error(self) -> ApiError {
        if self.unblockable {
            ApiError::RequestBlocked { unblock: true }
        } else {
            ApiError::TooManyRequests {
                retry_after: self.retry_after_secs,
                unblock: false,
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Counter {
    Attempt,
    Failure,
}

/// HMAC-SHA256 of the counter's name (action, rule) and the subject's value.
fn key(state: &AppState, counter: Counter, action: Action, rule: &Rule, value: &str) -> [u8; 32] {
    let kind: &[u8] = match counter {
        Counter::Attempt => b"attempt",
        Counter::Failure => b"failure",
    };
    let key = hmac::Key::new(hmac::HMAC_SHA256, &state.ip_hmac_key);
    let mut ctx = hmac::Context::with_key(&key);
    // Two rules of one action on the same subject differ in their window.
    let window = rule.window.window_ms.to_be_bytes();
    for part in [
        b"foxden/customs".as_slice(),
        kind,
        action.name().as_bytes(),
        rule.on.name().as_bytes(),
        &window,
        value.as_bytes(),
    ] {
        ctx.update(&(part.len() as u64).to_be_bytes());
        ctx.update(part);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.sign().as_ref());
    out
}

fn block_until(action: Action, rule: &Rule, banned_until: i64, now: i64) -> Block {
    let left_ms = (banned_until - now).max(1);
    Block {
        retry_after_secs: ((left_ms + 999) / 1000) as u64,
        // Only a sign-in can carry an unblock code.
        unblockable: rule.unblockable && action == Action::AccountLogin,
    }
}

/// Counts the request against the action's rules; the block in force, if any.
pub async fn verdict(
    state: &AppState,
    action: Action,
    subject: Subject<'_>,
) -> ApiResult<Option<Block>> {
    if !state.settings.rate_limit {
        return Ok(None);
    }
    let now = now_ms();
    let mut block: Option<Block> = None;
    let mut note = |b: Block| block = Some(block.map_or(b, |old| old.join(b)));
    for rule in failure_rules(action) {
        let Some(value) = subject.value(rule.on) else {
            continue;
        };
        let key = key(state, Counter::Failure, action, rule, &value);
        if let Some(until) = state.db.rate_limit_ban(&key, now).await? {
            note(block_until(action, rule, until, now));
        }
    }
    for rule in attempt_rules(action) {
        let Some(value) = subject.value(rule.on) else {
            continue;
        };
        let key = key(state, Counter::Attempt, action, rule, &value);
        // A banned key counts nothing anyway: a read keeps a flood against it
        // off the (single, on SQLite) writer.
        let banned = match state.db.rate_limit_ban(&key, now).await? {
            Some(until) => Some(until),
            None => state.db.rate_limit_count(&key, &rule.window, now).await?,
        };
        if let Some(until) = banned {
            note(block_until(action, rule, until, now));
        }
    }
    if let Some(b) = block {
        tracing::info!(
            action = action.name(),
            retry_after = b.retry_after_secs,
            unblockable = b.unblockable,
            "request refused by rate limit"
        );
    }
    Ok(block)
}

/// Counts the request and refuses it while a limit is exceeded.
pub async fn check(state: &AppState, action: Action, subject: Subject<'_>) -> ApiResult<()> {
    match verdict(state, action, subject).await? {
        Some(block) => Err(block.into_error()),
        None => Ok(()),
    }
}

/// Counts a failure of the action (a wrong password or code). Best effort: a
/// storage error is logged, and the caller answers with the failure it had.
pub async fn flag(state: &AppState, action: Action, subject: Subject<'_>) {
    if !state.settings.rate_limit {
        return;
    }
    let now = now_ms();
    for rule in failure_rules(action) {
        let Some(value) = subject.value(rule.on) else {
            continue;
        };
        let key = key(state, Counter::Failure, action, rule, &value);
        // `max` failures are allowed; the one that reaches it bans what comes next.
        let window = RateWindow {
            max: rule.window.max.saturating_sub(1),
            ..rule.window
        };
        if let Err(err) = state.db.rate_limit_count(&key, &window, now).await {
            tracing::warn!(error = %err, action = action.name(), "could not count a failure");
        }
    }
}

/// After a password reset: the email's bad-password counters start afresh
/// (FxA's `customs.reset`).
pub async fn forget_failures(state: &AppState, email: &str) {
    let email = email.to_lowercase();
    let email = email.as_str();
    let keys: Vec<[u8; 32]> = [
        Action::AccountLogin,
        Action::PasswordChange,
        Action::AccountDestroy,
    ]
    .into_iter()
    .flat_map(|action| {
        failure_rules(action)
            .iter()
            .filter(|rule| rule.on == On::Email)
            .map(move |rule| key(state, Counter::Failure, action, rule, email))
    })
    .collect();
    if let Err(err) = state.db.rate_limit_clear(&keys).await {
        tracing::warn!(error = %err, "could not clear failure counters");
    }
}
