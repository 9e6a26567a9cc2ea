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
//! * [`reserve_failure`] counts a password check as a failure *before* the hash
//!   runs, so that no number of concurrent attempts gets more passwords checked
//!   than the bad-password rules allow; a password that matches gives the count
//!   back ([`Reservation::release`]).
//! * [`flag`] counts a failure found without a password check (an unknown
//!   account, a wrong unblock code).
//! * [`forget_failures`] clears an email's failure counters after a reset.
//!
//! Each route declares its rule once, in its handler: [`check`], or for routes that
//! check a password, [`PasswordGate::enter`], whose gate the service then reports
//! through (the reservation and the flags above) without naming the rule.
//!
//! Requests from an allowed address or about an email in an allowed domain
//! (`FOXDEN_RATE_LIMIT_ALLOWED_IPS`, `FOXDEN_RATE_LIMIT_ALLOWED_EMAIL_DOMAINS`, as
//! Mozilla's customs `allowedIPs` and `allowedEmailDomains`) are never limited:
//! test suites such as PyFxA's run against a server with limits on.

mod gate;
pub mod rules;

use aws_lc_rs::hmac;
use foxden_db::ops::*;
use foxden_db::{RateWindow, Uid};

use crate::clock::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::extract::ClientIp;
use crate::state::AppState;
pub use gate::{PasswordGate, UnblockCodes};
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

    /// An account's request: counted per uid, and allowed by its email's domain.
    pub fn account(ip: &'a ClientIp, account: &'a foxden_db::Account) -> Self {
        Subject {
            ip,
            email: Some(&account.email),
            uid: Some(&account.uid),
        }
    }

    /// Whether the allow-lists exempt this request from every limit.
    fn allowed(&self, settings: &crate::settings::Settings) -> bool {
        let by_ip = !settings.rate_limit_allowed_ips.is_empty()
            && self
                .ip
                .as_str()
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| {
                    settings
                        .rate_limit_allowed_ips
                        .iter()
                        .any(|net| net.contains(&ip))
                });
        by_ip
            || self.email.is_some_and(|email| {
                email_domain_allowed(&settings.rate_limit_allowed_email_domains, email)
            })
    }

    fn value(&self, on: On) -> Option<String> {
        match on {
            On::Ip => Some(self.ip.as_str().to_string()),
            On::Email => self.email.map(str::to_lowercase),
            On::Uid => self.uid.map(hex::encode),
        }
    }
}

/// `example.com` allows that domain, `*.example.com` the domains below it.
fn email_domain_allowed(patterns: &[String], email: &str) -> bool {
    let Some((_, domain)) = email.rsplit_once('@').filter(|_| !patterns.is_empty()) else {
        return false;
    };
    let domain = domain.to_ascii_lowercase();
    patterns.iter().any(|p| match p.strip_prefix("*.") {
        Some(parent) => domain
            .strip_suffix(parent)
            .is_some_and(|rest| rest.ends_with('.')),
        None => domain == *p,
    })
}

/// Whether limits apply to this request at all.
fn limited(state: &AppState, subject: &Subject<'_>) -> bool {
    state.settings.rate_limit && !subject.allowed(&state.settings)
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
async fn verdict(
    state: &AppState,
    action: Action,
    subject: Subject<'_>,
) -> ApiResult<Option<Block>> {
    if !limited(state, &subject) {
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

/// Failure counts taken ahead of a password check (see [`reserve_failure`]).
#[must_use = "a reservation is either kept (a wrong password) or released"]
struct Reservation {
    keys: Vec<[u8; 32]>,
}

impl Reservation {
    /// The attempt did not fail (or was never checked): its counts are given back.
    async fn release(self, state: &AppState) {
        for key in &self.keys {
            if let Err(err) = state.db.rate_limit_release(key).await {
                tracing::warn!(error = %err, "could not release a rate-limit reservation");
            }
        }
    }
}

/// Counts the coming password check against the action's failure rules at once:
/// each rule lets `max` checks through per window, and the one past it bans the
/// key, so at most `max` passwords are ever checked, however many requests race.
/// A wrong password keeps the counts; anything else releases them. With
/// `unblocked` (a valid unblock code came with the sign-in), rules that such a
/// code lifts are skipped. `Err(block)` when a rule is over its limit (nothing
/// stays counted then).
async fn reserve_failure(
    state: &AppState,
    action: Action,
    subject: Subject<'_>,
    unblocked: bool,
) -> ApiResult<Result<Reservation, Block>> {
    let mut reservation = Reservation { keys: Vec::new() };
    if !limited(state, &subject) {
        return Ok(Ok(reservation));
    }
    let now = now_ms();
    let mut block: Option<Block> = None;
    for rule in failure_rules(action) {
        if unblocked && rule.unblockable {
            continue;
        }
        let Some(value) = subject.value(rule.on) else {
            continue;
        };
        let key = key(state, Counter::Failure, action, rule, &value);
        match state.db.rate_limit_count(&key, &rule.window, now).await {
            Ok(None) => reservation.keys.push(key),
            Ok(Some(until)) => {
                let b = block_until(action, rule, until, now);
                block = Some(block.map_or(b, |old| old.join(b)));
            }
            Err(err) => {
                reservation.release(state).await;
                return Err(err.into());
            }
        }
    }
    match block {
        Some(b) => {
            reservation.release(state).await;
            tracing::info!(
                action = action.name(),
                retry_after = b.retry_after_secs,
                "password check refused by rate limit"
            );
            Ok(Err(b))
        }
        None => Ok(Ok(reservation)),
    }
}

/// Counts a failure of the action found without a password check (an unknown
/// account, a wrong unblock code). Best effort: a
/// storage error is logged, and the caller answers with the failure it had.
async fn flag(state: &AppState, action: Action, subject: Subject<'_>) {
    if !limited(state, &subject) {
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

#[cfg(test)]
mod tests {
    use super::email_domain_allowed;

    #[test]
    fn email_domains_match_exactly_or_below_a_wildcard() {
        let p = ["restmail.net".to_string(), "*.example.org".to_string()];
        assert!(email_domain_allowed(&p, "x@restmail.net"));
        assert!(email_domain_allowed(&p, "x@RestMail.NET"));
        assert!(!email_domain_allowed(&p, "x@sub.restmail.net"));
        assert!(!email_domain_allowed(&p, "x@evilrestmail.net"));
        assert!(email_domain_allowed(&p, "x@a.example.org"));
        assert!(email_domain_allowed(&p, "x@a.b.example.org"));
        assert!(!email_domain_allowed(&p, "x@example.org"));
        assert!(!email_domain_allowed(&p, "x@badexample.org"));
        assert!(!email_domain_allowed(&p, "restmail.net"));
        assert!(!email_domain_allowed(&[], "x@restmail.net"));
    }
}
